"""The main job launched the way an admin launches it: `dagster dev` up, the job submitted over
GraphQL, the run executed by Dagster's own daemon and run worker against a sandbox on a socket.

Nothing here runs Dagster in-process: the definitions are loaded from workspace.yaml by the
code server, resources are bound from environment variables, and the run happens in a worker
process. What the run wrote is then read back from the CRM database and the sandbox counters.
"""

from __future__ import annotations

import math
import time
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from dagster import DagsterRunStatus
from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError
from sqlalchemy import select

from resources.crm.db import make_engine, upgrade_head
from resources.crm.models import SyncState, XeroContactSnapshot
from resources.xero.connect import connect_client_credentials
from resources.xero.contacts_extract import cursor_name
from resources.xero.settings import XeroSettings
from resources.xero.token_store import TokenCipher
from xero_sandbox.pytest_plugin import TEST_CLOCK_SCALE
from xero_sandbox.testing import SandboxHandle

from .conftest import DagsterDevFactory, prepare_dagster_home

CONTACTS = 1500
PAGE = 1000  # the extract's page size (Xero's maximum)
RUN_TIMEOUT = 120.0
SUBMIT_TIMEOUT = 30.0
TERMINAL = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}

pytestmark = [
    pytest.mark.e2e,
    # dagster_graphql's client still calls gql's older execute() signature; not ours to fix.
    pytest.mark.filterwarnings("ignore:Using variable_values and operation_name:DeprecationWarning"),
]


def submit(client: DagsterGraphQLClient, job_name: str) -> str:
    """Submit, retrying only while the code location is still loading.

    /server_info answers as soon as the webserver is up, which can be a moment before the code
    server has loaded the definitions; a submit then fails and launches nothing, so a retry
    cannot start the job twice.
    """
    deadline = time.monotonic() + SUBMIT_TIMEOUT
    while True:
        try:
            return client.submit_job_execution(job_name)
        except DagsterGraphQLClientError as exc:
            loading = exc.args and exc.args[0] in {"JobNotFoundError", "RepositoryLocationNotFound",
                                                  "RepositoryLocationLoadFailure"}
            if not loading or time.monotonic() > deadline:
                raise
            time.sleep(1)


def wait_for_run(client: DagsterGraphQLClient, run_id: str, timeout: float = RUN_TIMEOUT) -> DagsterRunStatus:
    deadline = time.monotonic() + timeout
    status = client.get_run_status(run_id)
    while status not in TERMINAL and time.monotonic() < deadline:
        time.sleep(1)
        status = client.get_run_status(run_id)
    return status


def test_extract_xero_contacts_through_dagster_dev(sandbox: SandboxHandle, dagster_dev_factory: DagsterDevFactory,
                                                   tmp_path: Path):
    # Recorded in the past, as contacts that already existed in Xero would be.
    contacts = [
        {"ContactID": str(uuid.uuid4()), "Name": f"E2E Client {i:04d}",
         "UpdatedDateUTC": f"/Date({1700000000000 + i * 60000}+0000)/"}
        for i in range(CONTACTS)
    ]
    assert sandbox.load_fixture("Contacts", contacts) == CONTACTS

    crm_url = f"sqlite:///{(tmp_path / 'crm.sqlite').resolve()}"
    upgrade_head(crm_url)
    engine = make_engine(crm_url)
    token_key = Fernet.generate_key().decode()
    settings = XeroSettings(client_id=sandbox.config.client_id, client_secret=sandbox.config.client_secret,
                            api_base_url=sandbox.base_url, identity_base_url=sandbox.base_url)
    connect_client_credentials(settings, engine, TokenCipher(token_key))

    env = {
        "DAGSTER_HOME": str(prepare_dagster_home(tmp_path / "dagster_home")),
        "DAGSTER_DISABLE_TELEMETRY": "1",
        "CRM_DATABASE_URL": crm_url,
        "XERO_CLIENT_ID": sandbox.config.client_id,
        "XERO_CLIENT_SECRET": sandbox.config.client_secret,
        "XERO_TOKEN_KEY": token_key,
        "XERO_API_BASE_URL": sandbox.base_url,
        "XERO_IDENTITY_BASE_URL": sandbox.base_url,
        # The sandbox's rate-limit minute is scaled; the client's throttle must match it.
        "XERO_MINUTE_SECONDS": str(60 / TEST_CLOCK_SCALE),
    }
    server = dagster_dev_factory(env, tmp_path)
    server.wait_until_ready()

    client = DagsterGraphQLClient("127.0.0.1", port_number=server.port)
    run_id = submit(client, "extract_xero_contacts")
    status = wait_for_run(client, run_id)
    assert status == DagsterRunStatus.SUCCESS, f"run {run_id} ended {status}\n{server.log_tail()}"

    expected = {c["ContactID"] for c in sandbox.state.query_objects(sandbox.tenant_id, "Contacts")}
    assert len(expected) == CONTACTS
    snapshot = XeroContactSnapshot.__table__
    with engine.connect() as db:
        stored = db.execute(
            select(snapshot.c.contact_id).where(snapshot.c.tenant_id == sandbox.tenant_id)
        ).scalars().all()
        cursor = db.execute(select(SyncState.cursor).where(SyncState.name == cursor_name(sandbox.tenant_id))).scalar()
    engine.dispose()
    assert len(stored) == CONTACTS
    assert set(stored) == expected
    assert cursor, "the extract did not record its If-Modified-Since cursor"
    assert sandbox.request_count("/Contacts", "GET") == math.ceil(CONTACTS / PAGE)
