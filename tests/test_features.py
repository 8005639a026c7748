"""mlkit.features: past-only features are leak-proof (the future cannot change the past), on the time grid, with
clear errors."""
import numpy as np, pandas as pd, pytest
from sklearn.base import clone
from mlkit.findings import MlkitError
from mlkit.time_axis import seasonal_period
from mlkit.features import (PastFeatures, future_change_test, time_positions, check_time_order,
                            default_lags, make_features, holiday_features)

def frame(n=400, seed=0, gaps=True):
    "Hourly data with missing hours, a measured column, a known column and a string column."
    rng = np.random.default_rng(seed)
    ts = pd.date_range('2024-03-01', periods=n + 40, freq='h')
    if gaps: ts = ts.delete(rng.choice(np.arange(5, n + 35), 40, replace=False))
    else: ts = ts[:n]
    return pd.DataFrame({'ts': ts[:n], 'y': rng.normal(size=n).cumsum(), 'x': rng.normal(size=n),
                         'plan': rng.integers(0, 2, n).astype(float), 'kind': rng.choice(['a', 'b', 'c'], n)})

@pytest.mark.parametrize('h', [1, 3, 24])
@pytest.mark.parametrize('seed', [0, 1])
def test_future_changes_never_reach_earlier_features(h, seed):
    "Replace every value after a cut-off (target, measured, known, strings): no feature at or before it changes."
    df = frame(seed=seed)
    dom = {'plan_x_hour': lambda f: f['plan'] * f['ts'].dt.hour, 'x_smooth': lambda f: f['x'].rolling(5).mean()}
    pf = PastFeatures('ts', 'y', horizon=h, lags=[h, h + 2, 48], windows=[4, 24], stats=('mean', 'std', 'max'),
                      diffs=(1, 24),
                      exog_lags=[h, h + 1], known_cols=['plan', 'plan_x_hour'], holidays='US', domain=dom, freq='h')
    rng = np.random.default_rng(seed)
    for cut in rng.integers(50, 390, 6):
        assert future_change_test(pf, df, int(cut), seed=seed) == 0
    assert f'x_smooth_lag{h}' in pf.get_feature_names_out() and 'plan_x_hour' in pf.get_feature_names_out()

@pytest.mark.parametrize('fn', [lambda f: f['y'].shift(-1), lambda f: f['x'].rolling(5, center=True).mean(),
                                lambda f: f['x'] - f['x'].mean()])
def test_domain_features_that_look_ahead_are_refused(fn):
    "A domain function whose values depend on later rows (shift(-1), centred window, full-sample mean) stops at fit."
    with pytest.raises(MlkitError, match='looks into the future'):
        PastFeatures('ts', 'y', lags=[1], known_cols=['peek'], domain={'peek': fn}, freq='h').fit(frame())

def test_the_leak_test_has_teeth():
    "A transformer that uses the next value is caught by future_change_test."
    class Peeking(PastFeatures):
        def transform(self, X): return super().transform(X).assign(peek=X['y'].shift(-1).to_numpy())
    assert future_change_test(Peeking('ts', 'y', lags=[1], freq='h'), frame(), 100) > 0

def test_target_at_t_never_used():
    "Changing y at row t (and later) changes no feature of row t."
    df = frame(gaps=False)
    pf = PastFeatures('ts', 'y', lags=[1, 2], windows=[3], freq='h').fit(df)
    a = pf.transform(df)
    b = pf.transform(df.assign(y=np.where(df.index >= 200, 1e6, df['y'])))
    pd.testing.assert_frame_equal(a.iloc[:201], b.iloc[:201])

def test_lags_follow_the_time_grid():
    "Lag 1 of the hour after a missing hour is missing, not the value two hours before."
    df = pd.DataFrame({'ts': pd.to_datetime(['2024-01-01 00:00', '2024-01-01 01:00', '2024-01-01 03:00',
                                             '2024-01-01 04:00']),
                       'y': [1., 2., 4., 5.]})
    F = PastFeatures('ts', 'y', lags=[1, 3], windows=[], diffs=(), expanding=False, calendar=False,
                     freq='h').fit_transform(df)
    assert F['y_lag1'].tolist()[2:] == [pytest.approx(np.nan, nan_ok=True), 4.0]
    assert F['y_lag3'].tolist()[2:] == [1.0, 2.0]
    assert time_positions(df['ts'], 'h').tolist() == [0, 1, 3, 4]

def test_rolling_window_ends_h_before_t():
    "With horizon 2, the rolling mean of row t covers t-2 back to t-1-w."
    df = frame(gaps=False)
    F = PastFeatures('ts', 'y', horizon=2, lags=[2], windows=[3], stats=('mean',), freq='h').fit_transform(df)
    assert F.loc[50, 'y_roll3_mean'] == pytest.approx(df['y'].iloc[46:49].mean())
    assert F.loc[50, 'y_expanding_mean'] == pytest.approx(df['y'].iloc[:49].mean())

def test_horizon_conflicting_with_lags_is_refused():
    with pytest.raises(MlkitError, match='shorter than the horizon 3'):
        PastFeatures('ts', 'y', horizon=3, lags=[1, 24], freq='h').fit(frame())
    with pytest.raises(MlkitError, match='shorter than the horizon 2'):
        PastFeatures('ts', 'y', horizon=2, exog_lags=[1], freq='h').fit(frame())
    assert default_lags('h', 5)[0] == 5 and min(default_lags('D', 3)) == 3

@pytest.mark.parametrize('bad, msg', [('unsorted', 'not sorted'), ('duplicated', 'duplicated')])
def test_bad_timestamps(bad, msg):
    df = frame(gaps=False)
    df = df.iloc[::-1] if bad == 'unsorted' else pd.concat([df, df.iloc[[-1]]])
    with pytest.raises(MlkitError, match=msg): PastFeatures('ts', 'y', freq='h').fit(df)

def test_sklearn_conventions_and_columns():
    "get_params/clone/set_output work; strings lagged as strings; many-valued strings dropped with a reason."
    df = frame().assign(note=lambda d: [f'n{i}' for i in range(len(d))])
    pf = clone(PastFeatures('ts', 'y', lags=[1], known_cols=['plan'], freq='h')).set_output(transform='pandas')
    F = pf.fit_transform(df)
    assert list(F.columns) == list(pf.get_feature_names_out())
    assert 'kind_lag1' in F
    assert F['kind_lag1'].iloc[5] == df['kind'].iloc[4]
    assert 'note' in pf.dropped_ and 'plan' in F and 'plan_lag1' not in F and 'x_lag1' in F
    assert pf.get_params()['known_cols'] == ['plan']

def test_make_features_drops_incomplete_target_rows_only():
    df = frame(gaps=False)
    df.loc[100, 'x'] = np.nan
    out = make_features(df, PastFeatures('ts', 'y', lags=[1, 24], windows=[], freq='h'))
    assert out['ts'].iloc[0] == df['ts'].iloc[24]
    assert out['x_lag1'].isna().sum() == 1
    assert list(out.columns[:2]) == ['ts', 'y']

def test_make_features_leaves_out_rows_without_a_target_only():
    """A missing target mid-series drops its own row; later rows keep their rows (their lag of it is missing, for the
    imputers)."""
    df = frame(gaps=False)
    df.loc[200, 'y'] = np.nan
    out = make_features(df, PastFeatures('ts', 'y', lags=[1, 24], windows=[], expanding=False, diffs=(), freq='h'))
    assert set(df['ts']) - set(out['ts']) == set(df['ts'].iloc[[*range(24), 200]])
    assert out.index.equals(pd.RangeIndex(len(out)))
    assert out['y_lag1'].isna().sum() == 1
    assert out['y_lag24'].isna().sum() == 1

def test_half_missing_target_keeps_its_rows_for_later_features():
    """With every other target missing (a real gap pattern), half the rows remain and the lags still read the known
    values."""
    df = frame(gaps=False)
    df.loc[df.index % 2 == 1, 'y'] = np.nan
    out = make_features(df, PastFeatures('ts', 'y', freq='h'))
    assert len(out) > 150 and out['y'].notna().all() and out['y_lag2'].notna().mean() > .9

def test_infinite_target_counts_as_missing():
    df = frame(gaps=False)
    df.loc[[50, 51], 'y'] = np.inf; df.loc[60, 'x'] = -np.inf
    out = make_features(df, PastFeatures('ts', 'y', freq='h'))
    assert np.isfinite(out.select_dtypes('number').fillna(0).to_numpy()).all()
    assert df['ts'].iloc[50] not in set(out['ts'])

@pytest.mark.parametrize('n', [30, 40, 100])
def test_default_lags_fit_short_data(n):
    """40 hourly rows: the daily and weekly lags (24, 168) would leave nothing; the defaults shrink to what the data
    allows."""
    out = make_features(frame(n=n, gaps=False), pf := PastFeatures('ts', 'y', freq='h'))
    assert max(pf.lags_ + pf.windows_) <= max(n // 4, 3) and len(out) >= n - n // 4 and pf.lags_[:3] == [1, 2, 3]

def test_no_rows_left_is_an_error_with_the_true_reason():
    df = frame(n=40, gaps=False)
    with pytest.raises(MlkitError, match='longest target lag .168 steps.*shorter lags'):
        make_features(df, PastFeatures('ts', 'y', lags=[1, 168], freq='h'))
    with pytest.raises(MlkitError, match='none of the 40 rows has a value of target'):
        make_features(df.assign(y=np.nan), PastFeatures('ts', 'y', freq='h'))
    with pytest.raises(MlkitError, match='too few for lags'):
        make_features(frame(n=10, gaps=False), PastFeatures('ts', 'y', freq='h'))

@pytest.mark.parametrize('freq,n,expect', [('W-SUN', 966, [1, 2, 3, 52, 104]), ('MS', 120, [1, 2, 3, 12, 24]),
                                           ('QS', 200, [1, 2, 3, 4, 8]),
                                           ('YS', 100, [1, 2, 3])])
def test_default_lags_for_calendar_frequencies(freq, n, expect):
    assert default_lags(freq, 1, n) == expect

def test_calendar_helpers():
    assert seasonal_period('h') == 24 and seasonal_period('D') == 7 and seasonal_period('MS') == 12
    hf = holiday_features(pd.date_range('2024-12-23', periods=4, freq='D'))
    assert hf['hol_today'].tolist() == [0, 0, 1, 0] and hf['hol_days_to'].tolist()[:3] == [2, 1, 0]
    with pytest.raises(MlkitError): check_time_order(pd.to_datetime(['2024-01-02', '2024-01-01']))

def test_class_label_target_enters_as_indicators():
    "A binary string target gives lags and rolling rates of its second class; still leak-proof."
    df = frame(gaps=False).assign(y=lambda d: np.where(d['y'] > d['y'].median(), 'up', 'down'))
    pf = PastFeatures('ts', 'y', lags=[1, 2], windows=[4], freq='h')
    F = pf.fit_transform(df)
    assert F['y=up_lag1'].iloc[10] == float(df['y'].iloc[9] == 'up')
    assert F['y=up_roll4_mean'].dropna().between(0, 1).all()
    assert future_change_test(pf, df, 150) == 0
    out = make_features(df, pf)
    assert out['y'].dtype == object or str(out['y'].dtype).startswith('str')
