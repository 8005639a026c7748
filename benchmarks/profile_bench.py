"""Profiling benchmark: mlkit's data profile plus every silent-error detector against ydata-profiling (minimal=True).

Usage (from the repository root; the lock keeps two benchmarks from measuring at the same time):
    bash benchmarks/profile_setup.sh && flock /tmp/mlkit-bench.lock .venv/bin/python benchmarks/profile_bench.py
(plain `bash benchmarks/profile_setup.sh && .venv/bin/python benchmarks/profile_bench.py` works too.)
Options: --sizes 100000,1000000  --repeats 3 (mlkit runs per size)  --peer-repeats 3 (ydata-profiling runs per size);
the fastest run of each is reported (the goal is judged fastest against fastest), with the ratio of the median runs
beside it (this machine's speed varies by up to 50% within minutes); every run is listed.

Data: a synthetic hourly frame of N rows x 25 columns (seed 0, saved once to benchmarks/.cache/profile_N.parquet):
the timestamp, 18 numeric sensor/business columns (temperatures, humidity, pressure, wind, counts, sales, power,
...), 5 text columns (station, sensor model, a status code, a free-text note, a record key) and the numeric target.
About 1-3% missing values in most columns, plus planted silent errors so the detectors do real work: 0.2% of
temp_c in Fahrenheit, a stuck feels_like run, humidity 0 and negative visits (impossible values), -999 pressures
and '?' sensor models (disguised nulls), month-end rows of `orders` holding the month's total (mixed granularity),
isolated wind_speed spikes (outliers), 'North'/'north ' station spellings (category variants), words among the
numeric status codes (mixed types), a record_id column (identifier), duplicated timestamps and a gap in the clock.

Contenders, each in a fresh subprocess on the same Parquet file (reading it is not timed, imports are not timed; each
subprocess first runs its contender once on a 5,000-row frame of the same design, untimed, so that lazy imports and
first-call costs are out of both the timing and the memory figures):
  mlkit    p = mlkit.eda.profile(df); mlkit.eda.time_coverage(df.ts, 'h');
           mlkit.cleaning.detect_problems(df, 'ts', 'y', 'h', profile=p)
           (mlkit's venv: .venv)
  ydata    ydata_profiling.ProfileReport(df, minimal=True): get_description() (the statistics, timed as `seconds`), then
           to_json() on the computed description (reported separately; benchmarks/.venv-profile, see profile_setup.sh)

Memory: the subprocess's resident set (RSS). After imports and reading the frame, the memory the Parquet reader freed
is handed back to the OS (Arrow pool release + malloc_trim) and the kernel's peak-RSS mark is reset
(/proc/self/clear_refs), so `peak` is the highest RSS during the work alone. Reported: the frame's in-memory size
(df.memory_usage(deep=True).sum(), in the contender's own pandas), RSS before reading the frame (interpreter and
libraries), RSS with the frame loaded, the peak during the work, and `peak / frame` = (peak - RSS before the frame) /
frame size, i.e. the frame plus everything the work allocates on top, in units of the frame (goal: <= 3).
BLAS/OpenMP threads are pinned to 1 for both; ydata-profiling keeps its default thread pool (2 threads here), and
mlkit's profile and detect_problems theirs (one thread per core: 2 here). Load average is recorded before every run:
the machine is shared, so the CPU time of the work (process_time, all threads) is reported next to the wall time; it
is less sensitive to other jobs.
"""
import json, os, platform, resource, statistics, subprocess, sys, threading, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE/'.cache'
MLKIT_PY, PEER_PY = sys.executable, str(HERE/'.venv-profile'/'bin'/'python')
SIZES, REPEATS, PEER_REPEATS, SEED, LIMIT, WARMUP = (100_000, 1_000_000), 3, 3, 0, 3600, 5_000
THREADS_ENV = {'OMP_NUM_THREADS': '1', 'OPENBLAS_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1', 'NUMBA_NUM_THREADS': '1'}

def make_data(n:int) -> Path:
    "The synthetic hourly frame of `n` rows x 25 columns with planted silent errors (seed 0), saved once as Parquet."
    import numpy as np, pandas as pd
    path = CACHE/f'profile_{n}.parquet'
    if path.exists(): return path
    rng, n_out, n = np.random.default_rng(SEED), n, n + 24 * 5  # the gap below removes 5 days of rows
    ts = pd.date_range('1990-01-01', periods=n, freq='h')
    hour, dow, doy = ts.hour.to_numpy(), ts.day_of_week.to_numpy(), ts.day_of_year.to_numpy()
    daily, yearly = np.sin(2 * np.pi * (hour - 9) / 24), np.sin(2 * np.pi * (doy - 100) / 365.25)
    temp = 12 + 10 * yearly + 3 * daily + np.cumsum(rng.normal(0, .05, n)) % 4 + rng.normal(0, 1.5, n)
    load = 300 + 80 * daily + 40 * (dow < 5) - 3 * temp + rng.normal(0, 15, n)
    visits = rng.poisson(100 * (1 + .3 * (dow < 5)) * (1 + .5 * np.sin(2 * np.pi * hour / 24)))
    orders = rng.poisson(.2 * visits)
    solar = np.clip(800 * daily, 0, None) * rng.uniform(.3, 1, n)
    df = pd.DataFrame({
        'ts': ts,
        'temp_c': temp.round(2),
        'feels_like': (temp - 2 + rng.normal(0, .5, n)).round(2),
        'humidity': rng.uniform(.3, .95, n).round(3),
        'pressure_hpa': rng.normal(1013, 8, n).round(1),
        'wind_speed': rng.gamma(2, 2, n).round(2),
        'wind_dir': rng.uniform(0, 360, n).round(0),
        'rain_mm': np.where(rng.random(n) < .9, 0, rng.exponential(2, n)).round(1),
        'solar_wm2': solar.round(1),
        'co2_ppm': (420 + 30 * daily + rng.normal(0, 10, n)).round(1),
        'noise_db': rng.normal(55, 6, n).round(1),
        'visits': visits,
        'orders': orders,
        'sales': (orders * rng.lognormal(3, .6, n)).round(2),
        'price': rng.choice([9.99, 12.5, 14.0, 19.99, 24.0], n),
        'load_kw': load.round(2),
        'current_a': (load / .23 + rng.normal(0, 20, n)).round(1),
        'voltage': rng.normal(230, 2, n).round(1),
        'is_holiday': (rng.random(n) < .03).astype(int),
        'station': rng.choice(['north', 'south', 'east', 'west'], n),
        'sensor_model': rng.choice([f'SM-{i:03d}' for i in range(40)], n),
        'status': rng.choice(['200', '201', '204', '301', '404', '500'], n, p=[.8, .05, .05, .04, .04, .02]),
        'note': np.where(rng.random(n) < .9, None,
                         np.char.add('maintenance ticket ', rng.integers(0, 5000, n).astype(str))),
        'record_id': np.char.add('R', np.arange(n).astype(str)),
        'y': (50 + 2 * temp + .1 * visits + .05 * load + rng.normal(0, 2, n)).round(3)})
    rows = lambda share: np.sort(rng.choice(np.arange(100, n - 100), max(int(n * share), 5), replace=False))
    for c in ['temp_c', 'feels_like', 'humidity', 'pressure_hpa', 'wind_speed', 'co2_ppm', 'noise_db', 'sales',
              'load_kw', 'y']:
        df.loc[rows(rng.uniform(.01, .03)), c] = np.nan  # ordinary missing values
    df.loc[rows(.01), 'station'] = None
    r = rows(.002); df.loc[r, 'temp_c'] = (df.loc[r, 'temp_c'] * 1.8 + 32).round(2)  # mixed units
    df.loc[n // 3:n // 3 + 47, 'feels_like'] = df.loc[n // 3, 'feels_like']  # a stuck sensor for two days
    df.loc[rows(.0005), 'humidity'] = 0.; df.loc[rows(.0002), 'visits'] *= -1  # impossible values
    df.loc[rows(.001), 'pressure_hpa'] = -999.; df.loc[rows(.001), 'sensor_model'] = '?'  # disguised nulls
    ends = np.flatnonzero(ts.is_month_end & (hour == 23))[:12]  # the first 12 month ends hold the month's total orders
    df.loc[ends, 'orders'] = df.groupby(ts.to_period('M'))['orders'].transform('sum').to_numpy()[ends]
    df.loc[rows(.0001), 'wind_speed'] = 250.  # isolated outliers
    df.loc[rows(.001), 'station'] = 'North'; df.loc[rows(.0005), 'station'] = 'north '  # category variants
    df.loc[rows(.0005), 'status'] = 'timeout'  # mixed types
    dup = df.iloc[rows(.0001)].assign(visits=lambda d: d['visits'] + 7)  # conflicting duplicated timestamps
    df = pd.concat([df, dup]).sort_values('ts', kind='stable').reset_index(drop=True)
    # a five-day gap; n_out rows exactly
    df = df.drop(index=range(n // 2, n // 2 + 24 * 5)).reset_index(drop=True).iloc[:n_out]
    assert df.shape == (n_out, 25), df.shape
    CACHE.mkdir(exist_ok=True); df.to_parquet(path)
    return path

# ---- workers: run in a subprocess; return a dict of timings and facts ----
def run_mlkit(df) -> dict:
    from mlkit.eda import profile, time_coverage
    from mlkit.cleaning import detect_problems
    c0, t0 = time.process_time(), time.perf_counter(); prof = profile(df)
    t1 = time.perf_counter(); cov = time_coverage(df['ts'], 'h')
    # the profile's distinct counts are reused
    t2 = time.perf_counter(); found = detect_problems(df, 'ts', 'y', 'h', profile=prof)
    t3, c3 = time.perf_counter(), time.process_time()
    kinds = sorted({f'{f.check}:{f.column}' for f in found})
    return dict(seconds=t3 - t0, cpu_seconds=round(c3 - c0, 3),
                parts=dict(profile=round(t1 - t0, 3), time_coverage=round(t2 - t1, 3),
                           detect_problems=round(t3 - t2, 3)),
                profiled_columns=len(prof), coverage_facts=len(cov), findings=len(found), finding_kinds=kinds)

def run_ydata(df) -> dict:
    from ydata_profiling import ProfileReport
    c0, t0 = time.process_time(), time.perf_counter()
    report = ProfileReport(df, minimal=True, progress_bar=False)
    desc = report.get_description()
    t1, c1 = time.perf_counter(), time.process_time(); js = report.to_json(); t2 = time.perf_counter()
    return dict(seconds=t1 - t0, cpu_seconds=round(c1 - c0, 3),
                parts=dict(get_description=round(t1 - t0, 3), to_json=round(t2 - t1, 3)),
                profiled_columns=len(desc.variables), alerts=len(desc.alerts), json_chars=len(js))

PRELOAD = {'mlkit': ['mlkit.eda', 'mlkit.cleaning'], 'ydata': ['ydata_profiling']}

def _rss_kb() -> int:
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'): return int(line.split()[1])
    return 0

def _release_free_memory():
    "Return freed heap to the OS: Arrow's memory pool and glibc's malloc arenas."
    import ctypes, gc
    gc.collect()
    try:
        import pyarrow as pa; pa.default_memory_pool().release_unused()
    except Exception: pass
    try: ctypes.CDLL('libc.so.6').malloc_trim(0)
    except Exception: pass

def _reset_peak() -> bool:
    "Reset the kernel's peak-RSS mark (VmHWM) of this process; False if not allowed."
    try:
        with open('/proc/self/clear_refs', 'w') as f: f.write('5')
        return True
    except OSError: return False

def _peak_kb() -> int:
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'): return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

def worker(name:str, n:int):
    "Run one contender once on n rows in this process; print a JSON line."
    import warnings; warnings.filterwarnings('ignore')
    import pandas as pd
    for m in PRELOAD[name]: __import__(m)  # imports are not timed
    run = globals()[f'run_{name}']
    run(pd.read_parquet(CACHE/f'profile_{WARMUP}.parquet'))  # warm-up on 5,000 rows: lazy imports, JIT, code pages
    _release_free_memory()
    rss_base = _rss_kb()
    df = pd.read_parquet(CACHE/f'profile_{n}.parquet')
    frame = int(df.memory_usage(deep=True).sum())
    _release_free_memory()  # give back what the Parquet reader freed, so that `rss_loaded` is the frame, not the reader
    rss_loaded = _rss_kb()
    reset = _reset_peak()
    sampled = [rss_loaded]  # a 5 ms RSS sampler backs up the kernel's mark if it cannot be reset
    stop = threading.Event()
    def sample():
        while not stop.wait(.005): sampled.append(_rss_kb())
    th = threading.Thread(target=sample, daemon=True); th.start()
    r = run(df)
    stop.set(); th.join()
    peak = _peak_kb() if reset else max(sampled)
    mb = lambda kb: round(kb / 1024, 1)
    r.update(contender=name, n=n, seconds=round(r['seconds'], 3), frame_mb=round(frame / 2**20, 1),
             rss_base_mb=mb(rss_base),
             rss_loaded_mb=mb(rss_loaded), peak_rss_mb=mb(peak),
             peak_over_frame=round((peak - rss_base) * 1024 / frame, 2),
             extra_over_frame=round((peak - rss_loaded) * 1024 / frame, 2), peak_from='VmHWM' if reset else 'sampled',
             pandas=pd.__version__, python=platform.python_version(), version=_version(name))
    print(json.dumps(r))

def _version(name):
    from importlib.metadata import version
    try: return version({'mlkit': 'mlkit', 'ydata': 'ydata-profiling'}[name])
    except Exception: return None

def _git_commit():
    try:
        return subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=HERE, capture_output=True,
                              text=True).stdout.strip()
    except Exception: return None

def measure(name:str, n:int) -> dict:
    py = MLKIT_PY if name == 'mlkit' else PEER_PY
    load = os.getloadavg()[0]
    try:
        p = subprocess.run([py, __file__, '--worker', name, str(n)], capture_output=True, text=True, timeout=LIMIT,
                           env=os.environ | THREADS_ENV)
        r = (json.loads(p.stdout.strip().splitlines()[-1]) if p.returncode == 0
             else dict(contender=name, n=n, error=(p.stderr.strip().splitlines() or ['?'])[-1][:300]))
    except subprocess.TimeoutExpired: r = dict(contender=name, n=n, error=f'not finished in {LIMIT} s')
    r['load_before'] = round(load, 2)
    print(json.dumps(r), flush=True)
    return r

def main(sizes, repeats, peer_repeats):
    if not Path(PEER_PY).exists(): sys.exit('run benchmarks/profile_setup.sh first')
    runs = []
    for n in (WARMUP, *sizes): make_data(n)
    for n in sizes:
        for name in ('mlkit', 'ydata'):
            for _ in range(repeats if name == 'mlkit' else peer_repeats): runs.append(measure(name, n))
    best = {}
    for r in runs:  # per contender and size: the fastest run (its memory figures come with it)
        k = (r['contender'], r['n'])
        if 'error' in r and k not in best: best[k] = r
        elif 'seconds' in r and ('seconds' not in best.get(k, {}) or r['seconds'] < best[k]['seconds']): best[k] = r
    machine = dict(cores=os.cpu_count(), machine=platform.machine(), python=platform.python_version(),
                   mem_gb=round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30, 1),
                   git_commit=_git_commit(),
                   date=time.strftime('%Y-%m-%d %H:%M'), threads=THREADS_ENV)
    summary = summarise(best, sizes, runs)
    (HERE/'profile_results.json').write_text(json.dumps(dict(machine=machine, summary=summary, best=list(best.values()),
                                                             runs=runs), indent=1) + '\n')
    write_table(machine, summary, best, runs, sizes)

def summarise(best, sizes, runs=()) -> dict:
    "The goals: speedup >= 10x, peak memory <= 3x the frame, 1M-row time / 100k-row time close to 10 (linear)."
    s = {}
    median = lambda name, n: statistics.median([r['seconds'] for r in runs if r['contender'] == name and r['n'] == n
                                                and 'seconds' in r] or [float('nan')])
    for n in sizes:
        m, y = best.get(('mlkit', n), {}), best.get(('ydata', n), {})
        ok = 'seconds' in m and 'seconds' in y
        s[n] = dict(speedup=round(y['seconds'] / m['seconds'], 2) if ok else None,
                    speedup_cpu=round(y['cpu_seconds'] / m['cpu_seconds'], 2) if ok else None,
                    speedup_vs_json=round((y['seconds'] + y['parts']['to_json']) / m['seconds'], 2) if ok else None,
                    speedup_median=round(median('ydata', n) / median('mlkit', n), 2) if ok and runs else None,
                    mlkit_peak_over_frame=m.get('peak_over_frame'), ydata_peak_over_frame=y.get('peak_over_frame'))
    if len(sizes) >= 2:
        a, b = min(sizes), max(sizes)
        for name in ('mlkit', 'ydata'):
            ra, rb = best.get((name, a), {}), best.get((name, b), {})
            ok = 'seconds' in ra and 'seconds' in rb
            s[f'{name}_scaling'] = dict(rows_ratio=b / a, time_ratio=round(rb['seconds'] / ra['seconds'], 2) if ok
                                        else None,
                                        cpu_ratio=round(rb['cpu_seconds'] / ra['cpu_seconds'], 2) if ok else None,
                                        # memory per extra frame-MB between the sizes: fixed costs (runtime, allocator
                                        # pools) cancel out
                                        marginal_peak_over_frame=round(((rb['peak_rss_mb'] - rb['rss_base_mb'])
                                                                        - (ra['peak_rss_mb'] - ra['rss_base_mb']))
                                                                       / (rb['frame_mb'] - ra['frame_mb']), 2) if ok
                                                                       else None)
    return s

def write_table(machine, summary, best, runs, sizes):
    "benchmarks/profile_results.md"
    a, b = min(sizes), max(sizes)
    count = lambda name: sum(1 for r in runs if r['contender'] == name and r['n'] == a)
    L = ['# Profiling benchmark: mlkit profile + detectors vs ydata-profiling (minimal=True)', '',
         f"Machine: {machine['cores']} cores, {machine['mem_gb']} GB, {machine['machine']}, Python "
         f"{machine['python']}; mlkit commit {machine['git_commit']}; {machine['date']}. Shared machine: the 1-minute "
         f"load average before each run is "
         "listed (on 2 cores, above 2 means the run shared its CPU with other jobs). Design: see the profile_bench.py "
         "docstring.", '',
         '| rows | contender | wall s | CPU s | mlkit speedup (wall / CPU / vs describe+to_json) | frame MB | RSS '
         'before frame MB | RSS with frame MB | peak RSS in work MB | peak / frame | load | parts (wall s) |',
         '|---|---|---|---|---|---|---|---|---|---|---|---|']
    for n in sizes:
        for name in ('mlkit', 'ydata'):
            r = best.get((name, n))
            if r is None: continue
            if 'error' in r: L.append(f"| {n:,} | {name} | - | - | - | - | - | - | - | - | {r['load_before']} | "
                                      f"{r['error']} |"); continue
            sm = summary[n]
            sp = (f"{sm['speedup']:.2f}x / {sm['speedup_cpu']:.2f}x / {sm['speedup_vs_json']:.2f}x"
                  if name == 'ydata' and sm['speedup'] else '')
            L.append(f"| {n:,} | {name} {r['version']} (pandas {r['pandas']}) | {r['seconds']:.2f} | "
                     f"{r['cpu_seconds']:.2f} | {sp} | {r['frame_mb']} | {r['rss_base_mb']} | {r['rss_loaded_mb']} | "
                     f"{r['peak_rss_mb']} | {r['peak_over_frame']:.2f} | "
                     f"{r['load_before']} | {', '.join(f'{k} {v}' for k, v in r['parts'].items())} |")
    L += ['', '`wall s`: mlkit = profile + time_coverage + detect_problems; ydata = '
          'ProfileReport(minimal=True).get_description(); '
          "ydata's to_json() on the computed description is listed under parts and counted only in the third speedup. "
          "`CPU s`: "
          'process CPU time of the same work (all threads). `speedup` = ydata / mlkit (above 1: mlkit is faster). '
          '`peak / frame` = (peak RSS during the work - RSS before reading the frame) / frame size: the frame plus '
          'the working memory, in frames '
          "(each contender's own frame: pandas 3 keeps text as Arrow strings, pandas 2 as Python objects). Fastest of "
          f"{count('mlkit')} runs per size for mlkit, of {count('ydata')} for ydata (all runs listed "
          f"below).", '', '## Goals', '']
    for n in sizes:
        sm = summary[n]; sp = sm['speedup']
        L.append(f"- {n:,} rows: mlkit speedup {sp}x wall (fastest against fastest; {sm.get('speedup_median')}x median "
                 f"against median), {sm['speedup_cpu']}x CPU, {sm['speedup_vs_json']}x counting ydata's to_json -> "
                 f"{'met' if sp and sp >= 10 else 'NOT met'} (goal >= 10x); mlkit peak / frame "
                 f"{sm['mlkit_peak_over_frame']} -> "
                 f"{'met' if (sm['mlkit_peak_over_frame'] or 99) <= 3 else 'NOT met'} (goal <= 3; ydata: "
                 f"{sm['ydata_peak_over_frame']})")
    ms, ys = summary.get('mlkit_scaling', {}), summary.get('ydata_scaling', {})
    if ms.get('time_ratio'):
        linear = max(ms['time_ratio'], ms['cpu_ratio']) <= ms['rows_ratio'] * 1.2
        L.append(f"- rows scaling {a:,} -> {b:,} ({ms['rows_ratio']:.0f}x rows): mlkit time x{ms['time_ratio']} wall, "
                 f"x{ms['cpu_ratio']} CPU -> {'linear or better: met' if linear else 'superlinear: NOT met'} (ydata: "
                 f"x{ys.get('time_ratio')} wall, x{ys.get('cpu_ratio')} CPU)")
        L.append(f"- memory growth {a:,} -> {b:,} rows: each extra MB of frame costs {ms['marginal_peak_over_frame']} "
                 f"MB of peak for mlkit (frame included), {ys.get('marginal_peak_over_frame')} MB for ydata"
                 + (f"; at {a:,} rows the peak / frame ratio is dominated by fixed costs of the runtime "
                    f"(Arrow/allocator pools, kernels), not by the data"
                    if (ms['marginal_peak_over_frame'] or 99) <= 3 < (summary[a]['mlkit_peak_over_frame'] or 0)
                    else ''))
    L += ['', '## All runs', '',
          '| rows | contender | wall s | CPU s | peak RSS MB | peak / frame | load before | findings / alerts |',
          '|---|---|---|---|---|---|---|---|']
    for r in runs:
        if 'error' in r:
            L.append(f"| {r['n']:,} | {r['contender']} | - | - | - | - | {r['load_before']} | {r['error']} |"); continue
        L.append(f"| {r['n']:,} | {r['contender']} | {r['seconds']:.2f} | {r['cpu_seconds']:.2f} | {r['peak_rss_mb']} "
                 f"| {r['peak_over_frame']:.2f} | {r['load_before']} | {r.get('findings', r.get('alerts'))} |")
    m = best.get(('mlkit', b), {})
    if m.get('finding_kinds'):
        L += ['', f"mlkit findings at {b:,} rows (check:column): " + ', '.join(m['finding_kinds'])]
    (HERE/'profile_results.md').write_text('\n'.join(L) + '\n')

if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--worker': worker(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) > 1 and sys.argv[1] == '--table':  # re-render profile_results.md from profile_results.json
        d = json.loads((HERE/'profile_results.json').read_text())
        sizes = tuple(sorted({r['n'] for r in d['runs']}))
        best = {(r['contender'], r['n']): r for r in d['best']}
        write_table(d['machine'], summarise(best, sizes, d['runs']), best, d['runs'], sizes)
    else:
        import argparse
        ap = argparse.ArgumentParser()
        ap.add_argument('--sizes', default=','.join(map(str, SIZES)))
        ap.add_argument('--repeats', type=int, default=REPEATS)
        ap.add_argument('--peer-repeats', type=int, default=PEER_REPEATS)
        a = ap.parse_args()
        main(tuple(int(s) for s in a.sizes.split(',')), a.repeats, a.peer_repeats)
