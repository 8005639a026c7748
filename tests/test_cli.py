"""`mlkit run` end to end: the bundled data, a user's CSV, determinism, and every kind of bad input."""
import json, os, subprocess, sys
from pathlib import Path
import numpy as np, pandas as pd, pytest, nbformat
from mlkit.core import RunConfig, MlkitError
from mlkit.runner import run_suite, step_notebooks, notebooks_dir

ROOT = Path(__file__).resolve().parent.parent
STEPS = [p.stem for p in step_notebooks(ROOT/'nbs')]

def mlkit(*args, cwd):
    "Run `python -m mlkit` in `cwd`; the completed process."
    return subprocess.run([sys.executable, '-m', 'mlkit', *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=900)

def user_frame(n=24 * 60, seed=1) -> pd.DataFrame:
    "A small hourly dataset with a seasonal numeric target and two features."
    rng = np.random.default_rng(seed)
    ts = pd.date_range('2023-03-01', periods=n, freq='h')
    x = rng.normal(size=n)
    y = 50 + 10 * np.sin(2 * np.pi * ts.hour / 24) + 3 * x + rng.normal(size=n)
    return pd.DataFrame({'ts': ts.strftime('%Y-%m-%d %H:%M:%S'), 'x': x, 'kind': rng.choice(['a', 'b'], n), 'y': y})

@pytest.fixture(scope='module')
def user_csv(tmp_path_factory):
    p = tmp_path_factory.mktemp('data')/'my.csv'
    user_frame().to_csv(p, index=False)
    return p

def test_full_run_on_bundled_data(tmp_path):
    "The README's main job: every step completes; notebooks, HTML, index, manifest and findings are written."
    r = mlkit('run', '--name', 'bundled', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    run = tmp_path/'reports'/'bundled'
    for s in STEPS: assert (run/f'{s}.ipynb').exists() and (run/f'{s}.html').exists(), s
    m = json.loads((run/'manifest.json').read_text())
    assert m['status'] == 'complete' and [s['step'] for s in m['steps']] == STEPS
    assert all(s['status'] == 'complete' for s in m['steps'])
    assert m['data']['sha256'] == 'b03a2d02e8c10f435c43c7f0b358b7e34a003afea53dbc37f0183f2763295133'
    assert m['data']['rows'] == 17379 and m['parameters']['freq'] == 'h' and m['parameters']['task'] == 'regression'
    assert m['versions']['pandas'] == pd.__version__ and m['seed'] == 0
    assert m['steps'][0]['figures']['rows'] == 17379
    assert isinstance(json.loads((run/'findings.json').read_text()), list)
    index = (run/'index.html').read_text()
    assert 'complete' in index and all(f'{s}.html' in index for s in STEPS)
    assert f"[{len(STEPS)}/{len(STEPS)}] {STEPS[-1]}: complete" in r.stdout  # progress per step

def _text_outputs(nb_path, run_path) -> list:
    "The text outputs of every code cell, with the run's own folder name taken out."
    nb = nbformat.read(nb_path, as_version=4)
    out = []
    for c in nb.cells:
        if c.cell_type != 'code': continue
        for o in c.outputs:
            t = o.get('text') or o.get('data', {}).get('text/plain', '')
            out.append(''.join(t).replace(str(run_path), '<RUN>'))
    return out

def test_user_csv_runs_and_is_deterministic(tmp_path, user_csv):
    "A user CSV runs through the API; the same inputs twice give the same numbers and text outputs."
    runs = [run_suite(RunConfig(data=str(user_csv), target='y', name=f'r{i}'), reports_dir=tmp_path, log=lambda *a: None)
            for i in range(2)]
    assert [r.status for r in runs] == ['complete', 'complete']
    m = [json.loads((r.path/'manifest.json').read_text()) for r in runs]
    assert m[0]['parameters']['time_col'] == 'ts' and m[0]['parameters']['task'] == 'regression'
    assert [s['figures'] for s in m[0]['steps']] == [s['figures'] for s in m[1]['steps']]
    assert m[0]['data'] == m[1]['data']
    for s in STEPS: assert _text_outputs(runs[0].path/f'{s}.ipynb', runs[0].path) == _text_outputs(runs[1].path/f'{s}.ipynb', runs[1].path), s

def _write(path:Path, content) -> Path:
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    return path

def bad_inputs(d:Path, good:Path) -> dict:
    "name -> (mlkit run arguments, a phrase the error must contain)."
    f = user_frame(50)
    csv = lambda name, frame: _write(d/name, frame.to_csv(index=False))
    return {
        'missing file': (['--data', d/'nope.csv', '--target', 'y'], 'not found'),
        'empty csv': (['--data', _write(d/'empty.csv', ''), '--target', 'y'], 'is empty'),
        'header only': (['--data', _write(d/'header.csv', 'ts,y\n'), '--target', 'y'], 'no data rows'),
        'unreadable csv': (['--data', _write(d/'bin.csv', bytes(range(256)) * 20), '--target', 'y'], 'cannot be read'),
        'unsupported type': (['--data', _write(d/'data.xlsx', 'x'), '--target', 'y'], 'unsupported file type'),
        'target missing': (['--data', good, '--target', 'sales'], "target column 'sales' not found"),
        'time column missing': (['--data', good, '--target', 'y', '--time-col', 'when'], "time column 'when' not found"),
        'unparseable time': (['--data', csv('badts.csv', f.assign(ts=f['ts'].where(f.index != 7, 'yesterday'))), '--target', 'y'],
                             'cannot be parsed'),
        'duplicated time': (['--data', csv('dup.csv', f.assign(ts=f['ts'].where(f.index != 7, f['ts'][6]))), '--target', 'y'],
                            'duplicated timestamp'),
        'unsorted time': (['--data', csv('unsorted.csv', f.iloc[[*range(10), 11, 10, *range(12, 50)]]), '--target', 'y'],
                          'not in increasing order'),
        'non-numeric target': (['--data', good, '--target', 'kind', '--task', 'regression'], 'not numeric'),
        'unknown task': (['--data', good, '--target', 'y', '--task', 'forecasting'], 'unknown task'),
        'escaping run name': (['--data', good, '--target', 'y', '--name', '../outside'], 'invalid run name'),
        'existing run name': (['--data', good, '--target', 'y', '--name', 'earlier'], 'already exists'),
    }

def test_bad_inputs_fail_cleanly(tmp_path, user_csv):
    "Each bad input: exit 2, one line naming the problem and the fix, no run created, the earlier run untouched."
    earlier = tmp_path/'reports'/'earlier'; earlier.mkdir(parents=True)
    (earlier/'manifest.json').write_text('{"status": "complete"}')
    before = sorted((tmp_path/'reports').rglob('*'))
    for name, (args, phrase) in bad_inputs(tmp_path, user_csv).items():
        r = mlkit('run', *args, cwd=tmp_path)
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 2, (name, r.stderr)
        assert len(lines) == 1 and lines[0].startswith('mlkit: error:') and 'Fix:' in lines[0], (name, r.stderr)
        assert phrase in lines[0], (name, lines[0])
        assert sorted((tmp_path/'reports').rglob('*')) == before, name
        assert not (tmp_path/'outside').exists()
    assert (earlier/'manifest.json').read_text() == '{"status": "complete"}'

def test_failing_step_is_reported_and_kept(tmp_path, user_csv):
    "A step that raises: exit 1 naming notebook and cell, its partial notebook kept, the run marked failed."
    nbs = tmp_path/'nbs'; nbs.mkdir()
    good = notebooks_dir()/f'{STEPS[0]}.ipynb'
    (nbs/good.name).write_bytes(good.read_bytes())
    params = nbformat.v4.new_code_cell("data_path = target = time_col = task = freq = seed = run_dir = None")
    params.metadata['tags'] = ['parameters']
    bad = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell('x = 1'), nbformat.v4.new_code_cell("raise RuntimeError('boom')")])
    bad.metadata['kernelspec'] = {'name': 'python3', 'language': 'python', 'display_name': 'Python 3'}
    nbformat.write(bad, nbs/'50_broken.ipynb')
    r = mlkit('run', '--data', user_csv, '--target', 'y', '--name', 'broken', '--nbs', nbs, cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert "50_broken.ipynb failed in cell In [4] `raise RuntimeError('boom')`" in r.stderr
    assert 'RuntimeError: boom' in r.stderr, r.stderr
    run = tmp_path/'reports'/'broken'
    m = json.loads((run/'manifest.json').read_text())
    assert m['status'] == 'failed' and [s['status'] for s in m['steps']] == ['complete', 'failed']
    assert (run/'50_broken.ipynb').exists() and 'failed' in (run/'index.html').read_text()

def test_packaged_install_runs_from_any_folder(tmp_path, user_csv):
    "`pip install .` (here into a target folder) then `mlkit run` elsewhere uses the notebooks shipped in the package."
    site = tmp_path/'site'
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-deps', '--no-build-isolation', '-q', '--target', site, ROOT],
                   check=True, capture_output=True)
    work = tmp_path/'elsewhere'; work.mkdir()
    r = subprocess.run([sys.executable, '-m', 'mlkit', 'run', '--data', user_csv, '--target', 'y', '--name', 'pkg'], cwd=work,
                       capture_output=True, text=True, env={**os.environ, 'PYTHONPATH': str(site)}, timeout=900)
    assert r.returncode == 0, r.stderr
    assert f'notebooks from {site/"mlkit"/"notebooks"}' in r.stdout
    assert json.loads((work/'reports'/'pkg'/'manifest.json').read_text())['status'] == 'complete'

def test_one_notebook_with_papermill_on_user_data(tmp_path, user_csv):
    "A user runs one step notebook on their own data with papermill's CLI, without a run folder."
    out = tmp_path/'eda.ipynb'
    r = subprocess.run([Path(sys.executable).parent/'papermill', ROOT/'nbs'/'01_eda.ipynb', out, '-p', 'data_path', user_csv,
                        '-p', 'target', 'y', '-p', 'time_col', 'ts', '--log-level', 'ERROR'],
                       capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    text = '\n'.join(_text_outputs(out, tmp_path))
    assert 'kind' in text and 'bike' not in text.lower()  # the analysis is of the user's columns, not the bundled data
    assert not (tmp_path/'reports').exists()  # in memory: nothing written besides the output notebook
