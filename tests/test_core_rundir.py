"""The run folder's API: only registered artifacts, each in its registered format; figures and findings filed under
the step's name, never lost for want of one."""
import pandas as pd, pytest
from mlkit.core import ARTIFACTS, RunDir, open_run
from mlkit.findings import Finding, MlkitError

def test_unregistered_artifact_names_are_refused(tmp_path):
    rd, run = RunDir(tmp_path), open_run(run_dir=tmp_path, step='01_eda')
    for call in (lambda: rd.save('feature', pd.DataFrame()), lambda: rd.load('feature'), lambda: rd.has('feature'),
                 lambda: run.artifact('feature', lambda: 1)):
        with pytest.raises(MlkitError, match="'feature' is not a registered artifact.*mlkit.core.ARTIFACTS"): call()
    assert not (tmp_path/'artifacts').exists()

def test_artifacts_are_stored_in_their_registered_format(tmp_path):
    rd = RunDir(tmp_path)
    with pytest.raises(MlkitError, match="'features' is registered as parquet, not a dict"): rd.save('features', {})
    with pytest.raises(MlkitError, match="'backtest_summary' is registered as json, not a DataFrame"):
        rd.save('backtest_summary', pd.DataFrame())
    rd.save('features', pd.DataFrame({'x': [1, 2]})); rd.save('backtest_summary', {'n_folds': 5})
    assert sorted(p.name for p in (tmp_path/'artifacts').iterdir()) == ['backtest_summary.json', 'features.parquet']
    assert rd.load('features')['x'].tolist() == [1, 2] and rd.load('backtest_summary') == {'n_folds': 5}
    assert {a.format for a in ARTIFACTS.values()} == {'parquet', 'json'}

def test_figures_and_findings_are_filed_under_the_step(tmp_path):
    run = open_run(run_dir=tmp_path, step='02_cleaning')
    run.record({'rows_left': 3}); run.add_findings([Finding('x', 'info', None, 'm')])
    assert RunDir(tmp_path).read_json('steps') == {'02_cleaning': {'rows_left': 3}}
    assert list(RunDir(tmp_path).read_json('findings')) == ['02_cleaning']
    nameless = open_run(run_dir=tmp_path)
    for call in (lambda: nameless.record({'rows_left': 3}), lambda: nameless.add_findings([])):
        with pytest.raises(MlkitError, match=r"no step name.*open_run\(\.\.\., step=step\)"): call()
    assert open_run().record({'rows_left': 3}) == {'rows_left': 3}  # in memory (no run folder): nothing to file
