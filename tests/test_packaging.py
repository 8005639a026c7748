"""The package is what the notebooks export, and its metadata agrees everywhere it is stated."""
import configparser, shutil, subprocess, sys, zipfile, filecmp
from pathlib import Path
import yaml
import mlkit
from mlkit.records import file_sha256
from mlkit.datasets import DATA_DIR

ROOT = Path(__file__).resolve().parent.parent
META = configparser.ConfigParser(); META.read(ROOT/'settings.ini'); META = META['DEFAULT']
BIN = Path(sys.executable).parent

def _diff(a:Path, b:Path) -> list:
    "Files that differ or exist on one side only, recursively, ignoring caches."
    c = filecmp.dircmp(a, b, ignore=['__pycache__', 'data', 'notebooks'])
    out = [f'{a.name}/{n}' for n in c.diff_files + c.left_only + c.right_only]
    for sub, cc in c.subdirs.items(): out += _diff(a/sub, b/sub)
    return out

def test_library_matches_notebooks(tmp_path):
    "mlkit/*.py is exactly what nbdev_export makes of nbs/: nobody edited the generated code by hand."
    for p in ('nbs', 'mlkit'): shutil.copytree(ROOT/p, tmp_path/p, ignore=shutil.ignore_patterns('__pycache__', 'data'))
    for p in ('settings.ini', 'pyproject.toml'): shutil.copy(ROOT/p, tmp_path/p)
    subprocess.run([BIN/'nbdev-export'], cwd=tmp_path, check=True, capture_output=True)
    assert _diff(ROOT/'mlkit', tmp_path/'mlkit') == [], "run nbdev_export and commit nbs/ and mlkit/ together"

def test_environment_yml_lists_settings_requirements():
    "environment.yml (conda) and settings.ini (pip) name the same dependencies."
    env = yaml.safe_load((ROOT/'environment.yml').read_text())
    pip = next(d['pip'] for d in env['dependencies'] if isinstance(d, dict))
    assert sorted(p for p in pip if not p.startswith('-')) == sorted(' '.join(
        META[k] for k in ('requirements', 'dev_requirements', 'torch_requirements')).split())

def test_version_agrees():
    assert mlkit.__version__ == META['version']

def test_bundled_data_is_the_documented_data():
    "The package's copy of Bike Sharing is byte-identical to the published files, with its attribution."
    assert file_sha256(DATA_DIR/'hour.csv') == 'b03a2d02e8c10f435c43c7f0b358b7e34a003afea53dbc37f0183f2763295133'
    assert file_sha256(DATA_DIR/'day.csv') == '537e98e2c8b8f53e3094d953f847788b1dc224764a4a1e538b3e1ec4e30dac8a'
    assert 'CC BY 4.0' in (DATA_DIR/'ATTRIBUTION.md').read_text() and 'Fanaee-T' in (ROOT/'README.md').read_text()

def test_wheel_ships_notebooks_and_data(tmp_path):
    "A regular (non-editable) build carries the numbered notebooks and the bundled data inside the package."
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', tmp_path,
                    ROOT],
                   check=True, capture_output=True)
    names = zipfile.ZipFile(next(tmp_path.glob('mlkit-*.whl'))).namelist()
    steps = sorted(p.name for p in (ROOT/'nbs').glob('[0-9][0-9]_*.ipynb'))
    assert sorted(n.split('/')[-1] for n in names if n.startswith('mlkit/notebooks/')) == steps
    assert {'mlkit/data/bike_sharing/hour.csv', 'mlkit/data/bike_sharing/ATTRIBUTION.md',
            'mlkit/__main__.py'} <= set(names)
