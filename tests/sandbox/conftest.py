"""Fixtures for the sandbox tests.

``acct``: the accounting handlers called directly (no HTTP), on a fresh in-memory state with
one seeded tenant. Every 200 reply is checked against Xero's OpenAPI spec before the test
sees it (tests/sandbox/spec.py), so shape drift fails the test that produced it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sandbox.acct_client import ACCT_TENANT, AccountingClient
from xero_sandbox.accounting import seed_tenant
from xero_sandbox.clock import Clock
from xero_sandbox.state import SandboxState


@pytest.fixture
def acct() -> Iterator[AccountingClient]:
    state = SandboxState(":memory:")
    clock = Clock()
    state.add_tenant(ACCT_TENANT, "Acct Demo Company (UK)", clock.now().isoformat())
    seed_tenant(state, ACCT_TENANT, clock)
    try:
        yield AccountingClient(state=state, clock=clock)
    finally:
        state.close()
