"""Which documents each send picks, and which it skips (B21, B22, B29)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import update

from resources.crm.models import Invoice, InvoiceStatus
from resources.invoice_push import Selection, SelectionError, parse_statuses
from resources.invoice_push.selection import choose_documents, choose_live_documents
from tests.invoice_push.conftest import PushEnv


def numbers(documents) -> set[str]:
    return {d.number for d in documents}


def test_named_documents_are_sent_while_outstanding_equals_total_whatever_their_status(demo_env: PushEnv):
    """B21, B22: Pending and even Paid go when nothing is outstanding-short; Part Paid is skipped."""
    with demo_env.engine.begin() as db:  # a Paid invoice whose balance was never reduced
        db.execute(update(Invoice).where(Invoice.number == "INV-000013").values(amount_outstanding=Invoice.total))
    chosen = choose_documents(demo_env.engine, Selection(numbers=(
        "INV-000002", "INV-000003", "INV-000004", "INV-000013", "CN-000001")))
    assert numbers(chosen.to_send) == {"INV-000002", "INV-000003", "INV-000013", "CN-000001"}
    (skip,) = chosen.skipped
    assert skip.document.number == "INV-000004"
    assert "amount outstanding 48.26 differs from total 64.35" in skip.reason


def test_filter_by_company_status_and_date(demo_env: PushEnv):
    """B21: the admin may choose by company, status and issue date instead of numbers."""
    chosen = choose_documents(demo_env.engine, Selection(company_ids=(1,)))
    assert numbers(chosen.to_send) == {"INV-000001", "INV-000002", "INV-000003", "CN-000001"}
    chosen = choose_documents(demo_env.engine, Selection(statuses=parse_statuses(["pending"])))
    assert numbers(chosen.to_send) == {"INV-000003", "INV-000008", "INV-000012", "INV-000016"}
    issued = sorted(d.issue_date for d in chosen.to_send)
    only_first = choose_documents(demo_env.engine, Selection(statuses=(InvoiceStatus.PENDING,),
                                                             date_from=issued[0], date_to=issued[0]))
    assert [d.issue_date for d in only_first.to_send] == [issued[0]]


def test_unknown_numbers_are_reported(demo_env: PushEnv):
    chosen = choose_documents(demo_env.engine, Selection(numbers=("INV-000001", "INV-999999")))
    assert chosen.unknown_numbers == ["INV-999999"]


def test_an_empty_or_reversed_selection_is_refused(demo_env: PushEnv):
    with pytest.raises(SelectionError, match="send_all_live_invoices"):
        choose_documents(demo_env.engine, Selection())
    with pytest.raises(SelectionError, match="after"):
        choose_documents(demo_env.engine, Selection(date_from=date(2025, 2, 1), date_to=date(2025, 1, 1)))
    with pytest.raises(SelectionError, match="unknown status"):
        parse_statuses(["Sent"])


def test_send_all_live_takes_outstanding_equal_to_total_and_not_paid_or_pending(demo_env: PushEnv):
    """B29: Created and Live go, with the live credit note; Pending, Paid and Part Paid do not."""
    with demo_env.engine.begin() as db:
        db.execute(update(Invoice).where(Invoice.number == "INV-000013").values(amount_outstanding=Invoice.total))
    chosen = choose_live_documents(demo_env.engine)
    assert numbers(chosen.to_send) == {"INV-000001", "INV-000002", "INV-000009", "INV-000011", "INV-000014",
                                       "INV-000015", "CN-000001"}
    assert all(d.amount_outstanding == d.total for d in chosen.to_send)
    assert all(d.total > Decimal(0) for d in chosen.to_send)
