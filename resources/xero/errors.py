"""Errors the Xero client raises. Messages say what to do; none carries a token or a header."""

from __future__ import annotations

from datetime import datetime


class XeroError(Exception):
    """Base class for every Xero client failure."""


class XeroConfigError(XeroError):
    """The client is not configured (missing client id, bad URL): raised before any call."""


class XeroNotConnectedError(XeroError):
    """No usable connection: never connected, or the refresh token is dead (expired, revoked)."""

    RECONNECT = (
        "Reconnect with `python -m resources.xero connect` (authorisation code + PKCE) or, for a "
        "custom connection, check XERO_CLIENT_ID / XERO_CLIENT_SECRET and run "
        "`python -m resources.xero connect --client-credentials`."
    )

    def __init__(self, reason: str) -> None:
        super().__init__(f"Not connected to Xero: {reason}. {self.RECONNECT}")


class XeroDayLimitError(XeroError):
    """Xero's daily call quota for a tenant is spent: retrying only extends the block."""

    def __init__(self, tenant_id: str, resets_at: datetime) -> None:
        super().__init__(
            f"Xero's daily API limit is used up for tenant {tenant_id}; it resets at "
            f"{resets_at.isoformat(timespec='seconds')} (UTC). Rerun after that: work done so far is kept."
        )
        self.tenant_id = tenant_id
        self.resets_at = resets_at


class XeroHttpError(XeroError):
    """A reply Xero will not change its mind about (400, 403, 404, ...), or retries ran out."""

    def __init__(self, method: str, path: str, status: int, detail: str) -> None:
        super().__init__(f"Xero {method} {path} answered {status}: {detail}")
        self.method = method
        self.path = path
        self.status = status
        self.detail = detail
