#!/usr/bin/env bash
# Set up (first time) and run the whole mlkit suite; with no arguments, on the bundled Bike Sharing data.
# Any arguments are passed to `mlkit run` (e.g. --data my.csv --target y --time-col ts --name trial).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$root"
exec mlkit run "$@"
