"""Xero contacts matched to CRM companies: the VLOOKUP of the original, done carefully (B7, B18, B19).

In order, each row takes the first rule that decides it:

- ``xero_reference``: a CRM company already holds the contact's ContactID (linked before);
- ``contact_number``: the contact's ContactNumber is a CRM id (the CRM created it in Xero);
- ``name``: exactly one CRM company has the same name key (names.py);
- ``name_postcode``: several do, and the contact's street postcode, else its postal one,
  equals the billing or shipping postcode of exactly one of them;
- ``ambiguous``: several still fit (``candidates`` lists their CRM ids), or several Xero
  contacts fit the same company; never written, always reported;
- ``unmatched``: nothing fits.

Everything is joins on keys, so a million rows on each side match in seconds.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from import_tools.countries import country_codes
from import_tools.names import name_keys
from import_tools.postcodes import WIDTHS
from import_tools.series import factorize_pairs, first_rows, run_starts, spread

XERO_REFERENCE, CONTACT_NUMBER, NAME, NAME_POSTCODE = "xero_reference", "contact_number", "name", "name_postcode"
AMBIGUOUS, UNMATCHED = "ambiguous", "unmatched"
MATCH_KINDS = (XERO_REFERENCE, CONTACT_NUMBER, NAME, NAME_POSTCODE, AMBIGUOUS, UNMATCHED)
MATCHED_KINDS = (XERO_REFERENCE, CONTACT_NUMBER, NAME, NAME_POSTCODE)
CRM_MATCH_COLUMNS = ["crm_id", "account_name", "xero_reference", "billing_postcode", "billing_country",
                     "shipping_postcode", "shipping_country"]
MATCH_COLUMNS = ["match", "crm_id", "candidates"]


def padded_postcode_keys(postcodes: pd.Series, countries: pd.Series) -> pd.Series:
    """Postcode keys with the country's stripped zeros restored, so "2108" (MA) meets "02108".

    Postcodes and countries repeat, so each distinct pair is worked out once.
    """
    codes, distinct_postcodes, distinct_countries = factorize_pairs(postcodes.to_numpy(), countries.to_numpy())
    regions = country_codes(pd.Series(distinct_countries, dtype="str")).tolist()
    key = np.array(_padded_keys(pd.Series(distinct_postcodes, dtype="str").tolist(), regions), dtype=object)
    return pd.Series(key[codes] if len(postcodes) else [], index=postcodes.index, dtype="str")


_SPACES = re.compile(r"\s+")
_ZIP4_KEY = re.compile(r"^(\d{5})-\d{4}$")


def _padded_keys(postcodes: list[str], regions: list[str]) -> list[str]:
    """The comparison key of each distinct postcode (upper case, no spaces, a ZIP+4 as its ZIP),
    zero-padded to its country's width when it is 1 or 2 zeros short (all decimal digits).
    Upper-cased and unspaced in one pass over them all joined (one per line)."""
    text = "\n".join(postcodes)
    plain = text.count("\n") == len(postcodes) - 1
    tidied = text.upper().replace(" ", "").split("\n") if plain and postcodes else [
        postcode.upper().replace(" ", "") for postcode in postcodes]
    keys = []
    for key, region in zip(tidied, regions, strict=True):
        if not key.isalnum():  # the regexes only where there is something for them to do
            key = _ZIP4_KEY.sub(r"\1", _SPACES.sub("", key))
        rule = WIDTHS.get(region)
        if rule is not None and rule[1] <= len(key) < rule[0] and key.isdecimal():
            key = key.zfill(rule[0])
        keys.append(key)
    return keys


def crm_keys(crm: pd.DataFrame) -> pd.DataFrame:
    """The CRM side, ready to join: crm_id, name key, the held reference, and the raw postcodes
    (their keys are worked out in matching, only for the names that repeat). The text columns
    are taken as they are, without a copy or a re-check of every value."""
    side = crm[CRM_MATCH_COLUMNS].reset_index(drop=True)
    side["crm_id"] = side["crm_id"].astype("int64")
    side.insert(1, "key", name_keys(side["account_name"]))
    return side


def match_contacts(frame: pd.DataFrame, contact_numbers: pd.Series, side: pd.DataFrame,
                   keys: pd.Series | None = None) -> pd.DataFrame:
    """``match``, ``crm_id`` (nullable Int64) and ``candidates`` ("12;57") for each row of a CRM import
    frame, against the CRM side from ``crm_keys``. ``keys`` are the rows' name keys when already known."""
    return matches_and_keys(frame, contact_numbers, side, keys)[0]


def matches_and_keys(frame: pd.DataFrame, contact_numbers: pd.Series, side: pd.DataFrame,
                     keys: pd.Series | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """``match_contacts``, and the name keys it used: without ``keys``, only the rows that reach the
    name rule are keyed (the others are "" here; the fuzzy review wants only unmatched rows)."""
    index = frame.index
    match = np.full(len(frame), UNMATCHED, dtype=object)
    crm_id = np.full(len(frame), -1, dtype="int64")
    candidates = np.full(len(frame), "", dtype=object)
    position = np.arange(len(frame))

    # 1. A company already holding the ContactID (hash lookups: Index.get_indexer).
    held = side[side["xero_reference"] != ""].drop_duplicates("xero_reference", keep="last")
    refs = frame["xero_reference"].to_numpy()
    at = pd.Index(held["xero_reference"].to_numpy()).get_indexer(refs)
    hit = (at >= 0) & (refs != "")
    match[hit] = XERO_REFERENCE
    crm_id[hit] = held["crm_id"].to_numpy()[at[hit]]

    # 2. ContactNumber = a CRM id.
    all_numbers = contact_numbers.to_numpy(dtype=object)
    open_rows = np.flatnonzero((match == UNMATCHED) & (all_numbers != ""))  # most contacts have none
    numbers = all_numbers[open_rows].tolist()
    digits = [len(n) <= 18 and n.isdecimal() for n in numbers]  # what int() reads, as \d{1,18} does
    numeric_rows = open_rows[np.array(digits, dtype=bool)] if len(open_rows) else open_rows
    values = np.array([int(n) for n, ok in zip(numbers, digits, strict=True) if ok], dtype="int64")
    known = np.isin(values, side["crm_id"].to_numpy())
    match[numeric_rows[known]] = CONTACT_NUMBER
    crm_id[numeric_rows[known]] = values[known]

    # 3 and 4. Name key, then postcode among repeated names.
    open_rows = np.flatnonzero(match == UNMATCHED)
    if keys is None:
        key_values = np.full(len(frame), "", dtype=object)
        key_values[open_rows] = name_keys(frame["account_name"].iloc[open_rows]).to_numpy(dtype=object)
    else:
        key_values = keys.to_numpy(dtype=object)
    named = side[side["key"] != ""]
    named_ids = named["crm_id"].to_numpy()
    # One factorize over both sides' keys: per distinct key, how many CRM companies have it and
    # the first one's id; per open row, its key's code. All that follows works on these integers.
    crm_count = len(named)
    open_keys = key_values[open_rows]
    codes = pd.factorize(np.concatenate([named["key"].to_numpy(dtype=object), open_keys]))[0]
    crm_codes, row_codes = codes[:crm_count], np.full(len(frame), -1, dtype="int64")
    row_codes[open_rows] = codes[crm_count:]
    sizes = np.bincount(crm_codes, minlength=int(codes.max(initial=-1)) + 1)
    firsts = np.full(len(sizes), -1, dtype="int64")  # the CRM side's codes come first, so they are 0..k-1
    firsts[:int(crm_codes.max(initial=-1)) + 1] = named_ids[first_rows(crm_codes)]
    wanted = open_rows[(open_keys != "") & (sizes[row_codes[open_rows]] > 0)]
    single = wanted[sizes[row_codes[wanted]] == 1]
    match[single] = NAME
    crm_id[single] = firsts[row_codes[single]]

    repeated = wanted[sizes[row_codes[wanted]] > 1]
    if len(repeated):
        _decide_by_postcode(frame, named, repeated, row_codes[repeated], crm_codes, sizes, match, crm_id, candidates)

    # Several contacts on one company: which one it is, a person decides. A company matched by
    # its held reference keeps that match; the others then show as conflicts when written.
    claimed = (match != AMBIGUOUS) & (match != UNMATCHED) & (match != XERO_REFERENCE)
    claims = pd.Series(crm_id[claimed], index=position[claimed])
    shared = claims[claims.duplicated(keep=False)]
    match[shared.index] = AMBIGUOUS
    candidates[shared.index] = shared.astype(str).to_numpy()
    crm_id[shared.index] = -1

    out = pd.DataFrame({"match": match, "crm_id": pd.array(np.where(crm_id >= 0, crm_id, 0), dtype="Int64"),
                        "candidates": candidates}, index=index)
    out.loc[crm_id < 0, "crm_id"] = pd.NA
    return out, pd.Series(key_values, index=index, dtype="str")


def _decide_by_postcode(frame: pd.DataFrame, named: pd.DataFrame, rows: np.ndarray, row_codes: np.ndarray,
                        crm_codes: np.ndarray, sizes: np.ndarray, match: np.ndarray, crm_id: np.ndarray,
                        candidates: np.ndarray) -> None:
    """Rows whose name key several CRM companies share: the postcode decides, else ambiguous.
    ``rows`` and their key codes; ``crm_codes`` the key code of each company in ``named``.
    Postcode keys are worked out only for these rows and their candidate companies."""
    # The candidate pairs: each row with every company of its key, in CRM order (sorted by code, sliced).
    wanted = np.zeros(len(sizes), dtype=bool)
    wanted[row_codes] = True
    companies = np.flatnonzero(wanted[crm_codes])
    companies = companies[np.argsort(crm_codes[companies], kind="stable")]
    starts = np.searchsorted(crm_codes[companies], row_codes, side="left")
    counts = sizes[row_codes]
    pair_rows = np.repeat(rows, counts)
    pair_companies = companies[spread(starts, counts)]
    street_pc = np.empty(len(frame), dtype=object)
    postal_pc = np.empty(len(frame), dtype=object)
    street_pc[rows] = padded_postcode_keys(frame["shipping_postcode"].iloc[rows],
                                           frame["shipping_country"].iloc[rows]).to_numpy()
    postal_pc[rows] = padded_postcode_keys(frame["billing_postcode"].iloc[rows],
                                           frame["billing_country"].iloc[rows]).to_numpy()
    held = named.iloc[companies]
    billing_pc = np.empty(len(named), dtype=object)
    shipping_pc = np.empty(len(named), dtype=object)
    billing_pc[companies] = padded_postcode_keys(held["billing_postcode"], held["billing_country"]).to_numpy()
    shipping_pc[companies] = padded_postcode_keys(held["shipping_postcode"], held["shipping_country"]).to_numpy()
    pair_billing, pair_shipping = billing_pc[pair_companies], shipping_pc[pair_companies]
    ids = named["crm_id"].to_numpy()
    decided = np.zeros(len(frame), dtype=bool)
    for mine in (street_pc, postal_pc):  # the street postcode first, as the original's VLOOKUP advice
        pc = mine[pair_rows]
        fits = (pc != "") & ((pc == pair_billing) | (pc == pair_shipping)) & ~decided[pair_rows]
        fitting_rows = pair_rows[fits]
        alone = np.bincount(fitting_rows, minlength=len(frame))[fitting_rows] == 1  # the one company that fits
        at = fitting_rows[alone]
        match[at] = NAME_POSTCODE
        crm_id[at] = ids[pair_companies[fits][alone]]
        decided[at] = True
    still = ~decided[pair_rows]
    if not still.any():
        return
    # Still several: ambiguous, with the candidates' ids in order.
    left_rows, left_ids = pair_rows[still], ids[pair_companies[still]]
    order = np.lexsort((left_ids, left_rows))
    left_rows, left_ids = left_rows[order], left_ids[order].astype(str).tolist()
    starts = run_starts(left_rows)
    ends = np.r_[starts[1:], len(left_ids)]
    at = left_rows[starts]
    match[at] = AMBIGUOUS
    candidates[at] = [";".join(left_ids[start:end]) for start, end in zip(starts.tolist(), ends.tolist(), strict=True)]


def match_summary(matches: pd.DataFrame) -> dict[str, int]:
    """How many rows each kind of match decided (every kind listed, zeros included)."""
    counts = matches["match"].value_counts()
    return {kind: int(counts.get(kind, 0)) for kind in MATCH_KINDS}
