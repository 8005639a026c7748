"""`mlkit monitor`: planted drifts in real data found and dated, clean batches quiet over many seeds, schema changes,
a unit change in a new batch, and the whole path from a fresh run: run, register, serve, monitor -> verdict."""
import json
import numpy as np, pandas as pd, pytest
from mlkit.__main__ import main
from mlkit.drift import column_drift, drift_findings
from mlkit.export import column_schema
from mlkit.findings import MlkitError
from mlkit.monitor import demo_inputs, monitor_batch, read_batch, run_monitor
from mlkit.monitor_checks import new_silent_errors, schema_findings, verdict
from mlkit.runner import step_notebooks, notebooks_dir
from realtools import needs_real
from real_data import load_etth1, load_occupancy, load_wind
from test_drift import split_batches

def card_of(frame:pd.DataFrame, target:str) -> dict:
    "The parts of a model card the data checks read: target and input schema."
    return dict(target=target, input_schema=[column_schema(frame[c]) for c in frame])

def data_verdict(card:dict, ref:pd.DataFrame, new:pd.DataFrame, time_col:str, seed:int=0) -> tuple[dict, pd.DataFrame]:
    "The verdict on `new` from the schema and drift checks against `ref` (no model: no performance), and the table."
    table = column_drift(ref, new, time_col, seed=seed)
    return verdict(schema_findings(card, new) + drift_findings(table), None), table

@needs_real
@pytest.mark.parametrize('size', [0.25, 0.5])
def test_real_planted_drift_found_and_dated(size):
    d = load_etth1()
    ref, new = split_batches(d.frame, d.time_col, seed=3)
    months = new[d.time_col].dt.to_period('M').astype(str)
    col = 'LULL'
    new.loc[(months >= '2017-10').to_numpy(), col] += size * ref[col].std()
    v, table = data_verdict(card_of(ref, d.target), ref, new, d.time_col)
    hit = table[table['alarm']]
    assert set(hit['column']) == {col} and hit['chunk'].min() == '2017-10'
    assert v['verdict'] == 'investigate' and any(f'{col} from 2017-10' in r for r in v['reasons']), v

@needs_real
def test_real_category_move_named_in_the_verdict():
    d = load_occupancy()
    df = d.frame.assign(Occupancy=d.frame['Occupancy'].map({0: 'empty', 1: 'occupied'}))
    ref, new = split_batches(df, d.time_col, seed=4)
    later = (new[d.time_col] >= '2015-02-12').to_numpy()
    move = later & (new['Occupancy'] == 'empty').to_numpy() & (np.random.default_rng(0).random(len(new)) < 0.3)
    new.loc[move, 'Occupancy'] = 'occupied'
    v, table = data_verdict(card_of(ref, 'Light'), ref, new, d.time_col)
    assert set(table.loc[table['alarm'], 'column']) == {'Occupancy'}
    assert v['verdict'] == 'investigate' and any('Occupancy from 2015-02-12' in r for r in v['reasons']), v

@needs_real
def test_real_clean_batches_ok_over_seeds():
    for load in (load_etth1, load_wind):
        d = load()
        for seed in range(10):
            ref, new = split_batches(d.frame, d.time_col, seed)
            v, _ = data_verdict(card_of(ref, d.target), ref, new, d.time_col, seed)
            assert v['verdict'] == 'ok', (d.name, seed, v)

def test_whole_monitor_quiet_on_clean_batches_over_seeds():
    "The demo model on batches without a shift: no alarm of any kind (drift, performance, data) in 20 seeds."
    for seed in range(20):
        r = monitor_batch(demo_inputs(seed, shift=0), seed=seed)
        assert r.verdict['verdict'] == 'ok', (seed, r.verdict)

def test_whole_monitor_finds_a_planted_shift():
    r = monitor_batch(demo_inputs(5, shift=1.0))
    first = {f.column: f.evidence['first_chunk'] for f in r.findings if f.check in ('drift', 'prediction_drift')}
    assert first.get('x') == '2024-02-19/2024-02-25', first
    assert set(first) <= {'x', 'y', 'model prediction'}, first  # y follows x
    assert r.verdict['verdict'] in ('investigate', 'retrain')

@needs_real
def test_schema_changes_on_real_data():
    d = load_etth1()
    ref = d.frame.iloc[:2000].assign(kind=lambda f: np.where(f['HUFL'] > f['HUFL'].median(), 'high', 'low'))
    card = card_of(ref, d.target)
    new = d.frame.iloc[2000:2500].assign(kind='high').reset_index(drop=True)
    assert schema_findings(card, new) == []
    assert schema_findings(card, new.drop(columns=d.target)) == []  # no target yet: not a schema change
    changed = new.drop(columns='MUFL').assign(
        HULL=new['HULL'].map(lambda v: f'{v:.2f} kW'), station='A',
        kind=np.where(np.arange(len(new)) % 10 == 0, 'overload', new['kind']))
    found = {f.check: f for f in schema_findings(card, changed)}
    assert set(found) == {'schema_missing', 'schema_extra', 'schema_retyped', 'new_category'}
    assert found['schema_missing'].column == 'MUFL' and found['schema_extra'].column == 'station'
    assert found['schema_retyped'].column == 'HULL' and found['schema_retyped'].severity == 'critical'
    assert found['new_category'].evidence['categories'] == ['overload'] and found['new_category'].severity == 'warning'

@needs_real
def test_unit_change_in_a_new_batch_found():
    "kW -> W (x1000) or degrees C -> F planted at a random column and row of a batch; the clean batch brings nothing."
    d = load_etth1()
    rng = np.random.default_rng(0)
    columns = [c for c in d.frame.columns if c != d.time_col]
    for seed in range(4):
        start = int(rng.integers(3000, 15000))
        training, batch = d.frame.iloc[:start], d.frame.iloc[start:start + 500].reset_index(drop=True)
        assert not [f for f in new_silent_errors(training, batch, d.time_col, d.target, 'h')
                    if f.check == 'mixed_units'], seed
        col, at = rng.choice(columns), int(rng.integers(0, 300))
        changed = batch.copy()
        changed.loc[at:, col] = changed.loc[at:, col] * 1000 if col != d.target else changed.loc[at:, col] * 1.8 + 32
        found = [f for f in new_silent_errors(training, changed, d.time_col, d.target, 'h') if f.check == 'mixed_units']
        assert [f.column for f in found] == [col], (seed, col, at, found)
        assert found[0].message.startswith('New in the batch')

def test_bad_inputs_one_line(tmp_path):
    card = dict(time_col='ts', target='y')
    pd.DataFrame({'when': ['2024-01-01'], 'y': [1]}).to_csv(tmp_path/'b.csv', index=False)
    with pytest.raises(MlkitError, match="no time column 'ts'"): read_batch(tmp_path/'b.csv', card)
    with pytest.raises(MlkitError, match='no model named'): run_monitor('nope', tmp_path/'b.csv', models=tmp_path/'m')
    assert main(['monitor', 'nope', '--data', str(tmp_path/'b.csv'), '--models', str(tmp_path/'m'), '--reports',
                 str(tmp_path/'r')]) == 2 and not (tmp_path/'r').exists()

def test_monitor_is_not_a_step_of_the_main_job():
    steps = [p.stem for p in step_notebooks(notebooks_dir())]
    assert '08_monitor' not in steps and (notebooks_dir()/'08_monitor.ipynb').exists()

def hourly(days:int, seed:int, start:str, shift_from:str|None=None, shift:float=0.0) -> pd.DataFrame:
    "An hourly series: `y` follows the hour of day and `x`; `x` moves by `shift` SDs from `shift_from` on."
    rng = np.random.default_rng(seed)
    ts = pd.date_range(start, periods=24 * days, freq='h')
    x = rng.normal(size=len(ts)) + (shift * (ts >= pd.Timestamp(shift_from)) if shift_from else 0)
    y = 50 + 10 * np.sin(2 * np.pi * ts.hour / 24) + 3 * x + rng.normal(size=len(ts))
    return pd.DataFrame({'ts': ts.strftime('%Y-%m-%d %H:%M:%S'), 'x': x, 'kind': rng.choice(['a', 'b'], len(ts)),
                         'y': y})

def test_run_register_serve_monitor(tmp_path, capsys):
    "The README's path: run, register, serve (the log), monitor a drifted batch (named, dated) and a clean one (ok)."
    hourly(61, 1, '2023-03-01').to_csv(tmp_path/'train.csv', index=False)  # to 2023-04-30
    hourly(14, 2, '2023-05-01').to_csv(tmp_path/'clean.csv', index=False)
    hourly(14, 3, '2023-05-01', '2023-05-08', 1.0).to_csv(tmp_path/'drift.csv', index=False)  # from a Monday
    reports, models = tmp_path/'reports', tmp_path/'models'
    assert main(['run', '--data', str(tmp_path/'train.csv'), '--target', 'y', '--name', 'train', '--reports',
                 str(reports), '--register', str(models)]) == 0
    assert not (reports/'train'/'08_monitor.ipynb').exists()  # the main job does not monitor
    def monitor(name, *args):
        assert main(['monitor', 'train-y@champion', *args, '--models', str(models), '--reports', str(reports),
                     '--name', name]) == 0
        found = json.loads((reports/name/'findings.json').read_text())
        assert found[0]['check'] == 'verdict'  # first in findings.json, and leading both pages
        for page in ('index.html', '08_monitor.html'):
            text = (reports/name/page).read_text()
            assert text.index('Verdict: ') < text.index('Findings')
        return found[0]['evidence'], found
    v, found = monitor('drifted', '--data', str(tmp_path/'drift.csv'))
    assert v['verdict'] in ('investigate', 'retrain'), v
    assert any('x from 2023-05-08/2023-05-14' in r for r in v['reasons']), v
    drifted = {f['column'] for f in found if f['check'] == 'drift'}
    assert 'x' in drifted and drifted <= {'x', 'y'}, drifted  # y follows x
    assert 'mlkit: verdict: ' in capsys.readouterr().out
    v, _ = monitor('clean', '--data', str(tmp_path/'clean.csv'))
    assert v['verdict'] == 'ok', v
    manifest = json.loads((reports/'clean'/'manifest.json').read_text())
    assert manifest['status'] == 'complete' and manifest['steps'][0]['figures']['verdict'] == 'ok'
    assert manifest['rerun'].startswith('mlkit monitor train-y@1 --data ')
    # the serving log: the drifted batch served a day per request, its predictions monitored with the batch
    from fastapi.testclient import TestClient
    from mlkit.registry import load_model
    from mlkit.serve import create_app, default_log_path, json_rows
    m = load_model('train-y@champion', models)
    train, batch = (pd.read_csv(tmp_path/f, parse_dates=['ts']) for f in ('train.csv', 'drift.csv'))
    history, need, cols = pd.concat([train, batch], ignore_index=True), m.card['history']['rows'], m.columns()
    client = TestClient(create_app(m, default_log_path(m.name, models)))
    for i in range(0, len(batch), 24):
        at = len(train) + i
        r = client.post('/predict', json=dict(rows=json_rows(batch.iloc[i:i + 24][[c for c in cols if c != 'y']], 'ts'),
                                              history=json_rows(history.iloc[at - need:at][cols], 'ts')))
        assert r.status_code == 200, r.text
    v, found = monitor('logged', '--log', '--data', str(tmp_path/'drift.csv'))
    assert v['verdict'] in ('investigate', 'retrain'), v
    assert any('x from 2023-05-08/2023-05-14' in r for r in v['reasons']), v
    v, found = monitor('log-only', '--log')
    assert 'inputs_unknown' in {f['check'] for f in found}
    assert any('only the predictions were checked' in r for r in v['reasons'])
