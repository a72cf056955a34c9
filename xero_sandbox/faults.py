"""Injected faults for accounting requests: 429/500/503, slow replies, replies lost after commit.

Two forms, usable together:

- **Rates** (share of requests, 0..1) drawn from ``random.Random(seed)``. Every accounting
  request takes exactly three draws (status, slowness, drop) whatever its outcome, so a
  given seed and a given sequence of requests give the same faults on every run.
- **Scripted** faults for tests: ``fail_next`` rules ("the next N requests [matching method
  and path prefix] fail with status S") and ``drop_after_commit_next`` ("the next N
  successful writes are committed, then the connection drops"). Scripted faults win over
  rates.

Decisions:

- Injected 429 behaves like the real limiter's reply (``X-Rate-Limit-Problem``,
  ``Retry-After``) and, like it, does not count as a call. Injected 500/503 do count: the
  request reached the API.
- A drop applies only to a write whose handler ran and answered 2xx (the write really is
  committed); an idempotent replay is never dropped, so a client's retry can see the reply.
- ``slow_seconds`` is real time (it exists to exercise client timeouts), not sandbox time.
- ``drop_token_response_next``: the next N successful /connect/token replies are lost after
  the tokens were issued, to exercise the refresh grace period ("response lost, retry with
  the old refresh token").
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any

RATE_PROBLEMS = ("minute", "day", "concurrent", "appminute")


@dataclass
class FailNext:
    """The next ``count`` matching accounting requests fail with ``status``."""

    count: int
    status: int = 503
    methods: tuple[str, ...] | None = None  # e.g. ("PUT", "POST"); None: any method
    path: str | None = None  # prefix of the route template, e.g. "/Invoices"; None: any
    problem: str = "minute"  # X-Rate-Limit-Problem when status is 429
    retry_after: int = 1  # Retry-After (real seconds) when status is 429

    def matches(self, method: str, path: str) -> bool:
        if self.count <= 0:
            return False
        if self.methods is not None and method.upper() not in self.methods:
            return False
        return self.path is None or path.lower().startswith(self.path.lower())


@dataclass
class FaultConfig:
    seed: int = 0
    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_503: float = 0.0
    retry_after_429: int = 1
    slow_rate: float = 0.0
    slow_seconds: float = 0.0
    drop_after_commit_rate: float = 0.0
    drop_after_commit_next: int = 0
    drop_token_response_next: int = 0
    fail_next: list[FailNext] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in ("rate_429", "rate_500", "rate_503", "slow_rate", "drop_after_commit_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.rate_429 + self.rate_500 + self.rate_503 > 1.0:
            raise ValueError("rate_429 + rate_500 + rate_503 must not exceed 1")
        for rule in self.fail_next:
            if not 400 <= rule.status <= 599:
                raise ValueError(f"fail_next status must be 4xx or 5xx, got {rule.status}")
            if rule.status == 429 and rule.problem not in RATE_PROBLEMS:
                raise ValueError(f"fail_next problem must be one of {RATE_PROBLEMS}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultConfig:
        """Build from JSON (admin endpoint); unknown keys are an error, not silently ignored."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}; known: {sorted(known)}")
        values = dict(data)
        rules = []
        for raw in values.pop("fail_next", None) or []:
            rule = dict(raw)
            if rule.get("methods") is not None:
                rule["methods"] = tuple(m.upper() for m in rule["methods"])
            rules.append(FailNext(**rule))
        return cls(**values, fail_next=rules)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for rule in data["fail_next"]:
            if rule["methods"] is not None:
                rule["methods"] = list(rule["methods"])
        return data


@dataclass(frozen=True)
class FaultDecision:
    status: int | None = None  # answer with this error instead of running the request
    problem: str = "minute"
    retry_after: int = 1
    delay: float = 0.0  # real seconds to wait before answering
    drop_if_committed: bool = False


class FaultInjector:
    """Thread-safe fault decisions from a FaultConfig; ``configure`` replaces it at runtime."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(config or FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        with self._lock:
            # A private copy: scripted counters are consumed here, the caller's config stays as given.
            self._config = FaultConfig.from_dict(config.to_dict())
            self._rng = random.Random(config.seed)

    @property
    def config(self) -> FaultConfig:
        with self._lock:
            return FaultConfig.from_dict(self._config.to_dict())

    def decide(self, method: str, path_template: str) -> FaultDecision:
        """The fault (if any) for one accounting request, consuming three random draws."""
        with self._lock:
            cfg = self._config
            status_draw, slow_draw, drop_draw = (self._rng.random() for _ in range(3))
            delay = cfg.slow_seconds if slow_draw < cfg.slow_rate else 0.0
            drop = drop_draw < cfg.drop_after_commit_rate
            for rule in cfg.fail_next:
                if rule.matches(method, path_template):
                    rule.count -= 1
                    return FaultDecision(rule.status, rule.problem, rule.retry_after, delay, drop)
            status: int | None = None
            if status_draw < cfg.rate_429:
                status = 429
            elif status_draw < cfg.rate_429 + cfg.rate_500:
                status = 500
            elif status_draw < cfg.rate_429 + cfg.rate_500 + cfg.rate_503:
                status = 503
            return FaultDecision(status, "minute", cfg.retry_after_429, delay, drop)

    def take_drop(self, decision: FaultDecision) -> bool:
        """Called once a write committed with a 2xx: should its reply be lost?"""
        with self._lock:
            if self._config.drop_after_commit_next > 0:
                self._config.drop_after_commit_next -= 1
                return True
            return decision.drop_if_committed

    def take_token_drop(self) -> bool:
        with self._lock:
            if self._config.drop_token_response_next > 0:
                self._config.drop_token_response_next -= 1
                return True
            return False
