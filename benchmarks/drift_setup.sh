#!/bin/bash
# Set up the drift benchmark's peers, each in its own virtual environment (benchmarks/.venv-drift-evidently and
# benchmarks/.venv-drift-nannyml, gitignored), never in mlkit's: their pins on pandas/numpy/scipy differ.
# Both need pandas < 3 (evidently 0.7 imports a helper pandas 3 removed); nannyml imports statsmodels without
# declaring it. drift_bench.py runs each peer in a subprocess of its venv on the same data (saved to Parquet).
set -euo pipefail
cd "$(dirname "$0")"
for peer in evidently nannyml; do
  venv=.venv-drift-$peer
  [ -x $venv/bin/python ] || python3 -m venv $venv
  $venv/bin/pip install --quiet --upgrade pip
  $venv/bin/pip install --quiet $peer "pandas<3" pyarrow psutil statsmodels 2>&1 | grep -v "is ignored" || true
  $venv/bin/python -c "import $peer; print('$peer', $peer.__version__)"
done
