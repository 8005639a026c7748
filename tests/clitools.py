"""Helpers shared by the CLI tests: running `python -m mlkit`, a small user dataset, a run's text outputs."""
import subprocess, sys
from pathlib import Path
import numpy as np, pandas as pd, nbformat
from mlkit.runner import step_notebooks

ROOT = Path(__file__).resolve().parent.parent
STEPS = [p.stem for p in step_notebooks(ROOT/'nbs')]

def mlkit(*args, cwd):
    "Run `python -m mlkit` in `cwd`; the completed process."
    return subprocess.run([sys.executable, '-m', 'mlkit', *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=900)

def user_frame(n=24 * 60, seed=1) -> pd.DataFrame:
    "A small hourly dataset with a seasonal numeric target, two features and three awkward columns."
    rng = np.random.default_rng(seed)
    ts = pd.date_range('2023-03-01', periods=n, freq='h')
    x = rng.normal(size=n)
    y = 50 + 10 * np.sin(2 * np.pi * ts.hour / 24) + 3 * x + rng.normal(size=n)
    # awkward but legal columns a run must survive: all missing, a free-text note per row, numbers mixed with text
    mixed = np.where(np.arange(n) % 97 == 5, 'closed', np.round(x, 3).astype(str)).astype(object)
    return pd.DataFrame({'ts': ts.strftime('%Y-%m-%d %H:%M:%S'), 'x': x, 'kind': rng.choice(['a', 'b'], n),
                         'empty': np.nan,
                         'note': [f'note {i:05d}' for i in range(n)], 'mixed': mixed, 'y': y})

def write_user_csv(folder:Path) -> Path:
    "The user dataset as a CSV in `folder`."
    p = folder/'my.csv'
    user_frame().to_csv(p, index=False)
    return p

def text_outputs(nb_path, run_path) -> list:
    """Per code cell: its printed text (streams joined: the kernel may split them differently each run), then its
    results' text."""
    nb = nbformat.read(nb_path, as_version=4)
    out = []
    for c in nb.cells:
        if c.cell_type != 'code': continue
        printed = ''.join(''.join(o['text']) for o in c.outputs if o.output_type == 'stream' and o.name == 'stdout')
        results = [''.join(o.get('data', {}).get('text/plain', '')) for o in c.outputs if o.output_type != 'stream']
        out.append('\n'.join([printed, *results]).replace(str(run_path), '<RUN>'))
    return out
