"""Update all Invoice Balances (update_all_invoice_balances) against the sandbox: every open sent
document, company balances at the end, and the If-Modified-Since cursor."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from resources.balance_refresh.cursor import read_cursor
from resources.balance_refresh.refresh import update_all_invoice_balances
from resources.crm.models import Company, Invoice, InvoiceStatus
from tests.balance_refresh.conftest import AN_HOUR_AGO, Books


def update_all(books: Books, run_id: str = "run-all", **options):
    return update_all_invoice_balances(books.api, books.engine, [books.tenant], actor="finance", run_id=run_id,
                                       **options)


def open_invoices(books: Books) -> list[str]:
    with books.engine.connect() as db:
        return list(db.execute(select(Invoice.number).where(
            Invoice.status.not_in([InvoiceStatus.PAID, InvoiceStatus.CANCELLED])).order_by(Invoice.id)).scalars())


def test_update_all_refreshes_every_open_sent_document_then_every_company_balance(books: Books):
    """B30, B25: every unpaid, uncancelled, sent invoice is refreshed, then every company's
    balance is recomputed from its invoices, each change logged."""
    numbers = open_invoices(books)
    ids = books.send(numbers)
    for number in numbers:  # Xero already holds the payments the CRM knows about
        row = books.invoice(number)
        if row.amount_outstanding < row.total:
            books.pay(ids[number], row.total - row.amount_outstanding)
    live = [n for n in numbers if books.invoice(n).status == InvoiceStatus.LIVE]
    books.pay(ids[live[0]], books.invoice(live[0]).total)  # paid in full in Xero
    books.pay(ids[live[1]], Decimal("0.50"))

    report = update_all(books)

    assert books.invoice(live[0]).status == InvoiceStatus.PAID
    assert books.invoice(live[1]).status == InvoiceStatus.PART_PAID
    assert all(books.invoice(n).status != InvoiceStatus.CREATED for n in numbers)
    with books.engine.connect() as db:
        invoices = db.execute(select(Invoice.company_id, Invoice.status, Invoice.amount_outstanding)).all()
        balances = {crm_id: balance for crm_id, balance in db.execute(select(Company.crm_id, Company.balance))}
    owed: dict[int, Decimal] = {}
    for company_id, status, outstanding in invoices:
        if status != InvoiceStatus.CANCELLED:
            owed[company_id] = owed.get(company_id, Decimal("0.00")) + outstanding
    assert balances == {c: owed.get(c, Decimal("0.00")) for c in balances}
    assert report.balances and books.log(run_id="run-all", operation="recompute_balance")
    assert report.cursor_advanced


def test_next_run_reads_only_what_changed_in_xero_since_the_last_successful_one(books: Books):
    """Fetch cheaply: the first run pages through everything (fewer calls than by id), the next
    asks Xero only for what changed since, one call for a few changes. Batch sizes are scaled
    down (pages of 5, ids 5 at a time) so 14 invoices behave like thousands."""
    numbers = open_invoices(books)
    ids = books.load(numbers, updated=AN_HOUR_AGO, sent_at=AN_HOUR_AGO)
    scaled = {"page_size": 5, "id_batch": 5}

    first = update_all(books, "run-1", **scaled)
    assert first.api_calls == -(-len(numbers) // 5)  # every page once: ceil(14/5) = 3
    assert "all paging" in first.plans[0]
    assert read_cursor(books.engine, books.tenant, "Invoices") is not None

    books.pay(ids[numbers[0]], Decimal("1.00"))
    books.pay(ids[numbers[1]], Decimal("2.00"))
    second = update_all(books, "run-2", **scaled)
    assert second.api_calls == 1  # one If-Modified-Since page holds both changes
    assert "modified-since paging" in second.plans[0]
    assert len(second.changed) == 2 and second.unchanged == len(numbers) - 2
    assert books.invoice(numbers[0]).status == InvoiceStatus.PART_PAID

    third = update_all(books, "run-3", **scaled)
    assert (third.api_calls, len(third.changed)) == (1, 0)
    assert not books.log(run_id="run-3", operation="refresh_invoice")  # unchanged documents are not logged


def test_documents_sent_after_the_cursor_are_read_even_when_xero_has_not_changed_them(books: Books):
    """If-Modified-Since cannot vouch for a document the CRM linked after the last run: it is read
    by id, so a Created invoice still becomes Live."""
    numbers = open_invoices(books)
    early, late = numbers[:-2], numbers[-2:]
    books.load(early, updated=AN_HOUR_AGO, sent_at=AN_HOUR_AGO)
    update_all(books, "run-1", page_size=5, id_batch=5)
    books.load(late, first_id=100, updated=AN_HOUR_AGO)  # old in Xero, linked in the CRM just now
    for number in late:
        with books.engine.begin() as db:
            db.execute(Invoice.__table__.update().where(Invoice.number == number).values(status=InvoiceStatus.CREATED))

    report = update_all(books, "run-2", page_size=5, id_batch=5)

    assert report.api_calls == 2  # one modified-since page (nothing changed) + one call by id
    assert {books.invoice(n).status for n in late} == {InvoiceStatus.LIVE}


def test_dry_run_and_full_refresh(books: Books):
    """A dry run never moves the cursor; full_refresh ignores it and reads every document again."""
    numbers = open_invoices(books)
    books.load(numbers, updated=AN_HOUR_AGO, sent_at=AN_HOUR_AGO)
    dry = update_all(books, "dry", dry_run=True, page_size=5, id_batch=5)
    assert not dry.cursor_advanced and read_cursor(books.engine, books.tenant, "Invoices") is None
    assert dry.balances  # the balances a real run would set are reported
    assert {r.outcome for r in books.log(run_id="dry")} == {"dry_run"}
    update_all(books, "real", page_size=5, id_batch=5)
    again = update_all(books, "full", full_refresh=True, page_size=5, id_batch=5)
    assert again.api_calls == 3 and again.unchanged == len(numbers)
