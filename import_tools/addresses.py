"""Xero's address parts to the CRM's billing and shipping fields (B11, B12).

Every non-empty AddressLine1..4 is kept, joined into the one street field with a separator
(", " by default); the original only joined lines 1 and 2 and lost the rest. The postal
(POBOX) address is the billing address and the street address the shipping one. Where one is
empty it is copied from the other, field by field into its empty cells, so nothing that is
there is ever overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from import_tools.columns import ADDRESS_FIELDS, ADDRESS_LINES, address_column
from import_tools.series import joined

DEFAULT_SEPARATOR = ", "
# Xero part -> CRM field suffix (street comes from the joined lines)
_PARTS = {"City": "city", "Region": "state", "PostalCode": "postcode", "Country": "country"}


def join_lines(lines: list[np.ndarray], separator: str = DEFAULT_SEPARATOR) -> np.ndarray:
    """The non-empty lines joined with ``separator``, row by row."""
    return joined(*lines, separator=separator)


def crm_address(cells: Mapping[str, np.ndarray], address_type: str, side: str,
                separator: str) -> dict[str, np.ndarray]:
    """One Xero address of the export columns (object arrays by name) as CRM fields named
    ``{side}_street`` etc."""
    fields = {f"{side}_street": join_lines([cells[address_column(address_type, line)] for line in ADDRESS_LINES],
                                           separator)}
    for part, field in _PARTS.items():
        fields[f"{side}_{field}"] = cells[address_column(address_type, part)]
    return fields


def is_empty_address(fields: Mapping[str, np.ndarray], side: str) -> np.ndarray:
    """True where an address has no street, city, state or postcode (a country alone is no address)."""
    filled = np.zeros(len(fields[f"{side}_street"]), dtype=bool)
    for field in ("street", "city", "state", "postcode"):
        filled |= fields[f"{side}_{field}"] != ""
    return ~filled


def copy_missing_address(fields: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
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
                out[f"{target}_{field}"] = np.where(fill, theirs, mine)
    return out
