"""The shapes of the reports every step adds to: repairs (changed cells) and issues (kept as is).

Each report is a plain frame, one row per cell, so a run's reports are ``pd.concat`` of what
each step found, and a CSV of them opens in Excel next to the source file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

REPAIR_COLUMNS = ["row", "column", "old", "new", "rule"]
ISSUE_COLUMNS = ["row", "column", "value", "problem"]


Cells = pd.Series | np.ndarray | list[str]


def _values(value: str | Cells) -> object:
    if isinstance(value, str):
        return value
    return value.to_numpy() if isinstance(value, pd.Series) else np.asarray(value, dtype=object)


def repairs(rows: pd.Index, column: str | Cells, old: Cells, new: Cells, rule: str | Cells) -> pd.DataFrame:
    """One repair row per changed cell (``old``, ``new`` and any per-cell ``column`` or ``rule`` in
    the order of ``rows``)."""
    return pd.DataFrame({
        "row": rows.to_numpy(), "column": _values(column), "old": _values(old), "new": _values(new),
        "rule": _values(rule),
    }, columns=REPAIR_COLUMNS)


def issues(rows: pd.Index, column: str | Cells, value: Cells, problem: str | Cells) -> pd.DataFrame:
    """One issue row per cell that was kept but needs a person's eye."""
    return pd.DataFrame({
        "row": rows.to_numpy(), "column": _values(column), "value": _values(value),
        "problem": _values(problem),
    }, columns=ISSUE_COLUMNS)


def combine(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """Concatenate report parts, ordered by row then column; an empty frame when there are none."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    return pd.concat(parts, ignore_index=True).sort_values(["row", "column"], kind="stable", ignore_index=True)
