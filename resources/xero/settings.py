"""Where the Xero client connects and as whom. Read from the environment, checked before any call."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import XeroConfigError

XERO_API_BASE_URL = "https://api.xero.com"
XERO_IDENTITY_BASE_URL = "https://identity.xero.com"
XERO_LOGIN_BASE_URL = "https://login.xero.com/identity"
# Granular scopes (apps created from March 2026) plus offline_access for refresh tokens.
DEFAULT_SCOPES = "offline_access accounting.contacts accounting.settings accounting.invoices accounting.payments"


def _check_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise XeroConfigError(f"{name}={value!r} is not an http(s) URL")
    return value.rstrip("/")


@dataclass(frozen=True)
class XeroSettings:
    client_id: str
    client_secret: str = ""
    api_base_url: str = XERO_API_BASE_URL  # /api.xro/2.0 and /connections live here
    identity_base_url: str = XERO_IDENTITY_BASE_URL  # /connect/token
    authorize_url: str = ""  # defaults from identity_base_url (sandbox) or Xero's login host
    scopes: str = DEFAULT_SCOPES
    timeout_seconds: float = 30.0

    def __post_init__(self) -> None:
        if not self.client_id.strip():
            raise XeroConfigError("XERO_CLIENT_ID is not set: the Xero connection is not configured")
        object.__setattr__(self, "api_base_url", _check_url("XERO_API_BASE_URL", self.api_base_url))
        object.__setattr__(
            self, "identity_base_url", _check_url("XERO_IDENTITY_BASE_URL", self.identity_base_url)
        )
        if not self.authorize_url:
            base = (
                XERO_LOGIN_BASE_URL
                if self.identity_base_url == XERO_IDENTITY_BASE_URL
                else self.identity_base_url
            )
            object.__setattr__(self, "authorize_url", f"{base}/connect/authorize")

    @property
    def token_url(self) -> str:
        return f"{self.identity_base_url}/connect/token"

    @property
    def accounting_url(self) -> str:
        return f"{self.api_base_url}/api.xro/2.0"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> XeroSettings:
        env = os.environ if env is None else env
        return cls(
            client_id=env.get("XERO_CLIENT_ID", ""),
            client_secret=env.get("XERO_CLIENT_SECRET", ""),
            api_base_url=env.get("XERO_API_BASE_URL") or XERO_API_BASE_URL,
            identity_base_url=env.get("XERO_IDENTITY_BASE_URL") or XERO_IDENTITY_BASE_URL,
            scopes=env.get("XERO_SCOPES") or DEFAULT_SCOPES,
        )

    def __repr__(self) -> str:  # the secret never reaches a log through repr()
        return f"XeroSettings(client_id={self.client_id!r}, api_base_url={self.api_base_url!r})"
