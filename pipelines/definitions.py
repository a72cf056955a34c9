"""The one Dagster entry point (workspace.yaml loads it): assets, jobs and resources.

Settings come from the environment through EnvVar, resolved when a run starts, so loading the
definitions needs neither secrets nor a network. The two base URLs default to Xero's real
addresses; the demo and the tests point them at the local sandbox.
"""

import os

from dagster import Definitions, EnvVar

from assets.xero_contacts import xero_contacts
from pipelines.jobs import extract_xero_contacts
from resources.crm.db import DEFAULT_SQLITE_PATH
from resources.crm_resource import CrmDatabase
from resources.xero.settings import XERO_API_BASE_URL, XERO_IDENTITY_BASE_URL
from resources.xero_resource import XeroResource


def _env_or(name: str, default: str) -> EnvVar | str:
    # EnvVar has no default (dagster#16232): bind the variable when it is set, the default otherwise.
    return EnvVar(name) if os.environ.get(name) else default


def build_resources() -> dict[str, object]:
    crm = CrmDatabase(url=_env_or("CRM_DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE_PATH}"))
    xero = XeroResource(
        client_id=EnvVar("XERO_CLIENT_ID"),
        client_secret=_env_or("XERO_CLIENT_SECRET", ""),
        token_key=EnvVar("XERO_TOKEN_KEY"),
        api_base_url=_env_or("XERO_API_BASE_URL", XERO_API_BASE_URL),
        identity_base_url=_env_or("XERO_IDENTITY_BASE_URL", XERO_IDENTITY_BASE_URL),
        minute_seconds=float(os.environ.get("XERO_MINUTE_SECONDS", "60")),
        crm=crm,
    )
    return {"crm": crm, "xero": xero}


defs = Definitions(
    assets=[xero_contacts],
    asset_checks=[],
    jobs=[extract_xero_contacts],
    resources=build_resources(),
)
