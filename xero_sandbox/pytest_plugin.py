"""Pytest fixtures for a real sandbox server (enabled by ``pytest_plugins`` in tests/conftest.py).

- ``sandbox``: a fresh sandbox per test, on a free loopback port, with its own temporary
  SQLite state file and the default config except ``clock_scale=TEST_CLOCK_SCALE``.
- ``sandbox_factory``: ``sandbox_factory(config=None, *, routes=None, state_path=None,
  **overrides)`` starts one with a custom config (``overrides`` are SandboxConfig fields,
  applied with dataclasses.replace); every sandbox started is stopped at teardown.
  Passing the same ``state_path`` twice, one after the other, simulates a restart.

Why clock_scale 600: one rate-limit minute then lasts 0.1 s, so the 60-a-minute limit
almost never gets in the way of a test that is not about it, while the concurrent limit
(5 in flight) still holds. Token lifetimes and idempotency windows are not scaled; tests
move them with ``handle.advance(seconds)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from .api import Route
from .config import SandboxConfig
from .testing import ResponseObserver, SandboxHandle, run_sandbox

TEST_CLOCK_SCALE = 600.0

SandboxFactory = Callable[..., SandboxHandle]


@pytest.fixture
def sandbox_response_observer() -> ResponseObserver | None:
    """Override in a conftest to see every accounting reply (e.g. to validate it)."""
    return None


@pytest.fixture
def sandbox_factory(tmp_path_factory: pytest.TempPathFactory,
                    sandbox_response_observer: ResponseObserver | None) -> Iterator[SandboxFactory]:
    with ExitStack() as stack:
        def start(config: SandboxConfig | None = None, *, routes: Sequence[Route] | None = None,
                  state_path: str | Path | None = None, **overrides: Any) -> SandboxHandle:
            chosen = config or SandboxConfig(clock_scale=TEST_CLOCK_SCALE)
            if overrides:
                chosen = dataclasses.replace(chosen, **overrides)
            path = state_path or tmp_path_factory.mktemp("sandbox") / "state.sqlite"
            return stack.enter_context(
                run_sandbox(chosen, path, routes=routes, observer=sandbox_response_observer)
            )

        yield start


@pytest.fixture
def sandbox(sandbox_factory: SandboxFactory) -> SandboxHandle:
    return sandbox_factory()
