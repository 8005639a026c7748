"""Every notebook carries the kernel metadata JupyterLab writes when it opens one, so opening a notebook does not mark
it modified; nbdev-clean followed by scripts/refresh_notebooks.py keeps it."""
import copy, importlib.util, json, re
from pathlib import Path
import pytest
from nbdev.clean import clean_nb
from nbdev.config import get_config

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT/'nbs').glob('*.ipynb'))
# what ipykernel reports as language_info (JupyterLab stores it as it is); the version is the kernel's Python
LANGUAGE_INFO = {'codemirror_mode': {'name': 'ipython', 'version': 3}, 'file_extension': '.py',
                 'mimetype': 'text/x-python', 'name': 'python', 'nbconvert_exporter': 'python',
                 'pygments_lexer': 'ipython3'}

def _refresh():
    "scripts/refresh_notebooks.py as a module."
    spec = importlib.util.spec_from_file_location('refresh_notebooks', ROOT/'scripts'/'refresh_notebooks.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod

@pytest.mark.parametrize('path', NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_carries_jupyterlab_kernel_metadata(path):
    meta = json.loads(path.read_text(encoding='utf-8'))['metadata']
    assert meta['kernelspec'] == {'display_name': 'Python 3 (ipykernel)', 'language': 'python', 'name': 'python3'}
    info = dict(meta['language_info'])
    assert re.fullmatch(r'3\.\d+\.\d+', info.pop('version')), meta['language_info']
    assert info == LANGUAGE_INFO

def test_clean_then_refresh_keeps_the_metadata(tmp_path):
    """nbdev-clean with the project's settings keeps language_info but writes the kernel's name as display name;
    refresh_notebooks' last step puts JupyterLab's metadata back."""
    refresh = _refresh()
    nb = json.loads(NOTEBOOKS[0].read_text(encoding='utf-8'))
    stored = copy.deepcopy({k: nb['metadata'][k] for k in ('kernelspec', 'language_info')})  # clean_nb edits in place
    cfg = get_config(path=ROOT)
    clean_nb(nb, allowed_metadata_keys=cfg.allowed_metadata_keys, allowed_cell_metadata_keys=['tags'],
             clean_ids=True)
    assert nb['metadata']['language_info'] == stored['language_info']
    assert nb['metadata']['kernelspec']['display_name'] == 'python3'  # what nbdev-clean does to it
    p = tmp_path/'nb.ipynb'; p.write_text(json.dumps(nb), encoding='utf-8')
    refresh.set_metadata(p, refresh.jupyterlab_metadata(stored['language_info']))
    assert json.loads(p.read_text(encoding='utf-8'))['metadata'] == {**nb['metadata'], **stored}
