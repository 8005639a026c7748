#!/bin/bash
# Set up the backtest benchmark's peers (skforecast, sktime) in their own virtual environment
# (benchmarks/.venv-forecast, gitignored), never in mlkit's. The peers run in subprocesses of backtest_bench.py on the
# same generated data (saved to Parquet), so their pandas/scikit-learn versions may differ from mlkit's.
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv-forecast/bin/python ] || python3 -m venv .venv-forecast
.venv-forecast/bin/pip install --quiet --upgrade pip
.venv-forecast/bin/pip install --quiet skforecast sktime pyarrow 2>&1 | grep -v "is ignored" || true
.venv-forecast/bin/python -c "import skforecast, sktime, sklearn, pandas; print('skforecast', skforecast.__version__, '| sktime', sktime.__version__, '| scikit-learn', sklearn.__version__, '| pandas', pandas.__version__)"
