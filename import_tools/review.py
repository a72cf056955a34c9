"""Fuzzy suggestions for contacts no rule matched: for a person to review, never applied (B18).

Scores are rapidfuzz's order-sensitive ``fuzz.ratio`` on the name keys (so "Smith & Hamilton"
does not pass for "Hamilton Smith", data-formats.md section 6), 0-100. Candidates are only
compared within a block of names sharing the key's first word; a block of more than 50 CRM
companies (a common surname in a big CRM) is split by the last word too, then by the
second-last, then the second. Blocks are integer codes (pandas factorize), the candidate
pairs are cut from the CRM side sorted by block, and all pairs are scored in one
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
    positions = np.flatnonzero(unmatched)
    query_keys = keys.to_numpy()[positions].tolist()
    query_firsts = [key.partition(" ")[0] for key in query_keys]
    wanted = set(query_firsts)
    # Only the CRM companies in a block some query is in (a blank key's "" is in no block).
    crm_keys = side["key"].tolist()
    crm_firsts = [key.partition(" ")[0] for key in crm_keys]
    choice_rows = np.flatnonzero(pd.Index(crm_firsts, dtype=object).isin(list(wanted)))
    if not query_keys or not len(choice_rows):
        return _empty()
    # Every name, queries then choices, with its block as an integer code.
    names = np.array(query_keys + [crm_keys[row] for row in choice_rows.tolist()], dtype=object)
    blocks = pd.factorize(np.array(query_firsts + [crm_firsts[row] for row in choice_rows.tolist()],
                                   dtype=object))[0].astype("int64")
    queries = len(query_keys)
    for word in (-1, -2, 1):
        sizes = np.bincount(blocks[queries:], minlength=int(blocks.max()) + 1)  # only CRM companies count
        split = np.flatnonzero(sizes[blocks] > LARGE_BLOCK)
        if not len(split):
            break
        words = np.zeros(len(blocks), dtype="int64")  # 0: not split; else 1 + the word's code
        words[split] = pd.factorize(np.array(_words(names[split].tolist(), word), dtype=object))[0] + 1
        blocks = pd.factorize(blocks * (int(words.max()) + 1) + words)[0].astype("int64")
    # The pairs: each query with every CRM company in its block (blocks sorted, then sliced).
    choice_blocks = blocks[queries:]
    order = np.argsort(choice_blocks, kind="stable")
    sorted_blocks = choice_blocks[order]
    starts = np.searchsorted(sorted_blocks, blocks[:queries], side="left")
    counts = np.searchsorted(sorted_blocks, blocks[:queries], side="right") - starts
    if not counts.sum():
        return _empty()
    pair_queries = np.repeat(np.arange(queries), counts)
    within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    pair_choices = order[np.repeat(starts, counts) + within]
    scores = process.cpdist(names[pair_queries], names[queries + pair_choices], scorer=fuzz.ratio,
                            score_cutoff=score_cutoff, dtype=np.uint8, workers=-1)
    passed = np.flatnonzero(scores > 0)
    if not len(passed):
        return _empty()
    crm_rows = choice_rows[pair_choices[passed]]
    kept = pd.DataFrame({"pos": positions[pair_queries[passed]],
                         "crm_id": side["crm_id"].to_numpy()[crm_rows],
                         "account_name": side["account_name"].to_numpy()[crm_rows],
                         "score": scores[passed].astype(int)})
    kept = kept.sort_values(["pos", "score", "crm_id"], ascending=[True, False, True], kind="stable")
    kept["rank"] = kept.groupby("pos", sort=False).cumcount() + 1
    kept = kept[kept["rank"] <= limit]
    at = kept["pos"].to_numpy()
    return pd.DataFrame({
        "row": frame.index.to_numpy()[at],
        "xero_reference": frame["xero_reference"].to_numpy()[at],
        "account_name": frame["account_name"].to_numpy()[at],
        "crm_id": kept["crm_id"].to_numpy(), "crm_account_name": kept["account_name"].to_numpy(),
        "score": kept["score"].to_numpy(), "rank": kept["rank"].to_numpy(),
    }, columns=REVIEW_COLUMNS)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in REVIEW_COLUMNS})


def _words(keys: list[str], position: int) -> list[str]:
    """The word at ``position`` of each key (-1 last, -2 second-last, 1 second), "" where the key
    is shorter. Partitions rather than a list of words per key: these run over whole blocks."""
    if position == -1:
        return [key.rpartition(" ")[2] for key in keys]
    if position == -2:
        return [key.rpartition(" ")[0].rpartition(" ")[2] if " " in key else "" for key in keys]
    if position == 1:
        return [key.partition(" ")[2].partition(" ")[0] for key in keys]
    raise ValueError(f"no rule for word {position}")
