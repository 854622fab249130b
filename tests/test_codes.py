"""lupus_teach._codes gives exactly pandas.factorize / pandas.unique, on the fast path too."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lupus_teach import _codes


def _cases() -> list[pd.Series]:
    ids = np.array([f"P{i:05d}" for i in range(3_000)], dtype=object)
    runs = np.repeat(ids, 8)  # one object per run, as read_visits gives
    copies = np.array([f"P{i // 8:05d}" for i in range(24_000)], dtype=object)  # new objects
    missing = runs.copy()
    missing[[5, 6, 700, 701, 23_999]] = [None, None, np.nan, np.nan, None]
    mixed = runs.copy()
    mixed[::97] = 1
    mixed[1::97] = 1.0
    mixed[2::97] = True
    return [pd.Series(runs), pd.Series(copies), pd.Series(missing), pd.Series(mixed),
            pd.Series(runs[::-1]), pd.Series(np.random.default_rng(1).permutation(runs))]


@pytest.mark.parametrize("case", range(6))
def test_factorize_and_unique_match_pandas(case: int) -> None:
    values = _cases()[case]
    codes, uniques = _codes.factorize(values)
    expected_codes, expected_uniques = pd.factorize(values, sort=False)
    np.testing.assert_array_equal(codes, expected_codes)
    assert type(uniques) is type(expected_uniques)
    assert list(uniques) == list(expected_uniques)
    got, expected = _codes.unique(values), pd.unique(values)
    assert pd.Series(got, dtype=object).equals(pd.Series(expected, dtype=object))
