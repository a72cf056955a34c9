"""Synthetic CRM companies and Xero contacts for the client-data benchmark, built with numpy.

Shaped like resources/crm/demo_data.py (its countries, places, postcodes with leading zeros,
phone parts with trunk zeros, legal suffixes) but drawn column-wise, so a million rows take
seconds rather than the minutes the row-by-row demo generator needs. What the Xero side holds:

- 80% of contacts are CRM companies as a business typed them into Xero: some names in capitals
  or with "Ltd" as "Limited", "&" as "and", a leading "The"; 1% misspelt (two letters swapped:
  the fuzzy review's work);
  street lines split over AddressLine1/2; 10% carry the CRM id as ContactNumber; the 5% of CRM
  companies already linked carry their ContactID.
- 20% are Xero-only clients (unmatched: the historical import's new companies).
- Spreadsheet damage: 5% of postcodes that start with a zero lose it, 5% of area codes lose
  their trunk zero.
- Company names repeat as in life: 20% are "Surname Industry Suffix" (64,000 per country, so
  repeats at scale, in other postcodes), the rest "Surname & Surname Industry Suffix".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from faker import Faker

from import_tools.columns import EXPORT_COLUMNS
from resources.crm.demo_data import COUNTRIES, INDUSTRIES

_UK_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))  # as demo_data.uk_postcode: never C, I, K, M, O, V


def _pool(locale: str, seed: int, draw: str, size: int) -> np.ndarray:
    fake = Faker(locale)
    fake.seed_instance(seed)
    seen: dict[str, None] = {}
    for _ in range(size * 20):
        seen.setdefault(getattr(fake, draw)(), None)
        if len(seen) >= size:
            break
    return np.array(list(seen), dtype=object)


def _cat(*parts: object) -> np.ndarray:
    """Element-wise string concatenation of arrays and scalars."""
    out = pd.Series(parts[0]) if isinstance(parts[0], np.ndarray) else None
    for part in parts[1:] if out is not None else parts:
        piece = pd.Series(part) if isinstance(part, np.ndarray) else part
        out = piece if out is None else out + piece
    assert out is not None
    return out.to_numpy(dtype=object)


def _companies(n: int, rng: np.random.Generator, seed: int) -> pd.DataFrame:
    """n companies as CRM rows (plus their phone parts and primary person)."""
    weights = np.array([c.weight for c in COUNTRIES], dtype=float)
    country_index = rng.choice(len(COUNTRIES), size=n, p=weights / weights.sum())
    columns: dict[str, np.ndarray] = {name: np.empty(n, dtype=object) for name in (
        "account_name", "billing_street", "billing_city", "billing_state", "billing_postcode", "billing_country",
        "phone_country_code", "phone_area_code", "phone_number", "email", "first_name", "last_name")}
    for ci, country in enumerate(COUNTRIES):
        rows = np.flatnonzero(country_index == ci)
        k = len(rows)
        if not k:
            continue
        surnames = _pool(country.locale, seed * 10 + ci, "last_name", 400)
        firsts = _pool(country.locale, seed * 10 + ci + 5, "first_name", 250)
        one, two = surnames[rng.integers(0, len(surnames), k)], surnames[rng.integers(0, len(surnames), k)]
        industry = np.array(INDUSTRIES, dtype=object)[rng.integers(0, len(INDUSTRIES), k)]
        suffix = np.array(country.company_suffixes, dtype=object)[rng.integers(0, len(country.company_suffixes), k)]
        double = rng.random(k) < 0.8
        name = np.where(double, _cat(one, " & ", two, " ", industry, " ", suffix),
                        _cat(one, " ", industry, " ", suffix))
        places = country.places
        place_index = rng.integers(0, len(places), k)
        postcode = np.empty(k, dtype=object)
        for pi, place in enumerate(places):
            at = np.flatnonzero(place_index == pi)
            base = np.array(place.postcodes, dtype=object)[rng.integers(0, len(place.postcodes), len(at))]
            if country.code == "GB":
                inward = _cat(rng.integers(0, 10, len(at)).astype(str).astype(object),
                              _UK_LETTERS[rng.integers(0, 20, len(at))].astype(object),
                              _UK_LETTERS[rng.integers(0, 20, len(at))].astype(object))
                base = _cat(base, " ", inward)
            postcode[at] = base
        street_names = np.array(country.street_names + tuple(surnames[:60]), dtype=object)
        street = _cat(rng.integers(1, 250, k).astype(str).astype(object), " ",
                      street_names[rng.integers(0, len(street_names), k)], " ",
                      np.array(country.street_types, dtype=object)[rng.integers(0, len(country.street_types), k)])
        unit = rng.random(k) < 0.25
        unit_label = np.array(country.unit_labels, dtype=object)[rng.integers(0, len(country.unit_labels), k)]
        street = np.where(unit, _cat(unit_label, " ", rng.integers(1, 40, k).astype(str).astype(object), ", ", street),
                          street)
        area = np.array([p.area_code for p in places], dtype=object)[place_index]
        prefix = np.array([p.number_prefix for p in places], dtype=object)[place_index]
        free = np.array([p.number_length - len(p.number_prefix) for p in places])[place_index]
        digits = pd.Series(rng.integers(0, 10**9, k)).astype(str).str.zfill(9).to_numpy(dtype=object)
        number = _cat(prefix, pd.Series(digits).str.slice(0, 9).to_numpy(dtype=object))
        number = np.array([n[: len(p) + f] for n, p, f in zip(number, prefix, free, strict=True)], dtype=object)
        domain = pd.Series(one).str.lower().str.replace(r"[^a-z]", "", regex=True) + "." + country.email_tld
        columns["account_name"][rows] = name
        columns["billing_street"][rows] = street
        columns["billing_city"][rows] = np.array([p.city for p in places], dtype=object)[place_index]
        columns["billing_state"][rows] = np.array([p.region for p in places], dtype=object)[place_index]
        columns["billing_postcode"][rows] = postcode
        columns["billing_country"][rows] = country.name
        columns["phone_country_code"][rows] = country.dial_code
        columns["phone_area_code"][rows] = area
        columns["phone_number"][rows] = number
        columns["email"][rows] = _cat("accounts@", domain.to_numpy(dtype=object))
        columns["first_name"][rows] = firsts[rng.integers(0, len(firsts), k)]
        columns["last_name"][rows] = surnames[rng.integers(0, len(surnames), k)]
    frame = pd.DataFrame(columns).astype("str")
    # Shipping: the same address 70%, empty 20% (the import copies billing, B12), another 10%.
    roll = rng.random(n)
    donor = rng.integers(0, n, n)
    for field in ("street", "city", "state", "postcode", "country"):
        billing = frame[f"billing_{field}"].to_numpy(dtype=object)
        frame[f"shipping_{field}"] = np.where(roll < 0.7, billing, np.where(roll < 0.9, "", billing[donor]))
    frame[[f"shipping_{f}" for f in ("street", "city", "state", "postcode", "country")]] = frame[
        [f"shipping_{f}" for f in ("street", "city", "state", "postcode", "country")]].astype("str")
    return frame


def _guids(n: int, rng: np.random.Generator) -> np.ndarray:
    hexes = pd.Series(rng.integers(0, 2**63, n)).map("{:016x}".format) + pd.Series(
        rng.integers(0, 2**63, n)).map("{:016x}".format)
    return (hexes.str.slice(0, 8) + "-" + hexes.str.slice(8, 12) + "-4" + hexes.str.slice(13, 16) + "-a"
            + hexes.str.slice(17, 20) + "-" + hexes.str.slice(20, 32)).to_numpy(dtype=object)


def crm_companies(n: int, seed: int = 42) -> pd.DataFrame:
    """n CRM companies: crm_id, account_name, xero_reference (5% already linked), addresses, phone."""
    rng = np.random.default_rng(seed)
    frame = _companies(n, rng, seed)
    frame.insert(0, "crm_id", np.arange(1, n + 1, dtype="int64"))
    linked = rng.random(n) < 0.05
    frame.insert(2, "xero_reference", np.where(linked, _guids(n, rng), ""))
    frame["xero_reference"] = frame["xero_reference"].astype("str")
    return frame


def _strip_zero(values: pd.Series, mask: np.ndarray) -> pd.Series:
    hit = mask & values.str.startswith("0").to_numpy()
    out = values.copy()
    out[hit] = values[hit].str.slice(1)
    return out


def xero_contacts(crm: pd.DataFrame, n: int, seed: int = 7) -> pd.DataFrame:
    """n Xero contacts as an export frame: 80% of them CRM companies as typed in Xero, 20% new."""
    rng = np.random.default_rng(seed)
    known = min(int(n * 0.8), len(crm))
    picked = crm.iloc[rng.choice(len(crm), size=known, replace=False)].reset_index(drop=True)
    new = _companies(n - known, rng, seed + 1000)
    new.insert(0, "crm_id", 0)
    new.insert(2, "xero_reference", "")
    source = pd.concat([picked, new], ignore_index=True)
    from_crm = np.arange(n) < known

    name = source["account_name"]
    roll = rng.random(n)
    name = name.where(~(from_crm & (roll < 0.10)), name.str.upper())
    name = name.where(~(from_crm & (roll >= 0.10) & (roll < 0.20)), name.str.replace(r" Ltd$", " Limited", regex=True))
    name = name.where(~(from_crm & (roll >= 0.20) & (roll < 0.25)), name.str.replace(" & ", " and ", regex=False))
    name = name.where(~(from_crm & (roll >= 0.25) & (roll < 0.27)), "The " + name)
    typo = from_crm & (roll >= 0.27) & (roll < 0.28)  # two letters swapped mid-name
    name = name.where(~typo, name.str.slice(0, 6) + name.str.slice(7, 8) + name.str.slice(6, 7) + name.str.slice(8))

    frame = pd.DataFrame({c: pd.Series("", index=range(n), dtype="str") for c in EXPORT_COLUMNS})
    references = _guids(n, rng)
    held = source["xero_reference"].to_numpy(dtype=object)
    frame["ContactID"] = np.where(held != "", held, references)
    frame["Name"] = name
    numbered = from_crm & (rng.random(n) < 0.10)
    frame["ContactNumber"] = np.where(numbered, source["crm_id"].astype(str), "")
    frame["ContactStatus"] = "ACTIVE"
    frame["FirstName"], frame["LastName"] = source["first_name"], source["last_name"]
    frame["EmailAddress"] = source["email"]
    for prefix, side in (("PO", "billing"), ("SA", "shipping")):
        street = source[f"{side}_street"]
        two = street.str.split(", ", n=1)
        frame[f"{prefix}AddressLine1"] = two.str[0].fillna("")
        frame[f"{prefix}AddressLine2"] = two.str[1].fillna("")
        frame[f"{prefix}City"] = source[f"{side}_city"]
        frame[f"{prefix}Region"] = source[f"{side}_state"]
        frame[f"{prefix}PostalCode"] = _strip_zero(source[f"{side}_postcode"], rng.random(n) < 0.05)
        frame[f"{prefix}Country"] = source[f"{side}_country"]
    frame["PhoneCountryCode"] = source["phone_country_code"].where(rng.random(n) >= 0.10, "")
    frame["PhoneAreaCode"] = _strip_zero(source["phone_area_code"], rng.random(n) < 0.05)
    frame["PhoneNumber"] = source["phone_number"]
    frame.index = pd.RangeIndex(1, n + 1, name="row")
    return frame.astype("str")
