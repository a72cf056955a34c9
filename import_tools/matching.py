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
from import_tools.series import factorize_pairs

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
    keys = [_padded_key(postcode, region)
            for postcode, region in zip(pd.Series(distinct_postcodes, dtype="str").tolist(), regions, strict=True)]
    key = np.array(keys, dtype=object)
    return pd.Series(key[codes] if len(postcodes) else [], index=postcodes.index, dtype="str")


_SPACES = re.compile(r"\s+")
_ZIP4_KEY = re.compile(r"^(\d{5})-\d{4}$")
_PADDABLE = {region: re.compile(rf"\d{{{shortest},{width - 1}}}") for region, (width, shortest) in WIDTHS.items()}


def _padded_key(postcode: str, region: str) -> str:
    """The comparison key of one distinct postcode (upper case, no spaces, a ZIP+4 as its ZIP),
    zero-padded to its country's width."""
    key = postcode.upper().replace(" ", "")
    if not key.isalnum():  # the regexes only where there is something for them to do
        key = _ZIP4_KEY.sub(r"\1", _SPACES.sub("", key))
    paddable = _PADDABLE.get(region)
    if paddable is not None and paddable.fullmatch(key):
        key = key.zfill(WIDTHS[region][0])
    return key


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
    open_rows = match == UNMATCHED
    key_values = (keys if keys is not None else name_keys(frame["account_name"])).to_numpy(dtype=object)
    named = side[side["key"] != ""]
    # One factorize over both sides' keys: per distinct key, how many CRM companies have it and
    # the first one's id; per row, its key's code.
    crm_count = len(named)
    codes = pd.factorize(np.concatenate([named["key"].to_numpy(dtype=object), key_values]))[0]
    crm_codes, row_codes = codes[:crm_count], codes[crm_count:]
    sizes = np.bincount(crm_codes, minlength=int(codes.max(initial=-1)) + 1)
    firsts = np.full(len(sizes), -1, dtype="int64")
    firsts[crm_codes[::-1]] = named["crm_id"].to_numpy()[::-1]  # written last = the first company
    wanted = np.flatnonzero(open_rows & (key_values != "") & (sizes[row_codes] > 0))
    found = pd.DataFrame({"pos": wanted, "key": key_values[wanted], "size": sizes[row_codes[wanted]],
                          "first": firsts[row_codes[wanted]]})
    single = found[found["size"] == 1]
    match[single["pos"]] = NAME
    crm_id[single["pos"]] = single["first"]

    repeated = found[found["size"] > 1]
    if len(repeated):
        # Postcode keys only where a name repeats: the rest never needs them.
        rows = repeated["pos"].to_numpy()
        street_pc = np.empty(len(frame), dtype=object)
        postal_pc = np.empty(len(frame), dtype=object)
        street_pc[rows] = padded_postcode_keys(frame["shipping_postcode"].iloc[rows],
                                               frame["shipping_country"].iloc[rows]).to_numpy()
        postal_pc[rows] = padded_postcode_keys(frame["billing_postcode"].iloc[rows],
                                               frame["billing_country"].iloc[rows]).to_numpy()
        candidates_side = named[named["key"].isin(repeated["key"])]
        candidates_side = candidates_side.assign(
            billing_pc=padded_postcode_keys(candidates_side["billing_postcode"],
                                            candidates_side["billing_country"]).to_numpy(),
            shipping_pc=padded_postcode_keys(candidates_side["shipping_postcode"],
                                             candidates_side["shipping_country"]).to_numpy())
        pairs = repeated[["pos", "key"]].merge(candidates_side[["key", "crm_id", "billing_pc", "shipping_pc"]],
                                               on="key")
        decided = np.zeros(len(frame), dtype=bool)
        for mine in (street_pc, postal_pc):  # the street postcode first, as the original's VLOOKUP advice
            pc = mine[pairs["pos"].to_numpy()]
            fits = (pc != "") & ((pc == pairs["billing_pc"].to_numpy()) | (pc == pairs["shipping_pc"].to_numpy()))
            fitting = pairs[fits & ~decided[pairs["pos"].to_numpy()]]
            per_row = fitting.groupby("pos", sort=False)["crm_id"].agg(["size", "first"])
            unique = per_row[per_row["size"] == 1]
            match[unique.index] = NAME_POSTCODE
            crm_id[unique.index] = unique["first"].to_numpy()
            decided[unique.index] = True
        still = pairs[~decided[pairs["pos"].to_numpy()]]
        if len(still):
            ordered = still.sort_values(["pos", "crm_id"])
            rows_in_order, ids = ordered["pos"].to_numpy(), ordered["crm_id"].astype(str).tolist()
            starts = np.flatnonzero(np.r_[True, rows_in_order[1:] != rows_in_order[:-1]])
            ends = np.r_[starts[1:], len(ids)]
            at = rows_in_order[starts]
            match[at] = AMBIGUOUS
            candidates[at] = [";".join(ids[start:end])
                              for start, end in zip(starts.tolist(), ends.tolist(), strict=True)]

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
    return out


def match_summary(matches: pd.DataFrame) -> dict[str, int]:
    """How many rows each kind of match decided (every kind listed, zeros included)."""
    counts = matches["match"].value_counts()
    return {kind: int(counts.get(kind, 0)) for kind in MATCH_KINDS}
