"""The HTTP API of `mlkit.serve`: every endpoint, each kind of bad request, generated requests, the prediction log."""
import json, os, re, socket, subprocess, sys, time
from pathlib import Path
import httpx, pandas as pd
import pytest
from fastapi.testclient import TestClient
from mlkit.splitters import fold_settings
from mlkit.findings import MlkitError
from mlkit.serve import create_app, json_rows, served_predictions
from servetools import ToyModel, body, history, register_bike

ROOT = Path(__file__).resolve().parent.parent

@pytest.fixture
def model(): return ToyModel()

@pytest.fixture
def log_path(tmp_path): return tmp_path/'toy'/'predictions.jsonl'

@pytest.fixture
def client(model, log_path): return TestClient(create_app(model, log_path, max_body=2**20))

def logged(path) -> pd.DataFrame:
    return pd.read_json(path, lines=True, dtype=False) if path.exists() else pd.DataFrame()

# --- endpoints

def test_health_ready_metadata_schema_docs(client, model):
    assert client.get('/health').json() == {'status': 'ok'}
    assert client.get('/ready').json() == {'ready': True, 'model': 'toy', 'version': '1'}
    assert client.get('/metadata').json() == json.loads(json.dumps(model.card))
    schema = client.get('/schema').json()
    assert schema['required'] == ['rows', 'history'] and schema['additionalProperties'] is False
    hist_row = schema['properties']['history']['items']
    assert hist_row['additionalProperties'] is False and set(hist_row['required']) == {
        'ts', 'y', 'temp', 'hum', 'visitors', 'workingday', 'weather'}
    assert schema['properties']['history']['minItems'] == 3
    spec = client.get('/openapi.json').json()
    assert spec['paths']['/predict']['post']['requestBody']['content']['application/json']['schema'] == schema
    assert client.get('/docs').status_code == 200

def test_not_ready_when_the_log_cannot_be_written(model, tmp_path):
    (tmp_path/'file').write_text('')
    client = TestClient(create_app(model, tmp_path/'file'/'predictions.jsonl'))
    assert client.get('/ready').status_code == 503
    r = client.post('/predict', json=body())
    assert r.status_code == 503 and r.json()['detail'][0]['field'] == 'body'

def test_predict_one_row(client, model, log_path):
    r = client.post('/predict', json=body(start=10))
    assert r.status_code == 200, r.text
    res = r.json()
    assert res['predictions'] == [pytest.approx(9 % 7 + 1.05)] and res['warnings'] == [[]]
    assert res['model'] == 'toy' and res['version'] == '1' and res['probabilities'] is None
    assert r.headers['x-request-id'] == res['request_id']
    rows, hist = model.calls[-1]
    assert list(hist.columns) == ['ts', 'y', 'temp', 'hum', 'visitors', 'workingday', 'weather']
    assert str(rows['ts'].dtype).startswith('datetime64') and rows['visitors'].dtype == 'int64'
    assert rows['workingday'].dtype == bool and hist['y'].dtype == float
    log = logged(log_path)
    assert len(log) == 1 and log.loc[0, 'request_id'] == res['request_id'] and log.loc[0, 'version'] == '1'
    assert log.loc[0, 'prediction'] == pytest.approx(res['predictions'][0]) and len(log.loc[0, 'input_sha256']) == 64
    assert str(log.loc[0, 'time']).startswith('2024-01-01 10:00')

def test_batch_warns_rows_without_a_known_target(client, log_path):
    r = client.post('/predict', json=body(start=10, n_rows=5))
    assert r.status_code == 200
    kinds = [[w['kind'] for w in ws] for ws in r.json()['warnings']]
    assert kinds == [[]] + [['target_unknown']] * 4
    assert logged(log_path)['row'].tolist() == [0, 1, 2, 3, 4]

def test_classification_probabilities(log_path):
    client = TestClient(create_app(ToyModel('classification'), log_path))
    r = client.post('/predict', json=body(start=10, n_rows=2, task='classification'))
    assert r.status_code == 200, r.text
    res = r.json()
    assert set(res['predictions']) <= {'high', 'low'} and len(res['probabilities']) == 2
    assert all(set(p) == {'high', 'low'} and sum(p.values()) == pytest.approx(1) for p in res['probabilities'])
    assert 'probabilities' in logged(log_path).columns
    bad = body(task='classification'); bad['history'][0]['y'] = 'medium'
    r = client.post('/predict', json=bad)
    assert r.status_code == 422 and r.json()['detail'][0]['field'] == 'history[0].y'

def test_flags_what_training_did_not_see(client):
    r = client.post('/predict', json=body(temp=45.0, weather='snow'))
    assert r.status_code == 200
    w = r.json()['warnings'][0]
    assert {(x['column'], x['kind']) for x in w} == {('temp', 'above_training_range'), ('weather', 'unseen_category')}
    assert '31.5' not in r.text and 'mist' not in r.text  # the training range and categories are not given away

# --- bad requests: each a 422 that names the field, without training statistics, nothing predicted or logged

def refused(client, model, log_path, payload=None, status=422, **kw) -> list:
    n = len(model.calls)
    r = client.post('/predict', json=payload, **kw) if payload is not None else client.post('/predict', **kw)
    assert r.status_code == status, r.text
    res = r.json()
    assert res['request_id'] and res['detail'] and all(set(d) == {'field', 'problem'} for d in res['detail'])
    detail = json.dumps(res['detail'])
    for stat in ('31.5', '-7.25', '0.875', '0.125', '97', '12.75', 'mist'): assert stat not in detail
    assert len(model.calls) == n and not log_path.exists()
    return [(d['field'], d['problem']) for d in res['detail']]

def fields(problems) -> list: return [f for f, _ in problems]

def test_missing_column(client, model, log_path):
    b = body(); del b['rows'][0]['hum']
    assert fields(refused(client, model, log_path, b)) == ['rows[0].hum']
    b = body(); del b['history'][1]['y']
    assert fields(refused(client, model, log_path, b)) == ['history[1].y']
    assert fields(refused(client, model, log_path, dict(rows=body()['rows']))) == ['history']

def test_extra_column(client, model, log_path):
    problems = refused(client, model, log_path, body(casual=3))
    assert problems == [('rows[0].casual', 'not a column the model was trained on: remove it')]
    b = body(); b['rows'][0]['y'] = 1.0  # the target of a row to predict is not an input
    assert fields(refused(client, model, log_path, b)) == ['rows[0].y']
    assert fields(refused(client, model, log_path, body() | dict(horizon=3))) == ['horizon']

@pytest.mark.parametrize('column,value', [('temp', '10.5'), ('visitors', 12.5), ('visitors', True), ('visitors', 2**60),
                                          ('workingday', 1), ('weather', 3), ('ts', 1704067200), ('ts', 'monday')])
def test_wrong_type(client, model, log_path, column, value):
    assert fields(refused(client, model, log_path, body(**{column: value}))) == [f'rows[0].{column}']

def test_a_whole_float_is_an_int(client, model):
    assert client.post('/predict', json=body(visitors=12.0)).status_code == 200
    assert model.calls[-1][0]['visitors'].dtype == 'int64'

def test_null_and_nan_where_not_allowed(client, model, log_path):
    assert fields(refused(client, model, log_path, body(hum=None))) == ['rows[0].hum']
    assert client.post('/predict', json=body(temp=None)).status_code == 200  # temp is nullable
    raw = json.dumps(body(temp=0.5)).replace('0.5', 'NaN', 1)
    problems = refused(client, model, log_path.parent/'none', content=raw, headers={'content-type': 'application/json'})
    assert fields(problems) == ['rows[0].temp'] and 'null' in problems[0][1]
    raw = json.dumps(body()).replace('10.5', 'Infinity', 1)
    assert refused(client, model, log_path.parent/'none', content=raw,
                   headers={'content-type': 'application/json'})[0][0] == 'rows[0].temp'

def test_beyond_a_hard_bound(client, model, log_path):
    assert fields(refused(client, model, log_path, body(visitors=-1))) == ['rows[0].visitors']
    problems = refused(client, model, log_path, body(hum=1.5))
    assert fields(problems) == ['rows[0].hum'] and 'hard upper bound' in problems[0][1]
    b = body(); b['history'][2]['y'] = -4.0
    assert fields(refused(client, model, log_path, b)) == ['history[2].y']

def test_too_little_history(client, model, log_path):
    b = body(); b['history'] = b['history'][1:]
    problems = refused(client, model, log_path, b)
    assert fields(problems) == ['history'] and 'at least 3' in problems[0][1]
    b = body(start=10)  # three rows, but half an hour apart: they reach back 2 of the 3 hours the lags need
    b['history'] = [r | dict(ts=f'2024-01-01T0{8 + i // 2}:{30 * (i % 2):02d}:00') for i, r in enumerate(b['history'])]
    problems = refused(client, model, log_path, b)
    assert fields(problems) == ['history'] and 'reach back 0 days 03:00:00' in problems[0][1]
    r = client.post('/predict', json=body(start=10) | dict(history=history(8)))  # ends two hours early: warned
    assert r.status_code == 200 and r.json()['warnings'][0][0]['kind'] == 'target_unknown'

def test_timestamps_out_of_order(client, model, log_path):
    b = body(start=10, n_rows=2); b['rows'].reverse()
    assert fields(refused(client, model, log_path, b)) == ['rows[*].ts']
    b = body(start=10); b['history'] = history(12)  # the history reaches past the row to predict
    assert fields(refused(client, model, log_path, b)) == ['history[*].ts']
    b = body(start=10); b['rows'][0]['ts'] = '2024-01-01T10:00:00+02:00'  # the model was trained on local times
    problems = refused(client, model, log_path, b)
    assert fields(problems) == ['rows[0].ts'] and 'without UTC offset' in problems[0][1]

def test_empty_invalid_and_non_object_bodies(client, model, log_path):
    json_header = {'content-type': 'application/json'}
    assert fields(refused(client, model, log_path, content=b'', headers=json_header)) == ['body']
    assert fields(refused(client, model, log_path, content=b'{"rows": [', headers=json_header)) == ['body']
    assert fields(refused(client, model, log_path, content=b'[1, 2]', headers=json_header)) == ['body']
    assert sorted(fields(refused(client, model, log_path, {}))) == ['history', 'rows']
    assert fields(refused(client, model, log_path, body() | dict(rows=[]))) == ['rows']

def test_huge_body(client, model, log_path):
    b = body(); b['history'] = history(60_000, n=20_000)  # about 2 MB, over the 1 MiB limit of this app
    assert fields(refused(client, model, log_path, b, status=413)) == ['body']

def test_huge_body_without_content_length(client, model, log_path):
    chunks = (b' ' * 2**16 for _ in range(40))  # streamed: the size is known only while reading
    assert fields(refused(client, model, log_path, content=chunks, status=413,
                          headers={'content-type': 'application/json'})) == ['body']

def test_wrong_content_type(client, model, log_path):
    problems = refused(client, model, log_path, content=json.dumps(body()), status=415,
                       headers={'content-type': 'text/plain'})
    assert fields(problems) == ['content-type']
    assert refused(client, model, log_path, data={'rows': 'x'}, status=415)[0][0] == 'content-type'

def test_a_model_without_history(log_path):
    model = ToyModel(history_rows=0)
    model.predict = lambda rows, history: pd.DataFrame({'prediction': [4.0] * len(rows)})
    r = TestClient(create_app(model, log_path)).post('/predict', json=dict(rows=body(n_rows=2)['rows'], history=[]))
    assert r.status_code == 200 and r.json()['predictions'] == [4.0, 4.0] and r.json()['warnings'] == [[], []]

def test_errors_the_model_reports_are_refusals(model, log_path):
    def refuse(rows, history): raise MlkitError('history has a gap of 3 days', 'send the rows of the gap')
    model.predict = refuse
    r = TestClient(create_app(model, log_path)).post('/predict', json=body())
    assert r.status_code == 422 and r.json()['detail'] == [
        {'field': 'rows', 'problem': 'history has a gap of 3 days. Fix: send the rows of the gap'}]

def test_a_bug_is_a_clean_500_with_the_request_id(model, log_path):
    def broken(rows, history): raise KeyError('internal detail')
    model.predict = broken
    r = TestClient(create_app(model, log_path), raise_server_exceptions=False).post('/predict', json=body())
    assert r.status_code == 500 and 'internal detail' not in r.text and 'Traceback' not in r.text
    assert r.json()['request_id'] and not log_path.exists()

def test_a_wrong_number_of_predictions_is_not_returned(model, log_path):
    model.predict = lambda rows, history: pd.DataFrame({'prediction': [1.0, 2.0]})
    r = TestClient(create_app(model, log_path), raise_server_exceptions=False).post('/predict', json=body())
    assert r.status_code == 500 and not log_path.exists()

# --- generated requests

def on_the_grid(case):
    "`case` with its timestamps made consecutive hours (history first), so that valid bodies reach the model."
    b = case.body
    if isinstance(b, dict) and all(isinstance(b.get(k), list) for k in ('rows', 'history')):
        rows = [r for r in b['history'] + b['rows'] if isinstance(r, dict)]
        for i, r in enumerate(rows): r['ts'] = (pd.Timestamp('2024-03-01') + i * pd.Timedelta('1h')).isoformat()
    return case

def test_schemathesis_finds_no_server_error(tmp_path):
    "Over 1,000 requests generated from the OpenAPI spec, valid and invalid: every answer documented, none a 5xx."
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                     status_code_conformance)
    from schemathesis.specs.openapi.checks import negative_data_rejection
    schema = schemathesis.openapi.from_asgi('/openapi.json', create_app(ToyModel(), tmp_path/'predictions.jsonl'))
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    positive, negative = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE
    counts, statuses = {}, {}
    for op in (r.ok() for r in schema.get_all_operations()):
        for mode in (positive, negative) if op.method == 'post' else (positive,):
            strategy = op.as_strategy(generation_mode=mode)
            @settings(max_examples=500 if op.method == 'post' else 20, deadline=None, database=None,
                      derandomize=True, suppress_health_check=list(HealthCheck))
            @given(case=strategy.map(on_the_grid) if mode == positive else strategy)
            def call(case):
                response = case.call()
                case.validate_response(response, checks=checks + [negative_data_rejection] * (mode == negative))
                counts[op.label] = counts.get(op.label, 0) + 1
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            call()
    print(f'schemathesis: {sum(counts.values())} requests {counts}, statuses {statuses}')
    assert sum(counts.values()) >= 1_000 and counts['POST /predict'] >= 1_000, counts
    assert not any(s >= 500 for s in statuses), statuses
    assert statuses.get(200, 0) > 100 and statuses.get(422, 0) > 100, statuses  # valid and refused requests were made

# --- a real model: parity, and `mlkit serve` over HTTP

@pytest.fixture(scope='module')
def registry(tmp_path_factory): return register_bike(tmp_path_factory.mktemp('registry'))

def test_parity_with_the_pipeline_on_the_last_fold(registry):
    "Served one row at a time with the history the card asks for, the last fold equals the pipeline on the whole data."
    models, model, frame = registry
    parity = served_predictions(model, frame, fold_settings(len(frame), model.card['freq'])['test_size'])
    assert len(parity) == 28 and parity['served'].to_numpy() == pytest.approx(parity['pipeline'].to_numpy(), rel=1e-12)
    assert parity['served'].std() > 100  # real predictions, not one constant

def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def docker_command() -> list[str]:
    "The command the Dockerfile runs: its ENTRYPOINT followed by its CMD."
    text = (ROOT/'Dockerfile').read_text()
    return [a for k in ('ENTRYPOINT', 'CMD') for a in json.loads(re.search(rf'^{k} (\[.*\])$', text, re.M)[1])]

def test_the_docker_command_serves_over_http(registry, tmp_path):
    "The Dockerfile's command, with the registry, port and a loopback address of this machine, serves over HTTP."
    models, model, frame = registry
    cmd = docker_command()
    assert cmd[:2] == ['mlkit', 'serve'] and cmd[-1].endswith('@champion')
    port = free_port()
    swap = {'/models': str(models), '0.0.0.0': '127.0.0.1', '8000': str(port)}
    cmd = [str(Path(sys.executable).parent/'mlkit')] + [swap.get(a, a) for a in cmd[1:-1]] + ['bike-cnt@champion']
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=os.environ | {'PYTHONPATH': str(ROOT)})
    url = f'http://127.0.0.1:{port}'
    try:
        for _ in range(300):
            try:
                if httpx.get(f'{url}/ready', timeout=2).status_code == 200: break
            except httpx.TransportError: time.sleep(0.2)
            assert proc.poll() is None, proc.stdout.read()
        card, need = model.card, model.card['history']['rows']
        cols = [c['column'] for c in card['input_schema']]
        rows = frame.iloc[[-1]][[c for c in cols if c != card['target']]]
        hist = frame.iloc[-1 - need:-1][cols]
        r = httpx.post(f'{url}/predict', json=dict(rows=json_rows(rows, card['time_col']),
                                                   history=json_rows(hist, card['time_col'])), timeout=30)
        assert r.status_code == 200, r.text
        assert r.json()['version'] == '1' and r.json()['predictions'] == pytest.approx(
            model.predict(rows, hist)['prediction'].tolist())
        assert httpx.post(f'{url}/predict', json=dict(rows=[], history=[]), timeout=30).status_code == 422
        assert httpx.get(f'{url}/metadata', timeout=5).json()['name'] == 'bike-cnt'
        log = pd.read_json(models/'bike-cnt'/'predictions.jsonl', lines=True, dtype=False)
        assert log['request_id'].tolist() == [r.json()['request_id']]
    finally:
        proc.terminate(); out = proc.communicate(timeout=30)[0]
    assert 'serving bike-cnt version 1 on http://127.0.0.1' in out

def test_serve_refuses_an_unknown_model(registry):
    r = subprocess.run([sys.executable, '-m', 'mlkit', 'serve', 'nope@champion', '--models', str(registry[0])],
                       capture_output=True, text=True, env=os.environ | {'PYTHONPATH': str(ROOT)}, timeout=120)
    assert r.returncode == 2 and "no model named 'nope'" in r.stderr
