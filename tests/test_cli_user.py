"""A user's CSV through the Python API and through the packaged `mlkit` command: both complete, and the same inputs
give the same numbers and text outputs (determinism, and the shipped notebooks equal to `nbs/`)."""
import json, os, subprocess, sys
import pytest
from mlkit.config import RunConfig
from mlkit.runner import run_suite
from clitools import ROOT, STEPS, text_outputs

@pytest.fixture(scope='module')
def api_run(tmp_path_factory, user_csv):
    "The user CSV run through `run_suite`."
    return run_suite(RunConfig(data=str(user_csv), target='y', name='api'),
                     reports_dir=tmp_path_factory.mktemp('reports'),
                     log=lambda *a: None)

@pytest.fixture(scope='module')
def packaged_run(tmp_path_factory, user_csv):
    """`pip install .` (into a target folder), then `mlkit run` on the same CSV from another folder: (process, run
    folder, site)."""
    tmp = tmp_path_factory.mktemp('pkg')
    site = tmp/'site'
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-deps', '--no-build-isolation', '-q', '--target', site,
                    ROOT],
                   check=True, capture_output=True)
    work = tmp/'elsewhere'; work.mkdir()
    r = subprocess.run([sys.executable, '-m', 'mlkit', 'run', '--data', user_csv, '--target', 'y', '--name', 'pkg'],
                       cwd=work,
                       capture_output=True, text=True, env={**os.environ, 'PYTHONPATH': str(site)}, timeout=900)
    return r, work/'reports'/'pkg', site

def test_user_csv_runs_through_the_api(api_run):
    m = json.loads((api_run.path/'manifest.json').read_text())
    assert api_run.status == 'complete' and m['status'] == 'complete' and [s['step'] for s in m['steps']] == STEPS
    assert m['parameters']['time_col'] == 'ts'
    assert m['parameters']['task'] == 'regression'
    assert m['parameters']['freq'] == 'h'
    assert m['data']['rows'] == 24 * 60 and len(m['data']['sha256']) == 64
    # the awkward columns are reported, not fatal: numbers mixed with text, a free-text key, an all-missing column
    found = {(f['check'], f['column']) for f in json.loads((api_run.path/'findings.json').read_text())}
    assert {('mixed_types', 'mixed'), ('identifier', 'note'), ('cleaning_dropped_column', 'empty')} <= found, found

def test_packaged_install_runs_from_any_folder(packaged_run):
    r, run, site = packaged_run
    assert r.returncode == 0, r.stderr
    assert f'notebooks from {site/"mlkit"/"notebooks"}' in r.stdout
    assert json.loads((run/'manifest.json').read_text())['status'] == 'complete'

def test_same_inputs_give_same_numbers_and_text(api_run, packaged_run):
    "Two runs of the same CSV, target and seed: equal figures and data in the manifests, equal text outputs."
    m = [json.loads((p/'manifest.json').read_text()) for p in (api_run.path, packaged_run[1])]
    assert [s['figures'] for s in m[0]['steps']] == [s['figures'] for s in m[1]['steps']]
    assert m[0]['data'] == m[1]['data'] and m[0]['seed'] == m[1]['seed'] == 0
    for s in STEPS:
        assert text_outputs(api_run.path/f'{s}.ipynb', api_run.path) == text_outputs(packaged_run[1]/f'{s}.ipynb',
                                                                                     packaged_run[1]), s
