"""mlkit.repair: the cleaning plan does no harm (strong evidence applied, the rest proposed, nothing clipped unasked,
every change listed, a user's vetoes and forcings obeyed, bad plans refused), and everything fitted is fitted on each
backtest fold's training rows only."""
import json
from pathlib import Path
import numpy as np, pandas as pd, pytest
from sklearn.base import clone
from mlkit.findings import MlkitError
from mlkit.records import write_json
from mlkit.config import RunConfig
from mlkit.loading import load_dataset
from mlkit.cleaning import detect_problems
from mlkit.planted import planted_error_case
from mlkit.repair import (CARRY_LIMIT, FoldCleaner, apply_plan, cleaning_findings, no_carry, plan_cleaning,
                          plan_records,
                          read_user_plan, with_user_states)
from mlkit.backtest import default_models
from mlkit.splitters import default_splitter
from mlkit.features import PastFeatures, future_change_test, make_features

REAL = Path(__file__).resolve().parents[2]/'shared'/'data'/'real'
if not REAL.exists(): REAL = Path('/work/shared/data/real')

def plan_of(df, target='y', **kw):
    return plan_cleaning(df, 'ts', target, detect_problems(df, 'ts', target), **kw)

@pytest.fixture(scope='module')
def bike():
    return load_dataset(RunConfig())

def test_bike_sharing_plan(bike):
    "The real faults of Bike Sharing are masked (and listed), the identifiers dropped, nothing else changed."
    plan = plan_cleaning(bike.frame, bike.time_col, bike.target,
                         detect_problems(bike.frame, bike.time_col, bike.target, bike.freq))
    clean, changes = apply_plan(bike.frame, plan, bike.time_col)
    assert {'instant', 'dteday'}.isdisjoint(clean.columns) and len(clean) == len(bike.frame)
    assert changes.groupby('column').size().to_dict() == {'atemp': 24, 'hum': 22}
    assert (changes['after'] == 'missing').all()
    assert clean[bike.target].equals(bike.frame[bike.target])
    kept = [c for c in clean.columns if c not in ('hum', 'atemp')]
    assert clean[kept].equals(bike.frame[kept])  # every other value as it was
    assert json.dumps(plan_records(plan)) and plan_records(plan_cleaning(bike.frame, bike.time_col, bike.target,
        # JSON and deterministic
        detect_problems(bike.frame, bike.time_col, bike.target, bike.freq))) == plan_records(plan)
    assert {f.check for f in cleaning_findings(plan, changes)} == {'cleaning_dropped_column', 'cleaning_masked'}

def _placeholder_case(seed=0, n=24 * 90):
    """Hourly pollution-like data: heavy-tailed real episodes, and -200 for 'missing' in every measured column (target
    included)."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range('2024-01-01', periods=n, freq='h')
    nox = rng.lognormal(5, .6, n); nox[rng.choice(n, 20, replace=False)] *= 6  # real, rare, high episodes
    d = pd.DataFrame({'ts': ts, 'nox': nox, 'temp': 10 + 8 * np.sin(np.arange(n) / 24 * 2 * np.pi)
                      + rng.normal(0, 1, n),
                      'rain': np.where(rng.random(n) < .8, 0, rng.gamma(.6, 3, n)), 'y': rng.lognormal(1, .5, n)})
    rows = rng.choice(n, n // 15, replace=False)
    d.loc[rows, ['nox', 'temp', 'y']] = -200.
    return d, rows

@pytest.mark.parametrize('seed', [0, 1])
def test_placeholders_masked_extremes_untouched(seed):
    """-200 becomes missing everywhere (the target too) and nothing else changes: real extremes and heavy rain stay as
    they are."""
    d, rows = _placeholder_case(seed)
    plan = plan_of(d, placeholders={'nox': [-200], 'temp': [-200], 'y': [-200]})
    clean, changes = apply_plan(d, plan, 'ts')
    for c in ('nox', 'temp', 'y'):
        assert clean.loc[rows, c].isna().all() and clean[c].drop(index=rows).equals(d[c].drop(index=rows))
    assert clean['rain'].equals(d['rain']) and len(changes) == 3 * len(rows)
    assert not [x for x in plan if x.action == 'clip' and x.active]  # clipping is never applied unasked

def test_placeholders_named_by_findings():
    from mlkit.findings import Finding
    d, rows = _placeholder_case()
    f = [Finding('placeholder_values', 'warning', 'nox', 'x' * 80, {'values': [-200.0], 'rows': len(rows)})]
    plan = plan_cleaning(d, 'ts', 'y', f)
    assert apply_plan(d, plan, 'ts')[0]['nox'].isna().sum() == len(rows)

def test_forced_clip_keeps_a_never_negative_column_non_negative():
    "A clip the user forces is fitted per fold and never crosses a bound the data respects (rain stays >= 0)."
    d, _ = _placeholder_case()
    plan = plan_of(d)
    forced = (with_user_states(plan, {x.id: 'forced' for x in plan if x.action == 'clip'})
              if any(x.action == 'clip' for x in plan) else plan)
    rec = plan_records(forced) + [dict(id='clip:rain:user', action='clip', column='rain', rule={'k': 1.}, rows=0,
                                       reason='test',
                                       evidence='weak', state='forced')]
    fc = FoldCleaner(rec).fit(d.drop(columns='ts'))
    lo, hi = fc.bounds_['rain']
    assert lo >= 0 and fc.transform(d.drop(columns='ts'))['rain'].min() >= 0

def test_user_states_and_bad_plans(tmp_path):
    d = planted_error_case('disguised_nulls')
    plan = plan_of(d)
    path = tmp_path/'cleaning_plan.json'
    write_json(path, [r | {'state': 'vetoed'} for r in plan_records(plan)])
    vetoed = with_user_states(plan_of(d), read_user_plan(path))
    assert apply_plan(d, vetoed, 'ts')[0].equals(d) and len(apply_plan(d, vetoed, 'ts')[1]) == 0
    write_json(path, [r | {'state': 'applied'} for r in plan_records(plan)])  # 'applied' in a file forces nothing
    assert [x.state for x in with_user_states(plan_of(d), read_user_plan(path))] == [x.state for x in plan_of(d)]
    for content, msg in [([{'id': 'mask_as_missing:nope:x', 'state': 'vetoed'}], 'names decision'),
                         ([{'id': plan[0].id, 'state': 'perhaps'}], "state 'perhaps'"),
                         ({'x': 1}, 'not a list of decisions')]:
        write_json(path, content)
        with pytest.raises(MlkitError, match=msg) as e: with_user_states(plan_of(d), read_user_plan(path))
        assert 'Fix:' in str(e.value) and '\n' not in str(e.value)
    path.write_text('{not json')
    with pytest.raises(MlkitError, match='not valid JSON'): read_user_plan(path)
    with pytest.raises(MlkitError, match='not found'): read_user_plan(tmp_path/'missing.json')

def test_target_never_converted_unasked():
    d = planted_error_case('mixed_units').rename(columns={'temp_c': 'target_c'})
    plan = plan_cleaning(d, 'ts', 'target_c', detect_problems(d, 'ts', 'target_c'))
    conv = [x for x in plan if x.action == 'convert_unit']
    assert conv and all(x.state == 'proposed' for x in conv)
    with pytest.raises(MlkitError, match='on the target'): with_user_states(plan, {conv[0].id: 'forced'})

def test_carry_forward_is_short_and_never_spreads_period_totals():
    "A value is carried over at most CARRY_LIMIT missing time steps (past only); a column of period totals never is."
    d = planted_error_case('mixed_granularity_spans')  # monthly totals, then the rest of each month absent
    plan = plan_of(d)
    assert any(x.action == 'none' and x.column == 'visits' for x in plan) and no_carry(plan) == ['visits']
    d['other'] = np.arange(len(d), dtype=float)
    d.loc[40:49, 'other'] = np.nan
    pf = PastFeatures('ts', 'y', lags=[1], windows=[], freq='D', carry=CARRY_LIMIT, no_carry=no_carry(plan))
    F = pf.fit_transform(d)
    slots = (d['ts'] - d['ts'].iloc[0]).dt.days.to_numpy()
    prev = pd.Series(d['visits'].to_numpy(), index=slots).reindex(slots - 1).to_numpy()
    assert np.array_equal(F['visits_lag1'].to_numpy(), prev, equal_nan=True)  # the empty days of a month stay empty
    assert F.loc[41:40 + CARRY_LIMIT, 'other_lag1'].eq(39).all()
    assert F.loc[41 + CARRY_LIMIT:50, 'other_lag1'].isna().all()
    assert future_change_test(pf, d, 60) == 0

def test_fold_cleaning_is_fitted_on_training_rows_only():
    "Change every test row of a fold: nothing fitted for that fold changes (cleaning, imputation, model)."
    d = planted_error_case('mixed_units', n=24 * 40, freq='h')
    plan = plan_records(with_user_states(plan_of(d), {x.id: 'forced' for x in plan_of(d) if x.action == 'clip'}))
    feats = make_features(d.drop(columns='station'), PastFeatures('ts', 'y', freq='h'))
    X, y = feats.drop(columns=['ts', 'y']), feats['y'].to_numpy()
    X.iloc[::17, 0] = np.nan
    for train, test in default_splitter(len(X), 'h', n_splits=3).folds(X):
        Xb = X.copy(); Xb.iloc[test] = Xb.iloc[test] * 5 + 1000; yb = y.copy(); yb[test] = -yb[test]
        for name, model in default_models('regression', 0, plan).items():
            a, b = clone(model).fit(X.iloc[train], y[train]), clone(model).fit(Xb.iloc[train], yb[train])
            ca, cb = a.named_steps['clean'], b.named_steps['clean']
            assert ca.conversions_ == cb.conversions_ and ca.bounds_ == cb.bounds_
            assert np.array_equal(a.predict(X.iloc[train]), b.predict(X.iloc[train]))

@pytest.mark.parametrize('path,target', [('etth1/ETTh1.csv', 'OT'), ('ili/national_illness.csv', 'OT'),
                                         ('exchange_rate/exchange_rate.csv', 'OT'), ('wind/wind.csv', 'target')])
def test_unplanted_real_data_values_unchanged(path, target):
    "On real data nobody here wrote, the cleaning changes no value of a column the detectors find nothing wrong with."
    if not (REAL/path).exists(): pytest.skip('shared real data not available')
    ds = load_dataset(RunConfig(data=str(REAL/path), target=target))
    found = detect_problems(ds.frame, ds.time_col, ds.target, ds.freq)
    plan = plan_cleaning(ds.frame, ds.time_col, ds.target, found)
    _, changes = apply_plan(ds.frame, plan, ds.time_col)
    flagged = {f.column for f in found if f.severity != 'info'}
    assert set(changes['column']) <= flagged, changes.groupby('column').size()

def test_trending_measurements_are_not_dropped_unasked():
    """A real measurement that only grows (GDP, population) looks like an identifier: dropping it is proposed, not
    applied."""
    d = planted_error_case('identifier')
    d['gdp'] = np.cumsum(np.random.default_rng(0).gamma(2, 1, len(d)))
    plan = plan_of(d)
    states = {x.column: x.state for x in plan if x.action == 'drop_column'}
    assert states.get('record_id') == 'applied' and states.get('gdp', 'proposed') == 'proposed'
    assert 'gdp' in apply_plan(d, plan, 'ts')[0] and 'record_id' not in apply_plan(d, plan, 'ts')[0]

def test_run_reads_the_users_plan(tmp_path, bike):
    """A run whose configuration names an edited cleaning_plan.json obeys it: the vetoed masking leaves hum's zeros as
    they were."""
    from mlkit.core import Run, RunDir
    from mlkit.repair import clean_data, plan_for_run, save_plan_file
    first = Run(RunConfig(), RunDir(tmp_path/'first'), bike)
    plan = plan_for_run(first)
    save_plan_file(first, plan)
    records = json.loads((tmp_path/'first'/'cleaning_plan.json').read_text())
    for r in records:
        if r['id'] == 'mask_as_missing:hum:impossible_value': r['state'] = 'vetoed'
    write_json(tmp_path/'edited.json', records)
    second = Run(RunConfig(), RunDir(tmp_path/'second'), bike)
    second.cfg.cleaning_plan = str(tmp_path/'edited.json')
    clean = clean_data(second)
    assert (clean['hum'] == 0).sum() == 22 and clean['atemp'].isna().sum() == 24
    stored = {r['id']: r['state'] for r in json.loads((tmp_path/'second'/'artifacts'/'cleaning_plan.json').read_text())}
    assert stored['mask_as_missing:hum:impossible_value'] == 'vetoed'
    assert stored['mask_as_missing:atemp:stuck_sensor'] == 'applied'
