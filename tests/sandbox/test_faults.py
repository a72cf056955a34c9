"""Injected faults: lost replies after commit, seeded 500/503, scripted failures, slowness."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.sandbox import shell_fakes
from tests.sandbox.shell_fakes import widget_count
from xero_sandbox.faults import FaultConfig, FaultInjector

ONE = {"Widgets": [{"Name": "Sprocket"}]}


@pytest.fixture
def sandbox(sandbox_factory):
    return sandbox_factory(routes=shell_fakes.ROUTES)


def _statuses(client: httpx.Client, n: int) -> list[int]:
    return [client.get("/Widgets").status_code for _ in range(n)]


def test_dropped_reply_after_commit_raises_in_the_client_but_the_write_is_kept(sandbox):
    sandbox.set_faults(drop_after_commit_next=1)
    with sandbox.api_client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.put("/Widgets", json=ONE, headers={"Idempotency-Key": "drop-1"})
        committed = widget_count(sandbox.state, sandbox.tenant_id)
        retry = client.put("/Widgets", json=ONE, headers={"Idempotency-Key": "drop-1"})
        listed = client.get("/Widgets").json()["Widgets"]

    assert committed == 1
    assert retry.status_code == 200
    assert retry.json()["Widgets"][0]["WidgetID"] == listed[0]["WidgetID"]  # the replay
    assert widget_count(sandbox.state, sandbox.tenant_id) == 1


def test_drops_hit_only_successful_writes(sandbox):
    sandbox.set_faults(drop_after_commit_next=1)
    with sandbox.api_client() as client:
        read = client.get("/Widgets")
        failed_write = client.put("/Widgets", json={"Widgets": [{"Name": "bad"}]})
        with pytest.raises(httpx.RemoteProtocolError):
            client.put("/Widgets", json=ONE)

    assert read.status_code == 200
    assert failed_write.status_code == 400


def test_seeded_500_and_503_are_deterministic(sandbox_factory):
    faults = {"seed": 7, "rate_500": 0.25, "rate_503": 0.25}
    runs = []
    for _ in range(2):
        sandbox = sandbox_factory(routes=shell_fakes.ROUTES)
        sandbox.set_faults(faults)
        with sandbox.api_client() as client:
            runs.append(_statuses(client, 40))

    assert runs[0] == runs[1]
    assert {200, 500, 503} == set(runs[0])
    other_seed = FaultInjector(FaultConfig(seed=8, rate_500=0.25, rate_503=0.25))
    assert [other_seed.decide("GET", "/Widgets").status or 200 for _ in range(40)] != runs[0]


def test_setting_faults_again_restarts_the_sequence(sandbox):
    faults = {"seed": 3, "rate_500": 0.3}
    with sandbox.api_client() as client:
        sandbox.set_faults(faults)
        first = _statuses(client, 20)
        sandbox.set_faults(faults)
        second = _statuses(client, 20)

    assert first == second and 500 in first


def test_injected_errors_have_json_bodies_and_count_as_calls(sandbox):
    sandbox.set_faults(fail_next=[{"count": 1, "status": 503}])
    with sandbox.api_client() as client:
        unavailable = client.get("/Widgets")
        ok = client.get("/Widgets")

    assert unavailable.status_code == 503
    assert unavailable.json()["Status"] == 503
    assert unavailable.headers["x-minlimit-remaining"] == "59"
    assert ok.headers["x-minlimit-remaining"] == "58"


def test_next_n_requests_fail_with_the_given_status(sandbox):
    sandbox.set_faults(fail_next=[{"count": 2, "status": 500}])
    with sandbox.api_client() as client:
        assert _statuses(client, 4) == [500, 500, 200, 200]


def test_scripted_failures_can_target_a_method(sandbox):
    sandbox.set_faults(fail_next=[{"count": 1, "status": 503, "methods": ["PUT"]}])
    with sandbox.api_client() as client:
        read = client.get("/Widgets")
        write = client.put("/Widgets", json=ONE)
        write_again = client.put("/Widgets", json=ONE)

    assert (read.status_code, write.status_code, write_again.status_code) == (200, 503, 200)
    assert widget_count(sandbox.state, sandbox.tenant_id) == 1


def test_injected_429_looks_like_the_limiter_and_does_not_count(sandbox):
    sandbox.set_faults(fail_next=[{"count": 1, "status": 429, "problem": "minute",
                                   "retry_after": 2}])
    with sandbox.api_client() as client:
        limited = client.get("/Widgets")
        ok = client.get("/Widgets")

    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "2"
    assert limited.headers["x-rate-limit-problem"] == "minute"
    assert limited.headers["x-minlimit-remaining"] == "60"
    assert ok.headers["x-minlimit-remaining"] == "59"


def test_slow_replies_trip_a_client_timeout(sandbox):
    sandbox.set_faults(slow_rate=1.0, slow_seconds=0.6)
    with sandbox.api_client() as client:
        started = time.monotonic()
        assert client.get("/Widgets").status_code == 200
        elapsed = time.monotonic() - started
        with pytest.raises(httpx.ReadTimeout):
            client.get("/Widgets", timeout=0.2)

    assert elapsed >= 0.6


def test_unknown_fault_settings_are_refused(sandbox):
    reply = httpx.post(f"{sandbox.base_url}/sandbox/faults", json={"rate_5OO": 0.5})

    assert reply.status_code == 400
    assert "rate_5OO" in reply.json()["error"]


def test_reset_restores_the_configured_faults_and_forgets_documents(sandbox):
    with sandbox.api_client() as client:
        client.put("/Widgets", json=ONE)
        sandbox.set_faults(fail_next=[{"count": 5, "status": 500}])
        sandbox.reset()
        after = client.get("/Widgets")  # the token survives a reset (keep_auth)

    assert after.status_code == 200
    assert after.json()["Widgets"] == []
    assert sandbox.admin("GET", "faults")["fail_next"] == []
