"""Small column helpers shared by the transforms."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def map_unique(values: pd.Series, func: Callable[[str], object]) -> pd.Series:
    """``func`` of each value, calling it once per distinct value (countries, regions, codes repeat)."""
    codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=False)
    mapped = np.empty(max(len(uniques), 1), dtype=object)
    for position, unique in enumerate(uniques):
        mapped[position] = func(unique)
    return pd.Series(mapped[codes] if len(values) else mapped[:0], index=values.index, dtype=object)


def empty_text(index: pd.Index) -> pd.Series:
    return pd.Series("", index=index, dtype="str")
