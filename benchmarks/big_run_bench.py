"""An end-to-end `mlkit run` on a large synthetic hourly dataset (issue 14: 1,000,000 rows x 25 columns completes).

The data (seeded): an hourly target with a daily and a weekly cycle whose strength depends on some of the columns
(temperature, rain, a holiday flag, a weather category), twenty numeric columns (some driving the target, some
noise, a slowly drifting one, a few with missing values), three categorical columns, about 1% of the target missing.
It is written as Parquet and run through the command line as a user would (`mlkit run --data FILE --target load`)
in a subprocess, while the peak resident memory of the whole process tree (the runner and its Jupyter kernels) is
sampled every `--interval` seconds with psutil. Recorded: exit status, wall time, peak memory (tree and largest
single process), each step's seconds and status from the run's manifest.
Usage: `python benchmarks/big_run_bench.py [--rows 1000000] [--out benchmarks/big_run_results]`.
"""
from __future__ import annotations
import argparse, json, os, subprocess, sys, tempfile, threading, time
from datetime import datetime, timezone
from pathlib import Path
import numpy as np, pandas as pd, psutil
from scipy.signal import lfilter

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
N_NUMERIC, CATEGORIES = 20, {'weather': ['clear', 'cloudy', 'rain', 'snow'],
                             'site': ['north', 'south', 'east', 'west', 'centre'], 'shift': ['day', 'night']}

def make_data(rows:int, seed:int=0) -> pd.DataFrame:
    "`rows` hourly rows x 25 columns: time, target `load`, 20 numeric and 3 categorical columns (see the docstring)."
    rng = np.random.default_rng(seed)
    time_ = pd.date_range('1990-01-01', periods=rows, freq='h')
    hour, dow = time_.hour.to_numpy(), time_.day_of_week.to_numpy()
    doy = time_.day_of_year.to_numpy()
    temp = 12 + 10 * np.sin(2 * np.pi * (doy - 110) / 365.25) + 4 * np.sin(2 * np.pi * (hour - 9) / 24) \
        + rng.normal(0, 2, rows)
    rain = np.clip(rng.gamma(0.3, 2, rows) - 0.5, 0, None)
    holiday = (rng.random(rows // 24 + 1) < 0.03).repeat(24)[:rows]
    weather = np.where(rain > 1, 2, np.where(temp < 0, 3, rng.integers(0, 2, rows)))
    daily = np.sin(2 * np.pi * (hour - 6) / 24) + 0.5 * np.sin(4 * np.pi * (hour - 8) / 24)
    weekday = np.where(dow < 5, 1.0, 0.6) * np.where(holiday, 0.7, 1.0)
    load = 100 + 40 * daily * weekday + 1.5 * np.abs(temp - 16) - 5 * rain - 8 * (weather == 3) \
        + np.cumsum(rng.normal(0, 0.05, rows)) + rng.normal(0, 6, rows)
    cols = {'time': time_, 'load': load, 'temp': temp, 'rain': rain, 'holiday': holiday.astype(int),
            'humidity': np.clip(70 - 1.2 * (temp - 12) + 15 * (rain > 0) + rng.normal(0, 8, rows), 5, 100),
            'wind': rng.weibull(2, rows) * 5, 'pressure': 1013 + lfilter([1], [1, -0.995], rng.normal(0, 0.3, rows)),
            'price': 50 + 10 * daily + rng.normal(0, 3, rows),
            'drift': np.linspace(0, 5, rows) + rng.normal(0, 1, rows)}
    for i in range(N_NUMERIC - (len(cols) - 2)): cols[f'sensor_{i}'] = rng.normal(0, 1, rows) + 0.1 * i
    for name, levels in CATEGORIES.items():
        codes = weather if name == 'weather' else (hour >= 18) | (hour < 6) if name == 'shift' \
            else rng.integers(0, len(levels), rows)
        cols[name] = pd.Categorical.from_codes(np.asarray(codes, int), levels).astype(str)
    df = pd.DataFrame(cols)
    for c in ('humidity', 'wind', 'sensor_0', 'price'): df.loc[rng.random(rows) < 0.02, c] = np.nan
    df.loc[rng.random(rows) < 0.01, 'load'] = np.nan
    return df

def tree_rss(p:psutil.Process) -> tuple[int, int]:
    "Resident bytes of `p` and all its descendants together, and of the largest one alone."
    sizes = []
    for q in [p, *p.children(recursive=True)]:
        try: sizes.append(q.memory_info().rss)
        except (psutil.NoSuchProcess, psutil.AccessDenied): pass
    return sum(sizes), max(sizes, default=0)

def run_sampled(cmd:list, env:dict, interval:float) -> dict:
    "Run `cmd`, sampling its process tree's memory; exit status, wall seconds, peak tree and single-process bytes."
    peak = [0, 0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ps = psutil.Process(proc.pid)
    def sample():
        while proc.poll() is None:
            try: tree, single = tree_rss(ps)
            except psutil.NoSuchProcess: break
            peak[0], peak[1] = max(peak[0], tree), max(peak[1], single)
            time.sleep(interval)
    sampler = threading.Thread(target=sample, daemon=True); sampler.start()
    out = proc.stdout.read(); proc.wait(); sampler.join()
    return dict(exit=proc.returncode, seconds=time.perf_counter() - t0, peak_tree=peak[0], peak_single=peak[1],
                output=out)

def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--rows', type=int, default=1_000_000)
    ap.add_argument('--interval', type=float, default=0.5, help='seconds between memory samples')
    ap.add_argument('--keep', default=None, help='keep the reports in this folder (default: a temporary one)')
    ap.add_argument('--out', default=str(HERE/'big_run_results'))
    ap.add_argument('--note', default='', help='a sentence on the conditions (e.g. other work on the machine)')
    a = ap.parse_args(argv)
    env = {**os.environ, 'PYTHONPATH': str(ROOT)}
    # the code measured is the checkout's when the run starts (its kernels import it step by step: keep it unchanged)
    head = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t = time.perf_counter(); df = make_data(a.rows); data = tmp/f'big_{a.rows}.parquet'; df.to_parquet(data)
        print(f'data: {df.shape}, {time.perf_counter() - t:.1f} s, {data.stat().st_size / 2**20:.0f} MiB', flush=True)
        reports = Path(a.keep) if a.keep else tmp/'reports'
        load0 = os.getloadavg()
        res = run_sampled([sys.executable, '-m', 'mlkit', 'run', '--data', str(data), '--target', 'load',
                           '--name', f'big{a.rows}', '--reports', str(reports)], env, a.interval)
        manifest_path = reports/f'big{a.rows}'/'manifest.json'
        m = json.loads(manifest_path.read_text()) if manifest_path.exists() else {'steps': []}
    steps = [dict(step=s['step'], status=s['status'], seconds=s.get('seconds'), error=s.get('error'))
             for s in m['steps']]
    out = dict(meta=dict(commit=head, date=datetime.now(timezone.utc).isoformat(timespec='seconds'),
                         cores=os.cpu_count(), load_before=load0, load_after=os.getloadavg()),
               rows=a.rows, columns=df.shape[1], exit=res['exit'], seconds=round(res['seconds'], 1),
               peak_tree_mib=round(res['peak_tree'] / 2**20), peak_single_mib=round(res['peak_single'] / 2**20),
               steps=steps, tail=res['output'].strip().splitlines()[-8:])
    print(json.dumps(out, indent=1))
    path = Path(a.out)
    path.with_suffix('.json').write_text(json.dumps(out, indent=1) + '\n')
    L = [f'# `mlkit run` on {a.rows:,} hourly rows x {df.shape[1]} columns', '',
         f"Commit `{head}`, {out['meta']['date']}, {os.cpu_count()} cores, load average before "
         f"{load0[0]:.1f}, after {out['meta']['load_after'][0]:.1f}. Generated by `python benchmarks/big_run_bench.py"
         f"{'' if a.rows == 1_000_000 else f' --rows {a.rows}'}` (see its docstring for the data)."
         + (f' {a.note}' if a.note else ''),
         '',
         '| measurement | value |', '| --- | --- |',
         f"| exit status | {res['exit']} |", f"| wall time | {res['seconds']:.0f} s |",
         f"| peak memory, runner and kernels together | {out['peak_tree_mib']:,} MiB |",
         f"| peak memory, largest single process | {out['peak_single_mib']:,} MiB |", '',
         '| step | status | seconds |', '| --- | --- | --- |']
    L += [f"| {s['step']} | {s['status']} | {s['seconds'] if s['seconds'] is not None else ''} |" for s in steps]
    errors = [f"- {s['step']}: {s['error']}" for s in steps if s.get('error')]
    if errors: L += ['', 'Errors:', *errors]
    path.with_suffix('.md').write_text('\n'.join(L) + '\n')
    return out

if __name__ == '__main__': main()
