"""`mlkit batch`: two tiny runs from a YAML file, each its own run folder, with the summary table; on a LocalCluster
the same numbers."""
import json, shutil
import pandas as pd, pytest
from mlkit.__main__ import main
from clitools import ROOT, user_frame

@pytest.fixture
def batch_dir(tmp_path):
    "A batch file of two runs (two targets of a small CSV) and a notebooks folder of two steps (00 and 04)."
    df = user_frame(n=24 * 40)
    df['y2'] = df['y'] * 2 + df['x']
    df.to_csv(tmp_path/'small.csv', index=False)
    nbs = tmp_path/'nbs'; nbs.mkdir()
    for step in ('00_core', '04_backtest'): shutil.copy(ROOT/'nbs'/f'{step}.ipynb', nbs)
    # the second run's backtest runs on a LocalCluster of its own (the dask parameter reaching 04_backtest)
    (tmp_path/'two.yaml').write_text('reports: out\ndefaults: {data: small.csv, time_col: ts}\n'
                                     'runs:\n  - {name: first, target: y}\n'
                                     '  - {name: second, target: y2, seed: 1, dask: "local:1"}\n')
    return tmp_path

def test_batch_of_two_runs(batch_dir, capsys, monkeypatch):
    monkeypatch.chdir(batch_dir)
    assert main(['batch', 'two.yaml', '--nbs', 'nbs']) == 0
    printed = capsys.readouterr().out
    summary = pd.read_csv(batch_dir/'out'/'two_summary.csv')
    assert summary['name'].tolist() == ['first', 'second'] and (summary['status'] == 'complete').all()
    assert all((batch_dir/'out'/n/'manifest.json').is_file() for n in summary['name'])
    assert summary['best_model'].notna().all() and (summary['best_model_score'] > 0).all()
    assert summary.loc[1, 'best_model_score'] != summary.loc[0, 'best_model_score']  # two targets, two results
    assert 'first' in printed and '2 of 2 runs complete' in printed
    manifest = json.loads((batch_dir/'out'/'second'/'manifest.json').read_text())
    assert manifest['parameters']['dask'] == 'local:1' and '--dask local:1' in manifest['rerun']
    # the same batch on a LocalCluster of two workers: the same numbers, in new folders
    assert main(['batch', 'two.yaml', '--nbs', 'nbs', '--reports', 'cluster', '--dask', 'local:2']) == 0
    on_dask = pd.read_csv(batch_dir/'cluster'/'two_summary.csv')
    same = ['name', 'status', 'rows', 'best_model', 'best_model_score', 'best_baseline', 'best_baseline_score']
    pd.testing.assert_frame_equal(on_dask[same], summary[same])
    # a name taken: the run is refused, the batch says so and exits 1
    assert main(['batch', 'two.yaml', '--nbs', 'nbs']) == 1
    assert (pd.read_csv(batch_dir/'out'/'two_summary.csv')['status'] == 'refused').all()

def test_bad_batch_file_fails_cleanly(tmp_path, capsys):
    (tmp_path/'bad.yaml').write_text('runs:\n  - {data: x.csv, target: y, colour: red}\n')
    assert main(['batch', str(tmp_path/'bad.yaml')]) == 2
    assert 'unknown option(s) colour' in capsys.readouterr().err
