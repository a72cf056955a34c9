"""A demo CRM, the sandbox, and a Xero client wired to both, for invoice push tests.

The client gets short backoffs (and a minute matched to the sandbox's scaled clock) so fault
tests run in seconds; everything else is the production client.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.engine import Engine

from resources.crm.db import session_factory
from resources.crm.demo_data import generate
from resources.xero.api import XeroApi
from resources.xero.settings import XeroSettings
from resources.xero.token_store import DbTokenProvider, TokenCipher
from tests.conftest import CrmXero
from xero_sandbox.pytest_plugin import TEST_CLOCK_SCALE
from xero_sandbox.testing import SandboxHandle


@dataclass
class PushEnv:
    engine: Engine
    api: XeroApi
    sandbox: SandboxHandle
    tenant_id: str
    crm_xero: CrmXero


def make_api(crm_xero: CrmXero, **overrides: object) -> XeroApi:
    sandbox = crm_xero.sandbox
    settings = XeroSettings(
        client_id=sandbox.config.client_id, client_secret=sandbox.config.client_secret,
        api_base_url=sandbox.base_url, identity_base_url=sandbox.base_url, timeout_seconds=10,
    )
    tokens = DbTokenProvider(crm_xero.engine, settings, TokenCipher(crm_xero.token_key))
    options = {"minute_seconds": 60 / TEST_CLOCK_SCALE, "backoff_max": 0.05, "max_attempts": 4, **overrides}
    return XeroApi(settings, tokens, **options)  # type: ignore[arg-type]


@pytest.fixture
def push_env(crm_xero: CrmXero) -> Iterator[PushEnv]:
    """An empty migrated CRM (fill it with ``fill_demo``) and a client on the sandbox."""
    api = make_api(crm_xero)
    yield PushEnv(crm_xero.engine, api, crm_xero.sandbox, crm_xero.sandbox.tenant_id, crm_xero)
    api.close()


def fill_demo(engine: Engine, companies: int = 10, seed: int = 42) -> None:
    with session_factory(engine)() as session:
        generate(session, companies=companies, seed=seed)
        session.commit()


@pytest.fixture
def demo_env(push_env: PushEnv) -> PushEnv:
    """The push environment with a ten-company demo CRM."""
    fill_demo(push_env.engine)
    return push_env
