"""Bad input from Xero: an answer missing a field or carrying an unknown status is refused with a
clear error, and nothing of its batch is written, while the other batches are."""

from __future__ import annotations

import pytest
from dagster import DagsterInstance, RunConfig

from assets.balance_refresh import UpdateAllConfig, update_all_invoice_balances_job
from resources.balance_refresh.cursor import read_cursor
from resources.balance_refresh.refresh import update_all_invoice_balances
from resources.crm.models import InvoiceStatus
from tests.balance_refresh.conftest import AN_HOUR_AGO, Books


@pytest.fixture
def sandbox_response_observer():
    """These answers break Xero's spec on purpose (recorded fixtures are served as stored), so
    the suite's spec validation of every reply is off in this module."""
    return None


@pytest.mark.parametrize(("change", "words"), [
    ({"AmountDue": None}, "has no AmountDue"),
    ({"Status": "ARCHIVED"}, "unknown Status 'ARCHIVED'"),
])
def test_a_bad_answer_refuses_its_batch_only_and_a_rerun_after_the_fix_finishes(books: Books, change, words):
    numbers = books.created_invoices()  # pages of 3 in this order: the bad one is on page 2
    bad = numbers[4]
    books.load([bad], first_id=5, changes={bad: change}, updated=AN_HOUR_AGO, sent_at=AN_HOUR_AGO)

    report = update_all_invoice_balances(books.api, books.engine, [books.tenant], actor="finance", run_id="bad",
                                         page_size=3, id_batch=3)

    [error] = report.errors
    assert words in error and bad in error and "page 2/" in error
    now = books.statuses(numbers)
    assert {now[n] for n in numbers[3:6]} == {InvoiceStatus.CREATED}  # nothing of that batch written
    assert {now[n] for n in numbers[:3] + numbers[6:]} == {InvoiceStatus.LIVE}  # the other batches were
    [logged] = books.log(run_id="bad", outcome="error")
    assert logged.document_number == bad and words in logged.message
    assert not report.cursor_advanced and read_cursor(books.engine, books.tenant, "Invoices") is None

    books.load([bad], first_id=5, updated=AN_HOUR_AGO, sent_at=AN_HOUR_AGO)  # Xero answers properly again
    again = update_all_invoice_balances(books.api, books.engine, [books.tenant], actor="finance", run_id="fixed",
                                        page_size=3, id_batch=3)
    assert not again.errors and set(books.statuses(numbers).values()) == {InvoiceStatus.LIVE}
    assert len(again.changed) == 3 and again.cursor_advanced


def test_the_job_fails_with_the_problems_and_its_metadata_when_a_batch_is_refused(books: Books):
    """A refused batch fails the Dagster run with a clear message; the metadata still shows what
    the other batches did."""
    numbers = books.created_invoices()
    books.load([numbers[0]], changes={numbers[0]: {"Status": "ARCHIVED"}}, updated=AN_HOUR_AGO, sent_at=AN_HOUR_AGO)
    with DagsterInstance.ephemeral() as instance:
        result = update_all_invoice_balances_job.execute_in_process(
            run_config=RunConfig(ops={"refresh_all_documents": UpdateAllConfig(requested_by="admin")}),
            resources=books.env.resources, instance=instance, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    data = failure.step_failure_data.user_failure_data
    assert "unknown Status 'ARCHIVED'" in data.description and numbers[0] in data.description
    assert data.metadata["batch_errors"].value == 1
    assert data.metadata["cursor_advanced"].value is False
