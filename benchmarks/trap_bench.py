"""Trap benchmark (issue 12, section 4): plant each kind of data problem or leak into real datasets by code, at random
places, sizes and columns over many seeds, and measure whether mlkit's public checks name it; then measure the false
alarms of every check and the values the cleaning step changes on the unplanted real datasets.

    python benchmarks/trap_bench.py            # the full run (about 6.5 minutes of CPU on one core)
    python benchmarks/trap_bench.py --quick    # a smoke run (a few seeds, about 1.5 minutes of CPU)
    python benchmarks/trap_bench.py --render   # rewrite the .md from the .json

Writes benchmarks/trap_results.md (tables) and benchmarks/trap_results.json (raw numbers), with the git commit and date.
Nothing is tuned here: the planters know nothing of the detectors. What counts as found is the table `EXPECTED` below
(a set of accepted check names per kind and source): update it when check names change; checks with names that are
unknown today that fire on a planted column are listed in the results so that a rename shows up instead of a zero.
"""
from __future__ import annotations
import argparse, importlib, json, sys, tempfile, time, warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
import numpy as np, pandas as pd

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]
from real_data import LOADERS, RealData, load_all, real_available  # noqa: E402
import mlkit  # noqa: E402
from mlkit.findings import MlkitError  # noqa: E402
from mlkit.records import git_commit  # noqa: E402
from mlkit.config import RunConfig  # noqa: E402
from mlkit.time_axis import infer_freq  # noqa: E402
from mlkit.loading import Dataset, load_dataset  # noqa: E402
from mlkit.cleaning import detect_problems  # noqa: E402
from mlkit.leakage import audit_leakage  # noqa: E402

ALARM = ('warning', 'critical')  # a finding at these severities is an alarm a user acts on; info is not counted
LOAD_SEEDS = 5  # the loader's answer (loads or refuses) hardly depends on where the rows are: fewer seeds suffice

# ---------------------------------------------------------------------------------------------------------------------
# What counts as found: per kind, per source, the accepted check names (any of them, warning or critical, on a truth
# column). Sources: 'detect' = mlkit.cleaning.detect_problems on the planted table; 'audit' =
# mlkit.leakage.audit_leakage on the planted raw table (as 05_evaluation calls it); 'load' = mlkit.core.load_dataset on
# the planted table written as CSV (found = it loads with one row per timestamp; no check name is required: today's
# loader has no findings).
EXPECTED = {
    'granularity_aligned': {'detect': {'mixed_granularity'}},
    'granularity_arbitrary': {'detect': {'mixed_granularity'}},
    'granularity_then_empty': {'detect': {'mixed_granularity'}},
    'units_scattered': {'detect': {'mixed_units'}},
    'units_block': {'detect': {'mixed_units'}},
    'stuck_sensor': {'detect': {'stuck_sensor'}},
    'placeholder_nulls': {'detect': {'disguised_null', 'placeholder', 'placeholder_nulls', 'sentinel_values'}},
    'duplicates_exact': {'detect': {'duplicate_timestamps', 'duplicated_timestamps'}, 'load': set()},
    'duplicates_conflicting': {'detect': {'duplicate_timestamps', 'duplicated_timestamps'}, 'load': set()},
    'gap': {'detect': {'time_gaps'}, 'load': set()},
    'target_from_parts': {'audit': {'leak_reconstructed_target'}},
    'future_shifted_target': {'audit': {'leak_future_values'}},
    'row_index': {'detect': {'identifier', 'row_number_column'}, 'audit': {'leak_identifier'}},
    'target_as_category': {'audit': {'leak_feature_alone', 'leak_target_in_disguise'}},
}
# every check name mlkit emits today (cleaning, leakage, time axis): a name outside this set is reported as new
KNOWN_CHECKS = {'mixed_granularity', 'mixed_units', 'duplicate_timestamps', 'time_out_of_order', 'irregular_sampling',
                'time_gaps', 'stuck_sensor', 'frozen_rows', 'impossible_value', 'disguised_null', 'mixed_types',
                'category_variants', 'outlier', 'plausible_extreme', 'identifier', 'leak_feature_alone',
                'leak_reconstructed_target', 'leak_granularity', 'leak_identifier', 'leak_duplicates',
                'leak_future_values', 'random_split_optimism', 'leak_preprocessing', 'leak_target_in_disguise'}
# false-alarm families of the goal (0 warning-or-critical alarms of these on the unplanted real datasets)
FAMILIES = {'leakage': lambda c: c.startswith('leak_') or c == 'random_split_optimism',
            'granularity': lambda c: 'granularity' in c, 'units': lambda c: 'unit' in c}

SIZES = {  # the sizes planted, in words (a user would care about any of these)
    'granularity_aligned': 'period totals on the first row of k periods; k >= 3 and >= 2% of the periods (up to 10%)',
    'granularity_arbitrary': 'totals of the last period-length rows on k arbitrary rows; k as for aligned',
    'granularity_then_empty': "k periods whose first row holds the period's total, the rest of the period empty; k as "
                              "above",
    'units_scattered': 'max(20, 1%) to max(40, 3%) rows (at most 10%) converted, scattered',
    'units_block': 'one contiguous block of 5%-20% of the rows converted',
    'stuck_sensor': 'a run of max(1 day, 6 rows) to 3x that repeating the value at its start',
    'placeholder_nulls': 'max(20, 1%) to max(40, 3%) rows set to one of -200/-999/9999 in 2+ numeric columns incl. '
                         'the target (regression)',
    'duplicates_exact': 'max(20, 1%) to max(40, 3%) rows written twice, identical',
    'duplicates_conflicting': 'max(20, 1%) to max(40, 3%) rows written twice, numeric values of the copy changed by '
                              '~5%',
    'gap': 'a block of 2%-10% of the rows (>= 3) removed inside the series',
    'target_from_parts': 'two new columns a*y and (1-a)*y, a ~ U(0.2, 0.8) per row (regression targets)',
    'future_shifted_target': 'y shifted by -k, k in 1..5, plus noise of 0-20% of sd(y) (regression) or 0-5% label '
                             'flips (binary)',
    'row_index': 'a column offset + 0..n-1 (a row number), first in the table',
    'target_as_category': 'a text column naming the class, 0-10% of rows with another name (classification targets)',
}

# ---------------------------------------------------------------------------------------------------------------------
# Planting. Each planter takes (RealData, rng) and returns (planted frame, truth) or None when the kind does not apply.
@dataclass
class Truth:
    kind: str
    columns: list  # the column(s) a check must name
    rows: list = field(default_factory=list)  # planted rows (positions in the planted frame), at most 50 kept
    detail: dict = field(default_factory=dict)

def numeric_columns(d:RealData, target:bool=True) -> list:
    "The numeric columns of `d` with more than 20 distinct values (the target only for regression and when `target`)."
    df = d.frame
    cols = [c for c in df.columns if c != d.time_col and pd.api.types.is_numeric_dtype(df[c])
            and not pd.api.types.is_bool_dtype(df[c]) and df[c].nunique() > 20]
    return [c for c in cols if c != d.target or (target and d.task == 'regression')]

def step_of(d:RealData) -> pd.Timedelta:
    "The most common distance between consecutive timestamps."
    return pd.Series(d.frame[d.time_col]).diff().mode().iloc[0]

def scattered_size(n:int, rng) -> int:
    "The number of rows for a scattered kind: max(20, 1%) to max(40, 3%) of `n`, at most 10%."
    lo, hi = max(20, int(np.ceil(.01 * n))), max(40, int(np.ceil(.03 * n)))
    return int(min(rng.integers(lo, hi + 1), max(.1 * n, 3)))

def period_of(d:RealData) -> str|None:
    "The period of totals: hour below 1 h, day for hourly, month for daily and weekly, year for monthly and quarterly."
    s = step_of(d)
    if s < pd.Timedelta(hours=1): return 'h'
    if s < pd.Timedelta(days=1): return 'D'
    if s <= pd.Timedelta(days=7): return 'MS'
    if s <= pd.Timedelta(days=92): return 'YS'
    return None  # yearly data: no coarser calendar period in the data

def _periods(d:RealData, rng):
    "(column, period labels per row, chosen complete periods) for the granularity kinds, or None."
    period = period_of(d)
    df = d.frame
    cols = [c for c in numeric_columns(d) if (df[c] < 0).mean() <= .01]  # totals of a quantity that is never negative
    if period is None or not cols: return None
    col = cols[rng.integers(len(cols))]
    alias = {'h': 'h', 'D': 'D', 'MS': 'M', 'YS': 'Y'}[period]
    label = pd.DatetimeIndex(df[d.time_col]).to_period(alias).asi8  # period numbers
    sizes = pd.Series(label).value_counts()
    full = sizes[sizes >= sizes.median() * .9].index  # complete periods only (no half day at the ends)
    full = sorted(p for p in full if p not in (label[0], label[-1]))
    if len(full) < 6: return None
    lo, hi = max(3, int(np.ceil(.02 * len(full)))), max(6, int(np.ceil(.1 * len(full))))
    k = int(min(rng.integers(lo, hi + 1), len(full) // 2))
    chosen = rng.choice(len(full), k, replace=False)
    return col, period, label, [full[i] for i in sorted(chosen)], int(sizes.median())

def _period_totals_first(d, rng, kind:str, empty_rest:bool):
    "Chosen periods hold their total on their first row; with `empty_rest`, the rest of each period is empty."
    got = _periods(d, rng)
    if got is None: return None
    col, period, label, chosen, L = got
    df = d.frame.copy(); df[col] = df[col].astype(float)
    rows = []
    for p in chosen:
        idx = np.flatnonzero(label == p)
        df.iloc[idx[0], df.columns.get_loc(col)] = d.frame[col].iloc[idx].sum()
        if empty_rest: df.iloc[idx[1:], df.columns.get_loc(col)] = np.nan
        rows.append(int(idx[0]))
    detail = dict(period=period, periods=len(chosen), steps_per_period=L)
    return df, Truth(kind, [col], sorted(rows), detail)

def plant_granularity_aligned(d, rng): return _period_totals_first(d, rng, 'granularity_aligned', empty_rest=False)

def plant_granularity_arbitrary(d, rng):
    got = _periods(d, rng)
    if got is None: return None
    col, period, label, chosen, L = got
    df = d.frame.copy(); df[col] = df[col].astype(float)
    x = d.frame[col].to_numpy(float)
    rows = np.sort(rng.choice(np.arange(L, len(df)), len(chosen), replace=False))
    for r in rows: df.iloc[r, df.columns.get_loc(col)] = np.nansum(x[r - L + 1:r + 1])
    detail = dict(period=period, totals=len(rows), steps_per_period=L)
    return df, Truth('granularity_arbitrary', [col], rows.tolist(), detail)

def plant_granularity_then_empty(d, rng): return _period_totals_first(d, rng, 'granularity_then_empty', empty_rest=True)

CONVERSIONS = {  # name: (function, whether it fits a column with these 1%-99% quantiles)
    'C->F': (lambda v: v * 1.8 + 32, lambda lo, hi: -60 <= lo and hi <= 60),  # temperature-like columns only
    'x1000': (lambda v: v * 1000, lambda lo, hi: True),
    'fraction->percent': (lambda v: v * 100, lambda lo, hi: 0 <= lo and hi <= 1),  # fraction-like columns only
    'm->km': (lambda v: v / 1000, lambda lo, hi: True),
}

def _unit(d, rng, rows_of):
    cols = numeric_columns(d)
    if not cols: return None
    col = cols[rng.integers(len(cols))]
    lo, hi = d.frame[col].quantile([.01, .99])
    names = [k for k, (_, fits) in CONVERSIONS.items() if fits(lo, hi)]
    conv = names[rng.integers(len(names))]
    df = d.frame.copy(); df[col] = df[col].astype(float)
    rows = rows_of(len(df))
    df.iloc[rows, df.columns.get_loc(col)] = CONVERSIONS[conv][0](df[col].iloc[rows].to_numpy())
    return df, col, conv, rows

def plant_units_scattered(d, rng):
    got = _unit(d, rng, lambda n: np.sort(rng.choice(n, scattered_size(n, rng), replace=False)))
    if got is None: return None
    df, col, conv, rows = got
    return df, Truth('units_scattered', [col], rows[:50].tolist(), dict(conversion=conv, rows=len(rows)))

def plant_units_block(d, rng):
    def block(n):
        k = int(rng.integers(int(np.ceil(.05 * n)), int(.2 * n) + 1))
        start = int(rng.integers(0, n - k + 1))
        return np.arange(start, start + k)
    got = _unit(d, rng, block)
    if got is None: return None
    df, col, conv, rows = got
    t = d.frame[d.time_col]
    return df, Truth('units_block', [col], [int(rows[0]), int(rows[-1])],
                     dict(conversion=conv, rows=len(rows), start=str(t.iloc[rows[0]]), end=str(t.iloc[rows[-1]])))

def plant_stuck_sensor(d, rng):
    cols = numeric_columns(d)
    if not cols: return None
    col = cols[rng.integers(len(cols))]
    per_day = int(round(pd.Timedelta(days=1) / step_of(d))) if step_of(d) < pd.Timedelta(days=1) else 1
    m = max(per_day, 6)
    n = len(d.frame)
    k = int(min(rng.integers(m, 3 * m + 1), n // 4))
    start = int(rng.integers(1, n - k))
    df = d.frame.copy()
    df.iloc[start:start + k, df.columns.get_loc(col)] = df[col].iloc[start]
    return df, Truth('stuck_sensor', [col], [start, start + k - 1], dict(run=k, min_run=m))

def plant_placeholder_nulls(d, rng):
    cols = numeric_columns(d, target=False)
    if d.task == 'regression': cols = [d.target] + cols
    if not cols: return None
    others = [c for c in cols if c != d.target]
    m = min(len(cols), int(rng.integers(2, len(cols) + 1))) if len(cols) > 1 else 1
    with_target = d.task == 'regression'
    chosen = [d.target] * with_target + [str(c) for c in rng.choice(others, m - with_target, replace=False)]
    v = float(rng.choice([-200, -999, 9999]))
    df = d.frame.copy()
    rows = np.sort(rng.choice(len(df), scattered_size(len(df), rng), replace=False))
    for c in chosen:
        df[c] = df[c].astype(float)
        df.iloc[rows, df.columns.get_loc(c)] = v
    detail = dict(value=v, rows=len(rows), columns=len(chosen))
    return df, Truth('placeholder_nulls', chosen, rows[:50].tolist(), detail)

def _duplicate(d, rng, conflicting:bool):
    n = len(d.frame)
    rows = np.sort(rng.choice(n, scattered_size(n, rng), replace=False))
    copies = d.frame.iloc[rows].copy()
    if conflicting:
        is_float, is_number = pd.api.types.is_float_dtype, pd.api.types.is_numeric_dtype
        num = ([c for c in copies.columns if c not in (d.time_col, d.target) and is_float(copies[c])]
               or [c for c in copies.columns if c != d.time_col and is_number(copies[c])])
        for c in num:
            k = len(copies)
            copies[c] = copies[c] * (1 + rng.normal(0, .05, k)) + (copies[c] == 0) * rng.normal(0, .1, k)
    # each copy right after its original
    df = pd.concat([d.frame, copies]).sort_index(kind='stable').reset_index(drop=True)
    where = rows + np.arange(1, len(rows) + 1)
    return df, Truth('duplicates_conflicting' if conflicting else 'duplicates_exact', [d.time_col], where[:50].tolist(),
                     dict(rows=len(rows)))

def plant_duplicates_exact(d, rng): return _duplicate(d, rng, False)
def plant_duplicates_conflicting(d, rng): return _duplicate(d, rng, True)

def plant_gap(d, rng):
    n = len(d.frame)
    k = int(rng.integers(max(3, int(np.ceil(.02 * n))), max(4, int(.1 * n)) + 1))
    start = int(rng.integers(1, n - k - 1))
    t = d.frame[d.time_col]
    df = d.frame.drop(index=range(start, start + k)).reset_index(drop=True)
    detail = dict(rows_removed=k, start=str(t.iloc[start]), end=str(t.iloc[start + k - 1]))
    return df, Truth('gap', [d.time_col], [start], detail)

def _new_name(df, stem, rng) -> str:
    "A neutral column name not in `df` (names must not give the plant away)."
    while (name := f"{stem}_{rng.integers(100, 999)}") in df.columns: pass
    return name

def plant_target_from_parts(d, rng):
    if d.task != 'regression': return None
    df = d.frame.copy()
    a = rng.uniform(.2, .8, len(df))
    p, q = _new_name(df, 'src', rng), _new_name(df, 'feed', rng)
    df[p], df[q] = df[d.target] * a, df[d.target] * (1 - a)
    return df, Truth('target_from_parts', [p, q], [], {})

def plant_future_shifted_target(d, rng):
    df = d.frame.copy()
    k = int(rng.integers(1, 6))
    y = df[d.target]
    name = _new_name(df, 'signal', rng)
    if d.task == 'regression':
        noise = rng.uniform(0, .2)
        df[name] = y.shift(-k) + rng.normal(0, noise * y.std(), len(df))
        detail = dict(shift=-k, noise_sd_share=round(noise, 3))
    else:
        if y.nunique() != 2: return None
        flips = rng.uniform(0, .05)
        codes, labels = pd.factorize(y.shift(-k))
        flip = (rng.random(len(df)) < flips) & (codes >= 0)
        codes = np.where(flip, 1 - codes, codes)
        df[name] = np.where(codes >= 0, np.asarray(labels)[np.clip(codes, 0, None)], np.nan).astype(float)
        detail = dict(shift=-k, flipped_share=round(flips, 3))
    return df, Truth('future_shifted_target', [name], [], detail)

def plant_row_index(d, rng):
    name = ['Unnamed: 0', 'id', 'row', 'index', 'record_no'][rng.integers(5)]
    if name in d.frame.columns: return None
    offset = int(rng.choice([0, 1, rng.integers(2, 100000)]))
    df = d.frame.copy()
    df.insert(0, name, np.arange(len(df)) + offset)
    return df, Truth('row_index', [name], [], dict(offset=offset))

def plant_target_as_category(d, rng):
    if d.task != 'classification': return None
    df = d.frame.copy()
    classes = sorted(df[d.target].dropna().unique())
    names = rng.permutation([f'grade {c}' for c in 'ABCDEFGHIJ'[:len(classes)]] if len(classes) <= 10 else None)
    label = df[d.target].map(dict(zip(classes, names))).astype(object)
    noise = rng.uniform(0, .1)
    flip = rng.random(len(df)) < noise
    label[flip] = rng.choice(names, int(flip.sum()))
    name = _new_name(df, 'grade', rng)
    df[name] = label
    return df, Truth('target_as_category', [name], [], dict(noise_share=round(noise, 3), classes=len(classes)))

PLANTERS = {k: globals()[f'plant_{k}'] for k in EXPECTED}

# ---------------------------------------------------------------------------------------------------------------------
# Running mlkit's public API. Every call is guarded: an exception is recorded (and counts as a miss), never fatal.
@dataclass
class Outcome:
    findings: list  # [(check, severity, column)]
    error: str|None = None
    seconds: float = 0.

def _triples(findings) -> list:
    return [(f.check, f.severity, f.column) for f in findings]

def _error(e:Exception) -> str: return f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"

def run_detect(df, d:RealData) -> Outcome:
    t0 = time.perf_counter()
    try:
        try: found = detect_problems(df, d.time_col, target=d.target, threads=1)  # one core: the same findings
        except TypeError as e:
            if 'threads' not in str(e): raise
            found = detect_problems(df, d.time_col, target=d.target)
    except Exception as e: return Outcome([], _error(e), time.perf_counter() - t0)
    return Outcome(_triples(found), None, time.perf_counter() - t0)

def run_audit(df, d:RealData) -> Outcome:
    "The leakage audit on the raw table, called as 05_evaluation calls it."
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            X = df.drop(columns=[d.target, d.time_col])
            from mlkit.values import placeholder_values
            a = audit_leakage(X, df[d.target], d.target, d.task, time=df[d.time_col], seed=0,
                              missing_values=placeholder_values(df, d.time_col))
        return Outcome(_triples(a.findings), None, time.perf_counter() - t0)
    except Exception as e: return Outcome([], _error(e), time.perf_counter() - t0)

def run_load(df, d:RealData, folder:Path) -> Outcome:
    "Write `df` as CSV and load it the way `mlkit run --data` does: found when it loads with one row per timestamp."
    t0 = time.perf_counter()
    p = folder/f'{d.name}.csv'
    df.to_csv(p, index=False)
    try:
        ds = load_dataset(RunConfig(data=str(p), target=d.target, time_col=d.time_col, task=d.task))
        ok = not ds.frame[ds.time_col].duplicated().any()
        found = list(getattr(ds, 'load_findings', None) or getattr(ds, 'findings', None) or [])
        loaded = [('loaded', 'warning', d.time_col)] if ok else []
        return Outcome(_triples(found) + loaded, None, time.perf_counter() - t0)
    except MlkitError as e: return Outcome([], f"refused: {e}", time.perf_counter() - t0)
    except Exception as e: return Outcome([], _error(e), time.perf_counter() - t0)

def names_column(finding_column, col) -> bool:
    "Whether a finding's column field (one name, or several joined by ', ') names `col`."
    if finding_column is None: return False
    return finding_column == col or col in [c.strip() for c in str(finding_column).split(', ')]

def score(kind:str, source:str, out:Outcome, base:Outcome|None, truth:Truth) -> dict:
    "Recall of one trial (share of truth columns named by an accepted check), and what else fired on those columns."
    accepted = EXPECTED[kind][source] | ({'loaded'} if source == 'load' else set())
    accepted_names = [names for src in EXPECTED.values() for names in src.values()]  # names of the future are known too
    alarms = [f for f in out.findings if f[1] in ALARM]
    before = {(c, col) for c, s, col in (base.findings if base else []) if s in ALARM}
    hit = {col: [f for f in alarms if f[0] in accepted and names_column(f[2], col)] for col in truth.columns}
    other = [f[0] for f in alarms if f[0] not in accepted and any(names_column(f[2], col) for col in truth.columns)
             and (f[0], f[2]) not in before]
    return dict(recall=float(np.mean([bool(h) for h in hit.values()])),
                preexisting=any((f[0], f[2]) in before for h in hit.values() for f in h),
                other_checks=sorted(set(other)), unknown_checks=sorted({c for c in other if c not in KNOWN_CHECKS
                                                                          and not any(c in n for n in accepted_names)}),
                info_only=[f[0] for f in out.findings if f[1] == 'info' and f[0] in accepted
                           and any(names_column(f[2], col) for col in truth.columns)],
                error=out.error, seconds=round(out.seconds, 3))

# ---------------------------------------------------------------------------------------------------------------------
# The unplanted real datasets: false alarms of every check, and what cleaning changes.
def run_of(ds:Dataset):
    "A `Run` without a run folder holding dataset `ds` (what a notebook run on its own works with)."
    from mlkit.core import Run
    cfg = RunConfig(data=str(ds.source), target=ds.target, time_col=ds.time_col, task=ds.task, freq=ds.freq)
    return Run(cfg, None, ds)

def clean_step():
    "(name, function of a Dataset returning the cleaned frame or a tuple starting with it), whichever mlkit has."
    same = lambda f: f
    for mod, fn, call in (('mlkit.repair', 'clean_data', lambda f: lambda ds: f(run_of(ds))),  # the cleaning plan
                          ('mlkit.repair', 'clean_dataset', same), ('mlkit.cleaning', 'clean_dataset', same)):
        try: f = getattr(importlib.import_module(mod), fn)
        except (ImportError, AttributeError): continue
        return f'{mod}.{fn}', call(f)
    return None, None

def dataset_of(d:RealData) -> Dataset:
    freq = infer_freq(d.frame[d.time_col])
    return Dataset(d.frame.reset_index(drop=True), d.target, d.time_col, d.task, freq, d.name, '')

def cleaning_changes(d:RealData) -> dict:
    "How many present values of each non-target column cleaning changed, filled or dropped on the unplanted data."
    name, fn = clean_step()
    if fn is None: return dict(step=None, error='no cleaning function found')
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            res = fn(dataset_of(d))
        clean = res[0] if isinstance(res, tuple) else getattr(res, 'frame', res)
    except Exception as e: return dict(step=name, error=_error(e), seconds=round(time.perf_counter() - t0, 2))
    before = d.frame.reset_index(drop=True)
    changed, filled, dropped = {}, {}, [c for c in before.columns if c not in clean.columns]
    for c in before.columns:
        if c in (d.time_col, d.target) or c in dropped: continue
        a, b = before[c], clean[c].reset_index(drop=True) if len(clean) == len(before) else None
        if b is None: changed[c] = 'row count changed'; continue
        was = a.notna().to_numpy()
        if pd.api.types.is_numeric_dtype(a):
            num = lambda v: pd.to_numeric(v, errors='coerce').to_numpy(float)
            diff = was & b.notna().to_numpy() & ~np.isclose(num(a), num(b), rtol=1e-9, atol=0, equal_nan=True)
        else: diff = was & (a.astype(str) != b.astype(str)).to_numpy()
        diff |= was & b.isna().to_numpy()  # a present value removed is a change too
        if diff.any(): changed[c] = int(diff.sum())
        if (n := int((~was & b.notna().to_numpy()).sum())): filled[c] = n
    total = int(sum(v for v in changed.values() if isinstance(v, int)))
    return dict(step=name, changed=changed, changed_total=total, filled=filled, dropped_columns=dropped,
                rows=len(before), seconds=round(time.perf_counter() - t0, 2))

def features_audit(d:RealData) -> Outcome:
    "The leakage audit on 03's feature table (mlkit.features.features_for_run), judged as 05_evaluation judges it."
    t0 = time.perf_counter()
    try:
        from mlkit.features import features_for_run
        feats = features_for_run(run_of(dataset_of(d)))[0]
        from mlkit.leakage import judge_by_source
        from mlkit.values import placeholder_values
        raw = d.frame
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            given = audit_leakage(raw.drop(columns=[d.target, d.time_col]), raw[d.target], d.target, d.task,
                                  time=raw[d.time_col], seed=0, missing_values=placeholder_values(raw, d.time_col))
            a = audit_leakage(feats.drop(columns=[d.target, d.time_col]), feats[d.target], d.target, d.task,
                              time=feats[d.time_col], seed=0)
        a = judge_by_source(a, given, raw.columns, d.target)  # as 05_evaluation judges past values of cleared columns
        return Outcome(_triples(a.findings), None, time.perf_counter() - t0)
    except Exception as e: return Outcome([], _error(e), time.perf_counter() - t0)

def load_real_file(d:RealData, folder:Path) -> str:
    "What `mlkit run --data FILE` says of the file as distributed (occupancy: its .txt file; statsmodels: as CSV)."
    from real_data import REAL
    files = {'etth1': 'etth1/ETTh1.csv', 'exchange_rate': 'exchange_rate/exchange_rate.csv',
             'ili': 'ili/national_illness.csv',
             'occupancy': 'occupancy/datatraining.txt', 'wind': 'wind/wind.csv'}
    if d.name in files: p = REAL/files[d.name]
    else: p = folder/f'{d.name}.csv'; d.frame.to_csv(p, index=False)
    try:
        ds = load_dataset(RunConfig(data=str(p), target=d.target, task=d.task))
        return f"loaded: {len(ds.frame)} rows, time column {ds.time_col!r}, freq {ds.freq!r}, task {ds.task}"
    except MlkitError as e: return f"refused: {e}"
    except Exception as e: return f"error: {_error(e)}"

# ---------------------------------------------------------------------------------------------------------------------
def alarms_of(out:Outcome) -> dict:
    "The warning and critical findings of `out`, its error and its seconds."
    return dict(alarms=[f for f in out.findings if f[1] in ALARM], error=out.error, seconds=round(out.seconds, 2))

def window(d:RealData, rows:int) -> RealData:
    "`d` cut to its last `rows` rows (the planted copies stay small where the audit is slow)."
    if len(d.frame) <= rows: return d
    return RealData(d.name, d.frame.iloc[-rows:].reset_index(drop=True), d.target, d.time_col, d.task, d.step)

def binary_variant(d:RealData) -> RealData:
    "A classification variant of a regression dataset (is the target above its median?), for classification-only kinds."
    df = d.frame.copy()
    df[d.target] = np.where(df[d.target].isna(), np.nan, (df[d.target] > df[d.target].median()).astype(float))
    return RealData(f'{d.name}[y>median]', df, d.target, d.time_col, 'classification', d.step)

def rise_variant(d:RealData) -> RealData:
    "A second classification variant: does the target rise over the step? (On a trending series 'above the median' "
    "changes once or a few times and its own past predicts it: a degenerate class target; this one changes often.)"
    df, y = d.frame.copy(), d.frame[d.target]
    df[d.target] = np.where(y.isna() | y.shift(1).isna(), np.nan, (y > y.shift(1)).astype(float))
    return RealData(f'{d.name}[y rises]', df, d.target, d.time_col, 'classification', d.step)

VARIANTS = (binary_variant, rise_variant)  # classification variants of each regression dataset

def unplanted_facts(d:RealData, tmp:Path) -> dict:
    "Alarms of every check, what cleaning changes and what the loader says, on dataset `d` as it is."
    det, aud = run_detect(d.frame, d), run_audit(d.frame, d)
    return dict(rows=len(d.frame), step=d.step, task=d.task, target=d.target, detect=alarms_of(det),
                audit_raw=alarms_of(aud), audit_features=alarms_of(features_audit(d)), cleaning=cleaning_changes(d),
                load_file=load_real_file(d, tmp))

def planted_trials(name:str, full:RealData, seeds:dict, a, tmp:Path) -> list:
    "Every trial of every kind (and source) that applies to dataset `full`, `seeds[source]` seeds each."
    per_source = {'detect': window(full, a.detect_rows), 'load': window(full, a.detect_rows),
                  'audit': window(full, a.audit_rows)}
    base = {'detect': run_detect(per_source['detect'].frame, full), 'load': None,
            'audit': run_audit(per_source['audit'].frame, full)}
    run = {'detect': run_detect, 'audit': run_audit, 'load': lambda df, d: run_load(df, d, tmp)}
    out = []
    for kind, sources in EXPECTED.items():
        if name not in LOADERS and kind != 'target_as_category': continue  # classification variants: that kind only
        if a.kinds and kind not in a.kinds: continue
        for source in sources:
            d = per_source[source]
            for seed in range(seeds[source]):
                rng = np.random.default_rng([seed, list(EXPECTED).index(kind), sum(map(ord, name))])
                planted = PLANTERS[kind](d, rng)
                if planted is None: break  # the kind does not apply to this dataset
                df, truth = planted
                out.append(dict(dataset=name, kind=kind, source=source, seed=seed, rows=len(df), truth=truth.__dict__,
                                **score(kind, source, run[source](df, d), base[source], truth)))
    return out

def placeholder_leak_alarms(name:str, full:RealData, n_seeds:int, audit_rows:int) -> list:
    "Placeholders on the same rows of the target and other columns must not make those columns look like leaks."
    d = window(full, audit_rows)
    if d.task != 'regression': return []
    base = run_audit(d.frame, d)
    before = {(c, col) for c, s, col in base.findings if s in ALARM}
    out = []
    for seed in range(n_seeds):
        planted = plant_placeholder_nulls(d, np.random.default_rng([seed, 99, sum(map(ord, name))]))
        if planted is None or len(planted[1].columns) < 2: continue
        df, truth = planted
        res = run_audit(df, d)
        others = [x for x in truth.columns if x != d.target]
        leaks = sorted({c for c, s, col in res.findings if s in ALARM and FAMILIES['leakage'](c)
                        and (c, col) not in before and any(names_column(col, x) for x in others)})
        out.append(dict(dataset=name, kind='placeholder_nulls', source='audit', seed=seed, truth=truth.__dict__,
                        leak_alarms=leaks, error=res.error))
    return out

def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--quick', action='store_true', help='a smoke run: 3 seeds, 2 for the audit')
    ap.add_argument('--seeds', type=int, default=None, help='seeds per dataset and kind, detect (default 20)')
    ap.add_argument('--audit-seeds', type=int, default=None, help='seeds per dataset and kind, audit (default 6)')
    ap.add_argument('--detect-rows', type=int, default=25000, help='planted tables: the last this many rows (detect)')
    ap.add_argument('--audit-rows', type=int, default=3000, help='planted tables: the last this many rows (audit)')
    ap.add_argument('--datasets', nargs='*', default=None, help=f'subset of {list(LOADERS)}')
    ap.add_argument('--out', default=str(HERE/'trap_results'), help='output path without suffix (.md and .json)')
    ap.add_argument('--kinds', nargs='*', default=None, help=f'subset of {list(EXPECTED)} (default: all)')
    ap.add_argument('--no-unplanted', action='store_true', help='skip the unplanted datasets (false alarms, cleaning)')
    ap.add_argument('--render', action='store_true', help="only rewrite the .md from the existing .json (no run)")
    a = ap.parse_args(argv)
    if unknown := set(a.kinds or []) - set(EXPECTED):
        ap.error(f'unknown kinds {sorted(unknown)}: choose from {list(EXPECTED)}')
    out = Path(a.out)
    if a.render:
        res = json.loads(out.with_suffix('.json').read_text())
        write_results(out.with_suffix('.json'), res)
        out.with_suffix('.md').write_text(markdown(res))
        return res
    seeds = a.seeds or (3 if a.quick else 20)
    audit_seeds = a.audit_seeds or (2 if a.quick else 6)
    per_source = {'detect': seeds, 'audit': audit_seeds, 'load': min(seeds, LOAD_SEEDS)}
    t_start, cpu_start = time.perf_counter(), time.process_time()
    data = load_all(a.datasets)
    if not real_available(): print('note: ../shared/data/real not found: statsmodels datasets only', file=sys.stderr)
    trials, unplanted, planted_alarms = [], {}, []
    with tempfile.TemporaryDirectory() as tmp:
        # 1. the unplanted datasets: every alarm is a false alarm unless shown otherwise; cleaning should change nothing
        for name, d in data.items():
            if a.no_unplanted: break
            print(f'[unplanted] {name} {d.frame.shape}', flush=True)
            unplanted[name] = unplanted_facts(d, Path(tmp))
        # 2. planted traps (and classification variants of the regression datasets for the classification-only kind)
        variants = dict(data) | {(v := make(d)).name: v for make in VARIANTS for d in data.values()
                                 if d.task == 'regression'}
        for name, full in variants.items():
            print(f'[planted] {name}', flush=True)
            trials += planted_trials(name, full, per_source, a, Path(tmp))
            if name in data and not a.no_unplanted:
                planted_alarms += placeholder_leak_alarms(name, full, audit_seeds, a.audit_rows)
    wall, cpu = time.perf_counter() - t_start, time.process_time() - cpu_start
    meta = dict(commit=git_commit(HERE.parent), date=datetime.now(timezone.utc).isoformat(timespec='seconds'),
                mlkit=str(Path(mlkit.__file__).parent), quick=a.quick, seeds=seeds, audit_seeds=audit_seeds,
                kinds=a.kinds or 'all', unplanted=not a.no_unplanted,
                detect_rows=a.detect_rows, audit_rows=a.audit_rows, wall_seconds=round(wall, 1),
                cpu_seconds=round(cpu, 1), cleaning_step=clean_step()[0], python=sys.version.split()[0],
                pandas=pd.__version__, numpy=np.__version__)
    res = dict(meta=meta, expected={k: {s: sorted(v) for s, v in src.items()} for k, src in EXPECTED.items()},
               sizes=SIZES, summary=summarise(trials), false_alarms=false_alarms(unplanted),
               planted_false_alarms=planted_alarms, unplanted=unplanted, trials=trials)
    write_results(out.with_suffix('.json'), res)
    out.with_suffix('.md').write_text(markdown(res))
    print(f"wrote {out.with_suffix('.md')} and .json in {wall:.0f} s")
    return res

def write_results(path:Path, res:dict):
    "The results as JSON: one short line per trial (empty fields left out, planted rows cut to 3), indented elsewhere."
    def short(t):
        truth = t['truth']
        t = t | {'truth': {k: v for k, v in truth.items() if k != 'kind'} | {'rows': truth.get('rows', [])[:3]},
                 'error': t.get('error') and t['error'][:80]}
        return {k: v for k, v in t.items() if not (v is None or v is False or (isinstance(v, list) and not v))}
    trials = [short(t) for t in res['trials']]
    head = json.dumps({k: v for k, v in res.items() if k != 'trials'}, indent=1, default=str)
    lines = ',\n'.join(json.dumps(t, default=str) for t in trials)
    path.write_text(head[:-2] + ',\n "trials": [\n' + lines + '\n ]\n}\n')

def summarise(trials:list) -> list:
    "Per kind and source: trials, datasets, recall, preexisting hits, errors, the other and unknown checks that fired."
    groups = defaultdict(list)
    for t in trials: groups[(t['kind'], t['source'])].append(t)
    rows = []
    for (kind, source), ts in groups.items():
        per_ds = defaultdict(list)
        for t in ts: per_ds[t['dataset']].append(t['recall'])
        accepted = sorted(EXPECTED[kind][source]) or ['(loads, one row per timestamp)']
        rows.append(dict(kind=kind, source=source, accepted=accepted,
                         trials=len(ts), datasets=len(per_ds),
                         recall=round(float(np.mean([t['recall'] for t in ts])), 3),
                         recall_by_dataset={k: round(float(np.mean(v)), 2) for k, v in per_ds.items()},
                         preexisting=sum(t['preexisting'] for t in ts), errors=sum(t['error'] is not None for t in ts),
                         error_examples=sorted({t['error'] for t in ts if t['error']})[:3],
                         info_only=sum(bool(t['info_only']) and t['recall'] == 0 for t in ts),
                         other_checks=dict(Counter(c for t in ts for c in t['other_checks']).most_common(5)),
                         unknown_checks=sorted({c for t in ts for c in t['unknown_checks']}),
                         seconds=round(float(np.mean([t['seconds'] for t in ts])), 3)))
    return rows

def false_alarms(unplanted:dict) -> dict:
    "Per check: how many warning/critical alarms on the unplanted datasets, where, and the family totals of the goal."
    per_check = defaultdict(list)
    for name, u in unplanted.items():
        for src in ('detect', 'audit_raw', 'audit_features'):
            for check, sev, col in u[src]['alarms']: per_check[(src, check)].append(f'{name}:{col}' if col else name)
    checks = [dict(source=s, check=c, alarms=len(v), where=v) for (s, c), v in sorted(per_check.items())]
    families = {fam: sum(x['alarms'] for x in checks if is_(x['check'])) for fam, is_ in FAMILIES.items()}
    changed = sum(u['cleaning'].get('changed_total', 0) for u in unplanted.values())
    return dict(checks=checks, families=families, cleaning_changed_values=changed)

def _cells(*values) -> str: return '| ' + ' | '.join(map(str, values)) + ' |'

def _intro(m:dict) -> list:
    quick = ' (--quick)' if m['quick'] else ''
    return ["# Trap benchmark (issue 12): planted problems in real data", "",
            f"Commit `{m['commit']}`, {m['date']}; {m['wall_seconds']} s wall time, {m['cpu_seconds']} s CPU time (one "
            f"core, shared with other jobs){quick}. Generated by `python benchmarks/trap_bench.py`; raw numbers in "
            f"`trap_results.json`.", "",
            f"Each kind is planted by code at random rows, sizes and columns (`numpy.random.default_rng([seed, kind, "
            f"dataset])`), {m['seeds']} seeds per dataset for `detect` (mlkit.cleaning.detect_problems), "
            f"{min(m['seeds'], LOAD_SEEDS)} for `load` (mlkit.core.load_dataset on the table written as CSV), "
            f"{m['audit_seeds']} for `audit` (mlkit.leakage.audit_leakage on the raw table, as 05_evaluation calls "
            f"it; slower). Tables are the last {m['detect_rows']} rows (detect, load) or {m['audit_rows']} rows "
            f"(audit) of each dataset. Found = a warning or critical finding with an accepted check name on the "
            f"planted column(s); recall = the share of planted columns found, averaged over trials. "
            f"Classification-only kinds also run on two binary variants of each regression dataset: the target above "
            f"its median ([y>median]; on a trending series it changes once or a few times, so its own past predicts "
            f"it) and the target rising over the step ([y rises]). 'Already flagged unplanted': hits whose alarm "
            f"(same check, same column) was raised on the table before planting, so perhaps not because of the plant. "
            f"'Info only': misses where an accepted check spoke at info level. 'Other alarms': checks not accepted "
            f"for the kind that raised a new alarm on the planted column (in how many trials). Errors count as "
            f"misses. A kind that does not apply to a dataset (e.g. calendar totals in yearly data, a rebuilt target "
            f"in classification) is not run there.", ""]

def _recall(res:dict) -> list:
    L = ["## Recall per kind", "",
         _cells('kind', 'source', 'size planted', 'accepted checks', 'trials (datasets)', 'recall',
                'already flagged unplanted', 'errors', 'info only', 'other alarms on the column'),
         _cells(*['---'] * 10)]
    for r in res['summary']:
        other = ', '.join(f'{k} {v}' for k, v in r['other_checks'].items()) or '-'
        L.append(_cells(r['kind'], r['source'], SIZES[r['kind']], ', '.join(r['accepted']),
                        f"{r['trials']} ({r['datasets']})", f"**{r['recall']:.2f}**", r['preexisting'], r['errors'],
                        r['info_only'], other))
    missed = ', '.join(f"{r['kind']}/{r['source']} {r['recall']:.2f}" for r in res['summary'] if r['recall'] < .9)
    met = sum(r['recall'] >= .9 for r in res['summary'])
    unknown = sorted({c for r in res['summary'] for c in r['unknown_checks']})
    L += ["", f"Goal of issue 12, recall >= 0.9 for every kind: met by {met} of {len(res['summary'])} (kind, source) "
              f"rows; missed by {missed or 'none'}.", "",
          f"New check names (not in the script's `KNOWN_CHECKS`) that fired on planted columns: "
          f"{', '.join(unknown) or 'none'}.", "", "Recall by dataset:", "", _cells('kind', 'source', 'by dataset'),
          _cells('---', '---', '---')]
    for r in res['summary']:
        L.append(_cells(r['kind'], r['source'], ', '.join(f'{k} {v:.2f}' for k, v in r['recall_by_dataset'].items())))
    errs = [(r['kind'], r['source'], e) for r in res['summary'] for e in r['error_examples']]
    if errs: L += ["", "Errors (count as misses):", ""] + [f"- {k} / {s}: `{e}`" for k, s, e in errs]
    return L

def _false_alarms(res:dict) -> list:
    fa, pa = res['false_alarms'], res['planted_false_alarms']
    fam = fa['families']
    L = ["", "## False alarms on the unplanted real datasets", "",
         f"Warning or critical findings on the datasets as they are (every alarm counts, real or not: read `where`). "
         f"Goal families: leakage {fam['leakage']}, granularity {fam['granularity']}, units {fam['units']}.", "",
         _cells('source', 'check', 'alarms', 'where (dataset:column)'), _cells(*['---'] * 4)]
    for x in fa['checks']:
        more = ' ...' if len(x['where']) > 12 else ''
        L.append(_cells(x['source'], x['check'], x['alarms'], ', '.join(x['where'][:12]) + more))
    hit = [x for x in pa if x['leak_alarms']]
    checks = ', '.join(sorted({c for x in hit for c in x['leak_alarms']})) or 'none'
    L += ["", f"Leakage alarms caused by placeholders: in {len(hit)} of {len(pa)} audits of tables where "
              f"-200/-999/9999 fill the same rows of the target and other columns, the audit raised a new leakage "
              f"alarm on one of those other columns ({checks}; {sum(x['error'] is not None for x in pa)} audits "
              f"failed)."]
    return L

def _cleaning(res:dict) -> list:
    m, fa = res['meta'], res['false_alarms']
    L = ["", f"## Cleaning on the unplanted datasets (`{m['cleaning_step']}`)", "",
         f"Present values of non-target columns that the cleaning step changed: **{fa['cleaning_changed_values']}** in "
         f"total.", "", _cells('dataset', 'rows', 'changed values (column: count)', 'filled missing', 'dropped columns',
                               'error'), _cells(*['---'] * 6)]
    for name, u in res['unplanted'].items():
        c = u['cleaning']
        L.append(_cells(name, u['rows'], ', '.join(f'{k}: {v}' for k, v in c.get('changed', {}).items()) or '0',
                        sum(c.get('filled', {}).values()), ', '.join(c.get('dropped_columns', [])) or '-',
                        c.get('error') or ''))
    return L

def _datasets(res:dict) -> list:
    L = ["", "## Each dataset as distributed, through `load_dataset` and the audits", "",
         "The features audit runs `audit_leakage` on 03's features (`mlkit.features.features_for_run` on the dataset, "
         "no run folder), as 05_evaluation's second audit does.", "",
         _cells('dataset', 'rows', 'step', 'task (target)', 'load of the file', 'raw audit error',
                'features audit error', 'detect s', 'audit s'), _cells(*['---'] * 9)]
    for name, u in res['unplanted'].items():
        L.append(_cells(name, u['rows'], u['step'], f"{u['task']} ({u['target']})", u['load_file'][:160],
                        u['audit_raw']['error'] or '', u['audit_features']['error'] or '', u['detect']['seconds'],
                        u['audit_raw']['seconds']))
    return L

def markdown(res:dict) -> str:
    "The results as a markdown report."
    return '\n'.join(_intro(res['meta']) + _recall(res) + _false_alarms(res) + _cleaning(res) + _datasets(res)) + '\n'

if __name__ == '__main__': main()
