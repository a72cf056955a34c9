"""The Xero connection, kept in the CRM database: token set encrypted at rest, one writer at a time.

Why the database and not a file or the Dagster resource: every run (the nightly schedule, an
admin's launch, the background sensor) in every process shares one connection, as the original
"available to all users" did, but without its 30-minute cliff. Xero rotates the refresh token on
each use, so two runs refreshing at once must not both spend the old token and keep different
new ones. The refresh therefore happens inside one database transaction that first takes a write
lock on the connection row (an UPDATE: a row lock on PostgreSQL, the database write lock on
SQLite); the second run waits, then re-reads and finds the token the first one saved. The new
token set is committed in the same transaction that obtained it, and ``version`` is bumped so any
reader can tell it changed.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from resources.crm.models import XeroConnection

from .errors import XeroConfigError, XeroNotConnectedError
from .settings import XeroSettings

log = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(seconds=120)  # refresh this long before the access token expires
REFRESH_TOKEN_LIFETIME = timedelta(days=60)  # Xero: an unused refresh token dies after 60 days
STALE_WARNING_AFTER = timedelta(days=50)
DEFAULT_CONNECTION = "default"


class TokenCipher:
    """Fernet (AES-128-CBC + HMAC) from cryptography, keyed by XERO_TOKEN_KEY."""

    def __init__(self, key: str | bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError):
            raise XeroConfigError(
                "XERO_TOKEN_KEY is not a valid key; make one with `python -m resources.xero new-key`"
            ) from None

    @classmethod
    def from_env(cls) -> TokenCipher:
        key = os.environ.get("XERO_TOKEN_KEY", "")
        if not key:
            raise XeroConfigError(
                "XERO_TOKEN_KEY is not set: it encrypts Xero tokens at rest; "
                "make one with `python -m resources.xero new-key`"
            )
        return cls(key)

    def seal(self, token_set: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(token_set).encode()).decode()

    def open(self, sealed: str) -> dict[str, Any]:
        try:
            return json.loads(self._fernet.decrypt(sealed.encode()))
        except InvalidToken:
            raise XeroNotConnectedError(
                "the stored token set cannot be decrypted with this XERO_TOKEN_KEY"
            ) from None


@dataclass
class ConnectionInfo:
    name: str
    auth_kind: str
    tenants: list[dict[str, str]]
    access_token_expires_at: datetime | None
    refresh_token_used_at: datetime | None
    version: int


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes even for timezone-aware columns; they were written in UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _expiry(token: dict[str, Any], now: datetime) -> datetime:
    if token.get("expires_at"):
        return datetime.fromtimestamp(float(token["expires_at"]), tz=UTC)
    return now + timedelta(seconds=int(token.get("expires_in") or 1800))


class DbTokenProvider:
    """Hands out a valid access token for a connection, refreshing it safely when needed."""

    def __init__(self, engine: Engine, settings: XeroSettings, cipher: TokenCipher,
                 connection: str = DEFAULT_CONNECTION) -> None:
        self.engine = engine
        self.settings = settings
        self.cipher = cipher
        self.connection = connection
        self._lock = threading.Lock()  # one refresh per process; the row lock covers the rest
        self._cached: tuple[int, str, datetime] | None = None  # (version, access token, expiry)
        self.refreshes = 0

    # -- TokenProvider ----------------------------------------------------------------------
    def access_token(self, tenant_id: str) -> str:
        now = datetime.now(UTC)
        cached = self._cached
        if cached and cached[2] - REFRESH_MARGIN > now:
            return cached[1]
        with self._lock:
            return self._current_or_refreshed(force_from_version=None)

    def invalidate(self, tenant_id: str) -> None:
        """Xero said 401: refresh unless another run already replaced the token we used."""
        with self._lock:
            seen = self._cached[0] if self._cached else None
            self._cached = None
            self._current_or_refreshed(force_from_version=seen)

    # -- the refresh, under the row lock --------------------------------------------------
    def _current_or_refreshed(self, force_from_version: int | None) -> str:
        now = datetime.now(UTC)
        with self.engine.begin() as db:
            # Take the write lock first so the read below sees the last committed token set.
            locked = db.execute(
                update(XeroConnection)
                .where(XeroConnection.name == self.connection)
                .values(version=XeroConnection.version)
            )
            if locked.rowcount == 0:
                raise XeroNotConnectedError(f"no Xero connection named '{self.connection}' has been made")
            record = db.execute(
                select(XeroConnection.__table__).where(XeroConnection.name == self.connection)
            ).one()
            token = self.cipher.open(record.encrypted_token_set)
            expires_at = _aware(record.access_token_expires_at) or now
            still_good = expires_at - REFRESH_MARGIN > now
            replaced = force_from_version is not None and record.version != force_from_version
            if still_good and (force_from_version is None or replaced):
                self._cached = (record.version, token["access_token"], expires_at)
                return token["access_token"]
            new_token = self._fetch_new_token(record.auth_kind, token)
            new_expiry = _expiry(new_token, now)
            if record.auth_kind == "authorization_code" and not new_token.get("refresh_token"):
                new_token["refresh_token"] = token.get("refresh_token")
            version = record.version + 1
            db.execute(
                update(XeroConnection)
                .where(XeroConnection.name == self.connection)
                .values(
                    encrypted_token_set=self.cipher.seal(new_token),
                    access_token_expires_at=new_expiry,
                    refresh_token_used_at=now,
                    version=version,
                    updated_at=now,
                )
            )
        self.refreshes += 1
        self._cached = (version, new_token["access_token"], new_expiry)
        log.info("Xero access token renewed for connection '%s' (version %d)", self.connection, version)
        return new_token["access_token"]

    def _fetch_new_token(self, auth_kind: str, token: dict[str, Any]) -> dict[str, Any]:
        client = OAuth2Client(
            self.settings.client_id, self.settings.client_secret or None,
            token_endpoint_auth_method="client_secret_basic" if self.settings.client_secret else "none",
            timeout=self.settings.timeout_seconds,
        )
        try:
            with client:
                if auth_kind == "client_credentials":
                    return dict(client.fetch_token(self.settings.token_url, grant_type="client_credentials"))
                refresh_token = token.get("refresh_token")
                if not refresh_token:
                    raise XeroNotConnectedError("the stored connection has no refresh token")
                return dict(client.refresh_token(self.settings.token_url, refresh_token=refresh_token))
        except OAuthError as exc:
            # exc.error is Xero's code (invalid_grant, invalid_client); never the token itself.
            if exc.error == "invalid_grant":
                raise XeroNotConnectedError("the refresh token has expired or been revoked (invalid_grant)") from None
            raise XeroNotConnectedError(f"Xero's token endpoint refused the request ({exc.error})") from None


# -- saving and reading a connection --------------------------------------------------------
def save_connection(engine: Engine, cipher: TokenCipher, *, auth_kind: str, token: dict[str, Any],
                    tenants: list[dict[str, str]], name: str = DEFAULT_CONNECTION) -> ConnectionInfo:
    """Store (or replace) a connection after `connect`: the token set sealed, the tenants listed."""
    now = datetime.now(UTC)
    expires_at = _expiry(token, now)
    tenants_json = json.dumps(tenants)
    with engine.begin() as db:
        existing = db.execute(select(XeroConnection.__table__).where(XeroConnection.name == name)).first()
        values = dict(
            auth_kind=auth_kind, encrypted_token_set=cipher.seal(dict(token)), tenants_json=tenants_json,
            access_token_expires_at=expires_at, refresh_token_used_at=now, updated_at=now,
        )
        if existing is None:
            db.execute(XeroConnection.__table__.insert().values(name=name, version=1, **values))
            version = 1
        else:
            version = existing.version + 1
            db.execute(update(XeroConnection).where(XeroConnection.name == name).values(version=version, **values))
    return ConnectionInfo(name, auth_kind, tenants, expires_at, now, version)


def read_connection(engine: Engine, name: str = DEFAULT_CONNECTION) -> ConnectionInfo | None:
    with engine.connect() as db:
        row = db.execute(select(XeroConnection.__table__).where(XeroConnection.name == name)).first()
    if row is None:
        return None
    return ConnectionInfo(
        name=row.name, auth_kind=row.auth_kind, tenants=json.loads(row.tenants_json or "[]"),
        access_token_expires_at=_aware(row.access_token_expires_at),
        refresh_token_used_at=_aware(row.refresh_token_used_at), version=row.version,
    )


def staleness_warning(info: ConnectionInfo, now: datetime | None = None) -> str | None:
    """A warning once the refresh token has sat unused for 50 of its 60 days."""
    if info.auth_kind != "authorization_code" or info.refresh_token_used_at is None:
        return None
    now = now or datetime.now(UTC)
    idle = now - info.refresh_token_used_at
    if idle < STALE_WARNING_AFTER:
        return None
    dies = info.refresh_token_used_at + REFRESH_TOKEN_LIFETIME
    return (
        f"The Xero refresh token has not been used for {idle.days} days and expires on "
        f"{dies.date().isoformat()}; run any Xero job (or enable the nightly schedule) to keep it alive."
    )
