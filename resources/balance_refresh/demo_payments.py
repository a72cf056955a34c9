"""Demo only: payments recorded in the sandbox as a person would in Xero, for the README's demo.

Picks two sent, open CRM invoices, makes sure each is approved in Xero (the push sends drafts by
default, B35, and Xero takes payments only on approved invoices: in real life an accountant
approves them in Xero), then records through the sandbox's admin endpoint
(``POST /sandbox/payments``, which applies Xero's own payment rules) a part payment of half
the first invoice and a full payment of the second. The admin endpoint exists only in the
sandbox; against real Xero the payments would be made in Xero's UI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import httpx
from sqlalchemy import Engine

from resources.crm.money import round_money
from resources.xero.api import XeroApi

from .documents import DocKind, open_sent_documents


@dataclass(frozen=True)
class DemoPayment:
    invoice_number: str
    xero_invoice_id: str
    amount: Decimal
    kind: str  # "part" or "full"


def record_demo_payments(api: XeroApi, tenant_id: str, engine: Engine, sandbox_base_url: str, *,
                         account_code: str = "090", day: date | None = None) -> list[DemoPayment]:
    """A part payment and a full payment on two sent invoices; returns what was paid."""
    candidates = [d for d in open_sent_documents(engine, DocKind.INVOICE) if d.key and d.amount_outstanding > 0]
    if len(candidates) < 2:
        raise ValueError("the demo needs two sent, unpaid invoices in the CRM: run the invoice push first")
    payments = []
    for doc, kind in zip(candidates[:2], ("part", "full"), strict=True):
        invoice = api.request("GET", f"/Invoices/{doc.key}", tenant_id).json(parse_float=Decimal)["Invoices"][0]
        if invoice["Status"] in ("DRAFT", "SUBMITTED"):
            api.request("POST", f"/Invoices/{doc.key}", tenant_id, json_body={"Invoices": [{"Status": "AUTHORISED"}]})
            invoice = api.request("GET", f"/Invoices/{doc.key}", tenant_id).json(parse_float=Decimal)["Invoices"][0]
        due = Decimal(str(invoice["AmountDue"]))
        amount = round_money(due / 2) if kind == "part" else due
        reply = httpx.post(f"{sandbox_base_url}/sandbox/payments", timeout=30, json={
            "tenant_id": tenant_id, "InvoiceID": doc.key, "Amount": str(amount), "AccountCode": account_code,
            "Date": (day or date.today()).isoformat(), "Reference": f"demo {kind} payment",
        })
        reply.raise_for_status()
        payments.append(DemoPayment(doc.number, doc.key or "", amount, kind))
    return payments
