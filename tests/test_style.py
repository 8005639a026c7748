"""The code is clean under ruff with the project's settings (pyproject.toml): lines <= 120 chars, no pyflakes errors."""
import json, shutil, subprocess, sys
from importlib.util import find_spec
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ['mlkit', 'tests', 'benchmarks']

def _ruff() -> list:
    "The command that runs ruff: the module in this Python if installed, else a `ruff` binary on the PATH."
    if find_spec('ruff'): return [sys.executable, '-m', 'ruff']
    if shutil.which('ruff'): return [shutil.which('ruff')]
    pytest.skip('ruff is not installed (it is in dev_requirements: pip install ruff)')

def _check(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(_ruff() + ['check', '--no-cache', *args], cwd=cwd, capture_output=True, text=True)

def test_ruff_check_is_clean():
    "`ruff check` over the library, tests and benchmarks reports nothing (settings in pyproject.toml)."
    r = _check('--output-format', 'concise', *CHECKED)
    assert r.returncode == 0, f'ruff check found problems (wrap by hand; never ruff format):\n{r.stdout}{r.stderr}'

def test_only_nbdev_all_lines_are_long():
    "Without the per-file ignores, the only long lines are the `__all__` lines nbdev_export writes."
    r = _check('--output-format', 'json', '--config', 'lint.per-file-ignores = {}', *CHECKED)
    long = [(d['filename'], d['location']['row']) for d in json.loads(r.stdout)]
    assert long, 'the per-file ignores in pyproject.toml are no longer needed: remove them'
    text = {f: Path(f).read_text().splitlines() for f, _ in long}
    assert [(f, n) for f, n in long if not text[f][n - 1].startswith('__all__ = [')] == []

def test_ruff_sees_long_lines(tmp_path):
    "The check is live: the project's settings flag a 121-character line and an unused import."
    (tmp_path/'pyproject.toml').write_text((ROOT/'pyproject.toml').read_text())
    (tmp_path/'bad.py').write_text('import os\nx = ' + repr('a' * 115) + '\n')
    assert len((tmp_path/'bad.py').read_text().splitlines()[1]) == 121
    r = _check('--output-format', 'concise', 'bad.py', cwd=tmp_path)
    assert r.returncode == 1 and 'E501' in r.stdout and 'F401' in r.stdout, r.stdout
