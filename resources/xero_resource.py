"""Xero as a Dagster resource: settings from EnvVar, tokens from the CRM database.

The token set is deliberately not a resource field: resource config is immutable for a run
and visible in the UI, while Xero rotates refresh tokens and they must stay secret. The
resource holds only where to connect and the key that opens the stored, encrypted token set.
"""

from dagster import ConfigurableResource, InitResourceContext, ResourceDependency
from pydantic import PrivateAttr

from resources.crm_resource import CrmDatabase
from resources.xero.api import XeroApi
from resources.xero.errors import XeroNotConnectedError
from resources.xero.settings import XERO_API_BASE_URL, XERO_IDENTITY_BASE_URL, XeroSettings
from resources.xero.token_store import (
    DEFAULT_CONNECTION,
    ConnectionInfo,
    DbTokenProvider,
    TokenCipher,
    read_connection,
    staleness_warning,
)


class XeroResource(ConfigurableResource):
    """Xero Accounting API client (rate-limited, retried, idempotent writes) for one connection."""

    client_id: str
    client_secret: str = ""
    token_key: str
    api_base_url: str = XERO_API_BASE_URL
    identity_base_url: str = XERO_IDENTITY_BASE_URL
    connection: str = DEFAULT_CONNECTION
    # Length of a rate-limit minute in real seconds: 60 against Xero; shorter only against a
    # sandbox whose clock is scaled (tests and benchmarks).
    minute_seconds: float = 60.0
    crm: ResourceDependency[CrmDatabase]

    _api: XeroApi | None = PrivateAttr(default=None)
    _info: ConnectionInfo | None = PrivateAttr(default=None)

    def settings(self) -> XeroSettings:
        return XeroSettings(
            client_id=self.client_id, client_secret=self.client_secret,
            api_base_url=self.api_base_url, identity_base_url=self.identity_base_url,
        )

    def setup_for_execution(self, context: InitResourceContext) -> None:
        settings = self.settings()  # a missing client id fails here, before any call
        cipher = TokenCipher(self.token_key)
        engine = self.crm.engine
        self._info = read_connection(engine, self.connection)
        if self._info is None:
            raise XeroNotConnectedError(f"no Xero connection named '{self.connection}' is stored yet")
        warning = staleness_warning(self._info)
        if warning and context.log:
            context.log.warning(warning)
        tokens = DbTokenProvider(engine, settings, cipher, self.connection)
        self._api = XeroApi(settings, tokens, minute_seconds=self.minute_seconds)

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._api is not None:
            self._api.close()

    @property
    def api(self) -> XeroApi:
        if self._api is None:
            raise XeroNotConnectedError("the Xero resource was used outside a run")
        return self._api

    def tenant_ids(self) -> list[str]:
        """Every tenant the stored connection may use, in the order /connections gave them."""
        assert self._info is not None
        return [t["tenantId"] for t in self._info.tenants]
