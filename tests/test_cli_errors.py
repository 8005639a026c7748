"""The classic bad inputs to `mlkit run`: one line naming the problem and the fix, exit 2, nothing written or touched.
(The full corpus, with messy-but-valid inputs, is in test_bad_inputs.py; duplicated or unsorted timestamps are messy
data now.)"""
from pathlib import Path
from mlkit.__main__ import main
from clitools import mlkit, user_frame

def _write(path:Path, content) -> Path:
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    return path

def bad_inputs(d:Path, good:Path) -> dict:
    "name -> (mlkit run arguments, a phrase the error must contain)."
    f = user_frame(50)
    csv = lambda name, frame: _write(d/name, frame.to_csv(index=False))
    return {
        'missing file': (['--data', d/'nope.csv', '--target', 'y'], 'not found'),
        'empty csv': (['--data', _write(d/'empty.csv', ''), '--target', 'y'], 'is empty'),
        'header only': (['--data', _write(d/'header.csv', 'ts,y\n'), '--target', 'y'], 'no data rows'),
        'unreadable csv': (['--data', _write(d/'bin.csv', bytes(range(256)) * 20), '--target', 'y'], 'cannot be read'),
        'unsupported type': (['--data', _write(d/'data.xlsx', 'x'), '--target', 'y'], 'unsupported file type'),
        'target missing': (['--data', good, '--target', 'sales'], "target column 'sales' not found"),
        'time column missing': (['--data', good, '--target', 'y', '--time-col', 'when'],
                                "time column 'when' not found"),
        'unparseable time': (['--data', csv('badts.csv', f.assign(ts=f['ts'].where(f.index != 7, 'yesterday'))),
                              '--target', 'y'],
                             'cannot be parsed'),
        'duplicated time, strict policy': (['--data',
                                            csv('dup.csv', f.assign(ts=f['ts'].where(f.index != 7, f['ts'][6]))),
                                            '--target', 'y',
                                            '--duplicates', 'error'], 'several differing rows'),
        'single row': (['--data', csv('one.csv', f.iloc[:1]), '--target', 'y'], 'only 1 row'),
        'constant target': (['--data', csv('const.csv', f.assign(y=5.0)), '--target', 'y'], "target 'y' is constant"),
        'non-numeric target': (['--data', good, '--target', 'kind', '--task', 'regression'], 'not numeric'),
        'unknown task': (['--data', good, '--target', 'y', '--task', 'forecasting'], 'unknown task'),
        'escaping run name': (['--data', good, '--target', 'y', '--name', '../outside'], 'invalid run name'),
        'existing run name': (['--data', good, '--target', 'y', '--name', 'earlier'], 'already exists'),
    }

def test_bad_inputs_fail_cleanly(tmp_path, user_csv, capsys):
    "Each bad input (through `main`, as the console script calls it): status 2, one line with the fix, nothing touched."
    reports = tmp_path/'reports'; earlier = reports/'earlier'; earlier.mkdir(parents=True)
    (earlier/'manifest.json').write_text('{"status": "complete"}')
    before = sorted(reports.rglob('*'))
    for name, (args, phrase) in bad_inputs(tmp_path, user_csv).items():
        status = main(['run', *map(str, args), '--reports', str(reports)])
        out = capsys.readouterr()
        lines = out.err.strip().splitlines()
        assert status == 2, (name, out.err)
        assert len(lines) == 1 and lines[0].startswith('mlkit: error:') and 'Fix:' in lines[0], (name, out.err)
        assert phrase in lines[0], (name, lines[0])
        assert sorted(reports.rglob('*')) == before, name
        assert not (tmp_path/'outside').exists()
    assert (earlier/'manifest.json').read_text() == '{"status": "complete"}'

def test_shell_sees_the_exit_status(tmp_path):
    "`python -m mlkit` exits with main's status: 2 and one line on stderr for a missing file."
    r = mlkit('run', '--data', tmp_path/'nope.csv', '--target', 'y', cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count('\n') == 1 and 'not found' in r.stderr and 'Fix:' in r.stderr, r.stderr
    assert not (tmp_path/'reports').exists()
