"""Run deepchecks' leakage-related checks on the planted cases saved by leakage_vs_deepchecks.py.

Runs inside benchmarks/.venv-deepchecks (deepchecks cannot share mlkit's environment); writes one JSON of
failed checks per case. Usage: python leakage_deepchecks_run.py CASES_DIR OUT_JSON
"""
import json, sys, time
from pathlib import Path
import pandas as pd
from deepchecks.tabular import Dataset
from deepchecks.tabular.suites import data_integrity, train_test_validation

CHECKS = ('Feature Label Correlation', 'Feature Label Correlation Change', 'Train Test Samples Mix',
          'Date Train Test Leakage Duplicates', 'Date Train Test Leakage Overlap', 'Identifier Label Correlation',
          'Data Duplicates', 'Conflicting Labels')

cases, out = Path(sys.argv[1]), {}
for meta_path in sorted(cases.glob('*.json')):
    meta = json.loads(meta_path.read_text())
    train, test = (pd.read_csv(cases/f"{meta['case']}_{part}.csv", parse_dates=[meta['time']])
                   for part in ('train', 'test'))
    cols = meta['features'] + [meta['target'], meta['time']]
    kw = dict(label=meta['target'], cat_features=[c for c in meta['features'] if train[c].dtype == object],
              datetime_name=meta['time'], label_type='regression')
    tr, te = Dataset(train[cols], **kw), Dataset(test[cols], **kw)
    t0 = time.perf_counter()
    results = list(data_integrity().run(tr).results) + list(train_test_validation().run(tr, te).results)
    failed = sorted({r.get_header() for r in results if r.get_header() in CHECKS and hasattr(r, 'passed_conditions')
                     and r.conditions_results and not r.passed_conditions()})
    out[meta['case']] = dict(failed=failed, seconds=round(time.perf_counter() - t0, 2))
    print(meta['case'], failed, flush=True)
Path(sys.argv[2]).write_text(json.dumps(out, indent=2))
