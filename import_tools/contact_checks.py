"""Quality rules for a frame of Xero contacts, as plain functions (used by asset checks)."""

from __future__ import annotations

import pandas as pd


def duplicate_values(frame: pd.DataFrame, column: str) -> list[str]:
    """Values of ``column`` that appear more than once (e.g. a ContactID seen twice)."""
    counts = frame[column].value_counts()
    return sorted(str(v) for v in counts[counts > 1].index)


def rows_missing(frame: pd.DataFrame, column: str) -> list[int]:
    """Row positions whose ``column`` is empty or blank (e.g. a contact without a Name)."""
    values = frame[column].fillna("").astype(str).str.strip()
    return [int(i) for i in (values == "").to_numpy().nonzero()[0]]


def share(part: int, whole: int) -> float:
    """``part / whole``, and 1.0 for an empty whole (nothing to fail on)."""
    return part / whole if whole else 1.0
