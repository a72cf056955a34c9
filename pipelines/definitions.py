"""The one Dagster entry point (workspace.yaml loads it): assets, jobs and resources.

Settings come from the environment through EnvVar, resolved when a run starts, so loading the
definitions needs neither secrets nor a network. The two base URLs default to Xero's real
addresses; the demo and the tests point them at the local sandbox.
"""

import os
import warnings

from dagster import Definitions, EnvVar

from pipelines import balance_refresh, client_data, contacts, invoice_push
from resources.crm.db import DEFAULT_SQLITE_PATH
from resources.crm_resource import CrmDatabase
from resources.xero.settings import XERO_API_BASE_URL, XERO_IDENTITY_BASE_URL
from resources.xero_resource import XeroResource

# Dagster's own run_status_sensor passes its beta `owners` parameter to SensorDefinition and
# warns about itself; nothing in this project sets owners.
warnings.filterwarnings("ignore", message="Parameter `owners` of initializer `SensorDefinition")


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


# Each flow keeps its own wiring module, so the flows grow without touching each other.
AREAS = [contacts, client_data, invoice_push, balance_refresh]

defs = Definitions(
    assets=[a for area in AREAS for a in area.ASSETS],
    asset_checks=[c for area in AREAS for c in area.ASSET_CHECKS],
    jobs=[j for area in AREAS for j in area.JOBS],
    schedules=[s for area in AREAS for s in area.SCHEDULES],
    sensors=[s for area in AREAS for s in area.SENSORS],
    resources=build_resources(),
)
