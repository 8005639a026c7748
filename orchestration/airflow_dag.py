"""An Airflow DAG example on mlkit's command line: run -> register -> monitor -> retrain, daily.

Each task is one `mlkit` command (BashOperator), so the worker only needs mlkit installed (`pip install mlkit`) and the
data where the command can read it. `mlkit monitor` and `mlkit retrain` run when this mlkit has them (their arguments
come from the DAG's params); otherwise their tasks log that they were skipped. Copy this file into Airflow's dags
folder and set the params (Airflow 3; parse-checked with apache-airflow 3.3.2, see README).
"""
from __future__ import annotations
from datetime import datetime
try:
    from airflow.sdk import DAG  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.operators.bash import BashOperator

RUN = 'mlkit-{{ ts_nodash }}'  # one run folder per scheduled date

def optional(command:str, args:str) -> str:
    "A shell line running `mlkit COMMAND ARGS` when this mlkit has the command, else saying it was skipped."
    return (f'if mlkit {command} --help >/dev/null 2>&1; then mlkit {command} {args}; '
            f'else echo "mlkit {command}: not in this mlkit, skipped"; fi')

with DAG(dag_id='mlkit_pipeline', schedule='@daily', start_date=datetime(2026, 1, 1), catchup=False,
         params={'data': '/data/latest.parquet', 'target': 'y', 'reports': '/data/reports', 'models': '/data/models',
                 'monitor_args': '', 'retrain_args': ''},
         tags=['mlkit']) as dag:
    run = BashOperator(task_id='run', bash_command=(
        'mlkit run --data {{ params.data }} --target {{ params.target }} --reports {{ params.reports }} '
        f'--name {RUN}'))
    register = BashOperator(task_id='register', bash_command=(
        f'mlkit models register {{{{ params.reports }}}}/{RUN} --root {{{{ params.models }}}}'))
    monitor = BashOperator(task_id='monitor', bash_command=optional('monitor', '{{ params.monitor_args }}'))
    retrain = BashOperator(task_id='retrain', bash_command=optional('retrain', '{{ params.retrain_args }}'))
    run >> register >> monitor >> retrain
