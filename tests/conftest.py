"""Fixtures shared by the whole suite. Area-specific fixtures live in each folder's conftest."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.sandbox.spec import validate_response
from xero_sandbox.testing import SandboxHandle

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


@dataclass
class CrmXero:
    """A migrated SQLite CRM, a sandbox, a stored custom connection, and the Dagster resources
    that reach them: what a job test needs to run a real job against real parts."""

    url: str
    engine: Engine
    sandbox: SandboxHandle
    token_key: str
    resources: dict[str, object]


@pytest.fixture
def crm_xero(sandbox: SandboxHandle, tmp_path: Path) -> Iterator[CrmXero]:
    from cryptography.fernet import Fernet

    from resources.crm.db import make_engine, upgrade_head
    from resources.crm_resource import CrmDatabase
    from resources.xero.connect import connect_client_credentials
    from resources.xero.settings import XeroSettings
    from resources.xero.token_store import TokenCipher
    from resources.xero_resource import XeroResource
    from xero_sandbox.pytest_plugin import TEST_CLOCK_SCALE

    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    upgrade_head(url)
    engine = make_engine(url)
    key = Fernet.generate_key().decode()
    settings = XeroSettings(
        client_id=sandbox.config.client_id, client_secret=sandbox.config.client_secret,
        api_base_url=sandbox.base_url, identity_base_url=sandbox.base_url, timeout_seconds=10,
    )
    connect_client_credentials(settings, engine, TokenCipher(key))
    crm = CrmDatabase(url=url)
    xero = XeroResource(
        client_id=settings.client_id, client_secret=settings.client_secret, token_key=key,
        api_base_url=sandbox.base_url, identity_base_url=sandbox.base_url,
        minute_seconds=60 / TEST_CLOCK_SCALE, crm=crm,
    )
    yield CrmXero(url, engine, sandbox, key, {"crm": crm, "xero": xero})
    engine.dispose()
