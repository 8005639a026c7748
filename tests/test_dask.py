"""Scale-out on Dask (mlkit.cluster): a backtest on a LocalCluster gives the serial numbers, the cluster option is
checked, passed to the steps and recorded for a re-run."""
import numpy as np, pandas as pd, pytest
from mlkit.__main__ import main
from mlkit.backtest import backtest_run, default_models
from mlkit.cluster import dask_client
from mlkit.config import RunConfig
from mlkit.core import open_run
from mlkit.runner import rerun_command
from mlkit.splitters import TemporalSplit
from mlkit.walkforward import backtest
from clitools import user_frame

distributed = pytest.importorskip('distributed')
TIMINGS = ['fit_seconds', 'predict_seconds']

def labelled_series(n=24 * 40, seed=3):
    "Hourly features with a missing value and a text column; a numeric target and a three-class label of it."
    rng = np.random.default_rng(seed)
    t = pd.date_range('2024-01-01', periods=n, freq='h')
    X = pd.DataFrame({'x': rng.normal(size=n), 'hour': t.hour, 'kind': rng.choice(['a', 'b'], n)})
    X.loc[5, 'x'] = np.nan
    y = 10 + 4 * np.sin(2 * np.pi * t.hour / 24) + 2 * X['x'].fillna(0).to_numpy() + rng.normal(size=n)
    return X, y, t, np.digitize(y, [8, 12])

@pytest.mark.parametrize('task', ['regression', 'classification'])
def test_local_cluster_backtest_equals_serial(task):
    X, y, t, label = labelled_series()
    target = y if task == 'regression' else label
    cv, models = TemporalSplit(4, test_size=72), default_models(task, seed=2)
    serial = backtest(models, X, target, t, cv, task, freq='h', progress=False)
    with dask_client('local:2') as client, distributed.get_task_stream(client) as tasks:
        on_dask = backtest(models, X, target, t, cv, task, freq='h', progress=False, n_jobs=-1, backend='dask')
    assert len(tasks.data) >= 4  # the fits ran on the cluster's workers, not in this process
    pd.testing.assert_frame_equal(on_dask.predictions, serial.predictions)
    pd.testing.assert_frame_equal(on_dask.scores.drop(columns=TIMINGS), serial.scores.drop(columns=TIMINGS))
    assert on_dask.summary == serial.summary

def test_backtest_run_on_dask_equals_serial(tmp_path):
    "The step's own function on a user's CSV: fold scores and predictions identical with `dask='local:2'`."
    path = tmp_path/'my.csv'
    user_frame(n=24 * 45).to_csv(path, index=False)
    run = open_run(str(path), 'y', 'ts', 'regression', None, 0, None)
    serial, _ = backtest_run(run)
    on_dask, _ = backtest_run(run, dask='local:2')
    pd.testing.assert_frame_equal(on_dask.predictions, serial.predictions)
    pd.testing.assert_frame_equal(on_dask.scores.drop(columns=TIMINGS), serial.scores.drop(columns=TIMINGS))

def test_cluster_option_is_checked_and_recorded(capsys):
    assert main(['run', '--dask', 'scheduler:8786', '--check']) == 2
    assert '--dask' in capsys.readouterr().err
    assert RunConfig(dask='local:1').dask == 'local:1'
    params = dict(data_path='bike_sharing_hourly', target='cnt', dask='tcp://scheduler:8786')
    cmd = rerun_command(params, 'r', 'reports')
    assert '--dask tcp://scheduler:8786' in cmd
