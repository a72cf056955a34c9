"""The jobs, the reconciliation asset and its check, run by Dagster with the real resources
against the sandbox, as the UI or the daemon would run them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from dagster import (
    DagsterInstance,
    RunConfig,
    RunRequest,
    SkipReason,
    build_run_status_sensor_context,
    materialize,
)

from assets.balance_refresh import (
    UpdateAllConfig,
    UpdateSelectedConfig,
    invoice_balance_reconciliation,
    reconcile_after_balance_refresh,
    update_all_invoice_balances_job,
    update_selected_invoices_job,
)
from resources.crm.models import InvoiceStatus
from tests.balance_refresh.conftest import Books


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


def run_selected(books: Books, instance, **config):
    return update_selected_invoices_job.execute_in_process(
        run_config=RunConfig(ops={"refresh_selected_documents": UpdateSelectedConfig(**config)}),
        resources=books.env.resources, instance=instance, raise_on_error=False)


def run_all(books: Books, instance, tags=None, **config):
    return update_all_invoice_balances_job.execute_in_process(
        run_config=RunConfig(ops={"refresh_all_documents": UpdateAllConfig(**config)}),
        resources=books.env.resources, instance=instance, tags=tags, raise_on_error=False)


def test_update_from_xero_runs_as_a_background_job_with_progress_and_metadata(books: Books, instance):
    """B24, B31: a Dagster run nobody waits on; it logs each batch, and its metadata counts every
    status change and the money moved."""
    first, second = books.numbers(InvoiceStatus.LIVE, 2)
    ids = books.send([first, second])
    books.pay(ids[first], Decimal("5.00"))

    result = run_selected(books, instance, requested_by="finance", invoice_numbers=[first, second, "INV-404"])

    assert result.success
    [output] = [e for e in result.all_events if e.event_type_value == "STEP_OUTPUT"]
    metadata = output.event_specific_data.metadata
    assert metadata["status_changes"].value == {"invoice: Live -> Part Paid": 1}
    assert metadata["money_moved"].value[books.invoice(first).currency]["invoices_paid_or_credited"] == "5.00"
    assert metadata["documents_skipped"].value == 1 and "INV-404" in metadata["skipped"].value
    assert "Live -> Part Paid" in metadata["changes"].value
    summary = result.output_for_node("refresh_selected_documents")
    assert summary["changed_documents"] == [
        f"invoice {first}: Live -> Part Paid, outstanding {books.invoice(first).total} -> "
        f"{books.invoice(first).total - Decimal('5.00')} {books.invoice(first).currency}"]
    messages = [e.message for e in instance.all_logs(result.run_id) if e.user_message]
    assert any("ids: 2 returned of 2 asked, 1 changed, 1 unchanged" in m for m in messages)
    assert {r.run_id for r in books.log(operation="refresh_invoice")} == {result.run_id}


def test_a_refused_user_fails_the_job_before_xero_is_called(books: Books, instance):
    """B38: a sales user (or nobody) may not update from Xero: the run fails at once, nothing read or written."""
    [number] = books.numbers(InvoiceStatus.LIVE, 1)
    books.send([number])
    calls_before = books.env.sandbox.request_count("/Invoices", method="GET")
    for login in ("sales", ""):
        result = run_all(books, instance, requested_by=login)
        assert not result.success
        failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
        why = failure.step_failure_data.user_failure_data.description
        assert "only finance and admin users" in why or "requested_by is empty" in why
    assert books.env.sandbox.request_count("/Invoices", method="GET") == calls_before
    assert books.log(operation="refresh_invoice") == []


def test_a_scheduled_run_acts_as_the_schedule_and_recomputes_balances(books: Books, instance):
    """B6, B30: the nightly run has no person: Dagster's schedule tag makes it a system run,
    recorded as such in xero_log."""
    [number] = books.numbers(InvoiceStatus.LIVE, 1)
    ids = books.send([number])
    books.pay(ids[number], books.invoice(number).total)
    result = run_all(books, instance, tags={"dagster/schedule_name": "nightly_balance_refresh"})
    assert result.success
    [row] = books.log(operation="refresh_invoice")
    assert row.message.endswith("(by schedule:nightly_balance_refresh)")
    assert books.invoice(number).status == InvoiceStatus.PAID
    assert books.log(operation="recompute_balance")


def test_reconciliation_check_passes_when_the_crm_agrees_and_fails_when_it_differs(books: Books, instance):
    """The reconciliation asset compares each company's CRM outstanding with Xero's; the check
    fails, naming the company and the document, as soon as they differ."""
    numbers = books.numbers(InvoiceStatus.LIVE, 3)
    ids = books.send(numbers)
    assert run_all(books, instance, requested_by="admin").success

    agreed = materialize([invoice_balance_reconciliation], resources=books.env.resources, instance=instance)
    [check] = agreed.get_asset_check_evaluations()
    assert check.passed
    frame = agreed.output_for_node("invoice_balance_reconciliation")
    assert (frame["difference"] == 0).all() and frame["documents"].sum() == 3

    books.pay(ids[numbers[0]], Decimal("7.00"))  # paid in Xero, not yet refreshed
    differs = materialize([invoice_balance_reconciliation], resources=books.env.resources, instance=instance)
    [check] = differs.get_asset_check_evaluations()
    assert not check.passed
    assert check.metadata["companies_differing"].value == 1
    assert check.metadata["total_difference"].value == "7.00"
    assert numbers[0] in check.metadata["examples"].value


def test_a_successful_update_all_asks_for_a_reconciliation_a_dry_run_does_not(books: Books, instance):
    [number] = books.numbers(InvoiceStatus.LIVE, 1)
    books.send([number])
    for dry_run, expected in ((False, RunRequest), (True, SkipReason)):
        result = run_all(books, instance, requested_by="finance", dry_run=dry_run)
        assert result.success
        context = build_run_status_sensor_context(
            sensor_name="reconcile_after_balance_refresh", dagster_instance=instance,
            dagster_run=result.dagster_run, dagster_event=result.get_run_success_event())
        decision = reconcile_after_balance_refresh(context)
        assert isinstance(decision, expected)
        if expected is RunRequest:
            assert decision.run_key == f"reconcile_after:{result.run_id}"
