"""The accounting half of the sandbox: Xero's Accounting API as plain handler functions.

Each route is ``(ApiRequest) -> ApiResponse`` (see ..api); the HTTP shell mounts them under
/api.xro/2.0 and does authentication, tenants, rate limits, faults and idempotency, running
each handler inside one state transaction.

Public API:
- ``ROUTES``: every accounting route.
- ``seed_tenant(state, tenant_id, clock)``: a new tenant's tax rates, accounts and settings.
- ``load_fixture(state, tenant_id, clock, kind, docs) -> int``: load recorded Xero documents.
- ``record_payment(state, tenant_id, clock, payload) -> dict``: a payment entered "by hand"
  (the admin endpoint), with the same rules as PUT /Payments.
"""

from __future__ import annotations

from ..api import Route
from . import accounts, contacts, credit_notes, invoices, items, payments, tax_rates
from .fixtures import load_fixture
from .organisation import seed_tenant
from .payments import record_payment

ROUTES: list[Route] = [
    Route("GET", "/Contacts", contacts.get_contacts, writes=False),
    Route("PUT", "/Contacts", contacts.put_contacts, writes=True),
    Route("POST", "/Contacts", contacts.post_contacts, writes=True),
    Route("GET", "/Contacts/{ContactID}", contacts.get_contact, writes=False),
    Route("POST", "/Contacts/{ContactID}", contacts.post_contact, writes=True),
    Route("GET", "/Items", items.get_items, writes=False),
    Route("PUT", "/Items", items.put_items, writes=True),
    Route("POST", "/Items", items.post_items, writes=True),
    Route("GET", "/Items/{ItemID}", items.get_item, writes=False),
    Route("POST", "/Items/{ItemID}", items.post_item, writes=True),
    Route("DELETE", "/Items/{ItemID}", items.delete_item, writes=True),
    Route("GET", "/TaxRates", tax_rates.get_tax_rates, writes=False),
    Route("GET", "/TaxRates/{TaxType}", tax_rates.get_tax_rate, writes=False),
    Route("GET", "/Accounts", accounts.get_accounts, writes=False),
    Route("GET", "/Accounts/{AccountID}", accounts.get_account, writes=False),
    Route("GET", "/Invoices", invoices.get_invoices, writes=False),
    Route("PUT", "/Invoices", invoices.put_invoices, writes=True),
    Route("POST", "/Invoices", invoices.post_invoices, writes=True),
    Route("GET", "/Invoices/{InvoiceID}", invoices.get_invoice, writes=False),
    Route("POST", "/Invoices/{InvoiceID}", invoices.post_invoice, writes=True),
    Route("GET", "/CreditNotes", credit_notes.get_credit_notes, writes=False),
    Route("PUT", "/CreditNotes", credit_notes.put_credit_notes, writes=True),
    Route("POST", "/CreditNotes", credit_notes.post_credit_notes, writes=True),
    Route("GET", "/CreditNotes/{CreditNoteID}", credit_notes.get_credit_note, writes=False),
    Route("POST", "/CreditNotes/{CreditNoteID}", credit_notes.post_credit_note, writes=True),
    Route("PUT", "/CreditNotes/{CreditNoteID}/Allocations", credit_notes.put_allocations,
          writes=True),
    Route("GET", "/Payments", payments.get_payments, writes=False),
    Route("PUT", "/Payments", payments.put_payments, writes=True),
    Route("POST", "/Payments", payments.put_payments, writes=True),
    Route("GET", "/Payments/{PaymentID}", payments.get_payment, writes=False),
    Route("POST", "/Payments/{PaymentID}", payments.delete_payment, writes=True),
]

__all__ = ["ROUTES", "load_fixture", "record_payment", "seed_tenant"]
