"""Mixed granularity on real data nobody here wrote: period totals planted by code at random rows of a real column
(the total of the period of rows that ends or starts on the row) are found with the period they cover, and the real
datasets as they are raise no granularity alarm. The statsmodels series always run; the files in ../shared/data/real
skip when they are not beside the checkout."""
import numpy as np, pandas as pd, pytest
from mlkit.cleaning import detect_problems
from mlkit.granularity import granularity_mix

from realtools import needs_real
from real_data import (load_elec_equip, load_etth1, load_ili, load_macrodata, load_occupancy,  # noqa: E402
                       load_wind)
# dataset: (loader, rows kept (the last ones), period of the totals, rows per period)
CASES = {'macrodata': (load_macrodata, None, 'year', 4), 'elec_equip': (load_elec_equip, None, 'year', 12),
         'ili': (load_ili, None, 'month', 4), 'wind': (load_wind, 6000, 'hour', 4),
         'etth1': (load_etth1, 6000, 'day', 24)}

def plant_totals(df:pd.DataFrame, time_col:str, L:int, rng) -> tuple[pd.DataFrame, str, np.ndarray]:
    """A copy of `df` where 3 to max(6, 5%) random rows of one random non-negative column hold the sum of the `L` rows
    ending (or starting) there."""
    cols = [c for c in df.columns if c != time_col and pd.api.types.is_numeric_dtype(df[c]) and df[c].nunique() > 20
            and (df[c] >= 0).all()]
    col = cols[rng.integers(len(cols))]
    n_periods = len(df) // L
    k = int(rng.integers(3, max(6, n_periods // 20) + 1))
    rows = np.sort(rng.choice(np.arange(L, len(df) - L), k, replace=False))
    x = df[col].to_numpy(float)
    out = df.copy()
    out[col] = x.copy()
    ending = rng.random() < .5  # a total of the period that ends on the row, or of the one that starts on it
    out.loc[rows, col] = [x[r - L + 1:r + 1].sum() if ending else x[r:r + L].sum() for r in rows]
    return out, col, rows

def load(name:str):
    loader, keep, period, L = CASES[name]
    d = loader()
    df = d.frame if keep is None else d.frame.iloc[-keep:].reset_index(drop=True)
    return df, d.time_col, d.target, period, L

@pytest.mark.parametrize('name', [pytest.param(n, marks=needs_real) if n in ('ili', 'wind', 'etth1') else n
                                  for n in CASES])
def test_totals_planted_at_random_rows_are_found(name):
    """In 4 tables with totals at random rows, at least 3 findings name the column, the period, most planted rows and
    few others."""
    df, time_col, target, period, L = load(name)
    found = 0
    for seed in range(4):
        planted, col, rows = plant_totals(df, time_col, L, np.random.default_rng(seed))
        f = [f for f in detect_problems(planted, time_col, target, threads=1) if f.check == 'mixed_granularity'
             and f.column == col]
        if not f: continue
        found += 1
        e = f[0].evidence
        assert f[0].severity == 'critical', (name, seed, e)
        assert e['period'] == period, (name, seed, e)
        assert e['rows'] >= 3, (name, seed, e)
        assert e['examples'], (name, seed, e)
        flagged = set(np.flatnonzero(granularity_mix(planted[col], planted[time_col])[0]))
        assert len(flagged & set(rows)) >= .6 * len(rows), (name, seed, col, len(flagged & set(rows)), len(rows))
        # few natural peaks among them
        assert len(flagged - set(rows)) <= 3, (name, seed, col, sorted(flagged - set(rows)))
    assert found >= 3, (name, found)

@pytest.mark.parametrize('loader', [load_macrodata, load_elec_equip, pytest.param(load_ili, marks=needs_real),
                                    pytest.param(load_wind, marks=needs_real),
                                    pytest.param(load_occupancy, marks=needs_real)])
def test_no_granularity_alarm_on_real_data_as_is(loader):
    d = loader()
    found = detect_problems(d.frame, d.time_col, d.target, threads=1)
    assert not [(f.column, f.message) for f in found if f.check == 'mixed_granularity' and f.severity != 'info']
