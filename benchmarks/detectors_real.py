"""Silent-error detectors on real data nobody here wrote: recall of planted problems and false alarms on the data as is.

Usage (from the repository root): python benchmarks/detectors_real.py [--seeds 10]
-> benchmarks/detectors_real.md and .json

Data: the five real datasets of ../shared/data/real (occupancy's three files as one frame, its unnamed first column as
`row`), the bundled Bike Sharing hourly data, and statsmodels' co2, elec_equip, macrodata, sunspots and nile.
Each kind of problem is planted by code (`plant`) into a random column at random places, over many seeds; the files
are never edited. A planted problem counts as found when `detect_problems` reports the expected check, at warning or
critical severity, on the planted column. False alarms: warning-or-critical findings of each check on the unplanted
datasets, and on columns built from real columns that are running sums or counters that reset (negative controls).
The planting functions are importable: `load_real(name)`, `plant(kind, df, time_col, target, rng)`, `KINDS`.
"""
import argparse, json, sys, time
from pathlib import Path
import numpy as np, pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from mlkit.cleaning import detect_problems  # noqa: E402
from mlkit.reading import is_numeric  # noqa: E402
from mlkit.sensors import stuck_models  # noqa: E402
from mlkit.eda import sampling_step  # noqa: E402

REAL = ROOT.parent/'shared'/'data'/'real' if (ROOT.parent/'shared').exists() else Path('/work/shared/data/real')
DATASETS = ('bike', 'occupancy', 'etth1', 'exchange_rate', 'ili', 'wind', 'co2', 'elec_equip', 'macrodata', 'sunspots',
            'nile')
EXPECTED = {'granularity_aligned': 'mixed_granularity', 'granularity_unaligned': 'mixed_granularity',
            'granularity_total_then_empty': 'mixed_granularity', 'unit_scattered': 'mixed_units',
            'unit_block': 'mixed_units',
            'stuck_sensor': 'stuck_sensor', 'placeholder': 'disguised_null'}
CONTROLS = ('running_sum', 'counter')  # negative controls: no warning or critical finding may name them
ALL_KINDS = KINDS = tuple(EXPECTED) + CONTROLS
SIZES = {  # what is planted, in words, for the table
    'granularity_aligned': '6 or 12 periods (day for sub-daily data, month for daily, year for weekly/monthly) hold '
    'their total, on the last row of the period',
    'granularity_unaligned': '12 to 24 periods hold their total on a random row of the period (the other rows keep '
    'their values)',
    'granularity_total_then_empty': '3 to 8 periods: the total on the first row, the rest of the period empty (missing '
    'or 0)',
    'unit_scattered': '1% of rows (at least 5) at random in another unit (C->F, fraction->percent, or x1000)',
    'unit_block': 'one contiguous block of 5-20% of the rows in another unit',
    'stuck_sensor': 'a run of 24 rows (12 for daily or coarser data) frozen at its first value, in a column with a '
    'correlated partner',
    'placeholder': '0.5-3% of rows hold a code (-200, -999, 9999 or 0 for a positive column), in 1-3 columns on the '
    'same rows',
    'running_sum': 'a non-negative real column summed since the start of each day (or month, year), added as a new '
    'column',
    'counter': 'an integer count summed since the start of each period, added as a new column'}

def load_real(name:str) -> tuple[pd.DataFrame, str, str]:
    "One real dataset as (frame, time column, target), read as a new user would (read_csv, parse the date column)."
    if name == 'bike':
        from mlkit.config import RunConfig
        from mlkit.loading import load_dataset
        ds = load_dataset(RunConfig())
        return ds.frame, ds.time_col, ds.target
    if name == 'occupancy':
        parts = [pd.read_csv(REAL/'occupancy'/f).rename_axis('row').reset_index()
                 for f in ('datatest.txt', 'datatraining.txt', 'datatest2.txt')]
        df = pd.concat(parts, ignore_index=True).assign(date=lambda d: pd.to_datetime(d['date']))
        return df.sort_values('date', kind='stable').reset_index(drop=True), 'date', 'Occupancy'
    files = {'etth1': 'etth1/ETTh1.csv', 'exchange_rate': 'exchange_rate/exchange_rate.csv',
             'ili': 'ili/national_illness.csv',
             'wind': 'wind/wind.csv'}
    if name in files:
        df = pd.read_csv(REAL/files[name]).assign(date=lambda d: pd.to_datetime(d['date']))
        return df, 'date', 'target' if name == 'wind' else 'OT'
    import statsmodels.api as sm
    if name == 'co2': return sm.datasets.co2.load_pandas().data.rename_axis('date').reset_index(), 'date', 'co2'
    if name == 'elec_equip':
        import statsmodels.datasets.elec_equip as ee
        d = ee.load().data
        d.columns = ['elec_equip']
        return d.rename_axis('date').reset_index(), 'date', 'elec_equip'
    if name == 'macrodata':
        d = sm.datasets.macrodata.load_pandas().data
        d.insert(0, 'date', pd.PeriodIndex.from_fields(year=d['year'].astype(int), quarter=d['quarter'].astype(int),
                                                       freq='Q').to_timestamp())
        return d.drop(columns=['year', 'quarter']), 'date', 'realgdp'
    if name in ('sunspots', 'nile'):
        d = getattr(sm.datasets, name).load_pandas().data
        year = 'YEAR' if name == 'sunspots' else 'year'
        d.insert(0, 'date', pd.to_datetime(d[year].astype(int).astype(str)))
        return d.drop(columns=year), 'date', 'SUNACTIVITY' if name == 'sunspots' else 'volume'
    raise ValueError(f'unknown dataset {name}')

def _measurements(df:pd.DataFrame, time_col:str, nonneg:bool=False) -> list[str]:
    """Numeric columns that measure something: more than 20 distinct values (and, with `nonneg`, under 1% negative
    values)."""
    out = []
    for c in df.columns:
        if c == time_col or not is_numeric(df[c]) or df[c].nunique() <= 20: continue
        if (df[c].diff() == 1).mean() > .9: continue  # a row number is no measurement
        if nonneg and (df[c] < 0).mean() > .01: continue
        out.append(c)
    return out

def _period(time:pd.Series) -> str|None:
    """The calendar period whose totals are planted: a day for sub-daily data, a month for daily, a year for weekly to
    quarterly."""
    step = sampling_step(time)
    if step is None: return None
    if step < pd.Timedelta(days=1): return 'D'
    if step < pd.Timedelta(days=7): return 'M'
    if step <= pd.Timedelta(days=92): return 'Y'
    return None

def _conversion(x:pd.Series, rng) -> tuple[str, callable]:
    "A unit conversion that fits the column: fraction -> percent for values in [0, 1], else C -> F or x1000."
    lo, hi = x.quantile([.01, .99])
    if lo >= 0 and hi <= 1: return 'fraction -> percent', lambda v: v * 100
    if -60 <= lo and hi <= 60 and rng.random() < .5: return 'Celsius -> Fahrenheit', lambda v: v * 1.8 + 32
    return 'x1000', lambda v: v * 1000

def plant(kind:str, df:pd.DataFrame, time_col:str, target:str,
          rng:np.random.Generator) -> tuple[pd.DataFrame, dict]|None:
    """`df` with one problem of `kind` planted at random (see `SIZES`), and the truth (column, rows, details); None
    where it cannot be planted."""
    df, n = df.copy(), len(df)
    time = df[time_col]
    if kind.startswith('granularity') or kind in CONTROLS:
        cols, period = _measurements(df, time_col, nonneg=True), _period(time)
        if not cols or period is None: return None
        c = cols[rng.integers(len(cols))]
        groups = time.dt.to_period(period).to_numpy()
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        bounds = list(zip(starts, np.r_[starts[1:], n]))
        full = [(a, b) for a, b in bounds if b - a >= 4]
        if kind in CONTROLS:
            x = df[c].astype(float).fillna(0).clip(lower=0)
            if kind == 'counter': x = np.round(x / max(x.median(), 1e-9) * 3)  # whole counts, about 3 per row
            df[f'{c}_{kind}'] = x.groupby(groups).cumsum().to_numpy()
            return df, dict(column=f'{c}_{kind}', rows=[], period=period)
        if kind == 'granularity_aligned': k = int(rng.choice([6, 12]))
        elif kind == 'granularity_unaligned': k = int(rng.integers(12, 25))
        else: k = int(rng.integers(3, 9))
        if len(full) < k + 2: return None
        chosen = sorted(rng.choice(len(full), k, replace=False))
        x, rows = df[c].astype(float).to_numpy().copy(), []
        for i in chosen:
            a, b = full[i]
            total = np.nansum(x[a:b])
            if kind == 'granularity_aligned': r = b - 1
            elif kind == 'granularity_unaligned': r = a + int(rng.integers(b - a))
            else: r = a
            x[r] = total
            if kind == 'granularity_total_then_empty': x[a + 1:b] = 0. if rng.random() < .5 else np.nan
            rows.append(int(r))
        df[c] = x
        return df, dict(column=c, rows=rows, period=period, periods=k)
    if kind.startswith('unit'):
        cols = _measurements(df, time_col)
        if not cols: return None
        c = cols[rng.integers(len(cols))]
        name, convert = _conversion(df[c], rng)
        if kind == 'unit_scattered': rows = np.sort(rng.choice(n, max(5, n // 100), replace=False))
        else:
            size = int(n * rng.uniform(.05, .2))
            start = int(rng.integers(0, n - size))
            rows = np.arange(start, start + size)
        df[c] = df[c].astype(float)
        df.loc[df.index[rows], c] = convert(df[c].iloc[rows]).to_numpy()
        return df, dict(column=c, rows=rows.tolist()[:20], conversion=name, planted_rows=int(len(rows)))
    if kind == 'stuck_sensor':
        models = stuck_models(df.drop(columns=[time_col]))
        if not models: return None
        c = sorted(models)[rng.integers(len(models))]
        step = sampling_step(time)
        length = 24 if step is not None and step < pd.Timedelta(days=1) else 12
        if n < 4 * length: return None
        start = int(rng.integers(length, n - 2 * length))
        df[c] = df[c].astype(float)
        df.loc[df.index[start:start + length], c] = df[c].iloc[start]
        return df, dict(column=c, rows=list(range(start, start + length)), partner=models[c]['partner'])
    if kind == 'placeholder':
        cols = _measurements(df, time_col)
        if not cols: return None
        chosen = list(rng.choice(cols, min(len(cols), int(rng.integers(1, 4))), replace=False))
        rows = np.sort(rng.choice(n, max(5, int(n * rng.uniform(.005, .03))), replace=False))
        code = float(rng.choice([-200., -999., 9999.]))
        codes = {}
        for c in chosen:
            v = code
            # 0 where 0 cannot be
            if df[c].min() > 0 and df[c].quantile(.01) > 10 * df[c].std() and rng.random() < .5: v = 0.
            df[c] = df[c].astype(float)
            df.loc[df.index[rows], c] = v
            codes[c] = v
        return df, dict(column=chosen[0], columns=chosen, codes=codes, rows=rows.tolist()[:20],
                        planted_rows=int(len(rows)))
    raise ValueError(f'unknown kind {kind}')

def alarms(findings, column=None) -> list:
    "The warning-or-critical findings (on `column` when given)."
    return [f for f in findings if f.severity in ('warning', 'critical') and (column is None or f.column == column)]

def _detail(f) -> str:
    "A few words of a finding's evidence, for the table (the stuck runs: how long, from when, at which value)."
    if f.check == 'stuck_sensor':
        return '; '.join(f"{r['rows']} rows from {r.get('start', r['start_row'])} at {r['value']}"
                         for r in f.evidence['first_runs'][:3])
    return ''

def run(seeds:int, kinds=ALL_KINDS) -> dict:
    "Plant every kind into every dataset over `seeds` seeds; run the detector on each and on the unplanted data."
    data = {name: load_real(name) for name in DATASETS}
    clean, cases = {}, []
    for name, (df, tc, tg) in data.items():
        t0 = time.perf_counter()
        found = detect_problems(df, tc, tg)
        clean[name] = dict(seconds=round(time.perf_counter() - t0, 3), rows=len(df),
                           alarms=[dict(check=f.check, column=str(f.column), severity=f.severity, detail=_detail(f))
                                   for f in alarms(found)])
    for kind in kinds:
        for name, (df, tc, tg) in data.items():
            for seed in range(seeds):
                rng = np.random.default_rng([seed, ALL_KINDS.index(kind), DATASETS.index(name)])
                planted = plant(kind, df, tc, tg, rng)
                if planted is None: continue
                pdf, truth = planted
                found = detect_problems(pdf, tc, tg)
                on_col = alarms(found, truth['column'])
                if kind in CONTROLS: hit = not on_col  # a control is right when nothing alarms on it
                else: hit = any(f.check == EXPECTED[kind] for f in on_col)
                cases.append(dict(kind=kind, dataset=name, seed=seed, column=str(truth['column']), found=bool(hit),
                                  checks_on_column=sorted({f.check for f in on_col}),
                                  **{k: v for k, v in truth.items()
                                     if k in ('period', 'periods', 'conversion', 'planted_rows', 'codes')}))
    return dict(clean=clean, cases=cases, seeds=seeds)

def table(res:dict) -> str:
    "The results as Markdown: recall per kind, false alarms per check on the unplanted data."
    cases = pd.DataFrame(res['cases'])
    lines = ['# Silent-error detectors on real data', '',
             f"Generated by `benchmarks/detectors_real.py --seeds {res['seeds']}` (see its docstring for the data and "
             "the rules).",
             'A planted problem is found when `detect_problems` reports the expected check, at warning or critical '
             'severity, on the planted column. Negative controls (running sums, counters) are right when no warning '
             'or critical finding names them.', '',
             '## Recall per kind', '', '| kind | planted | cases | found | recall | missed in |',
             '|---|---|---|---|---|---|']
    for kind in ALL_KINDS:
        k = cases[cases['kind'] == kind]
        if not len(k): lines.append(f'| {kind} | {SIZES[kind]} | 0 | - | - | - |'); continue
        missed = k[~k['found']].groupby('dataset').size()
        lines.append(f"| {kind}{' (control)' if kind in CONTROLS else ''} | {SIZES[kind]} | {len(k)} | "
                     f"{int(k['found'].sum())} | "
                     f"{k['found'].mean():.2f} | {', '.join(f'{d} ({m})' for d, m in missed.items()) or '-'} |")
    lines += ['', '## False alarms on the unplanted data (warning or critical)', '',
              '| dataset | rows | seconds | alarms (check / column) |', '|---|---|---|---|']
    for name, c in res['clean'].items():
        said = [a['check'] + ' / ' + a['column'] + (' (' + a['detail'] + ')' if a.get('detail') else '')
                for a in c['alarms']]
        lines.append(f"| {name} | {c['rows']:,} | {c['seconds']} | {', '.join(said) or 'none'} |")
    per_check = pd.Series([a['check'] for c in res['clean'].values() for a in c['alarms']], dtype=object).value_counts()
    lines += ['', 'Per check: ' + (', '.join(f'{k}: {v}' for k, v in per_check.items()) or 'none') + '.',
              'Read the alarms before calling them false: the stuck runs listed are runs of one exact value over '
              'dozens to hundreds of rows in measured series (whole days of a wind farm frozen in every column, days '
              'of one transformer load), which is what a stuck sensor or a value carried forward looks like.',
              'Granularity and unit alarms on the unplanted data: '
              f"{int(sum(per_check.get(k, 0) for k in ('mixed_granularity', 'mixed_units')))}.", '']
    return '\n'.join(lines)

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--seeds', type=int, default=10)
    ap.add_argument('--kinds', default=','.join(KINDS))
    a = ap.parse_args()
    res = run(a.seeds, tuple(k for k in ALL_KINDS if k in a.kinds.split(',')))
    (ROOT/'benchmarks'/'detectors_real.json').write_text(json.dumps(res, indent=1, default=str))
    (ROOT/'benchmarks'/'detectors_real.md').write_text(table(res))
    print(table(res))
