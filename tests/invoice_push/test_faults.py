"""Faults mid-send against the sandbox: rate limits, lost replies, runs stopped midway, reruns.

After each fault the rerun must converge: every document in Xero exactly once, and the CRM and
Xero agreeing on ids, Sent to Accounts and totals (B23, B33, B34).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from resources.crm.xero_log import read_log
from resources.invoice_push import DocumentKind, PushInterrupted, PushOptions, send_all_live_invoices
from tests.invoice_push.conftest import PushEnv, make_api
from tests.invoice_push.crm_fixtures import invoice_row, xero_by_number

LIVE_SENDABLE = ["INV-000001", "INV-000002", "INV-000009", "INV-000011", "INV-000014", "INV-000015"]


def send_live(env: PushEnv, run_id: str, api: Any = None, batch_size: int = 50, after_batch: Any = None):
    return send_all_live_invoices(env.engine, api or env.api, env.tenant_id,
                                  PushOptions("finance", run_id=run_id, batch_size=batch_size),
                                  after_batch=after_batch)


def assert_converged(env: PushEnv) -> None:
    """Each live document once in Xero, with the CRM holding its id, marked sent, same total."""
    invoices, notes = xero_by_number(env.sandbox, "Invoices"), xero_by_number(env.sandbox, "CreditNotes")
    assert sorted(invoices) == LIVE_SENDABLE
    assert sorted(notes) == ["CN-000001"]
    for number, docs in [*invoices.items(), *notes.items()]:
        assert len(docs) == 1, f"{number} is in Xero {len(docs)} times"
        row = invoice_row(env.engine, number)
        xero_id = docs[0].get("InvoiceID") or docs[0].get("CreditNoteID")
        assert (row.xero_invoice_id if number.startswith("INV") else row.xero_credit_note_id) == xero_id
        assert row.sent_to_accounts and row.sent_to_accounts_date is not None
        assert Decimal(docs[0]["Total"]) == row.total


def arm_before(env: PushEnv, api: Any, method: str, path: str, **faults: Any) -> list[int]:
    """Set sandbox faults just before the first ``method path`` call the client makes, so the
    fault hits that write and not the Items/Contacts writes before it."""
    armed: list[int] = []
    original = api.request

    def request(m: str, p: str, *args: Any, **kwargs: Any):
        if not armed and m.upper() == method and p == path:
            armed.append(1)
            env.sandbox.set_faults(**faults)
        return original(m, p, *args, **kwargs)

    api.request = request
    return armed


def test_minute_rate_limit_mid_send_is_waited_out(demo_env: PushEnv):
    """B33: a minute 429 on the invoices write: the client waits Retry-After and sends it again;
    nothing is lost or doubled."""
    demo_env.sandbox.set_faults(fail_next=[{"count": 1, "status": 429, "problem": "minute", "retry_after": 1,
                                            "methods": ["POST"], "path": "/Invoices"}])
    report = send_live(demo_env, "r1")
    assert demo_env.api.stats.by_status.get(429) == 1
    assert report.counts()["sent"] == 7
    assert_converged(demo_env)


def test_reply_lost_after_commit_is_retried_with_the_same_idempotency_key(demo_env: PushEnv):
    """B23, B33: Xero committed the invoices but the reply never arrived: the client retries with
    the same Idempotency-Key and gets the first reply back, so nothing is created twice."""
    armed = arm_before(demo_env, demo_env.api, "POST", "/Invoices", drop_after_commit_next=1)
    report = send_live(demo_env, "r1")
    assert armed and demo_env.api.stats.retries >= 1
    assert demo_env.sandbox.request_count("/Invoices", method="POST") == 2
    assert report.counts()["sent"] == 7
    assert_converged(demo_env)


def test_rerun_after_a_lost_reply_finds_the_documents_by_number(demo_env: PushEnv):
    """B23, B34: the reply is lost and the client gives up (no retries left): Xero has the invoices, the
    CRM does not know. The rerun sends them by InvoiceNumber, Xero updates them in place, and the
    CRM gets their ids: no duplicates."""
    impatient = make_api(demo_env.crm_xero, max_attempts=1)
    arm_before(demo_env, impatient, "POST", "/Invoices", drop_after_commit_next=1)
    with pytest.raises(PushInterrupted) as stopped:
        send_live(demo_env, "r1", api=impatient)
    impatient.close()
    assert len(xero_by_number(demo_env.sandbox)) == 6  # committed in Xero...
    assert not invoice_row(demo_env.engine, "INV-000001").sent_to_accounts  # ...unknown to the CRM
    rows = {r["document_number"]: r for r in read_log(demo_env.engine, "r1") if r["operation"] == "send_invoice"}
    assert all(rows[n]["outcome"] == "error" and "run stopped" in rows[n]["message"] for n in LIVE_SENDABLE)
    assert stopped.value.report.stopped

    report = send_live(demo_env, "r2")
    assert report.counts()["sent"] == 7
    assert_converged(demo_env)


def test_run_killed_midway_then_rerun_sends_every_document_exactly_once(demo_env: PushEnv):
    """B23, B33, B34: the run dies after its first invoice batch: that batch is recorded in the CRM and the log,
    the rest is logged as not sent; the rerun finishes the job without doubling anything."""
    def die(kind: DocumentKind, batch: int) -> None:
        if kind is DocumentKind.INVOICE and batch == 1:
            raise KeyboardInterrupt  # stands in for the process being killed

    with pytest.raises(KeyboardInterrupt):
        send_live(demo_env, "r1", batch_size=2, after_batch=die)
    first_batch = [n for n in LIVE_SENDABLE if invoice_row(demo_env.engine, n).sent_to_accounts]
    assert len(first_batch) == 2 and len(xero_by_number(demo_env.sandbox)) == 2

    report = send_live(demo_env, "r2", batch_size=2)
    assert report.counts()["updated"] == 2 and report.counts()["created"] == 5
    assert_converged(demo_env)


def test_xero_unreachable_midway_stops_the_run_and_the_rerun_converges(demo_env: PushEnv):
    """B33, B34: 503s exhaust the client's retries on the credit notes, after the invoices went: the run
    stops (PushInterrupted), the invoices stay recorded, and the rerun converges."""
    demo_env.sandbox.set_faults(fail_next=[{"count": 10, "status": 503, "methods": ["POST"],
                                            "path": "/CreditNotes"}])
    with pytest.raises(PushInterrupted, match="stopped midway"):
        send_live(demo_env, "r1")
    assert all(invoice_row(demo_env.engine, n).sent_to_accounts for n in LIVE_SENDABLE)
    assert not invoice_row(demo_env.engine, "CN-000001").sent_to_accounts
    (row,) = [r for r in read_log(demo_env.engine, "r1") if r["document_number"] == "CN-000001"]
    assert row["outcome"] == "error" and "run stopped" in row["message"]

    demo_env.sandbox.set_faults()
    send_live(demo_env, "r2")
    assert_converged(demo_env)
