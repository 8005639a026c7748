"""The bundled data's default models with the fast path and without (issue 14: "the default models take the fast path").

The backtest of `mlkit.backtest.backtest_run` on the bundled Bike Sharing data (the default models, folds and
baselines, features computed once and outside the timing), run with `fast_paths=True` (the Ridge pipeline takes
`mlkit.fastpath`) and with `fast_paths=False` (scikit-learn refits every model on every fold: the reference), in
alternating rounds in one process; then the Ridge pipeline alone (no baselines) the same two ways. The table gives
the median and fastest of `--repeats` rounds, and the largest difference between the two paths' predictions.

Usage: `python benchmarks/default_models_bench.py [--repeats 5]` (writes benchmarks/default_models_results.{json,md}).
"""
from __future__ import annotations
import argparse, json, os, platform, statistics, subprocess, sys, time
from datetime import datetime, timezone
from pathlib import Path
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from mlkit.backtest import default_models  # noqa: E402
from mlkit.core import open_run  # noqa: E402
from mlkit.features import features_for_run  # noqa: E402
from mlkit.repair import plan_records, run_plan  # noqa: E402
from mlkit.splitters import default_splitter  # noqa: E402
from mlkit.walkforward import backtest, has_value  # noqa: E402

def bundled_case():
    "The models, features, target, times and splitter `backtest_run` uses on the bundled data."
    run = open_run('bike_sharing_hourly', 'cnt', None, 'auto', None, 0, None)
    ds, feats = run.dataset, features_for_run(run)[0]
    models = default_models(ds.task, run.cfg.seed, plan_records(run_plan(run)))
    cv = default_splitter(int(has_value(feats[ds.target]).sum()), ds.freq)
    return models, feats.drop(columns=[ds.time_col, ds.target]), feats[ds.target], feats[ds.time_col], cv, ds

def timed(models, X, y, t, cv, ds, fast:bool, baselines:bool=True):
    "Seconds of one backtest, and its result."
    t0 = time.perf_counter()
    res = backtest(models, X, y, t, cv, ds.task, horizon=1, freq=ds.freq, baselines=baselines, progress=False,
                   fast_paths=fast)
    return time.perf_counter() - t0, res

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--repeats', type=int, default=5); a = ap.parse_args()
    models, X, y, t, cv, ds = bundled_case()
    cases = {'default models + baselines': (models, True), 'ridge pipeline alone': ({'ridge': models['ridge']}, False)}
    rows = []
    for case, (ms, baselines) in cases.items():
        secs, ridge_fit, preds = {True: [], False: []}, {True: [], False: []}, {}
        for _ in range(a.repeats):  # alternating, so a slow spell of the shared machine hits both alike
            for fast in (True, False):
                s, res = timed(ms, X, y, t, cv, ds, fast, baselines)
                secs[fast].append(s)
                ridge_fit[fast].append(float(res.scores.loc[res.scores['model'] == 'ridge', 'fit_seconds'].sum()))
                preds[fast] = res.predictions
        diff = float(np.abs(preds[True]['y_pred'].to_numpy() - preds[False]['y_pred'].to_numpy()).max())
        for fast in (True, False):
            rows.append(dict(case=case, path='fast path' if fast else 'reference (fast_paths=False)',
                             seconds=round(statistics.median(secs[fast]), 3), fastest=round(min(secs[fast]), 3),
                             ridge_fit_seconds=round(statistics.median(ridge_fit[fast]), 3), runs=len(secs[fast]),
                             max_abs_prediction_difference=diff, all_seconds=[round(s, 3) for s in secs[fast]]))
        print(json.dumps(rows[-2:]), flush=True)
    load = os.getloadavg()
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=HERE, capture_output=True, text=True).stdout
    meta = dict(date=datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC'), commit=commit.strip(),
                cores=os.cpu_count(), python=platform.python_version(), load_average_after=[round(v, 1) for v in load],
                rows=len(X), features=X.shape[1], folds=cv.n_splits, test_rows_per_fold=cv.test_size)
    (HERE/'default_models_results.json').write_text(json.dumps(dict(meta=meta, rows=rows), indent=1) + '\n')
    lines = ['# Default models: fast path against the reference', '',
             f"Bundled Bike Sharing data: {meta['rows']:,} rows, {meta['features']} features, {meta['folds']} folds of "
             f"{meta['test_rows_per_fold']} test rows; mlkit {meta['commit']}, {meta['date']}, {meta['cores']} cores, "
             f"Python {meta['python']}, n_jobs=1, one BLAS/OpenMP thread. Load average after the run: "
             f"{meta['load_average_after']} (a shared machine: compare rows of this run only).", '',
             '| case | path | seconds (median) | fastest | Ridge fit seconds (median) | runs | '
             'largest prediction difference |', '|---|---|---|---|---|---|---|']
    lines += [f"| {r['case']} | {r['path']} | {r['seconds']:.3f} | {r['fastest']:.3f} | {r['ridge_fit_seconds']:.3f} "
              f"| {r['runs']} | {r['max_abs_prediction_difference']:.1e} |" for r in rows]
    (HERE/'default_models_results.md').write_text('\n'.join(lines) + '\n')

if __name__ == '__main__': main()
