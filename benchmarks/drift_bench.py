"""Drift benchmark: mlkit.drift against Evidently's DataDriftPreset, NannyML's univariate drift and a scipy loop.

The issue's set-up (`mlkit.drift.planted_drift_case`): reference and new batches of ROWS rows x 25 columns, five
numeric columns shifted by 0.02, 0.05, 0.1, 0.25 and 0.5 SD, one category with 15% of its mass moved, 19 clean
columns (8 normal, 4 lognormal, 3 Poisson counts, 4 categories); the new batch spans 10 days. Each contender says which
columns drifted; a column counts as found when flagged (in any chunk, for the chunked ones), a clean column flagged
is a false alarm.

Contenders (each in its own subprocess, one thread; time = median over seeds of the call alone, data already read;
peak memory = the subprocess's peak RSS, Python, libraries and data included):
  mlkit             column_drift(reference, new, 'time'): daily chunks, KS / chi-squared with Holm over all columns
                    and chunks (alpha 0.01), alarm only above the effect floors (Wasserstein 0.075 SD, JS 0.05)
  scipy_loop        per column scipy.stats.ks_2samp / chi2_contingency on the whole batches, p < 0.05, no correction
  evidently_default Report([DataDriftPreset()]) with its defaults (normed Wasserstein / Jensen-Shannon >= 0.1 at
                    these sizes), in benchmarks/.venv-drift-evidently
  evidently_ks      DataDriftPreset(num_method='ks', cat_method='chisquare'), p < 0.05
  nannyml           UnivariateDriftCalculator with its default methods (Jensen-Shannon) and daily chunks, alerts in
                    any chunk, in benchmarks/.venv-drift-nannyml
Seeds: SEEDS_MLKIT for mlkit, SEEDS_PEERS for the peers (they are slower), fewer at 1,000,000 rows.

Usage: bash benchmarks/drift_setup.sh; nice -n 5 .venv/bin/python benchmarks/drift_bench.py  (writes drift_results.md)
"""
import json, os, platform, subprocess, sys, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE/'.cache'/'drift'
SIZES = {100_000: dict(mlkit=20, peers=2), 1_000_000: dict(mlkit=3, peers=1)}
if os.environ.get('DRIFT_BENCH_ROWS'):  # e.g. 100000: only these sizes (a partial run, said so in the results)
    SIZES = {int(r): SIZES[int(r)] for r in os.environ['DRIFT_BENCH_ROWS'].split(',')}
VENVS = {'evidently_default': HERE/'.venv-drift-evidently', 'evidently_ks': HERE/'.venv-drift-evidently',
         'nannyml': HERE/'.venv-drift-nannyml'}
SHIFTED = ['shift_0', 'shift_1', 'shift_2', 'shift_3', 'shift_4', 'category_moved']
MUST_FIND = ['shift_2', 'shift_3', 'shift_4', 'category_moved']  # the goal: >= 0.1 SD and the category
CONTENDERS = ('mlkit', 'scipy_loop', 'nannyml', 'evidently_ks', 'evidently_default')
ENV = dict(os.environ, OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1', MKL_NUM_THREADS='1', PYTHONHASHSEED='0')

def flagged_mlkit(ref, new):
    from mlkit.drift import column_drift
    t = column_drift(ref, new, 'time')
    return sorted(set(t.loc[t['alarm'], 'column']))

def flagged_scipy(ref, new):
    import pandas as pd
    from scipy import stats
    out = []
    for c in ref.columns.drop('time'):
        if pd.api.types.is_numeric_dtype(ref[c]): p = stats.ks_2samp(ref[c], new[c]).pvalue
        else:
            counts = pd.concat([ref[c].value_counts(), new[c].value_counts()], axis=1).fillna(0)
            p = stats.chi2_contingency(counts.to_numpy().T, correction=False).pvalue
        if p < 0.05: out.append(c)
    return sorted(out)

def flagged_evidently(ref, new, ks:bool):
    from evidently import Report
    from evidently.presets import DataDriftPreset
    preset = DataDriftPreset(num_method='ks', cat_method='chisquare') if ks else DataDriftPreset()
    snap = Report([preset]).run(new.drop(columns='time'), ref.drop(columns='time'))
    out = []
    for m in snap.dict()['metrics']:
        cfg = m['config']
        if not isinstance(cfg, dict) or 'column' not in cfg: continue
        pvalue = cfg['method'] in ('ks', 'chisquare', 'z')  # p-value tests flag below the threshold, distances above
        v = float(m['value'])
        if (v < cfg['threshold']) if pvalue else (v >= cfg['threshold']): out.append(cfg['column'])
    return sorted(out)

def flagged_nannyml(ref, new):
    import nannyml as nml
    cols = [c for c in ref.columns if c != 'time']
    calc = nml.UnivariateDriftCalculator(column_names=cols, timestamp_column_name='time', chunk_period='D')
    res = calc.fit(ref).calculate(new).filter(period='analysis').to_df()
    out = []
    for c in cols:
        alerts = [k for k in res.columns if k[0] == c and k[-1] == 'alert']
        if res[alerts].to_numpy().any(): out.append(c)
    return sorted(out)

def worker(contender:str, rows:int, seeds:list):
    "Run one contender on the cached batches of `seeds`; print times, flagged columns and peak RSS as JSON."
    import resource
    import pandas as pd
    fn = dict(mlkit=flagged_mlkit, scipy_loop=flagged_scipy, nannyml=flagged_nannyml,
              evidently_default=lambda r, n: flagged_evidently(r, n, False),
              evidently_ks=lambda r, n: flagged_evidently(r, n, True))[contender]
    warm = pd.read_parquet(CACHE/f'{rows}_{seeds[0]}_ref.parquet').head(2000)
    fn(warm, warm)  # imports and first-call set-up outside the timing
    runs = []
    for seed in seeds:
        ref = pd.read_parquet(CACHE/f'{rows}_{seed}_ref.parquet')
        new = pd.read_parquet(CACHE/f'{rows}_{seed}_new.parquet')
        t0 = time.perf_counter(); flagged = fn(ref, new); sec = time.perf_counter() - t0
        runs.append(dict(seed=seed, seconds=sec, flagged=flagged))
    print(json.dumps(dict(runs=runs, peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))

def cached(rows:int, seed:int):
    from mlkit.drift import planted_drift_case
    if not (CACHE/f'{rows}_{seed}_new.parquet').exists():
        ref, new, _ = planted_drift_case(rows, seed)
        ref.to_parquet(CACHE/f'{rows}_{seed}_ref.parquet'); new.to_parquet(CACHE/f'{rows}_{seed}_new.parquet')

def run(contender:str, rows:int, seeds:list, timeout:int=1800) -> dict:
    py = VENVS[contender]/'bin'/'python' if contender in VENVS else Path(sys.executable)
    env = dict(ENV, PYTHONPATH=str(HERE.parent))
    t0 = time.perf_counter()
    try:
        r = subprocess.run([str(py), __file__, '--worker', contender, str(rows), *map(str, seeds)], env=env,
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired: return dict(error=f'timed out after {timeout} s')
    if r.returncode: return dict(error=r.stderr.strip().splitlines()[-1][:200])
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out['wall'] = time.perf_counter() - t0
    return out

def summary(contender:str, rows:int, res:dict) -> dict:
    if 'error' in res: return dict(contender=contender, rows=rows, error=res['error'])
    import statistics
    runs = res['runs']
    found = [len(set(r['flagged']) & set(SHIFTED)) for r in runs]
    must = [len(set(r['flagged']) & set(MUST_FIND)) for r in runs]
    false = [len(set(r['flagged']) - set(SHIFTED)) for r in runs]
    return dict(contender=contender, rows=rows, seeds=len(runs), seconds=statistics.median(r['seconds'] for r in runs),
                found=f'{min(found)}-{max(found)}' if min(found) != max(found) else str(found[0]),
                must_find=f'{min(must)}/4' if min(must) == max(must) else f'{min(must)}-{max(must)}/4',
                false_alarms=sum(false), seeds_with_false_alarm=sum(f > 0 for f in false),
                peak_mb=res['peak_mb'], flagged_seed0=runs[0]['flagged'])

def main():
    CACHE.mkdir(parents=True, exist_ok=True)
    rows_out = []
    for rows, seeds in SIZES.items():
        for seed in range(max(seeds.values())): cached(rows, seed)
        for contender in CONTENDERS:
            n = seeds['mlkit' if contender == 'mlkit' else 'peers']
            if contender in VENVS and not (VENVS[contender]/'bin'/'python').exists():
                rows_out.append(dict(contender=contender, rows=rows, error='venv missing: run drift_setup.sh'))
                continue
            s = summary(contender, rows, run(contender, rows, list(range(n))))
            print(s, flush=True); rows_out.append(s)
            (HERE/'drift_results.json').write_text(json.dumps(rows_out, indent=1) + '\n')
            write_md(rows_out)  # after each contender, so that a run cut short keeps what it measured

START_LOAD = os.getloadavg()[0]

def goal_lines(rows_out) -> list:
    "The issue's goals per size: mlkit >= 20x faster than Evidently's preset (defaults) and faster than the scipy loop."
    t = {(r['rows'], r['contender']): r['seconds'] for r in rows_out if 'error' not in r}
    out = ['', '| rows | Evidently preset / mlkit (goal >= 20x) | scipy loop / mlkit (goal > 1x) | mlkit alarms: '
           'planted >= 0.1 SD and category (goal 4/4), clean columns (goal 0 over all seeds) |', '|---:|---|---|---|']
    for rows in SIZES:
        if (rows, 'mlkit') not in t: continue
        m = t[rows, 'mlkit']
        ratio = lambda c, goal: (f'{t[rows, c] / m:.1f}x ' + ('met' if goal(t[rows, c] / m) else 'NOT met')
                                 if (rows, c) in t else 'not measured')
        r = next(x for x in rows_out if x['rows'] == rows and x['contender'] == 'mlkit')
        evidently, scipy_loop = ratio('evidently_default', lambda r: r >= 20), ratio('scipy_loop', lambda r: r > 1)
        out.append(f"| {rows:,} | {evidently} | {scipy_loop} | {r['must_find']}, {r['false_alarms']} |")
    return out

def write_md(rows_out):
    load = os.getloadavg()
    lines = ['# Drift benchmark', '',
             f'`benchmarks/drift_bench.py`, {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}, '
             f'{platform.machine()}, '
             f'{os.cpu_count()} cores, Python {platform.python_version()}; load average {START_LOAD:.1f} at the start '
             f'and {load[0]:.1f} at the end (when it is above the number of cores, other work competed and absolute '
             'times are inflated; each contender runs alone, one thread, so their ratios hold better).', '',
             'Set-up: 25 columns; 5 numbers shifted by 0.02, 0.05, 0.1, 0.25, 0.5 SD, one category with 15% of its '
             'mass moved, 19 clean. *found*: shifted columns flagged (of 6; range over seeds); *must find*: the '
             '>= 0.1 SD shifts and the category (goal 4/4); *false alarms*: clean columns flagged, summed over seeds.',
             '', '| rows | contender | seeds | time (s, median) | found /6 | must find | false alarms (seeds with '
             'any) | peak RSS (MB) |', '|---:|---|---:|---:|---:|---:|---:|---:|']
    for r in rows_out:
        if 'error' in r: lines.append(f"| {r['rows']:,} | {r['contender']} | | error: {r['error']} | | | | |"); continue
        lines.append(f"| {r['rows']:,} | {r['contender']} | {r['seeds']} | {r['seconds']:.2f} | {r['found']} | "
                     f"{r['must_find']} | {r['false_alarms']} ({r['seeds_with_false_alarm']}) | {r['peak_mb']:.0f} |")
    planned = [(r, c) for r in SIZES for c in CONTENDERS]
    missing = [f'{c} at {r:,}' for r, c in planned if not any(x['rows'] == r and x['contender'] == c for x in rows_out)]
    if missing: lines += ['', f"Not measured (the run was cut short): {', '.join(missing)}."]
    lines += goal_lines(rows_out)
    lines += ['', 'Flagged columns, seed 0:', '']
    lines += [f"- {r['rows']:,} {r['contender']}: {', '.join(r['flagged_seed0']) or 'none'}"
              for r in rows_out if 'error' not in r]
    (HERE/'drift_results.md').write_text('\n'.join(lines) + '\n')

if __name__ == '__main__':
    if sys.argv[1:2] == ['--worker']: worker(sys.argv[2], int(sys.argv[3]), [int(s) for s in sys.argv[4:]])
    else: main()
