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
    """The matching key of each name ("" for a blank name).

    Plain ASCII names (nearly all) are keyed together: joined into one text, one line per name,
    so each rule is one C-speed pass over the whole text instead of a dozen string calls per
    name. The rest (accents, a line break inside a name) go through ``_key`` one by one, each
    distinct one once. Both give the same keys (a property test holds them equal)."""
    values = names.fillna("").tolist()
    text = "\n".join(values)
    if text.isascii() and text.count("\n") == max(len(values) - 1, 0):
        return pd.Series(_ascii_keys(text) if values else [], index=names.index, dtype="str")
    plain = [name.isascii() and "\n" not in name for name in values]
    batch = iter(_ascii_keys("\n".join(name for name, simple in zip(values, plain, strict=True) if simple)))
    known: dict[str, str] = {}
    keys = [next(batch) if simple else known.get(name) or known.setdefault(name, _key(name))
            for name, simple in zip(values, plain, strict=True)]
    return pd.Series(keys, index=names.index, dtype="str")


# The batch rules work on bytes, where each is one C-speed pass over the whole text: anything but
# a letter, digit or line break becomes a space (after apostrophes and full stops are dropped).
_BATCH_SPACES = bytes(c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789\n" else 32 for c in range(256))


def _ascii_keys(lines: str) -> list[str]:
    """The keys of the ASCII names in ``lines``, one name per line."""
    text = lines.encode("ascii").lower().replace(b"&", b" and ")
    text = text.translate(_BATCH_SPACES, b"'.")
    while b"  " in text:  # runs of spaces halve each pass
        text = text.replace(b"  ", b" ")
    text = b"\n" + text.replace(b" \n", b"\n").replace(b"\n ", b"\n").strip(b" ") + b"\n"
    text = text.replace(b"\nthe ", b"\n")  # a leading "The", once per name
    # Trailing legal forms, matched on the reversed text: there each name's forms lead its line, so
    # the search jumps from line break to line break instead of trying every space.
    text = _REVERSED_FORMS.sub(b"\n", text[::-1])[::-1]
    return text[1:-1].decode("ascii").split("\n")


_NON_WORD = re.compile(r"[\W_]+")
_COMBINING = re.compile(r"[\u0300-\u036f]")
_FORMS = frozenset(LEGAL_FORMS)
# Reversed: one to four legal forms, each followed (so, read forwards, preceded) by a word.
_REVERSED_FORMS = re.compile(rb"\n(?:(?:" + b"|".join(f[::-1].encode() for f in LEGAL_FORMS) + rb") ){1,4}")


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
    key = " ".join(key.split())  # "a & b" became "a  and  b": runs of spaces collapsed, ends trimmed
    if key.startswith("the "):
        key = key[4:]
    return _strip_legal_forms(key)


def _strip_legal_forms(key: str) -> str:
    """Trailing legal forms dropped, stacked ones too ("group pty ltd"); four is plenty. A name that
    is nothing but legal forms ("Limited") keeps the first rather than matching everything."""
    stripped = key
    for _ in range(4):
        head, _, tail = stripped.rpartition(" ")
        if tail not in _FORMS or head == "":
            break
        stripped = head
    return stripped
