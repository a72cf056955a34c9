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

import numpy as np
import pandas as pd
from numpy.dtypes import StringDType

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
    """The keys of distinct names. Each step touches only the names it changes: most names are
    plain words, and a regex over a million strings costs a second."""
    ascii_only = names.str.isascii()
    key = names.str.lower().str.replace("&", " and ", regex=False)
    if not ascii_only.all():
        # Accents dropped (NFKD, combining marks removed), then NFKC and Unicode case folding.
        other = names[~ascii_only].str.normalize("NFKD").str.replace(r"[\u0300-\u036f]", "", regex=True)
        key[~ascii_only] = other.str.normalize("NFKC").str.casefold().str.replace("&", " and ", regex=False)
    punctuated = ~key.str.replace(" ", "", regex=False).str.isalnum()
    if punctuated.any():
        words = key[punctuated].str.replace(r"['’.]", "", regex=True).str.replace(r"[\W_]+", " ", regex=True)
        key[punctuated] = words
    for _ in range(8):  # "a & b" became "a  and  b": halve runs of spaces until none is left
        spaced = key.str.contains("  ", regex=False)
        if not spaced.any():
            break
        key[spaced] = key[spaced].str.replace("  ", " ", regex=False)
    key = key.str.strip()
    the = key.str.startswith("the ")
    key[the] = key[the].str.slice(4)
    stripped = _without_legal_forms(key.to_numpy(dtype=object).astype(StringDType()))
    # A name that is nothing but legal forms ("Limited") keeps them rather than matching everything.
    return pd.Series(stripped.astype(object), index=names.index, dtype="str").where(lambda k: k != "", key)


def _without_legal_forms(keys: np.ndarray) -> np.ndarray:
    """Trailing legal forms dropped, stacked ones too ("pty ltd"), with numpy's native string ufuncs."""
    space = np.array(" ", dtype=StringDType())
    forms = np.array(LEGAL_FORMS, dtype=StringDType())
    out = keys.copy()
    todo = np.arange(len(out))
    for _ in range(4):  # "group pty ltd" has two; four is plenty
        head, _, tail = np.strings.rpartition(out[todo], space)
        formal = np.isin(tail, forms) & (head != "")
        if not formal.any():
            break
        todo = todo[formal]
        out[todo] = head[formal]
    return out
