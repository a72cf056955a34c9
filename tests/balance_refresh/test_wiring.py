"""The balance refresh as the Dagster definitions expose it, and the demo's payment helper."""

from __future__ import annotations

from decimal import Decimal

from dagster import AssetKey

from pipelines.definitions import defs
from resources.balance_refresh.demo_payments import record_demo_payments
from resources.balance_refresh.refresh import update_all_invoice_balances
from resources.crm.models import InvoiceStatus
from tests.balance_refresh.conftest import Books


def test_jobs_schedule_sensors_and_asset_are_defined_and_use_the_xero_pool():
    repo = defs.get_repository_def()
    jobs = {j.name for j in repo.get_all_jobs()}
    assert {"update_selected_invoices", "update_all_invoice_balances", "reconcile_invoice_balances"} <= jobs
    assert repo.get_schedule_def("nightly_balance_refresh").job_name == "update_all_invoice_balances"
    poll = repo.get_sensor_def("balance_refresh_poll")
    targets = {t.job_name for t in poll.targets}
    assert "update_all_invoice_balances" in targets
    if "send_all_live_invoices" in jobs:  # the invoice push's job, found by name in its wiring
        assert "send_all_live_invoices" in targets
    assert repo.get_sensor_def("reconcile_after_balance_refresh")
    assert repo.asset_graph.get(AssetKey("invoice_balance_reconciliation")).pools == {"xero"}
    for name in ("update_selected_invoices", "update_all_invoice_balances"):
        [node] = repo.get_job(name).graph.nodes
        assert node.definition.pool == "xero"


def test_demo_payments_make_one_invoice_part_paid_and_another_paid(books: Books):
    """What the README's demo does after the push: a part and a full payment recorded in Xero as a
    person would (drafts approved first), then update_all_invoice_balances shows them."""
    numbers = books.numbers(InvoiceStatus.LIVE, 2)
    books.send(numbers, status="DRAFT")
    payments = record_demo_payments(books.api, books.tenant, books.engine, books.env.sandbox.base_url)
    assert [p.kind for p in payments] == ["part", "full"]
    report = update_all_invoice_balances(books.api, books.engine, [books.tenant], actor="finance")
    part, full = (books.invoice(p.invoice_number) for p in payments)
    assert part.status == InvoiceStatus.PART_PAID and part.amount_outstanding == part.total - payments[0].amount
    assert (full.status, full.amount_outstanding) == (InvoiceStatus.PAID, Decimal("0.00"))
    assert report.status_changes == {"invoice: Live -> Paid": 1, "invoice: Live -> Part Paid": 1}
