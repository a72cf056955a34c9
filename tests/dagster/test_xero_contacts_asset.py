"""xero_contacts materialised by Dagster with the real resources against the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from dagster import DagsterInstance, RunConfig, materialize

from assets.xero_contacts import XeroContactsConfig, xero_contacts
from resources.crm.db import make_engine, upgrade_head
from resources.crm_resource import CrmDatabase
from resources.xero.connect import connect_client_credentials
from resources.xero.token_store import TokenCipher
from resources.xero_resource import XeroResource
from tests.xero_client.conftest import settings_for
from xero_sandbox.pytest_plugin import TEST_CLOCK_SCALE
from xero_sandbox.testing import SandboxHandle


@pytest.fixture
def resources(sandbox: SandboxHandle, tmp_path: Path) -> dict[str, object]:
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    upgrade_head(url)
    key = Fernet.generate_key().decode()
    connect_client_credentials(settings_for(sandbox), make_engine(url), TokenCipher(key))
    crm = CrmDatabase(url=url)
    xero = XeroResource(
        client_id=sandbox.config.client_id, client_secret=sandbox.config.client_secret, token_key=key,
        api_base_url=sandbox.base_url, identity_base_url=sandbox.base_url,
        minute_seconds=60 / TEST_CLOCK_SCALE, crm=crm,
    )
    return {"crm": crm, "xero": xero}


def test_materialises_contacts_with_metadata_and_passing_checks(sandbox: SandboxHandle, resources):
    sandbox.load_fixture("Contacts", [{"Name": f"Client {i}"} for i in range(25)])
    with DagsterInstance.ephemeral() as instance:
        result = materialize([xero_contacts], resources=resources, instance=instance)
        assert result.success
        frame = result.output_for_node("xero_contacts")
        assert len(frame) == 25
        metadata = result.get_asset_materialization_events()[0].materialization.metadata
        assert metadata["row_count"].value == 25
        assert metadata["mode"].value == "full"
        assert "Client 0" in metadata["preview"].value
        checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
        assert checks == {"no_duplicate_contact_id": True, "every_contact_has_a_name": True}

        sandbox.load_fixture("Contacts", [{"Name": "Client Late"}])
        again = materialize([xero_contacts], resources=resources, instance=instance)
        metadata = again.get_asset_materialization_events()[0].materialization.metadata
        assert metadata["mode"].value == "incremental"
        assert metadata["row_count"].value == 26


def test_unnamed_contact_fails_the_name_check(sandbox: SandboxHandle, resources):
    sandbox.load_fixture("Contacts", [{"Name": "Named"}, {"Name": "  "}])
    result = materialize([xero_contacts], resources=resources,
                         run_config=RunConfig({"xero_contacts": XeroContactsConfig(full_refresh=True)}))
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["every_contact_has_a_name"] is False
    assert checks["no_duplicate_contact_id"] is True


def test_missing_connection_fails_before_any_xero_call(sandbox: SandboxHandle, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    upgrade_head(url)
    crm = CrmDatabase(url=url)
    xero = XeroResource(client_id="x", token_key=Fernet.generate_key().decode(),
                        api_base_url=sandbox.base_url, identity_base_url=sandbox.base_url, crm=crm)
    result = materialize([xero_contacts], resources={"crm": crm, "xero": xero}, raise_on_error=False)
    assert not result.success
    assert sandbox.request_count("/Contacts") == 0
