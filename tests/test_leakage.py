"""The leakage audit: every planted leak is caught by its own check, clean data raises nothing, and on the bundled
Bike Sharing data a model given casual and registered is flagged while the honest feature set is not."""
import numpy as np, pandas as pd, pytest
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from mlkit.datasets import load_bike_sharing
from mlkit.leakage import LEAK_KINDS, audit_leakage, check_preprocessing_data, planted_leak_case

EXPECTED = {'feature_alone': 'leak_feature_alone', 'reconstructed': 'leak_reconstructed_target', 'identifier': 'leak_identifier',
            'duplicates': 'leak_duplicates', 'future_shift': 'leak_future_values', 'random_split_optimism': 'random_split_optimism',
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
    assert f.evidence['columns'] == ['part_a', 'part_b'] and f.evidence['coefficients'] == {'part_a': 1.0, 'part_b': 1.0}

def test_classification_target():
    d, t, f = planted_leak_case('feature_alone')
    yb = (d[t] > d[t].median()).astype(int)
    a = audit_leakage(d[f], yb, 'y_high', 'classification', time=d['ts'])
    assert 'leak_feature_alone' in {x.check for x in a.findings}
    dc, tc, fc = planted_leak_case('clean')
    assert audit_leakage(dc[fc], (dc[tc] > dc[tc].median()).astype(int), 'y_high', 'classification', time=dc['ts']).findings == []

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
    X = df[['hr', 'weekday', 'workingday', 'holiday', 'season', 'mnth', 'temp', 'hum', 'windspeed', 'weathersit']].copy()
    for k in (1, 24, 168): X[f'cnt_lag{k}'] = df['cnt'].shift(k)
    X['casual_lag1'], X['registered_lag1'] = df['casual'].shift(1), df['registered'].shift(1)
    return df, X

def test_bike_model_with_casual_and_registered_is_flagged(bike):
    df, X = bike
    a = audit_leakage(X.assign(casual=df['casual'], registered=df['registered']), df['cnt'], 'cnt', time=df['timestamp'])
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
