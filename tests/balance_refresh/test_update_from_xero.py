"""Update From Xero (update_selected_invoices) against the sandbox: the original's rules, credit
notes, cancellations, skips and dry runs."""

from __future__ import annotations

from decimal import Decimal

from resources.balance_refresh.refresh import update_selected_invoices
from resources.crm.models import Company, CreditNote, Invoice, InvoiceStatus
from tests.balance_refresh.conftest import Books


def refresh(books: Books, invoices=(), credit_notes=(), **options):
    return update_selected_invoices(books.api, books.engine, [books.tenant], invoice_numbers=list(invoices),
                                    credit_note_numbers=list(credit_notes), actor="finance", run_id="run-1",
                                    **options)


def test_update_from_xero_makes_created_live_sets_sent_date_and_xero_reference_not_balance(books: Books):
    """B24, B25, B27: Created -> Live, Sent to Accounts date filled, the company gets its Xero
    Reference from the invoice's contact, and the company balance is not touched."""
    [number] = books.numbers(InvoiceStatus.CREATED, 1)
    ids = books.send([number], status="DRAFT")
    books.mark_sent(Invoice, ids, None)
    with books.engine.begin() as db:  # marked sent by hand, without a date
        db.execute(Invoice.__table__.update().where(Invoice.number == number).values(sent_to_accounts_date=None))
    company_before = books.company(books.invoice(number).company_id)
    assert company_before.xero_reference is None

    report = refresh(books, [number])

    row = books.invoice(number)
    assert row.status == InvoiceStatus.LIVE
    assert row.sent_to_accounts and row.sent_to_accounts_date is not None
    company = books.company(row.company_id)
    contact = books.http.get(f"/Invoices/{ids[number]}").json()["Invoices"][0]["Contact"]["ContactID"]
    assert company.xero_reference == contact
    assert company.balance == company_before.balance  # B25
    assert report.status_changes == {"invoice: Created -> Live": 1}
    assert report.api_calls == 1
    outcomes = {(r.operation, r.outcome) for r in books.log(run_id="run-1")}
    assert outcomes == {("refresh_invoice", "changed"), ("set_xero_reference", "changed")}


def test_part_and_full_payments_in_xero_show_as_part_paid_and_paid(books: Books):
    """B28: a part payment -> Part Paid, a full one -> Paid, Amount Outstanding adjusted; the
    metadata counts each status change and the money moved."""
    first, second = books.numbers(InvoiceStatus.LIVE, 2)
    ids = books.send([first, second])
    total_first, total_second = books.invoice(first).total, books.invoice(second).total
    books.pay(ids[first], Decimal("10.00"))
    books.pay(ids[second], total_second)

    report = refresh(books, [first, second])

    assert (books.invoice(first).status, books.invoice(first).amount_outstanding) == (
        InvoiceStatus.PART_PAID, total_first - Decimal("10.00"))
    assert (books.invoice(second).status, books.invoice(second).amount_outstanding) == (
        InvoiceStatus.PAID, Decimal("0.00"))
    assert report.status_changes == {"invoice: Live -> Paid": 1, "invoice: Live -> Part Paid": 1}
    currency = books.invoice(first).currency
    assert report.money_moved[currency]["invoices_paid_or_credited"] == str(Decimal("10.00") + total_second)


def test_credit_notes_are_refreshed_remaining_credit_and_status(books: Books):
    """B41: a credit note allocated in Xero gets its remaining credit and Part Paid; the invoice
    it was allocated to shows the credit in its outstanding amount."""
    with books.engine.connect() as db:
        note = db.execute(CreditNote.__table__.select().where(CreditNote.id == 1)).one()
        invoice = db.execute(Invoice.__table__.select().where(Invoice.company_id == note.company_id)).first()
    with books.engine.begin() as db:  # an open invoice of the same company to allocate the credit to
        db.execute(Invoice.__table__.update().where(Invoice.id == invoice.id).values(
            status=InvoiceStatus.LIVE, amount_outstanding=invoice.total))
    invoice = books.invoice(invoice.number)
    ids = books.send([invoice.number], [note.number])
    allocation = Decimal("5.00")
    reply = books.http.put(f"/CreditNotes/{ids[note.number]}/Allocations", json={"Allocations": [
        {"Invoice": {"InvoiceID": ids[invoice.number]}, "Amount": str(allocation), "Date": "2025-06-01"}]})
    assert reply.status_code == 200, reply.text

    report = refresh(books, [invoice.number], [note.number])

    refreshed = books.credit_note(note.number)
    assert refreshed.status == InvoiceStatus.PART_PAID
    assert refreshed.remaining_credit == note.total - allocation
    assert books.invoice(invoice.number).amount_outstanding == invoice.total - allocation
    assert "credit note: " + f"{note.status} -> Part Paid" in report.status_changes


def test_documents_voided_or_deleted_in_xero_become_cancelled_with_a_log_row(books: Books):
    """A document voided or deleted in Xero becomes Cancelled, owing nothing, with a log row."""
    draft, approved = books.numbers(InvoiceStatus.LIVE, 2)
    drafts = books.send([draft], status="DRAFT")
    approved_ids = books.send([approved])
    books.set_status("Invoices", drafts[draft], "DELETED")
    books.set_status("Invoices", approved_ids[approved], "VOIDED")

    report = refresh(books, [draft, approved])

    for number in (draft, approved):
        row = books.invoice(number)
        assert (row.status, row.amount_outstanding) == (InvoiceStatus.CANCELLED, Decimal("0.00"))
    messages = {r.document_number: r.message for r in books.log(run_id="run-1", operation="refresh_invoice")}
    assert "deleted in Xero" in messages[draft]
    assert "voided in Xero" in messages[approved]
    assert report.status_changes == {"invoice: Live -> Cancelled": 2}


def test_skipped_documents_are_logged_with_their_reason(books: Books):
    """B26: the admin named a Paid and an unsent invoice: both skipped, each logged with why."""
    [paid] = books.numbers(InvoiceStatus.PAID, 1)
    [unsent] = books.numbers(InvoiceStatus.PENDING, 1)
    books.send([paid])
    report = refresh(books, [paid, unsent])
    assert report.selected == 0 and report.api_calls == 0
    rows = {r.document_number: r for r in books.log(run_id="run-1")}
    assert rows[paid].outcome == "skipped" and "status is Paid" in rows[paid].message
    assert rows[unsent].outcome == "skipped" and "Sent to Accounts is not set" in rows[unsent].message


def test_dry_run_logs_what_would_change_and_writes_nothing(books: Books):
    [number] = books.numbers(InvoiceStatus.LIVE, 1)
    ids = books.send([number])
    books.pay(ids[number], Decimal("1.00"))
    before = books.invoice(number)
    report = refresh(books, [number], dry_run=True)
    assert books.invoice(number) == before
    assert report.status_changes == {"invoice: Live -> Part Paid": 1}
    assert {r.outcome for r in books.log(run_id="run-1")} == {"dry_run"}


def test_a_contact_already_linked_to_another_company_is_reported_not_moved(books: Books):
    [number] = books.numbers(InvoiceStatus.LIVE, 1)
    ids = books.send([number])
    contact = books.http.get(f"/Invoices/{ids[number]}").json()["Invoices"][0]["Contact"]["ContactID"]
    owner = books.invoice(number).company_id
    other = 1 if owner != 1 else 2
    with books.engine.begin() as db:
        db.execute(Company.__table__.update().where(Company.crm_id == other).values(xero_reference=contact))
    refresh(books, [number])
    assert books.company(owner).xero_reference is None
    [row] = books.log(run_id="run-1", operation="set_xero_reference")
    assert row.outcome == "skipped" and f"Xero Reference of company {other}" in row.message
