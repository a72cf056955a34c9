"""The whole VLOOKUP in one call: the CRM side keyed, every contact matched, and fuzzy suggestions
for the contacts left unmatched (matching.py and review.py hold the rules). The CLI, the
crm_import_frame asset, the import jobs and the benchmark all go through here."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from import_tools.matching import crm_keys, matches_and_keys
from import_tools.review import DEFAULT_CUTOFF, review_suggestions


@dataclass(frozen=True)
class Lookup:
    side: pd.DataFrame  # the CRM companies as crm_keys gives them
    matches: pd.DataFrame  # matching.MATCH_COLUMNS, one row per contact
    review: pd.DataFrame  # review.REVIEW_COLUMNS


def look_up(frame: pd.DataFrame, contact_numbers: pd.Series, companies: pd.DataFrame, *,
            score_cutoff: float = DEFAULT_CUTOFF) -> Lookup:
    """Contacts (a CRM import frame and their Xero ContactNumbers) looked up among ``companies``
    (the CRM's, with at least matching.CRM_MATCH_COLUMNS). Only the contacts that reach the name
    rule have their names keyed, and the review reuses those keys."""
    side = crm_keys(companies)
    matches, keys = matches_and_keys(frame, contact_numbers, side)
    return Lookup(side=side, matches=matches,
                  review=review_suggestions(frame, matches, keys, side, score_cutoff=score_cutoff))
