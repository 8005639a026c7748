"""The bad-input corpus of issue 13: every bad input gives one line naming the problem and the fix, exit 2, no
traceback, nothing written and no other run touched; every messy-but-valid input is loaded with the right finding
(`mlkit run --check`, which runs every check of a run and writes nothing)."""
import json, os, socket
from pathlib import Path
import numpy as np, pandas as pd, pytest
from mlkit.__main__ import main
from mlkit.config import RunConfig
from mlkit.loading import load_dataset
from clitools import user_frame

def _write(path:Path, content) -> Path:
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    return path

def _csv(d:Path, name:str, frame:pd.DataFrame, **kw) -> Path:
    p = d/name; frame.to_csv(p, index=kw.pop('index', False), **kw); return p

def _dates(strings) -> pd.DataFrame:
    "A frame with the given date strings as `ts` and a numeric target."
    n = len(strings)
    return pd.DataFrame({'ts': strings, 'x': np.arange(n) % 7, 'y': np.sin(np.arange(n)) * 10 + np.arange(n)})

def bad_inputs(d:Path) -> dict:
    "case -> (mlkit run arguments, a phrase the one-line error must contain)."
    f = user_frame(50)
    good = _csv(d, 'good.csv', f)
    plan_nan = _write(d/'plan_nan.json', '{"clip": NaN}')
    daily = pd.date_range('2020-01-01', periods=40, freq='D')
    return {
        # the file
        'missing file': (['--data', d/'nope.csv', '--target', 'y'], 'not found'),
        'a folder as data': (['--data', d, '--target', 'y'], 'is a folder'),
        'empty csv': (['--data', _write(d/'empty.csv', ''), '--target', 'y'], 'is empty'),
        'header only': (['--data', _write(d/'header.csv', 'ts,y\n'), '--target', 'y'], 'no data rows'),
        'binary csv': (['--data', _write(d/'bin.csv', bytes(range(256)) * 20), '--target', 'y'], 'cannot be read'),
        'unsupported type': (['--data', _write(d/'data.xlsx', 'x'), '--target', 'y'], 'unsupported file type'),
        'corrupt parquet': (['--data', _write(d/'bad.parquet', 'not parquet at all'), '--target', 'y'],
                            'cannot be read as Parquet'),
        'single row': (['--data', _csv(d, 'one.csv', f.iloc[:1]), '--target', 'y'], 'only 1 row'),
        'too few rows': (['--data', _csv(d, 'short.csv', f.iloc[:29]), '--target', 'y'], 'only 29 row'),
        # the target
        'no target given': (['--data', good], 'no target column given'),
        'target missing': (['--data', good, '--target', 'sales'], "target column 'sales' not found"),
        'target empty': (['--data', _csv(d, 'notarget.csv', f.assign(y=np.nan)), '--target', 'y'], 'has no values'),
        'target only infinite': (['--data', _csv(d, 'inftarget.csv', f.assign(y=np.where(f.index % 2, np.inf, np.nan))),
                                  '--target', 'y'],
                                 'has no values'),
        'target too sparse': (['--data', _csv(d, 'sparse.csv', f.assign(y=f['y'].where(f.index % 2 == 0))), '--target',
                               'y'],
                              "has values on only 25 of 50"),
        'constant target': (['--data', _csv(d, 'const.csv', f.assign(y=5.0)), '--target', 'y'],
                            "target 'y' is constant"),
        'non-numeric target': (['--data', good, '--target', 'kind', '--task', 'regression'], 'not numeric'),
        'too many classes': (['--data', _csv(d, 'classes.csv',
                                             user_frame(400).assign(label=[f'c{i % 200}' for i in range(400)])),
                              '--target', 'label'], 'has 200 classes'),
        'target is the time column': (['--data', good, '--target', 'ts', '--time-col', 'ts'],
                                      'both the target and the time column'),
        # the time column
        'time column missing': (['--data', good, '--target', 'y', '--time-col', 'when'],
                                "time column 'when' not found"),
        'no time column': (['--data', _csv(d, 'notime.csv', f.drop(columns='ts')), '--target', 'y'],
                           'no time column found'),
        'two time columns': (['--data', _csv(d, 'twotime.csv', f.assign(date=f['ts'])), '--target', 'y'],
                             'several candidate time columns'),
        'unparseable time': (['--data', _csv(d, 'badts.csv', f.assign(ts=f['ts'].where(f.index != 7, 'yesterday'))),
                              '--target', 'y'],
                             'cannot be parsed'),
        'missing time value': (['--data', _csv(d, 'nats.csv', f.assign(ts=f['ts'].where(f.index != 9))), '--target',
                                'y'],
                               'cannot be parsed'),
        'integer time without unit': (['--data', _csv(d, 'epoch.csv', f.assign(ts=1_700_000_000 + 3600 * f.index)),
                                       '--target', 'y',
                                       '--time-col', 'ts'], '--time-unit'),
        'time unit for text dates': (['--data', good, '--target', 'y', '--time-unit', 's'], 'holds text'),
        'day/month undecidable': (['--data', _csv(d, 'dm.csv', _dates([f'01/{m:02d}/2020' for m in range(1, 13)] * 3)),
                                   '--target', 'y'],
                                  'day-first or month-first'),
        'day-first and month-first mixed': (['--data', _csv(d, 'dmmix.csv', _dates(['13/01/2020', '01/14/2020'] + [
            t.strftime('%Y-%m-%d') for t in daily[:38]])), '--target', 'y'], 'day first in some rows'),
        'conflicting duplicates with error policy': (['--data',
                                                      _csv(d, 'dup.csv',
                                                           f.assign(ts=f['ts'].where(f.index != 7, f['ts'][6]))),
                                                      '--target', 'y', '--duplicates', 'error'],
                                                      '--duplicates mean|first|last'),
        # the options
        'unknown task': (['--data', good, '--target', 'y', '--task', 'forecasting'], 'unknown task'),
        'unknown frequency': (['--data', good, '--target', 'y', '--freq', 'nonsense'], "unknown frequency 'nonsense'"),
        'negative seed': (['--data', good, '--target', 'y', '--seed', '-1'], 'seed must be a whole number >= 0'),
        'seed not a number': (['--data', good, '--target', 'y', '--seed', 'one'], "invalid int value: 'one'"),
        'unknown option': (['--data', good, '--target', 'y', '--colour', 'red'], 'unrecognized arguments'),
        'unknown duplicates policy': (['--data', good, '--target', 'y', '--duplicates', 'sum'],
                                      'unknown duplicates policy'),
        'unknown time unit': (['--data', good, '--target', 'y', '--time-unit', 'hours'], 'unknown time unit'),
        'unknown time zone': (['--data', good, '--target', 'y', '--tz', 'Mars/Olympus'], 'unknown time zone'),
        'cleaning plan missing': (['--data', good, '--target', 'y', '--cleaning-plan', d/'plan.json'],
                                  'cleaning plan not found'),
        'cleaning plan not JSON': (['--data', good, '--target', 'y', '--cleaning-plan',
                                    _write(d/'plan.txt', '{"clip": [1, 2')],
                                   'is not valid JSON'),
        'cleaning plan with NaN': (['--data', good, '--target', 'y', '--cleaning-plan', plan_nan], 'is not valid JSON'),
        # the run folder
        'escaping run name': (['--data', good, '--target', 'y', '--name', '../outside'], 'invalid run name'),
        'existing run name': (['--data', good, '--target', 'y', '--name', 'earlier'], 'already exists'),
        'name of an interrupted run': (['--data', good, '--target', 'y', '--name', 'dead'],
                                       'was interrupted (its process is gone)'),
        'reports is a file': (['--data', good, '--target', 'y', '--reports', _write(d/'reports.txt', 'x')],
                              'is a file'),
        'reports under a file': (['--data', good, '--target', 'y', '--reports', d/'reports.txt'/'sub'],
                                 'cannot be created'),
    }

def _tree(folder:Path) -> dict:
    "Every file under `folder` with its bytes and modification time."
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob('*')) if p.is_file()}

def _earlier_runs(reports:Path):
    "A complete run and a run whose process died (its manifest still says running)."
    (reports/'earlier').mkdir(parents=True); (reports/'dead').mkdir()
    (reports/'earlier'/'manifest.json').write_text('{"status": "complete"}')
    (reports/'dead'/'manifest.json').write_text(json.dumps(dict(status='running', pid=2**22 + 4321,
                                                                host=socket.gethostname(),
                                                                heartbeat='2026-01-01T00:00:00+00:00')))

def test_corpus_is_large_enough(tmp_path):
    assert len(bad_inputs(tmp_path)) >= 40

def test_bad_inputs_fail_cleanly(tmp_path, capsys):
    """Each bad input: status 2, one line `mlkit: error: ... Fix: ...` with the phrase, no traceback, nothing written or
    touched."""
    reports = tmp_path/'reports'; _earlier_runs(reports)
    cases = bad_inputs(tmp_path)
    before = _tree(tmp_path)
    messages = {}
    for name, (args, phrase) in cases.items():
        args = [*map(str, args)] + ([] if '--reports' in args else ['--reports', str(reports)])
        status = main(['run', *args])
        out = capsys.readouterr()
        lines = out.err.strip().splitlines()
        assert status == 2, (name, out.err)
        assert len(lines) == 1 and lines[0].startswith('mlkit: error:') and '. Fix: ' in lines[0], (name, out.err)
        assert phrase in lines[0] and 'Traceback' not in out.err + out.out, (name, lines[0])
        messages[name] = lines[0]
        assert not (tmp_path/'outside').exists()
    assert _tree(tmp_path) == before  # nothing written, the earlier runs untouched
    # no run folder created, none marked complete
    assert sorted(p.name for p in reports.iterdir()) == ['dead', 'earlier']
    (Path(os.environ.get('MLKIT_CORPUS_OUT', tmp_path))/'bad_inputs.txt').write_text(
        '\n'.join(f'{k}: {v}' for k, v in messages.items()) + '\n')

# messy but valid: loading puts it right and says so

def _hourly(n=72, start='2024-03-30', tz=None):
    return pd.date_range(start, periods=n, freq='h', tz=tz)

def messy_inputs(d:Path) -> dict:
    "case -> (file, extra options, the finding expected among the load findings, a check of the loaded frame)."
    rng = np.random.default_rng(0)
    base = lambda n=72: pd.DataFrame({'x': rng.normal(size=n), 'y': rng.normal(100, 10, n)})
    berlin = base().assign(ts=_hourly(tz='Europe/Berlin').strftime('%Y-%m-%dT%H:%M:%S%z'))
    autumn = base().assign(ts=_hourly(start='2024-10-26', tz='UTC').strftime('%Y-%m-%dT%H:%M:%SZ'))
    naive_autumn = base().assign(ts=_hourly(start='2024-10-26').strftime('%Y-%m-%d %H:%M'))
    hourly = base().assign(ts=_hourly().strftime('%Y-%m-%d %H:%M'))
    jit = base(200).assign(ts=pd.date_range('2024-01-01', periods=200, freq='min')
                           + pd.to_timedelta(rng.integers(-6, 7, 200), unit='s'))
    events = base(200).assign(ts=pd.Timestamp('2024-01-01')
                              + pd.to_timedelta(np.cumsum(rng.exponential(600, 200)).round(), unit='s'))
    days = pd.date_range('2020-01-01', periods=60, freq='D')
    dm = base(60).assign(ts=[t.strftime('%d/%m/%Y') if i % 3 == 0 else t.strftime('%Y-%m-%d')
                             for i, t in enumerate(days)])
    dup = pd.concat([hourly, hourly.iloc[[5, 9]].assign(y=[1., 2.])]).sort_values('ts', kind='stable')
    copies = pd.concat([hourly, hourly.iloc[[3, 4, 5]]]).sort_values('ts', kind='stable')
    shuffled = hourly.iloc[rng.permutation(72)]
    gaps = hourly.assign(y=hourly['y'].where(rng.random(72) > 0.5))
    infs = hourly.assign(y=hourly['y'].where(hourly.index != 10, np.inf),
                         x=hourly['x'].where(hourly.index != 3, -np.inf))
    epoch = base().assign(ts=1_700_000_000 + 3600 * np.arange(72))
    twice = hourly.assign(x2=rng.normal(size=72), blank=rng.normal(size=72))
    cp = base().assign(ts=_hourly().strftime('%Y-%m-%d %H:%M')).rename(columns={'x': 'température'})
    return {
        'DST offsets +01:00/+02:00': (_csv(d, 'berlin.csv', berlin), [], 'time_zone',
                                      lambda f: (f['ts'].diff().dropna() == pd.Timedelta('1h')).all()),
        'offsets converted to a DST zone': (_csv(d, 'autumn.csv', autumn), ['--tz', 'Europe/Berlin'],
                                            'duplicated_timestamps',
                                            lambda f: f['ts'].is_unique and len(f) == 71),
        'naive local time across fall-back': (_csv(d, 'naive.csv', naive_autumn), ['--tz', 'Europe/Berlin'],
                                              'local_time',
                                              lambda f: len(f) == 72),
        'semicolon separator': (_csv(d, 'semi.csv', hourly, sep=';'), [], 'csv_format',
                                lambda f: {'x', 'y'} <= set(f.columns)),
        'tab separator': (_csv(d, 'tab.csv', hourly, sep='\t'), [], 'csv_format',
                          lambda f: {'x', 'y'} <= set(f.columns)),
        'decimal comma': (_csv(d, 'comma.csv', hourly, sep=';', decimal=','), [], 'csv_format',
                          lambda f: f['y'].dtype.kind == 'f' and f['y'].mean() > 50),
        'Windows-1252 encoding': (_csv(d, 'cp.csv', cp, encoding='cp1252'), [], 'csv_format',
                                  lambda f: 'température' in f.columns),
        'UTF-16 with BOM': (_csv(d, 'u16.csv', hourly, encoding='utf-16'), [], 'csv_format', lambda f: len(f) == 72),
        'repeated and empty header': (_write(d/'renamed.csv',
                                             twice.to_csv(index=False).replace('x,y,ts,x2,blank', 'x,y,ts,x,', 1)),
                                      [], 'renamed_columns', lambda f: {'x.1', 'Unnamed: 4'} <= set(f.columns)),
        'unnamed row-number column': (_csv(d, 'index.csv', hourly, index=True), [], 'row_number_column',
                                      lambda f: not any(c.startswith('Unnamed') for c in f.columns)),
        'one field more than the header (.txt)': (_write(d/'extra.txt', hourly.to_csv(index=True)[1:]), [],
                                                  'row_number_column',
                                                  lambda f: list(f.columns) == ['x', 'y', 'ts']),
        'conflicting duplicated timestamps': (_csv(d, 'dup.csv', dup), [], 'duplicated_timestamps',
                                              lambda f: len(f) == 72 and f['ts'].is_unique),
        'duplicates, last policy': (_csv(d, 'dup_last.csv', dup), ['--duplicates', 'last'], 'duplicated_timestamps',
                                    lambda f: f['y'].iloc[5] == 1.0),
        'exact duplicate rows': (_csv(d, 'copies.csv', copies), [], 'duplicate_rows', lambda f: len(f) == 72),
        'jittered minutes': (_csv(d, 'jitter.csv', jit), [], 'time_jitter', lambda f: (f['ts'].dt.second == 0).all()),
        'irregular event times': (_csv(d, 'events.csv', events), [], 'irregular_time', lambda f: len(f) == 200),
        'ISO mixed with dd/mm/yyyy': (_csv(d, 'dm.csv', dm), [], 'date_format', lambda f: (f['ts'] == days).all()),
        'rows out of order': (_csv(d, 'shuffled.csv', shuffled), [], 'time_order',
                              lambda f: f['ts'].is_monotonic_increasing),
        'half the target missing': (_csv(d, 'gaps.csv', gaps), [], 'target_missing', lambda f: len(f) == 72
                                    and f['y'].isna().any()),
        'infinity in target and feature': (_csv(d, 'inf.csv', infs), [], 'infinite_values',
                                           lambda f: np.isfinite(f[['x', 'y']].dropna()).all().all()
                                           and f['y'].isna().sum() == 1),
        'integer time with a unit': (_csv(d, 'epoch.csv', epoch), ['--time-col', 'ts', '--time-unit', 's'],
                                     'numeric_time',
                                     lambda f: f['ts'].iloc[0] == pd.Timestamp('2023-11-14 22:13:20')),
        'tz-aware Parquet column': (d/'aware.parquet', [], 'time_zone', lambda f: f['ts'].dt.tz is None
                                    and len(f) == 72),
    }

@pytest.fixture(scope='module')
def messy(tmp_path_factory):
    d = tmp_path_factory.mktemp('messy')
    cases = messy_inputs(d)
    aware = pd.DataFrame({'x': np.arange(72.), 'y': np.arange(72.) % 9, 'ts': _hourly(tz='America/New_York')})
    aware.to_parquet(d/'aware.parquet')
    return cases

def _options(extra:list) -> dict:
    "RunConfig keywords from CLI options."
    keys = {'--tz': 'tz', '--duplicates': 'duplicates', '--time-unit': 'time_unit', '--time-col': 'time_col',
            '--target': 'target'}
    return {keys[extra[i]]: extra[i + 1] for i in range(0, len(extra), 2)}

@pytest.mark.parametrize('case', [
    'DST offsets +01:00/+02:00', 'offsets converted to a DST zone', 'naive local time across fall-back',
    'semicolon separator',
    'tab separator', 'decimal comma', 'Windows-1252 encoding', 'UTF-16 with BOM', 'repeated and empty header',
    'unnamed row-number column',
    'one field more than the header (.txt)',
    'conflicting duplicated timestamps', 'duplicates, last policy', 'exact duplicate rows', 'jittered minutes',
    'irregular event times',
    'ISO mixed with dd/mm/yyyy', 'rows out of order', 'half the target missing', 'infinity in target and feature',
    'integer time with a unit', 'tz-aware Parquet column'])
def test_messy_input_loads_with_finding(messy, case):
    "Messy data is not bad input: it loads, is put right as the check says, and the finding names what was done."
    path, extra, check, ok = messy[case]
    ds = load_dataset(RunConfig(data=str(path), **{'target': 'y', **_options(extra)}))
    checks = [f.check for f in ds.load_findings]
    assert check in checks, (case, checks)
    assert ok(ds.frame), case
    assert ds.frame[ds.time_col].is_monotonic_increasing and ds.frame[ds.time_col].is_unique, case
    if case == 'ISO mixed with dd/mm/yyyy': assert 'duplicated_timestamps' not in checks and 'time_order' not in checks

def test_check_option_reports_findings_and_writes_nothing(messy, tmp_path, capsys):
    "`mlkit run --check` on messy data: exit 0, the load findings printed, no reports folder."
    path = messy['DST offsets +01:00/+02:00'][0]
    assert main(['run', '--check', '--data', str(path), '--target', 'y', '--reports', str(tmp_path/'reports')]) == 0
    out = capsys.readouterr().out
    assert 'check passed' in out and 'time_zone' in out and '+0100' in out and '+0200' in out
    assert not (tmp_path/'reports').exists()
