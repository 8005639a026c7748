"""Evaluation: metrics, Diebold-Mariano validated against published worked values, bootstrap intervals, the five
warnings, and the 05_evaluation notebook run against a run folder laid out as 04_backtest's artifact contract says."""
import json
import numpy as np, pandas as pd, pytest
import statsmodels.api as sm
from mlkit.core import RunDir
from mlkit.datasets import load_bike_sharing
from mlkit.evaluation import evaluate, evaluation_table, evaluation_warnings, warn_too_good
from mlkit.metrics import classification_metrics, regression_metrics, select_threshold
from mlkit.significance import block_bootstrap_indices, bootstrap_ci, diebold_mariano, dm_test, long_run_variance
from mlkit.leakage import audit_leakage

# Out-of-sample one-step errors of ETS and ARIMA on WWWusage[81:100], the worked example of R's forecast::dm.test
# (https://pkg.robjhyndman.com/forecast/reference/dm.test.html): R prints DM = -0.14392, p-value = 0.8871, and
# accuracy() RMSE 3.24835 / 3.329012, MAE 2.570459 / 2.437119. The series are those of the Diebold-Mariano tests of
# Julia's HypothesisTests.jl (test/diebold_mariano.jl), which also check p = 0.9362 (h = 10) and 0.7818 (|e| loss).
E_ETS = np.array([0.002241270, -0.000661906, -1.200002613, -4.000218178, 3.799373533, 3.401005111, -1.199692125,
                  -0.800490048,
                  -1.200048999, 3.399847229, 7.000708948, 2.200989241, -4.800165569, -1.201043375, 3.400167556,
                  3.000709085,
                  0.400267950, -6.800169207, -2.401259050, 1.200112198])
E_ARIMA = np.array([0.1209998, 8.0622269, -0.9189429, -1.7952436, 5.3431277, 2.0459823, -0.6073261, 0.5516816,
                    -0.7633238,
                    4.1229472, 5.8785333, 1.2828331, -3.4854233, 1.1971370, 3.1709314, 2.3408457, 0.4962286, -5.9841362,
                    0.1537114, 0.4207951])

def test_worked_example_errors_are_the_r_example():
    assert round(np.sqrt(np.mean(E_ETS ** 2)), 5) == 3.24835 and round(np.sqrt(np.mean(E_ARIMA ** 2)), 6) == 3.329012
    assert round(np.mean(np.abs(E_ETS)), 6) == 2.570459 and round(np.mean(np.abs(E_ARIMA)), 6) == 2.437119

def test_dm_matches_r_forecast_dm_test():
    r = diebold_mariano(E_ETS, E_ARIMA, h=1, power=2)
    assert round(r.statistic, 5) == -0.14392 and round(r.p_value, 4) == 0.8871

@pytest.mark.parametrize('kw, two, right, left', [(dict(), .8871, .5565, .4435), (dict(h=10), .9362, .5319, .4681),
                                                  (dict(power=1), .7818, .3909, .6091)])
def test_dm_matches_hypothesistests_jl(kw, two, right, left):
    # HypothesisTests.jl: tail=:right is "model 1 has the larger loss" ('greater'), :left is 'less'
    assert abs(diebold_mariano(E_ETS, E_ARIMA, **kw).p_value - two) < 1e-3
    assert abs(diebold_mariano(E_ETS, E_ARIMA, alternative='greater', **kw).p_value - right) < 1e-3
    assert abs(diebold_mariano(E_ETS, E_ARIMA, alternative='less', **kw).p_value - left) < 1e-3

def test_bartlett_variance_matches_statsmodels_newey_west():
    d = np.random.default_rng(0).normal(size=500).cumsum() % 3
    for lags in (0, 4, 12):
        res = sm.OLS(d, np.ones(len(d))).fit(cov_type='HAC', cov_kwds={'maxlags': lags, 'use_correction': False})
        assert np.isclose(long_run_variance(d, lags, 'bartlett') / len(d), res.bse[0] ** 2)

def test_dm_hln_factor_and_symmetry():
    d1, d2 = np.abs(E_ETS) ** 2, np.abs(E_ARIMA) ** 2
    n, h = 20, 3
    plain = (d1 - d2).mean() / np.sqrt(long_run_variance(d1 - d2, h - 1) / n)
    assert np.isclose(dm_test(d1, d2, h=h).statistic, plain * np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n))
    assert np.isclose(dm_test(d1, d2).statistic, -dm_test(d2, d1).statistic)

def test_dm_size_under_the_null():
    rng = np.random.default_rng(0)
    p = [dm_test(rng.normal(size=200) ** 2, rng.normal(size=200) ** 2).p_value for _ in range(400)]
    assert .02 < np.mean(np.array(p) < .05) < .09

def test_regression_and_classification_metrics_against_sklearn():
    from sklearn import metrics as skm
    rng = np.random.default_rng(0); y = rng.normal(10, 2, 200); p = y + rng.normal(0, 1, 200)
    m = regression_metrics(y, p)
    assert np.isclose(m['mae'], skm.mean_absolute_error(y, p)) and np.isclose(m['r2'], skm.r2_score(y, p))
    assert np.isclose(m['rmse'], np.sqrt(skm.mean_squared_error(y, p)))
    yb = (rng.random(200) < .3).astype(int); pr = np.clip(yb * .3 + rng.random(200) * .7, 0, 1)
    c = classification_metrics(yb, pr)
    assert np.isclose(c['roc_auc'], skm.roc_auc_score(yb, pr)) and np.isclose(c['brier'], skm.brier_score_loss(yb, pr))
    assert 0 < select_threshold(yb, pr) < 1

def test_block_bootstrap_covers_the_mean():
    rng = np.random.default_rng(1)
    hits = 0
    for s in range(60):
        x = np.convolve(rng.normal(size=420), np.ones(5) / 5, 'valid')  # autocorrelated, true mean 0
        lo, hi = bootstrap_ci(np.mean, block_bootstrap_indices(len(x), 200, 20, s), x)
        hits += lo <= 0 <= hi
    assert hits >= 48  # about 95% nominal; iid resampling would cover far less here

def _bike_predictions():
    "Test fixture: hand-made predictions in 04_backtest's long format on the bundled data (not a backtest engine)."
    df = load_bike_sharing('hourly'); y = df['cnt'].astype(float)
    start, size = 12000, 1000
    models = {'naive': (y.shift(1), True), 'seasonal_naive': (y.shift(24), True),
              'mean': (pd.Series(y.iloc[:start].mean(), index=y.index), True),
              'blend': ((y.shift(1) + y.shift(24) + y.shift(168)) / 3, False),
              'leaky': (df['casual'] + df['registered'] * 1.0, False)}
    rows, scores = [], []
    for fold in range(5):
        te = slice(start + fold * size, start + (fold + 1) * size)
        for m, (p, base) in models.items():
            rows.append(pd.DataFrame({'model': m, 'fold': fold, 'time': df['timestamp'].iloc[te], 'y_true': y.iloc[te],
                                      'y_pred': p.iloc[te], 'is_baseline': base}))
            mae = float((y.iloc[te] - p.iloc[te]).abs().mean())
            scores.append(dict(model=m, fold=fold, is_baseline=base, mae=mae,
                               train_mae=mae * (.2 if m == 'blend' else 1),
                               fit_seconds=0., predict_seconds=0.))
    return df, pd.concat(rows, ignore_index=True), pd.DataFrame(scores)

def test_evaluation_on_bike_predictions_flags_the_leaky_model():
    df, preds, scores = _bike_predictions()
    ev = evaluate(preds, 'regression', df.set_index('timestamp')['cnt'], season=24, n_boot=100)
    tab = evaluation_table(ev)
    assert tab['model'].iloc[0] == 'leaky' and tab.loc[tab['model'] == 'leaky', 'mae'].iloc[0] == 0
    assert {'dm_vs_naive', 'p_vs_naive', 'dm_vs_seasonal_naive', 'p_vs_mean', 'ci_low', 'ci_high',
            'fold_std'} <= set(tab.columns)
    audit = lambda: audit_leakage(df.drop(columns=['cnt', 'timestamp']), df['cnt'], 'cnt', time=df['timestamp'])
    w = {(f.check, f.evidence.get('model')) for f in evaluation_warnings(ev, scores, audit)}
    assert ('too_good_to_be_true', 'leaky') in w and ('too_good_to_be_true', 'blend') not in w
    assert ('overfitting', 'blend') in w
    too_good = next(f for f in evaluation_warnings(ev, None, audit) if f.check == 'too_good_to_be_true')
    assert too_good.severity == 'critical' and 'casual, registered' in too_good.message
    json.dumps(too_good.evidence)

def test_notebook_against_the_backtest_artifact_contract(tmp_path):
    import papermill as pm
    df, preds, scores = _bike_predictions()
    rd = RunDir(tmp_path/'run')
    rd.save('backtest_predictions', preds); rd.save('backtest_scores', scores)
    rd.save('backtest_folds', preds.groupby('fold')['time'].agg(test_start='min', test_end='max').reset_index())
    rd.save('backtest_summary', dict(models=['blend', 'leaky'], baselines=['naive', 'seasonal_naive', 'mean'],
                                     metrics=['mae'],
                                     seasonal_period=24, horizon=1, n_folds=5))
    pm.execute_notebook('nbs/05_evaluation.ipynb', str(tmp_path/'out.ipynb'), parameters=dict(run_dir=str(rd.path)),
                        kernel_name='python3', progress_bar=False)
    table = rd.load('evaluation')
    assert set(table['model']) == {'naive', 'seasonal_naive', 'mean', 'blend', 'leaky'}
    assert table['is_baseline'].sum() == 3
    findings = json.loads((rd.path/'findings'/'05_evaluation.json').read_text())
    checks = {(f['check'], f['evidence'].get('model')) for f in findings}
    assert ('too_good_to_be_true', 'leaky') in checks and ('leak_reconstructed_target', None) in checks
    figures = json.loads((rd.path/'steps'/'05_evaluation.json').read_text())
    assert figures['best_model'] == 'leaky' and figures['leak_findings_features'] == 0

def test_instability_names_folds_without_a_score():
    "A test fold with a single class has no ROC-AUC: the warning says which fold and why, instead of a bare nan."
    rng, rows = np.random.default_rng(0), []
    for fold in range(4):
        y = np.zeros(50, int) if fold == 0 else rng.integers(0, 2, 50)
        for model, base in [('model', False), ('prior', True)]:
            p = np.clip(y * .3 + rng.uniform(0, .7, 50), 0, 1) if fold % 2 else rng.uniform(0, 1, 50)
            rows.append(pd.DataFrame({'model': model, 'fold': fold,
                                      'time': pd.date_range('2024-01-01', periods=50, freq='h')
                                      + pd.Timedelta(days=3 * fold),
                                      'y_true': y, 'y_pred': (p > .5).astype(int), 'proba': p, 'is_baseline': base}))
    ev = evaluate(pd.concat(rows, ignore_index=True), 'classification')
    found = evaluation_warnings(ev)
    unstable = [f for f in found if f.check == 'unstable_folds']
    assert ev.primary == 'roc_auc' and unstable and 'Fold(s) 0 have no roc_auc' in unstable[0].message

def test_missing_and_infinite_actuals_are_left_out_and_noted():
    "Test times without an actual value (NaN, ±inf) are scored by nobody, counted, and noted as info."
    df, preds, scores = _bike_predictions()
    times = preds['time'].drop_duplicates().sample(40, random_state=0)
    gappy = preds.copy()
    gappy.loc[gappy['time'].isin(times[:30]), 'y_true'] = np.nan
    gappy.loc[gappy['time'].isin(times[30:]), 'y_true'] = np.inf
    history = df.set_index('timestamp')['cnt'].astype(float)
    history[times[:30]] = np.nan; history[times[30:]] = -np.inf
    ev = evaluate(gappy, 'regression', history, season=24, n_boot=30)
    same = evaluate(preds[~preds['time'].isin(times)], 'regression', history.where(np.isfinite(history)), season=24,
                    n_boot=30)
    # MAPE: zero counts
    assert ev.missing_targets == 40 and np.isfinite(ev.metrics.loc[ev.metrics['metric'] != 'mape', 'value']).all()
    pd.testing.assert_frame_equal(ev.metrics, same.metrics)
    assert np.isfinite(ev.folds['mase']).all() and ev.context['max'] < np.inf
    notes = [f for f in evaluation_warnings(ev) if f.check == 'missing_target']
    assert len(notes) == 1 and notes[0].severity == 'info' and notes[0].evidence['test_times_without_target'] == 40

def test_notebook_on_real_data_with_target_gaps(tmp_path):
    """ETTh1 (real, not ours) with 2,000 missing and 20 infinite target values: 05 completes and reports them, no false
    leak."""
    import papermill as pm
    from pathlib import Path
    real = Path(__file__).resolve().parents[2]/'shared'/'data'/'real'/'etth1'/'ETTh1.csv'
    real = real if real.exists() else Path('/work/shared/data/real/etth1/ETTh1.csv')
    if not real.exists(): pytest.skip('the real datasets (../shared/data/real) are not beside the checkout')
    df = pd.read_csv(real); rng = np.random.default_rng(4)
    gaps = rng.choice(len(df), 2020, replace=False)
    df.loc[gaps[:2000], 'OT'] = np.nan; df.loc[gaps[2000:], 'OT'] = np.inf
    df.to_csv(tmp_path/'etth1_gaps.csv', index=False)
    t, y = pd.to_datetime(df['date']), df['OT'].astype(float)
    start, size, rows = 12000, 800, []
    for fold in range(5):
        te = slice(start + fold * size, start + (fold + 1) * size)
        for m, (p, base) in {'naive': (y.shift(1), True),
                             'mean': (pd.Series(y.iloc[:start].mean(), index=y.index), True),
                             'lag2': (y.shift(2), False)}.items():
            rows.append(pd.DataFrame({'model': m, 'fold': fold, 'time': t.iloc[te], 'y_true': y.iloc[te],
                                      'y_pred': p.iloc[te], 'is_baseline': base}))
    preds = pd.concat(rows, ignore_index=True).dropna(subset=['y_pred'])
    rd = RunDir(tmp_path/'run')
    rd.save('backtest_predictions', preds)
    rd.save('backtest_scores', pd.DataFrame([dict(model=m, fold=f, is_baseline=m != 'lag2', mae=1.)
                                             for m in ('naive', 'mean', 'lag2') for f in range(5)]))
    rd.save('backtest_summary', dict(models=['lag2'], baselines=['naive', 'mean'], metrics=['mae'], seasonal_period=24,
                                     horizon=1, n_folds=5))
    pm.execute_notebook('nbs/05_evaluation.ipynb', str(tmp_path/'out.ipynb'), kernel_name='python3', progress_bar=False,
                        parameters=dict(run_dir=str(rd.path), data_path=str(tmp_path/'etth1_gaps.csv'), target='OT'))
    findings = json.loads((rd.path/'findings'/'05_evaluation.json').read_text())
    assert not [f for f in findings if f['check'].startswith('leak_') and f['severity'] != 'info'], findings
    missing = [f for f in findings if f['check'] == 'leak_missing_target']
    assert missing and missing[0]['evidence']['rows'] == 2020  # loading turned the 20 infinite values into missing ones
    noted = [f for f in findings if f['check'] == 'missing_target']
    assert noted and noted[0]['evidence']['test_times_without_target'] == int((~np.isfinite(y.iloc[12000:16000])).sum())
    assert len(rd.load('evaluation')) == 3

def test_a_score_as_good_as_the_naive_baseline_is_not_too_good():
    """ETTh1's oil temperature: the last value already gives R² 0.96; a model at 0.965 is no sign of a leak, a copy of
    the target is."""
    from pathlib import Path
    real = Path('/work/shared/data/real/etth1/ETTh1.csv')
    real = Path(__file__).resolve().parents[2]/'shared'/'data'/'real'/'etth1'/'ETTh1.csv' if not real.exists() else real
    if not real.exists(): pytest.skip('the real datasets (../shared/data/real) are not beside the checkout')
    y = pd.read_csv(real)['OT']; t = pd.date_range('2016-07-01', periods=len(y), freq='h')
    te = slice(13000, 17000); rng = np.random.default_rng(0)
    def preds(models):
        return pd.concat([pd.DataFrame({'model': m, 'fold': np.arange(4000) // 800, 'time': t[te],
                                        'y_true': y.iloc[te].to_numpy(), 'y_pred': p.iloc[te].to_numpy(),
                                        'is_baseline': b})
                          for m, (p, b) in models.items()], ignore_index=True)
    honest = preds({'naive': (y.shift(1), True), 'model': (y.shift(1) * .7 + y.shift(2) * .3, False)})
    ev = evaluate(honest, 'regression', n_boot=20)
    assert ev.metrics.query("model == 'model' and metric == 'r2'")['value'].iloc[0] > .95 and warn_too_good(ev) == []
    leaky = preds({'naive': (y.shift(1), True), 'copy': (y + rng.normal(0, .05, len(y)), False)})
    assert [f.evidence['model'] for f in warn_too_good(evaluate(leaky, 'regression', n_boot=20))] == ['copy']
