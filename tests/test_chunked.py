"""mlkit.chunked: the profile and drift of Parquet files read in batches equal the in-memory results (the KS
statistic within its stated bound), on awkward columns."""
import numpy as np, pandas as pd, pytest
from mlkit.chunked import Moments, chunked_drift, chunked_profile, column_quantiles
from mlkit.drift import column_drift
from mlkit.eda import QUARTILES, profile
from mlkit.findings import MlkitError

def awkward(n=30_000, seed=5, shift=0.):
    "Integers with ties, a heavy tail with an outlier, an all-missing column, categories with tied counts, NaT."
    rng = np.random.default_rng(seed)
    t = pd.Series(pd.date_range('2024-03-01', periods=n, freq='min'))
    t[::1000] = pd.NaT
    cat = np.array(['a', 'b', 'c', 'd'])[np.arange(n) % 4]  # four categories of exactly equal counts
    heavy = rng.pareto(1.5, n) + shift; heavy[7] = 1e9
    return pd.DataFrame({'time': t, 'ints': rng.integers(0, 5, n) + (shift > 0) * (np.arange(n) > n // 2),
                         'heavy': heavy, 'empty': np.nan, 'cat': cat, 'neg': -rng.exponential(size=n)})

def test_profile_equals_in_memory(tmp_path):
    df = awkward().drop(columns='time')
    df.to_parquet(tmp_path/'a.parquet')
    mem, got = profile(df), chunked_profile(tmp_path/'a.parquet', batch_rows=4_321)
    same = ['missing', 'missing_pct', 'zeros', *QUARTILES]
    pd.testing.assert_frame_equal(got[same], mem[same], check_dtype=False)
    np.testing.assert_allclose(got['skew'].dropna(), mem['skew'].dropna(), rtol=1e-9)
    assert got.loc['cat', 'unique'] == 4 and got.loc['empty', 'missing'] == len(df)
    num = df.drop(columns='cat')
    np.testing.assert_allclose(got.loc[num.columns, 'mean'], num.mean(), rtol=1e-9)
    np.testing.assert_allclose(got.loc[num.columns, 'std'], num.std(), rtol=1e-9)

def test_quantiles_of_many_passes_equal_numpy():
    x = np.r_[np.full(40_000, 3.), np.random.default_rng(0).standard_t(1, 9_000)]  # a huge tie and Cauchy tails
    m = Moments().add(x)
    qs = [0, .01, .3, .5, .77, .999, 1]
    assert column_quantiles(pd.DataFrame({'x': x}), 'x', m, qs, batch_rows=5_000) == np.quantile(x, qs).tolist()

@pytest.mark.parametrize('time_col', ['time', None])
def test_drift_equals_in_memory(tmp_path, time_col):
    ref, new = awkward(seed=1), awkward(seed=2, shift=.3)
    cols = ['ints', 'heavy', 'empty', 'cat', 'neg']
    ref.to_parquet(tmp_path/'ref.parquet'); new.to_parquet(tmp_path/'new.parquet')
    mem = column_drift(ref, new, time_col=time_col, columns=cols, seed=3)
    got = chunked_drift(tmp_path/'ref.parquet', tmp_path/'new.parquet', time_col=time_col, columns=cols, seed=3,
                        batch_rows=6_000)
    exact = ['column', 'chunk', 'start', 'rows', 'test', 'effect', 'effect_low', 'effect_high', 'alarm']
    pd.testing.assert_frame_equal(got[exact], mem[exact])
    ks, ok = got['test'] == 'ks', mem['statistic'].notna()
    assert got['alarm'].any() and ks.any() and (~ks).any()
    assert np.array_equal(got.loc[~ks, 'statistic'], mem.loc[~ks, 'statistic'], equal_nan=True)
    assert (got.loc[ok, 'statistic'] <= mem.loc[ok, 'statistic'] + 1e-12).all()
    assert (mem.loc[ok, 'statistic'] <= got.loc[ok, 'statistic_bound'] + 1e-12).all()
    assert (got.loc[ok & ks, 'statistic_bound'] - got.loc[ok & ks, 'statistic']).max() < .01

def test_drift_refuses_mismatched_files(tmp_path):
    awkward(100).to_parquet(tmp_path/'a.parquet')
    awkward(100).drop(columns='neg').to_parquet(tmp_path/'b.parquet')
    with pytest.raises(MlkitError, match='lacks column'): chunked_drift(tmp_path/'a.parquet', tmp_path/'b.parquet')
    with pytest.raises(MlkitError, match='not found'): chunked_profile(tmp_path/'missing.parquet')
