"""The baseline the push is measured against: one API call per record, as the original sent them.

Each product is its own POST /Items, each company its own POST /Contacts, each invoice its own
POST /Invoices, with the same payloads the push builds (so Xero does the same work; only the
batching differs). Nothing is read first and nothing is written back to the CRM: this counts
calls, it is not a second implementation of the push.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.engine import Engine

from resources.invoice_push.contacts import contact_payload
from resources.invoice_push.payloads import document_payload
from resources.invoice_push.pricing import plan_document
from resources.invoice_push.products import item_payload, products_used
from resources.invoice_push.selection import choose_live_documents
from resources.xero.api import XeroApi


def push_one_by_one(engine: Engine, api: XeroApi, tenant_id: str) -> int:
    """Send every live invoice one call at a time; returns how many documents Xero accepted."""
    chosen = choose_live_documents(engine)
    documents = chosen.to_send
    rates = {row["TaxType"]: Decimal(str(row["EffectiveRate"])) for row in api.get_all("TaxRates", tenant_id)}
    for product in products_used(documents, chosen.snapshot.products):
        next(iter(api.write_batches("Items", tenant_id, [item_payload(product)], params={"unitdp": 4})))
    contact_ids: dict[int, str] = {}
    for company_id in sorted({d.company_id for d in documents}):
        company = chosen.snapshot.companies[company_id]
        payload = contact_payload(company, contact_id=None, primary=company.primary_person, others=[],
                                  tax_type="OUTPUT2", creating=True)
        (reply,) = next(iter(api.write_batches("Contacts", tenant_id, [payload])))
        contact_ids[company_id] = str(reply.xero_id)
    accepted = 0
    for document in documents:
        payload = document_payload(plan_document(document, rates), contact_id=contact_ids[document.company_id],
                                   status="DRAFT", xero_id=None, free_text_account="200")
        (reply,) = next(iter(api.write_batches("Invoices", tenant_id, [payload], params={"unitdp": 4})))
        accepted += reply.ok
    return accepted
