"""Idempotency-Key on writes: replay, mismatch, scope, expiry, concurrency, restarts."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.sandbox import shell_fakes
from tests.sandbox.shell_fakes import handler_runs, widget_count
from xero_sandbox.config import SandboxConfig, TenantConfig
from xero_sandbox.testing import run_sandbox

ONE = {"Widgets": [{"Name": "Sprocket"}]}


@pytest.fixture
def sandbox(sandbox_factory):
    return sandbox_factory(routes=shell_fakes.ROUTES)


def _put(client: httpx.Client, key: str | None, body=ONE, **kwargs) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.put("/Widgets", json=body, headers=headers, **kwargs)


def test_replay_returns_the_first_reply_and_runs_the_handler_once(sandbox):
    with sandbox.api_client() as client:
        first = _put(client, "key-1")
        second = _put(client, "key-1")

    assert first.status_code == second.status_code == 200
    assert second.content == first.content  # same Id, DateTimeUTC and WidgetID: a replay
    assert second.headers["x-widget-count"] == "1"  # the handler's own headers come back too
    assert handler_runs(sandbox.state) == 1
    assert widget_count(sandbox.state, sandbox.tenant_id) == 1


def test_without_a_key_every_put_runs(sandbox):
    with sandbox.api_client() as client:
        _put(client, None)
        _put(client, None)
        _put(client, "")  # an empty header is no key

    assert widget_count(sandbox.state, sandbox.tenant_id) == 3


def test_json_whitespace_does_not_make_a_different_request(sandbox):
    with sandbox.api_client() as client:
        first = client.put("/Widgets", content=b'{"Widgets":[{"Name":"A"}]}',
                           headers={"Idempotency-Key": "ws", "Content-Type": "application/json"})
        second = client.put("/Widgets", content=b'{ "Widgets" : [ { "Name" : "A" } ] }',
                            headers={"Idempotency-Key": "ws", "Content-Type": "application/json"})

    assert second.content == first.content
    assert handler_runs(sandbox.state) == 1


def test_same_key_with_another_body_is_400(sandbox):
    with sandbox.api_client() as client:
        _put(client, "key-2")
        other = _put(client, "key-2", {"Widgets": [{"Name": "Gear"}]})
        other_query = _put(client, "key-2", params={"summarizeErrors": "false"})

    assert other.status_code == 400
    assert "is used with a different request" in other.json()["Message"]
    assert other_query.status_code == 400
    assert widget_count(sandbox.state, sandbox.tenant_id) == 1


def test_key_longer_than_128_characters_is_400(sandbox):
    with sandbox.api_client() as client:
        at_limit = _put(client, "k" * 128)
        too_long = _put(client, "k" * 129)

    assert at_limit.status_code == 200
    assert too_long.status_code == 400
    assert "128" in too_long.json()["Message"]
    assert widget_count(sandbox.state, sandbox.tenant_id) == 1


def test_error_replies_are_replayed_too(sandbox):
    bad = {"Widgets": [{"Name": "bad"}]}
    with sandbox.api_client() as client:
        first = _put(client, "key-bad", bad)
        second = _put(client, "key-bad", bad)

    assert first.status_code == second.status_code == 400
    assert second.content == first.content
    assert handler_runs(sandbox.state) == 1


def test_key_expires_after_six_minutes(sandbox):
    with sandbox.api_client() as client:
        first = _put(client, "key-3")
        sandbox.advance(300)
        within = _put(client, "key-3")
        sandbox.advance(61)
        # The token lives 30 minutes, so it is still good; only the key has expired.
        after = _put(client, "key-3")

    assert within.content == first.content
    assert after.status_code == 200 and after.content != first.content
    assert widget_count(sandbox.state, sandbox.tenant_id) == 2


def test_keys_are_scoped_per_tenant_and_per_app(sandbox_factory):
    tenants = [TenantConfig("11111111-1111-4111-8111-111111111111", "Org One"),
               TenantConfig("22222222-2222-4222-8222-222222222222", "Org Two")]
    config = SandboxConfig(tenants=tenants, clients={"second-app": "second-secret"},
                           custom_connection_tenant_id=tenants[0].tenant_id, clock_scale=600)
    sandbox = sandbox_factory(config, routes=shell_fakes.ROUTES)
    other_app = sandbox.client_credentials_token("second-app", "second-secret")["access_token"]

    with sandbox.api_client() as client, sandbox.api_client(other_app) as second:
        _put(client, "shared")
        _put(second, "shared")

    assert handler_runs(sandbox.state) == 2
    assert widget_count(sandbox.state, tenants[0].tenant_id) == 2


def test_concurrent_repeat_waits_for_the_first(sandbox):
    slow = {"Widgets": [{"Name": "slow"}]}  # the handler sleeps 0.5 s
    headers = {"Authorization": f"Bearer {sandbox.client_credentials_token()['access_token']}",
               "Idempotency-Key": "key-4"}

    async def twice() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=sandbox.api_url, headers=headers, timeout=10) as c:
            return list(await asyncio.gather(c.put("/Widgets", json=slow),
                                             c.put("/Widgets", json=slow)))

    first, second = asyncio.run(twice())

    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert handler_runs(sandbox.state) == 1


def test_replies_survive_a_restart(tmp_path):
    state_file = tmp_path / "state.sqlite"
    config = SandboxConfig(clock_scale=600)
    with run_sandbox(config, state_file, routes=shell_fakes.ROUTES) as first_run:
        token = first_run.client_credentials_token()["access_token"]
        with first_run.api_client(token) as client:
            first = _put(client, "key-5")

    # The first server is gone; a new one on the same file is the restarted process. The
    # token was stored (hashed) in the file too, so the client carries on with it.
    with run_sandbox(config, state_file, routes=shell_fakes.ROUTES) as second_run:
        with second_run.api_client(token) as client:
            again = _put(client, "key-5")
        widgets = widget_count(second_run.state, second_run.tenant_id)

    assert again.content == first.content
    assert widgets == 1


def test_reads_ignore_the_key(sandbox):
    with sandbox.api_client() as client:
        empty = client.get("/Widgets", headers={"Idempotency-Key": "read"})
        _put(client, None)
        full = client.get("/Widgets", headers={"Idempotency-Key": "read"})

    assert empty.json()["Widgets"] == []
    assert len(full.json()["Widgets"]) == 1
