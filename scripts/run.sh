#!/usr/bin/env bash
# Set up (first time) and run the whole mlkit suite; with no arguments, on the bundled Bike Sharing data.
# Any arguments are passed to `mlkit run` (e.g. --data my.csv --target y --time-col ts --name trial).
# A complete run's exported model is registered in models/ (the first version of a name becomes its champion).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$root"
exec mlkit run --register models "$@"
