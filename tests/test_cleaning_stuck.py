"""Stuck sensors and frozen records on real data nobody here wrote (../shared/data/real and statsmodels' co2): runs
planted by code at random places and lengths are found, and what the checks say about the data as it is was
checked by hand (see each test)."""
import numpy as np, pandas as pd, pytest
from mlkit.cleaning import detect_problems
from mlkit.sensors import check_frozen_rows, frozen_rows, unlikely_runs

from realtools import needs_real
from real_data import LOADERS  # noqa: E402 (realtools puts benchmarks/ on the path)

@pytest.fixture(scope='module')
def data():
    return {}

def real(data, name):
    if name not in data: data[name] = LOADERS[name]()
    return data[name]

def alarms(d, df=None):
    "The stuck_sensor and frozen_rows findings of `detect_problems` on `df` (default: the data as is)."
    found = detect_problems(d.frame if df is None else df, d.time_col, d.target)
    return {(f.check, f.column): f for f in found if f.check in ('stuck_sensor', 'frozen_rows')}

def plant(d, seed:int, per_day:int):
    "A copy of `d`'s frame with one numeric column frozen at its value for 1 to 3 days of rows from a random row."
    rng = np.random.default_rng(seed)
    cols = [c for c in d.frame.columns if c != d.time_col and d.frame[c].nunique() > 20]
    col, k = cols[rng.integers(len(cols))], int(rng.integers(max(per_day, 6), 3 * max(per_day, 6) + 1))
    start = int(rng.integers(1, len(d.frame) - k))
    df = d.frame.copy()
    df.iloc[start:start + k, df.columns.get_loc(col)] = df[col].iloc[start]
    return df, col, start, k

@pytest.mark.parametrize('name,per_day', [pytest.param('etth1', 24, marks=needs_real), ('co2', 1)])
def test_planted_runs_are_found(data, name, per_day):
    d = real(data, name)
    for seed in range(8):
        df, col, start, k = plant(d, seed, per_day)
        f = alarms(d, df).get(('stuck_sensor', col))
        assert f is not None, (seed, col, start, k)
        runs = f.evidence['first_runs']
        assert any(r['start_row'] <= start and start + k <= r['start_row'] + r['rows'] for r in runs), (seed, col, runs)
        if f.evidence['partner'] is None: assert all(r['expected'] < .01 for r in runs)  # judged by its own runs

def test_rounded_weekly_runs_are_judged_by_their_own_column(data):
    co2 = real(data, 'co2').frame['co2'].to_numpy()
    assert unlikely_runs(co2).empty  # 0.1 ppm readings hold a value for up to 4 weeks by themselves
    stuck = co2.copy()
    stuck[1000:1006] = stuck[1000]  # six weeks: longer than any of its 2,000 runs, far beyond their tail
    assert unlikely_runs(stuck)[['start_row', 'rows']].values.tolist() == [[1000, 6]]

@needs_real
def test_etth1_month_ends_are_one_frozen_rows_finding(data):
    # checked by hand: on the 31st of 14 months every column repeats the 00:00 record for 24 hours (the file's own
    # preparation, not the transformer); LUFL holds 8.285 for 141 hours from 2017-07-23 21:00 while LULL reads 0.000 and
    # the high and middle loads move (a failed meter), and 0.000 for 59 hours from 2016-12-05 09:00 with all six loads
    # (an outage; the other loads are 0 in a few more rows, which their check reads as a floor); MULL's 12 hours at
    # -0.426 on 2017-09-28 come with HULL, its partner, moving within the line's noise (a quiet night at the meter's
    # resolution): no finding
    d = real(data, 'etth1')
    found = alarms(d)
    assert set(found) == {('frozen_rows', 'HUFL, HULL, MUFL, MULL, LUFL, LULL, OT'), ('stuck_sensor', 'LUFL')}
    ev = found[('frozen_rows', 'HUFL, HULL, MUFL, MULL, LUFL, LULL, OT')].evidence
    assert ev['stretches'] == 14 and ev['rows'] == 14 * 24
    starts = pd.to_datetime([s['start'] for s in ev['first_stretches']])
    assert (starts.day == 31).all() and (starts.hour == 0).all()
    assert all(s['rows'] == 24 and s['expected'] < 1e-6 for s in ev['first_stretches'])
    lufl = found[('stuck_sensor', 'LUFL')].evidence['first_runs']
    assert [(r['start'], r['rows'], r['value']) for r in lufl] == [('2016-12-05 09:00:00', 59, 0.),
                                                                   ('2017-07-23 21:00:00', 141, 8.285)]

@needs_real
def test_wind_outage_is_one_finding_not_seven(data):
    # checked by hand: from 2020-09-13 23:45 every column, forecasts and measurements alike, repeats one record for 97
    # rows (a day): one frozen_rows finding. The measured pair also freezes on its own while the forecasts move:
    # ture_w_speed at 3.1 and target at 1.012 for 134 rows from 2020-03-09 01:00; target at 13.195 for 167 rows from
    # 2020-09-28 17:00 (ture_w_speed holds 6.1 for 100 of them, then 7.4 for 62); target at 16.826 for 6 rows from
    # 2020-07-16 13:15 (while ture_w_speed holds 6.8): real findings, one per column
    d = real(data, 'wind')
    found = alarms(d)
    cols = 'pred_w_speed, pred_w_dir, pred_temp, pred_pressure, pred_humidity, ture_w_speed, target'
    assert set(found) == {('frozen_rows', cols), ('stuck_sensor', 'ture_w_speed'), ('stuck_sensor', 'target')}
    st = found[('frozen_rows', cols)].evidence['first_stretches']
    assert [(s['start'], s['rows']) for s in st] == [('2020-09-13 23:45:00', 97)]
    runs = lambda c: [(r['start'], r['rows']) for r in found[('stuck_sensor', c)].evidence['first_runs']]
    assert runs('target') == [('2020-03-09 01:00:00', 134), ('2020-07-16 13:15:00', 6), ('2020-09-28 17:00:00', 167)]
    assert runs('ture_w_speed') == [('2020-03-09 01:00:00', 134), ('2020-09-28 17:00:00', 100),
                                    ('2020-09-29 19:15:00', 62)]
    assert check_frozen_rows(d.frame.drop(columns=d.time_col))[0].evidence['stretches'] == 1

@needs_real
@pytest.mark.parametrize('name', ['exchange_rate', 'occupancy', 'ili'])
def test_natural_runs_raise_nothing(data, name):
    # a pegged currency (column 4 holds one rate for up to 190 days), the night's light at 0 and rounded room readings
    # are the columns' own behaviour
    d = real(data, name)
    assert alarms(d) == {}
    assert frozen_rows(d.frame.drop(columns=d.time_col)) == []
