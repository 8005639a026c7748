"""mlkit's estimators against scikit-learn's own checks (`parametrize_with_checks`), and why one cannot take them."""
import numpy as np, pandas as pd, pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks
from mlkit.baselines import LastValue
from mlkit.features import PastFeatures
from mlkit.repair import FoldCleaner

@parametrize_with_checks([FoldCleaner(), LastValue()])
def test_sklearn_checks(estimator, check):
    "Every check of scikit-learn's estimator suite (FoldCleaner: pandas or arrays in, the same out; NaN and text pass)."
    check(estimator)

def test_past_features_api():
    """PastFeatures builds features from a frame's time column and target, which the generic checks' numeric arrays
    do not have (every check would stop at 'column not in the frame'). What applies is tested here: parameters
    round-trip through clone, nothing works before fit, and the output names match the columns."""
    pf = PastFeatures('t', 'y', lags=[1, 2], windows=[3], calendar=False)
    assert clone(pf).get_params() == pf.get_params()
    df = pd.DataFrame({'t': pd.date_range('2024', periods=40, freq='h'), 'y': np.arange(40.)})
    with pytest.raises(NotFittedError): pf.transform(df)
    with pytest.raises(NotFittedError): pf.get_feature_names_out()
    out = pf.fit(df).transform(df)
    assert list(out.columns) == list(pf.get_feature_names_out())
