"""The silent-error detectors on real data nobody here wrote (../shared/data/real and statsmodels' datasets): no
granularity or unit alarm on the data as is, and problems planted by code (benchmarks/detectors_real.py) are found."""
import sys
from pathlib import Path
import numpy as np, pandas as pd, pytest
from mlkit.cleaning import detect_problems
from mlkit.granularity import check_mixed_granularity
from mlkit.sensors import running_sum
from mlkit.units import unit_mix
from mlkit.values import check_disguised_nulls, placeholder_values

sys.path.insert(0, str(Path(__file__).resolve().parent.parent/'benchmarks'))
from detectors_real import DATASETS, REAL, load_real, plant  # noqa: E402

pytestmark = pytest.mark.skipif(not REAL.exists(),
                                reason='the real datasets (../shared/data/real) are not beside the checkout')

@pytest.fixture(scope='module')
def data():
    return {}

def real(data, name):
    if name not in data: data[name] = load_real(name)
    return data[name]

@pytest.mark.parametrize('name', DATASETS)
def test_no_granularity_or_unit_alarm_on_real_data(data, name):
    df, time_col, target = real(data, name)
    found = detect_problems(df, time_col, target)
    assert not [(f.check, f.column) for f in found if f.check in ('mixed_granularity', 'mixed_units')
                and f.severity != 'info']
    assert not [f for f in found if f.check == 'disguised_null']  # no placeholders in these files
    assert placeholder_values(df, time_col) == {}

def test_placeholders_shared_by_columns_and_target(data):
    df, time_col, target = real(data, 'etth1')
    df = df.copy()
    rows = np.random.default_rng(0).choice(len(df), 300, replace=False)
    df.loc[rows, ['HUFL', 'MUFL', target]] = -200.
    assert placeholder_values(df, time_col) == {'HUFL': [-200.0], 'MUFL': [-200.0], target: [-200.0]}
    found = detect_problems(df, time_col, target)
    nulls = {f.column: f for f in found if f.check == 'disguised_null'}
    assert set(nulls) == {'HUFL', 'MUFL', target}
    assert nulls[target].evidence['rows'] == 300 and set(nulls[target].evidence['co_occurring']) == {'HUFL', 'MUFL'}
    # read as missing by the other checks: no outlier, extreme or impossible value made of the placeholders
    for f in found:
        if f.column in nulls and f.check != 'disguised_null':
            assert -200 not in [e.get('value') for e in f.evidence.get('examples', [])]

def test_a_non_code_value_counts_only_where_columns_share_it(data):
    df, time_col, _ = real(data, 'etth1')
    df = df.copy()
    # repeated and far out, but no typed code and alone: a total or a cap, not 'missing'
    df.loc[[10, 500, 900], 'LUFL'] = 12345.
    assert 'LUFL' not in placeholder_values(df, time_col)
    df.loc[[10, 500, 900], 'LULL'] = 777.
    assert placeholder_values(df, time_col) == {'LUFL': [12345.0], 'LULL': [777.0]}

def test_unit_block_is_dated(data):
    df, time_col, target = real(data, 'etth1')
    df = df.copy()
    df.loc[6000:7999, 'OT'] = df.loc[6000:7999, 'OT'] * 1.8 + 32  # most of a quarter in Fahrenheit
    f = [x for x in detect_problems(df, time_col, target) if x.check == 'mixed_units']
    assert [x.column for x in f] == ['OT'] and f[0].evidence['conversion'] == 'Celsius -> Fahrenheit'
    seg = f[0].evidence['segments'][0]
    assert abs(seg['start']['row'] - 6000) <= 25 and abs(seg['end']['row'] - 7999) <= 25
    name, rows, _ = unit_mix(df['OT'])
    assert rows[6100:7900].all() and rows[:5900].sum() + rows[8100:].sum() == 0

def test_real_level_shifts_are_no_unit_change(data):
    ili = real(data, 'ili')[0]
    # providers grow from 754 to 3,027: a reporting change, not a unit
    assert unit_mix(ili['NUM. OF PROVIDERS']) is None
    assert all(unit_mix(real(data, 'exchange_rate')[0][c]) is None for c in ['0', '1', '2', '3', '4', '5', '6', 'OT'])

def test_running_sums_are_recognised_not_alarmed(data):
    df, time_col, target = real(data, 'wind')
    day = df[time_col].dt.floor('D')
    df = df.assign(wind_run=df['ture_w_speed'].groupby(day).cumsum())  # a cumulative wind speed that resets each day
    assert running_sum(df['wind_run'].to_numpy())['resets'] > 400
    found = [f for f in detect_problems(df, time_col, target) if f.column == 'wind_run']
    assert [(f.check, f.severity) for f in found] == [('running_sum', 'info')]

def test_negative_power_is_real(data):
    df, time_col, target = real(data, 'wind')
    assert (df[target] < 0).mean() > .1
    assert not [f for f in detect_problems(df, time_col, target) if f.column == target and f.severity != 'info'
                and f.check != 'stuck_sensor']

def test_month_total_then_empty_month_in_zero_inflated_column(data):
    bike = real(data, 'bike')[0]
    # daily casual riders: many near-empty winter days
    day = bike.groupby(bike['timestamp'].dt.floor('D'))['casual'].sum()
    df = pd.DataFrame({'date': day.index, 'casual': day.to_numpy(float)})
    month = df['date'].dt.to_period('M')
    for m in month.unique()[[2, 7, 13, 19]]:
        rows = np.flatnonzero(month == m)
        df.loc[rows[0], 'casual'] = df.loc[rows, 'casual'].sum()
        df.loc[rows[1:], 'casual'] = np.nan
    f = check_mixed_granularity(df['casual'], df['date'])
    assert f and f[0].evidence['kind'] == 'totals followed by an empty period' and f[0].evidence['period'] == 'month'
    assert f[0].evidence['rows'] == 4

@pytest.mark.parametrize('kind', ['granularity_unaligned', 'granularity_total_then_empty', 'unit_block',
                                  'unit_scattered', 'placeholder'])
def test_planted_kinds_are_found_on_real_data(data, kind):
    expected = {'granularity_unaligned': 'mixed_granularity', 'granularity_total_then_empty': 'mixed_granularity',
                'unit_block': 'mixed_units', 'unit_scattered': 'mixed_units', 'placeholder': 'disguised_null'}[kind]
    for name in ('bike', 'wind', 'co2'):
        df, time_col, target = real(data, name)
        planted = plant(kind, df, time_col, target, np.random.default_rng(0))
        if planted is None: continue
        pdf, truth = planted
        found = detect_problems(pdf, time_col, target)
        assert any(f.check == expected and f.column == truth['column'] for f in found), (name, truth)

def test_disguised_null_finding_names_the_rows(data):
    df = pd.DataFrame({'a': np.r_[np.arange(50.), [-999.] * 4], 'b': np.r_[np.linspace(5, 9, 50), [-999.] * 4]})
    f = {x.column: x.evidence for x in check_disguised_nulls(df)}
    assert f['a']['row_positions'] == [50, 51, 52, 53]
    assert f['a']['co_occurring'] == ['b']
    assert f['a']['counts'] == {'-999.0': 4}
