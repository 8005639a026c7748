"""Re-execute notebooks in place so their stored outputs (checked by nbval) are current, then nbdev-clean them.

Usage: python scripts/refresh_notebooks.py [nbs/NN_name.ipynb ...]   (default: every notebook in nbs/)
"""
import os, subprocess, sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient

# the kernels must use the inline backend (stored figures), and one thread as in the tests
os.environ.pop('MPLBACKEND', None); os.environ['OMP_NUM_THREADS'] = '1'
nbs = Path(__file__).resolve().parent.parent/'nbs'
paths = [Path(p).resolve() for p in sys.argv[1:]] or sorted(nbs.glob('*.ipynb'))
for p in paths:
    nb = nbformat.read(p, as_version=4)
    NotebookClient(nb, timeout=900, kernel_name='python3', resources={'metadata': {'path': str(p.parent)}}).execute()
    nbformat.write(nb, p)
    print(f'executed {p.name}', flush=True)
subprocess.run([str(Path(sys.executable).parent/'nbdev-clean')], cwd=nbs.parent, check=True)
