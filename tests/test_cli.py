"""`mlkit run` end to end on the bundled data, a failing step, and one notebook run by papermill on user data."""
import json, re, shlex, subprocess, sys
from pathlib import Path
import pandas as pd, nbformat
from mlkit.core import ARTIFACTS
from mlkit.records import loads_strict_json
from mlkit.runner import notebooks_dir
from clitools import ROOT, STEPS, mlkit, text_outputs

def test_full_run_on_bundled_data(tmp_path):
    "The README's main job: every step completes; notebooks, HTML, index, manifest and findings are written."
    r = mlkit('run', '--name', 'bundled', '--register', 'models', cwd=tmp_path)  # as scripts/run.sh does
    assert r.returncode == 0, r.stderr
    run = tmp_path/'reports'/'bundled'
    # the exported model, registered as the champion, loads and predicts from raw rows and their history
    assert (run/'model'/'pipeline.skops').exists() and (run/'model'/'card.json').exists()
    assert 'registered bike_sharing_hourly-cnt@1' in r.stdout and 'champion: bike_sharing_hourly-cnt@1' in r.stdout
    from mlkit.registry import load_model
    model = load_model('bike_sharing_hourly-cnt@champion', tmp_path/'models')
    data = pd.read_parquet(run/'artifacts'/'data.parquet')
    need = model.card['history']['rows']
    assert len(model.predict(data.iloc[-3:], data.iloc[-3 - need:-3])) == 3
    for s in STEPS: assert (run/f'{s}.ipynb').exists() and (run/f'{s}.html').exists(), s
    m = json.loads((run/'manifest.json').read_text())
    assert m['status'] == 'complete' and [s['step'] for s in m['steps']] == STEPS
    assert all(s['status'] == 'complete' for s in m['steps'])
    assert m['data']['sha256'] == 'b03a2d02e8c10f435c43c7f0b358b7e34a003afea53dbc37f0183f2763295133'
    assert m['data']['rows'] == 17379 and m['parameters']['freq'] == 'h' and m['parameters']['task'] == 'regression'
    assert m['versions']['pandas'] == pd.__version__ and m['seed'] == 0
    assert m['steps'][0]['figures']['rows'] == 17379
    assert isinstance(json.loads((run/'findings.json').read_text()), list)
    # every registered artifact is written, in its registered format, and nothing else
    assert sorted(p.name for p in (run/'artifacts').iterdir()) == sorted(f'{a.name}.{a.format}' for a in
                                                                          ARTIFACTS.values())
    index = (run/'index.html').read_text()
    assert 'complete' in index and all(f'{s}.html' in index for s in STEPS)
    # findings grouped by severity, linked to their step's page; models and folds as pictures inside the page
    assert '<h3>critical (' in index
    assert '<a href="05_evaluation.html#findings">' in index
    assert '<details><summary>info (' in index
    assert 'Models against baselines' in index and index.count('src="data:image/png;base64,') == 2
    assert f"[{len(STEPS)}/{len(STEPS)}] {STEPS[-1]}: complete" in r.stdout  # progress per step
    # strict JSON everywhere, self-contained pages, the bundled data's attribution, a complete re-run command
    for p in [*run.rglob('*.json'), *run.glob('*.ipynb')]: loads_strict_json(p.read_text())
    for s in STEPS:
        page = (run/f'{s}.html').read_text()
        assert not re.search(r'<(script|link)[^>]*(src|href)="(https?:)?//', page), s
        assert not re.search(r'<script[^>]*>(?:(?!</script>).)*https?://', page, re.S), s  # no remote import
    assert 'Bike Sharing' in m['attribution'] and 'Bike Sharing' in index
    assert shlex.split(m['rerun'])[-4:] == ['--reports', str(tmp_path/'reports'), '--name', 'bundled-rerun']
    assert m['pid'] > 0 and m['host'] and m['heartbeat'] and m['steps'][0]['figures']['rows_left'] == 17379

def test_failing_step_is_reported_and_kept(tmp_path, user_csv):
    "A step that raises: exit 1 naming notebook and cell, its partial notebook kept, the run marked failed."
    nbs = tmp_path/'nbs'; nbs.mkdir()
    good = notebooks_dir()/f'{STEPS[0]}.ipynb'
    (nbs/good.name).write_bytes(good.read_bytes())
    params = nbformat.v4.new_code_cell("data_path = target = time_col = task = freq = seed = run_dir = None")
    params.metadata['tags'] = ['parameters']
    bad = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell('x = 1'),
                                          nbformat.v4.new_code_cell("raise RuntimeError('boom')")])
    bad.metadata['kernelspec'] = {'name': 'python3', 'language': 'python', 'display_name': 'Python 3'}
    nbformat.write(bad, nbs/'50_broken.ipynb')
    r = mlkit('run', '--data', user_csv, '--target', 'y', '--name', 'broken', '--nbs', nbs, cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert "50_broken.ipynb failed in cell In [4] `raise RuntimeError('boom')`" in r.stderr
    assert 'RuntimeError: boom' in r.stderr, r.stderr
    run = tmp_path/'reports'/'broken'
    m = json.loads((run/'manifest.json').read_text())
    assert m['status'] == 'failed' and [s['status'] for s in m['steps']] == ['complete', 'failed']
    assert (run/'50_broken.ipynb').exists() and 'failed' in (run/'index.html').read_text()

def run_eda_with_papermill(folder:Path, name:str, *params) -> str:
    "Run 01_eda with papermill's CLI and `-p` `params` in `folder`; the output notebook's text."
    out = folder/name
    r = subprocess.run([Path(sys.executable).parent/'papermill', ROOT/'nbs'/'01_eda.ipynb', out, *params, '--log-level',
                        'ERROR'],
                       capture_output=True, text=True, timeout=600, cwd=folder)
    assert r.returncode == 0, r.stderr[-2000:]
    return '\n'.join(text_outputs(out, folder))

def test_one_notebook_with_papermill_on_user_data(tmp_path, user_csv):
    "A user runs one step notebook on their own data with papermill's CLI, without a run folder."
    text = run_eda_with_papermill(tmp_path, 'eda.ipynb', '-p', 'data_path', user_csv, '-p', 'target', 'y', '-p',
                                  'time_col', 'ts')
    assert 'kind' in text and 'bike' not in text.lower()  # the analysis is of the user's columns, not the bundled data
    assert not (tmp_path/'reports').exists()  # in memory: nothing written besides the output notebook

def test_eda_notebook_on_a_label_target(tmp_path, user_csv):
    "01_eda on a classification target: class balance and class shares over time instead of a mean."
    text = run_eda_with_papermill(tmp_path, 'eda_cls.ipynb', '-p', 'data_path', user_csv, '-p', 'target', 'kind', '-p',
                                  'task', 'classification')
    assert 'share' in text and '<missing>' not in text
