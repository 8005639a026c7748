"""The main job (`mlkit run` on the bundled data) against its floor, on an idle machine and beside one busy process.

Floor: papermill running as many notebooks as the run has steps, each holding only its step's import cell and the
parameters cell, in fresh kernels, through the same command-line entry (`python -m mlkit` is replaced by a small
script calling `papermill.execute_notebook` the way the runner does). What the floor costs (kernel starts, imports)
no analysis can avoid; the rest is mlkit's work.
Busy: one background process spinning on one core (`while True: pass`) for the whole measurement, as a user's laptop
running something else. Goals (issue 14): main job <= 2x the floor on an idle machine; busy main job <= 1.5x the
idle one.
Rounds alternate floor and main job, idle and busy, `--repeats` times; the median of each is reported and every run
listed. Usage: `python benchmarks/main_job_bench.py [--repeats 3] [--out benchmarks/main_job_results]`.
"""
from __future__ import annotations
import argparse, json, os, statistics, subprocess, sys, tempfile, time
from datetime import datetime, timezone
from pathlib import Path
import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
from mlkit.runner import step_notebooks, notebooks_dir  # noqa: E402

FLOOR_RUNNER = """
import sys, papermill as pm
for nb in sys.argv[2:]:
    pm.execute_notebook(nb, nb + '.out.ipynb', parameters={}, kernel_name='python3', cwd=sys.argv[1],
                        progress_bar=False, log_output=False)
"""

def floor_notebooks(folder:Path) -> list[Path]:
    "One notebook per step with only that step's imports (its first exported cell) and its parameters cell."
    out = []
    for nb_path in step_notebooks(notebooks_dir()):
        nb = nbformat.read(nb_path, as_version=4)
        imports = next(c for c in nb.cells if c.cell_type == 'code' and c.source.startswith('#| export'))
        params = next(c for c in nb.cells if 'parameters' in c.metadata.get('tags', []))
        module = next(c.source.split()[-1] for c in nb.cells if c.source.startswith('#| default_exp'))
        body = imports.source.replace('#| export', '') + f"\nimport mlkit.{module}\n"
        floor = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(body), params])
        floor.metadata = nb.metadata
        p = folder/nb_path.name
        nbformat.write(floor, p)
        out.append(p)
    return out

def timed(cmd:list, cwd:Path, env:dict) -> float:
    "Wall seconds of `cmd` (which must succeed)."
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if p.returncode: raise RuntimeError(f"{cmd[:4]} failed: {p.stderr.strip().splitlines()[-1:]}")
    return time.perf_counter() - t

def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--out', default=str(HERE/'main_job_results'))
    a = ap.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k not in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS')}  # as a user runs it
    env['PYTHONPATH'] = str(ROOT)
    runs = {k: [] for k in ('floor idle', 'main idle', 'floor busy', 'main busy')}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        floor = floor_notebooks(tmp)
        (tmp/'floor.py').write_text(FLOOR_RUNNER)
        floor_cmd = [sys.executable, str(tmp/'floor.py'), str(tmp), *map(str, floor)]
        for r in range(a.repeats):
            for busy in (False, True):
                spinner = subprocess.Popen([sys.executable, '-c', 'while True: pass']) if busy else None
                try:
                    state = 'busy' if busy else 'idle'
                    runs[f'floor {state}'].append(timed(floor_cmd, tmp, env))
                    main_cmd = [sys.executable, '-m', 'mlkit', 'run', '--name', f'r{r}{state}', '--reports',
                                str(tmp/'rep')]
                    runs[f'main {state}'].append(timed(main_cmd, tmp, env))
                    print(r, state, round(runs[f'floor {state}'][-1], 1), round(runs[f'main {state}'][-1], 1),
                          flush=True)
                finally:
                    if spinner: spinner.kill(); spinner.wait()
    med = {k: statistics.median(v) for k, v in runs.items()}
    ratios = {'main/floor idle (goal <= 2)': med['main idle'] / med['floor idle'],
              'main busy/main idle (goal <= 1.5)': med['main busy'] / med['main idle'],
              'main/floor busy': med['main busy'] / med['floor busy']}
    head = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    res = dict(meta=dict(commit=head, date=datetime.now(timezone.utc).isoformat(timespec='seconds'),
                         cores=os.cpu_count(), repeats=a.repeats, load_at_end=os.getloadavg()),
               seconds={k: [round(x, 1) for x in v] for k, v in runs.items()},
               median={k: round(v, 1) for k, v in med.items()}, ratios={k: round(v, 2) for k, v in ratios.items()})
    out = Path(a.out)
    out.with_suffix('.json').write_text(json.dumps(res, indent=1) + '\n')
    L = ['# Main job against its floor, idle and beside one busy process', '',
         f"Commit `{head}`, {res['meta']['date']}, {os.cpu_count()} cores, {a.repeats} rounds. Generated by "
         "`python benchmarks/main_job_bench.py` (see its docstring for the floor and the busy process).", '',
         '| measurement | median s | every run s |', '| --- | --- | --- |']
    L += [f"| {k} | {med[k]:.1f} | {', '.join(f'{x:.1f}' for x in runs[k])} |" for k in runs]
    L += ['', '| ratio | value |', '| --- | --- |'] + [f'| {k} | {v:.2f} |' for k, v in ratios.items()]
    out.with_suffix('.md').write_text('\n'.join(L) + '\n')
    print('\n'.join(L))
    return res

if __name__ == '__main__': main()
