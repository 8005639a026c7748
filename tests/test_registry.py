"""The model registry: immutable content-addressed versions, aliases and rollback, hashes verified, and loading that
trusts only the entry's allow-listed types, never pickle."""
import json, os, pickle
from fractions import Fraction
import numpy as np, pytest
from mlkit.__main__ import main
from mlkit.findings import MlkitError
from mlkit.registry import aliases, list_models, load_model, register, resolve, set_alias, verify
from modeltools import toy_run

@pytest.fixture
def registry(tmp_path):
    "Two runs registered as versions 1 and 2 of `toy-y`: (root, (run folder, raw frame, pipeline) of each)."
    runs = [toy_run(tmp_path/f'run{i}', seed=i) for i in (1, 2)]
    for r in runs: register(r[0], root=tmp_path/'models')
    return tmp_path/'models', runs

def _version_dir(root, v): return root/'toy-y'/'versions'/str(v)

def test_versions_are_content_addressed_and_immutable(registry):
    root, runs = registry
    t = list_models(root)
    assert t['version'].tolist() == [1, 2] and t['run'].tolist() == ['run1', 'run2']
    assert register(runs[0][0], root=root)['version'] == 1  # the same file: the same version, no third
    e = resolve('toy-y@1', root)
    assert e['run']['dir'] == str(runs[0][0].resolve()) and e['run']['report'].endswith('run1/index.html')
    assert all(oct(p.stat().st_mode)[-3:] == '444' for p in _version_dir(root, 1).iterdir())

def test_references_aliases_and_rollback(registry):
    root, _ = registry
    assert aliases(root, 'toy-y') == {'champion': 1}  # the first version registered
    assert resolve('toy-y', root)['version'] == 2  # the newest
    set_alias('toy-y', 2, 'champion', root); set_alias('toy-y', 1, 'challenger', root)
    assert resolve('toy-y@champion', root)['version'] == 2 and resolve('toy-y@challenger', root)['version'] == 1
    set_alias('toy-y', 1, 'champion', root)  # rollback
    assert resolve('toy-y@champion', root)['version'] == 1
    log = [json.loads(line) for line in (root/'toy-y'/'aliases.log').read_text().splitlines()]
    assert [(r['alias'], r['before'], r['after']) for r in log][-2:] == [('challenger', None, 1), ('champion', 2, 1)]
    for bad in ('toy-y@9', 'toy-y@gold', 'other', '../x'):
        with pytest.raises(MlkitError): resolve(bad, root)
    with pytest.raises(MlkitError): set_alias('toy-y', 7, 'champion', root)

def test_load_without_pickle_predicts_as_the_pipeline(registry, monkeypatch):
    root, runs = registry
    def refuse(*a, **k): raise AssertionError('pickle used')
    monkeypatch.setattr(pickle, 'load', refuse); monkeypatch.setattr(pickle, 'loads', refuse)
    _, raw, pipe = runs[1]
    m = load_model('toy-y@2', root)
    assert (m.name, m.version, m.card['target']) == ('toy-y', 2, 'y')
    got = m.predict(raw.iloc[-5:], raw.iloc[-5 - m.card['history']['rows']:-5])
    assert np.allclose(got['prediction'], pipe.predict(raw, 5)['prediction'], rtol=1e-9)

def test_tampered_file_is_refused_and_reported(registry):
    root, _ = registry
    f = _version_dir(root, 1)/'pipeline.skops'
    os.chmod(f, 0o644); data = bytearray(f.read_bytes()); data[len(data) // 2] ^= 1; f.write_bytes(bytes(data))
    with pytest.raises(MlkitError, match='does not match its registry entry'): load_model('toy-y@1', root)
    v = verify(root)
    assert v['ok'].tolist() == [False, True] and 'pipeline.skops changed' in v['problems'][0]
    assert main(['models', 'verify', '--root', str(root)]) == 1
    assert load_model('toy-y@2', root).version == 2  # the other version is untouched

def test_unknown_types_are_refused(tmp_path, registry):
    run, _, _ = toy_run(tmp_path/'evil', extra=Fraction(1, 3))  # a type outside the allow-list inside the pipeline
    with pytest.raises(MlkitError, match='fractions.Fraction'): register(run, root=tmp_path/'models')
    root, _ = registry
    entry = _version_dir(root, 2)/'entry.json'
    os.chmod(entry, 0o644)
    e = json.loads(entry.read_text())
    entry.write_text(json.dumps(e | {'trusted_types': e['trusted_types'] + ['builtins.eval']}))
    with pytest.raises(MlkitError, match='builtins.eval'): load_model('toy-y@2', root)  # the entry is checked too
    entry.write_text(json.dumps(e | {'trusted_types': [t for t in e['trusted_types'] if not t.startswith('mlkit.')]}))
    with pytest.raises(MlkitError, match='does not trust'): load_model('toy-y@2', root)  # never the file's own list

def test_cli_commands(tmp_path, capsys):
    run, _, _ = toy_run(tmp_path/'run')
    root = str(tmp_path/'models')
    assert main(['models', 'register', str(run), '--name', 'demo', '--root', root]) == 0
    assert 'registered demo@1' in capsys.readouterr().out
    assert main(['models', 'list', '--root', root]) == 0 and 'demo' in capsys.readouterr().out
    assert main(['models', 'alias', 'demo', '1', 'challenger', '--root', root]) == 0
    capsys.readouterr()
    assert main(['models', 'show', 'demo@challenger', '--root', root]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown['version'] == 1 and shown['aliases'] == ['champion', 'challenger'] and shown['card']['target'] == 'y'
    assert main(['models', 'verify', '--root', root]) == 0
    assert main(['models', 'show', 'demo@9', '--root', root]) == 2
    assert main(['models', 'register', str(tmp_path), '--root', root]) == 2  # no model/ there
    assert 'no exported model' in capsys.readouterr().err

def test_mlflow_logs_the_run_and_registers_the_model(tmp_path):
    "Against a real local MLflow store (SQLite): parameters, metrics per model and fold, findings, report, model."
    mlflow = pytest.importorskip('mlflow')
    import pandas as pd
    from mlkit.records import write_json
    from mlkit.registry import log_run, mlflow_register
    run, _, _ = toy_run(tmp_path/'run')
    write_json(run/'manifest.json', dict(parameters=dict(target='y', seed=0, run_dir=str(run)), git_commit='abc',
                                         data=dict(sha256='0' * 64), status='complete'))
    write_json(run/'findings.json', [dict(check='overfitting', severity='warning', column=None, message='m',
                                          evidence={})])
    (run/'index.html').write_text('<html>report</html>')
    (run/'artifacts').mkdir()
    pd.DataFrame({'model': ['ridge', 'ridge', 'naive', 'naive'], 'fold': [0, 1, 0, 1], 'is_baseline': [0, 0, 1, 1],
                  'mae': [1., 2, 3, 4]}).to_parquet(run/'artifacts'/'backtest_scores.parquet')
    uri = f"sqlite:///{tmp_path/'mlflow.db'}"
    e = register(run, root=tmp_path/'models')
    log_run(run, uri, artifacts=tmp_path/'mlartifacts')  # files beside the store, not in ./mlruns
    assert main(['models', 'register', str(run), '--root', str(tmp_path/'models'), '--mlflow', uri]) == 0
    logged = json.loads((run/'mlflow.json').read_text())
    r = mlflow.MlflowClient(uri).get_run(logged['run_id'])
    assert r.data.params['target'] == 'y' and 'run_dir' not in r.data.params
    assert r.data.metrics['findings.warning'] == 1 and r.data.tags['mlkit.git_commit'] == 'abc'
    history = mlflow.MlflowClient(uri).get_metric_history(logged['run_id'], 'fold.ridge.mae')
    assert [(m.step, m.value) for m in history] == [(0, 1.), (1, 2.)]
    arts = {a.path for a in mlflow.MlflowClient(uri).list_artifacts(logged['run_id'], 'report')}
    assert 'report/index.html' in arts
    models = {a.path for a in mlflow.MlflowClient(uri).list_artifacts(logged['run_id'], 'model')}
    assert {'model/pipeline.skops', 'model/card.json'} <= models
    assert (tmp_path/'mlartifacts').is_dir()
    assert mlflow_register(e, uri) == 2  # the same run again: a second MLflow version of the name
    mv = mlflow.MlflowClient(uri).get_model_version('toy-y', '1')
    assert mv.tags['mlkit.sha256'] == e['sha256'] and mv.run_id == logged['run_id']
