"""The silent-data-error detector: every planted error is found by its own check, clean data raises nothing, the
bundled Bike Sharing data shows its real problems, awkward input does not crash. (The cleaning plan built from these
findings is tested in tests/test_repair.py.)"""
import json
import numpy as np, pandas as pd, pytest
from mlkit.config import RunConfig
from mlkit.loading import load_dataset
from mlkit.cleaning import detect_problems
from mlkit.granularity import check_mixed_granularity
from mlkit.planted import ERROR_KINDS, planted_error_case
from mlkit.units import check_mixed_units

EXPECTED = {'mixed_granularity': 'mixed_granularity', 'mixed_granularity_spans': 'mixed_granularity',
            'mixed_units': 'mixed_units',
            'mixed_units_percent': 'mixed_units', 'duplicate_timestamps': 'duplicate_timestamps',
            'time_gaps': 'time_gaps',
            'stuck_sensor': 'stuck_sensor', 'impossible_values': 'impossible_value',
            'disguised_nulls': 'disguised_null',
            'mixed_types': 'mixed_types', 'category_variants': 'category_variants', 'outliers': 'outlier',
            'identifier': 'identifier'}
PLANTED_COLUMN = {'mixed_granularity': 'visits', 'mixed_granularity_spans': 'visits', 'mixed_units': 'temp_c',
                  'mixed_units_percent': 'humidity',
                  'stuck_sensor': 'feels_like', 'mixed_types': 'visits', 'category_variants': 'station',
                  'outliers': 'temp_c', 'identifier': 'record_id'}

def test_every_kind_has_an_expectation(): assert set(EXPECTED) == set(ERROR_KINDS) - {'clean'}

@pytest.mark.parametrize('kind', list(EXPECTED))
@pytest.mark.parametrize('seed', [0, 1, 2])
def test_each_planted_error_is_detected(kind, seed):
    found = detect_problems(planted_error_case(kind, seed=seed), 'ts', 'y')
    hits = [f for f in found if f.check == EXPECTED[kind]]
    assert hits, (kind, [f.check for f in found])
    if kind in PLANTED_COLUMN: assert PLANTED_COLUMN[kind] in {f.column for f in hits}
    for f in found:  # evidence is JSON and the advice is a sentence or more
        json.dumps(f.evidence); assert len(f.message) > 60 and f.severity in ('info', 'warning', 'critical')

@pytest.mark.parametrize('seed', [0, 1, 2, 3])
@pytest.mark.parametrize('n,freq', [(730, 'D'), (24 * 60, 'h'), (2000, 'h')])
def test_clean_data_raises_nothing(seed, n, freq):
    assert detect_problems(planted_error_case('clean', n=n, freq=freq, seed=seed), 'ts', 'y') == []

def test_granularity_counts_and_calendar():
    d = planted_error_case('mixed_granularity')
    f = check_mixed_granularity(d['visits'], d['ts'])[0]
    assert f.severity == 'critical' and f.evidence['rows'] == 6 and f.evidence['period'] == 'month'
    assert 20 < f.evidence['median_ratio'] < 40 and f.evidence['alignment']['share'] == 1.0
    # weekly totals on Sundays among daily values
    c = planted_error_case('clean')
    sundays = c.index[(c['ts'].dt.day_of_week == 6)][5:10]
    c.loc[sundays, 'visits'] = c['visits'].rolling(7).sum()[sundays]
    assert check_mixed_granularity(c['visits'], c['ts'])[0].evidence['period'] == 'week'

def test_units_convert_back():
    d = planted_error_case('mixed_units')
    f = check_mixed_units(d['temp_c'], d['ts'])[0]
    assert f.evidence['conversion'] == 'Celsius -> Fahrenheit'
    for e in f.evidence['examples']:
        assert abs(e['converted_back'] - planted_error_case('clean')['temp_c'][e['row']]) < .01
    kelvin = planted_error_case('clean')
    kelvin.loc[[50, 150, 250, 350], 'temp_c'] += 273.15
    assert check_mixed_units(kelvin['temp_c'])[0].evidence['conversion'] == 'Celsius -> Kelvin'
    metres = pd.Series(np.random.default_rng(0).normal(1500, 100, 500)); metres[[10, 100, 200, 300]] /= 1000
    assert check_mixed_units(metres)[0].evidence['conversion'].startswith('unit -> thousand')

@pytest.fixture(scope='module')
def bike():
    return load_dataset(RunConfig())

def test_bike_sharing_real_problems(bike):
    found = detect_problems(bike.frame, bike.time_col, bike.target, bike.freq)
    by = {(f.check, f.column): f for f in found}
    gaps = by[('time_gaps', 'timestamp')].evidence
    assert gaps['missing_slots'] == 165 and {'day': '2012-10-29', 'rows': 1} in gaps['fewest_rows']
    hum = by[('impossible_value', 'hum')].evidence
    assert hum['rows'] == 22 and hum['days'] == ['2011-03-10']
    atemp = by[('stuck_sensor', 'atemp')].evidence
    assert atemp['partner'] == 'temp'
    assert atemp['first_runs'][0]['start'] == '2012-08-17 00:00:00'
    assert atemp['rows'] == 24
    assert ('identifier', 'instant') in by
    assert not [f for f in found if f.check in ('mixed_granularity', 'mixed_units', 'outlier')]  # no false alarms there

def test_classification_target_and_string_columns():
    d = planted_error_case('category_variants', n=24 * 60, freq='h')
    d['label'] = np.where(d['y'] > d['y'].median(), 'high', 'low')
    found = detect_problems(d.drop(columns='y'), 'ts', 'label')
    assert 'category_variants' in {f.check for f in found}

def test_awkward_input_does_not_crash():
    ts = pd.date_range('2024-01-01', periods=300, freq='h')
    rng = np.random.default_rng(0)
    d = pd.DataFrame({'ts': ts, 'empty': np.nan, 'mixed': [1, 'two', 3.5] * 100,
                      'key': [f'id{i:05d}' for i in range(300)],
                      'free_text': [f'note {rng.integers(1e9)}' for _ in range(300)], 'const': 1.0,
                      'y': rng.normal(size=300)})
    found = detect_problems(d, 'ts', 'y')
    checks = {(f.check, f.column) for f in found}
    assert ('mixed_types', 'mixed') in checks and ('identifier', 'key') in checks
    one = d.iloc[:1]
    assert isinstance(detect_problems(one, 'ts', 'y'), list)
    assert detect_problems(d.iloc[:0], 'ts', 'y') == []

@pytest.mark.parametrize('kind', ['clean', 'mixed_granularity', 'mixed_units', 'outliers', 'stuck_sensor', 'identifier',
                                  'mixed_types'])
def test_long_frames_estimate_on_a_sample_but_flag_every_row(kind):
    """Beyond SAMPLE_ROWS, statistics come from a sample; the planted rows (all of them) are still found, clean data
    stays silent."""
    from mlkit.robust import SAMPLE_ROWS, estimate_rows
    df = planted_error_case(kind, n=144_000, freq='h', seed=0)  # well beyond the sample: rows are checked, not sampled
    found = detect_problems(df, 'ts', 'y')
    assert len(estimate_rows(len(df))) == SAMPLE_ROWS < len(df)
    if kind == 'clean': assert found == []; return
    hits = [f for f in found if f.check == EXPECTED[kind] and f.column == PLANTED_COLUMN[kind]]
    assert hits, [f.check for f in found]
    planted = {'mixed_granularity': ('rows', 6), 'mixed_units': ('rows', len(df) // 20), 'outliers': ('rows', 4),
               'stuck_sensor': ('rows', 30), 'mixed_types': ('non_numeric', 6)}
    if kind in planted: assert hits[0].evidence[planted[kind][0]] == planted[kind][1]  # every planted row, no other

def test_threads_do_not_change_findings(bike):
    one = detect_problems(bike.frame, bike.time_col, bike.target, threads=1)
    assert detect_problems(bike.frame, bike.time_col, bike.target, threads=3) == one and len(one) >= 4

@pytest.mark.parametrize('freq,n', [('D', 730), ('h', 24 * 60)])
def test_period_totals_are_not_also_a_unit_mix(freq, n):
    "Month-end totals are reported once, as mixed granularity, not also as a unit mix."
    df = planted_error_case('mixed_granularity', n=n, freq=freq, seed=1)
    assert {f.check for f in detect_problems(df, 'ts', 'y') if f.column == 'visits'} == {'mixed_granularity'}

def test_running_median_where_asked_agrees_with_the_full_filter():
    """LocalReference computes medians only where asked: they equal scipy's median filter, its block bounds hold, its
    screens miss no row."""
    from scipy import ndimage
    from mlkit.granularity import ratio_candidates
    from mlkit.robust import LocalReference, forward_filled
    rng = np.random.default_rng(0)
    series = [rng.normal(size=5000).round(1), np.where(rng.random(5000) < .3, 0, rng.gamma(2, 2, 5000)),
              np.r_[np.nan, np.nan, rng.normal(10, 1, 997), np.nan], rng.normal(size=24), rng.normal(-1, 1, 7),
              np.where(rng.random(5000) < .7, 0, rng.exponential(2, 5000)).round(1)]  # mostly zeros: many bounds meet
    for x in series:
        ref = LocalReference(x)
        full = ndimage.median_filter(forward_filled(x), size=ref.window, mode='nearest')
        rows = np.sort(rng.choice(len(x), min(len(x), 300), replace=False))
        assert np.array_equal(ref.at(rows), full[rows]) and np.array_equal(ref.median, full)
        block = -(-np.arange(len(x)) // ref.block)
        assert (ref.low[block] <= full).all() and (full <= ref.high[block]).all()
        values = forward_filled(x)
        assert (ref.block_min[block] <= values).all() and (values <= ref.block_max[block]).all()
        with np.errstate(invalid='ignore', divide='ignore'):
            assert np.array_equal(np.sort(ref.far(x, 3)), np.flatnonzero(np.abs(x - full) > 3 * ref.scale))
            ratio = x / full
        found, r = ratio_candidates(x, ref, 2, .5)
        expected = np.flatnonzero(np.isfinite(x) & (x != 0) & ((ratio >= 2) | (ratio <= .5)))
        r, finite = r[np.argsort(found)], np.isfinite(ratio[expected])  # x / 0 and x / -0: infinite either way
        assert np.array_equal(np.sort(found), expected)
        assert np.array_equal(r[finite], ratio[expected][finite])
        assert np.isinf(r[~finite]).all()
    noisy, sparse = LocalReference(series[0]), LocalReference(series[-1])
    # the three-block order statistics bound a noisy median far more tightly than the block's own extremes
    assert (noisy.high - noisy.low).mean() < .7 * (noisy.block_max - noisy.block_min).mean()
    assert (sparse.low == sparse.high).mean() > .3  # mostly zeros: many bounds meet, and are then the median itself

def test_text_checks_share_counts_and_read_every_value_of_a_key():
    "Counting each text column once gives the same findings; a key or free-text column is still read row by row."
    from mlkit.values import check_category_variants, check_disguised_nulls, check_mixed_types, value_counts
    cv = planted_error_case('category_variants', n=24 * 60, freq='h')
    counts = {'station': value_counts(cv['station'])}
    assert check_category_variants(cv, counts) == check_category_variants(cv) != []
    n = 150_000  # more distinct values than a category column can have
    key = pd.Series([f'K{i}' for i in range(n)], dtype='str')
    key[[10, 20_000, 140_000]] = 'NA'
    assert value_counts(key) is None
    assert check_disguised_nulls(pd.DataFrame({'key': key}))[0].evidence['rows'] == 3
    numbers = pd.Series(np.arange(n).astype(str), dtype=object)
    numbers[[5, 6, 70_000]] = 'closed'
    f = check_mixed_types(pd.DataFrame({'code': numbers}))
    assert f[0].evidence['non_numeric'] == 3 and f[0].evidence['non_numeric_values'] == ['closed']
    assert check_mixed_types(pd.DataFrame({'key': key})) == []

def test_identifiers_reuse_known_distinct_counts():
    from mlkit.values import check_identifiers
    from mlkit.eda import profile
    d = planted_error_case('identifier', n=24 * 60, freq='h')
    known = profile(d)['unique'].to_dict()
    assert check_identifiers(d, 'ts', known) == check_identifiers(d, 'ts')
    assert check_identifiers(d, 'ts')[0].column == 'record_id'

def test_a_profile_passed_in_gives_the_same_findings():
    "detect_problems(profile=...) reuses the profile's distinct counts: the findings do not change."
    from mlkit.eda import profile
    for kind in ('category_variants', 'disguised_nulls', 'mixed_types', 'identifier', 'outliers'):
        d = planted_error_case(kind, n=24 * 60, freq='h')
        d['sparse'] = np.where(np.arange(len(d)) % 200 == 0, 5e3, np.nan)  # 8 values: too few for the neighbour checks
        assert detect_problems(d, 'ts', 'y', profile=profile(d)) == detect_problems(d, 'ts', 'y')

def test_value_counts_use_known_distinct_counts():
    """A distinct count from the profile replaces the look at a sample; Python objects still count as text (1 and '1'
    merge)."""
    from mlkit.values import value_counts, MAX_CATEGORIES
    n = 3 * MAX_CATEGORIES
    key = pd.Series([f'k{i}' for i in range(n)], dtype='str')
    category = pd.Series(np.array(['a', 'b', 'c'])[np.arange(n) % 3], dtype='str')
    assert value_counts(key, n) is None and value_counts(key) is None
    assert value_counts(category, 3).equals(value_counts(category))
    assert value_counts(category, 3).tolist() == [MAX_CATEGORIES] * 3
    objects = pd.Series([1, '1'] * (n // 2), dtype=object)  # two objects, one text
    assert value_counts(objects, MAX_CATEGORIES + 1).to_dict() == {'1': n}
