"""Fixtures for the client-data tests: the recorded Demo Company contacts, CSV writers, and the
CRM database fixtures of tests/crm (so the write path runs on SQLite and PostgreSQL alike)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.crm.conftest import backend, empty_db_url, migrated_engine, new_database_url  # noqa: F401

RECORDED = Path(__file__).resolve().parents[1] / "recorded" / "samples" / "minimul-xero-api"

# Xero's Contacts import/export header (data-formats.md section 1.1, 73 columns).
XERO_UI_HEADER = [
    "*ContactName", "AccountNumber", "EmailAddress", "FirstName", "LastName", "POAttentionTo", "POAddressLine1",
    "POAddressLine2", "POAddressLine3", "POAddressLine4", "POCity", "PORegion", "POPostalCode", "POCountry",
    "SAAttentionTo", "SAAddressLine1", "SAAddressLine2", "SAAddressLine3", "SAAddressLine4", "SACity",
    "SARegion", "SAPostalCode", "SACountry", "PhoneNumber", "FaxNumber", "MobileNumber", "DDINumber",
    "SkypeName", "BankAccountName", "BankAccountNumber", "BankAccountParticulars", "TaxNumber",
    "AccountsReceivableTaxCodeName", "AccountsPayableTaxCodeName", "Website", "LegalName", "Discount",
    "CompanyNumber", "DueDateBillDay", "DueDateBillTerm", "DueDateSalesDay", "DueDateSalesTerm", "SalesAccount",
    "PurchasesAccount", "TrackingName1", "SalesTrackingOption1", "PurchasesTrackingOption1", "TrackingName2",
    "SalesTrackingOption2", "PurchasesTrackingOption2", "BrandingTheme", "DefaultTaxBills", "DefaultTaxSales",
    "Person1FirstName", "Person1LastName", "Person1Email", "Person1IncludeInEmail", "Person2FirstName",
    "Person2LastName", "Person2Email", "Person2IncludeInEmail", "Person3FirstName", "Person3LastName",
    "Person3Email", "Person3IncludeInEmail", "Person4FirstName", "Person4LastName", "Person4Email",
    "Person4IncludeInEmail", "Person5FirstName", "Person5LastName", "Person5Email", "Person5IncludeInEmail",
]


@pytest.fixture(scope="session")
def recorded_contacts() -> list[dict[str, Any]]:
    """The 49 contacts of Xero's US Demo Company, as its API returned them (minimul/xero-api)."""
    return json.loads((RECORDED / "get_contacts_response_body.json").read_text("utf-8"))["Contacts"]


def csv_text(header: list[str], rows: list[dict[str, str]], delimiter: str = ",") -> str:
    """A CSV as a spreadsheet would save it: every row has every column, quoted where needed."""
    def cell(value: str) -> str:
        return f'"{value.replace(chr(34), chr(34) * 2)}"' if any(c in value for c in f'{delimiter}"\n') else value
    lines = [delimiter.join(header)]
    for row in rows:
        lines.append(delimiter.join(cell(row.get(h.lstrip("*"), "")) for h in header))
    return "\r\n".join(lines) + "\r\n"


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """write_csv(name, header, rows, encoding="utf-8", delimiter=",", text=None) -> path."""
    def write(name: str, header: list[str] | None = None, rows: list[dict[str, str]] | None = None, *,
              encoding: str = "utf-8", delimiter: str = ",", text: str | None = None) -> Path:
        path = tmp_path / name
        content = text if text is not None else csv_text(header or XERO_UI_HEADER, rows or [], delimiter)
        path.write_bytes(content.encode(encoding))
        return path
    return write
