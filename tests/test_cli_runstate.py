"""Run state that cannot lie: SIGTERM, SIGINT and kill -9 of a running run; the guard after each step; strict JSON.
The runs use the real 00_core step and small stub steps (`--nbs`), so each takes seconds, not a minute."""
import os, re, shlex, signal, subprocess, sys, time
from pathlib import Path
import nbformat, pytest
from mlkit.records import loads_strict_json
from mlkit.runner import notebooks_dir, list_runs
from clitools import mlkit

PARAMS = "data_path = target = time_col = task = freq = seed = run_dir = None"

def _notebook(folder:Path, name:str, *sources):
    "A step notebook `name` in `folder` with a parameters cell and `sources` as code cells."
    params = nbformat.v4.new_code_cell(PARAMS); params.metadata['tags'] = ['parameters']
    nb = nbformat.v4.new_notebook(cells=[params, *map(nbformat.v4.new_code_cell, sources)])
    nb.metadata['kernelspec'] = {'name': 'python3', 'language': 'python', 'display_name': 'Python 3'}
    nbformat.write(nb, folder/name)

def _steps(tmp_path:Path, name:str, *sources) -> Path:
    "A notebooks folder: the real 00_core, then a stub step 50_<name> running `sources`."
    nbs = tmp_path/f'nbs_{name}'; nbs.mkdir()
    (nbs/'00_core.ipynb').write_bytes((notebooks_dir()/'00_core.ipynb').read_bytes())
    _notebook(nbs, f'50_{name}.ipynb', *sources)
    return nbs

def _start(tmp_path, user_csv, nbs, name):
    "`mlkit run` in the background; the process."
    return subprocess.Popen([sys.executable, '-m', 'mlkit', 'run', '--data', str(user_csv), '--target', 'y', '--nbs',
                             str(nbs),
                             '--name', name, '--reports', str(tmp_path/'reports')], cwd=tmp_path, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)

def _manifest(run:Path) -> dict:
    return loads_strict_json((run/'manifest.json').read_text())

def _wait_for_step(run:Path, step:str, proc, timeout=180) -> dict:
    "Wait until the manifest says `step` is running; the manifest."
    t0 = time.time()
    while time.time() - t0 < timeout:
        assert proc.poll() is None, proc.communicate()
        try:
            m = _manifest(run)
            if any(s['step'] == step and s['status'] == 'running' for s in m['steps']): return m
        except (OSError, ValueError): pass
        time.sleep(0.3)
    raise AssertionError(f'{step} never ran')

SLOW = "import time\ntime.sleep(600)"

def _no_orphans(sid:int, timeout=30):
    "Wait until no process of session `sid` (the runner's kernel) is left; kill any left and fail."
    t0 = time.time()
    while time.time() - t0 < timeout:
        left = subprocess.run(['pgrep', '-s', str(sid)], capture_output=True, text=True).stdout.split()
        if not left: return
        time.sleep(0.5)
    os.killpg(sid, signal.SIGKILL)
    raise AssertionError(f'processes left behind: {left}')

@pytest.mark.parametrize('sig,code', [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_marks_the_run_interrupted(tmp_path, user_csv, sig, code):
    """SIGTERM or SIGINT while a step runs: one line on stderr, exit 143/130, the manifest says interrupted, the index
    too."""
    name = f'sig{int(sig)}'
    proc = _start(tmp_path, user_csv, _steps(tmp_path, 'slow', SLOW), name)
    run = tmp_path/'reports'/name
    m = _wait_for_step(run, '50_slow', proc)
    assert m['pid'] == proc.pid and m['host'] and m['heartbeat']
    os.kill(proc.pid, sig)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert err.strip().splitlines() == [f"mlkit: interrupted by {sig.name}: run {name!r} marked interrupted; its "
                                        f"notebooks so far are in {run}"], err
    m = _manifest(run)
    assert m['status'] == 'interrupted' and m['error'] == f'interrupted by {sig.name}'
    assert [s['status'] for s in m['steps']] == ['complete', 'interrupted']
    assert 'interrupted' in (run/'index.html').read_text() and (run/'findings.json').exists()
    assert list_runs(tmp_path/'reports').set_index('run').loc[name, 'status'] == 'interrupted'
    _no_orphans(proc.pid)

def test_killed_run_is_shown_interrupted(tmp_path, user_csv):
    "kill -9: the manifest cannot be updated, but `mlkit runs` and a name clash tell the dead run from a live one."
    proc = _start(tmp_path, user_csv, _steps(tmp_path, 'slow', SLOW), 'killed')
    run = tmp_path/'reports'/'killed'
    _wait_for_step(run, '50_slow', proc)
    assert list_runs(tmp_path/'reports').set_index('run').loc['killed', 'status'] == 'running'  # alive: running
    r = mlkit('run', '--data', user_csv, '--target', 'y', '--name', 'killed', '--reports', tmp_path/'reports',
              cwd=tmp_path)
    assert r.returncode == 2 and 'is still running' in r.stderr, r.stderr
    os.kill(proc.pid, signal.SIGKILL); proc.communicate(timeout=60)
    assert _manifest(run)['status'] == 'running'  # what the dead process left behind...
    r = mlkit('runs', '--reports', tmp_path/'reports', cwd=tmp_path)
    assert r.returncode == 0 and 'killed' in r.stdout and 'interrupted' in r.stdout, r.stdout  # ...is not believed
    r = mlkit('run', '--data', user_csv, '--target', 'y', '--name', 'killed', '--reports', tmp_path/'reports',
              cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert 'was interrupted (its process is gone)' in r.stderr, r.stderr
    assert r.stderr.count('\n') == 1, r.stderr
    _no_orphans(proc.pid)

def test_step_that_leaves_nothing_fails_with_the_reason(tmp_path, user_csv):
    "A step whose recorded figures say it left 0 rows is failed by the runner, not marked complete."
    empty = ("from mlkit.core import open_run\nrun = open_run(data_path, target, time_col, task, freq, seed, run_dir, "
             "step=step)\nrun.record({'rows_left': 0, 'rows_dropped': 1440, 'longest_lag': 2000})")
    r = mlkit('run', '--data', user_csv, '--target', 'y', '--nbs', _steps(tmp_path, 'empty', empty), '--name', 'empty',
              '--reports', tmp_path/'reports', cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert '50_empty left nothing to work on (rows_left=0; the data has 1440 rows' in r.stderr
    assert 'longest_lag=2000' in r.stderr
    m = _manifest(tmp_path/'reports'/'empty')
    assert m['status'] == 'failed' and [s['status'] for s in m['steps']] == ['complete', 'failed']

def test_step_filed_under_another_name_fails(tmp_path, user_csv):
    """A step that records its figures and findings under a name that is not its own fails with the fix; they are not
    silently left out of the index and manifest."""
    typo = ("from mlkit.core import open_run\nrun = open_run(data_path, target, time_col, task, freq, seed, run_dir, "
            "step='50_tpyo')\nrun.record({'rows_left': 10})\nrun.add_findings([])")
    r = mlkit('run', '--data', user_csv, '--target', 'y', '--nbs', _steps(tmp_path, 'typo', typo), '--name', 'typo',
              '--reports', tmp_path/'reports', cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert "50_typo recorded figures or findings as '50_tpyo', which is no step's name" in r.stderr, r.stderr
    assert 'open_run(..., step=step)' in r.stderr
    m = _manifest(tmp_path/'reports'/'typo')
    assert m['status'] == 'failed' and [s['status'] for s in m['steps']] == ['complete', 'failed']

def _strict(path:Path):
    return loads_strict_json(path.read_text(encoding='utf-8'))

def test_every_json_a_run_writes_is_strict(tmp_path, user_csv):
    """Non-finite numbers in figures, findings and artifacts become null or 'inf': every file parses with a strict
    parser."""
    values = ("import numpy as np\nfrom mlkit.core import open_run\nfrom mlkit.findings import Finding\n"
              "run = open_run(data_path, target, "
              "time_col, task, freq, seed, run_dir, step=step)\nrun.record({'score': float('inf'), 'spread': "
              "np.nan, 'rows_left': 10})\nrun.add_findings([Finding('x', 'info', None, 'm', {'ratio': "
              "-np.inf, 'values': [np.nan, 1.0]})])\nrun.artifact('backtest_summary', lambda: {'best': "
              "np.float64('inf')})")
    r = mlkit('run', '--data', user_csv, '--target', 'y', '--nbs', _steps(tmp_path, 'values', values), '--name',
              'values',
              '--reports', tmp_path/'reports', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    run = tmp_path/'reports'/'values'
    files = [p for p in run.rglob('*') if p.suffix in ('.json', '.ipynb')]
    assert len(files) >= 8
    for p in files: _strict(p)
    m = _strict(run/'manifest.json')
    assert m['steps'][1]['figures'] == {'score': 'inf', 'spread': None, 'rows_left': 10}
    assert _strict(run/'findings.json')[-1]['evidence'] == {'ratio': '-inf', 'values': [None, 1.0]}
    assert _strict(run/'artifacts'/'backtest_summary.json') == {'best': 'inf'}
    # the re-run command is complete and shell-quoted; a user's data carries no bundled-data attribution
    argv = shlex.split(m['rerun'])
    assert argv[argv.index('--reports') + 1] == str(tmp_path/'reports')
    assert argv[argv.index('--data') + 1] == str(user_csv)
    assert argv[argv.index('--duplicates') + 1] == 'mean'
    assert m['attribution'] is None
    assert 'Bike Sharing' not in (run/'index.html').read_text()
    # the step pages load nothing from the network
    for page in run.glob('*.html'):
        text = page.read_text()
        assert 'src="http' not in text and 'href="http' not in text.replace('<a href="http', ''), page.name
        assert not re.search(r'<script[^>]*>(?:(?!</script>).)*https?://', text, re.S), page.name  # no remote import
