"""Which contacts layout a CSV header is, and which export-frame column each header feeds.

Three layouts are recognised by their name column:

- ``xero_ui``: Xero's Contacts import template / export (``*ContactName``, ``POAddressLine1``, ...),
  in any of its regional and version variants (data-formats.md section 1.1): ``*`` markers,
  ``POZipCode`` for ``POPostalCode``, ``Person1IncludeInEmails`` for ``...IncludeInEmail``.
- ``export``: our own xero_contacts_export (``ContactID``, ``Name``, ...).
- ``crm``: the CRM import frame this package writes (``account_name``, ``billing_street``, ...),
  so a transformed file can be transformed or matched again.

Headers are compared without case, spaces, underscores or a leading ``*``; order never matters.
"""

from __future__ import annotations

import re

from import_tools.columns import ADDRESS_FIELDS, ADDRESS_PREFIXES, EXPORT_COLUMNS, person_column

XERO_UI = "xero_ui"
EXPORT = "export"
CRM = "crm"
LAYOUTS = (XERO_UI, EXPORT, CRM)

# The CRM frame's contact_email has no column of its own in the export frame (Xero holds one
# EmailAddress per contact); readers keep it here and fill EmailAddress from it when empty.
CRM_CONTACT_EMAIL = "contact_email"

_PERSON_HEADER = re.compile(r"^person(\d+)(firstname|lastname|email|includeinemails?)$")
_PERSON_FIELD_BY_KEY = {"firstname": "FirstName", "lastname": "LastName", "email": "Email",
                        "includeinemail": "IncludeInEmail", "includeinemails": "IncludeInEmail"}


def header_key(header: str) -> str:
    """The comparison form of a header: no BOM, ``*`` marker, case, spaces or underscores."""
    cleaned = header.replace("\ufeff", "").strip().lstrip("*")
    return re.sub(r"[\s_]", "", cleaned).lower()


def _xero_aliases() -> dict[str, str]:
    aliases = {header_key(column): column for column in EXPORT_COLUMNS}
    aliases.update({
        "contactname": "Name",
        "pozipcode": "POPostalCode",
        "sazipcode": "SAPostalCode",
        "bankaccountnumber": "BankAccountDetails",
        "xeroreference": "ContactID",
        # Xero's UI export writes each phone as one joined cell; it lands in the number part.
        "phonenumber": "PhoneNumber",
        "faxnumber": "FaxNumber",
        "mobilenumber": "MobileNumber",
        "ddinumber": "DDINumber",
    })
    return aliases


def _crm_aliases() -> dict[str, str]:
    aliases = {
        "accountname": "Name",
        "xeroreference": "ContactID",
        "email": "EmailAddress",
        "phone": "PhoneNumber",
        "contactfirstname": "FirstName",
        "contactlastname": "LastName",
        "contactemail": CRM_CONTACT_EMAIL,
    }
    parts = ("AddressLine1", "City", "Region", "PostalCode", "Country")
    for side, kind in (("billing", "POBOX"), ("shipping", "STREET")):
        for field, part in zip(ADDRESS_FIELDS, parts, strict=True):
            aliases[f"{side}{field}"] = f"{ADDRESS_PREFIXES[kind]}{part}"
    return aliases


ALIASES = {XERO_UI: _xero_aliases(), EXPORT: _xero_aliases(), CRM: _crm_aliases()}
NAME_HEADERS = {XERO_UI: "ContactName", EXPORT: "Name", CRM: "account_name"}


def detect_layout(headers: list[str]) -> str | None:
    """The layout a header row belongs to, or None when it has no name column at all."""
    keys = {header_key(h) for h in headers}
    if "accountname" in keys:
        return CRM
    if "contactname" in keys:
        return XERO_UI
    if "name" in keys:
        return EXPORT
    return None


def column_for(header: str, layout: str) -> str | None:
    """The export-frame column a header feeds in ``layout``, or None when it is not used."""
    key = header_key(header)
    column = ALIASES[layout].get(key)
    if column is not None:
        return column
    person = _PERSON_HEADER.match(key)
    if person and layout != CRM:
        return person_column(int(person.group(1)), _PERSON_FIELD_BY_KEY[person.group(2)])
    return None
