"""mlkit.fastpath: every fast path gives the predictions and training scores of its reference (scikit-learn refitting
the model on every fold: `backtest(..., fast_paths=False)`) on random data, and declines what it does not cover."""
import warnings
import numpy as np, pandas as pd, pytest
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from mlkit.backtest import default_models
from mlkit.fastpath import RidgeSpec, ridge_fast_path
from mlkit.splitters import TemporalSplit
from mlkit.walkforward import backtest, refit_schedule

def random_data(n=24 * 40, seed=0, missing=.1):
    "Hourly rows: random columns at very different scales, a constant, missing values, one column empty at first."
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 5)) * [1, 10, 1e3, .01, 1] + [0, 5, 1e5, 0, 2],
                     columns=['a', 'b', 'big', 'tiny', 'late'])
    y = 20 + 3 * X['a'] - .2 * X['b'] + 200 * X['tiny'] + np.sin(np.arange(n) / 4) + rng.normal(size=n)
    X = X.assign(const=1.).mask(rng.random((n, 6)) < missing)
    if missing: X.loc[:n // 2, 'late'] = np.nan  # no training value in the first folds: SimpleImputer drops it
    return X, y.to_numpy(), pd.date_range('2024-01-01', periods=n, freq='h')

def both(est, X, y, t, cv, **kw):
    "The backtest of `est` with fast paths and without (the reference)."
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', UserWarning)  # SimpleImputer's note on the empty column
        return [backtest({'m': est}, X, y, t, cv, freq='h', baselines=False, progress=False, fast_paths=fast, **kw)
                for fast in (True, False)]

MODELS = {'default ridge': default_models('regression')['ridge'], 'ridge': Ridge(alpha=.5),
          'scaled': make_pipeline(StandardScaler(), Ridge(alpha=10.)),
          'imputed': make_pipeline(SimpleImputer(), Ridge())}

@pytest.mark.parametrize('refit', [True, False, 2])
@pytest.mark.parametrize('name', list(MODELS))
@pytest.mark.parametrize('seed', [0, 1])
def test_ridge_fast_path_equals_reference(name, refit, seed):
    est = MODELS[name]
    X, y, t = random_data(seed=seed, missing=.1 if name in ('default ridge', 'imputed') else 0)
    cv = TemporalSplit(6, test_size=48)
    assert ridge_fast_path(est, X, cv.folds(X)) is not None  # the fast path does fire
    fast, ref = both(est, X, y, t, cv, refit=refit)
    assert (fast.scores['fit_seconds'] > 0).sum() == len(refit_schedule(6, refit))
    assert np.allclose(fast.predictions['y_pred'], ref.predictions['y_pred'], rtol=1e-7, atol=1e-6)
    assert np.allclose(fast.scores['train_mae'], ref.scores['train_mae'], rtol=1e-7)

def test_default_ridge_spec():
    X, y, t = random_data()
    assert ridge_fast_path(default_models('regression')['ridge'], X, TemporalSplit(3, test_size=48).folds(X)) == \
        RidgeSpec(1., True, True)

def _clip(column):
    return [dict(id=f'clip:{column}', action='clip', column=column, rule={'k': 1.}, rows=1, reason='',
                 evidence='strong', state='applied')]

@pytest.mark.parametrize('case', ['text column', 'cleaner clips', 'median', 'sliding', 'infinite', 'no imputer',
                                  'ridge option'])
def test_declined_cases_take_the_reference_path(case):
    "What the fast path does not cover falls back to scikit-learn, with the same results as asking for that."
    X, y, t = random_data(missing=.05)
    cv, est = TemporalSplit(4, test_size=48), default_models('regression')['ridge']
    if case == 'text column': X = X.assign(kind=np.where(np.arange(len(X)) % 3, 'x', 'y'))
    if case == 'cleaner clips': est = default_models('regression', plan=_clip('a'))['ridge']
    if case == 'median': est = make_pipeline(SimpleImputer(strategy='median'), StandardScaler(), Ridge())
    if case == 'sliding': cv = TemporalSplit(4, test_size=48, window='sliding', train_size=300)
    if case == 'infinite': X.loc[5, 'a'] = np.inf
    if case == 'no imputer': est = make_pipeline(StandardScaler(), Ridge())
    if case == 'ridge option': est = make_pipeline(SimpleImputer(), Ridge(fit_intercept=False))
    assert ridge_fast_path(est, X, cv.folds(X)) is None
    if case in ('infinite', 'no imputer'): return  # scikit-learn refuses these values: no results to compare
    fast, ref = both(est, X, y, t, cv)
    pd.testing.assert_frame_equal(fast.predictions, ref.predictions)

def test_a_cleaner_acting_elsewhere_keeps_the_fast_path():
    X, y, t = random_data()
    assert ridge_fast_path(default_models('regression', plan=_clip('other'))['ridge'], X,
                           TemporalSplit(3, test_size=48).folds(X)) is not None
