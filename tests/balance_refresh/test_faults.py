"""Faults mid-run against the sandbox: rate limits, outages, a killed process, a refused user."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from resources.balance_refresh.cursor import read_cursor
from resources.balance_refresh.refresh import update_all_invoice_balances
from resources.balance_refresh.requester import resolve_requester
from resources.crm.models import InvoiceStatus
from resources.crm.permissions import PermissionRefused
from resources.xero.errors import XeroDayLimitError
from tests.balance_refresh.conftest import Books

REPO = Path(__file__).resolve().parents[2]


def test_a_minute_429_and_a_503_mid_run_are_waited_out_and_the_run_finishes(books: Books):
    """Xero's minute limit (429 + Retry-After) and an outage (503) after the first batch: the
    client waits and retries, every batch is written once, the cursor moves."""
    numbers = books.created_invoices()
    armed = []

    def progress(message: str) -> None:
        if not armed:
            armed.append(books.env.sandbox.set_faults(fail_next=[
                {"count": 1, "status": 429, "problem": "minute", "retry_after": 1, "path": "/Invoices"},
                {"count": 2, "status": 503, "path": "/Invoices"},
            ]))

    report = update_all_invoice_balances(books.api, books.engine, [books.tenant], actor="finance", run_id="r",
                                         page_size=3, id_batch=3, progress=progress)

    assert not report.errors and report.cursor_advanced
    assert set(books.statuses(numbers).values()) == {InvoiceStatus.LIVE}
    assert books.api.stats.by_status.get(429) == 1 and books.api.stats.by_status.get(503) == 2
    assert books.env.sandbox.request_count("/Invoices", status=503) == 2
    assert len(books.log(run_id="r", operation="refresh_invoice")) == len(numbers)  # each written once


def test_the_day_limit_stops_the_run_keeping_written_batches_and_the_cursor(books: Books):
    numbers = books.created_invoices()

    def progress(message: str) -> None:
        books.env.sandbox.set_faults(fail_next=[{"count": 5, "status": 429, "problem": "day", "retry_after": 3600}])

    with pytest.raises(XeroDayLimitError, match="daily API limit"):
        update_all_invoice_balances(books.api, books.engine, [books.tenant], actor="finance", run_id="r",
                                    page_size=3, id_batch=3, progress=progress)
    assert list(books.statuses(numbers).values()).count(InvoiceStatus.LIVE) == 3  # the first batch only
    assert read_cursor(books.engine, books.tenant, "Invoices") is None


def test_a_run_killed_between_batches_leaves_them_whole_and_a_rerun_finishes_the_rest(books: Books):
    """Fault: the process is killed (SIGKILL) after its first batch committed. Written batches are
    complete and logged, nothing else moved (cursor included); a rerun writes the rest, and no
    document is changed or logged twice."""
    numbers = books.created_invoices()
    env = books.env
    child_env = {**os.environ, "KILL_CRM_URL": env.url, "KILL_CLIENT_ID": env.sandbox.config.client_id,
                 "KILL_CLIENT_SECRET": env.sandbox.config.client_secret, "KILL_BASE_URL": env.sandbox.base_url,
                 "KILL_TOKEN_KEY": env.token_key, "KILL_TENANT": books.tenant, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, "-m", "tests.balance_refresh.killable_refresh"], cwd=REPO,
                             env=child_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # printed after the first batch's transaction committed
        assert "returned" in line, line + child.stdout.read()
        child.kill()
    finally:
        child.wait(timeout=30)
    assert child.returncode < 0  # killed, not finished

    after_kill = books.statuses(numbers)
    assert list(after_kill.values()).count(InvoiceStatus.LIVE) == 3  # exactly one batch of 3
    assert len(books.log(run_id="killed", operation="refresh_invoice")) == 3
    assert read_cursor(books.engine, books.tenant, "Invoices") is None

    report = update_all_invoice_balances(books.api, books.engine, [books.tenant], actor="finance", run_id="rerun",
                                         page_size=3, id_batch=3)
    assert set(books.statuses(numbers).values()) == {InvoiceStatus.LIVE}
    assert len(report.changed) == len(numbers) - 3 and report.unchanged == 3
    logged = [r.document_number for r in books.log(operation="refresh_invoice")]
    assert sorted(logged) == sorted(numbers)  # every document changed and logged exactly once
    assert read_cursor(books.engine, books.tenant, "Invoices") is not None


@pytest.mark.parametrize(("login", "words"), [
    ("sales", "has role sales; only finance and admin users may do this"),
    ("nobody", "'nobody' is not a CRM user"),
    ("", "requested_by is empty"),
])
def test_a_refused_user_is_stopped_before_anything_is_read(crm, login, words):
    """B38: only finance and admin users may update from Xero; an empty requested_by is refused
    unless the run was launched by the schedule or the sensor."""
    with pytest.raises(PermissionRefused, match=words):
        resolve_requester(crm, login, {}, "update_all_invoice_balances")
    assert resolve_requester(crm, "admin", {}, "x").label == "admin"
    system = resolve_requester(crm, "", {"dagster/schedule_name": "nightly_balance_refresh"}, "x")
    assert (system.label, system.is_system) == ("schedule:nightly_balance_refresh", True)
    with pytest.raises(PermissionRefused):  # a named person is checked even on a scheduled run
        resolve_requester(crm, "sales", {"dagster/schedule_name": "nightly_balance_refresh"}, "x")


def test_money_stays_decimal_through_a_payment(books: Books):
    [number] = books.created_invoices()[:1]
    xero_id = books.http.get("/Invoices", params={"InvoiceNumbers": number}).json()["Invoices"][0]["InvoiceID"]
    books.pay(xero_id, Decimal("0.10"))
    books.pay(xero_id, Decimal("0.20"))
    update_all_invoice_balances(books.api, books.engine, [books.tenant], actor="finance")
    row = books.invoice(number)
    assert row.amount_outstanding == row.total - Decimal("0.30")
