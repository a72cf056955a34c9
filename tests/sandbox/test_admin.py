"""The /sandbox/ admin API and the shell's edge replies (404/405/413, crashing handlers)."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox import shell_fakes
from xero_sandbox import accounting
from xero_sandbox.api import ApiRequest, Route
from xero_sandbox.app import _is_loopback
from xero_sandbox.config import SandboxConfig, TenantConfig


def _crash(request: ApiRequest):
    raise RuntimeError("boom")


ROUTES = [*shell_fakes.ROUTES, Route("GET", "/Crash", _crash, writes=False)]


@pytest.fixture
def sandbox(sandbox_factory):
    return sandbox_factory(routes=ROUTES)


def test_fixtures_are_handed_to_the_accounting_loader_for_the_chosen_tenant(
        sandbox_factory, monkeypatch):
    calls = []

    def fake_load(state, tenant_id, clock, kind, docs):
        calls.append((tenant_id, kind, docs))
        return len(docs)

    monkeypatch.setattr(accounting, "load_fixture", fake_load, raising=False)
    tenants = [TenantConfig("11111111-1111-4111-8111-111111111111", "Org One"),
               TenantConfig("22222222-2222-4222-8222-222222222222", "Org Two")]
    sandbox = sandbox_factory(SandboxConfig(tenants=tenants), routes=ROUTES)

    default = sandbox.load_fixture("Contacts", [{"Name": "A"}, {"Name": "B"}])
    chosen = sandbox.load_fixture("Items", [{"Code": "X"}], tenant_id=tenants[1].tenant_id)
    unknown = httpx.post(f"{sandbox.base_url}/sandbox/fixtures/Items", json=[],
                         params={"tenant_id": "nope"})

    assert (default, chosen) == (2, 1)
    assert calls == [(tenants[0].tenant_id, "Contacts", [{"Name": "A"}, {"Name": "B"}]),
                     (tenants[1].tenant_id, "Items", [{"Code": "X"}])]
    assert unknown.status_code == 400


def test_payments_are_recorded_by_the_accounting_module(sandbox, monkeypatch):
    seen = []

    def fake_record(state, tenant_id, clock, payload):
        seen.append((tenant_id, payload))
        return {"PaymentID": "p-1"}

    monkeypatch.setattr(accounting, "record_payment", fake_record, raising=False)

    reply = sandbox.record_payment({"InvoiceNumber": "INV-1", "Amount": 10})

    assert reply == {"PaymentID": "p-1"}
    assert seen == [(sandbox.tenant_id, {"InvoiceNumber": "INV-1", "Amount": 10})]


def test_counters_report_requests_by_route_template_and_status(sandbox_factory):
    # A real-time clock: at the suite's usual clock_scale a rate-limit minute lasts 0.1 s, which a
    # slow machine can spend between these calls, and the rolling window would forget some.
    sandbox = sandbox_factory(SandboxConfig(clock_scale=1), routes=ROUTES)
    with sandbox.api_client() as client:
        client.get("/Widgets")
        client.get("/Widgets")
        client.put("/Widgets", json={"Widgets": [{"Name": "bad"}]})

    assert sandbox.request_count("/Widgets", "GET", 200) == 2
    assert sandbox.request_count("/Widgets", "PUT", 400) == 1
    report = sandbox.admin("GET", "counters")
    assert any(v["minute"] == 3 for v in report["rate_limits"].values())


def test_clock_advance_moves_token_expiry(sandbox):
    with sandbox.api_client() as client:
        assert client.get("/Widgets").status_code == 200
        moved = sandbox.admin("POST", "clock/advance", {"seconds": 3600})
        assert client.get("/Widgets").status_code == 401

    assert moved["offset_seconds"] == 3600


def test_health_names_the_tenants(sandbox):
    health = sandbox.admin("GET", "health")

    assert health["status"] == "ok"
    assert [t["tenant_name"] for t in health["tenants"]] == ["Demo Company (UK)"]
    assert health["accounting_routes"] == len(ROUTES)


def test_reset_can_forget_auth_too(sandbox):
    token = sandbox.client_credentials_token()["access_token"]
    sandbox.reset(keep_auth=False)

    with sandbox.api_client(token) as client:
        assert client.get("/Widgets").status_code == 401


def test_unknown_resource_is_404_and_wrong_method_is_405(sandbox):
    with sandbox.api_client() as client:
        missing = client.get("/Gadgets")
        wrong_method = client.delete("/Widgets")

    assert missing.status_code == 404 and missing.json()["Title"] == "NotFound"
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "GET, PUT"


def test_a_crashing_handler_gives_a_json_500(sandbox):
    with sandbox.api_client() as client:
        reply = client.get("/Crash")

    assert reply.status_code == 500
    assert reply.json()["Status"] == 500


def test_body_over_the_size_limit_is_413(sandbox_factory):
    sandbox = sandbox_factory(routes=ROUTES, max_body_bytes=1000)
    with sandbox.api_client() as client:
        reply = client.put("/Widgets", json={"Widgets": [{"Name": "x" * 2000}]})

    assert reply.status_code == 413


def test_admin_answers_loopback_callers_only():
    assert _is_loopback("127.0.0.1") and _is_loopback("::1")
    assert not _is_loopback("192.168.1.20")
    assert not _is_loopback(None)


def test_resource_names_are_case_insensitive_like_xero(sandbox):
    with sandbox.api_client() as client:
        lower = client.get("/widgets")
        upper = client.put("/WIDGETS", json={"Widgets": [{"Name": "A"}]})

    assert lower.status_code == 200 and "Widgets" in lower.json()
    assert upper.status_code == 200
    assert sandbox.request_count("/Widgets") == 2
