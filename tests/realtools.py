"""The real datasets for tests: `benchmarks/` on the import path (its `real_data` loaders) and one skip marker."""
import sys
from pathlib import Path
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]/'benchmarks'))
from real_data import REAL, real_available  # noqa: E402

needs_real = pytest.mark.skipif(not real_available(), reason=f'real datasets not found at {REAL} (CI keeps ../shared '
                                                              'beside the checkout)')
