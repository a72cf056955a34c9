"""Country text ("USA", "United Kingdom", "nz", "Deutschland") to an ISO 3166 alpha-2 code.

Xero's Country field is free text, and the phone and postcode rules need the country's code.
pycountry knows the official names and codes; the aliases add the names people actually type.
An unknown value gives "", which every rule reads as "country unknown: leave the value alone".
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd
import pycountry

from import_tools.series import map_unique

ALIASES = {
    "uk": "GB", "u.k.": "GB", "great britain": "GB", "britain": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "u.s.": "US", "u.s.a.": "US", "america": "US", "united states of america": "US",
    "aotearoa": "NZ", "new zealand": "NZ",
    "deutschland": "DE", "holland": "NL", "the netherlands": "NL", "eire": "IE",
    "russia": "RU", "south korea": "KR", "korea": "KR", "turkey": "TR", "ivory coast": "CI",
    "espana": "ES", "españa": "ES", "italia": "IT", "schweiz": "CH", "suisse": "CH",
}


@lru_cache(maxsize=4096)
def country_code(value: str) -> str:
    """The alpha-2 code for a country as typed, or "" when it is empty or unknown."""
    cleaned = re.sub(r"\s+", " ", value).strip()
    if not cleaned:
        return ""
    alias = ALIASES.get(cleaned.casefold())
    if alias:
        return alias
    try:
        return pycountry.countries.lookup(cleaned).alpha_2
    except LookupError:
        return ""


def country_codes(values: pd.Series) -> pd.Series:
    """``country_code`` for a column; countries repeat, so each distinct value is looked up once."""
    return map_unique(values.fillna(""), lambda v: country_code(str(v))).astype("str")
