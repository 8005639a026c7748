"""Scale-out benchmark (issue 17): data larger than memory through the batched profile and drift, and the backtest
on a Dask LocalCluster of two workers against the serial backtest.

1. Two Parquet files of `--rows` rows x 25 columns (default 10,000,000: 2 GB of numbers each) are written in batches
   of 1,000,000 rows with the columns of `big_run_bench.make_data` (time as one row per minute): a reference, and a
   new batch drawn with other seeds whose second half has three shifted columns.
2. Each stage runs in its own process, so that its peak resident memory (`os.wait4`'s ru_maxrss) is its own:
   `mlkit.chunked.chunked_profile` of the new file, `mlkit.chunked.chunked_drift` of new against reference (chunked
   by year). The goal: every stage within 8 GB. The detectors of 02_cleaning have no batched form yet: not run.
3. The default backtest of the bundled data (`mlkit.backtest.backtest_run`) serially and with `dask='local:2'`
   (cluster start-up included), best of `--repeats`; fold scores and predictions are checked to be identical. Also
   the cluster's start-up alone, and the same backtest on the cluster once started and its workers warm.

Usage: `python benchmarks/scale_bench.py [--rows 10000000] [--repeats 2] [--only data|backtest]
[--out benchmarks/scale_results]` (`--only`: one part; the results of the other part are kept from the JSON file).
"""
from __future__ import annotations
import argparse, json, os, subprocess, sys, tempfile, time
from datetime import datetime, timezone
from pathlib import Path
import numpy as np, pandas as pd
import pyarrow as pa, pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
BATCH = 1_000_000
SHIFTED = {'temp': 2.0, 'wind': 1.0, 'sensor_3': 0.3}  # added to the new file's second half

def write_file(path:Path, rows:int, seed:int, shift:bool):
    "`rows` rows of `make_data`'s columns as Parquet, one minute apart, written batch by batch."
    from big_run_bench import make_data
    writer = None
    for k, start in enumerate(range(0, rows, BATCH)):
        df = make_data(min(BATCH, rows - start), seed=seed + k)
        df['time'] = pd.Timestamp('2000-01-01') + pd.to_timedelta(np.arange(start, start + len(df)), 'min')
        if shift:
            late = np.arange(start, start + len(df)) >= rows // 2
            for c, d in SHIFTED.items(): df.loc[late, c] += d
        table = pa.Table.from_pandas(df, preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()

def stage(name:str, ref:str, new:str) -> dict:
    "Run one stage in this process: its seconds and a few figures of its result."
    t0 = time.perf_counter()
    if name == 'profile':
        from mlkit.chunked import chunked_profile
        out = chunked_profile(new)
        return dict(seconds=time.perf_counter() - t0, columns=len(out),
                    temp_median=float(out.loc['temp', 'median']), load_missing=int(out.loc['load', 'missing']))
    if name == 'drift':
        from mlkit.chunked import chunked_drift
        out = chunked_drift(ref, new, time_col='time')
        alarms = sorted(out.loc[out['alarm'], 'column'].unique())
        ks = out['test'] == 'ks'
        return dict(seconds=time.perf_counter() - t0, table_rows=len(out), chunks=int(out['chunk'].nunique()),
                    alarm_columns=alarms, ks_bound_max=float((out['statistic_bound'] - out['statistic'])[ks].max()))
    raise SystemExit(f"unknown stage {name}")

def measured(name:str, ref:Path, new:Path) -> dict:
    "Stage `name` in a child process: its figures and its peak resident memory (GB)."
    p = subprocess.Popen([sys.executable, __file__, '--stage', name, '--ref', str(ref), '--new', str(new)],
                         stdout=subprocess.PIPE, text=True, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode: raise SystemExit(f"stage {name} failed ({p.returncode})")
    return {**json.loads(out.splitlines()[-1]), 'peak_gb': round(usage.ru_maxrss / 1024 ** 2, 2)}

def backtests(repeats:int) -> dict:
    """The bundled backtest serially and on a LocalCluster of two workers (best of `repeats`, cluster start-up
    included), the same on the cluster once started (warm workers), and whether the results agree."""
    from mlkit.backtest import backtest_run, default_models
    from mlkit.cluster import dask_client
    from mlkit.core import open_run
    from mlkit.features import features_for_run
    from mlkit.repair import plan_records, run_plan
    from mlkit.splitters import default_splitter
    from mlkit.walkforward import backtest, has_value
    run = open_run('bike_sharing_hourly', 'cnt')
    feats = run.artifact('features', lambda: features_for_run(run)[0])
    out, results = {}, {}
    for how, dask in (('serial', None), ('local_cluster_2', 'local:2')):
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter(); results[how] = backtest_run(run, dask=dask)[0]
            times.append(time.perf_counter() - t0)
        out[f'{how}_seconds'] = round(min(times), 2)
    ds = run.dataset  # backtest_run's own call, on a cluster started once
    X, y, t = feats.drop(columns=[ds.time_col, ds.target]), feats[ds.target], feats[ds.time_col]
    cv = default_splitter(int(has_value(y).sum()), ds.freq)
    models = default_models(ds.task, run.cfg.seed, plan_records(run_plan(run)))
    t0 = time.perf_counter()
    with dask_client('local:2'):
        out['cluster_start_seconds'] = round(time.perf_counter() - t0, 2)
        warm = []
        for _ in range(repeats + 1):  # the first run imports the libraries in the workers
            t0 = time.perf_counter()
            backtest(models, X, y, t, cv, ds.task, horizon=1, freq=ds.freq, progress=False, n_jobs=-1, backend='dask')
            warm.append(time.perf_counter() - t0)
    out['local_cluster_2_warm_seconds'] = round(min(warm[1:]), 2)
    timing = ['fit_seconds', 'predict_seconds']
    a, b = results['serial'], results['local_cluster_2']
    out['identical'] = bool(a.predictions.equals(b.predictions)
                            and a.scores.drop(columns=timing).equals(b.scores.drop(columns=timing)))
    out['tasks'] = f"{len(a.summary['models']) + len(a.summary['baselines'])} models x {a.summary['n_folds']} folds"
    out['serial_fit_seconds'] = round(float(a.scores['fit_seconds'].sum()), 2)
    out['speed_up'] = round(out['serial_seconds'] / out['local_cluster_2_seconds'], 2)
    out['speed_up_warm'] = round(out['serial_seconds'] / out['local_cluster_2_warm_seconds'], 2)
    return out

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rows', type=int, default=10_000_000)
    ap.add_argument('--repeats', type=int, default=2)
    ap.add_argument('--out', default=str(HERE/'scale_results'))
    ap.add_argument('--only', choices=['data', 'backtest'], default=None)
    ap.add_argument('--stage'); ap.add_argument('--ref'); ap.add_argument('--new')
    a = ap.parse_args()
    if a.stage: return print(json.dumps(stage(a.stage, a.ref, a.new)))
    old = json.loads(Path(a.out + '.json').read_text()) if a.only and Path(a.out + '.json').is_file() else {}
    res = {**old, 'cores': os.cpu_count()}
    if a.only != 'backtest': res['data'] = measured_part(lambda: data_stages(a.rows))
    if a.only != 'data': res['backtest'] = measured_part(lambda: backtests(a.repeats))
    Path(a.out + '.json').write_text(json.dumps(res, indent=1) + '\n')
    print(json.dumps(res, indent=1))

def measured_part(part) -> dict:
    "The figures `part()` returns, with the date and the machine's load average before and after (a shared machine)."
    load = lambda: [round(x, 2) for x in os.getloadavg()]
    before, date = load(), datetime.now(timezone.utc).isoformat(timespec='seconds')
    res = part()
    print(json.dumps(res), flush=True)
    return dict(date=date, load_average_before=before, **res, load_average_after=load())

def data_stages(rows:int) -> dict:
    "Write the two files, then profile and drift them, each stage in its own process."
    res = dict(rows=rows, columns=25)
    with tempfile.TemporaryDirectory() as d:
        ref, new = Path(d)/'reference.parquet', Path(d)/'new.parquet'
        t0 = time.perf_counter()
        write_file(ref, rows, 0, False); write_file(new, rows, 1000, True)
        res['write_seconds'] = round(time.perf_counter() - t0, 1)
        res['file_mb'] = {p.stem: round(p.stat().st_size / 1e6) for p in (ref, new)}
        for name in ('profile', 'drift'):
            r = measured(name, ref, new); r['seconds'] = round(r['seconds'], 1)
            res[name] = r; print(name, r, flush=True)
    res['detectors'] = 'not run: the detectors of 02_cleaning have no batched form yet'
    return res

if __name__ == '__main__': main()
