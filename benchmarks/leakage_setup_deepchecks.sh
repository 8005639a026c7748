#!/bin/bash
# Set up deepchecks in its own virtual environment (benchmarks/.venv-deepchecks, gitignored), never in mlkit's.
# deepchecks 0.19 pins older pandas/scikit-learn than mlkit uses, so it runs apart, on cases saved to CSV files.
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv-deepchecks/bin/python ] || python3 -m venv .venv-deepchecks
.venv-deepchecks/bin/pip install --quiet --upgrade pip
# deepchecks 0.19 calls scorers that scikit-learn 1.6 removed and predates pandas 2.2 / numpy 2
.venv-deepchecks/bin/pip install --quiet "deepchecks==0.19.*" "scikit-learn<1.6" "pandas<2.2" "numpy<2" 2>&1 | grep -v "is ignored" || true
.venv-deepchecks/bin/python -c "import deepchecks; print('deepchecks', deepchecks.__version__)"
