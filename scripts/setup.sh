#!/usr/bin/env bash
# Create .venv (if needed) and install mlkit with its dev dependencies into it. Sourced by run.sh and test.sh.
# Re-installs only when settings.ini, setup.py or pyproject.toml changed since the last install.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py=${PYTHON:-python3}
"$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "mlkit needs Python >= 3.11 (found $("$py" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2; exit 1; }
venv="$root/.venv"
[ -x "$venv/bin/python" ] || { echo "mlkit: creating $venv" >&2; "$py" -m venv "$venv"; }
stamp="$venv/.mlkit-installed"
want=$(cat "$root/settings.ini" "$root/setup.py" "$root/pyproject.toml" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "mlkit: installing mlkit and its dependencies into $venv (about a minute the first time)" >&2
  log="$venv/pip-install.log"
  if ! { "$venv/bin/python" -m pip install --disable-pip-version-check --upgrade pip &&
         "$venv/bin/python" -m pip install --disable-pip-version-check -e "$root[dev]"; } >"$log" 2>&1; then
    grep -v "is ignored" "$log" | tail -n 30 >&2
    echo "mlkit: installation failed; the full pip log is $log" >&2; exit 1
  fi
  echo "$want" > "$stamp"
fi
export PATH="$venv/bin:$PATH"
