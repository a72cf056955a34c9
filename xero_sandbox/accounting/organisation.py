"""A new tenant's starting books: organisation settings, tax rates, chart of accounts.

Modelled on Xero's UK "Demo Company" (base currency GBP, VAT rates), plus the AU GST pair
(OUTPUT/INPUT 10%) and a few other common codes, so requests written for either region find
their TaxType. Bank accounts 090/091 (and equity 970, as in the spec's Payments example)
accept payments.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from ..clock import Clock
from ..state import SandboxState
from .common import money_str, put_doc, stamp

ORG_SCOPE = "accounting.org"
SEQ_SCOPE = "accounting.seq"
BASE_CURRENCY = "GBP"

# (TaxType, Name, ReportTaxType, rate %, component name, revenue?, expenses?)
_TAX_RATES: list[tuple[str, str, str, str, str, bool, bool]] = [
    ("OUTPUT2", "20% (VAT on Income)", "OUTPUT", "20", "VAT", True, False),
    ("INPUT2", "20% (VAT on Expenses)", "INPUT", "20", "VAT", False, True),
    ("CAPEXINPUT2", "20% (VAT on Capital Purchases)", "CAPEXINPUT", "20", "VAT", False, True),
    ("RROUTPUT", "5% (VAT on Income)", "OUTPUT", "5", "VAT", True, False),
    ("RRINPUT", "5% (VAT on Expenses)", "INPUT", "5", "VAT", False, True),
    ("ZERORATEDOUTPUT", "Zero Rated Income", "ZERORATEDOUTPUT", "0", "VAT", True, False),
    ("ZERORATEDINPUT", "Zero Rated Expenses", "ZERORATEDINPUT", "0", "VAT", False, True),
    ("EXEMPTOUTPUT", "Exempt Income", "EXEMPTOUTPUT", "0", "VAT", True, False),
    ("EXEMPTINPUT", "Exempt Expenses", "EXEMPTINPUT", "0", "VAT", False, True),
    ("ECACQUISITIONS", "EC Acquisitions (20%)", "ECACQUISITIONS", "20", "VAT", False, True),
    ("NONE", "No VAT", "NONE", "0", "VAT", True, True),
    ("OUTPUT", "GST on Income", "OUTPUT", "10", "GST", True, False),
    ("INPUT", "GST on Expenses", "INPUT", "10", "GST", False, True),
    ("BASEXCLUDED", "BAS Excluded", "BASEXCLUDED", "0", "GST", True, True),
    ("GSTONIMPORTS", "GST on Imports", "GSTONIMPORTS", "0", "GST", False, False),
]

# (Code, Name, Type, Class, TaxType, EnablePaymentsToAccount, BankAccountNumber)
_ACCOUNTS: list[tuple[str, str, str, str, str, bool, str | None]] = [
    ("090", "Business Bank Account", "BANK", "ASSET", "NONE", False, "20202020202020"),
    ("091", "Business Savings Account", "BANK", "ASSET", "NONE", False, "30303030303030"),
    ("200", "Sales", "REVENUE", "REVENUE", "OUTPUT2", False, None),
    ("260", "Other Revenue", "REVENUE", "REVENUE", "OUTPUT2", False, None),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "EXPENSE", "INPUT2", False, None),
    ("400", "Advertising", "EXPENSE", "EXPENSE", "INPUT2", False, None),
    ("429", "General Expenses", "EXPENSE", "EXPENSE", "INPUT2", False, None),
    ("610", "Accounts Receivable", "CURRENT", "ASSET", "NONE", False, None),
    ("800", "Accounts Payable", "CURRLIAB", "LIABILITY", "NONE", False, None),
    ("820", "VAT", "CURRLIAB", "LIABILITY", "NONE", False, None),
    ("970", "Owner A Funds Introduced", "EQUITY", "EQUITY", "NONE", True, None),
]


def tax_rate_docs() -> list[dict[str, Any]]:
    docs = []
    for tax_type, name, report, rate, component, revenue, expenses in _TAX_RATES:
        value = money_str(Decimal(rate), 4)
        docs.append({
            "Name": name,
            "TaxType": tax_type,
            "ReportTaxType": report,
            "CanApplyToAssets": True,
            "CanApplyToEquity": True,
            "CanApplyToExpenses": expenses,
            "CanApplyToLiabilities": True,
            "CanApplyToRevenue": revenue,
            "DisplayTaxRate": value,
            "EffectiveRate": value,
            "Status": "ACTIVE",
            "TaxComponents": [{"Name": component, "Rate": value, "IsCompound": False,
                               "IsNonRecoverable": False}],
        })
    return docs


def account_docs(tenant_id: str) -> list[dict[str, Any]]:
    docs = []
    for code, name, acc_type, acc_class, tax_type, payments, bank_number in _ACCOUNTS:
        doc: dict[str, Any] = {
            # Stable per tenant and code, so seeding again replaces rather than duplicates.
            "AccountID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"xero-sandbox:{tenant_id}:{code}")),
            "Code": code,
            "Name": name,
            "Status": "ACTIVE",
            "Type": acc_type,
            "TaxType": tax_type,
            "Class": acc_class,
            "EnablePaymentsToAccount": payments,
            "ShowInExpenseClaims": False,
            "ReportingCode": "",
            "HasAttachments": False,
        }
        if acc_type == "BANK":
            doc.update({"BankAccountNumber": bank_number, "BankAccountType": "BANK",
                        "CurrencyCode": BASE_CURRENCY})
        docs.append(doc)
    return docs


def seed_tenant(state: SandboxState, tenant_id: str, clock: Clock) -> None:
    """Give a new tenant its organisation settings, tax rates and chart of accounts.

    Idempotent: a tenant that has its settings and tax rates is left alone. Handlers call it
    lazily too, so a tenant created any other way (or reset) still gets its books."""
    if is_seeded(state, tenant_id):
        return
    with state.transaction():
        for doc in tax_rate_docs():
            stamp(doc, clock)
            put_doc(state, tenant_id, "TaxRates", doc["TaxType"], doc, clock,
                    natural_key=doc["TaxType"], name=doc["Name"], status=doc["Status"])
        for doc in account_docs(tenant_id):
            stamp(doc, clock)
            put_doc(state, tenant_id, "Accounts", doc["AccountID"], doc, clock,
                    natural_key=doc["Code"], name=doc["Name"], status=doc["Status"])
        state.kv_put(ORG_SCOPE, tenant_id, {"BaseCurrency": BASE_CURRENCY})


def is_seeded(state: SandboxState, tenant_id: str) -> bool:
    return state.kv_get(ORG_SCOPE, tenant_id) is not None and state.count_objects(
        tenant_id, "TaxRates") > 0


def ensure_seeded(state: SandboxState, tenant_id: str, clock: Clock) -> None:
    if not is_seeded(state, tenant_id):
        seed_tenant(state, tenant_id, clock)


def base_currency(state: SandboxState, tenant_id: str) -> str:
    org = state.kv_get(ORG_SCOPE, tenant_id) or {}
    return str(org.get("BaseCurrency") or BASE_CURRENCY)


def next_number(state: SandboxState, tenant_id: str, kind: str, prefix: str) -> str:
    """The next free ``INV-0001``-style number. A counter per tenant and prefix, skipping any
    number a client already chose by hand, as Xero's "next number" setting does."""
    key = f"{tenant_id}:{prefix}"
    current = int((state.kv_get(SEQ_SCOPE, key) or {}).get("next", 1))
    while True:
        candidate = f"{prefix}{current:04d}"
        current += 1
        if state.find_by_key(tenant_id, kind, candidate) is None:
            break
    state.kv_put(SEQ_SCOPE, key, {"next": current})
    return candidate


def tax_rate(state: SandboxState, tenant_id: str, tax_type: str) -> dict[str, Any] | None:
    return state.get_object(tenant_id, "TaxRates", tax_type)


def account_by_code(state: SandboxState, tenant_id: str, code: str) -> dict[str, Any] | None:
    return state.find_by_key(tenant_id, "Accounts", code)
