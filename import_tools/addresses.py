"""Xero's address parts to the CRM's billing and shipping fields (B11, B12).

Every non-empty AddressLine1..4 is kept, joined into the one street field with a separator
(", " by default); the original only joined lines 1 and 2 and lost the rest. The postal
(POBOX) address is the billing address and the street address the shipping one. Where one is
empty it is copied from the other, field by field into its empty cells, so nothing that is
there is ever overwritten.
"""

from __future__ import annotations

import pandas as pd

from import_tools.columns import ADDRESS_FIELDS, ADDRESS_LINES, address_column
from import_tools.phones import joined

DEFAULT_SEPARATOR = ", "
# Xero part -> CRM field suffix (street comes from the joined lines)
_PARTS = {"City": "city", "Region": "state", "PostalCode": "postcode", "Country": "country"}


def join_lines(lines: list[pd.Series], separator: str = DEFAULT_SEPARATOR) -> pd.Series:
    """The non-empty lines joined with ``separator``, row by row."""
    if separator == " ":
        return joined(*lines)
    out = lines[0]
    for line in lines[1:]:
        has_line = line != ""
        if not has_line.any():
            continue
        head = out[has_line]
        out = out.copy()
        out[has_line] = head.where(head == "", head + separator) + line[has_line]
    return out


def crm_address(frame: pd.DataFrame, address_type: str, side: str, separator: str) -> dict[str, pd.Series]:
    """One Xero address of the export frame as CRM fields named ``{side}_street`` etc."""
    fields = {f"{side}_street": join_lines([frame[address_column(address_type, line)] for line in ADDRESS_LINES],
                                           separator)}
    for part, field in _PARTS.items():
        fields[f"{side}_{field}"] = frame[address_column(address_type, part)]
    return fields


def is_empty_address(fields: dict[str, pd.Series], side: str) -> pd.Series:
    """True where an address has no street, city, state or postcode (a country alone is no address)."""
    empty = None
    for field in ("street", "city", "state", "postcode"):
        blank = fields[f"{side}_{field}"] == ""
        empty = blank if empty is None else empty & blank
    assert empty is not None
    return empty


def copy_missing_address(fields: dict[str, pd.Series]) -> dict[str, pd.Series]:
    """Billing filled from shipping where billing is empty, and the other way round (B12)."""
    out = dict(fields)
    billing_empty = is_empty_address(fields, "billing")
    shipping_empty = is_empty_address(fields, "shipping")
    for target, source, empty in (("billing", "shipping", billing_empty & ~shipping_empty),
                                  ("shipping", "billing", shipping_empty & ~billing_empty)):
        if not empty.any():
            continue
        for field in ADDRESS_FIELDS:
            mine, theirs = fields[f"{target}_{field}"], fields[f"{source}_{field}"]
            fill = empty & (mine == "")
            if fill.any():
                out[f"{target}_{field}"] = mine.where(~fill, theirs)
    return out
