"""orchestration/prefect_flow.py under Prefect's local test harness (no server): the flow runs the suite and registers
its model through the CLI; monitor and retrain are skipped when this mlkit has no such command or no arguments."""
import shutil
import pytest
from clitools import ROOT, user_frame

prefect = pytest.importorskip('prefect')  # an optional extra: pip install "mlkit[orchestration]"

def test_flow_runs_and_registers(tmp_path, monkeypatch):
    from prefect.testing.utilities import prefect_test_harness
    monkeypatch.syspath_prepend(str(ROOT/'orchestration'))
    monkeypatch.chdir(tmp_path)
    import prefect_flow
    user_frame(n=24 * 40).to_csv('small.csv', index=False)
    nbs = tmp_path/'nbs'; nbs.mkdir()
    for step in ('00_core', '03_features', '04_backtest', '05_evaluation', '06_export'):  # what registering needs
        shutil.copy(ROOT/'nbs'/f'{step}.ipynb', nbs)
    with prefect_test_harness(server_startup_timeout=300):  # its SQLite server starts slowly on a busy machine
        out = prefect_flow.mlkit_pipeline('small.csv', 'y', run_options=['--nbs', str(nbs)], model_name='small',
                                          monitor_args=None, retrain_args=None)
    assert (tmp_path/out['run_dir']/'manifest.json').is_file()
    assert 'registered small@1' in out['registered'] and (tmp_path/'models'/'small').is_dir()
    assert out['monitored'] is None and out['retrained'] is None
    assert prefect_flow.has_subcommand('run') and not prefect_flow.has_subcommand('no-such-command')

def test_failing_command_fails_its_task(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT/'orchestration'))
    import prefect_flow
    with pytest.raises(RuntimeError, match='exited 2: .*not found'):
        prefect_flow.mlkit('run', '--data', str(tmp_path/'missing.csv'), '--target', 'y', '--check')
