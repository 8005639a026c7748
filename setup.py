"""Build mlkit from the metadata in settings.ini; ship the numbered notebooks inside the package."""
from configparser import ConfigParser
from pathlib import Path
import shutil
from setuptools import setup, find_namespace_packages
from setuptools.command.build_py import build_py

here = Path(__file__).parent
cfg = ConfigParser(); cfg.read(here/'settings.ini')
meta = cfg['DEFAULT']

class build_py_with_notebooks(build_py):
    "Copy nbs/NN_*.ipynb into the built package so `mlkit run` works from a plain `pip install .`."
    def run(self):
        super().run()
        if self.editable_mode: return  # an editable install runs the notebooks straight from nbs/
        dest = Path(self.build_lib)/'mlkit'/'notebooks'
        dest.mkdir(parents=True, exist_ok=True)
        for nb in sorted((here/'nbs').glob('[0-9][0-9]_*.ipynb')): shutil.copy2(nb, dest/nb.name)

setup(
    name=meta['lib_name'], version=meta['version'], description=meta['description'],
    author=meta['author'], author_email=meta['author_email'], license=meta['license'],
    python_requires='>=' + meta['min_python'],
    packages=find_namespace_packages(include=['mlkit', 'mlkit.*']),
    package_data={'mlkit.data.bike_sharing': ['*.csv', '*.txt', '*.md']},
    install_requires=meta['requirements'].split(),
    # torch: the hybrid neural model (optional; pinned: an unpinned torch may pull a multi-GB CUDA build). The dev
    # install includes it, so the tests of the hybrid model run in CI.
    extras_require={'dev': meta['dev_requirements'].split() + meta['torch_requirements'].split(),
                    'torch': meta['torch_requirements'].split(),
                    'orchestration': meta['orchestration_requirements'].split()},
    entry_points={'console_scripts': meta['console_scripts'].split(),
                  'nbdev': ['mlkit = mlkit._modidx:d']},
    cmdclass={'build_py': build_py_with_notebooks},
)
