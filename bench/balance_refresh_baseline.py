"""The baselines the balance refresh is measured against, kept as runnable clients.

- ``one_call_per_invoice``: what a naive "Update From Xero" does, ``GET /Invoices/{InvoiceID}``
  for every sent invoice. 10,000 invoices cost 10,000 calls: at Xero's 60 calls a minute that is
  2 h 47 min of quota, and twice a tenant's 5,000-a-day budget, so the nightly run could not
  even finish in a day.
- ``by_id_batches``: the obvious improvement, ``GET /Invoices?IDs=...`` 50 at a time (Xero's URL
  ceiling), ceil(N/50) calls whatever changed.
Neither stores anything; only their calls and time are measured.
"""

from __future__ import annotations

from collections.abc import Sequence

from resources.xero.api import MAX_BATCH, XeroApi


def one_call_per_invoice(api: XeroApi, tenant_id: str, invoice_ids: Sequence[str]) -> int:
    """Fetch each invoice on its own; returns how many came back."""
    found = 0
    for invoice_id in invoice_ids:
        found += len(api.request("GET", f"/Invoices/{invoice_id}", tenant_id).json().get("Invoices") or [])
    return found


def by_id_batches(api: XeroApi, tenant_id: str, invoice_ids: Sequence[str], batch: int = MAX_BATCH) -> int:
    """Fetch the invoices 50 ids a call; returns how many came back."""
    found = 0
    for start in range(0, len(invoice_ids), batch):
        chunk = invoice_ids[start:start + batch]
        reply = api.request("GET", "/Invoices", tenant_id, params={"IDs": ",".join(chunk)})
        found += len(reply.json().get("Invoices") or [])
    return found
