"""A migrated SQLite CRM plus a sandbox, wired to the real Xero client, for client tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine

from resources.crm.db import make_engine, upgrade_head
from resources.xero.api import XeroApi
from resources.xero.connect import connect_client_credentials
from resources.xero.settings import XeroSettings
from resources.xero.token_store import DbTokenProvider, TokenCipher
from xero_sandbox.pytest_plugin import TEST_CLOCK_SCALE
from xero_sandbox.testing import SandboxHandle


@pytest.fixture
def crm_engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    upgrade_head(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def cipher() -> TokenCipher:
    return TokenCipher(Fernet.generate_key())


def settings_for(sandbox: SandboxHandle) -> XeroSettings:
    return XeroSettings(
        client_id=sandbox.config.client_id, client_secret=sandbox.config.client_secret,
        api_base_url=sandbox.base_url, identity_base_url=sandbox.base_url, timeout_seconds=10,
    )


def make_api(sandbox: SandboxHandle, engine: Engine, cipher: TokenCipher, **kwargs: object) -> XeroApi:
    settings = settings_for(sandbox)
    tokens = DbTokenProvider(engine, settings, cipher)
    options = {"minute_seconds": 60 / TEST_CLOCK_SCALE, "backoff_max": 0.2, **kwargs}
    return XeroApi(settings, tokens, **options)  # type: ignore[arg-type]


@pytest.fixture
def connected(sandbox: SandboxHandle, crm_engine: Engine, cipher: TokenCipher) -> Iterator[XeroApi]:
    """A custom connection (client_credentials) stored in the CRM, and a client using it."""
    connect_client_credentials(settings_for(sandbox), crm_engine, cipher)
    api = make_api(sandbox, crm_engine, cipher)
    yield api
    api.close()
