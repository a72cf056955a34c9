"""Xero API contacts flattened into the export frame (B9, B10).

One row per contact: ContactID (the CRM's Xero Reference), Name, the primary person, email,
every address part by AddressType, every phone part by PhoneType, ContactNumber, tax types,
bank details and the people in ContactPersons. Addresses and phones are picked by their type,
never by position (Xero's order varies, data-formats.md section 2.4), a missing key reads as "",
and every value is text, so "04" keeps its zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from import_tools.columns import (
    ADDRESS_PARTS,
    ADDRESS_PREFIXES,
    IDENTITY_COLUMNS,
    OTHER_COLUMNS,
    PHONE_PARTS,
    PHONE_PREFIXES,
    address_column,
    person_column,
    phone_column,
)
from import_tools.contacts_csv import conform

_API_PHONE_FIELDS = {"CountryCode": "PhoneCountryCode", "AreaCode": "PhoneAreaCode", "Number": "PhoneNumber"}


def text(value: Any) -> str:
    """A JSON value as the text a CSV cell would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def flatten_contact(contact: Mapping[str, Any]) -> dict[str, str]:
    row = {column: text(contact.get(column)) for column in IDENTITY_COLUMNS + OTHER_COLUMNS}
    # The first non-empty address and phone of each type wins; Xero sends one of each.
    filled: set[str] = set()
    for address in contact.get("Addresses") or []:
        kind = text(address.get("AddressType")).upper()
        if kind not in ADDRESS_PREFIXES or kind in filled:
            continue  # DELIVERY exists only on organisations
        values = {part: text(address.get(part)) for part in ADDRESS_PARTS}
        if any(values.values()):
            row.update({address_column(kind, part): value for part, value in values.items()})
            filled.add(kind)
    for phone in contact.get("Phones") or []:
        kind = text(phone.get("PhoneType")).upper()
        if kind not in PHONE_PREFIXES or kind in filled:
            continue
        values = {part: text(phone.get(_API_PHONE_FIELDS[part])) for part in PHONE_PARTS}
        if any(values.values()):
            row.update({phone_column(kind, part): value for part, value in values.items()})
            filled.add(kind)
    for slot, person in enumerate(contact.get("ContactPersons") or [], start=1):
        row[person_column(slot, "FirstName")] = text(person.get("FirstName"))
        row[person_column(slot, "LastName")] = text(person.get("LastName"))
        row[person_column(slot, "Email")] = text(person.get("EmailAddress"))
        row[person_column(slot, "IncludeInEmail")] = text(person.get("IncludeInEmails"))
    return row


def flatten_contacts(contacts: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The export frame for API contacts; the index counts contacts from 1."""
    rows = [flatten_contact(c) for c in contacts]
    frame = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    frame.index = pd.RangeIndex(1, len(rows) + 1, name="row")
    return conform(frame.fillna("").astype(str) if len(frame.columns) else frame)


def flatten_xero_contacts(xero_contacts: pd.DataFrame) -> pd.DataFrame:
    """The export frame for the xero_contacts asset (its ``Contact`` column holds each document)."""
    return flatten_contacts(xero_contacts["Contact"].tolist() if len(xero_contacts) else [])
