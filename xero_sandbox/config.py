"""How a sandbox is set up: its OAuth clients, the consenting user, tenants, lifetimes, limits.

Decisions written down here so callers need not guess:

- **Clients.** ``client_id``/``client_secret`` is the main confidential app; ``clients`` adds
  more confidential apps (id -> secret) and ``public_clients`` lists "Auth Code with PKCE"
  apps that have no secret and must use PKCE. Any confidential client may also use
  ``client_credentials`` (a custom connection); in Xero that is a separate app type, but
  one app that can do both keeps demo and test set-up short.
- **Redirect URIs.** ``redirect_uris`` (client id -> allowed list) is checked exactly, as
  Xero does. A client with no entry accepts any https URI or any http URI on a loopback
  host, because the sandbox is a local tool and tests pick free ports at random.
- **Tenants.** Default: one "Demo Company (UK)" organisation with a fixed id, so a state
  file and a client config stay valid across restarts. ``tenant_from_name`` derives a
  stable id (uuid5) for any other name. The auto-consent user grants every tenant.
- **Custom connection tenant.** A client_credentials token is bound to
  ``custom_connection_tenant_id`` (default: the first tenant), as a Xero custom
  connection is bound to its single organisation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from .faults import FaultConfig

DEMO_TENANT_ID = "a3b9e8c2-6f4d-4e0a-9c1b-2d7f5e8a1b30"
DEMO_TENANT_NAME = "Demo Company (UK)"
# uuid5 namespace for tenants named on the command line: the same name gives the same id
# on every start, so a client's stored tenant id survives a sandbox restart.
TENANT_NAMESPACE = uuid.UUID("6b1f3c2e-8d4a-4f5b-9e7c-0a1d2b3c4e5f")

# Scopes the authorize endpoint accepts: OpenID, offline_access, Xero's broad accounting scopes
# and the granular ones that replace accounting.transactions / accounting.reports.read.
KNOWN_SCOPES = frozenset({
    "openid", "profile", "email", "offline_access",
    "accounting.contacts", "accounting.contacts.read",
    "accounting.settings", "accounting.settings.read",
    "accounting.transactions", "accounting.transactions.read",
    "accounting.invoices", "accounting.invoices.read",
    "accounting.payments", "accounting.payments.read",
    "accounting.banktransactions", "accounting.banktransactions.read",
    "accounting.manualjournals", "accounting.manualjournals.read",
    "accounting.attachments", "accounting.attachments.read",
    "accounting.budgets.read", "accounting.journals.read", "accounting.classicexpenses",
    "accounting.reports.read", "accounting.reports.tenninetynine.read",
    "accounting.reports.aged.read", "accounting.reports.balancesheet.read",
    "accounting.reports.banksummary.read", "accounting.reports.budgetsummary.read",
    "accounting.reports.executivesummary.read", "accounting.reports.profitandloss.read",
    "accounting.reports.trialbalance.read", "accounting.reports.taxreports.read",
    "paymentservices", "marketplace.billing",
})

# What a custom connection gets when its token request names no scope (xero-python sends none).
DEFAULT_CUSTOM_CONNECTION_SCOPES = (
    "accounting.contacts accounting.settings accounting.invoices accounting.payments"
)


@dataclass(frozen=True)
class TenantConfig:
    tenant_id: str
    name: str
    tenant_type: str = "ORGANISATION"


def tenant_from_name(name: str) -> TenantConfig:
    """A tenant whose id is derived from its name (stable across restarts)."""
    if name == DEMO_TENANT_NAME:
        return TenantConfig(DEMO_TENANT_ID, name)
    return TenantConfig(str(uuid.uuid5(TENANT_NAMESPACE, name)), name)


@dataclass(frozen=True)
class SandboxUser:
    """The person who "logs in" at /connect/authorize and always consents."""

    user_id: str = "5f0c8a4e-2b1d-4c3e-9f6a-7b8c9d0e1f2a"
    email: str = "demo.user@example.com"
    given_name: str = "Demo"
    family_name: str = "User"


@dataclass
class RateLimitConfig:
    """Xero's limits per tenant and app (concurrent, minute, day) and per app (minute)."""

    concurrent: int = 5
    per_minute: int = 60
    per_day: int = 5000
    app_per_minute: int = 10000


@dataclass
class SandboxConfig:
    client_id: str = "sandbox-client"
    client_secret: str = "sandbox-secret"
    clients: dict[str, str] = field(default_factory=dict)
    public_clients: tuple[str, ...] = ()
    redirect_uris: dict[str, list[str]] = field(default_factory=dict)
    user: SandboxUser = field(default_factory=SandboxUser)
    tenants: list[TenantConfig] = field(
        default_factory=lambda: [TenantConfig(DEMO_TENANT_ID, DEMO_TENANT_NAME)]
    )
    custom_connection_tenant_id: str | None = None
    custom_connection_scopes: str = DEFAULT_CUSTOM_CONNECTION_SCOPES
    access_token_lifetime: int = 1800
    refresh_token_lifetime: int = 60 * 24 * 3600
    refresh_grace: int = 1800
    auth_code_lifetime: int = 300
    idempotency_ttl: int = 360  # Xero keeps keys about 6 minutes
    clock_scale: float = 1.0
    rate_limits: RateLimitConfig = field(default_factory=RateLimitConfig)
    faults: FaultConfig = field(default_factory=FaultConfig)
    host: str = "127.0.0.1"
    port: int = 0  # 0: pick a free port
    max_body_bytes: int = 3_500_000  # Xero's documented 3.5 MB request ceiling
    # The /sandbox/ admin API has no auth; it answers loopback callers only unless this is set.
    admin_from_anywhere: bool = False

    def __post_init__(self) -> None:
        if not self.tenants:
            raise ValueError("a sandbox needs at least one tenant")
        ids = [t.tenant_id for t in self.tenants]
        if len(set(ids)) != len(ids):
            raise ValueError(f"tenant ids must be unique: {ids}")
        if self.custom_connection_tenant_id and self.custom_connection_tenant_id not in ids:
            raise ValueError(f"custom_connection_tenant_id {self.custom_connection_tenant_id} "
                             "is not one of the tenants")

    def client_secrets(self) -> dict[str, str | None]:
        """Every known client: secret for confidential apps, None for PKCE-only public apps."""
        known: dict[str, str | None] = {client: None for client in self.public_clients}
        known.update(self.clients)
        if self.client_id:
            known[self.client_id] = self.client_secret
        return known

    def custom_connection_tenant(self) -> str:
        return self.custom_connection_tenant_id or self.tenants[0].tenant_id

    def first_tenant(self) -> str:
        return self.tenants[0].tenant_id
