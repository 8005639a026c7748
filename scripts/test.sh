#!/usr/bin/env bash
# Set up (first time) and run every test: nbdev_test (notebooks execute), then pytest over tests/ and nbval over nbs/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$root"
# one BLAS/OpenMP thread per test worker: two workers on two cores, no oversubscription (it slowed the suite 3x)
export MPLBACKEND=Agg PYTHONHASHSEED=0 OMP_NUM_THREADS=1
echo "== nbdev-test: every notebook executes without error" >&2
nbdev-test --n-workers 2
echo "== pytest: library, CLI and packaging tests, and nbval over the notebooks' stored outputs" >&2
exec python -m pytest -n 2 --dist loadfile "$@"
