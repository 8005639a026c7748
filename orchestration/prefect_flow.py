"""A thin Prefect flow around mlkit's command line: run -> register -> monitor -> retrain, on a schedule.

The CLI does the work; each task only calls one `mlkit` subcommand by name (`python -m mlkit ...`) and fails with its
error line when the command exits non-zero. `mlkit monitor` and `mlkit retrain` are called when this mlkit has them
(`has_subcommand`), with the arguments given to the flow; otherwise their tasks are skipped and say so.

Run once:      python orchestration/prefect_flow.py --data my.parquet --target y
On a schedule: python orchestration/prefect_flow.py --data my.parquet --target y --cron "0 3 * * *"
               (`flow.serve`: needs a Prefect server, `prefect server start`, or Prefect Cloud)
Needs Prefect 3 (`pip install "mlkit[orchestration]"` or `pip install prefect`).
"""
from __future__ import annotations
import argparse, shlex, subprocess, sys
from datetime import datetime
from pathlib import Path
from prefect import flow, get_run_logger, task

def mlkit(*args) -> str:
    "Run `python -m mlkit ARGS`; its standard output, or a RuntimeError with its error line."
    r = subprocess.run([sys.executable, '-m', 'mlkit', *map(str, args)], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"mlkit {' '.join(map(shlex.quote, map(str, args)))} exited {r.returncode}: "
                           f"{(r.stderr.strip() or r.stdout.strip()).splitlines()[-1:]}")
    return r.stdout

def has_subcommand(name:str) -> bool:
    "Whether this mlkit has the subcommand `name` (`mlkit NAME --help` succeeds)."
    return subprocess.run([sys.executable, '-m', 'mlkit', name, '--help'], capture_output=True).returncode == 0

@task
def run_suite(data:str, target:str, reports:str, name:str, options:list) -> str:
    "`mlkit run`: the whole suite on the data into reports/<name>; the run folder."
    mlkit('run', '--data', data, '--target', target, '--reports', reports, '--name', name, *options)
    return str(Path(reports)/name)

@task
def register_model(run_dir:str, models:str, model_name:str|None) -> str:
    "`mlkit models register`: the run's exported model into the registry folder `models`; the command's report."
    out = mlkit('models', 'register', run_dir, '--root', models, *(['--name', model_name] if model_name else []))
    get_run_logger().info(out.strip())
    return out

@task
def optional_command(command:str, args:list|None) -> str|None:
    "`mlkit COMMAND ARGS` when this mlkit has the command and arguments were given; None (skipped) otherwise."
    present = has_subcommand(command)
    if args is None or not present:
        why = 'this mlkit has no such command' if not present else 'no arguments given'
        get_run_logger().info(f"mlkit {command}: skipped ({why})")
        return None
    return mlkit(command, *args)

@flow(name='mlkit-pipeline')
def mlkit_pipeline(data:str, target:str, reports:str='reports', models:str='models', model_name:str|None=None,
                   run_options:list|None=None, monitor_args:list|None=None, retrain_args:list|None=None) -> dict:
    "Run the suite, register its model, then monitor and retrain with the given arguments (when mlkit has them)."
    name = f"{Path(data).stem}-{datetime.now():%Y%m%d-%H%M%S}"
    run_dir = run_suite(data, target, reports, name, run_options or [])
    registered = register_model(run_dir, models, model_name)
    monitored = optional_command('monitor', monitor_args)
    retrained = optional_command('retrain', retrain_args)
    return dict(run_dir=run_dir, registered=registered, monitored=monitored, retrained=retrained)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--data', required=True); ap.add_argument('--target', required=True)
    ap.add_argument('--reports', default='reports'); ap.add_argument('--models', default='models')
    ap.add_argument('--monitor-args', default=None, help='arguments of `mlkit monitor`, as one shell string')
    ap.add_argument('--retrain-args', default=None, help='arguments of `mlkit retrain`, as one shell string')
    ap.add_argument('--cron', default=None, help='serve the flow on this schedule instead of running it once')
    a = ap.parse_args()
    params = dict(data=a.data, target=a.target, reports=a.reports, models=a.models,
                  monitor_args=a.monitor_args and shlex.split(a.monitor_args),
                  retrain_args=a.retrain_args and shlex.split(a.retrain_args))
    if a.cron: mlkit_pipeline.serve(name='mlkit-scheduled', cron=a.cron, parameters=params)
    else: print(mlkit_pipeline(**params))
