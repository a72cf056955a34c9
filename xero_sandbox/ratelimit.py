"""Xero's rate limits, on the sandbox's scaled clock.

Per app and tenant (Xero counts per connection): 5 calls in flight, 60 per minute, 5000 per
day; per app: 10,000 per minute across all tenants.

Decisions:

- Minute and day are **rolling** windows (a log of call times): Xero describes the minute
  limit as "60 calls per minute" and older docs a rolling 24 h, and a rolling window is the
  stricter reading for a client to cope with. ``Retry-After`` is then exact: the moment the
  oldest call in the window leaves it.
- Windows run on ``Clock.sandbox_seconds`` (scaled, plus any admin ``advance``), so with
  ``clock_scale=60`` a minute lasts one real second. ``Retry-After`` is given in **real**
  seconds, rounded up, at least 1, because that is what a client sleeps.
- A rejected call (429) is not counted. Checks run day, minute, app-minute, concurrent, so
  a caller told ``minute`` knows the day still has room.
- ``X-Rate-Limit-Problem`` values: ``day``, ``minute`` (both seen from Xero), ``appminute``
  and ``concurrent`` (Xero's spellings for these two are not documented).
- Counts live in memory: a restarted sandbox starts with full allowances.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass, field

from .clock import Clock
from .config import RateLimitConfig

MINUTE = 60.0
DAY = 86400.0


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    headers: dict[str, str]
    problem: str | None = None  # minute / day / appminute / concurrent when refused
    retry_after: int = 0  # real seconds, when refused


@dataclass
class _Window:
    times: deque[float] = field(default_factory=deque)

    def prune(self, now: float, span: float) -> None:
        while self.times and self.times[0] <= now - span:
            self.times.popleft()

    def wait(self, now: float, span: float) -> float:
        """Sandbox seconds until one more call fits (the oldest call leaves the window)."""
        return max(0.0, self.times[0] + span - now) if self.times else 0.0


class RateLimiter:
    """Pure in-memory limiter; ``acquire`` and ``release`` bracket one accounting call."""

    def __init__(self, limits: RateLimitConfig, clock: Clock) -> None:
        self.limits = limits
        self.clock = clock
        self._lock = threading.Lock()
        self._minute: dict[tuple[str, str], _Window] = {}
        self._day: dict[tuple[str, str], _Window] = {}
        self._app: dict[str, _Window] = {}
        self._in_flight: dict[tuple[str, str], int] = {}

    def reset(self) -> None:
        with self._lock:
            self._minute.clear()
            self._day.clear()
            self._app.clear()
            # In-flight calls are real requests still running; they release themselves.

    def _windows(self, app: str, tenant: str, now: float) -> tuple[_Window, _Window, _Window]:
        key = (app, tenant)
        minute = self._minute.setdefault(key, _Window())
        day = self._day.setdefault(key, _Window())
        app_window = self._app.setdefault(app, _Window())
        minute.prune(now, MINUTE)
        day.prune(now, DAY)
        app_window.prune(now, MINUTE)
        return minute, day, app_window

    def _headers(self, minute: _Window, day: _Window, app_window: _Window) -> dict[str, str]:
        return {
            "X-MinLimit-Remaining": str(max(0, self.limits.per_minute - len(minute.times))),
            "X-DayLimit-Remaining": str(max(0, self.limits.per_day - len(day.times))),
            "X-AppMinLimit-Remaining": str(
                max(0, self.limits.app_per_minute - len(app_window.times))),
        }

    def _real(self, sandbox_seconds: float) -> int:
        return max(1, math.ceil(self.clock.real_seconds(sandbox_seconds) - 1e-9))

    def acquire(self, app: str, tenant: str) -> RateDecision:
        """Admit one call (count it, take an in-flight slot) or refuse it with a 429 decision."""
        with self._lock:
            now = self.clock.sandbox_seconds()
            minute, day, app_window = self._windows(app, tenant, now)
            in_flight = self._in_flight.get((app, tenant), 0)
            problem: str | None = None
            wait = 0.0
            if len(day.times) >= self.limits.per_day:
                problem, wait = "day", day.wait(now, DAY)
            elif len(minute.times) >= self.limits.per_minute:
                problem, wait = "minute", minute.wait(now, MINUTE)
            elif len(app_window.times) >= self.limits.app_per_minute:
                problem, wait = "appminute", app_window.wait(now, MINUTE)
            elif in_flight >= self.limits.concurrent:
                problem = "concurrent"
            if problem is not None:
                return RateDecision(False, self._headers(minute, day, app_window), problem,
                                    self._real(wait))
            for window in (minute, day, app_window):
                window.times.append(now)
            self._in_flight[(app, tenant)] = in_flight + 1
            return RateDecision(True, self._headers(minute, day, app_window))

    def release(self, app: str, tenant: str) -> None:
        with self._lock:
            left = self._in_flight.get((app, tenant), 0) - 1
            if left > 0:
                self._in_flight[(app, tenant)] = left
            else:
                self._in_flight.pop((app, tenant), None)

    def headers(self, app: str, tenant: str) -> dict[str, str]:
        """The three remaining-allowance headers without counting a call."""
        with self._lock:
            now = self.clock.sandbox_seconds()
            return self._headers(*self._windows(app, tenant, now))

    def acquire_app(self, app: str) -> RateDecision:
        """Tenant-less calls (/connections): only the app-wide minute applies and is reported."""
        with self._lock:
            now = self.clock.sandbox_seconds()
            window = self._app.setdefault(app, _Window())
            window.prune(now, MINUTE)
            if len(window.times) >= self.limits.app_per_minute:
                left = {"X-AppMinLimit-Remaining": "0"}
                return RateDecision(False, left, "appminute", self._real(window.wait(now, MINUTE)))
            window.times.append(now)
            left = {"X-AppMinLimit-Remaining":
                    str(max(0, self.limits.app_per_minute - len(window.times)))}
            return RateDecision(True, left)

    def snapshot(self) -> dict[str, dict[str, int]]:
        """Calls in the current windows per ``app/tenant``, for the admin counters report."""
        with self._lock:
            now = self.clock.sandbox_seconds()
            report: dict[str, dict[str, int]] = {}
            for (app, tenant) in list(self._minute):
                minute, day, _ = self._windows(app, tenant, now)
                report[f"{app}/{tenant}"] = {
                    "minute": len(minute.times), "day": len(day.times),
                    "in_flight": self._in_flight.get((app, tenant), 0),
                }
            return report
