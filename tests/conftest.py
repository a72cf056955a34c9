"""Fixtures shared by the whole suite. Area-specific fixtures live in each folder's conftest."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest

from tests.sandbox.spec import validate_response

pytest_plugins = ["xero_sandbox.pytest_plugin"]
FAKE_ROUTE_PREFIXES = ("/api.xro/2.0/widgets", "/api.xro/2.0/crash")


@pytest.fixture
def sandbox_response_observer() -> Iterator[object]:
    """Every 200 reply any sandbox gives during a test is validated against Xero's official
    OpenAPI spec when the test ends, so the whole suite, not only the sandbox's own tests,
    proves the sandbox speaks Xero's JSON."""
    replies: list[tuple[str, str, int, bytes]] = []
    lock = threading.Lock()

    def observe(method: str, target: str, status: int, body: bytes) -> None:
        with lock:
            replies.append((method, target, status, body))

    yield observe
    for method, target, status, body in replies:
        # Routes that only the shell's own tests mount (Widgets, Crash) are not Xero's.
        if status == 200 and body and not target.lower().startswith(FAKE_ROUTE_PREFIXES):
            validate_response(method, target, status, json.loads(body))
