"""Client-side rate limiting per tenant, so Xero's limits are respected by construction.

Xero allows 5 calls in flight and 60 a minute per tenant (and 5,000 a day). We never exceed
the first two on our side: a semaphore caps concurrency and a sliding window caps the minute.
The X-MinLimit-Remaining header then corrects for calls made by other processes sharing the
tenant (another Dagster run): when Xero says 0 are left, we wait for the window to roll over.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class TenantThrottle:
    max_in_flight: int = 5
    per_minute: int = 60
    minute_seconds: float = 60.0  # shortened in tests and benchmarks against a scaled sandbox
    # Our window is a little longer than Xero's: a call released the instant our oldest call
    # leaves the window can otherwise reach Xero a hair early and earn a 429 (measured in
    # bench/invoice_push.py: 2% margin took 429s to zero without lowering throughput).
    margin: float = 0.02
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    _slots: threading.BoundedSemaphore = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _starts: deque[float] = field(default_factory=deque, init=False)
    _blocked_until: float = field(default=0.0, init=False)
    waited_seconds: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(self.max_in_flight)

    @contextmanager
    def call(self) -> Iterator[None]:
        """Hold one in-flight slot and one place in the minute window for the duration of a call."""
        with self._slots:
            self._take_minute_slot()
            yield

    @property
    def window(self) -> float:
        return self.minute_seconds * (1 + self.margin)

    def _take_minute_slot(self) -> None:
        while True:
            with self._lock:
                now = self.monotonic()
                while self._starts and now - self._starts[0] >= self.window:
                    self._starts.popleft()
                wait = max(0.0, self._blocked_until - now)
                if not wait and len(self._starts) < self.per_minute:
                    self._starts.append(now)
                    return
                if not wait:
                    wait = self.window - (now - self._starts[0])
            self.waited_seconds += wait
            self.sleep(wait)

    def observe(self, minute_remaining: int | None) -> None:
        """Xero's own count: at 0 left, hold new calls until our oldest call leaves the window."""
        if minute_remaining is None or minute_remaining > 0:
            return
        with self._lock:
            oldest = self._starts[0] if self._starts else self.monotonic()
            self._blocked_until = max(self._blocked_until, oldest + self.window)

    def block_for(self, seconds: float) -> None:
        """After a 429 with Retry-After: nobody on this tenant calls until it has passed."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self.monotonic() + seconds)
