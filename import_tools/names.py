"""Company names reduced to a matching key, VLOOKUP-style but tolerant of how people type them (B18).

The key (data-formats.md section 6): Unicode NFKC, accents dropped, case folded; "&" read as
"and"; apostrophes and full stops dropped ("A.B.C." = "ABC", "O'Brien" = "OBrien"), other
punctuation read as a space; spaces collapsed; a leading "The" and trailing legal forms (Ltd,
Limited, Pty, Inc, LLC, PLC, GmbH, ... stacked too, as in "Pty Ltd") dropped. So "Hamilton
Smith Ltd" = "HAMILTON SMITH LIMITED", "Port & Philip Freight" = "Port and Philip Freight",
"The Bayside Club" = "Bayside Club", while "City Agency" and "City Limousines" stay apart.
The key is for comparison only; names are stored as typed.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

LEGAL_FORMS = (
    "ltd", "limited", "pty", "proprietary", "inc", "incorporated", "llc", "llp", "lp", "plc", "corp",
    "corporation", "co", "company", "gmbh", "ag", "bv", "nv", "sa", "sarl", "srl", "oy", "ab",
)


def name_keys(names: pd.Series) -> pd.Series:
    """The matching key of each name ("" for a blank name). Names repeat, so each distinct one is
    normalised once."""
    codes, uniques = pd.factorize(names.fillna(""), sort=False, use_na_sentinel=False)
    keys = _keys(pd.Series(uniques, dtype="str"))
    return pd.Series(keys.to_numpy()[codes] if len(names) else [], index=names.index, dtype="str")


def _keys(names: pd.Series) -> pd.Series:
    """The keys of distinct names, each worked out by ``_key`` (plain str methods, a few
    microseconds a name: far cheaper than a dozen pandas string passes over the column)."""
    return pd.Series([_key(name) for name in names.tolist()], index=names.index, dtype="str")


_NON_WORD = re.compile(r"[\W_]+")
_COMBINING = re.compile(r"[\u0300-\u036f]")
_FORMS = frozenset(LEGAL_FORMS)


def _key(name: str) -> str:
    """The key of one name (see the module docstring)."""
    if name.isascii():
        key = name.lower().replace("&", " and ")
    else:
        # Accents dropped (NFKD, combining marks removed), then NFKC and Unicode case folding.
        plain = _COMBINING.sub("", unicodedata.normalize("NFKD", name))
        key = unicodedata.normalize("NFKC", plain).casefold().replace("&", " and ")
    if not key.replace(" ", "").isalnum():  # apostrophes and full stops dropped, other punctuation a space
        key = _NON_WORD.sub(" ", key.replace("'", "").replace("’", "").replace(".", ""))
    for _ in range(8):  # "a & b" became "a  and  b": halve runs of spaces until none is left
        if "  " not in key:
            break
        key = key.replace("  ", " ")
    key = key.strip()
    if key.startswith("the "):
        key = key[4:]
    stripped = key
    for _ in range(4):  # trailing legal forms, stacked ones too ("group pty ltd"); four is plenty
        head, _, tail = stripped.rpartition(" ")
        if tail not in _FORMS or head == "":
            break
        stripped = head
    # A name that is nothing but legal forms ("Limited") keeps them rather than matching everything.
    return stripped or key
