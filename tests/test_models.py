"""Models the user chooses (`--models`, `mlkit.candidates`) and the hybrid neural model (`mlkit.neural`, optional)."""
import json, shlex, sys
import numpy as np, pandas as pd, pytest, nbformat
from mlkit.__main__ import main
from mlkit.candidates import candidate_models, parse_models
from mlkit.config import RunConfig
from mlkit.core import open_run
from mlkit.evaluation import evaluate
from mlkit.backtest import backtest_run
from mlkit.findings import MlkitError
from mlkit.runner import notebooks_dir, run_suite
from mlkit.splitters import TemporalSplit
from mlkit.walkforward import backtest
from clitools import STEPS

FOREST = 'sklearn.ensemble.RandomForestRegressor(n_estimators=10, max_depth=4)'

# --- parsing and resolving --models

def test_candidates_by_name_and_alias():
    "mlkit's candidates by name; `hgb` and `linear` are aliases; the default is exactly the two former defaults."
    assert list(candidate_models('regression', models='linear,hgb')) == list(candidate_models('regression')) \
        == ['ridge', 'hist_gradient_boosting']
    assert list(candidate_models('classification', models='linear,hgb')) == ['logistic', 'hist_gradient_boosting']
    m = candidate_models('regression', seed=4, models='hgb(max_iter=12, learning_rate=0.2)')['hist_gradient_boosting']
    assert (m[-1].max_iter, m[-1].learning_rate, m[-1].random_state) == (12, .2, 4)

def test_import_paths_with_parameters():
    "An estimator by import path: literal parameters, the run's seed unless given, named by its class."
    m = candidate_models('regression', seed=3, models=f"ridge, {FOREST}, sklearn.linear_model.Lasso(alpha=0.5), "
                         "sklearn.ensemble.RandomForestRegressor(random_state=11, criterion='absolute_error')")
    assert list(m) == ['ridge', 'RandomForestRegressor', 'Lasso', 'RandomForestRegressor_2']
    forest, forest2 = m['RandomForestRegressor'][-1], m['RandomForestRegressor_2'][-1]
    assert (forest.n_estimators, forest.max_depth, forest.random_state) == (10, 4, 3)
    assert (forest2.random_state, forest2.criterion) == (11, 'absolute_error')
    # the same pipeline as mlkit's linear candidate: the fold's cleaning, imputation, scaling, one-hot encoding
    assert [s for s, _ in m['Lasso'].steps] == [s for s, _ in m['ridge'].steps] == ['clean', 'prep', 'model']
    assert parse_models("a.B(x=[1, 2], y={'k': None}, z=-1e-3)")[0].params == dict(x=[1, 2], y={'k': None}, z=-1e-3)

@pytest.mark.parametrize('models, says', [
    ('forest', "unknown model 'forest'"),
    ('nosuchpackage.Model', "cannot import 'nosuchpackage'"),
    ('sklearn.ensemble.RandomForrest', "sklearn.ensemble has no 'RandomForrest'"),
    ('sklearn.metrics.mean_absolute_error', 'is not a scikit-learn estimator'),
    ('collections.OrderedDict', 'is not a scikit-learn estimator'),
    ('sklearn.linear_model.Ridge(alphaa=1)', "unexpected keyword argument 'alphaa'"),
    ("sklearn.linear_model.Ridge(alpha=__import__('os').getpid())", 'is not a literal value'),
    ('sklearn.linear_model.Ridge(1.0)', 'passes parameters without names'),
    ('ridge,,hgb', 'cannot read --models'),
    ('sklearn.ensemble.RandomForestClassifier', 'is a classifier but the task is regression'),
    ('logistic', 'logistic is a classification model but the task is regression'),
])
def test_bad_models_name_the_problem_and_the_fix(models, says):
    with pytest.raises(MlkitError, match='Fix: ') as e: candidate_models('regression', models=models)
    assert says in str(e.value) and '\n' not in str(e.value)

def test_nothing_is_evaluated(tmp_path):
    "A parameter value is read as a literal only: code in it never runs, and the entry is refused."
    flag = tmp_path/'ran'
    with pytest.raises(MlkitError, match='not a literal'):
        parse_models(f"sklearn.linear_model.Ridge(alpha=open({str(flag)!r}, 'w').write('x'))")
    assert not flag.exists()

def test_cli_refuses_bad_models_before_anything_is_written(tmp_path, capsys, monkeypatch):
    "`mlkit run --models ...`: a bad entry exits 2 with one line; a good one passes `--check`."
    monkeypatch.chdir(tmp_path)
    assert main(['run', '--models', 'sklearn.ensemble.NoSuchForest', '--check']) == 2
    err = capsys.readouterr().err.strip()
    assert err.count('\n') == 0 and "sklearn.ensemble has no 'NoSuchForest'" in err
    assert main(['run', '--models', 'ridge,,', '--check']) == 2  # the syntax fails in RunConfig already
    assert 'cannot read --models' in capsys.readouterr().err
    assert main(['run', '--models', f'ridge,{FOREST}', '--check']) == 0
    assert not (tmp_path/'reports').exists()

# --- a user's estimator in the backtest, the evaluation and the run

def test_user_estimator_gets_the_same_folds_intervals_and_dm_tests(user_csv):
    "A user's estimator, through 04's `backtest_run` and 05's `evaluate`: scored on every fold, with CIs and DM rows."
    run = open_run(str(user_csv), 'y', 'ts', models=f'ridge,{FOREST}')
    res, _ = backtest_run(run)
    assert res.summary['models'] == ['ridge', 'RandomForestRegressor']
    folds = res.scores.groupby('model')['fold'].apply(list)
    assert folds['RandomForestRegressor'] == folds['ridge'] == folds['naive']  # the same folds as everyone
    ev = evaluate(res.predictions, 'regression', season=int(res.summary['seasonal_period']), seed=0)
    mae = ev.metrics.set_index(['model', 'metric']).loc[('RandomForestRegressor', 'mae')]
    assert mae['ci_low'] < mae['value'] < mae['ci_high']
    dm = ev.tests[ev.tests['model'] == 'RandomForestRegressor']
    assert sorted(dm['baseline']) == sorted(res.summary['baselines']) and dm['p_value'].between(0, 1).all()

def _models_notebook(folder):
    "A one-step notebook folder whose step records the models it was given through the run folder."
    params = nbformat.v4.new_code_cell("data_path = target = time_col = task = freq = seed = run_dir = step = None")
    params.metadata['tags'] = ['parameters']
    body = nbformat.v4.new_code_cell("from mlkit.core import open_run\n"
                                     "run = open_run(data_path, target, time_col, task, freq, seed, run_dir, step=step)"
                                     "\nrun.record({'models': run.cfg.models})")
    nb = nbformat.v4.new_notebook(cells=[params, body])
    nb.metadata['kernelspec'] = {'name': 'python3', 'language': 'python', 'display_name': 'Python 3'}
    folder.mkdir()
    nbformat.write(nb, folder/'50_models.ipynb')
    return folder

def test_run_records_models_for_a_rerun(tmp_path, user_csv):
    "The run passes --models to every step (through the run folder too), and its manifest and re-run command keep it."
    res = run_suite(RunConfig(data=str(user_csv), target='y', name='m', models=f'ridge,{FOREST}'),
                    reports_dir=tmp_path/'reports', nbs=_models_notebook(tmp_path/'nbs'), log=lambda *a: None)
    assert res.status == 'complete', res.error
    m = json.loads((res.path/'manifest.json').read_text())
    assert m['parameters']['models'] == f'ridge,{FOREST}' and m['steps'][0]['figures']['models'] == f'ridge,{FOREST}'
    args = shlex.split(m['rerun'])
    assert args[args.index('--models') + 1] == f'ridge,{FOREST}'
    assert json.loads((res.path/'artifacts'/'config.json').read_text())['models'] == f'ridge,{FOREST}'

def test_the_backtest_notebook_takes_models():
    "04_backtest declares `models` in its parameters cell and hands it to `open_run` (papermill's -p models ...)."
    nb = nbformat.read(notebooks_dir()/'04_backtest.ipynb', as_version=4)
    params = next(c for c in nb.cells if 'parameters' in c.metadata.get('tags', []))
    assert 'models = None' in params.source and '04_backtest' in STEPS
    assert any('open_run(' in c.source and 'models=models' in c.source for c in nb.cells)

# --- the hybrid neural model (skipped when PyTorch is not installed)

def _series(n=24 * 40, seed=0):
    rng = np.random.default_rng(seed)
    t = pd.date_range('2024-01-01', periods=n, freq='h')
    y = 10 + 5 * np.sin(2 * np.pi * t.hour / 24) + rng.normal(0, .5, n)
    return t, pd.DataFrame({'hr': t.hour, 'lag1': np.r_[y[0], y[:-1]], 'x': rng.normal(size=n)}), y

def test_mlp_is_deterministic_under_a_seed():
    "The same random_state gives bit-identical predictions (and training), another seed other ones."
    neural = pytest.importorskip('mlkit.neural')
    _, X, y = _series()
    fit = lambda seed: neural.HybridMLPRegressor(max_epochs=15, random_state=seed).fit(X[:-48], y[:-48])
    a, b, c = fit(5), fit(5), fit(6)
    assert np.array_equal(a.predict(X[-48:]), b.predict(X[-48:])) and a.n_epochs_ == b.n_epochs_
    assert not np.array_equal(a.predict(X[-48:]), c.predict(X[-48:]))
    lab = np.where(y > 10, 'high', 'low')
    p1, p2 = (neural.HybridMLPClassifier(max_epochs=5, random_state=1).fit(X, lab).predict_proba(X) for _ in '12')
    assert np.array_equal(p1, p2) and np.allclose(p1.sum(axis=1), 1)

def test_mlp_stops_early_on_the_time_ordered_tail():
    "On noise the validation tail stops improving: the fit ends well before max_epochs, with the best epoch kept."
    neural = pytest.importorskip('mlkit.neural')
    rng = np.random.default_rng(1)
    X, y = pd.DataFrame({'a': rng.normal(size=600), 'b': rng.normal(size=600)}), rng.normal(size=600)
    m = neural.HybridMLPRegressor(max_epochs=200, patience=5, random_state=0).fit(X, y)
    assert m.n_epochs_ < 200 and np.isfinite(m.validation_loss_)

def test_mlp_joins_the_candidates_and_the_backtest():
    "`--models ridge,hgb,mlp`: the hybrid network behind the fold's cleaning only (it embeds categories itself)."
    pytest.importorskip('mlkit.neural')
    t, X, y = _series()
    models = candidate_models('regression', models='ridge,mlp(max_epochs=10)')
    assert [s for s, _ in models['mlp'].steps] == ['clean', 'model']
    res = backtest(models, X, y, t, TemporalSplit(2, test_size='2D'), freq='h', progress=False)
    assert set(res.scores['model']) >= {'ridge', 'mlp', 'naive'} and res.scores['mae'].notna().all()

def test_mlp_without_torch_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, 'mlkit.neural', None)  # importing it now raises ImportError, as without torch
    with pytest.raises(MlkitError, match=r'needs PyTorch.*pip install "mlkit\[torch\]"'):
        candidate_models('regression', models='ridge,mlp')
    assert list(candidate_models('regression')) == ['ridge', 'hist_gradient_boosting']  # the defaults need no torch

def _checks():
    "scikit-learn's estimator checks for both hybrid estimators (none when PyTorch is missing)."
    try: from mlkit.neural import HybridMLPClassifier, HybridMLPRegressor
    except ImportError: return pytest.mark.skip(reason='PyTorch is not installed (pip install "mlkit[torch]")')
    from sklearn.utils.estimator_checks import parametrize_with_checks
    # Every check applies and passes. The one that is skipped, check_array_api_input, needs SCIPY_ARRAY_API=1 and an
    # array API namespace: the estimators take numpy arrays and DataFrames (they convert to torch tensors themselves).
    # The default max_epochs: with fewer, the regressor scores below check_regressors_train's R2 of 0.5.
    return parametrize_with_checks([HybridMLPRegressor(random_state=0),
                                    HybridMLPClassifier(random_state=0)])

@_checks()
def test_sklearn_compatible(estimator, check):
    check(estimator)

def test_mlp_pipeline_ships_with_skops():
    "A fitted hybrid pipeline survives skops (the format 06_export ships models in), trusting only mlkit's types."
    pytest.importorskip('mlkit.neural')
    import skops.io as sio
    _, X, y = _series()
    pipe = candidate_models('regression', models='mlp(max_epochs=3)')['mlp'].fit(X, y)
    data = sio.dumps(pipe)
    untrusted = sio.get_untrusted_types(data=data)
    assert {t for t in untrusted if not t.startswith('sklearn.')} == {'mlkit.neural.HybridMLPRegressor',
                                                                      'mlkit.neural.TabularEncoder',
                                                                      'mlkit.repair.FoldCleaner'}
    assert np.array_equal(sio.loads(data, trusted=untrusted).predict(X), pipe.predict(X))
