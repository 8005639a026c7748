"""Helpers shared by the export and registry tests: a small run folder with an exported model."""
from pathlib import Path
import numpy as np, pandas as pd
from mlkit.backtest import default_models
from mlkit.export import ForecastPipeline, column_schema, history_need, save_model
from mlkit.features import PastFeatures

def toy_frame(n=200, seed=0) -> pd.DataFrame:
    "An hourly series whose target follows the last hour's `x`."
    rng = np.random.default_rng(seed)
    raw = pd.DataFrame({'t': pd.date_range('2024-01-01', periods=n, freq='h'), 'x': rng.normal(size=n)})
    raw['y'] = (raw['x'].shift(1).fillna(0) * 2 + rng.normal(size=n)).round(3)
    return raw

def toy_run(folder, seed=0, extra=None) -> tuple[Path, pd.DataFrame, ForecastPipeline]:
    "A run folder whose model/ holds a small ridge pipeline (with attribute `extra` when given) and its card."
    raw = toy_frame(seed=seed)
    pf = PastFeatures('t', 'y', freq='h', lags=[1, 2], windows=[3]).fit(raw)
    pipe = ForecastPipeline('t', 'y', 'regression', [], pf, list(pf.get_feature_names_out()),
                            default_models('regression')['ridge'], warmup=2).fit(raw)
    if extra is not None: pipe.extra = extra
    card = dict(name='toy-y', task='regression', target='y', time_col='t', freq='h', horizon=1, classes=None,
                history=history_need(pipe.history_rows(), 'h'), input_schema=[column_schema(raw[c]) for c in raw],
                chosen=dict(model='ridge', reason='a test', forced=False))
    save_model(Path(folder)/'model', pipe, card)
    return Path(folder), raw, pipe
