"""The export frame transformed into the CRM import frame (B10-B14), with its repair reports.

What the original asked people to do in Excel, as column operations over the whole frame:
leading zeros restored by country (postcodes and phone parts, every change reported),
address lines joined, billing and shipping filled from each other, phone parts joined into
one international number (unparseable ones kept as typed and reported).

Input is an export frame as ``read_contacts_csv`` or ``flatten_contacts`` return it: every
column present, every cell stripped text, the index a unique row label (spreadsheet row or
contact position) that all reports quote.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from import_tools import reports
from import_tools.addresses import DEFAULT_SEPARATOR, copy_missing_address, crm_address
from import_tools.columns import (
    ADDRESS_PREFIXES,
    CRM_COLUMNS,
    PHONE_PARTS,
    PHONE_PREFIXES,
    address_column,
    phone_column,
)
from import_tools.countries import country_code, country_codes
from import_tools.phones import format_phones, restored_trunk_prefixes
from import_tools.postcodes import repair_postcodes

DEFAULT_PHONE_TYPES = ("DEFAULT", "OFFICE", "DDI", "MOBILE")
PEOPLE_COLUMNS = ["row", "slot", "first_name", "last_name", "email", "is_primary"]  # slot 0: primary


@dataclass(frozen=True)
class TransformOptions:
    default_country: str = ""
    """Country for contacts whose addresses name none (ISO code or name); "" applies no country rules."""
    street_separator: str = DEFAULT_SEPARATOR
    """Between the address lines joined into one street field."""
    phone_types: tuple[str, ...] = DEFAULT_PHONE_TYPES
    """Which Xero phone becomes the CRM phone: the first of these types that has a number."""

    def __post_init__(self) -> None:
        unknown = [t for t in self.phone_types if t not in PHONE_PREFIXES]
        if unknown:
            raise ValueError(f"unknown phone type(s) {', '.join(unknown)}; use {', '.join(PHONE_PREFIXES)}")
        if self.default_country and not country_code(self.default_country):
            raise ValueError(f"default country {self.default_country!r} is not a country pycountry knows")


@dataclass
class TransformResult:
    frame: pd.DataFrame  # CRM_COLUMNS, same index as the input
    contact_numbers: pd.Series  # Xero ContactNumber (the CRM id when the CRM created the contact)
    statuses: pd.Series  # Xero ContactStatus
    phone_parts: pd.DataFrame  # country_code, area_code, number of the chosen phone (repaired)
    people: pd.DataFrame  # PEOPLE_COLUMNS: the primary person and ContactPersons of each row
    repairs: pd.DataFrame  # reports.REPAIR_COLUMNS
    issues: pd.DataFrame  # reports.ISSUE_COLUMNS
    phone_present: pd.Series
    phone_parsed: pd.Series
    options: TransformOptions = field(default_factory=TransformOptions)

    @property
    def phones_parsed_share(self) -> float:
        """Share of the rows with a phone whose phone parsed (1.0 when none has a phone)."""
        present = int(self.phone_present.sum())
        return float(self.phone_parsed.sum()) / present if present else 1.0


def transform_contacts(export: pd.DataFrame, options: TransformOptions | None = None) -> TransformResult:
    """The CRM import frame for an export frame, with repairs and issues reported.

    The work is done on the columns as object arrays (numpy compares, selects and concatenates
    them without pandas' per-call costs; rules that need Python per value run over plain lists
    with caches), and only the results become frames again.
    """
    options = options or TransformOptions()
    if not export.index.is_unique:
        raise ValueError("the export frame's index must be unique: reports and errors quote it as the row")
    rows = export.index
    cells = {column: export[column].to_numpy(dtype=object) for column in export.columns}  # replaced, never edited
    found_repairs: list[pd.DataFrame] = []
    found_issues: list[pd.DataFrame] = []

    regions = _regions(export, options)
    for kind in ADDRESS_PREFIXES:
        column = address_column(kind, "PostalCode")
        cells[column], repairs_found, issues_found = repair_postcodes(cells[column], regions[kind], rows, column)
        found_repairs.append(repairs_found)
        found_issues.append(issues_found)

    for kind in PHONE_PREFIXES:
        cc, area, number = (cells[phone_column(kind, part)] for part in PHONE_PARTS)
        has_number = np.flatnonzero((area != "") | (number != ""))
        if not len(has_number):
            continue
        new_area, new_number, rules = restored_trunk_prefixes(cc[has_number], area[has_number], number[has_number],
                                                              regions["contact"][has_number])
        for part, old, new in (("AreaCode", area, new_area), ("Number", number, new_number)):
            changed = np.flatnonzero(old[has_number] != new)
            if len(changed):
                at = has_number[changed]
                fixed = old.copy()
                fixed[at] = new[changed]
                cells[phone_column(kind, part)] = fixed
                found_repairs.append(reports.repairs(rows[at], phone_column(kind, part), old[at], new[changed],
                                                     rules[changed]))

    address = {**crm_address(cells, "POBOX", "billing", options.street_separator),
               **crm_address(cells, "STREET", "shipping", options.street_separator)}
    address = copy_missing_address(address)

    parts, source_column = _chosen_phone(cells, options.phone_types)
    phones = format_phones(parts["country_code"], parts["area_code"], parts["number"], regions["contact"],
                           source_column, rows)
    found_issues.append(phones.issues)

    has_person = (cells["FirstName"] != "") | (cells["LastName"] != "")
    crm = pd.DataFrame({
        "account_name": cells["Name"],
        "xero_reference": cells["ContactID"],
        "email": cells["EmailAddress"],
        "phone": phones.phone.to_numpy(),
        **address,
        "contact_first_name": cells["FirstName"],
        "contact_last_name": cells["LastName"],
        "contact_email": np.where(has_person, cells["EmailAddress"], ""),
    }, index=rows.rename("row"), columns=CRM_COLUMNS, dtype="str")
    return TransformResult(
        frame=crm, contact_numbers=export["ContactNumber"], statuses=export["ContactStatus"],
        phone_parts=pd.DataFrame(parts, index=rows, dtype="str"), people=people_of(export),
        repairs=reports.combine(found_repairs, reports.REPAIR_COLUMNS),
        issues=reports.combine(found_issues, reports.ISSUE_COLUMNS),
        phone_present=phones.present, phone_parsed=phones.parsed, options=options,
    )


def _regions(frame: pd.DataFrame, options: TransformOptions) -> dict[str, np.ndarray]:
    """ISO country per address, and per contact (street address first, then postal, then the default)."""
    postal = country_codes(frame[address_column("POBOX", "Country")]).to_numpy(dtype=object)
    street = country_codes(frame[address_column("STREET", "Country")]).to_numpy(dtype=object)
    contact = np.where(street != "", street, postal)
    default = country_code(options.default_country) if options.default_country else ""
    if default:
        contact = np.where(contact != "", contact, default)
    # An address without its own country takes the contact's (Xero often leaves POBOX's blank).
    return {"POBOX": np.where(postal != "", postal, contact), "STREET": np.where(street != "", street, contact),
            "contact": contact}


def _chosen_phone(cells: dict[str, np.ndarray], phone_types: tuple[str, ...]) -> tuple[dict[str, np.ndarray],
                                                                                       np.ndarray]:
    """The parts of each row's first phone type that has a number, and the column it came from."""
    size = len(cells["Name"])
    parts = {name: np.full(size, "", dtype=object) for name in ("country_code", "area_code", "number")}
    source = np.full(size, phone_column(phone_types[0], "Number") if phone_types else "", dtype=object)
    chosen = np.zeros(size, dtype=bool)
    for kind in phone_types:
        cc, area, number = (cells[phone_column(kind, part)] for part in PHONE_PARTS)
        take = ~chosen & ((area != "") | (number != ""))
        if not take.any():
            continue
        for name, values in zip(parts, (cc, area, number), strict=True):
            parts[name] = np.where(take, values, parts[name])
        source = np.where(take, phone_column(kind, "Number"), source)
        chosen |= take
    return parts, source


def people_of(frame: pd.DataFrame) -> pd.DataFrame:
    """Each row's people: the primary person (FirstName/LastName) and Person1..N (B16, B36)."""
    pieces = []
    first, last, email = (frame[f].to_numpy(dtype=object) for f in ("FirstName", "LastName", "EmailAddress"))
    named = (first != "") | (last != "")
    if named.any():
        pieces.append(pd.DataFrame({"row": frame.index[named], "slot": 0, "first_name": first[named],
                                    "last_name": last[named], "email": email[named], "is_primary": True}))
    slot = 1
    while f"Person{slot}FirstName" in frame:
        first, last, email = (frame[f"Person{slot}{f}"].to_numpy(dtype=object) for f in ("FirstName", "LastName",
                                                                                          "Email"))
        someone = (first != "") | (last != "") | (email != "")
        if someone.any():
            pieces.append(pd.DataFrame({"row": frame.index[someone], "slot": slot, "first_name": first[someone],
                                        "last_name": last[someone], "email": email[someone], "is_primary": False}))
        slot += 1
    if not pieces:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in PEOPLE_COLUMNS})
    return pd.concat(pieces, ignore_index=True).sort_values(["row", "slot"], kind="stable", ignore_index=True)
