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
from dataclasses import dataclass
from typing import Any

import phonenumbers
from rapidfuzz import fuzz, process

from import_tools.countries import country_code
from import_tools.names import LEGAL_FORMS
from import_tools.phones import _lost_trunk_zero, _trunk_prefix, international_reference
from import_tools.postcodes import WIDTHS, decide_postcode

_LEGAL = set(LEGAL_FORMS)
_PHONE_TYPES = (("Phone", "DEFAULT"), ("Office", "OFFICE"), ("DDI", "DDI"), ("Mobile", "MOBILE"))
_ALL_PHONES = ("Phone", "DDI", "Mobile", "Fax", "Office")
# The columns these rules read: the bench hands rows over as dicts of just these.
EXPORT_COLUMNS_READ = [
    "Name", "ContactID", "EmailAddress", "ContactNumber", "FirstName", "LastName",
    *(f"{prefix}{part}" for prefix in ("PO", "SA") for part in (
        "AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4", "City", "Region", "PostalCode", "Country")),
    *(f"{prefix}{part}" for prefix in _ALL_PHONES for part in ("CountryCode", "AreaCode", "Number")),
    *(f"Person{slot}{part}" for slot in range(1, 6) for part in ("FirstName", "LastName", "Email")),
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


def pad_postcode(value: str, region: str) -> tuple[str, str, str]:
    """(postcode, rule applied, problem seen): the rule import_tools applies to each distinct value."""
    if region not in WIDTHS or not value:
        return value, "", ""
    return decide_postcode(value, region)


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


@dataclass
class Transformed:
    rows: list[dict[str, Any]]  # the CRM import frame's rows (plus phone_parsed and contact_number)
    repairs: list[tuple[Any, str, str, str, str]]  # (row, column, old, new, rule), as reports.REPAIR_COLUMNS
    issues: list[tuple[Any, str, str, str]]  # (row, column, value, problem), as reports.ISSUE_COLUMNS
    people: list[tuple[Any, int, str, str, str, bool]]  # (row, slot, first, last, email, primary)


def transform_rows(rows: Iterable[tuple[Any, dict[str, str]]], default_country: str = "") -> Transformed:
    """The CRM import rows, the repairs, the issues and the people for (row label, export row) pairs."""
    default = country_code(default_country) if default_country else ""
    done = Transformed([], [], [], [])
    for label, row in rows:
        postal, street = country_code(row["POCountry"]), country_code(row["SACountry"])
        contact = street or postal or default
        sides = {}
        for prefix, side, own in (("PO", "billing", postal), ("SA", "shipping", street)):
            column = f"{prefix}PostalCode"
            postcode, rule, problem = pad_postcode(row[column], own or contact)
            if rule:
                done.repairs.append((label, column, row[column], postcode, rule))
            if problem:
                done.issues.append((label, column, row[column], problem))
            lines = [row[f"{prefix}AddressLine{i}"] for i in range(1, 5)]
            sides[side] = {"street": ", ".join(line for line in lines if line), "city": row[f"{prefix}City"],
                           "state": row[f"{prefix}Region"], "postcode": postcode, "country": row[f"{prefix}Country"]}
        for target, source in (("billing", "shipping"), ("shipping", "billing")):
            mine, theirs = sides[target], sides[source]
            if not any(mine[f] for f in ("street", "city", "state", "postcode")) and \
                    any(theirs[f] for f in ("street", "city", "state", "postcode")):
                sides[target] = {f: mine[f] or theirs[f] for f in mine}
                break
        phones = {}
        for prefix in _ALL_PHONES:  # every phone's stripped trunk zero, each change reported
            cc, area, number = row[f"{prefix}CountryCode"], row[f"{prefix}AreaCode"], row[f"{prefix}Number"]
            if area or number:
                digits = re.sub(r"[ +]", "", cc)
                own = (phonenumbers.region_code_for_country_code(int(digits))
                       if digits.isdigit() and len(digits) <= 3 else "ZZ") if cc else contact
                new_area, new_number, fixed = _restore_trunk(area, number, own)
                if fixed:
                    part, old, new = ("AreaCode", area, new_area) if area else ("Number", number, new_number)
                    done.repairs.append((label, f"{prefix}{part}", old, new,
                                         f"{own} numbers start with trunk prefix 0 (phonenumbers national format)"))
                area, number = new_area, new_number
            phones[prefix] = (cc, area, number)
        phone, parsed = "", False
        for prefix, _kind in _PHONE_TYPES:
            cc, area, number = phones[prefix]
            if area or number:
                formatted = international_reference(cc, area, number, contact)
                parsed = formatted is not None
                kept_cc = cc if not cc or cc.startswith("+") else "+" + cc
                phone = formatted or " ".join(p for p in (kept_cc, area, number) if p)
                if not parsed:
                    unknown = "" if contact else " (country unknown)"
                    done.issues.append((label, f"{prefix}Number", phone,
                                        f"does not parse as a phone number{unknown}; kept as typed"))
                break
        if row["FirstName"] or row["LastName"]:
            done.people.append((label, 0, row["FirstName"], row["LastName"], row["EmailAddress"], True))
        for slot in range(1, 6):
            first, last, email = (row[f"Person{slot}{f}"] for f in ("FirstName", "LastName", "Email"))
            if first or last or email:
                done.people.append((label, slot, first, last, email, False))
        done.rows.append({
            "account_name": row["Name"], "xero_reference": row["ContactID"], "email": row["EmailAddress"],
            "phone": phone, "phone_parsed": parsed, "contact_number": row["ContactNumber"],
            **{f"{side}_{f}": v for side, fields in sides.items() for f, v in fields.items()},
            "contact_first_name": row["FirstName"], "contact_last_name": row["LastName"],
            "contact_email": row["EmailAddress"] if row["FirstName"] or row["LastName"] else "",
        })
    return done


@dataclass
class Matched:
    results: list[tuple[str, int | None, str]]  # (match, crm_id, candidates) per row
    crm_keys: list[str]  # each CRM company's name key, worked out once and kept for the review
    row_keys: dict[int, str]  # the name keys of the rows that reached the name rule


def match_rows(rows: list[dict[str, Any]], crm: list[dict[str, Any]]) -> Matched:
    """The VLOOKUP, with the same tiers as import_tools.matching."""
    by_reference = {c["xero_reference"]: c["crm_id"] for c in crm if c["xero_reference"]}
    ids = {c["crm_id"] for c in crm}
    crm_keys = [name_key(company["account_name"]) for company in crm]
    row_keys: dict[int, str] = {}
    by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for company, key in zip(crm, crm_keys, strict=True):
        if key:
            by_key[key].append(company)
    pcs: dict[int, tuple[str, str]] = {}  # postcode keys, worked out only for companies whose name repeats

    def postcodes_of(company: dict[str, Any]) -> tuple[str, str]:
        if company["crm_id"] not in pcs:
            pcs[company["crm_id"]] = (postcode_key(company["billing_postcode"], company["billing_country"]),
                                      postcode_key(company["shipping_postcode"], company["shipping_country"]))
        return pcs[company["crm_id"]]

    results: list[tuple[str, int | None, str]] = []
    for position, row in enumerate(rows):
        if row["xero_reference"] and row["xero_reference"] in by_reference:
            results.append(("xero_reference", by_reference[row["xero_reference"]], ""))
            continue
        number = row["contact_number"]
        if number.isdigit() and len(number) <= 18 and int(number) in ids:
            results.append(("contact_number", int(number), ""))
            continue
        key = row_keys[position] = name_key(row["account_name"])
        found = by_key.get(key, [])
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
    return Matched(results, crm_keys, row_keys)


def review_rows(matched: Matched, crm: list[dict[str, Any]], cutoff: float = 85.0, limit: int = 3,
                large: int = 50) -> int:
    """Fuzzy suggestions for unmatched rows, within the same blocks as import_tools.review; a count.
    The name keys are the ones matching worked out."""
    blocks: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for company, key in zip(crm, matched.crm_keys, strict=True):
        if key:
            blocks[key.split(" ")[0]].append((company["crm_id"], key))
    split: set[str] = set()
    suggestions = 0
    for position, (kind, _, _) in enumerate(matched.results):
        key = matched.row_keys.get(position, "")
        if kind != "unmatched" or not key:
            continue
        words = key.split(" ")
        block_key, offered = words[0], blocks.get(words[0], [])
        for at in (-1, -2, 1):  # split large blocks by further words, as import_tools.review does
            if len(offered) <= large:
                break
            word = words[at] if -len(words) <= at < len(words) else ""
            parent, block_key = block_key, f"{block_key}|{word}"
            if parent not in split:  # a large block is split into all its sub-blocks at once, when first needed
                split.add(parent)
                for i, k in blocks[parent]:
                    blocks[f"{parent}|{_word(k, at)}"].append((i, k))
            offered = blocks.get(block_key, [])
        found = process.extract(key, [k for _, k in offered], scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit)
        suggestions += len(found)
    return suggestions


def _word(key: str, position: int) -> str:
    words = key.split(" ")
    return words[position] if -len(words) <= position < len(words) else ""
