"""The exported model: chosen honestly, refitted as one pipeline from raw columns, equal to the backtest's predictions
for the same rows (from the minimum history its card asks for), its card complete, saved with skops."""
import json
import numpy as np, pandas as pd, pytest
from mlkit.backtest import backtest_run
from mlkit.findings import Finding, MlkitError
from mlkit.core import open_run
from mlkit.export import (ShippedModel, choose_model, input_columns, model_card, pipeline_for, run_evidence,
                          save_model)
from mlkit.features import features_for_run
from mlkit.registry import load_model, register
from clitools import user_frame

def _run(tmp, task):
    "A run (in memory) of the user dataset: 40 days hourly, a numeric target or two classes."
    df = user_frame(n=24 * 40)
    if task == 'classification': df['y'] = np.where(df['y'] > df['y'].median(), 'high', 'low')
    df.to_csv(tmp/f'{task}.csv', index=False)
    return open_run(str(tmp/f'{task}.csv'), 'y')

@pytest.fixture(scope='module', params=['regression', 'classification'])
def backtested(request, tmp_path_factory):
    "(run, backtest result, fitted PastFeatures, model input columns) of each task."
    run = _run(tmp_path_factory.mktemp(request.param), request.param)
    res, feats = backtest_run(run)
    feats, pf = features_for_run(run)
    return run, res, pf, [c for c in feats.columns if c not in ('ts', 'y')]

def test_every_model_from_raw_rows_equals_the_backtest(backtested):
    "Each model and baseline, fitted as in the last fold, predicts that fold from raw rows as the backtest did."
    run, res, pf, columns = backtested
    ds, s = run.dataset, res.summary
    last = res.folds.iloc[-1]
    times = ds.frame[ds.time_col]
    test = (times >= last['test_start']) & (times <= last['test_end'])
    first = int(np.flatnonzero(test)[0])
    for m in s['models'] + s['baselines']:
        pipe = pipeline_for(run, m, s, pf, columns).fit(ds.frame[times <= last['train_end']])
        need = pipe.history_rows()
        card = dict(time_col=ds.time_col, target=ds.target, history=dict(rows=need),
                    input_schema=[dict(column=c) for c in input_columns(ds.frame, pipe)])
        got = ShippedModel('t', None, card, pipe).predict(ds.frame[test], ds.frame.iloc[first - need:first])
        want = res.predictions[(res.predictions['model'] == m) & (res.predictions['fold'] == last['fold'])]
        assert len(got) == len(want) == int(test.sum()), m
        if ds.task == 'regression':
            assert np.allclose(got['prediction'], want['y_pred'], rtol=1e-6, atol=1e-6), m
        else:
            assert (got['prediction'].to_numpy() == want['y_pred'].to_numpy()).all(), m
            assert np.allclose(got['proba_low'], want['proba'], atol=1e-9), m  # the second class, as the backtest

def test_card_save_and_load(backtested, tmp_path, monkeypatch):
    "The card has every key serving relies on; the saved pipeline registers and loads back predicting the same."
    run, res, pf, columns = backtested
    ds = run.dataset
    preds, metrics, tests, summary, findings = run_evidence(run)
    choice = choose_model(metrics, tests, summary['primary_metric'], findings, columns)
    pipe = pipeline_for(run, choice['model'], summary, pf, columns).fit(ds.frame)
    card = model_card(run, pipe, choice, metrics, tests, summary['primary_metric'], findings)
    keys = {'name', 'task', 'target', 'time_col', 'freq', 'horizon', 'classes', 'history', 'input_schema',
            'training_window', 'data_sha256', 'metrics', 'diebold_mariano', 'findings', 'versions', 'git_commit', 'run',
            'chosen'}
    assert keys <= set(card) and card['history']['rows'] >= 1 and card['data_sha256'] == ds.sha256
    assert card['classes'] == (['high', 'low'] if ds.task == 'classification' else None)
    schema = {c['column']: c for c in card['input_schema']}
    assert schema['ts']['dtype'] == 'datetime' and schema['x']['dtype'] == 'float'
    assert schema['kind']['categories'] == ['a', 'b'] and 'note' not in schema  # an identifier is not read
    assert set(schema['x']['quantiles']) == {'0.01', '0.5', '0.99'}
    for m, by_metric in card['metrics'].items():
        assert all({'value', 'ci_low', 'ci_high'} <= set(v) for v in by_metric.values()), m
    json.dumps(card, allow_nan=False)  # strict JSON
    save_model(tmp_path/'run'/'model', pipe, card)
    register(tmp_path/'run', root=tmp_path/'models')
    m = load_model(card['name'], tmp_path/'models')
    need = card['history']['rows']
    rows, history = ds.frame.iloc[-24:], ds.frame.iloc[-24 - need:-24]
    pd.testing.assert_frame_equal(m.predict(rows, history), pipe.predict(ds.frame, 24).set_axis(rows.index))
    with pytest.raises(MlkitError, match='history'): m.predict(rows, history.iloc[1:])
    with pytest.raises(MlkitError, match='missing column'): m.predict(rows.drop(columns='x'), history)

def test_choice_is_honest():
    "The best candidate only when it beats the best baseline significantly and no critical finding names it."
    metrics = pd.DataFrame({'model': ['gbm', 'ridge', 'naive', 'mean'], 'is_baseline': [False, False, True, True],
                            'metric': 'mae', 'value': [10., 12, 15, 40]})
    tests = pd.DataFrame({'model': ['gbm', 'ridge'], 'baseline': 'naive', 'p_value': [.2, .001]})
    assert choose_model(metrics, tests, 'mae')['model'] == 'ridge'  # gbm is better but not significantly
    assert choose_model(metrics, tests.assign(p_value=.3), 'mae')['model'] == 'naive'
    leak = Finding('leak_feature_alone', 'critical', 'x_lag1', 'a leak')
    assert choose_model(metrics, tests, 'mae', [leak], columns=['x_lag1'])['model'] == 'naive'
    other = Finding('too_good_to_be_true', 'critical', None, 'gbm leaks', {'model': 'gbm'})
    assert choose_model(metrics, tests, 'mae', [other])['model'] == 'ridge'
    forced = choose_model(metrics, tests.assign(p_value=.3), 'mae', forced='gbm')
    assert forced['model'] == 'gbm' and forced['forced']
    with pytest.raises(MlkitError): choose_model(metrics, tests, 'mae', forced='svm')
    auc = metrics.assign(metric='roc_auc', value=[.7, .8, .75, .5])
    assert choose_model(auc, tests.assign(p_value=.01), 'roc_auc')['model'] == 'ridge'  # higher is better

def test_short_history_gives_the_training_features_to_the_last_bit():
    "Features from the minimum history equal those from the whole past, for a numeric and a boolean target."
    from mlkit.backtest import default_models
    from mlkit.export import ForecastPipeline
    from mlkit.features import PastFeatures
    from modeltools import toy_frame
    for task, y in (('regression', None), ('classification', lambda f: f['y'] > 0)):
        raw = toy_frame(300)
        if y is not None: raw['y'] = y(raw)
        pf = PastFeatures('t', 'y', freq='h', lags=[1, 2, 24], windows=[3, 12]).fit(raw)
        pipe = ForecastPipeline('t', 'y', task, [], pf, list(pf.get_feature_names_out()),
                                default_models(task)['logistic' if y is not None else 'ridge'], warmup=24).fit(raw)
        need = pipe.history_rows()
        assert need == 24
        whole, recent = pipe.inputs(raw).iloc[-40:], pipe.inputs(raw.iloc[-40 - need:]).iloc[-40:]
        assert (whole.to_numpy() == recent.to_numpy()).all(), task
        assert pipe.predict(raw.iloc[-40 - need:], 40).equals(pipe.predict(raw, 40)), task

@pytest.mark.parametrize('task', ['regression', 'classification'])
def test_features_from_the_training_state_equal_the_recomputation(task):
    """On 80 random request cuts (inside and after training, a changed or missing history row), the fast path that
    starts from the training state gives the plain recomputation's inputs and predictions to the last bit; it fired."""
    from mlkit.backtest import default_models
    from mlkit.export import ForecastPipeline
    from mlkit.features import PastFeatures
    from modeltools import toy_frame
    raw = toy_frame(700)
    raw['y'] += 1e4  # large values: the compensation terms of pandas' running sums matter
    if task == 'classification': raw['y'] = np.where(raw['y'] > raw['y'].median(), 'high', 'low')
    pf = PastFeatures('t', 'y', freq='h', lags=[1, 2, 24], windows=[3, 24]).fit(raw)
    pipe = ForecastPipeline('t', 'y', task, [], pf, list(pf.get_feature_names_out()),
                            default_models(task)['logistic' if task == 'classification' else 'ridge'],
                            warmup=24).fit(raw.iloc[:500])
    assert pipe.state_ is not None
    def fell_back(*a): raise AssertionError('the fast path fell back to the recomputation')
    rng = np.random.default_rng(0)
    cuts = rng.integers(30, len(raw) - 6, 80)
    for cut in cuts:
        n, need = int(rng.integers(1, 6)), pipe.history_rows() + int(rng.integers(0, 30))
        frame = raw.iloc[max(cut - need, 0):cut + n].copy()
        frame.loc[frame.index[-n:], 'y'] = None  # the rows to predict
        if rng.random() < .3:
            i = frame.index[int(rng.integers(0, len(frame) - n))]
            frame.loc[i, 'y'] = 'low' if task == 'classification' else frame.loc[i, 'y'] + .001
        if rng.random() < .2: frame = frame.drop(frame.index[int(rng.integers(0, len(frame) - n))])
        pipe._with_training_past = fell_back
        fast, predicted = pipe.inputs(frame, n).iloc[-n:], pipe.predict(frame, n)
        del pipe._with_training_past  # the method again: the reference
        assert fast.equals(pipe.inputs(frame).iloc[-n:]), cut
        assert predicted.equals(pipe.predict(frame, n, fast=False)), cut
