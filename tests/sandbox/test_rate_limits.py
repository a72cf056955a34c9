"""Xero's rate limits: the pure limiter on a hand-driven clock, then over HTTP on a scaled clock."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.sandbox import shell_fakes
from xero_sandbox.clock import Clock
from xero_sandbox.config import RateLimitConfig
from xero_sandbox.ratelimit import RateLimiter


class HandClock(Clock):
    """Sandbox seconds move only when the test says so."""

    def __init__(self, scale: float = 1.0) -> None:
        super().__init__(scale=scale)
        self.t = 0.0

    def sandbox_seconds(self) -> float:
        return self.t


def _limiter(scale: float = 1.0, **limits: int) -> tuple[RateLimiter, HandClock]:
    clock = HandClock(scale)
    return RateLimiter(RateLimitConfig(**limits), clock), clock


def _call(limiter: RateLimiter, tenant: str = "t1", app: str = "app"):
    decision = limiter.acquire(app, tenant)
    if decision.allowed:
        limiter.release(app, tenant)
    return decision


# -- the pure limiter --------------------------------------------------------------------------
def test_sixty_first_call_in_a_minute_is_refused_until_the_oldest_leaves():
    limiter, clock = _limiter()
    for second in range(60):
        clock.t = second * 0.5
        assert _call(limiter).allowed
    clock.t = 30.0

    refused = _call(limiter)

    assert (refused.allowed, refused.problem) == (False, "minute")
    assert refused.retry_after == 30  # the call made at t=0 leaves the window at t=60
    assert refused.headers["X-MinLimit-Remaining"] == "0"
    clock.t = 60.0
    assert _call(limiter).allowed


def test_a_refused_call_does_not_count():
    limiter, clock = _limiter(per_minute=2)
    assert _call(limiter).allowed and _call(limiter).allowed
    for _ in range(10):
        assert not _call(limiter).allowed

    day_left = limiter.headers("app", "t1")["X-DayLimit-Remaining"]

    assert day_left == "4998"
    clock.t = 60.0
    assert _call(limiter).headers["X-MinLimit-Remaining"] == "1"


def test_day_limit_reports_day_and_waits_in_real_seconds():
    limiter, clock = _limiter(scale=60.0, per_day=3)
    for _ in range(3):
        assert _call(limiter).allowed
    clock.t = 3600.0

    refused = _call(limiter)

    assert refused.problem == "day"
    assert refused.retry_after == (86400 - 3600) // 60  # scaled: sandbox seconds / 60


def test_retry_after_is_at_least_one_second():
    limiter, _ = _limiter(scale=1000.0, per_minute=1)
    _call(limiter)
    assert _call(limiter).retry_after == 1


def test_concurrent_limit_counts_calls_in_flight():
    limiter, _ = _limiter()
    held = [limiter.acquire("app", "t1") for _ in range(5)]

    sixth = limiter.acquire("app", "t1")
    other_tenant = limiter.acquire("app", "t2")
    limiter.release("app", "t1")
    after_release = limiter.acquire("app", "t1")

    assert all(d.allowed for d in held)
    assert (sixth.allowed, sixth.problem) == (False, "concurrent")
    assert other_tenant.allowed
    assert after_release.allowed


def test_limits_are_per_tenant_but_the_app_minute_is_shared():
    limiter, _ = _limiter(per_minute=2, app_per_minute=3)
    assert _call(limiter, "t1").allowed and _call(limiter, "t1").allowed
    assert not _call(limiter, "t1").allowed

    assert _call(limiter, "t2").allowed
    refused = _call(limiter, "t3")

    assert refused.problem == "appminute"
    assert _call(limiter, "t1", app="other-app").allowed


# -- over HTTP ---------------------------------------------------------------------------------
@pytest.fixture
def widgets_sandbox(sandbox_factory):
    def start(**config):
        sandbox = sandbox_factory(routes=shell_fakes.ROUTES, **config)
        return sandbox, sandbox.api_client()
    return start


def test_61st_call_gets_429_minute_and_succeeds_after_retry_after(widgets_sandbox):
    # clock_scale 30: a minute lasts 2 real seconds; 61 local calls take well under that.
    _, client = widgets_sandbox(clock_scale=30)
    with client:
        replies = [client.get("/Widgets") for _ in range(61)]
        statuses = [r.status_code for r in replies]
        refused = replies[-1]

        assert statuses[:60] == [200] * 60
        assert refused.status_code == 429
        assert refused.headers["x-rate-limit-problem"] == "minute"
        wait = int(refused.headers["retry-after"])
        assert 1 <= wait <= 2
        time.sleep(wait)
        assert client.get("/Widgets").status_code == 200


def test_day_limit_is_reported_as_day(widgets_sandbox):
    _, client = widgets_sandbox(rate_limits=RateLimitConfig(per_day=5))
    with client:
        statuses = [client.get("/Widgets").status_code for _ in range(6)]
        refused = client.get("/Widgets")

    assert statuses == [200] * 5 + [429]
    assert refused.headers["x-rate-limit-problem"] == "day"
    assert refused.headers["x-daylimit-remaining"] == "0"
    assert int(refused.headers["retry-after"]) >= 86400 // 600 - 1


def test_six_concurrent_slow_calls_one_is_refused_as_concurrent(widgets_sandbox):
    sandbox, client = widgets_sandbox()
    client.close()
    sandbox.set_faults(slow_rate=1.0, slow_seconds=0.8)
    headers = dict(client.headers)

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=sandbox.api_url, headers=headers,
                                     timeout=10) as async_client:
            return list(await asyncio.gather(*(async_client.get("/Widgets") for _ in range(6))))

    replies = asyncio.run(burst())
    refused = [r for r in replies if r.status_code == 429]

    assert sorted(r.status_code for r in replies) == [200] * 5 + [429]
    assert refused[0].headers["x-rate-limit-problem"] == "concurrent"
    assert int(refused[0].headers["retry-after"]) >= 1


def test_limit_headers_on_every_reply_count_down(widgets_sandbox):
    _, client = widgets_sandbox()
    with client:
        ok = client.get("/Widgets")
        error = client.put("/Widgets", json={"Widgets": [{"Name": "bad"}]})
        ok_again = client.get("/Widgets")

    minute = [int(r.headers["x-minlimit-remaining"]) for r in (ok, error, ok_again)]
    day = [int(r.headers["x-daylimit-remaining"]) for r in (ok, error, ok_again)]
    app = [int(r.headers["x-appminlimit-remaining"]) for r in (ok, error, ok_again)]
    assert error.status_code == 400
    assert minute == [59, 58, 57]
    assert day == [4999, 4998, 4997]
    assert app[0] > app[1] > app[2]


def test_429_carries_the_limit_headers_too(widgets_sandbox):
    _, client = widgets_sandbox(rate_limits=RateLimitConfig(per_minute=1), clock_scale=1)
    with client:
        client.get("/Widgets")
        refused = client.get("/Widgets")

    assert refused.status_code == 429
    assert refused.headers["x-minlimit-remaining"] == "0"
    assert refused.headers["x-daylimit-remaining"] == "4999"  # the refused call did not count
