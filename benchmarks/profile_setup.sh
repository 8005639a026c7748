#!/bin/bash
# Set up the profiling benchmark's peer (ydata-profiling) in its own virtual environment (benchmarks/.venv-profile,
# gitignored), never in mlkit's. profile_bench.py runs ydata-profiling in a subprocess of that venv on the same frame
# (saved to Parquet), so its pandas version may differ from mlkit's.
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv-profile/bin/python ] || python3 -m venv .venv-profile
.venv-profile/bin/pip install --quiet --upgrade pip
.venv-profile/bin/pip install --quiet ydata-profiling pyarrow setuptools 2>&1 | grep -v "is ignored" || true
.venv-profile/bin/python -c "import ydata_profiling, pandas; print('ydata-profiling', ydata_profiling.__version__, '| pandas', pandas.__version__)"
