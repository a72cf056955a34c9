"""The nightly schedule and the background poll, evaluated as the daemon would
(build_schedule_context / build_sensor_context on a Dagster instance), decisions asserted."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from dagster import (
    Config,
    DagsterRun,
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    SkipReason,
    build_schedule_context,
    build_sensor_context,
    instance_for_test,
    job,
    op,
)
from dagster._core.utils import make_new_run_id

from assets.balance_refresh import build_balance_poll_sensor, build_nightly_schedule, update_all_run_config
from resources.balance_refresh.poll import send_run_key
from resources.balance_refresh.refresh import update_all_invoice_balances
from resources.balance_refresh.settings import RefreshSchedule, schedule_from_env
from resources.crm.models import Invoice, InvoiceStatus
from tests.balance_refresh.conftest import Books


class StandInPushConfig(Config):
    requested_by: str


@op(name="send_live_documents")
def send_live_documents(config: StandInPushConfig) -> None:
    """Stands in for the invoice push's op; the poll only ever asks for a run of its job."""


@job(name="send_all_live_invoices")
def send_all_live_invoices():
    send_live_documents()


@pytest.fixture
def instance():
    """A persistent (temporary) instance: schedule contexts need one, as the daemon's is."""
    with instance_for_test() as persistent:
        yield persistent


def running(instance, job_name: str) -> str:
    run_id = make_new_run_id()
    instance.add_run(DagsterRun(job_name=job_name, run_id=run_id, status=DagsterRunStatus.STARTED))
    return run_id


# -- the schedule -------------------------------------------------------------------------------
def test_nightly_schedule_runs_update_all_at_two_in_london_on_by_default(instance):
    """B6, B30: every night at 02:00 Europe/London, on by default, as a system run."""
    nightly = build_nightly_schedule(schedule_from_env({}))
    assert (nightly.cron_schedule, nightly.execution_timezone) == ("0 2 * * *", "Europe/London")
    assert nightly.default_status is DefaultScheduleStatus.RUNNING
    assert nightly.job_name == "update_all_invoice_balances"
    context = build_schedule_context(instance=instance,
                                     scheduled_execution_time=datetime(2025, 6, 1, 1, 0, tzinfo=UTC))
    [request] = nightly.evaluate_tick(context).run_requests
    assert request.run_config == update_all_run_config()
    assert request.run_config["ops"]["refresh_all_documents"]["config"]["requested_by"] == ""
    assert request.tags["crm_xero/trigger"] == "nightly"


def test_nightly_schedule_skips_while_a_refresh_is_running(instance):
    run_id = running(instance, "update_all_invoice_balances")
    nightly = build_nightly_schedule(RefreshSchedule())
    result = nightly.evaluate_tick(build_schedule_context(instance=instance))
    assert not result.run_requests and run_id in result.skip_message


def test_schedule_time_zone_and_poll_interval_come_from_the_environment():
    settings = schedule_from_env({"BALANCE_REFRESH_CRON": "30 3 * * 1-5",
                                  "BALANCE_REFRESH_TIMEZONE": "Australia/Sydney",
                                  "BALANCE_POLL_SECONDS": "120", "BALANCE_POLL_SEND_AS": "finance"})
    nightly = build_nightly_schedule(settings)
    assert (nightly.cron_schedule, nightly.execution_timezone) == ("30 3 * * 1-5", "Australia/Sydney")
    poll = build_balance_poll_sensor(settings, None)
    assert poll.minimum_interval_seconds == 120 and poll.default_status is DefaultSensorStatus.STOPPED
    for bad, words in (({"BALANCE_REFRESH_CRON": "nightly"}, "BALANCE_REFRESH_CRON"),
                       ({"BALANCE_REFRESH_TIMEZONE": "Mars/Olympus"}, "BALANCE_REFRESH_TIMEZONE"),
                       ({"BALANCE_POLL_SECONDS": "5"}, "at least 30")):
        with pytest.raises(ValueError, match=words):
            schedule_from_env(bad)


# -- the background poll ------------------------------------------------------------------------
def poll(books: Books, instance, cursor: str | None = None, send_as: str = "finance", send_job=send_all_live_invoices):
    sensor = build_balance_poll_sensor(RefreshSchedule(send_as=send_as), send_job)
    with build_sensor_context(instance=instance, cursor=cursor, resources=books.env.resources) as context:
        return sensor(context)


def make_newly_live(books: Books) -> list[str]:
    numbers = books.numbers(InvoiceStatus.LIVE, 10)
    with books.engine.begin() as db:  # Live, never sent, owing the whole total
        db.execute(Invoice.__table__.update().where(Invoice.number.in_(numbers)).values(amount_outstanding=Invoice.total))
    return numbers


def test_poll_asks_the_invoice_push_to_send_newly_live_invoices_once_a_day(books: Books, instance):
    """B6, B29: newly Live invoices -> a run of send_all_live_invoices, requested, not done by the
    sensor; the same set gets the same run key (asked for at most once a day)."""
    numbers = make_newly_live(books)
    result = poll(books, instance)
    [send] = [r for r in result.run_requests if r.job_name == "send_all_live_invoices"]
    assert send.run_config == {"ops": {"send_live_documents": {"config": {"requested_by": "finance"}}}}
    with books.engine.connect() as db:
        ids = [i for i, in db.execute(Invoice.__table__.select().with_only_columns(Invoice.id)
                                      .where(Invoice.number.in_(numbers)))]
    assert send.run_key == send_run_key(ids, datetime.now(UTC).date())
    assert send.tags["crm_xero/newly_live"] == str(len(numbers))
    again = poll(books, instance, cursor=result.cursor)
    assert [r.run_key for r in again.run_requests if r.job_name == "send_all_live_invoices"] == [send.run_key]


def test_poll_waits_without_a_send_identity_or_while_a_send_runs(books: Books, instance):
    make_newly_live(books)
    no_identity = poll(books, instance, send_as="")
    assert not no_identity.run_requests and "set BALANCE_POLL_SEND_AS" in no_identity.skip_reason.skip_message
    no_job = poll(books, instance, send_job=None)
    assert "is not deployed" in no_job.skip_reason.skip_message
    running(instance, "send_all_live_invoices")
    busy = poll(books, instance)
    assert not busy.run_requests and "wait for the send_all_live_invoices run" in busy.skip_reason.skip_message


def test_poll_refreshes_when_xero_changed_a_document_the_crm_refreshes(books: Books, instance):
    """B6: the poll looks at what changed in Xero since its cursor (2 calls) and asks for an
    update_all_invoice_balances run only when a sent, open document changed."""
    [number] = books.numbers(InvoiceStatus.LIVE, 1)
    ids = books.send([number])
    books.env.sandbox.advance(60)  # the nightly run comes a while after the send
    update_all_invoice_balances(books.api, books.engine, [books.tenant], actor="finance")
    calls = books.env.sandbox.request_count("/Invoices", method="GET")

    quiet = poll(books, instance, send_as="")
    assert not quiet.run_requests
    assert "0 document(s) changed in Xero" in quiet.skip_reason.skip_message
    assert books.env.sandbox.request_count("/Invoices", method="GET") == calls + 1  # + 1 on /CreditNotes
    since = datetime.fromisoformat(json.loads(quiet.cursor)["xero_since"])

    books.pay(ids[number], Decimal("3.00"))
    changed = poll(books, instance, cursor=quiet.cursor, send_as="")
    [refresh] = changed.run_requests
    assert refresh.job_name == "update_all_invoice_balances"
    assert refresh.run_config == update_all_run_config()
    assert refresh.tags["crm_xero/changed_in_xero"] == "1"
    assert datetime.fromisoformat(json.loads(changed.cursor)["xero_since"]) > since


def test_poll_leaves_xero_alone_while_a_refresh_runs(books: Books, instance):
    """No second refresh on top of a running one; the cursor stays so the changes are seen next tick."""
    run_id = running(instance, "update_all_invoice_balances")
    calls = books.env.sandbox.request_count("/Invoices")
    result = poll(books, instance, cursor='{"xero_since": "2025-06-01T00:00:00+00:00"}', send_as="")
    assert isinstance(result.skip_reason, SkipReason) and run_id in result.skip_reason.skip_message
    assert result.cursor == '{"xero_since": "2025-06-01T00:00:00+00:00"}'
    assert books.env.sandbox.request_count("/Invoices") == calls
    assert not any(isinstance(r, RunRequest) for r in result.run_requests)
