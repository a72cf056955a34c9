"""What the push needs to know about the Xero organisation before it sends anything.

Two reads (GET /TaxRates, GET /Accounts), one call each, neither paged in Xero. They let the
push check every product and tax mapping against the organisation itself, and compute totals
with the rate Xero will actually apply to each TaxType, instead of trusting the CRM's copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from resources.xero.api import XeroApi


@dataclass(frozen=True)
class XeroTaxType:
    tax_type: str
    name: str
    rate: Decimal  # EffectiveRate, a percentage
    active: bool
    for_revenue: bool


@dataclass(frozen=True)
class XeroBooks:
    tax_types: dict[str, XeroTaxType]
    account_codes: frozenset[str]  # active accounts only

    def tax_type_problem(self, tax_type: str) -> str | None:
        """Why a mapped TaxType cannot be used on a sales document, or None when it can."""
        found = self.tax_types.get(tax_type.upper())
        if found is None:
            return f"Xero has no tax type {tax_type}"
        if not found.active:
            return f"tax type {tax_type} is not active in Xero"
        if not found.for_revenue:
            return f"tax type {tax_type} ({found.name}) cannot be used on sales in Xero"
        return None


def read_books(api: XeroApi, tenant_id: str) -> XeroBooks:
    tax_types = {}
    for row in api.get_all("TaxRates", tenant_id):
        code = str(row.get("TaxType") or "").upper()
        if not code:
            continue
        tax_types[code] = XeroTaxType(
            tax_type=code,
            name=str(row.get("Name") or code),
            # str() first: the JSON number arrives as a float; its shortest repr is the rate.
            rate=Decimal(str(row.get("EffectiveRate") or 0)),
            active=row.get("Status", "ACTIVE") == "ACTIVE",
            # Older replies lack the flag; treat a missing one as usable rather than guess no.
            for_revenue=bool(row.get("CanApplyToRevenue", True)),
        )
    accounts = frozenset(
        str(row["Code"])
        for row in api.get_all("Accounts", tenant_id)
        if row.get("Code") and row.get("Status", "ACTIVE") == "ACTIVE"
    )
    return XeroBooks(tax_types, accounts)
