"""How many values does the cleaning step change? On the unplanted real datasets (goal: 0 on columns without a real
problem) and with problems planted by code at random places (placeholders, a unit block, real extremes): what is
masked, converted (inside the folds), proposed, and whether any correct value is touched.

Run from the repository root: python benchmarks/repair_changes.py  (writes benchmarks/repair_changes.md)
Real data: ../shared/data/real (or /work/shared/data/real); statsmodels' elec_equip, macrodata, nile, sunspots, co2.
"""
import time
from pathlib import Path
import numpy as np, pandas as pd
from mlkit.config import RunConfig
from mlkit.timestamps import parse_time
from mlkit.time_axis import infer_freq
from mlkit.loading import load_dataset
from mlkit.cleaning import detect_problems
from mlkit.repair import apply_plan, plan_cleaning

ROOT = Path(__file__).resolve().parents[1]
REAL = next((p for p in (ROOT.parent/'shared'/'data'/'real', Path('/work/shared/data/real')) if p.exists()), None)

def statsmodels_frames() -> dict:
    "The statsmodels series as (frame, time column, target)."
    import statsmodels.datasets.elec_equip as E, statsmodels.datasets.macrodata as M
    import statsmodels.datasets.nile as N, statsmodels.datasets.sunspots as S, statsmodels.datasets.co2 as C
    e = E.load().data.rename_axis('date').reset_index()
    m = M.load_pandas().data
    m['date'] = pd.PeriodIndex.from_fields(year=m['year'].astype(int), quarter=m['quarter'].astype(int),
                                           freq='Q').to_timestamp()
    n = (N.load_pandas().data.assign(date=lambda d: pd.to_datetime(d['year'].astype(int).astype(str)))
         .drop(columns='year'))
    s = (S.load_pandas().data.assign(date=lambda d: pd.to_datetime(d['YEAR'].astype(int).astype(str)))
         .drop(columns='YEAR'))
    c = C.load_pandas().data.rename_axis('date').reset_index()
    return {'elec_equip': (e, 'date', e.columns[1]),
            'macrodata': (m.drop(columns=['year', 'quarter']), 'date', 'realgdp'),
            'nile': (n, 'date', 'volume'), 'sunspots': (s, 'date', 'SUNACTIVITY'), 'co2': (c, 'date', 'co2')}

def real_frames() -> dict:
    "The shared real datasets as (frame, time column, target); occupancy's three periods joined, snapped to the minute."
    out = {}
    if REAL is None: return out
    for name, path, target in [('etth1', 'etth1/ETTh1.csv', 'OT'), ('ili', 'ili/national_illness.csv', 'OT'),
                               ('exchange_rate', 'exchange_rate/exchange_rate.csv', 'OT'),
                               ('wind', 'wind/wind.csv', 'target')]:
        ds = load_dataset(RunConfig(data=str(REAL/path), target=target))
        out[name] = (ds.frame, ds.time_col, target)
    o = pd.concat([pd.read_csv(REAL/'occupancy'/f, index_col=0)
                   for f in ('datatest.txt', 'datatraining.txt', 'datatest2.txt')])
    o['date'] = pd.to_datetime(o['date']).dt.round('min')
    out['occupancy'] = (o.sort_values('date').drop_duplicates('date').reset_index(drop=True), 'date', 'Occupancy')
    return out

def changed(before, after, time_col) -> dict:
    "Per column, the values that differ (missing on both sides is no change); dropped columns not counted."
    out = {}
    for c in after.columns:
        if c == time_col: continue
        a, b = before[c], after[c]
        n = int((~((a == b) | (a.isna() & b.isna()))).sum())
        if n: out[c] = n
    return out

def run_case(df, tcol, target, placeholders=None):
    "(findings, plan, changes per column, seconds)."
    t0 = time.perf_counter()
    df = parse_time(df, tcol).reset_index(drop=True)
    found = detect_problems(df, tcol, target, infer_freq(df[tcol]))
    plan = plan_cleaning(df, tcol, target, found, placeholders)
    clean, _ = apply_plan(df, plan, tcol)
    return found, plan, changed(df, clean, tcol), time.perf_counter() - t0

def plant(df, tcol, target, seed):
    """A copy of `df` with -200 for 'missing' in 2-3 measured columns (target included) on the same random rows, and the
    rows."""
    rng = np.random.default_rng(seed)
    num = [c for c in df.columns if c not in (tcol, target) and pd.api.types.is_numeric_dtype(df[c])]
    cols = [target, *rng.choice(num, min(len(num), int(rng.integers(1, 3))), replace=False)]
    rows = rng.choice(len(df), int(len(df) * rng.uniform(.01, .08)), replace=False)
    out = df.copy()
    for c in cols: out[c] = out[c].astype(float); out.loc[rows, c] = -200.
    return out, cols, np.sort(rows)

def main():
    lines = ['# Values changed by the cleaning step', '',
             'Unplanted real datasets: values changed per column by the applied decisions (masking; conversions and',
             'imputation happen inside the backtest folds and are not counted here), and the columns the detectors '
             'flag',
             '(warning or critical). Goal: no change on a column without a real problem, and no clipping at all.', '',
             '| dataset | rows | values changed | columns changed | flagged columns | applied | proposed | seconds |',
             '|---|---|---|---|---|---|---|---|']
    cases = {**real_frames(), **statsmodels_frames()}
    for name, (df, tcol, target) in cases.items():
        found, plan, ch, s = run_case(df, tcol, target)
        flagged = sorted({f.column for f in found if f.severity != 'info' and f.column in df})
        act = [d.id for d in plan if d.active and d.action not in ('impute', 'drop_column')]
        prop = [d.id for d in plan if d.state == 'proposed']
        lines.append(f"| {name} | {len(df):,} | {sum(ch.values())} | {ch or '-'} | {', '.join(flagged) or '-'} | "
                     f"{', '.join(act) or '-'} | {', '.join(prop) or '-'} | {s:.1f} |")
        print(lines[-1], flush=True)
    lines += ['', '## Planted placeholders (-200 in the target and 1-2 other columns, same rows, 1-8% of rows)', '',
              'Placeholders given to the plan as `placeholder_values` would give them (the detectors helper adds that',
              'function); counted: planted values masked, and values changed that were not planted (goal 0). The last',
              "column: values masked when the plan gets no list (this branch's detectors alone, before "
              "placeholder_values).", '',
              '| dataset | seed | columns | planted values | masked | other values changed | masked without the list |',
              '|---|---|---|---|---|---|---|']
    for name in ('etth1', 'wind', 'ili', 'elec_equip'):
        if name not in cases: continue
        df, tcol, target = cases[name]
        for seed in range(3):
            p, cols, rows = plant(df, tcol, target, seed)
            _, _, ch, _ = run_case(p, tcol, target, placeholders={c: [-200.] for c in cols})
            masked = sum(ch.get(c, 0) for c in cols)
            clean_found = run_case(df, tcol, target)[2]  # what the unplanted data already changes
            other = sum(v for c, v in ch.items() if c not in cols) - sum(v for c, v in clean_found.items()
                                                                         if c not in cols)
            alone = sum(run_case(p, tcol, target)[2].get(c, 0) for c in cols)
            lines.append(f"| {name} | {seed} | {', '.join(cols)} | {len(rows) * len(cols)} | {masked} | {other} | "
                         f"{alone} |")
            print(lines[-1], flush=True)
    (ROOT/'benchmarks'/'repair_changes.md').write_text('\n'.join(lines) + '\n')

if __name__ == '__main__': main()
