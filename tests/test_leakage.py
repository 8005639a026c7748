"""The leakage audit: every planted leak is caught by its own check, clean data raises nothing, and on the bundled
Bike Sharing data a model given casual and registered is flagged while the honest feature set is not."""
import numpy as np, pandas as pd, pytest
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from mlkit.datasets import load_bike_sharing
from mlkit.leakage import audit_leakage
from mlkit.leakage_data import LEAK_KINDS, planted_leak_case
from mlkit.leakage_rows import check_preprocessing_data

EXPECTED = {'feature_alone': 'leak_feature_alone', 'reconstructed': 'leak_reconstructed_target',
            'identifier': 'leak_identifier',
            'duplicates': 'leak_duplicates', 'future_shift': 'leak_future_values',
            'random_split_optimism': 'random_split_optimism',
            'granularity': 'leak_granularity', 'preprocessing': 'leak_preprocessing'}

def _audit(kind, seed=0):
    d, t, f = planted_leak_case(kind, seed=seed)
    return audit_leakage(d[f], d[t], t, 'regression', time=d['ts'], seed=seed)

@pytest.mark.parametrize('kind', [k for k in LEAK_KINDS if k != 'clean'])
@pytest.mark.parametrize('seed', [0, 1])
def test_each_planted_leak_is_detected(kind, seed):
    a = _audit(kind, seed)
    found = {f.check for f in a.findings}
    assert EXPECTED[kind] in found, (kind, found)
    flagged = a.checks.set_index('check')['status']
    assert (flagged != 'clear').any()

@pytest.mark.parametrize('seed', [0, 1, 2])
def test_clean_data_raises_nothing(seed):
    a = _audit('clean', seed)
    assert a.findings == [] and not a.flagged and set(a.checks['status']) == {'clear'}
    assert a.summary().startswith('leakage audit: no leak found')

def test_findings_carry_evidence_and_advice():
    for kind in EXPECTED:
        for f in _audit(kind).findings:
            assert f.severity in ('info', 'warning', 'critical') and f.evidence and len(f.message) > 60
            import json; json.dumps(f.evidence)  # JSON-able

def test_reconstruction_names_the_parts_and_formula():
    a = _audit('reconstructed')
    f = next(x for x in a.findings if x.check == 'leak_reconstructed_target')
    assert f.evidence['columns'] == ['part_a', 'part_b']
    assert f.evidence['coefficients'] == {'part_a': 1.0, 'part_b': 1.0}

def test_classification_target():
    d, t, f = planted_leak_case('feature_alone')
    yb = (d[t] > d[t].median()).astype(int)
    a = audit_leakage(d[f], yb, 'y_high', 'classification', time=d['ts'])
    assert 'leak_feature_alone' in {x.check for x in a.findings}
    dc, tc, fc = planted_leak_case('clean')
    assert audit_leakage(dc[fc], (dc[tc] > dc[tc].median()).astype(int), 'y_high', 'classification',
                         time=dc['ts']).findings == []

def test_string_class_labels():
    d, t, f = planted_leak_case('clean')
    a = audit_leakage(d[['x1', 'x2', 'y']], d['kind'], 'kind', 'classification', time=d['ts'])
    assert not a.flagged

def test_minmax_scaled_on_all_rows_and_pipeline():
    d, t, f = planted_leak_case('preprocessing')
    x = d[['x2']].assign(x2=d['x2'] + np.linspace(0, 3, len(d)))
    scaled = pd.DataFrame(MinMaxScaler().fit_transform(x), columns=['x2'])
    assert [x.column for x in check_preprocessing_data(scaled)] == ['x2']
    honest = pd.DataFrame(MinMaxScaler().fit(x.iloc[:1500]).transform(x), columns=['x2'])
    assert check_preprocessing_data(honest) == []
    leaky = make_pipeline(StandardScaler(), Ridge()).fit(d[['x2']], d[t])
    a = audit_leakage(d[['x2']], d[t], t, pipeline=leaky)
    assert any(x.evidence.get('rows_seen') == len(d) for x in a.findings)

@pytest.fixture(scope='module')
def bike():
    df = load_bike_sharing('hourly')
    X = df[['hr', 'weekday', 'workingday', 'holiday', 'season', 'mnth', 'temp', 'hum', 'windspeed',
            'weathersit']].copy()
    for k in (1, 24, 168): X[f'cnt_lag{k}'] = df['cnt'].shift(k)
    X['casual_lag1'], X['registered_lag1'] = df['casual'].shift(1), df['registered'].shift(1)
    return df, X

def test_bike_model_with_casual_and_registered_is_flagged(bike):
    df, X = bike
    a = audit_leakage(X.assign(casual=df['casual'], registered=df['registered']), df['cnt'], 'cnt',
                      time=df['timestamp'])
    rec = next(f for f in a.findings if f.check == 'leak_reconstructed_target')
    assert rec.severity == 'critical' and sorted(rec.evidence['columns']) == ['casual', 'registered']
    assert 'cnt ≈ 1·casual + 1·registered' in rec.message

def test_bike_honest_features_are_not_flagged(bike):
    df, X = bike
    a = audit_leakage(X, df['cnt'], 'cnt', time=df['timestamp'])
    assert not a.flagged, a.summary()

def test_bike_row_index_is_flagged(bike):
    df, X = bike
    a = audit_leakage(X.assign(instant=df['instant']), df['cnt'], 'cnt', time=df['timestamp'])
    assert [f.column for f in a.findings if f.check == 'leak_identifier'] == ['instant']

# ---- real data nobody here wrote (../shared/data/real): gaps, placeholders, the target's past, calendar features
from realtools import needs_real  # noqa: E402 (it also puts benchmarks/ on the path)

def _alarms(a): return [(f.check, f.column) for f in a.findings if f.severity != 'info']

@pytest.fixture(scope='module')
def etth1():
    from leakage_real import load_real
    return load_real('etth1')

def _features(df, target, tcol, task='regression'):
    "The features 03_features builds from `df`, as 05_evaluation audits them."
    from mlkit.core import Run
    from mlkit.config import RunConfig
    from mlkit.time_axis import infer_freq
    from mlkit.loading import Dataset
    from mlkit.features import features_for_run
    ds = Dataset(df, target, tcol, task, infer_freq(df[tcol]), 'test', '')
    return features_for_run(Run(RunConfig(data='test', target=target, time_col=tcol, task=task), None, ds))[0]

@needs_real
def test_real_target_gaps_and_infinities_are_left_out_and_counted(etth1):
    df, target, tcol, task = etth1
    rng = np.random.default_rng(7)
    y = df[target].copy()
    gaps = rng.choice(len(df), 900, replace=False)
    y[gaps[:850]] = np.nan; y[gaps[850:]] = np.inf * rng.choice([-1, 1], 50)
    y[4000:4300] = np.nan  # and a long gap
    a = audit_leakage(df.drop(columns=[target, tcol]), y, target, task, time=df[tcol])
    note = next(f for f in a.findings if f.check == 'leak_missing_target')
    assert note.severity == 'info'
    assert note.evidence['rows'] == int((~np.isfinite(y)).sum())
    assert note.evidence['infinite'] == 50
    assert _alarms(a) == []
    gapped = df.assign(**{target: y})
    feats = _features(gapped.assign(**{target: gapped[target].replace([np.inf, -np.inf], np.nan)}), target, tcol)
    b = audit_leakage(feats.drop(columns=[target, tcol]), feats[target], target, task, time=feats[tcol])
    assert _alarms(b) == [], b.findings
    kinds = b.provenance.set_index('feature')['kind']
    assert kinds['OT_lag1'] == 'target_past' and kinds['cal_hour_sin'] == 'calendar' and kinds['HUFL_lag1'] == 'other'

@needs_real
def test_real_target_past_and_calendar_are_signal_not_leaks(etth1):
    "OT_lag1 alone has R² 0.97 on ETTh1 and cal_hour_sin tracks a daily cycle: neither is a leak candidate."
    df, target, tcol, task = etth1
    feats = _features(df, target, tcol)
    a = audit_leakage(feats.drop(columns=[target, tcol]), feats[target], target, task, time=feats[tcol])
    assert _alarms(a) == []
    note = next(f for f in a.findings if f.check == 'leak_not_candidates')
    assert 'OT_lag1' in note.evidence['features'] and note.evidence['features']['OT_lag1']['kind'] == 'target_past'
    # a copy of the target that calls itself a lag is not taken at its word
    fake = feats.assign(OT_lag5=feats[target] * 2 + 1)
    b = audit_leakage(fake.drop(columns=[target, tcol]), fake[target], target, task, time=fake[tcol])
    assert ('leak_reconstructed_target', 'OT_lag5') in _alarms(b)

def test_calendar_feature_on_a_daily_cycle_is_not_a_leak():
    "The issue's case: cal_hour_sin alone reached R² 0.915 on data with a daily cycle and was called a leak."
    rng = np.random.default_rng(0); ts = pd.date_range('2024-01-01', periods=24 * 200, freq='h')
    hour = np.sin(2 * np.pi * ts.hour / 24)
    y = pd.Series(100 + 40 * hour + rng.normal(0, 4, len(ts)))
    X = pd.DataFrame({'cal_hour_sin': hour, 'cal_hour_cos': np.cos(2 * np.pi * ts.hour / 24),
                      'temp': rng.normal(size=len(ts))})
    a = audit_leakage(X, y, 'y', time=ts)
    assert _alarms(a) == [] and 'cal_hour_sin' in next(f for f in a.findings
                                                       if f.check == 'leak_not_candidates').evidence['features']
    # the same values under a user's name are recognised by what they are, and a noisy copy named cal_ is not
    assert _alarms(audit_leakage(X.rename(columns={'cal_hour_sin': 'hour_wave'}), y, 'y', time=ts)) == []
    b = audit_leakage(X.assign(cal_fake=y + rng.normal(0, .5, len(ts))), y, 'y', time=ts)
    assert ('leak_feature_alone', 'cal_fake') in _alarms(b)

@needs_real
def test_real_placeholders_shared_with_the_target_are_not_a_leak(etth1):
    """-200 for 'missing' in the target and two columns on the same rows (as in UCI Air Quality): no leak, with or
    without the dict."""
    df, target, tcol, task = etth1
    rng = np.random.default_rng(3); rows = rng.choice(len(df), 400, replace=False)
    bad = df.copy(); bad.loc[rows, [target, 'HUFL', 'MULL']] = -200.
    X, y = bad.drop(columns=[target, tcol]), bad[target]
    a = audit_leakage(X, y, target, task, time=bad[tcol])
    assert _alarms(a) == []
    assert set(next(f for f in a.findings if f.check == 'leak_placeholders').evidence) == {target, 'HUFL', 'MULL'}
    b = audit_leakage(X, y, target, task, time=bad[tcol],
                      missing_values={target: [-200.], 'HUFL': [-200.], 'MULL': [-200.]})
    assert _alarms(b) == []
    assert next(f for f in b.findings if f.check == 'leak_placeholders').evidence['HUFL']['source'] == 'missing_values'
    # a real leak among the placeholders is still found
    c = audit_leakage(X.assign(part=y * .3), y, target, task, time=bad[tcol])
    assert any(ch == 'leak_reconstructed_target' for ch, _ in _alarms(c))

@needs_real
def test_real_rounded_repeats_are_not_copies_but_planted_copies_are():
    from leakage_real import load_real, plant_leak
    df, target, tcol, task = load_real('wind')
    df = df.iloc[-12000:].reset_index(drop=True)
    # hourly weather, rounded: rows recur
    coarse = df.assign(**{c: df[c].round(0) for c in df.columns if c not in (tcol,)})
    X, y = coarse.drop(columns=[target, tcol]), coarse[target]
    a = audit_leakage(X, y, target, task, time=coarse[tcol])
    assert not any(ch == 'leak_duplicates' for ch, _ in _alarms(a))
    planted, what = plant_leak(coarse, target, 'copied_rows', np.random.default_rng(0), tcol)
    b = audit_leakage(planted.drop(columns=[target, tcol]), planted[target], target, task, time=planted[tcol])
    assert any(ch == 'leak_duplicates' for ch, _ in _alarms(b)), (what, b.findings)

@needs_real
@pytest.mark.parametrize('kind', ['parts', 'future_shift', 'row_index', 'target_copy'])
def test_real_planted_leaks_are_found(etth1, kind):
    from leakage_real import plant_leak
    df, target, tcol, task = etth1
    planted, what = plant_leak(df, target, kind, np.random.default_rng(11), tcol)
    a = audit_leakage(planted.drop(columns=[target, tcol]), planted[target], target, task, time=planted[tcol])
    named = {c for _, col in _alarms(a) for c in str(col).split(', ')}
    assert set(what['columns']) <= named and named <= set(what['columns']), (what, a.findings)

@needs_real
def test_real_occupancy_light_is_a_strong_signal_and_a_disguised_label_a_leak():
    from leakage_real import load_real, plant_leak
    df, target, tcol, task = load_real('occupancy')
    a = audit_leakage(df.drop(columns=[target, tcol]), df[target], target, task, time=df[tcol])
    assert _alarms(a) == [] and [f.column for f in a.findings if f.check == 'strong_signal'] == ['Light']
    planted, what = plant_leak(df, target, 'disguised_category', np.random.default_rng(0), tcol)
    b = audit_leakage(planted.drop(columns=[target, tcol]), planted[target], target, task, time=planted[tcol])
    # alone it beats the target's past, and where occupancy changes it follows the new class: both checks name it
    col = what['columns'][0]
    assert sorted(_alarms(b)) == [('leak_feature_alone', col), ('leak_target_in_disguise', col)]
