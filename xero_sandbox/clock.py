"""The sandbox clock, with a scale so a rate-limit minute can last a second in tests and benchmarks.

Only rate-limit windows are scaled. Token lifetimes and document timestamps (UpdatedDateUTC)
stay on wall time, because a client computes token expiry from ``expires_in`` in real seconds;
tests move wall time with ``advance`` (the admin endpoint) instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass
class Clock:
    scale: float = 1.0  # 60.0 means one sandbox minute lasts one real second
    offset_seconds: float = 0.0  # admin "advance time", for token-expiry and grace tests
    _monotonic_start: float = field(default_factory=time.monotonic)

    def now(self) -> datetime:
        """Wall time (plus any admin offset) for document timestamps."""
        return datetime.fromtimestamp(time.time() + self.offset_seconds, tz=UTC)

    def sandbox_seconds(self) -> float:
        """Seconds on the scaled clock, for rate-limit windows."""
        return (time.monotonic() - self._monotonic_start) * self.scale + self.offset_seconds

    def real_seconds(self, sandbox_seconds: float) -> float:
        """How long a span of sandbox seconds lasts in real seconds (for Retry-After)."""
        return sandbox_seconds / self.scale

    def advance(self, seconds: float) -> None:
        self.offset_seconds += seconds
