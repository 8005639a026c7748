"""mlkit.splitters, mlkit.walkforward and mlkit.backtest: splitters agree with scikit-learn, the engine agrees with a
hand-written loop, parallel == serial, bad input stops early (the fast paths: tests/test_fastpath.py)."""
import json
import numpy as np, pandas as pd, pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, HalvingRandomSearchCV, TimeSeriesSplit, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from mlkit.core import Run, RunDir
from mlkit.findings import MlkitError
from mlkit.config import RunConfig
from mlkit.splitters import TemporalSplit, default_splitter
from mlkit.baselines import score
from mlkit.walkforward import backtest, refit_schedule
from mlkit.backtest import default_models, backtest_findings
from mlkit.features import PastFeatures, make_features

def series(n=24 * 50, seed=0):
    "Hourly target with a daily cycle and a random walk, its lag features and an exogenous column."
    rng = np.random.default_rng(seed)
    ts = pd.date_range('2024-01-01', periods=n, freq='h')
    x = rng.normal(size=n)
    y = 20 + 6 * np.sin(2 * np.pi * ts.hour / 24) + np.cumsum(rng.normal(0, .4, n)) + 2 * x
    df = make_features(pd.DataFrame({'ts': ts, 'y': y, 'x': x}),
                       PastFeatures('ts', 'y', lags=[1, 2, 24], windows=[24], known_cols=['x'], calendar=False,
                                    freq='h'))
    return df.drop(columns=['ts', 'y']), df['y'].to_numpy(), pd.DatetimeIndex(df['ts'])

@pytest.mark.parametrize('kw', [dict(n_splits=5), dict(n_splits=3, test_size=7), dict(n_splits=4, gap=3),
                                dict(n_splits=3, test_size=5, gap=2, max_train_size=10),
                                dict(n_splits=2, max_train_size=4)])
def test_splits_equal_timeseriessplit(kw):
    X = np.zeros((53, 2))
    ours = dict(kw)
    if 'max_train_size' in ours: ours['train_size'] = ours.pop('max_train_size'); ours['window'] = 'sliding'
    for (a, b), (c, d) in zip(TimeSeriesSplit(**kw).split(X), TemporalSplit(**ours).split(X), strict=True):
        assert np.array_equal(a, c) and np.array_equal(b, d)
    assert TemporalSplit(**ours).get_n_splits() == kw['n_splits']

def test_offsets_step_purge_embargo():
    X = pd.DataFrame(index=pd.date_range('2024-01-01', periods=24 * 30, freq='h'))
    f = TemporalSplit(3, test_size='2D', step='3D', gap='6h', purge='6h').fold_table(X)
    assert (f['n_test'] == 48).all() and (f['test_start'].diff().dropna() == pd.Timedelta('3D')).all()
    assert (f['test_start'] - f['train_end'] == pd.Timedelta('12h') + pd.Timedelta('1h')).all()
    sl = TemporalSplit(2, test_size='1D', window='sliding', train_size='5D').fold_table(X)
    assert (sl['n_train'] == 120).all()
    folds = TemporalSplit(3, window='blocked', purge='10h', embargo='1D').folds(X)
    train, test = folds[1]
    before, after = train[train < test[0]], train[train > test[-1]]
    assert test[0] - before[-1] == 11 and after[0] - test[-1] == 25 and len(np.intersect1d(train, test)) == 0

def test_engine_one_step_equals_handwritten_sklearn_loop():
    "Same folds (TimeSeriesSplit), same models: identical one-step predictions, in serial and with joblib."
    X, y, t = series()
    cv = TimeSeriesSplit(5, test_size=96)
    models = {'ridge': make_pipeline(StandardScaler(), Ridge(alpha=3.)),
              'hgb': HistGradientBoostingRegressor(max_iter=30, random_state=0)}
    res = backtest(models, X, y, t, cv, freq='h', progress=False)
    for name, est in models.items():
        got = res.predictions[res.predictions['model'] == name]
        hand = np.concatenate([est.fit(X.iloc[tr], y[tr]).predict(X.iloc[te]) for tr, te in cv.split(X)])
        assert np.allclose(got['y_pred'], hand, rtol=1e-9, atol=1e-9), name
        assert np.array_equal(got['time'], np.concatenate([t[te] for _, te in cv.split(X)]))
    par = backtest(models, X, y, t, cv, freq='h', n_jobs=2, progress=False)
    pd.testing.assert_frame_equal(par.predictions, res.predictions)
    pd.testing.assert_frame_equal(par.scores.drop(columns=['fit_seconds', 'predict_seconds']),
                                  res.scores.drop(columns=['fit_seconds', 'predict_seconds']))

def test_dask_local_cluster_equals_serial():
    distributed = pytest.importorskip('distributed')
    X, y, t = series(n=24 * 30)
    cv = TemporalSplit(4, test_size=48)
    models = {'hgb': HistGradientBoostingRegressor(max_iter=20, random_state=0), 'ridge': make_pipeline(Ridge())}
    serial = backtest(models, X, y, t, cv, freq='h', progress=False)
    with pytest.raises(MlkitError, match='needs a running dask'):
        backtest(models, X, y, t, cv, backend='dask', progress=False)
    with (distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                   dashboard_address=None) as cluster, distributed.Client(cluster)):
        on_dask = backtest(models, X, y, t, cv, freq='h', backend='dask', progress=False)
    pd.testing.assert_frame_equal(on_dask.predictions, serial.predictions)

def test_splitter_in_sklearn_model_selection():
    X, y, t = series()
    Xt = X.set_index(t)
    cv = TemporalSplit(3, test_size='3D', gap='1h')
    r = cross_validate(Ridge(), Xt, y, cv=cv, scoring='neg_mean_absolute_error')
    assert len(r['test_score']) == 3
    gs = GridSearchCV(Ridge(), {'alpha': [.01, 100.]}, cv=cv).fit(Xt, y)
    assert gs.best_params_['alpha'] in (.01, 100.)
    hs = HalvingRandomSearchCV(HistGradientBoostingRegressor(random_state=0),
                               {'max_depth': [2, 3, None], 'learning_rate': [.05, .1]},
                               cv=TemporalSplit(3, test_size=96), random_state=0, min_resources=300,
                               n_candidates=4).fit(X, y)
    assert hs.best_params_

def test_baselines_and_comparison():
    X, y, t = series()
    res = backtest({'ridge': Ridge()}, X, y, t, TemporalSplit(4, test_size=20), freq='h', progress=False)
    p = res.predictions
    naive = p[p['model'] == 'naive']
    prev = pd.Series(y, index=t).shift(1, freq='h').reindex(naive['time']).to_numpy()
    assert np.allclose(naive['y_pred'], prev)
    seas = p[p['model'] == 'seasonal_naive']
    assert np.allclose(seas['y_pred'], pd.Series(y, index=t).shift(24, freq='h').reindex(seas['time']).to_numpy())
    assert res.summary['seasonal_period'] == 24 and res.summary['baselines'] == ['naive', 'seasonal_naive', 'mean']
    cmp = res.comparison()
    assert cmp['model'].iloc[0] == 'ridge'
    assert cmp['folds_won'].sum() == 4
    assert set(cmp['model']) == {'ridge', 'naive', 'seasonal_naive', 'mean'}
    # 20 test rows: under a day
    assert [f.check for f in backtest_findings(res, X.shape[1])] == ['backtest_folds', 'small_folds']

def test_classification_binary_and_multiclass():
    X, y, t = series()
    yb = np.where(y > np.median(y), 'high', 'low')
    res = backtest({'logit': make_pipeline(StandardScaler(), LogisticRegression())}, X, yb, t,
                   TemporalSplit(3, test_size=72),
                   task='classification', freq='h', progress=False)
    assert res.summary['baselines'] == ['majority', 'prior'] and 'proba' in res.predictions
    # as 05 judges it
    assert res.predictions['proba'].between(0, 1).all() and res.summary['primary_metric'] == 'roc_auc'
    s = res.scores.set_index('model')
    assert (s.loc['logit', 'roc_auc'] > .8).all() and {'train_log_loss', 'train_accuracy'} <= set(res.scores.columns)
    y3 = pd.qcut(y, 3, labels=['a', 'b', 'c']).astype(str)
    r3 = backtest({'logit': LogisticRegression(max_iter=300)}, X, y3, t, TemporalSplit(3, test_size=72),
                  task='classification', progress=False)
    assert 'proba' not in r3.predictions and r3.scores['log_loss'].notna().all()
    assert r3.summary['primary_metric'] == 'balanced_accuracy' and not r3.summary['lower_is_better']

class CountingRidge(RegressorMixin, BaseEstimator):
    "A Ridge that records each fit in a class-level list, to prove bad input stops before any fitting."
    fits = []
    def fit(self, X, y): CountingRidge.fits.append(len(X)); self.m_ = Ridge().fit(X, y); return self
    def predict(self, X): return self.m_.predict(X)

@pytest.mark.parametrize('cv, times, msg', [
    (TemporalSplit(200, test_size=24), None, 'need more data'),
    (TemporalSplit(3, test_size='2D', gap='60D'), None, 'gap \\+ purge'),
    (TemporalSplit(3, test_size=24, min_train_size=5000), None, 'fewer than min_train_size'),
    (TemporalSplit(3, test_size=24), 'unsorted', 'not sorted'),
    (TemporalSplit(3, test_size=24), 'duplicated', 'duplicated'),
    (TemporalSplit(3, test_size='1D', gap=5), None, 'mix time offsets'),
    (TemporalSplit(3, window='sliding'), None, 'needs train_size'),
])
def test_bad_input_stops_before_fitting(cv, times, msg):
    X, y, t = series(n=24 * 20)
    if times == 'unsorted': t = t[::-1]
    if times == 'duplicated': t = t.delete(5).insert(5, t[4])
    CountingRidge.fits.clear()
    with pytest.raises(MlkitError, match=msg): backtest({'r': CountingRidge()}, X, y, t, cv, progress=False)
    assert CountingRidge.fits == []

def test_refit_schedules():
    assert refit_schedule(5, True) == [(i, [i]) for i in range(5)]
    assert refit_schedule(5, False) == [(0, [0, 1, 2, 3, 4])]
    assert refit_schedule(5, 2) == [(0, [0, 1]), (2, [2, 3]), (4, [4])]
    with pytest.raises(MlkitError): refit_schedule(3, 0)
    X, y, t = series()
    CountingRidge.fits.clear()
    res = backtest({'r': CountingRidge()}, X, y, t, TemporalSplit(4, test_size=48), refit=False, baselines=False,
                   progress=False)
    assert len(CountingRidge.fits) == 1 and res.scores['fold'].tolist() == [0, 1, 2, 3]

def test_artifacts_written_for_evaluation(tmp_path):
    "The four artifacts with the columns 05_evaluation reads."
    X, y, t = series()
    run = Run(RunConfig(), RunDir(tmp_path))
    res = backtest(default_models('regression'), X, y, t, default_splitter(len(X), 'h', n_splits=3), freq='h',
                   progress=False).save(run)
    a = tmp_path/'artifacts'
    p = pd.read_parquet(a/'backtest_predictions.parquet')
    assert list(p.columns) == ['model', 'fold', 'time', 'y_true', 'y_pred', 'is_baseline']
    assert p['is_baseline'].dtype == bool
    f = pd.read_parquet(a/'backtest_folds.parquet')
    assert list(f.columns) == ['fold', 'train_start', 'train_end', 'test_start', 'test_end', 'n_train', 'n_test']
    s = pd.read_parquet(a/'backtest_scores.parquet')
    assert {'model', 'fold', 'is_baseline', 'mae', 'rmse', 'r2', 'train_mae', 'fit_seconds',
            'predict_seconds'} <= set(s.columns)
    summ = json.loads((a/'backtest_summary.json').read_text())
    assert summ['n_folds'] == 3
    assert summ['horizon'] == 1
    assert summ['seasonal_period'] == 24
    assert summ['metrics'] == ['mae', 'rmse', 'r2']
    assert summ['models'] == ['ridge', 'hist_gradient_boosting'] and len(res.scores) == 3 * 5

def test_default_models_handle_strings():
    "String columns are one-hot encoded inside the pipelines (fitted per fold)."
    X, y, t = series()
    X = X.assign(kind=np.where(np.arange(len(X)) % 3, 'a', 'b'))
    res = backtest(default_models('regression'), X, y, t, TemporalSplit(2, test_size=48), freq='h', progress=False)
    assert res.scores['mae'].notna().all()

@pytest.mark.parametrize('seed', [0, 1])
def test_regression_scores_equal_sklearn(seed):
    "mae, rmse and r2 (computed in numpy) equal scikit-learn's, also for a constant truth and with missing predictions."
    from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error
    rng = np.random.default_rng(seed)
    yt, yp = rng.normal(size=50), rng.normal(size=50)
    for t, p in [(yt, yp), (np.full(50, 2.), yp), (np.full(50, 2.), np.full(50, 2.))]:
        got = score(t, p)
        assert np.allclose([got['mae'], got['rmse'], got['r2']],
                           [mean_absolute_error(t, p), root_mean_squared_error(t, p), r2_score(t, p)])
    p = yp.copy(); p[:5] = np.nan
    assert np.isclose(score(yt, p)['mae'], mean_absolute_error(yt[5:], yp[5:]))

def test_rows_without_a_target_are_left_out_and_counted():
    """Missing (and infinite) targets: not fitted, not scored, counted in the summary; the other rows give the same
    folds."""
    X, y, t = series()
    y2 = y.copy(); y2[[100, 500, 700]] = np.nan; y2[800] = np.inf
    res = backtest(default_models('regression'), X, y2, t, TemporalSplit(3, test_size=48), freq='h', progress=False)
    assert res.summary['rows_without_target'] == 4 and res.summary['rows'] == len(y) - 4
    assert res.predictions['y_true'].notna().all() and res.scores['mae'].notna().all()
    assert set(res.predictions['time']).isdisjoint(t[[100, 500, 700, 800]])

@pytest.mark.parametrize('freq,n,test_size', [('W-TUE', 966, 52), ('MS', 261, 12), ('QS-OCT', 203, 8),
                                              ('YS-JAN', 100, 5),
                                              ('h', 17420, 672), ('min', 20000, 3333), ('h', 40, 6)])
def test_default_folds_fit_the_frequency(freq, n, test_size):
    "A test fold covers a season of the data's frequency (a year of weeks or months), capped at a sixth of the rows."
    from mlkit.splitters import fold_settings
    s = fold_settings(n, freq)
    assert s['test_size'] == test_size and s['n_splits'] == 5 and str(test_size) in s['why']
    folds = default_splitter(n, freq).folds(np.zeros((n, 1)))
    assert len(folds) == 5 and min(len(tr) for tr, _ in folds) >= test_size

@pytest.mark.parametrize('classes,weights', [(5, None), (2, [.95, .05]), (3, [.9, .07, .03])])
def test_multiclass_and_imbalanced_targets_run(classes, weights):
    "A 5-class target built from a real-valued series, and rare classes absent from early training folds, still run."
    X, y, t = series()
    if weights is None: lab = pd.qcut(y, classes, labels=[f'c{i}' for i in range(classes)]).astype(str)
    else: lab = np.random.default_rng(0).choice([f'c{i}' for i in range(classes)], len(y), p=weights)
    lab = np.asarray(lab, dtype=object); lab[:300] = 'c0'  # the first folds' training parts see one class only
    res = backtest(default_models('classification'), X, lab, t, default_splitter(len(y), 'h'), 'classification',
                   freq='h', progress=False)
    assert res.scores['accuracy'].notna().all() and set(res.predictions['model']) >= {'logistic',
                                                                                      'hist_gradient_boosting',
                                                                                      'majority'}
    assert res.summary['single_class_folds'] == [k for k, (tr, _) in enumerate(default_splitter(len(y), 'h').folds(X))
                                                 if len(set(lab[tr])) == 1]

@pytest.mark.parametrize('n,freq', [(40, 'h'), (100, 'YS'), (300, 'W-SUN')])
def test_short_and_coarse_data_run_end_to_end(n, freq):
    """40 hourly rows (default lags would reach 168 h), a century of years, six years of weeks: features, folds and
    scores."""
    rng = np.random.default_rng(0)
    ts = pd.date_range('1900-01-01' if freq == 'YS' else '2020-01-05', periods=n, freq=freq)
    y = 10 + np.cumsum(rng.normal(size=n)); y[n // 2] = np.nan  # one missing target
    feats = make_features(pd.DataFrame({'ts': ts, 'y': y, 'x': rng.normal(size=n)}), PastFeatures('ts', 'y', freq=freq))
    X, yy, t = feats.drop(columns=['ts', 'y']), feats['y'].to_numpy(), feats['ts']
    res = backtest(default_models('regression'), X, yy, t, default_splitter(len(X), freq), freq=freq, progress=False)
    assert len(feats) >= n * .7 and res.scores['mae'].notna().all() and res.summary['n_folds'] == 5

class ThreadProbe(RegressorMixin, BaseEstimator):
    "Predicts the largest number of OpenMP/BLAS threads its fit was allowed."
    def fit(self, X, y):
        from threadpoolctl import threadpool_info
        self.threads_ = max(p['num_threads'] for p in threadpool_info()); return self
    def predict(self, X): return np.full(len(X), float(self.threads_))

def test_fits_are_single_threaded():
    "Each fit gets one thread even where two are allowed: OpenMP teams spin on a busy machine (see `_run`)."
    from threadpoolctl import threadpool_limits
    X, y, t = series()
    with threadpool_limits(2):
        res = backtest({'probe': ThreadProbe()}, X, y, t, TemporalSplit(2, test_size=24), freq='h', progress=False,
                       baselines=False)
    assert (res.predictions['y_pred'] == 1).all()
