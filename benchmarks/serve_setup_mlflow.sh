#!/bin/bash
# Set up the serving benchmark's peer, `mlflow models serve`, in its own virtual environment
# (benchmarks/.venv-serve-mlflow, gitignored), never in mlkit's: mlkit needs only mlflow-skinny, the server parts
# (Flask, gunicorn, uvicorn app) come with the full `mlflow` package: 3.17.2, as 3.18.0 needs an mlflow-tracing 3.18.0
# the package registry does not have. The peer loads the same skops file, so its venv gets mlkit's requirements at the
# versions of the interpreter running this script (PYTHON, default the project's .venv) and imports mlkit from this
# tree (PYTHONPATH).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-$(cd .. && pwd)/.venv/bin/python}
venv=.venv-serve-mlflow
[ -x $venv/bin/python ] || $PYTHON -m venv $venv
$venv/bin/pip install --quiet --upgrade pip
reqs=$(sed -n 's/^requirements = //p' ../settings.ini)
pins=$($PYTHON -c "from importlib.metadata import version as v; print(' '.join(f'{p}=={v(p)}' for p in
  ('pandas', 'numpy', 'scipy', 'scikit-learn', 'skops')))")
$venv/bin/pip install --quiet "mlflow==3.17.2" $reqs $pins 2>&1 | grep -v "is ignored" || true
$venv/bin/python -c "import mlflow; print('mlflow', mlflow.__version__)"
