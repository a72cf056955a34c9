"""The two send jobs run by Dagster with the real resources against the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from dagster import DagsterInstance, Definitions

from pipelines.definitions import defs
from pipelines.invoice_push import send_all_live_invoices, send_invoices
from resources.crm.db import make_engine, upgrade_head
from resources.crm_resource import CrmDatabase
from resources.xero_resource import XeroResource
from tests.invoice_push.conftest import PushEnv, fill_demo
from tests.invoice_push.crm_fixtures import accounting_calls, crm_state, writes
from xero_sandbox.testing import SandboxHandle


def run(job: Any, resources: dict[str, object], op: str, config: dict[str, Any]):
    with DagsterInstance.ephemeral() as instance:
        return job.execute_in_process(instance=instance, resources=resources, raise_on_error=False,
                                      run_config={"ops": {op: {"config": config}}})


def output_metadata(result: Any) -> dict[str, Any]:
    (event,) = [e for e in result.all_events if e.event_type_value == "STEP_OUTPUT"]
    return {k: v.value for k, v in event.event_specific_data.metadata.items()}


def failure(result: Any) -> Any:
    (event,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    return event.event_specific_data.error


def test_send_all_live_job_shows_every_document_the_counts_and_the_log(demo_env: PushEnv):
    """B29, B33, B34: the run's page carries the per-document table, counts, totals and the
    run's xero_log rows; the op's output is the summary."""
    result = run(send_all_live_invoices, demo_env.crm_xero.resources, "send_live_documents",
                 {"requested_by": "finance"})
    assert result.success
    summary = result.output_for_node("send_live_documents")
    assert (summary["sent"], summary["failed"], summary["documents"]) == (7, 0, 7)
    metadata = output_metadata(result)
    assert metadata["sent"] == 7 and metadata["failed"] == 0 and metadata["xero_log_rows"] == 18
    assert "| INV-000002 | invoice | Connor Couriers LLP (1) | create | success |" in metadata["documents"]
    assert "send_invoice | invoice INV-000011 | success" in metadata["xero_log"]
    assert metadata["totals"] == "AUD 7726.40, GBP 3262.99, USD 568.84"


def test_send_invoices_job_takes_numbers_and_filters(demo_env: PushEnv):
    """B21, B22, B35: named documents, and a status filter, sent AUTHORISED by choice."""
    result = run(send_invoices, demo_env.crm_xero.resources, "send_chosen_documents",
                 {"requested_by": "admin", "numbers": ["INV-000004"], "statuses": ["Pending"],
                  "company_ids": [1], "xero_status": "AUTHORISED"})
    assert result.success
    metadata = output_metadata(result)
    assert (metadata["sent"], metadata["skipped"]) == (1, 1)  # INV-000003 sent; Part Paid INV-000004 skipped
    assert "| INV-000003 | invoice |" in metadata["documents"] and metadata["xero_status"] == "AUTHORISED"


def test_refused_user_fails_the_job_before_any_xero_call(demo_env: PushEnv):
    """B38: a sales user is refused with a clear message; nothing read from or sent to Xero."""
    before = crm_state(demo_env.engine)
    result = run(send_all_live_invoices, demo_env.crm_xero.resources, "send_live_documents",
                 {"requested_by": "sales"})
    assert not result.success
    assert "only finance and admin users may do this" in failure(result).message
    assert accounting_calls(demo_env.sandbox) == 0 and crm_state(demo_env.engine) == before


def test_bad_product_fails_the_job_listing_every_problem(demo_env: PushEnv):
    """B32: the run fails, its error lists the bad products, and nothing was written to Xero."""
    from tests.invoice_push.crm_fixtures import Line, add_document

    add_document(demo_env.engine, "INV-SEAT", 1, [Line("CHILD-SEAT", "1", "79")])
    result = run(send_all_live_invoices, demo_env.crm_xero.resources, "send_live_documents",
                 {"requested_by": "finance"})
    assert not result.success
    assert "product CHILD-SEAT" in failure(result).message
    assert writes(demo_env.sandbox) == 0


def test_dry_run_job_writes_nothing(demo_env: PushEnv):
    """The dry run's page shows what would happen; Xero, the CRM and xero_log are untouched."""
    before = crm_state(demo_env.engine)
    result = run(send_all_live_invoices, demo_env.crm_xero.resources, "send_live_documents",
                 {"requested_by": "finance", "dry_run": True})
    assert result.success
    metadata = output_metadata(result)
    assert metadata["would_create"] == 7 and metadata["dry_run"] is True and "xero_log" not in metadata
    assert writes(demo_env.sandbox) == 0 and crm_state(demo_env.engine) == before


def test_job_without_a_xero_connection_says_so_and_calls_nothing(sandbox: SandboxHandle, tmp_path: Path):
    """B20: not connected: the job refuses with a message saying how to connect."""
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    upgrade_head(url)
    fill_demo(make_engine(url))
    crm = CrmDatabase(url=url)
    xero = XeroResource(client_id="x", token_key=Fernet.generate_key().decode(), api_base_url=sandbox.base_url,
                        identity_base_url=sandbox.base_url, crm=crm)
    result = run(send_all_live_invoices, {"crm": crm, "xero": xero}, "send_live_documents",
                 {"requested_by": "finance"})
    assert not result.success
    errors = [e.event_specific_data.error.message for e in result.all_events
              if e.event_type_value == "RESOURCE_INIT_FAILURE"]
    assert errors and "Not connected to Xero" in errors[0] and "connect" in errors[0]
    assert accounting_calls(sandbox) == 0


@pytest.mark.parametrize("name", ["send_invoices", "send_all_live_invoices"])
def test_jobs_are_registered_described_and_in_the_xero_pool(name: str):
    Definitions.validate_loadable(defs)
    job = defs.resolve_job_def(name)
    assert job.description and "Finance and admin users only" in job.description
    (node,) = job.graph.node_defs
    assert node.pool == "xero"
