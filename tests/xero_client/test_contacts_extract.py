"""The contacts extract: full first, incremental after, cursor safe across failures (B7, B9)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from resources.xero.api import XeroApi
from resources.xero.contacts_extract import contacts_frame, extract_contacts, read_cursor
from resources.xero.errors import XeroHttpError
from xero_sandbox.testing import SandboxHandle


def test_first_run_is_full_then_only_changes_are_fetched(sandbox: SandboxHandle, connected: XeroApi,
                                                          crm_engine: Engine):
    """B9: every contact lands with its ContactID; a second run asks only for what changed."""
    # Recorded last year, as contacts that already existed in Xero would have been.
    sandbox.load_fixture("Contacts", [
        {"Name": f"Contact {i:04d}", "UpdatedDateUTC": f"/Date({1700000000000 + i * 60000}+0000)/"}
        for i in range(1500)
    ])
    first = extract_contacts(connected, crm_engine, sandbox.tenant_id)
    assert (first.mode, first.fetched, first.new, first.total, first.api_calls) == ("full", 1500, 1500, 1500, 2)
    assert read_cursor(crm_engine, sandbox.tenant_id) is not None

    with sandbox.api_client() as client:
        changed = client.get("/Contacts", params={"page": 1, "pageSize": 1}).json()["Contacts"][0]
        reply = client.post("/Contacts", json={"Contacts": [
            {"ContactID": changed["ContactID"], "EmailAddress": "new@example.com"}]})
        assert reply.status_code == 200
        client.put("/Contacts", json={"Contacts": [{"Name": "Brand New Ltd"}]})

    second = extract_contacts(connected, crm_engine, sandbox.tenant_id)
    assert second.mode == "incremental"
    assert second.api_calls == 1
    assert second.new == 1
    assert second.total == 1501
    assert second.fetched < 10  # the overlap second may repeat a few, never the whole list
    frame = contacts_frame(crm_engine, [sandbox.tenant_id])
    assert len(frame) == 1501
    assert frame["ContactID"].is_unique
    row = frame.loc[frame["ContactID"] == changed["ContactID"]].iloc[0]
    assert row["EmailAddress"] == "new@example.com"


def test_failed_run_keeps_the_old_cursor_and_rerun_converges(sandbox: SandboxHandle, connected: XeroApi,
                                                             crm_engine: Engine):
    sandbox.load_fixture("Contacts", [{"Name": f"Contact {i:04d}"} for i in range(2500)])
    connected.max_attempts = 2
    stored_pages: list[str] = []

    def after_page(message: str) -> None:
        # Page 1 is stored; then page 2 fails more times than the client retries: the run dies midway.
        stored_pages.append(message)
        sandbox.set_faults(fail_next=[{"count": 5, "status": 503}])

    with pytest.raises(XeroHttpError):
        extract_contacts(connected, crm_engine, sandbox.tenant_id, page_size=1000, progress=after_page)
    assert len(stored_pages) == 1
    assert read_cursor(crm_engine, sandbox.tenant_id) is None
    assert len(contacts_frame(crm_engine, [sandbox.tenant_id])) == 1000
    sandbox.set_faults({})
    connected.max_attempts = 8
    rerun = extract_contacts(connected, crm_engine, sandbox.tenant_id)
    assert rerun.mode == "full"
    assert rerun.total == 2500
    assert contacts_frame(crm_engine, [sandbox.tenant_id])["ContactID"].is_unique
