"""Fuzzy suggestions for contacts no rule matched: for a person to review, never applied (B18).

Scores are rapidfuzz's order-sensitive ``fuzz.ratio`` on the name keys (so "Smith & Hamilton"
does not pass for "Hamilton Smith", data-formats.md section 6), 0-100. Candidates are only
compared within a block of names sharing the key's first word; a block of more than 50 CRM
companies (a common surname in a big CRM) is split by the last word too, then by the
second-last, then the second. The candidate pairs are made with one join and scored in one
rapidfuzz call (``cpdist``, native and multi-threaded), so a million rows take seconds. A
misspelt first word (or, in a split block, a misspelt splitting word) gets no suggestion,
which a reviewer loses little by.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from import_tools.matching import UNMATCHED

REVIEW_COLUMNS = ["row", "xero_reference", "account_name", "crm_id", "crm_account_name", "score", "rank"]
DEFAULT_CUTOFF = 85.0
DEFAULT_LIMIT = 3
LARGE_BLOCK = 50  # CRM companies in a block beyond which the next word splits it


def review_suggestions(frame: pd.DataFrame, matches: pd.DataFrame, keys: pd.Series, side: pd.DataFrame, *,
                       score_cutoff: float = DEFAULT_CUTOFF, limit: int = DEFAULT_LIMIT) -> pd.DataFrame:
    """Up to ``limit`` CRM companies per unmatched row scoring at least ``score_cutoff``."""
    unmatched = (matches["match"] == UNMATCHED).to_numpy() & (keys != "").to_numpy()
    queries = pd.DataFrame({"pos": np.flatnonzero(unmatched), "key": keys.to_numpy()[unmatched]})
    choices = side.loc[side["key"] != "", ["crm_id", "key", "account_name"]].reset_index(drop=True)
    if not len(queries) or not len(choices):
        return _empty()
    queries["block"] = _first_word(queries["key"])
    choices["block"] = _first_word(choices["key"])
    choices = choices[choices["block"].isin(queries["block"])].reset_index(drop=True)
    for word in (-1, -2, 1):
        sizes = choices["block"].value_counts()
        large = sizes[sizes > LARGE_BLOCK].index
        if not len(large):
            break
        for table in (queries, choices):
            split = table["block"].isin(large)
            if split.any():
                table.loc[split, "block"] = table.loc[split, "block"] + "|" + _word(table.loc[split, "key"], word)
    pairs = queries.merge(choices, on="block", suffixes=("", "_crm"))
    if not len(pairs):
        return _empty()
    scores = process.cpdist(pairs["key"].tolist(), pairs["key_crm"].tolist(), scorer=fuzz.ratio,
                            score_cutoff=score_cutoff, dtype=np.uint8, workers=-1)
    kept = pairs.loc[scores > 0, ["pos", "crm_id", "account_name"]].assign(score=scores[scores > 0].astype(int))
    if not len(kept):
        return _empty()
    kept = kept.sort_values(["pos", "score", "crm_id"], ascending=[True, False, True], kind="stable")
    kept["rank"] = kept.groupby("pos", sort=False).cumcount() + 1
    kept = kept[kept["rank"] <= limit]
    positions = kept["pos"].to_numpy()
    return pd.DataFrame({
        "row": frame.index.to_numpy()[positions],
        "xero_reference": frame["xero_reference"].to_numpy()[positions],
        "account_name": frame["account_name"].to_numpy()[positions],
        "crm_id": kept["crm_id"].to_numpy(), "crm_account_name": kept["account_name"].to_numpy(),
        "score": kept["score"].to_numpy(), "rank": kept["rank"].to_numpy(),
    }, columns=REVIEW_COLUMNS)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in REVIEW_COLUMNS})


def _first_word(keys: pd.Series) -> pd.Series:
    # Plain str methods over the list: pandas' str.partition builds a three-column frame.
    return pd.Series([key.partition(" ")[0] for key in keys.tolist()], index=keys.index, dtype="str")


def _word(keys: pd.Series, position: int) -> pd.Series:
    """The word at ``position`` (negative from the end), "" where the key is shorter."""
    if position == -1:
        return pd.Series([key.rpartition(" ")[2] for key in keys.tolist()], index=keys.index, dtype="str")
    low, high = (-position, 0) if position < 0 else (0, position + 1)
    words = [key.split(" ") for key in keys.tolist()]
    return pd.Series([w[position] if len(w) >= low and len(w) >= high else "" for w in words],
                     index=keys.index, dtype="str")
