"""The hybrid neural model against the classical candidates and the baselines on the bundled data (issue 17).

What `mlkit run --models ridge,hgb,mlp` computes in its backtest and evaluation steps, in one process: the backtest of
`mlkit.backtest.backtest_run` (the run's cleaning plan and past-only features, the default folds, the baselines) with
the candidates `ridge`, `hist_gradient_boosting` and `mlp` (`mlkit.neural.HybridMLPRegressor`, seed 0), then
`mlkit.evaluation.evaluate` (pooled MAE and RMSE with 95% block-bootstrap intervals, one-sided Diebold-Mariano tests of
each model against each baseline), plus two-sided Diebold-Mariano tests (absolute errors, Bartlett HAC with
Newey-West lags, as `compare_to_baselines`) of the hybrid model against each classical candidate. Fit times are the
sums over folds (one thread per fit).

Usage: `python benchmarks/hybrid_bench.py` (needs PyTorch: `pip install "mlkit[torch]"`; a few minutes; writes
benchmarks/hybrid_results.{json,md}).
"""
from __future__ import annotations
import json, os, platform, subprocess, sys, time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from mlkit.backtest import backtest_run  # noqa: E402
from mlkit.core import open_run  # noqa: E402
from mlkit.evaluation import dm_test, evaluate, newey_west_lags, pointwise_loss  # noqa: E402

MODELS = 'ridge,hgb,mlp'

def model_vs_model(preds, a:str, b:str) -> dict:
    "Two-sided Diebold-Mariano test of `a`'s absolute errors against `b`'s on their shared test rows."
    loss = preds.assign(loss=pointwise_loss(preds, 'regression'))
    wide = loss.pivot_table(index=['fold', 'time'], columns='model', values='loss').sort_index(level='time')
    pair = wide[[a, b]].dropna()
    r = dm_test(pair[a], pair[b], 1, 'two-sided', 'bartlett', newey_west_lags(len(pair)))
    return dict(model=a, against=b, mae_difference=round(float(pair[a].mean() - pair[b].mean()), 3),
                dm_stat=round(r.statistic, 3), p_value=float(f'{r.p_value:.3g}'), n=r.n)

def main():
    run = open_run('bike_sharing_hourly', 'cnt', None, 'auto', None, 0, None, models=MODELS)
    t0 = time.perf_counter()
    res, feats = backtest_run(run)
    seconds = time.perf_counter() - t0
    ev = evaluate(res.predictions, 'regression', run.dataset.frame.set_index(run.dataset.time_col)['cnt'],
                  season=int(res.summary['seasonal_period']), h=1, seed=0)
    m = ev.metrics[ev.metrics['metric'].isin(['mae', 'rmse'])]
    fit = res.scores.groupby('model')['fit_seconds'].sum()
    rows = []
    for model, g in m.groupby('model', sort=False):
        v = g.set_index('metric')
        dm = ev.tests[ev.tests['model'] == model].set_index('baseline')
        rows.append(dict(model=model, is_baseline=bool(v['is_baseline'].iloc[0]),
                         **{f'{k}{s}': round(float(v.loc[k, c]), 2) for k in ('mae', 'rmse')
                            for s, c in (('', 'value'), ('_ci_low', 'ci_low'), ('_ci_high', 'ci_high'))},
                         fold_mae_std=round(float(v.loc['mae', 'fold_std']), 2),
                         fit_seconds=round(float(fit.get(model, 0.)), 2),
                         dm_p_vs_baselines={b: float(f'{p:.3g}') for b, p in dm['p_value'].items()}))
    rows.sort(key=lambda r: r['mae'])
    pairs = [model_vs_model(res.predictions, 'mlp', b) for b in ('hist_gradient_boosting', 'ridge')]
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=HERE, capture_output=True, text=True).stdout
    mlp = run.cfg.models
    meta = dict(date=datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC'), commit=commit.strip(), models=mlp,
                cores=os.cpu_count(), python=platform.python_version(),
                load_average_after=[round(v, 1) for v in os.getloadavg()], rows=res.summary['rows'],
                features=feats.shape[1] - 2, folds=res.summary['n_folds'],
                test_rows_per_fold=int(res.folds['n_test'].iloc[0]), backtest_seconds=round(seconds, 1))
    (HERE/'hybrid_results.json').write_text(json.dumps(dict(meta=meta, rows=rows, mlp_vs=pairs), indent=1) + '\n')
    best = rows[0]
    lines = ['# The hybrid neural model against the classical models and the baselines', '',
             f"Bundled Bike Sharing data (`mlkit run --models {mlp}`): {meta['rows']:,} rows with a target, "
             f"{meta['features']} past-only features, {meta['folds']} folds of {meta['test_rows_per_fold']} test rows; "
             f"mlkit {meta['commit']}, {meta['date']}, {meta['cores']} cores, Python {meta['python']}; backtest "
             f"{meta['backtest_seconds']} s (load average after: {meta['load_average_after']}).", '',
             'Pooled over all test rows, with 95% block-bootstrap intervals; p: one-sided Diebold-Mariano test that '
             'the model\'s absolute errors are smaller than the baseline\'s.', '',
             '| model | MAE [95% CI] | RMSE [95% CI] | fold MAE sd | fit s (all folds) | p vs naive | '
             'p vs seasonal_naive | p vs mean |', '|---|---|---|---|---|---|---|---|']
    for r in rows:
        p = r['dm_p_vs_baselines']
        lines.append(f"| {r['model']}{' (baseline)' if r['is_baseline'] else ''} | {r['mae']:.2f} "
                     f"[{r['mae_ci_low']:.2f}, {r['mae_ci_high']:.2f}] | {r['rmse']:.2f} [{r['rmse_ci_low']:.2f}, "
                     f"{r['rmse_ci_high']:.2f}] | {r['fold_mae_std']:.2f} | {r['fit_seconds']:.1f} | "
                     + ' | '.join(f"{p[b]:.3g}" if b in p else '' for b in ('naive', 'seasonal_naive', 'mean')) + ' |')
    lines += ['', 'The hybrid model against the classical ones (two-sided Diebold-Mariano, absolute errors):', '',
              '| model | against | MAE difference | DM statistic | p | rows |', '|---|---|---|---|---|---|']
    lines += [f"| {q['model']} | {q['against']} | {q['mae_difference']:+.3f} | {q['dm_stat']:.3f} | {q['p_value']:.3g} "
              f"| {q['n']} |" for q in pairs]
    lines += ['', f"Lowest pooled MAE: {best['model']}."]
    (HERE/'hybrid_results.md').write_text('\n'.join(lines) + '\n')
    print('\n'.join(lines))

if __name__ == '__main__': main()
