"""The EDA functions on the bundled Bike Sharing data, cross-checked against pandas, scipy and statsmodels where they
should agree, and on awkward frames that must not crash them."""
import numpy as np, pandas as pd, pytest
from scipy import stats
from statsmodels.tsa.stattools import acf
from mlkit.config import RunConfig
from mlkit.loading import load_dataset
from mlkit.eda import (class_balance, correlations, decompose_target, period_shift, profile, seasonality_strength,
                       target_acf, time_coverage, time_gaps)

@pytest.fixture(scope='module')
def bike(): return load_dataset(RunConfig())

def test_profile_agrees_with_pandas_describe(bike):
    df = bike.frame
    p = profile(df)
    d = df.select_dtypes('number').describe().T
    for c in ['cnt', 'temp', 'hum', 'windspeed']:
        assert p.loc[c, 'min'] == d.loc[c, 'min']
        assert p.loc[c, 'max'] == d.loc[c, 'max']
        assert p.loc[c, 'median'] == d.loc[c, '50%']
        assert p.loc[c, 'skew'] == pytest.approx(stats.skew(df[c], bias=False))
        assert p.loc[c, 'zeros'] == (df[c] == 0).sum() and p.loc[c, 'unique'] == df[c].nunique()
    assert p.loc['hum', 'zeros'] == 22  # the hum == 0 sensor fault of 2011-03-10
    assert (p['missing'] == 0).all()

def test_time_coverage_finds_the_missing_hours(bike):
    cov = time_coverage(bike.frame['timestamp'], 'h').set_index('fact')['value']
    assert cov['expected_slots'] == 17379 + 165
    assert cov['missing_slots'] == 165
    assert cov['duplicated'] == 0
    assert cov['out_of_order'] == 0
    gaps = time_gaps(bike.frame['timestamp'], 'h')
    # the longest gap: hurricane Sandy, 2012-10-29
    assert gaps['missing'].sum() == 165 and gaps.iloc[0]['missing'] == 36
    assert gaps.iloc[0]['start'] == pd.Timestamp('2012-10-29 01:00')

def test_time_coverage_counts_duplicates_disorder_and_irregular_stamps():
    ts = pd.Series(pd.date_range('2024-01-01', periods=10, freq='D'))
    messy = pd.concat([ts.iloc[:5], ts.iloc[[3]], ts.iloc[[7, 6]], pd.Series([ts[8] + pd.Timedelta('5h')])],
                      ignore_index=True)
    cov = time_coverage(messy, 'D').set_index('fact')['value']
    # days 5 and 8
    assert cov['duplicated'] == 1 and cov['out_of_order'] == 2 and cov['off_grid'] == 1 and cov['missing_slots'] == 2

def test_stl_and_acf_agree_with_statsmodels(bike):
    parts = decompose_target(bike.frame, 'cnt', 'timestamp', 'h')
    assert np.allclose(parts['observed'], parts['trend'] + parts['seasonal'] + parts['resid'])
    strength = seasonality_strength(parts).set_index('component')['strength']
    assert strength['seasonal'] > .5  # the daily commute cycle dominates hourly rentals
    ac = target_acf(bike.frame, 'cnt', 'timestamp', 'h')
    assert len(ac) == 49 and np.allclose(ac['acf'], acf(parts['observed'], nlags=48, fft=True))
    assert ac.loc[24, 'acf'] > ac.loc[12, 'acf']  # same hour yesterday is more alike than twelve hours ago

def test_class_balance_and_correlations():
    y = pd.Series(['no'] * 95 + ['yes'] * 5)
    b = class_balance(y)
    assert b['class'].tolist() == ['no', 'yes'] and b['share'].tolist() == [.95, .05]
    rng = np.random.default_rng(0)
    x = rng.normal(size=500)
    df = pd.DataFrame({'x': x, 'noise': rng.normal(size=500), 'y': np.exp(x)})
    c = correlations(df, 'y').set_index('column')['spearman']
    assert c['x'] == pytest.approx(1.0) and abs(c['noise']) < .15
    assert c['x'] == pytest.approx(stats.spearmanr(df['x'], df['y']).statistic)

def test_period_shift_sees_the_growth_from_2011_to_2012(bike):
    s = period_shift(bike.frame.drop(columns=['dteday']), 'timestamp').set_index('column')
    assert s.loc['cnt', 'last_mean'] > 1.5 * s.loc['cnt', 'first_mean']  # ridership grew strongly
    a, b = bike.frame['cnt'].iloc[:3475], bike.frame['cnt'].iloc[-3475:]
    assert s.loc['cnt', 'ks'] == pytest.approx(stats.ks_2samp(a, b).statistic)

def test_awkward_frames_do_not_crash():
    d = pd.DataFrame({'ts': pd.date_range('2024-01-01', periods=50, freq='h'), 'empty': np.nan,
                      'mixed': [1, 'two', 3.5, None, 'x'] * 10,
                      'key': [f'id{i}' for i in range(50)], 'y': 1.0})
    p = profile(d)
    assert p.loc['empty', 'missing'] == 50 and np.isnan(p.loc['empty', 'skew']) and p.loc['key', 'unique'] == 50
    assert profile(d.iloc[:1]).loc['y', 'min'] == 1.0
    assert time_coverage(d['ts'].iloc[:1]).set_index('fact')['value']['rows'] == 1
    assert decompose_target(d, 'y', 'ts', 'h')['trend'].isna().all()  # a constant target has no trend to find
    assert correlations(d, 'y')['spearman'].isna().all() and len(period_shift(d, 'ts')) == 4

def test_present_in_agrees_with_isin():
    "The grid arithmetic and the binary search give pandas' isin, whichever side is the regular grid."
    from mlkit.eda import present_in, distinct_times
    rng = np.random.default_rng(0)
    g = pd.date_range('2024-01-01', periods=500, freq='h')
    # unsorted, off-grid stamps
    t = pd.DatetimeIndex(rng.choice(g.append(g + pd.Timedelta(minutes=30)), 400, replace=False))
    for a, b in [(g, distinct_times(t)), (t, g), (t, distinct_times(t)), (g[::3], g), (g.as_unit('s'), g[:10])]:
        assert (present_in(a, b) == a.isin(b)).all()
    assert distinct_times(pd.Series([t[1], t[0], t[1], None])).equals(pd.DatetimeIndex([t[1], t[0]]).sort_values())

def test_profile_threads_and_skewness_agree_with_pandas_and_scipy():
    from mlkit.eda import skewness
    rng = np.random.default_rng(0)
    df = pd.DataFrame({'ts': pd.date_range('2024-01-01', periods=500, freq='h'), 'g': rng.gamma(2, 2, 500),
                       'c': np.r_[np.full(499, 3.), np.nan], 'k': [f'k{i % 37}' for i in range(500)]})
    assert profile(df, threads=1).equals(profile(df, threads=3))
    p = profile(df)
    assert p.loc['g', 'skew'] == pytest.approx(df['g'].skew())
    assert np.isnan(p.loc['c', 'skew'])
    assert np.isnan(df['c'].skew())
    assert p.loc['ts', 'unique'] == 500 and p.loc['k', 'unique'] == 37
    assert skewness(df['g'].to_numpy()) == pytest.approx(stats.skew(df['g']))
    long = rng.gamma(2, 2, 50_000); long[::7] = np.nan  # several chunks, with missing values
    assert skewness(long) == pytest.approx(stats.skew(long, nan_policy='omit'))
