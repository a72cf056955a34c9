"""The client-data rules written the plain way: one row at a time, dicts and loops, no pandas.

This is what a careful script would do (and what the original's Excel steps amount to): for
each contact, work out its country, pad its postcodes, restore its phone's trunk zero, join
its address lines, format its phone, then look its name up in a dict of CRM names (the
VLOOKUP), break ties by postcode, and offer fuzzy candidates for the rest. It calls the same
rule definitions the vectorised path is tested against (import_tools.countries.country_code,
phones.international_reference, phones._lost_trunk_zero) and applies the same name-key and
postcode rules, so the benchmark compares two implementations of one behaviour; the bench
checks that their answers agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import phonenumbers
from rapidfuzz import fuzz, process

from import_tools.countries import country_code
from import_tools.names import LEGAL_FORMS
from import_tools.phones import _lost_trunk_zero, _trunk_prefix, international_reference
from import_tools.postcodes import WIDTHS

_LEGAL = set(LEGAL_FORMS)
_PHONE_TYPES = (("Phone", "DEFAULT"), ("Office", "OFFICE"), ("DDI", "DDI"), ("Mobile", "MOBILE"))
# The columns these rules read: the bench hands rows over as dicts of just these.
EXPORT_COLUMNS_READ = [
    "Name", "ContactID", "EmailAddress", "ContactNumber", "FirstName", "LastName",
    *(f"{prefix}{part}" for prefix in ("PO", "SA") for part in (
        "AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4", "City", "Region", "PostalCode", "Country")),
    *(f"{prefix}{part}" for prefix, _ in _PHONE_TYPES for part in ("CountryCode", "AreaCode", "Number")),
]
CRM_COLUMNS_READ = ["crm_id", "account_name", "xero_reference", "billing_postcode", "billing_country",
                    "shipping_postcode", "shipping_country"]


def name_key(name: str) -> str:
    if name.isascii():
        key = name.lower()
    else:
        key = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
        key = unicodedata.normalize("NFKC", key).casefold()
    key = key.replace("&", " and ")
    key = re.sub(r"['’.]", "", key)
    key = re.sub(r"[\W_]+", " ", key)
    key = " ".join(key.split())
    if key.startswith("the "):
        key = key[4:]
    words = key.split(" ")
    while len(words) > 1 and words[-1] in _LEGAL:
        words.pop()
    stripped = " ".join(words)
    return stripped or key


def pad_postcode(value: str, region: str) -> str:
    if region not in WIDTHS or not value:
        return value
    width, shortest = WIDTHS[region]
    if value.isascii() and value.isdigit() and shortest <= len(value) < width:
        return value.zfill(width)
    if region == "US" and re.fullmatch(r"\d{1,4}-\d{4}", value) and value.find("-") >= shortest:
        return value.zfill(10)
    return value


def postcode_key(value: str, country: str) -> str:
    key = re.sub(r"\s+", "", value.upper())
    zip4 = re.fullmatch(r"(\d{5})-\d{4}", key)
    if zip4:
        key = zip4.group(1)
    region = country_code(country)
    if region in WIDTHS:
        width, shortest = WIDTHS[region]
        if key.isascii() and key.isdigit() and shortest <= len(key) < width:
            key = key.zfill(width)
    return key


def _restore_trunk(area: str, number: str, region: str) -> tuple[str, str, bool]:
    first = area or number
    if not first or _trunk_prefix(region) != "0" or first.startswith(("0", "+")):
        return area, number, False
    digits = (area + number).translate(str.maketrans("", "", " ()-."))
    if not (digits.isascii() and digits.isdigit()) or not _lost_trunk_zero(digits, region):
        return area, number, False
    return ("0" + area, number, True) if area else (area, "0" + number, True)


def transform_rows(rows: Iterable[dict[str, str]], default_country: str = "") -> tuple[list[dict[str, Any]], int]:
    """CRM import rows for export-frame rows, and how many cells were repaired."""
    default = country_code(default_country) if default_country else ""
    out, repaired = [], 0
    for row in rows:
        postal, street = country_code(row["POCountry"]), country_code(row["SACountry"])
        contact = street or postal or default
        sides = {}
        for prefix, side, own in (("PO", "billing", postal), ("SA", "shipping", street)):
            postcode = pad_postcode(row[f"{prefix}PostalCode"], own or contact)
            repaired += postcode != row[f"{prefix}PostalCode"]
            lines = [row[f"{prefix}AddressLine{i}"] for i in range(1, 5)]
            sides[side] = {"street": ", ".join(line for line in lines if line), "city": row[f"{prefix}City"],
                           "state": row[f"{prefix}Region"], "postcode": postcode, "country": row[f"{prefix}Country"]}
        for target, source in (("billing", "shipping"), ("shipping", "billing")):
            mine, theirs = sides[target], sides[source]
            if not any(mine[f] for f in ("street", "city", "state", "postcode")) and \
                    any(theirs[f] for f in ("street", "city", "state", "postcode")):
                sides[target] = {f: mine[f] or theirs[f] for f in mine}
                break
        phone, parsed = "", False
        for prefix, _kind in _PHONE_TYPES:
            cc, area, number = row[f"{prefix}CountryCode"], row[f"{prefix}AreaCode"], row[f"{prefix}Number"]
            if area or number:
                digits = re.sub(r"[ +]", "", cc)
                own = (phonenumbers.region_code_for_country_code(int(digits))
                       if digits.isdigit() and len(digits) <= 3 else "ZZ") if cc else contact
                area, number, fixed = _restore_trunk(area, number, own)
                repaired += fixed
                formatted = international_reference(cc, area, number, contact)
                parsed = formatted is not None
                kept_cc = cc if not cc or cc.startswith("+") else "+" + cc
                phone = formatted or " ".join(p for p in (kept_cc, area, number) if p)
                break
        out.append({
            "account_name": row["Name"], "xero_reference": row["ContactID"], "email": row["EmailAddress"],
            "phone": phone, "phone_parsed": parsed, "contact_number": row["ContactNumber"],
            **{f"{side}_{f}": v for side, fields in sides.items() for f, v in fields.items()},
            "contact_first_name": row["FirstName"], "contact_last_name": row["LastName"],
            "contact_email": row["EmailAddress"] if row["FirstName"] or row["LastName"] else "",
        })
    return out, repaired


def match_rows(rows: list[dict[str, Any]], crm: list[dict[str, Any]]) -> list[tuple[str, int | None, str]]:
    """(match, crm_id, candidates) per row: the VLOOKUP, with the same tiers as import_tools.matching."""
    by_reference = {c["xero_reference"]: c["crm_id"] for c in crm if c["xero_reference"]}
    ids = {c["crm_id"] for c in crm}
    by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for company in crm:
        key = name_key(company["account_name"])
        if key:
            by_key[key].append(company)
    pcs: dict[int, tuple[str, str]] = {}  # postcode keys, worked out only for companies whose name repeats

    def postcodes_of(company: dict[str, Any]) -> tuple[str, str]:
        if company["crm_id"] not in pcs:
            pcs[company["crm_id"]] = (postcode_key(company["billing_postcode"], company["billing_country"]),
                                      postcode_key(company["shipping_postcode"], company["shipping_country"]))
        return pcs[company["crm_id"]]

    results: list[tuple[str, int | None, str]] = []
    for row in rows:
        if row["xero_reference"] and row["xero_reference"] in by_reference:
            results.append(("xero_reference", by_reference[row["xero_reference"]], ""))
            continue
        number = row["contact_number"]
        if number.isdigit() and len(number) <= 18 and int(number) in ids:
            results.append(("contact_number", int(number), ""))
            continue
        found = by_key.get(name_key(row["account_name"]), [])
        if len(found) == 1:
            results.append(("name", found[0]["crm_id"], ""))
            continue
        if not found:
            results.append(("unmatched", None, ""))
            continue
        decided = None
        for pc in (postcode_key(row["shipping_postcode"], row["shipping_country"]),
                   postcode_key(row["billing_postcode"], row["billing_country"])):
            fits = [c["crm_id"] for c in found if pc and pc in postcodes_of(c)]
            if len(fits) == 1:
                decided = fits[0]
                break
        if decided is not None:
            results.append(("name_postcode", decided, ""))
        else:
            results.append(("ambiguous", None, ";".join(str(i) for i in sorted(c["crm_id"] for c in found))))
    # Several contacts on one company: ambiguous, as in import_tools.matching.
    claims: dict[int, list[int]] = defaultdict(list)
    for position, (kind, crm_id, _) in enumerate(results):
        if crm_id is not None and kind != "xero_reference":
            claims[crm_id].append(position)
    for crm_id, positions in claims.items():
        if len(positions) > 1:
            for position in positions:
                results[position] = ("ambiguous", None, str(crm_id))
    return results


def review_rows(rows: list[dict[str, Any]], matches: list[tuple[str, int | None, str]], crm: list[dict[str, Any]],
                cutoff: float = 85.0, limit: int = 3, large: int = 50) -> int:
    """Fuzzy suggestions for unmatched rows, within the same blocks as import_tools.review; a count."""
    keys = [(c["crm_id"], name_key(c["account_name"])) for c in crm]
    blocks: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for crm_id, key in keys:
        if key:
            blocks[key.split(" ")[0]].append((crm_id, key))
    split: set[str] = set()
    suggestions = 0
    for row, (kind, _, _) in zip(rows, matches, strict=True):
        key = name_key(row["account_name"])
        if kind != "unmatched" or not key:
            continue
        words = key.split(" ")
        block_key, offered = words[0], blocks.get(words[0], [])
        for position in (-1, -2, 1):  # split large blocks by further words, as import_tools.review does
            if len(offered) <= large:
                break
            word = words[position] if -len(words) <= position < len(words) else ""
            parent, block_key = block_key, f"{block_key}|{word}"
            if parent not in split:  # a large block is split into all its sub-blocks at once, when first needed
                split.add(parent)
                for i, k in blocks[parent]:
                    blocks[f"{parent}|{_word(k, position)}"].append((i, k))
            offered = blocks.get(block_key, [])
        found = process.extract(key, [k for _, k in offered], scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit)
        suggestions += len(found)
    return suggestions


def _word(key: str, position: int) -> str:
    words = key.split(" ")
    return words[position] if -len(words) <= position < len(words) else ""
