"""A dry run shows create / update / skip and the totals, and writes nothing anywhere."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import update

from resources.crm.models import Invoice
from resources.invoice_push import Action, Outcome, PushOptions, Selection, send_all_live_invoices, send_invoices
from tests.invoice_push.conftest import PushEnv
from tests.invoice_push.crm_fixtures import Line, add_document, crm_state, writes


def test_dry_run_reports_create_update_and_skip_with_totals_and_writes_nothing(demo_env: PushEnv):
    """B22, B23, B29, B39: what a send would do, per document, without writing to Xero, the CRM
    or xero_log. INV-000001 is already in Xero but the CRM lost its id (a reply lost in transit):
    the dry run reads Xero by number and says "update"."""
    send_invoices(demo_env.engine, demo_env.api, demo_env.tenant_id, Selection(numbers=("INV-000001",)),
                  PushOptions("finance", run_id="real"))
    with demo_env.engine.begin() as db:
        db.execute(update(Invoice).where(Invoice.number == "INV-000001").values(xero_invoice_id=None))
    add_document(demo_env.engine, "INV-CENT", 6, [Line("HDMI-2M", "1", "10")], total=Decimal("12.01"),
                 currency="AUD")
    before_state, before_writes = crm_state(demo_env.engine), writes(demo_env.sandbox)

    report = send_all_live_invoices(demo_env.engine, demo_env.api, demo_env.tenant_id,
                                    PushOptions("finance", dry_run=True, run_id="dry"))

    assert crm_state(demo_env.engine) == before_state
    assert writes(demo_env.sandbox) == before_writes
    assert report.log_rows == 0
    plan = {d.number: (d.action, d.outcome) for d in report.documents}
    assert plan["INV-000001"] == (Action.UPDATE, Outcome.DRY_RUN)
    assert plan["INV-000002"] == (Action.CREATE, Outcome.DRY_RUN)
    assert plan["CN-000001"] == (Action.CREATE, Outcome.DRY_RUN)
    assert plan["INV-CENT"] == (Action.SKIP, Outcome.ERROR)
    counts = report.counts()
    assert (counts["would_create"], counts["would_update"], counts["sent"]) == (6, 1, 0)
    # The credit note counts against its currency's total.
    assert report.totals()["GBP"] == Decimal("1724.89") + Decimal("1061.98") + Decimal("779.88") - Decimal("303.76")
    assert "would update as DRAFT" in next(d.message for d in report.documents if d.number == "INV-000001")
