"""Small helpers to shape the CRM and read both sides back, for the invoice push tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.engine import Engine

from resources.crm.db import session_factory
from resources.crm.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Product,
    TaxRate,
)
from resources.crm.money import LineMoney, document_totals
from xero_sandbox.testing import SandboxHandle


@dataclass
class Line:
    product_code: str | None
    quantity: str
    price: str
    discount: str = "0"
    tax_rate_id: int = 1
    description: str | None = None


def add_document(engine: Engine, number: str, company_id: int, lines: list[Line], *, credit: bool = False,
                 status: InvoiceStatus = InvoiceStatus.LIVE, total: Decimal | None = None,
                 contact_id: int | None = None, currency: str = "GBP", issue: date = date(2025, 6, 1),
                 reference: str | None = None) -> int:
    """A document whose total is the CRM's per-line arithmetic unless ``total`` says otherwise."""
    with session_factory(engine)() as session:
        rates = {r.id: r.rate for r in session.scalars(select(TaxRate))}
        products = {p.code: p for p in session.scalars(select(Product))}
        computed = document_totals(
            LineMoney(Decimal(ln.quantity), Decimal(ln.price), Decimal(ln.discount), rates[ln.tax_rate_id])
            for ln in lines
        ).total
        total = computed if total is None else total
        model, line_model = (CreditNote, CreditNoteLine) if credit else (Invoice, InvoiceLine)
        fields: dict[str, Any] = {}
        if credit:
            fields["remaining_credit"] = total
        document = model(number=number, company_id=company_id, contact_id=contact_id, status=status,
                         issue_date=issue, due_date=None if credit else date(2025, 7, 1), currency=currency,
                         reference=reference, total=total, amount_outstanding=total, **fields)
        for position, ln in enumerate(lines, start=1):
            product = products.get(ln.product_code) if ln.product_code else None
            document.lines.append(line_model(
                position=position, product_id=product.id if product else None,
                description=ln.description if ln.description is not None else (product.name if product else "Item"),
                quantity=Decimal(ln.quantity), list_price=Decimal(ln.price), discount_percent=Decimal(ln.discount),
                tax_rate_id=ln.tax_rate_id,
            ))
        session.add(document)
        session.commit()
        return document.id


def set_status(engine: Engine, numbers: list[str], status: InvoiceStatus) -> None:
    with engine.begin() as db:
        db.execute(update(Invoice).where(Invoice.number.in_(numbers)).values(status=status))
        db.execute(update(CreditNote).where(CreditNote.number.in_(numbers)).values(status=status))


def crm_state(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of the tables a push may write, to prove a run wrote nothing."""
    tables = ["companies", "contacts", "products", "invoices", "invoice_lines", "credit_notes",
              "credit_note_lines", "xero_log"]
    with engine.connect() as db:
        return {t: [tuple(r) for r in db.execute(text(f"SELECT * FROM {t} ORDER BY 1"))] for t in tables}


def invoice_row(engine: Engine, number: str) -> Any:
    with engine.connect() as db:
        row = db.execute(select(Invoice.__table__).where(Invoice.number == number)).first()
        if row is None:
            row = db.execute(select(CreditNote.__table__).where(CreditNote.number == number)).first()
        return row


def company_reference(engine: Engine, crm_id: int) -> str | None:
    with engine.connect() as db:
        return db.execute(text("SELECT xero_reference FROM companies WHERE crm_id = :i"), {"i": crm_id}).scalar()


def xero_objects(sandbox: SandboxHandle, kind: str) -> list[dict[str, Any]]:
    """What the sandbox holds, read directly (no API call, so request counts stay exact)."""
    return list(sandbox.state.list_objects(sandbox.tenant_id, kind))


def xero_by_number(sandbox: SandboxHandle, kind: str = "Invoices") -> dict[str, list[dict[str, Any]]]:
    key = "InvoiceNumber" if kind == "Invoices" else "CreditNoteNumber"
    found: dict[str, list[dict[str, Any]]] = {}
    for doc in xero_objects(sandbox, kind):
        found.setdefault(doc.get(key, ""), []).append(doc)
    return found


def writes(sandbox: SandboxHandle) -> int:
    """PUT and POST requests the sandbox has seen on the accounting API."""
    return accounting_calls(sandbox, "PUT") + accounting_calls(sandbox, "POST")


def accounting_calls(sandbox: SandboxHandle, method: str | None = None) -> int:
    """Requests on the accounting API (not the identity endpoints), optionally by method."""
    return sum(row["count"] for row in sandbox.counters()
               if not row["endpoint"].startswith(("/connect", "/connections"))
               and (method is None or row["method"] == method))
