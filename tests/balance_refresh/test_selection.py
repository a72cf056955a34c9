"""Which documents a refresh touches (B24, B26, B30), read from a demo CRM."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from resources.balance_refresh.documents import DocKind
from resources.balance_refresh.selection import select_all, select_named
from resources.crm.models import CreditNote, Invoice, InvoiceStatus


def mark_every_invoice_sent(engine, *, without_id: set[str] = frozenset()) -> dict[str, InvoiceStatus]:
    table = Invoice.__table__
    with engine.begin() as db:
        rows = db.execute(select(table.c.id, table.c.number, table.c.status)).all()
        for row in rows:
            db.execute(update(table).where(table.c.id == row.id).values(
                sent_to_accounts=True, sent_to_accounts_date=datetime.now(UTC),
                xero_invoice_id=None if row.number in without_id else f"00000000-0000-4000-8000-{row.id:012d}"))
    return {r.number: InvoiceStatus(r.status) for r in rows}


def test_update_all_selects_every_unpaid_uncancelled_sent_document(crm):
    """B26, B30: not Paid, not Cancelled, Sent to Accounts set; a sent one without a Xero id is
    skipped with a reason saying how to fix it."""
    statuses = mark_every_invoice_sent(crm, without_id={"INV-000001"})
    with crm.begin() as db:  # one credit note sent, the other never
        db.execute(update(CreditNote.__table__).where(CreditNote.id == 1).values(
            sent_to_accounts=True, xero_credit_note_id="00000000-0000-4000-8000-00000000c001"))
    selection = select_all(crm)
    chosen = {d.number for d in selection.of_kind(DocKind.INVOICE)}
    open_ = {n for n, s in statuses.items() if s not in (InvoiceStatus.PAID, InvoiceStatus.CANCELLED)}
    assert chosen == open_ - {"INV-000001"}
    assert [d.number for d in selection.of_kind(DocKind.CREDIT_NOTE)] == ["CN-000001"]
    [skipped] = selection.skipped
    assert skipped.number == "INV-000001"
    assert "no Xero InvoiceID is recorded" in skipped.reason


def test_named_documents_outside_the_rule_are_skipped_with_the_reason(crm):
    """B24, B26: Update From Xero names documents; Paid, Cancelled, unsent and unknown ones are
    skipped, each with its reason."""
    statuses = mark_every_invoice_sent(crm)
    paid = next(n for n, s in statuses.items() if s is InvoiceStatus.PAID)
    live = next(n for n, s in statuses.items() if s is InvoiceStatus.LIVE)
    with crm.begin() as db:
        db.execute(update(Invoice.__table__).where(Invoice.number == live).values(status=InvoiceStatus.CANCELLED))
    created = next(n for n, s in statuses.items() if s is InvoiceStatus.CREATED)
    pending = next(n for n, s in statuses.items() if s is InvoiceStatus.PENDING)
    with crm.begin() as db:
        db.execute(update(Invoice.__table__).where(Invoice.number == pending).values(sent_to_accounts=False))
    selection = select_named(crm, [paid, live, created, pending, "INV-999999"], ["CN-000001"])
    assert [d.number for d in selection.chosen] == [created]
    reasons = {s.number: s.reason for s in selection.skipped}
    assert reasons[paid].startswith("status is Paid")
    assert reasons[live].startswith("status is Cancelled")
    assert reasons[pending].startswith("Sent to Accounts is not set")
    assert reasons["INV-999999"] == "no invoice numbered INV-999999 in the CRM"
    assert reasons["CN-000001"].startswith("Sent to Accounts is not set")
