"""Fuzzy suggestions for contacts no rule matched: for a person to review, never applied (B18).

Scores are rapidfuzz's order-sensitive ``fuzz.ratio`` on the name keys (so "Smith & Hamilton"
does not pass for "Hamilton Smith", data-formats.md section 6), 0-100. Candidates are only
compared within a block of names sharing the key's first word; a block of more than 50 CRM
companies (a common surname in a big CRM) is split by the last word too, then by the
second-last, then the second. Blocks are integer codes (pandas factorize), the candidate
pairs are cut from the CRM side sorted by block and name length (a name too much shorter or
longer cannot reach the cutoff, so it is never scored), and all pairs are scored in one
rapidfuzz call (``cpdist``, native and multi-threaded), so a million rows take seconds. A
misspelt first word (or, in a split block, a misspelt splitting word) gets no suggestion,
which a reviewer loses little by.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from import_tools.matching import UNMATCHED
from import_tools.series import run_starts, spread

REVIEW_COLUMNS = ["row", "xero_reference", "account_name", "crm_id", "crm_account_name", "score", "rank"]
DEFAULT_CUTOFF = 85.0
DEFAULT_LIMIT = 3
LARGE_BLOCK = 50  # CRM companies in a block beyond which the next word splits it


def review_suggestions(frame: pd.DataFrame, matches: pd.DataFrame, keys: pd.Series, side: pd.DataFrame, *,
                       score_cutoff: float = DEFAULT_CUTOFF, limit: int = DEFAULT_LIMIT) -> pd.DataFrame:
    """Up to ``limit`` CRM companies per unmatched row scoring at least ``score_cutoff``."""
    unmatched = (matches["match"] == UNMATCHED).to_numpy() & (keys != "").to_numpy()
    positions = np.flatnonzero(unmatched)
    # Blocks by first word: the CRM side's first words factorized once, each query's looked up there.
    crm_key_values = side["key"].to_numpy(dtype=object)
    crm_blocks, first_words = pd.factorize(np.array([key.partition(" ")[0] for key in crm_key_values.tolist()],
                                                    dtype=object))
    query_keys = keys.to_numpy(dtype=object)[positions]
    query_blocks = pd.Index(first_words).get_indexer([key.partition(" ")[0] for key in query_keys.tolist()])
    in_some_block = query_blocks >= 0  # a first word no CRM company has: no suggestion
    positions, query_keys, query_blocks = positions[in_some_block], query_keys[in_some_block], \
        query_blocks[in_some_block]
    # Only the CRM companies in a block some query is in (a blank key's "" is in no query's block).
    wanted = np.zeros(len(first_words), dtype=bool)
    wanted[query_blocks] = True
    choice_rows = np.flatnonzero(wanted[crm_blocks])
    if not len(positions) or not len(choice_rows):
        return _empty()
    # Every name, queries then choices, with its block as an integer code.
    names = np.concatenate([query_keys, crm_key_values[choice_rows]])
    blocks = np.concatenate([query_blocks, crm_blocks[choice_rows]]).astype("int64")
    queries = len(query_keys)
    for word in (-1, -2, 1):
        sizes = np.bincount(blocks[queries:], minlength=int(blocks.max()) + 1)  # only CRM companies count
        split = np.flatnonzero(sizes[blocks] > LARGE_BLOCK)
        if not len(split):
            break
        words = np.zeros(len(blocks), dtype="int64")  # 0: not split; else 1 + the word's code
        words[split] = pd.factorize(np.array(_words(names[split].tolist(), word), dtype=object))[0] + 1
        blocks = pd.factorize(blocks * (int(words.max()) + 1) + words)[0].astype("int64")
    # The pairs: each query with the CRM companies in its block whose length lets them reach the
    # cutoff at all (fuzz.ratio is 100 * (1 - distance / total length), and the distance is at least
    # the difference in length): the CRM side sorted by block and length, then sliced per query.
    lengths = np.fromiter(map(len, names.tolist()), dtype=np.int64, count=len(names))
    lowest, highest = _length_window(lengths[:queries], score_cutoff)
    choice_keys = blocks[queries:] * _LONGEST + np.minimum(lengths[queries:], _LONGEST - 1)
    order = np.argsort(choice_keys, kind="stable")
    sorted_keys = choice_keys[order]
    starts = np.searchsorted(sorted_keys, blocks[:queries] * _LONGEST + lowest, side="left")
    counts = np.searchsorted(sorted_keys, blocks[:queries] * _LONGEST + highest, side="right") - starts
    if not counts.sum():
        return _empty()
    pair_queries = np.repeat(np.arange(queries), counts)
    pair_choices = order[spread(starts, counts)]
    crm_ids = side["crm_id"].to_numpy()
    scores = process.cpdist(names[pair_queries], names[queries + pair_choices], scorer=fuzz.ratio,
                            score_cutoff=score_cutoff, dtype=np.uint8, workers=-1)
    passed = np.flatnonzero(scores > 0)
    if not len(passed):
        return _empty()
    crm_rows = choice_rows[pair_choices[passed]]
    pos, score, crm_id = positions[pair_queries[passed]], scores[passed].astype(np.int64), crm_ids[crm_rows]
    # Best first per row (ties by CRM id), then each row's first ``limit``.
    order = np.lexsort((crm_id, -score, pos))
    pos, score, crm_id, crm_rows = pos[order], score[order], crm_id[order], crm_rows[order]
    row_starts = run_starts(pos)
    rank = np.arange(1, len(pos) + 1) - np.repeat(row_starts, np.diff(np.r_[row_starts, len(pos)]))
    top = rank <= limit
    at = pos[top]
    return pd.DataFrame({
        "row": frame.index.to_numpy()[at],
        "xero_reference": frame["xero_reference"].to_numpy()[at],
        "account_name": frame["account_name"].to_numpy()[at],
        "crm_id": crm_id[top], "crm_account_name": side["account_name"].to_numpy()[crm_rows[top]],
        "score": score[top], "rank": rank[top],
    }, columns=REVIEW_COLUMNS)


_LONGEST = 1 << 20  # name lengths as part of an integer sort key; longer names share the top slot


def _length_window(lengths: np.ndarray, cutoff: float) -> tuple[np.ndarray, np.ndarray]:
    """The shortest and longest names that could score ``cutoff`` against names of ``lengths``:
    |a - b| <= (100 - cutoff) / 100 * (a + b), widened by one each way (a pair kept needlessly is
    only scored; one dropped wrongly would be a lost suggestion)."""
    slack = 100.0 - cutoff
    lowest = np.floor(lengths * (100.0 - slack) / (100.0 + slack)) - 1
    highest = np.ceil(lengths * (100.0 + slack) / max(100.0 - slack, 1e-9)) + 1
    return (np.clip(lowest, 0, _LONGEST - 1).astype(np.int64), np.clip(highest, 0, _LONGEST - 1).astype(np.int64))


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
