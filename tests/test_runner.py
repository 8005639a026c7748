"""mlkit.runner: a step runs as a report (its documentation examples skipped) in a single-threaded kernel."""
import json, os
import nbformat
from mlkit.kernels import KERNEL_ENV
from mlkit.runner import _execute_step, step_notebooks, notebooks_dir
from mlkit.pages import REPORT_HEADING, report_version

def test_step_kernel_is_single_threaded_and_skips_examples(tmp_path):
    """The kernel sees KERNEL_ENV (the runner's own environment is left as it was); examples before the heading do not
    run."""
    before = os.environ.get('OMP_NUM_THREADS')
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell('# Step'), nbformat.v4.new_code_cell('out = "x"',
                                                                           metadata={'tags': ['parameters']}),
        nbformat.v4.new_code_cell('#| export\nimport json, os'),
        nbformat.v4.new_code_cell('raise AssertionError("an example ran")'),
        nbformat.v4.new_markdown_cell(REPORT_HEADING),
        nbformat.v4.new_code_cell('json.dump({k: os.environ.get(k) for k in %r}, open(out, "w"))'
                                  % sorted(KERNEL_ENV))])
    nb.metadata['kernelspec'] = dict(name='python3', display_name='python3', language='python')
    nbformat.write(nb, tmp_path/'step.ipynb')
    err = _execute_step(tmp_path/'step.ipynb', tmp_path/'done.ipynb', {'out': str(tmp_path/'env.json')}, tmp_path)
    assert err is None
    assert json.loads((tmp_path/'env.json').read_text()) == KERNEL_ENV
    assert os.environ.get('OMP_NUM_THREADS') == before

def test_every_step_has_a_report_part():
    """Each shipped step notebook marks where its analysis of the run's data begins, and its report keeps every
    definition."""
    for p in step_notebooks(notebooks_dir()):
        nb = nbformat.read(p, as_version=4)
        rep = report_version(nb)
        assert len(rep.cells) < len(nb.cells), p.name
        exports = [c.source for c in nb.cells if c.source.startswith('#| export')]
        assert exports == [c.source for c in rep.cells if c.source.startswith('#| export')], p.name
