"""Drift: planted shifts of known size are found and dated, clean chunks raise no alarm, new categories, the issue's
25-column set-up. Real marginals come from `../shared/data/real/`: the new batch is the other half of a random split
with the time stamps shuffled over it, so that nothing but the planted shift differs between the batches."""
import numpy as np, pandas as pd, pytest
from mlkit.drift import column_drift, drift_findings, planted_drift_case
from mlkit.findings import MlkitError
from realtools import needs_real
from real_data import load_etth1, load_occupancy

def split_batches(df:pd.DataFrame, time_col:str, seed:int) -> tuple[pd.DataFrame, pd.DataFrame]:
    "A random half of `df` as the reference; the other half as a new batch whose rows are spread over the whole span."
    rng = np.random.default_rng(seed)
    half = rng.permutation(len(df)) < len(df) // 2
    ref, new = df[half].reset_index(drop=True), df[~half].sample(frac=1, random_state=seed).reset_index(drop=True)
    new[time_col] = np.sort(rng.choice(df[time_col].to_numpy(), len(new), replace=False))
    return ref, new

def alarmed(table:pd.DataFrame) -> dict:
    "Each column with an alarm: its alarmed chunks."
    return {c: g['chunk'].tolist() for c, g in table[table['alarm']].groupby('column')}

@needs_real
def test_real_shift_found_and_dated():
    d = load_etth1()
    ref, new = split_batches(d.frame, d.time_col, seed=0)
    months = new[d.time_col].dt.to_period('M').astype(str)
    later = (months >= '2017-07').to_numpy()
    new.loc[later, 'HUFL'] += 0.5 * ref['HUFL'].std()  # half a standard deviation from July 2017 on
    table = column_drift(ref, new, d.time_col)
    assert set(table['chunk']) == set(months)  # monthly chunks over the two years
    found = alarmed(table)
    assert list(found) == ['HUFL']
    assert min(found['HUFL']) == '2017-07' and len(found['HUFL']) >= 0.8 * months[later].nunique()
    hufl = table[(table['column'] == 'HUFL') & (table['chunk'] >= '2017-07')]
    assert hufl['effect_low'].median() < 0.5 < hufl['effect_high'].median() * 1.2  # the effect is the planted size

@needs_real
def test_real_category_move_and_new_category():
    d = load_occupancy()
    df = d.frame.assign(Occupancy=d.frame['Occupancy'].map({0: 'empty', 1: 'occupied'}))
    ref, new = split_batches(df, d.time_col, seed=1)
    days = new[d.time_col].dt.strftime('%Y-%m-%d')
    rng = np.random.default_rng(0)
    empty = (new['Occupancy'] == 'empty').to_numpy() & (days >= '2015-02-10').to_numpy()
    # 15% of all rows of those days move from 'empty' to 'occupied' (about 20% of the empty ones)
    move = empty & (rng.random(len(new)) < 0.15 / empty[days >= '2015-02-10'].mean() * 1.0)
    new.loc[move, 'Occupancy'] = 'occupied'
    new.loc[(days >= '2015-02-15').to_numpy() & (rng.random(len(new)) < 0.1), 'Occupancy'] = 'visitor'
    table = column_drift(ref, new, d.time_col)
    found = alarmed(table)
    assert list(found) == ['Occupancy'] and min(found['Occupancy']) == '2015-02-10'
    late = table[(table['column'] == 'Occupancy') & (table['chunk'] >= '2015-02-10')]
    assert late['alarm'].all()
    warning = [f for f in drift_findings(table) if f.severity == 'warning']
    assert [f.column for f in warning] == ['Occupancy'] and warning[0].evidence['first_chunk'] == '2015-02-10'

@needs_real
def test_real_clean_chunks_no_alarm_over_seeds():
    d = load_etth1()
    for seed in range(20):
        ref, new = split_batches(d.frame, d.time_col, seed)
        assert not column_drift(ref, new, d.time_col, seed=seed)['alarm'].any(), seed

def test_issue_setup_found_and_clean_columns_quiet():
    ref, new, truth = planted_drift_case(rows=100_000, seed=0)
    table = column_drift(ref, new, 'time')
    assert set(table['chunk']) == {f'2026-03-{d:02d}' for d in range(1, 11)}  # daily chunks
    assert set(alarmed(table)) == {'shift_2', 'shift_3', 'shift_4', 'category_moved'}
    by_column = table.groupby('column')
    assert by_column['alarm'].all()[['shift_2', 'shift_3', 'shift_4', 'category_moved']].all()
    for col in ('shift_0', 'shift_1'):  # below the floor: reported with their size, not alarmed
        assert abs(by_column['effect'].median()[col] - truth[col]) < 0.015

def test_synthetic_clean_columns_never_alarm_over_seeds():
    for seed in range(20):
        ref, new, truth = planted_drift_case(rows=10_000, seed=seed)
        table = column_drift(ref, new, 'time', seed=seed)
        assert set(alarmed(table)) <= set(truth), seed

def test_new_category_alone_raises_an_alarm():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({'c': rng.choice(list('abc'), 5000)})
    new = pd.DataFrame({'c': rng.choice(list('abc'), 5000)})
    new.loc[4000:, 'c'] = np.where(rng.random(1000) < 0.2, 'z', new.loc[4000:, 'c'])
    table = column_drift(ref, new)  # no time column: 10 chunks by position
    assert table.loc[table['alarm'], 'chunk'].tolist() == ['rows 4001-4500', 'rows 4501-5000']

def test_bad_inputs():
    ref, new, _ = planted_drift_case(rows=100, seed=0)
    with pytest.raises(MlkitError, match='lacks column'): column_drift(ref, new.drop(columns='shift_0'), 'time')
    with pytest.raises(MlkitError, match="'shift_0' is float64 in the reference"):
        column_drift(ref, new.assign(shift_0='x'), 'time')
    with pytest.raises(MlkitError, match='not times'): column_drift(ref, new.assign(time='x'), 'time')
