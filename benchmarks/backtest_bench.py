"""Backtest benchmark: mlkit against a hand-written scikit-learn loop, skforecast and sktime, on the same data.

Equal work, for every contender: from the raw hourly series `y` and 10 exogenous columns (known at each time), build
the 24 target lags y[t-1..t-24] plus the 10 exogenous values at t (34 features; the first 24 rows are dropped), then
for 10 expanding folds (each tests the next n/50 rows; the last fold ends at the data's end) fit Ridge(alpha=1) on all
rows before the fold and predict the fold one step ahead (every prediction uses the true lagged values), and report
the mean absolute error over the 10 test folds. Feature building is inside the timing; reading the data is not.
No baselines and no training-part scores for mlkit (the peers compute neither).

A second design, "fit once": the same features and test rows, but Ridge is fitted once, on the first fold's training
rows, and predicts all 10 test folds (skforecast's OneStepAheadFold does this; mlkit's backtest with refit=False).

Contenders (each in its own subprocess; peak memory = the subprocess's peak RSS, libraries and data included):
  mlkit             PastFeatures + make_features + backtest(Ridge) -> Ridge fast path (running sums over expanding
                    folds)
  mlkit_refit       the same with backtest(fast_paths=False): the engine refits Ridge per fold (the reference path)
  mlkit_once        fit once: the same with backtest(refit=False) (the fast path fits the first fold only)
  sklearn_cv        (a) pandas shift for the lags + TimeSeriesSplit(10, test_size) + cross_validate(Ridge), n_jobs=1
  skforecast_folds  (b) equal work with skforecast's API: per fold ForecasterRecursive(Ridge, lags=24).fit on the
                    training rows, then its create_train_X_y lag matrix for the test rows and a one-step predict
  skforecast_onestep  fit once: skforecast's grid_search_forecaster with OneStepAheadFold, one candidate: fits on the
                    first fold's training rows and predicts all test rows one step ahead
  skforecast_backtest backtesting_forecaster, TimeSeriesFold(steps=1, refit=False): fits once, predicts step by step
  sktime_evaluate   (c) sktime evaluate(make_reduction(Ridge, window_length=24), ExpandingWindowSplitter(fh=1,
                    step_length=1), strategy='no-update_params'): fits once, predicts step by step
The step-by-step contenders run up to 100,000 rows, each run limited to 180 s. Every contender runs REPEATS times
(interleaved, fewer when a run takes over 20 s) and the table gives the median and the fastest run: on this virtual
machine first touches of fresh memory cost a varying amount (transparent huge pages), so single runs vary up to 2x.

Usage: bash benchmarks/backtest_setup.sh; flock /tmp/mlkit-bench.lock .venv/bin/python benchmarks/backtest_bench.py
[--out STEM] (results to benchmarks/STEM.json and .md; default backtest_results). Without the peers' environment only
the mlkit contenders and sklearn_cv run.
"""
import json, os, resource, subprocess, sys, time
import numpy as np
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE/'.cache'
MLKIT_PY, PEER_PY = sys.executable, str(HERE/'.venv-forecast'/'bin'/'python')
SIZES = (10_000, 100_000, 1_000_000)
REPEATS, SLOW = 5, 20  # runs per contender; a contender whose run takes longer than SLOW seconds runs once
N_FOLDS, N_LAGS, N_EXOG, SEED, LIMIT = 10, 24, 10, 0, 180
STEPWISE_MAX_ROWS = 100_000  # step-by-step contenders take minutes beyond this
CONTENDERS = {'mlkit': MLKIT_PY, 'mlkit_refit': MLKIT_PY, 'mlkit_once': MLKIT_PY, 'sklearn_cv': MLKIT_PY,
              'skforecast_folds': PEER_PY,
              'skforecast_onestep': PEER_PY, 'skforecast_backtest': PEER_PY, 'sktime_evaluate': PEER_PY}
PRELOAD = {'mlkit': ['mlkit.features', 'mlkit.splitters', 'mlkit.walkforward'],
           'sklearn': ['sklearn.model_selection', 'sklearn.linear_model'],
           'skforecast': ['skforecast.recursive', 'skforecast.model_selection'],
           'sktime': ['sktime.forecasting.compose', 'sktime.forecasting.model_evaluation', 'sktime.split',
                      'sktime.performance_metrics.forecasting']}
STEPWISE = {'skforecast_backtest', 'sktime_evaluate'}

def make_data(n:int) -> Path:
    "Hourly AR(2) series with a daily cycle and 10 exogenous drivers (seed 0), saved once as Parquet."
    import numpy as np, pandas as pd
    path = CACHE/f'backtest_{n}.parquet'
    if path.exists(): return path
    rng = np.random.default_rng(SEED)
    X = rng.normal(size=(n, N_EXOG))
    beta, e = rng.normal(size=N_EXOG), rng.normal(size=n)
    drive = X @ beta + 3 * np.sin(2 * np.pi * np.arange(n) / 24) + e
    y = np.zeros(n)
    for t in range(2, n): y[t] = .6 * y[t - 1] + .2 * y[t - 2] + drive[t]
    df = pd.DataFrame(X, columns=[f'x{i}' for i in range(N_EXOG)])
    df.insert(0, 'y', y); df.insert(0, 'ts', pd.date_range('2000-01-01', periods=n, freq='h'))
    CACHE.mkdir(exist_ok=True); df.to_parquet(path)
    return path

def folds_of(n:int):
    "(test size, first test row) of the equal-work design on n raw rows."
    s = n // 50
    return s, n - N_FOLDS * s

# ---- workers: each returns the MAE over the test folds; the caller times it ----
def run_mlkit(df, mode='fast'):
    "mode: 'fast' (Ridge, refit every fold), 'refit' (fast_paths=False: the reference path), 'once' (refit=False)."
    from sklearn.linear_model import Ridge
    from mlkit.features import PastFeatures, make_features
    from mlkit.splitters import TemporalSplit
    from mlkit.walkforward import backtest
    exog = [c for c in df.columns if c.startswith('x')]
    pf = PastFeatures('ts', 'y', lags=range(1, N_LAGS + 1), windows=[], expanding=False, diffs=(), known_cols=exog,
                      calendar=False, freq='h')
    F = make_features(df, pf)
    s, _ = folds_of(len(df))
    res = backtest({'ridge': Ridge()}, F.drop(columns=['ts', 'y']),
                   F['y'], F['ts'],
                   TemporalSplit(N_FOLDS, test_size=s), freq='h', refit=mode != 'once', baselines=False,
                   train_scores=False, progress=False, fast_paths=mode != 'refit')
    return float(res.scores['mae'].mean())

def run_sklearn_cv(df):
    import pandas as pd
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import TimeSeriesSplit, cross_validate
    lags = pd.concat({f'lag{k}': df['y'].shift(k) for k in range(1, N_LAGS + 1)}, axis=1)
    X = pd.concat([lags, df.filter(like='x')], axis=1).iloc[N_LAGS:]
    s, _ = folds_of(len(df))
    r = cross_validate(Ridge(), X, df['y'].iloc[N_LAGS:], cv=TimeSeriesSplit(N_FOLDS, test_size=s),
                       scoring='neg_mean_absolute_error', n_jobs=1)
    return float(-r['test_score'].mean())

def _forecaster():
    from sklearn.linear_model import Ridge
    from skforecast.recursive import ForecasterRecursive
    return ForecasterRecursive(estimator=Ridge(), lags=N_LAGS)

def _series(df):
    y = df.set_index('ts')['y'].asfreq('h')
    return y, df.set_index('ts').filter(like='x').asfreq('h')

def run_skforecast_folds(df):
    import numpy as np
    y, exog = _series(df)
    s, first = folds_of(len(df))
    maes = []
    for k in range(N_FOLDS):
        a = first + k * s
        f = _forecaster(); f.fit(y.iloc[:a], exog=exog.iloc[:a])
        Xt, yt = f.create_train_X_y(y.iloc[a - N_LAGS:a + s], exog=exog.iloc[a - N_LAGS:a + s])
        maes.append(np.mean(np.abs(f.estimator.predict(Xt) - yt.to_numpy())))
    return float(np.mean(maes))

def run_skforecast_onestep(df):
    from skforecast.model_selection import OneStepAheadFold, grid_search_forecaster
    y, exog = _series(df)
    _, first = folds_of(len(df))
    r = grid_search_forecaster(_forecaster(), y, OneStepAheadFold(initial_train_size=first, verbose=False),
                               {'alpha': [1.0]},
                               'mean_absolute_error', exog=exog, lags_grid=[N_LAGS], return_best=False,
                               show_progress=False, verbose=False)
    return float(r['mean_absolute_error'].iloc[0])

def run_skforecast_backtest(df):
    from skforecast.model_selection import TimeSeriesFold, backtesting_forecaster
    y, exog = _series(df)
    _, first = folds_of(len(df))
    m, _ = backtesting_forecaster(_forecaster(), y,
                                  TimeSeriesFold(steps=1, initial_train_size=first, refit=False, verbose=False),
                                  'mean_absolute_error', exog=exog, show_progress=False)
    return float(m.iloc[0, 0])

def run_sktime_evaluate(df):
    from sklearn.linear_model import Ridge
    from sktime.forecasting.compose import make_reduction
    from sktime.forecasting.model_evaluation import evaluate
    from sktime.split import ExpandingWindowSplitter
    from sktime.performance_metrics.forecasting import MeanAbsoluteError
    y, exog = _series(df)
    _, first = folds_of(len(df))
    r = evaluate(make_reduction(Ridge(), window_length=N_LAGS, strategy='recursive'),
                 ExpandingWindowSplitter(fh=[1], initial_window=first, step_length=1),
                 y, X=exog, strategy='no-update_params', scoring=MeanAbsoluteError())
    return float(r['test_MeanAbsoluteError'].mean())

def worker(name:str, n:int):
    "Run one contender once on n rows in this process; print a JSON line with seconds, MAE and peak memory."
    import pandas as pd
    df = pd.read_parquet(make_data(n))
    for m in PRELOAD[name.split('_')[0]]: __import__(m)  # imports are not timed
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    fn = ({'mlkit_refit': lambda d: run_mlkit(d, 'refit'), 'mlkit_once': lambda d: run_mlkit(d, 'once')}.get(name)
          or globals()[f'run_{name}'])
    t0 = time.perf_counter(); mae = fn(df); sec = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(dict(contender=name, n=n, seconds=round(sec, 3), mae=round(mae, 6), peak_rss_mb=round(peak / 1024),
                          rss_before_mb=round(rss0 / 1024))))

def run_worker(name:str, py:str, n:int) -> dict:
    "One run of contender `name` on n rows in a fresh subprocess: its JSON line, or an error."
    try:
        p = subprocess.run([py, __file__, '--worker', name, str(n)], capture_output=True, text=True, timeout=LIMIT,
                           env=os.environ | {'OMP_NUM_THREADS': '1', 'OPENBLAS_NUM_THREADS': '1',
                                             'MKL_NUM_THREADS': '1'})
        return (json.loads(p.stdout.strip().splitlines()[-1]) if p.returncode == 0
                else dict(contender=name, n=n, error=p.stderr.strip().splitlines()[-1][:200]))
    except subprocess.TimeoutExpired: return dict(contender=name, n=n, error=f'not finished in {LIMIT} s')

def summarise(runs:list[dict]) -> dict:
    "The median and fastest of a contender's runs (peak memory: the largest)."
    ok = [r for r in runs if 'error' not in r]
    if not ok: return runs[0]
    sec = sorted(r['seconds'] for r in ok)
    return ok[0] | dict(seconds=float(np.median(sec)), best_seconds=sec[0], runs=len(ok),
                        peak_rss_mb=max(r['peak_rss_mb'] for r in ok))

def main(out:str='backtest_results'):
    rows = []
    for n in SIZES:
        make_data(n)
        names = [k for k, py in CONTENDERS.items() if Path(py).exists()]
        for k in CONTENDERS.keys() - set(names): print(f'skip {k}: run benchmarks/backtest_setup.sh first', flush=True)
        runs = {k: [] for k in names}
        for k in [k for k in names if k in STEPWISE and n > STEPWISE_MAX_ROWS]:
            runs[k].append(dict(contender=k, n=n, error=f'not run above {STEPWISE_MAX_ROWS:,} rows'))
        for _ in range(REPEATS):  # interleaved, so that a slow spell of the machine hits every contender alike
            for k in names:
                if runs[k] and ('error' in runs[k][-1] or runs[k][-1]['seconds'] > SLOW): continue
                r = run_worker(k, CONTENDERS[k], n); print(json.dumps(r), flush=True); runs[k].append(r)
        rows += [summarise(runs[k]) for k in names]
    (HERE/f'{out}.json').write_text(json.dumps(rows, indent=1) + '\n')
    write_table(rows, out)

def write_table(rows, out:str='backtest_results'):
    "benchmarks/<out>.md: seconds, MAE and peak memory per contender and size."
    import platform
    lines = ['# Backtest benchmark: results', '',
             f'Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; '
             'BLAS/OpenMP threads pinned to 1, n_jobs=1 everywhere. Design and contenders: see backtest_bench.py '
             'docstring.', '',
             '| rows | contender | seconds (median) | fastest | runs | vs mlkit | MAE | peak RSS (MB) | RSS before '
             'work (MB) |', '|---|---|---|---|---|---|---|---|---|']
    for n in SIZES:
        base = next((r['seconds'] for r in rows if r['n'] == n and r['contender'] == 'mlkit' and 'seconds' in r), None)
        for r in (r for r in rows if r['n'] == n):
            if 'error' in r:
                lines.append(f"| {n:,} | {r['contender']} | - | - | - | - | - | - | {r['error']} |"); continue
            ratio = f"{r['seconds'] / base:.1f}x" if base else '-'
            lines.append(f"| {n:,} | {r['contender']} | {r['seconds']:.3f} | {r['best_seconds']:.3f} | {r['runs']} | "
                         f"{ratio} | {r['mae']:.4f} | {r['peak_rss_mb']} | {r['rss_before_mb']} |")
    (HERE/f'{out}.md').write_text('\n'.join(lines) + '\n')

if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--worker': worker(sys.argv[2], int(sys.argv[3]))
    else: main(*sys.argv[2:3] if sys.argv[1:2] == ['--out'] else [])
