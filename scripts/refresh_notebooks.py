"""Re-execute notebooks in place so their stored outputs (checked by nbval) are current, then nbdev-clean them and
give every notebook the kernel metadata JupyterLab writes.

Usage: python scripts/refresh_notebooks.py [nbs/NN_name.ipynb ...]   (default: every notebook in nbs/)
"""
import json, os, subprocess, sys
from pathlib import Path
import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

KERNEL = 'python3'

def jupyterlab_metadata(language_info:dict) -> dict:
    """The notebook metadata JupyterLab writes when it opens a notebook on kernel `KERNEL` (which reports
    `language_info`): stored as it is, opening a notebook does not mark it modified."""
    spec = KernelSpecManager().get_kernel_spec(KERNEL)
    return {'kernelspec': {'display_name': spec.display_name, 'language': spec.language, 'name': KERNEL},
            'language_info': dict(language_info)}

def kernel_language_info() -> dict:
    "The `language_info` kernel `KERNEL` reports (nbclient stores it in the notebook it executes)."
    nb = nbformat.v4.new_notebook()
    NotebookClient(nb, kernel_name=KERNEL).execute()
    return nb.metadata['language_info']

def set_metadata(path:Path, meta:dict):
    "Give notebook `path` the metadata `meta` (nbdev-clean writes the kernel's name as its display name)."
    nb = json.loads(path.read_text(encoding='utf-8'))
    if {k: nb['metadata'].get(k) for k in meta} != meta:
        nb['metadata'].update(meta)
        path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + '\n', encoding='utf-8')

if __name__ == '__main__':
    # the kernels must use the inline backend (stored figures), and one thread as in the tests
    os.environ.pop('MPLBACKEND', None); os.environ['OMP_NUM_THREADS'] = '1'
    nbs = Path(__file__).resolve().parent.parent/'nbs'
    paths = [Path(p).resolve() for p in sys.argv[1:]] or sorted(nbs.glob('*.ipynb'))
    info = None
    for p in paths:
        nb = nbformat.read(p, as_version=4)
        NotebookClient(nb, timeout=900, kernel_name=KERNEL, resources={'metadata': {'path': str(p.parent)}}).execute()
        info = nb.metadata['language_info']
        nbformat.write(nb, p)
        print(f'executed {p.name}', flush=True)
    subprocess.run([str(Path(sys.executable).parent/'nbdev-clean')], cwd=nbs.parent, check=True)
    meta = jupyterlab_metadata(info or kernel_language_info())
    for p in sorted(nbs.glob('*.ipynb')): set_metadata(p, meta)
