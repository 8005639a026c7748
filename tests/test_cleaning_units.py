"""Unit mixes planted by code into real data nobody here wrote, at random places and sizes, are named as unit mixes
(not as outliers); the real data as it is raises no unit alarm. statsmodels' series need no files; the tests on
`../shared/data/real` skip when it is not beside the checkout."""
import numpy as np, pandas as pd, pytest
from mlkit.cleaning import detect_problems
from mlkit.sensors import running_sum

from realtools import needs_real
import trap_bench as tb  # noqa: E402 (realtools puts benchmarks/ on the path)
from real_data import load_etth1, load_macrodata, load_sunspots, load_wind  # noqa: E402

def plant(d, col:str, conversion:str, block:bool, rng) -> tuple[pd.DataFrame, np.ndarray]:
    "`d`'s frame with rows of `col` converted by the trap benchmark's `conversion`: scattered, or one block of 5-20%."
    n = len(d.frame)
    if block:
        k = int(rng.integers(int(np.ceil(.05 * n)), int(.2 * n) + 1))
        start = int(rng.integers(0, n - k + 1))
        rows = np.arange(start, start + k)
    else: rows = np.sort(rng.choice(n, tb.scattered_size(n, rng), replace=False))
    df = d.frame.copy()
    df[col] = df[col].astype(float)
    df.loc[rows, col] = tb.CONVERSIONS[conversion][0](df.loc[rows, col].to_numpy())
    return df, rows

def unit_finding(df, d, col):
    "The warning-or-critical findings on `col`: (the mixed_units finding or None, the other checks' names)."
    found = [f for f in detect_problems(df, d.time_col, d.target) if f.column == col and f.severity != 'info']
    units = [f for f in found if f.check == 'mixed_units']
    return (units[0] if units else None), [f for f in found if f.check != 'mixed_units']

def assert_found(df, d, col, rows, conversion):
    "A mixed_units finding on `col` names most planted rows, shows planted rows as examples, and no outlier alarm."
    f, others = unit_finding(df, d, col)
    assert f is not None, (col, conversion, [o.check for o in others])
    assert f.evidence['rows'] >= .7 * len(rows), (f.evidence['rows'], len(rows))
    near = np.zeros(len(df), bool)  # planted rows, and for a block the rows within a window of its ends
    near[rows] = True
    if len(rows) > 1 and rows[-1] - rows[0] == len(rows) - 1: near[max(0, rows[0] - 25):rows[-1] + 26] = True
    assert all(near[e['row']] for e in f.evidence['examples']), f.evidence['examples']
    # the conversion is named instead of outliers: a few planted rows at most (a reading whose sign differs from its
    # neighbours', x 1000) stay outliers, as converted back they still are
    assert sum(o.evidence['rows'] for o in others if o.check == 'outlier') <= max(2, .05 * len(rows))
    return f

@pytest.mark.parametrize('block', [False, True])
@pytest.mark.parametrize('seed', range(3))
def test_scale_changes_in_sunspots_are_found(seed, block):
    """Sunspot numbers (0 to 190, noisy): rows divided by 1000 hide in the bulk yet are found by their ratio to their
    neighbours."""
    d = load_sunspots()
    rng = np.random.default_rng([seed, block])
    df, rows = plant(d, 'sunactivity', 'm->km', block, rng)
    f = assert_found(df, d, 'sunactivity', rows, 'm->km')
    assert f.evidence['conversion'].startswith('unit -> thousand')

@pytest.mark.parametrize('seed', range(4))
def test_blocks_in_trending_series_are_found(seed):
    """macrodata's rising series (population, money, prices): a block of quarters in another scale is dated; no counter
    reset."""
    d = load_macrodata()
    rng = np.random.default_rng(seed)
    col = ['pop', 'm1', 'cpi', 'realgdp'][seed]
    conversion = ['m->km', 'x1000'][seed % 2]
    df, rows = plant(d, col, conversion, True, rng)
    assert running_sum(df[col].to_numpy()) is None  # a level that jumps back as far as it fell is no restart
    f = assert_found(df, d, col, rows, conversion)
    seg = f.evidence['segments'][0]
    assert abs(seg['start']['row'] - rows[0]) <= 5 and abs(seg['end']['row'] - rows[-1]) <= 5

@needs_real
@pytest.mark.parametrize('seed', range(4))
def test_unit_mixes_in_etth1_are_found(seed):
    "ETTh1's loads cross zero: km among m (scattered or a block), C->F, x1000, anywhere, are named with the conversion."
    d = load_etth1()
    rng = np.random.default_rng([seed, 12])
    col = str(rng.choice(['HUFL', 'HULL', 'MUFL', 'MULL', 'LUFL', 'OT']))
    for conversion in ('m->km', 'x1000', 'C->F'):
        for block in (False, True):
            df, rows = plant(d, col, conversion, block, rng)
            assert_found(df, d, col, rows, conversion)

@needs_real
def test_quiet_stretches_and_running_sums_are_no_unit_mix():
    "Wind power idles near zero for days and a cumulative wind speed resets daily: neither is a unit mix."
    d = load_wind()
    df = d.frame.assign(wind_run=d.frame['ture_w_speed'].groupby(d.frame['date'].dt.floor('D')).cumsum())
    assert not [f for f in detect_problems(df, d.time_col, d.target) if f.check == 'mixed_units']

def test_no_unit_alarm_on_statsmodels_series():
    "The real series as they are raise no unit alarm."
    for d in (load_sunspots(), load_macrodata()):
        assert not [f for f in detect_problems(d.frame, d.time_col, d.target) if f.check == 'mixed_units'], d.name

@needs_real
def test_zeros_blurred_by_noise_are_no_unit_mix():
    """ETTh1 tiled to 200,000 rows with a little noise: readings of 0 turn into tiny values near zero, evenly on both
    sides."""
    d = load_etth1()
    body = pd.concat([d.frame.drop(columns='date')] * 12, ignore_index=True).iloc[:200_000]
    body = body + np.random.default_rng(0).normal(0, .01, body.shape)
    df = body.assign(date=pd.date_range('2000-01-01', periods=len(body), freq='min'))
    assert not [f.column for f in detect_problems(df, 'date', 'OT') if f.check == 'mixed_units']
