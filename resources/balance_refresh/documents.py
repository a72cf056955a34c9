"""CRM invoices and credit notes as the balance refresh sees them: one frozen snapshot per row.

Invoices and credit notes share the fields the refresh needs; ``DocKind`` says where each
lives in the CRM and in Xero. Xero ids are compared lower-case (Xero answers in lower case,
but a row linked by hand may carry capitals).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Select, Table, select

from resources.crm.models import Company, CreditNote, Invoice, InvoiceStatus

CLOSED_STATUSES = (InvoiceStatus.PAID, InvoiceStatus.CANCELLED)
# SQLite's default limit on bound variables is far above this; it keeps IN lists modest.
IN_CHUNK = 900


class DocKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"

    @property
    def table(self) -> Table:
        return (Invoice if self is DocKind.INVOICE else CreditNote).__table__  # type: ignore[return-value]

    @property
    def xero_id_column(self) -> str:
        return "xero_invoice_id" if self is DocKind.INVOICE else "xero_credit_note_id"

    @property
    def collection(self) -> str:
        """The Xero collection: /Invoices or /CreditNotes."""
        return "Invoices" if self is DocKind.INVOICE else "CreditNotes"

    @property
    def xero_id_field(self) -> str:
        return "InvoiceID" if self is DocKind.INVOICE else "CreditNoteID"

    @property
    def xero_type(self) -> str:
        """The Xero Type of a CRM document: sales invoices and sales credit notes only."""
        return "ACCREC" if self is DocKind.INVOICE else "ACCRECCREDIT"

    @property
    def label(self) -> str:
        return "invoice" if self is DocKind.INVOICE else "credit note"


@dataclass(frozen=True, slots=True)
class CrmDocument:
    kind: DocKind
    id: int
    number: str
    company_id: int
    company_reference: str | None  # the company's Xero Reference (ContactID) now
    status: InvoiceStatus
    currency: str
    total: Decimal
    amount_outstanding: Decimal
    remaining_credit: Decimal | None  # credit notes only
    sent_to_accounts: bool
    sent_to_accounts_date: datetime | None
    xero_id: str | None

    @property
    def key(self) -> str | None:
        """The Xero id as compared with Xero's answer."""
        return self.xero_id.strip().lower() if self.xero_id else None


def _documents_query(kind: DocKind) -> Select[Any]:
    table = kind.table
    companies = Company.__table__
    remaining = table.c.remaining_credit if kind is DocKind.CREDIT_NOTE else None
    columns = [
        table.c.id, table.c.number, table.c.company_id, companies.c.xero_reference, table.c.status,
        table.c.currency, table.c.total, table.c.amount_outstanding, table.c.sent_to_accounts,
        table.c.sent_to_accounts_date, table.c[kind.xero_id_column],
    ]
    if remaining is not None:
        columns.append(remaining)
    return select(*columns).join(companies, companies.c.crm_id == table.c.company_id).order_by(table.c.id)


def _snapshot(kind: DocKind, row: Any) -> CrmDocument:
    return CrmDocument(
        kind=kind, id=row.id, number=row.number, company_id=row.company_id,
        company_reference=row.xero_reference, status=InvoiceStatus(row.status), currency=row.currency,
        total=row.total, amount_outstanding=row.amount_outstanding,
        remaining_credit=row.remaining_credit if kind is DocKind.CREDIT_NOTE else None,
        sent_to_accounts=bool(row.sent_to_accounts), sent_to_accounts_date=row.sent_to_accounts_date,
        xero_id=row._mapping[kind.xero_id_column],
    )


def open_sent_documents(engine: Engine, kind: DocKind) -> list[CrmDocument]:
    """Every document not Paid or Cancelled whose Sent to Accounts is set (B26, B30)."""
    table = kind.table
    query = _documents_query(kind).where(
        table.c.status.not_in([s.value for s in CLOSED_STATUSES]), table.c.sent_to_accounts.is_(True)
    )
    with engine.connect() as db:
        return [_snapshot(kind, row) for row in db.execute(query)]


def documents_by_number(engine: Engine, kind: DocKind, numbers: Collection[str]) -> list[CrmDocument]:
    """The named documents that exist, in CRM order; unknown numbers are simply absent."""
    table = kind.table
    wanted = sorted({n.strip() for n in numbers if n and n.strip()})
    found: list[CrmDocument] = []
    with engine.connect() as db:
        for chunk in chunks(wanted, IN_CHUNK):
            rows = db.execute(_documents_query(kind).where(table.c.number.in_(chunk)))
            found.extend(_snapshot(kind, row) for row in rows)
    return sorted(found, key=lambda d: d.id)


def linked_documents(engine: Engine, kind: DocKind) -> list[CrmDocument]:
    """Every document that carries a Xero id, whatever its status (the reconciliation's set)."""
    table = kind.table
    with engine.connect() as db:
        return [_snapshot(kind, row) for row in db.execute(
            _documents_query(kind).where(table.c[kind.xero_id_column].is_not(None))
        )]


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
