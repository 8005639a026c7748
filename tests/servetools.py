"""A small stand-in for `mlkit.export.ShippedModel` (same fields and `predict`) and requests for it."""
import numpy as np, pandas as pd

TIMES = pd.date_range('2024-01-01', periods=200, freq='h')

def toy_card(task:str='regression', history_rows:int=3) -> dict:
    "A card of hourly data with a column of each dtype, in the shape `mlkit.export.model_card` writes."
    col = lambda name, dtype, **kw: dict(column=name, dtype=dtype, nullable=False, min=None, max=None, quantiles=None,
                                         categories=None, hard_min=None, hard_max=None) | kw
    target = (col('y', 'float', nullable=True, min=0.0, max=50.0, quantiles={'0.5': 21.5}, hard_min=0.0)
              if task == 'regression' else col('y', 'category', nullable=True, categories=['high', 'low']))
    schema = [col('ts', 'datetime', min=str(TIMES[0]), max=str(TIMES[-1]), tz=None), target,
              col('temp', 'float', nullable=True, min=-7.25, max=31.5, quantiles={'0.01': -6.5, '0.5': 12.75}),
              col('hum', 'float', min=0.125, max=0.875, hard_min=0.0, hard_max=1.0),
              col('visitors', 'int', min=3.0, max=97.0, hard_min=0.0),
              col('workingday', 'bool'),
              col('weather', 'category', categories=['clear', 'mist', 'rain'])]
    return dict(name='toy', task=task, target='y', time_col='ts', freq='h', horizon=1,
                classes=['high', 'low'] if task == 'classification' else None,
                history=dict(rows=history_rows, duration=str(history_rows * pd.Timedelta('1h'))),
                input_schema=schema, training_window=dict(start=str(TIMES[0]), end=str(TIMES[-1]), rows=len(TIMES)),
                metrics={}, findings=[], versions={}, git_commit=None, run=dict(name='toy-run', report=None))

class ToyModel:
    "Predicts the last known target plus a tenth of the temperature; classification: 'high' when that is above 20."
    def __init__(self, task:str='regression', history_rows:int=3, version:int=1):
        self.name, self.version, self.card, self.pipeline = 'toy', version, toy_card(task, history_rows), None
        self.calls = []

    def predict(self, rows:pd.DataFrame, history:pd.DataFrame) -> pd.DataFrame:
        self.calls.append((rows, history))
        y = history['y']
        last = (y == 'high').astype(float).iloc[-1] * 40 if self.card['task'] == 'classification' else y.iloc[-1]
        value = last + 0.1 * rows['temp'].fillna(0).to_numpy(float)
        if self.card['task'] == 'regression': return pd.DataFrame({'prediction': value}, index=rows.index)
        p = 1 / (1 + np.exp(-(value - 20) / 5))
        return pd.DataFrame({'prediction': np.where(p > .5, 'high', 'low'), 'proba_high': p, 'proba_low': 1 - p},
                            index=rows.index)

def row(i:int, **kw) -> dict:
    "Request row `i` (hour `i` of `TIMES`), every value inside the training range."
    return dict(ts=(TIMES[0] + i * pd.Timedelta('1h')).isoformat(), temp=10.5, hum=0.5, visitors=12, workingday=True,
                weather='clear') | kw

def history(end:int, n:int=3, task:str='regression') -> list[dict]:
    "The `n` history rows before hour `end`, with their target."
    target = (lambda i: float(i % 7)) if task == 'regression' else (lambda i: ('high', 'low')[i % 2])
    return [row(i) | dict(y=target(i)) for i in range(end - n, end)]

def body(start:int=10, n_rows:int=1, task:str='regression', **row_values) -> dict:
    "A valid request: `n_rows` rows from hour `start` and the history before them."
    return dict(rows=[row(i, **row_values) for i in range(start, start + n_rows)], history=history(start, task=task))

def bike_model(version:int=1):
    "A real `ShippedModel` on the bundled daily Bike Sharing data: past-only features and gradient boosting, fitted."
    from sklearn.ensemble import HistGradientBoostingRegressor
    from mlkit.config import RunConfig
    from mlkit.loading import load_dataset
    from mlkit.export import ForecastPipeline, ShippedModel, column_schema, history_need, input_columns
    from mlkit.features import PastFeatures, make_features
    ds = load_dataset(RunConfig(data='bike_sharing_daily', target='cnt'))
    pf = PastFeatures(ds.time_col, ds.target, freq=ds.freq, known_cols=['season', 'holiday', 'weekday', 'workingday'])
    feats = make_features(ds.frame, pf)
    columns = [c for c in feats.columns if c not in (ds.time_col, ds.target)]
    model = HistGradientBoostingRegressor(max_iter=50, random_state=0)
    pipe = ForecastPipeline(ds.time_col, ds.target, ds.task, [], pf, columns, model, warmup=max(pf.lags_)).fit(ds.frame)
    card = dict(name='bike-cnt', task=ds.task, target=ds.target, time_col=ds.time_col, freq=ds.freq, horizon=1,
                classes=None, history=history_need(pipe.history_rows(), ds.freq),
                input_schema=[column_schema(ds.frame[c]) for c in input_columns(ds.frame, pipe)])
    return ShippedModel('bike-cnt', version, card, pipe), ds.frame

def register_bike(tmp_path) -> tuple:
    "A registry in `tmp_path/models` with `bike_model` as bike-cnt@champion; (registry folder, model, frame)."
    from mlkit.export import save_model
    from mlkit.registry import register, set_alias
    model, frame = bike_model()
    save_model(tmp_path/'run'/'model', model.pipeline, model.card)
    entry = register(tmp_path/'run', root=tmp_path/'models')
    set_alias(entry['name'], entry['version'], 'champion', root=tmp_path/'models')
    return tmp_path/'models', model, frame
