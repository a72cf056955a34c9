"""The shapes of the reports every step adds to: repairs (changed cells) and issues (kept as is).

Each report is a plain frame, one row per cell, so a run's reports are ``pd.concat`` of what
each step found, and a CSV of them opens in Excel next to the source file.
"""

from __future__ import annotations

import pandas as pd

REPAIR_COLUMNS = ["row", "column", "old", "new", "rule"]
ISSUE_COLUMNS = ["row", "column", "value", "problem"]


def _values(value: str | pd.Series) -> object:
    return value.to_numpy() if isinstance(value, pd.Series) else value


def repairs(rows: pd.Index, column: str | pd.Series, old: pd.Series, new: pd.Series,
            rule: str | pd.Series) -> pd.DataFrame:
    """One repair row per changed cell (``old`` and ``new`` indexed by ``rows``)."""
    return pd.DataFrame({
        "row": rows.to_numpy(), "column": _values(column), "old": old.to_numpy(), "new": new.to_numpy(),
        "rule": _values(rule),
    }, columns=REPAIR_COLUMNS)


def issues(rows: pd.Index, column: str | pd.Series, value: pd.Series, problem: str | pd.Series) -> pd.DataFrame:
    """One issue row per cell that was kept but needs a person's eye."""
    return pd.DataFrame({
        "row": rows.to_numpy(), "column": _values(column), "value": value.to_numpy(),
        "problem": _values(problem),
    }, columns=ISSUE_COLUMNS)


def combine(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """Concatenate report parts, ordered by row then column; an empty frame when there are none."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    return pd.concat(parts, ignore_index=True).sort_values(["row", "column"], kind="stable", ignore_index=True)
