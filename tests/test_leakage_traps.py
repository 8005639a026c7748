"""The leakage audit on real series with the trap benchmark's planters (benchmarks/trap_bench.py): a noisy copy of
the target a few steps ahead and the target in disguise as a category are found; the unplanted series raise no
leakage alarm. statsmodels' series are always available; the ../shared/data/real files are used when present."""
import warnings
import numpy as np, pandas as pd, pytest

from realtools import needs_real
import trap_bench as tb  # noqa: E402 (realtools puts benchmarks/ on the path)
from real_data import load_co2, load_etth1, load_macrodata, load_sunspots  # noqa: E402
from mlkit.leakage import audit_leakage  # noqa: E402

def audit(df:pd.DataFrame, d):
    "The audit of the raw table, as 05_evaluation (and the trap benchmark) call it."
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return audit_leakage(df.drop(columns=[d.target, d.time_col]), df[d.target], d.target, d.task,
                             time=df[d.time_col])

def alarms(a) -> list: return [(f.check, f.severity, f.column) for f in a.findings if f.severity != 'info']

@pytest.mark.parametrize('seed', [1, 3, 4])  # co2: k = 1 with noise of 5%, 6% and 14% of sd(y) (missed before)
def test_noisy_future_copy_of_a_smooth_trending_series_is_found(seed):
    d = tb.window(load_co2(), 3000)
    df, truth = tb.plant_future_shifted_target(d, np.random.default_rng([seed, 11, sum(map(ord, 'co2'))]))
    a = audit(df, d)
    hit = [f for f in a.findings if f.check == 'leak_future_values' and f.column == truth.columns[0]]
    assert hit and hit[0].severity in ('warning', 'critical'), a.findings
    ev = hit[0].evidence
    assert ev['lead_steps'] == -truth.detail['shift']  # the lead it was shifted by
    if hit[0].severity == 'warning':  # evidence a user can check: the test and the fit with and without the column
        assert ev['p_value'] <= 1e-3 and ev['error_with_column'] < ev['error_from_target_now']
        assert 'If ' in hit[0].message and 'recorded after time t' in hit[0].message  # allows for a leading indicator
    assert [x for x in alarms(a) if x[2] != truth.columns[0]] == []

def test_noisy_future_copy_in_short_quarterly_data_is_found():
    d = load_macrodata()
    df, truth = tb.plant_future_shifted_target(d, np.random.default_rng([2, 11, sum(map(ord, 'macrodata'))]))
    found = [x for x in alarms(audit(df, d)) if x[0] == 'leak_future_values']
    assert [x[2] for x in found] == truth.columns

def test_target_as_category_is_found_where_the_target_changes():
    d = tb.binary_variant(load_sunspots())  # sunspot activity above its median: about 50 changes
    for seed in range(3):
        df, truth = tb.plant_target_as_category(d, np.random.default_rng([seed, 13, 7]))
        found = {(c, s) for c, s, col in alarms(audit(df, d)) if col == truth.columns[0]}
        assert ('leak_target_in_disguise', 'critical') in found, (seed, found)

def test_target_as_category_with_one_change_point_is_undecided_not_guessed():
    d = tb.binary_variant(load_macrodata())  # real GDP above its median: one change point, the past predicts it
    df, truth = tb.plant_target_as_category(d, np.random.default_rng(0))
    a = audit(df, d)
    note = [f for f in a.findings if f.column == truth.columns[0] and f.check == 'leak_target_in_disguise']
    assert note and note[0].severity == 'info' and note[0].evidence['target_changes'] <= 3
    assert not [x for x in alarms(a) if x[0] == 'leak_target_in_disguise']

def test_target_as_category_is_found_when_the_class_is_whether_the_series_rises():
    d = tb.rise_variant(load_macrodata())  # the benchmark's second variant: does real GDP rise this quarter?
    df, truth = tb.plant_target_as_category(d, np.random.default_rng(0))
    assert ('leak_target_in_disguise', 'critical', truth.columns[0]) in alarms(audit(df, d))

@pytest.mark.parametrize('load', [load_co2, load_macrodata, load_sunspots])
def test_unplanted_real_series_raise_no_leakage_alarm(load):
    d = load()
    assert alarms(audit(d.frame, d)) == []

@needs_real
def test_unplanted_etth1_leading_loads_are_no_alarm_and_a_planted_copy_is():
    d = tb.window(load_etth1(), 3000)  # the loads lead the oil temperature by hours: signal, not a future copy
    assert alarms(audit(d.frame, d)) == []
    df, truth = tb.plant_future_shifted_target(d, np.random.default_rng(5))
    assert [x[2] for x in alarms(audit(df, d))] == truth.columns
