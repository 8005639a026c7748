"""Serving latency and throughput on loopback: `mlkit serve` against a bare FastAPI endpoint (the floor) and against
`mlflow models serve` of the same model.

The floor is the least a server can do: a FastAPI endpoint that parses the JSON body into DataFrames and calls the same
model's `predict`, with no validation, no warnings and no log. The MLflow peer serves the same registry entry as an
MLflow pyfunc (benchmarks/serve_mlflow_model.py, in its own venv made by benchmarks/serve_setup_mlflow.sh; without that
venv, or when it fails to start, the results say why). All run with uvicorn in their own process on 127.0.0.1 and are
called one request at a time from this process over HTTP (httpx, one kept-alive connection).

Usage: .venv/bin/python benchmarks/serve_bench.py [--models DIR --ref NAME@champion]
Without --models it registers the model of the newest complete run in reports/ that shipped one, into a temporary
registry (or runs `mlkit run --name serve-bench-...` first when there is none).
Writes benchmarks/serve_results.md and .json.
"""
import argparse, json, os, platform, signal, socket, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent
GOALS = dict(one_row_p95_vs_floor=1.5, one_row_p95_ms=20.0, rows_10k_s=0.5)

def floor_app(ref:str, models:str):
    "The bare endpoint: JSON to DataFrames, the model's `predict`, the predictions back; nothing else."
    from fastapi import FastAPI, Request
    from mlkit.registry import load_model
    model = load_model(ref, root=models)
    tcol, app = model.card['time_col'], FastAPI()

    @app.post('/predict')
    async def predict(request:Request):
        body = json.loads(await request.body())
        rows, history = pd.DataFrame(body['rows']), pd.DataFrame(body['history'])
        rows[tcol], history[tcol] = pd.to_datetime(rows[tcol]), pd.to_datetime(history[tcol])
        return {'predictions': model.predict(rows, history)['prediction'].tolist()}
    return app

def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def start(cmd:list, port:int, env:dict, ready:str='/docs') -> subprocess.Popen:
    "Start a server in its own process group (MLflow's CLI starts uvicorn as a child) and wait until it answers."
    import httpx
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    for _ in range(1200):
        try:
            httpx.get(f'http://127.0.0.1:{port}{ready}', timeout=1); return proc
        except httpx.TransportError:
            if proc.poll() is not None: raise RuntimeError(f'{cmd} exited: {proc.stderr.read()[-2000:]}')
            time.sleep(0.1)
    stop(proc); raise RuntimeError(f'{cmd} did not start')

def stop(proc:subprocess.Popen):
    "End a server started by `start`: its process group (the server and any child it started)."
    try: os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError: return
    try: proc.wait(10)
    except subprocess.TimeoutExpired: os.killpg(proc.pid, signal.SIGKILL); proc.wait(10)

MLFLOW_VENV = OUT/'.venv-serve-mlflow'

def start_mlflow(models:Path, ref:str, tmp:Path, port:int, env:dict) -> subprocess.Popen:
    "Save the registry's model as an MLflow pyfunc and serve it with `mlflow models serve --env-manager local`."
    if not (MLFLOW_VENV/'bin'/'mlflow').exists():
        raise RuntimeError(f'{MLFLOW_VENV} does not exist: run benchmarks/serve_setup_mlflow.sh first')
    env = env | dict(PATH=f"{MLFLOW_VENV/'bin'}:{env.get('PATH', '')}")  # MLflow runs `uvicorn` from PATH
    subprocess.run([str(MLFLOW_VENV/'bin'/'python'), str(OUT/'serve_mlflow_model.py'), str(tmp/'mlflow-model'),
                    str(models), ref], env=env, check=True, capture_output=True, text=True)
    return start([str(MLFLOW_VENV/'bin'/'mlflow'), 'models', 'serve', '-m', str(tmp/'mlflow-model'), '--env-manager',
                  'local', '-h', '127.0.0.1', '-p', str(port)], port, env, ready='/ping')

def mlflow_version() -> str|None:
    "The version of MLflow in the peer's venv, if there is one."
    try: return subprocess.run([str(MLFLOW_VENV/'bin'/'python'), '-c', 'import mlflow; print(mlflow.__version__)'],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError): return None

def mlflow_body(body:dict, model) -> dict:
    "The same request for MLflow's /invocations: one frame, the history then the rows (their target missing)."
    cols = [c['column'] for c in model.card['input_schema']]
    rows = body['history'] + [r | {model.card['target']: None} for r in body['rows']]
    return dict(dataframe_split=dict(columns=cols, data=[[r[c] for c in cols] for r in rows]))

def payloads(model, frame:pd.DataFrame, sizes:list) -> dict:
    "size -> request body: the last `size` rows with a target, and the history the card asks for before them."
    from mlkit.serve import json_rows
    card = model.card
    cols = [c['column'] for c in card['input_schema']]
    need, tcol, y = card['history']['rows'], card['time_col'], card['target']
    out = {}
    for n in sizes:
        end = len(frame)
        rows, hist = frame.iloc[end - n:end], frame.iloc[end - n - need:end - n]
        out[n] = dict(rows=json_rows(rows[[c for c in cols if c != y]], tcol), history=json_rows(hist[cols], tcol))
    return out

def measure(client, url:str, body:dict, n:int, warmup:int) -> np.ndarray:
    "Seconds per request for `n` sequential requests after `warmup` ones (each answer checked)."
    data = json.dumps(body).encode()
    headers = {'content-type': 'application/json'}
    times = []
    for i in range(warmup + n):
        t0 = time.perf_counter()
        r = client.post(url, content=data, headers=headers)
        dt = time.perf_counter() - t0
        if r.status_code != 200: raise RuntimeError(f'{url}: {r.status_code} {r.text[:300]}')
        if i >= warmup: times.append(dt)
    return np.array(times)

def server_cpu(proc:subprocess.Popen) -> float:
    "CPU seconds (user + system) used so far by a server and its children (MLflow's CLI serves from a uvicorn child)."
    import psutil
    p = psutil.Process(proc.pid)
    return sum(sum(q.cpu_times()[:2]) for q in [p, *p.children(recursive=True)])

def stats(t:np.ndarray, rows:int) -> dict:
    ms = t * 1e3
    return dict(requests=len(t), p50_ms=float(np.percentile(ms, 50)), p95_ms=float(np.percentile(ms, 95)),
                p99_ms=float(np.percentile(ms, 99)), requests_per_s=float(len(t) / t.sum()),
                rows_per_s=float(rows * len(t) / t.sum()))

def registry_from_reports(models:Path) -> str:
    "Register the newest complete run's shipped model into `models`; returns its ref."
    def shipped():
        runs = [p for p in (ROOT/'reports').glob('*/manifest.json')
                if json.loads(p.read_text()).get('status') == 'complete' and (p.parent/'model').exists()]
        return max(runs, key=lambda p: p.stat().st_mtime).parent if runs else None
    run = shipped()
    if run is None:
        subprocess.run([sys.executable, '-m', 'mlkit', 'run', '--name', f'serve-bench-{int(time.time())}'],
                       cwd=ROOT, check=True)
        run = shipped()
    from mlkit.registry import register, set_alias
    entry = register(run, root=models)
    set_alias(entry['name'], entry['version'], 'champion', root=models)
    return f"{entry['name']}@champion"

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--models'); ap.add_argument('--ref')
    ap.add_argument('--note', default='', help='a sentence on the conditions of the run, written into the results')
    ap.add_argument('--floor-server', nargs=3, metavar=('REF', 'MODELS', 'PORT'), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.floor_server:
        import uvicorn
        ref, models, port = a.floor_server
        return uvicorn.run(floor_app(ref, models), host='127.0.0.1', port=int(port), access_log=False)
    import httpx
    from mlkit.config import RunConfig
    from mlkit.loading import load_dataset
    from mlkit.registry import load_model
    tmp = Path(tempfile.mkdtemp(prefix='serve-bench-'))
    models = Path(a.models) if a.models else tmp/'models'
    ref = a.ref or registry_from_reports(models)
    model = load_model(ref, root=models)
    ds = load_dataset(RunConfig(data='bike_sharing_hourly', target=model.card['target']))
    bodies = payloads(model, ds.frame, [1, 1_000, 10_000])
    env = os.environ | dict(PYTHONPATH=str(ROOT), OMP_NUM_THREADS='1')
    ours, floor, peer = free_port(), free_port(), free_port()
    procs = [start([sys.executable, '-m', 'mlkit', 'serve', ref, '--models', str(models), '--port', str(ours),
                    '--log', str(tmp/'predictions.jsonl')], ours, env),
             start([sys.executable, __file__, '--floor-server', ref, str(models), str(floor)], floor, env)]
    servers = {'mlkit serve': (f'http://127.0.0.1:{ours}/predict', bodies, procs[0]),
               'floor': (f'http://127.0.0.1:{floor}/predict', bodies, procs[1])}
    mlflow_error = None
    try:
        procs.append(start_mlflow(models, ref, tmp, peer, env))
        servers['mlflow models serve'] = (f'http://127.0.0.1:{peer}/invocations',
                                          {n: mlflow_body(b, model) for n, b in bodies.items()}, procs[2])
    except (RuntimeError, subprocess.CalledProcessError) as e:
        mlflow_error = str(getattr(e, 'stderr', None) or e).strip()[-1500:]
        print('mlflow models serve is not compared:', mlflow_error, file=sys.stderr)
    res = {}
    try:
        with httpx.Client(timeout=120) as client:
            for n, reps, warm in ((1, 300, 20), (1_000, 30, 5), (10_000, 10, 2)):
                times, cpu = {name: [] for name in servers}, dict.fromkeys(servers, 0.)
                for block in range(5):  # the servers alternate in blocks: a busy spell of the shared machine hits all
                    for name, (url, body, proc) in servers.items():
                        if block == 0: measure(client, url, body[n], warm, 0)
                        used = server_cpu(proc)
                        times[name].append(measure(client, url, body[n], reps // 5, 0))
                        cpu[name] += server_cpu(proc) - used
                for name, t in times.items():
                    res[f'{name}, {n:,} row(s)'] = stats(np.concatenate(t), n) | dict(
                        server=name, rows=n, server_cpu_ms=cpu[name] / (reps // 5 * 5) * 1e3)
    finally:
        for p in procs: stop(p)
    logged = sum(1 for _ in open(tmp/'predictions.jsonl'))
    one, floor1 = res['mlkit serve, 1 row(s)'], res['floor, 1 row(s)']
    ten = res['mlkit serve, 10,000 row(s)']
    verdict = dict(one_row_p95_vs_floor=one['p95_ms'] / floor1['p95_ms'], one_row_p95_ms=one['p95_ms'],
                   rows_10k_s=ten['p50_ms'] / 1e3)
    meta = dict(model=ref, history_rows=model.card['history']['rows'], python=platform.python_version(),
                cpus=os.cpu_count(), logged_lines=logged, when=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
                load=os.getloadavg(), note=a.note, mlflow=mlflow_version(), mlflow_error=mlflow_error)
    (OUT/'serve_results.json').write_text(json.dumps(dict(meta=meta, results=res, verdict=verdict), indent=1) + '\n')
    cols = ['server', 'rows', 'requests', 'p50_ms', 'p95_ms', 'p99_ms', 'requests_per_s', 'rows_per_s',
            'server_cpu_ms']
    table = ['| ' + ' | '.join(cols) + ' |', '|' + '---|' * len(cols)] + [
        '| ' + ' | '.join(f'{r[c]:,.1f}' if isinstance(r[c], float) else f'{r[c]:,}' if isinstance(r[c], int)
                          else str(r[c]) for c in cols) + ' |' for r in res.values()]
    ok = lambda k, v: 'met' if (v <= GOALS[k] if k != 'rows_10k_s' else v < GOALS[k]) else 'NOT met'
    peer = res.get('mlflow models serve, 1 row(s)')
    if peer is None: peer_text = f"`mlflow models serve` could not be compared: {mlflow_error}"
    else:
        p50 = lambda name, n: res[f'{name}, {n:,} row(s)']['p50_ms']
        ratios = ', '.join(f"{p50('mlflow models serve', n) / p50('mlkit serve', n):.1f} x at {n:,} row(s)"
                           for n in (1, 1_000, 10_000))
        peer_text = (f"`mlflow models serve` (MLflow {meta['mlflow']}, `--env-manager local`, its uvicorn scoring "
                     "server) serves the same registry entry as a pyfunc (`benchmarks/serve_mlflow_model.py`: loaded "
                     "with the same sha256 check and skops types, predicting with the same `predict`), a request "
                     "being one `dataframe_split` frame of the history and the rows; it checks nothing against the "
                     f"card and logs nothing. Its median latency against `mlkit serve`: {ratios}.")
    lines = ['# Serving benchmark: `mlkit serve` against a bare FastAPI endpoint (the floor) and `mlflow models serve`',
             '', f"Run {meta['when']} by `benchmarks/serve_bench.py` on {meta['cpus']} cores, Python {meta['python']}; "
             f"model `{ref}` (history of {meta['history_rows']} rows per request); load average at the end "
             f"{', '.join(f'{x:.1f}' for x in meta['load'])}." + (f" {a.note}" if a.note else ''), '',
             'The servers were measured in alternating blocks so that all saw the same load; the load average '
             'above says how busy the machine was (absolute times grow with it, the ratio to the floor much less).',
             '', 'One client, one request at a time over loopback (127.0.0.1), kept-alive connection. `mlkit serve` '
             'validates every request against the card, checks the history, computes the per-row warnings and '
             'appends every prediction to its log; the floor only parses the JSON and calls `predict`. '
             '`server_cpu_ms` is the CPU time (user + system) the server process and its children used per measured '
             'request: what a request costs whatever else runs on the machine (on an idle machine its latency is '
             'about that plus the client and loopback).', '',
             *table, '',
             '| goal | measured | |', '|---|---|---|',
             f"| one-row p95 <= 1.5 x floor | {verdict['one_row_p95_vs_floor']:.2f} x | "
             f"{ok('one_row_p95_vs_floor', verdict['one_row_p95_vs_floor'])} |",
             f"| one-row p95 <= 20 ms | {verdict['one_row_p95_ms']:.1f} ms | "
             f"{ok('one_row_p95_ms', verdict['one_row_p95_ms'])} |",
             f"| 10,000-row batch < 0.5 s (median) | {verdict['rows_10k_s']:.3f} s | "
             f"{ok('rows_10k_s', verdict['rows_10k_s'])} |", '',
             f"Predictions logged by `mlkit serve` during the run: {logged:,} lines (one per predicted row).", '',
             "The floor's own time is the model's `predict`: the pipeline computing the features of the history and "
             "the rows (the target's own rolling and expanding statistics from the state kept at the end of training, "
             "`mlkit.feature_state`, so a request costs its own rows, not the training data's), then the model. The "
             "absolute goals depend on it and on the machine's load; the ratio to the floor is what serving adds.", '',
             peer_text, '']
    (OUT/'serve_results.md').write_text('\n'.join(lines))
    print('\n'.join(lines))

if __name__ == '__main__':
    main()
