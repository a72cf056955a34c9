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


def joined(*parts: np.ndarray, separator: str = " ") -> np.ndarray:
    """Row by row, the non-empty parts as one text with ``separator`` between them. Parts are
    object arrays of text: numpy compares and concatenates them without pandas' per-call costs."""
    out = parts[0]
    for part in parts[1:]:
        has_part = part != ""
        if not has_part.any():
            continue
        head = out[has_part]
        out = out.copy()
        out[has_part] = np.where(head == "", part[has_part], head + separator + part[has_part])
    return out


def factorize_pairs(first: pd.Series | np.ndarray, second: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                                          np.ndarray]:
    """``pd.factorize`` of (first, second) pairs, in order of first appearance, without building a
    MultiIndex of tuples: each column is factorized alone and the two codes combined as integers.
    Returns the codes and the first and second value of each distinct pair."""
    first_values, second_values = np.asarray(first, dtype=object), np.asarray(second, dtype=object)
    first_codes, _ = pd.factorize(first_values, sort=False, use_na_sentinel=False)
    second_codes, _ = pd.factorize(second_values, sort=False, use_na_sentinel=False)
    combined = first_codes.astype("int64") * (int(second_codes.max(initial=0)) + 1) + second_codes
    codes, _ = pd.factorize(combined, sort=False)
    where = first_rows(codes)  # the first row of each distinct pair
    return codes, first_values[where], second_values[where]


def spread(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Positions ``starts[i]``, ``starts[i] + 1``, ... ``counts[i]`` of them for each i, in order: the
    slices of a sorted array as one index (candidate pairs cut per query, without a loop)."""
    within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts, counts) + within


def run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values begins in a sorted array (its groups' first positions)."""
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]]) if len(values) else np.array([], dtype=np.int64)


def first_rows(codes: np.ndarray) -> np.ndarray:
    """For codes 0..k-1 (as pandas.factorize numbers them), the first row holding each."""
    firsts = np.empty(int(codes.max(initial=-1)) + 1, dtype=np.int64)
    firsts[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # written last = the first row
    return firsts
