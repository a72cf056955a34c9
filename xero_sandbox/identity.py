"""Xero's identity service: authorize (auto-consent), token, revocation, connections.

Plain functions over SandboxState; app.py adds HTTP. Everything that must be atomic (a code
redeemed once, a refresh token rotated once) runs inside one ``state.transaction()``.

Decisions:

- **Tokens are opaque random strings** stored only as their SHA-256 (kv scopes
  ``access_token``, ``refresh_token``, ``auth_code``), so the state file never holds a
  usable credential.
- **Refresh rotation with grace.** Each refresh returns a new pair and marks the old
  refresh token rotated. Within ``refresh_grace`` (30 min) the old token may be presented
  again and gets **the same new pair** (a client whose reply was lost ends up with exactly
  the tokens the server issued; no second live chain appears). The pair is kept encrypted
  with a key derived from the old refresh token, which the state file does not hold, so
  only the retrying client can recover it. After the grace: ``invalid_grant``. Unused
  refresh tokens expire after ``refresh_token_lifetime`` (60 days).
- A refresh token is only issued when ``offline_access`` was granted, as in Xero.
- **Code reuse** (a second redemption) fails with ``invalid_grant`` and revokes every token
  issued from that code (RFC 6749 section 10.5). A redemption attempt with a wrong PKCE
  verifier still uses the code up.
- **Revocation** of a refresh token revokes its whole family (all refresh and access tokens
  descended from one consent) and removes that user's connections for the app, as Xero's
  revoke does; revoking an access token removes that token only. Unknown tokens: 200.
- **Connections** are per app and subject (the user, or the app itself for a custom
  connection) and tenant. Consent creates or refreshes one per tenant; deleting one takes
  the tenant away from every token of that app and subject at once (403 afterwards).
- Token-endpoint errors are ``{"error": "..."}`` only, like Xero; ``invalid_client`` is 401.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from cryptography.fernet import Fernet, InvalidToken

from .clock import Clock
from .config import KNOWN_SCOPES, SandboxConfig
from .errors import XeroApiError, problem
from .state import SandboxState

AUTH_CODE = "auth_code"
ACCESS_TOKEN = "access_token"
REFRESH_TOKEN = "refresh_token"
CONNECTION = "connection"
APP_SUBJECT = "app"  # the subject of a custom connection (client_credentials)

_PKCE_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_PKCE_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")  # base64url of a SHA-256, no padding
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def xero_identity_time(moment: datetime) -> str:
    """Identity API timestamps: ISO without zone, 7 fractional digits ("...19.5165400")."""
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}0"


class OAuthError(Exception):
    """A token-endpoint error reply (``{"error": code}``)."""

    def __init__(self, error: str, status: int = 400, headers: dict[str, str] | None = None):
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = headers or {}


@dataclass(frozen=True)
class TokenInfo:
    """What a valid access token grants."""

    client_id: str
    subject: str
    scope: str
    grant: str  # authorization_code, refresh_token or client_credentials
    tenant_id: str | None  # the bound tenant of a custom connection
    expires_at: float

    @property
    def is_custom_connection(self) -> bool:
        return self.grant == "client_credentials"


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any  # JSON-serialisable, or None for an empty body
    headers: dict[str, str]
    location: str | None = None


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise OAuthError("invalid_client", 401) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError("invalid_client", 401)
    return client_id, secret


def _add_query(uri: str, params: Mapping[str, str | None]) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.extend((k, v) for k, v in params.items() if v is not None)
    return urlunsplit(parts._replace(query=urlencode(query)))


def _fake_id_token(config: SandboxConfig, issuer: str, client_id: str, now: float,
                   nonce: str | None) -> str:
    """A JWT-shaped id_token with the claims Xero sends. Unsigned: nobody verifies it here."""
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims: dict[str, Any] = {
        "iss": issuer, "aud": client_id, "iat": int(now), "nbf": int(now),
        "exp": int(now) + 300, "auth_time": int(now), "sub": config.user.user_id,
        "xero_userid": config.user.user_id, "email": config.user.email,
        "given_name": config.user.given_name, "family_name": config.user.family_name,
        "global_session_id": uuid.uuid4().hex,
    }
    if nonce:
        claims["nonce"] = nonce
    return ".".join([part({"alg": "RS256", "kid": "sandbox", "typ": "JWT"}), part(claims),
                     "sandbox-unsigned"])


def _grace_cipher(old_refresh_token: str) -> Fernet:
    key = hashlib.sha256(b"xero-sandbox-grace\0" + old_refresh_token.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


class IdentityService:
    def __init__(self, config: SandboxConfig, state: SandboxState, clock: Clock) -> None:
        self.config = config
        self.state = state
        self.clock = clock
        self._last_purge = 0.0

    def _now(self) -> float:
        return self.clock.now().timestamp()

    # -- /connect/authorize -----------------------------------------------------------------
    def redirect_uri_allowed(self, client_id: str, redirect_uri: str) -> bool:
        registered = self.config.redirect_uris.get(client_id)
        if registered is not None:
            return redirect_uri in registered
        parts = urlsplit(redirect_uri)
        if parts.fragment or not parts.netloc:
            return False
        if parts.scheme == "https":
            return True
        return parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK_HOSTS

    def authorize(self, params: Mapping[str, str], issuer: str) -> Reply:
        """Validate an authorization request; auto-consent; redirect back with a code."""
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        if client_id not in self.config.client_secrets():
            return Reply(400, {"error": "unauthorized_client",
                               "error_description": f"Unknown client_id '{client_id}'"}, {})
        if not redirect_uri or not self.redirect_uri_allowed(client_id, redirect_uri):
            # Never redirect to an unchecked URI: that would make us an open redirector.
            return Reply(400, {"error": "invalid_request",
                               "error_description": f"Invalid redirect_uri '{redirect_uri}'"}, {})
        state = params.get("state")

        def fail(error: str, description: str) -> Reply:
            location = _add_query(redirect_uri, {"error": error,
                                                 "error_description": description,
                                                 "state": state})
            return Reply(302, None, {}, location)

        if params.get("response_type") != "code":
            return fail("unsupported_response_type", "response_type must be 'code'")
        scopes = params.get("scope", "").split()
        if not scopes:
            return fail("invalid_scope", "scope is required")
        unknown = [s for s in scopes if s not in KNOWN_SCOPES]
        if unknown:
            return fail("invalid_scope", f"unknown scope(s): {' '.join(unknown)}")
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method")
        if challenge is None and self.config.client_secrets()[client_id] is None:
            return fail("invalid_request", "code_challenge is required for a PKCE client")
        if challenge is not None:
            if method != "S256":
                return fail("invalid_request", "code_challenge_method must be S256")
            if not _PKCE_CHALLENGE.match(challenge):
                return fail("invalid_request", "code_challenge is not a base64url SHA-256")
        code = secrets.token_urlsafe(32)
        auth_event_id = str(uuid.uuid4())
        now = self._now()
        with self.state.transaction():
            self.state.kv_put(AUTH_CODE, token_hash(code), {
                "client_id": client_id, "redirect_uri": redirect_uri, "scope": " ".join(scopes),
                "code_challenge": challenge, "subject": self.config.user.user_id,
                "auth_event_id": auth_event_id, "expires_at": now + self.config.auth_code_lifetime,
                "used": False, "family": uuid.uuid4().hex, "nonce": params.get("nonce"),
            })
            for tenant in self.config.tenants:
                self._connect(client_id, self.config.user.user_id, tenant.tenant_id, auth_event_id)
        location = _add_query(redirect_uri, {"code": code, "scope": " ".join(scopes),
                                             "state": state,
                                             "session_state": secrets.token_urlsafe(16)})
        return Reply(302, None, {}, location)

    def _connect(self, client_id: str, subject: str, tenant_id: str, auth_event_id: str) -> None:
        key = f"{client_id}\0{subject}\0{tenant_id}"
        now = xero_identity_time(self.clock.now())
        existing = self.state.kv_get(CONNECTION, key)
        record = existing or {"id": str(uuid.uuid4()), "client_id": client_id, "subject": subject,
                              "tenant_id": tenant_id, "created": now}
        record.update(auth_event_id=auth_event_id, updated=now)
        self.state.kv_put(CONNECTION, key, record)

    # -- /connect/token ---------------------------------------------------------------------
    def authenticate_client(self, form: Mapping[str, str],
                            authorization: str | None) -> tuple[str, bool]:
        """(client_id, is_public) from HTTP Basic or the form body; raise invalid_client."""
        basic = _basic_credentials(authorization)
        challenge = {"WWW-Authenticate": 'Basic realm="xero-sandbox"'} if basic else {}
        if basic is not None:
            client_id, secret = basic
            if form.get("client_id") not in (None, "", client_id):
                raise OAuthError("invalid_request")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        known = self.config.client_secrets()
        if client_id not in known:
            raise OAuthError("invalid_client", 401, challenge)
        expected = known[client_id]
        if expected is None:
            if secret:
                raise OAuthError("invalid_client", 401, challenge)
            return client_id, True
        if not hmac.compare_digest(secret.encode(), expected.encode()):
            raise OAuthError("invalid_client", 401, challenge)
        return client_id, False

    def token(self, form: Mapping[str, str], authorization: str | None, issuer: str) -> Reply:
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        with self.state.transaction():
            # The except sits inside the transaction on purpose: a code used up by a failed
            # redemption must stay used, so errors commit too.
            try:
                client_id, public = self.authenticate_client(form, authorization)
                grant = form.get("grant_type", "")
                if grant == "authorization_code":
                    body = self._grant_code(client_id, form, issuer)
                elif grant == "refresh_token":
                    body = self._grant_refresh(client_id, form, issuer)
                elif grant == "client_credentials":
                    if public:
                        raise OAuthError("unauthorized_client")
                    body = self._grant_client_credentials(client_id, form)
                else:
                    raise OAuthError("unsupported_grant_type")
            except OAuthError as error:
                return Reply(error.status, {"error": error.error}, {**headers, **error.headers})
        self._maybe_purge()
        return Reply(200, body, headers)

    def _grant_code(self, client_id: str, form: Mapping[str, str], issuer: str) -> dict[str, Any]:
        code_key = token_hash(form.get("code", ""))
        record = self.state.kv_get(AUTH_CODE, code_key)
        if record is None or record["client_id"] != client_id:
            raise OAuthError("invalid_grant")
        if record["used"]:
            self.revoke_family(record["family"])
            raise OAuthError("invalid_grant")
        self.state.kv_put(AUTH_CODE, code_key, {**record, "used": True})
        if record["expires_at"] <= self._now():
            raise OAuthError("invalid_grant")
        if form.get("redirect_uri") != record["redirect_uri"]:
            raise OAuthError("invalid_grant")
        verifier = form.get("code_verifier")
        if record["code_challenge"] is not None:
            if not verifier or not _PKCE_VERIFIER.match(verifier):
                raise OAuthError("invalid_grant")
            digest = hashlib.sha256(verifier.encode("ascii")).digest()
            computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if not hmac.compare_digest(computed, record["code_challenge"]):
                raise OAuthError("invalid_grant")
        elif verifier:
            raise OAuthError("invalid_grant")  # a verifier for a code issued without PKCE
        return self._issue(client_id, record["subject"], record["scope"], "authorization_code",
                           None, record["family"], issuer, record.get("nonce"))

    def _grant_refresh(self, client_id: str, form: Mapping[str, str],
                       issuer: str) -> dict[str, Any]:
        presented = form.get("refresh_token", "")
        key = token_hash(presented)
        record = self.state.kv_get(REFRESH_TOKEN, key)
        now = self._now()
        if record is None or record["client_id"] != client_id:
            raise OAuthError("invalid_grant")
        if record["rotated_at"] is not None:
            if now > record["rotated_at"] + self.config.refresh_grace:
                raise OAuthError("invalid_grant")
            try:
                pair = json.loads(_grace_cipher(presented).decrypt(record["successor"].encode()))
            except InvalidToken:
                raise OAuthError("invalid_grant") from None
            # Same pair as the lost reply; expires_in counts down from its first issue.
            pair["expires_in"] = max(0, int(pair.pop("expires_at") - now))
            return pair
        if record["expires_at"] <= now:
            raise OAuthError("invalid_grant")
        scope = record["scope"]
        requested = form.get("scope")
        if requested:
            if not set(requested.split()) <= set(scope.split()):
                raise OAuthError("invalid_scope")
            scope = " ".join(requested.split())
        body = self._issue(client_id, record["subject"], scope, "refresh_token", None,
                           record["family"], issuer, None)
        stored = {**body, "expires_at": now + body["expires_in"]}
        successor = _grace_cipher(presented).encrypt(json.dumps(stored).encode()).decode()
        self.state.kv_put(REFRESH_TOKEN, key, {**record, "rotated_at": now,
                                               "successor": successor})
        return body

    def _grant_client_credentials(self, client_id: str, form: Mapping[str, str]) -> dict[str, Any]:
        scope = " ".join(form.get("scope", "").split()) or self.config.custom_connection_scopes
        unknown = [s for s in scope.split() if s not in KNOWN_SCOPES]
        if unknown or "offline_access" in scope.split():
            raise OAuthError("invalid_scope")
        tenant_id = self.config.custom_connection_tenant()
        if self.state.kv_get(CONNECTION, f"{client_id}\0{APP_SUBJECT}\0{tenant_id}") is None:
            self._connect(client_id, APP_SUBJECT, tenant_id, str(uuid.uuid4()))
        return self._issue(client_id, APP_SUBJECT, scope, "client_credentials", tenant_id,
                           uuid.uuid4().hex, None, None)

    def _issue(self, client_id: str, subject: str, scope: str, grant: str,
               tenant_id: str | None, family: str, issuer: str | None,
               nonce: str | None) -> dict[str, Any]:
        now = self._now()
        lifetime = self.config.access_token_lifetime
        access = secrets.token_urlsafe(48)
        self.state.kv_put(ACCESS_TOKEN, token_hash(access), {
            "client_id": client_id, "subject": subject, "scope": scope, "grant": grant,
            "tenant_id": tenant_id, "expires_at": now + lifetime, "family": family,
        })
        body: dict[str, Any] = {"access_token": access, "expires_in": lifetime,
                                "token_type": "Bearer", "scope": scope}
        scopes = scope.split()
        if "offline_access" in scopes and grant != "client_credentials":
            refresh = secrets.token_urlsafe(48)
            self.state.kv_put(REFRESH_TOKEN, token_hash(refresh), {
                "client_id": client_id, "subject": subject, "scope": scope, "family": family,
                "expires_at": now + self.config.refresh_token_lifetime,
                "rotated_at": None, "successor": None,
            })
            body["refresh_token"] = refresh
        if "openid" in scopes and issuer is not None:
            body["id_token"] = _fake_id_token(self.config, issuer, client_id, now, nonce)
        return body

    # -- /connect/revocation ----------------------------------------------------------------
    def revoke(self, form: Mapping[str, str], authorization: str | None) -> Reply:
        with self.state.transaction():
            try:
                client_id, _ = self.authenticate_client(form, authorization)
            except OAuthError as error:
                return Reply(error.status, {"error": error.error}, error.headers)
            key = token_hash(form.get("token", ""))
            refresh = self.state.kv_get(REFRESH_TOKEN, key)
            if refresh is not None and refresh["client_id"] == client_id:
                self.revoke_family(refresh["family"])
                for conn_key, conn in self.state.kv_scope(CONNECTION):
                    if conn["client_id"] == client_id and conn["subject"] == refresh["subject"]:
                        self.state.kv_delete(CONNECTION, conn_key)
            access = self.state.kv_get(ACCESS_TOKEN, key)
            if access is not None and access["client_id"] == client_id:
                self.state.kv_delete(ACCESS_TOKEN, key)
        return Reply(200, None, {})

    def revoke_family(self, family: str) -> None:
        for scope in (ACCESS_TOKEN, REFRESH_TOKEN):
            for key, record in self.state.kv_scope(scope):
                if record.get("family") == family:
                    self.state.kv_delete(scope, key)

    def _maybe_purge(self) -> None:
        """Drop long-dead codes and tokens now and then, so the kv table does not grow forever.

        Expired access tokens are kept a day so a late caller still hears "TokenExpired"
        rather than "unknown token".
        """
        now = self._now()
        if now - self._last_purge < 300:
            return
        self._last_purge = now
        with self.state.transaction():
            for key, rec in self.state.kv_scope(AUTH_CODE):
                if rec["expires_at"] + 3600 < now:
                    self.state.kv_delete(AUTH_CODE, key)
            for key, rec in self.state.kv_scope(ACCESS_TOKEN):
                if rec["expires_at"] + 86400 < now:
                    self.state.kv_delete(ACCESS_TOKEN, key)
            for key, rec in self.state.kv_scope(REFRESH_TOKEN):
                dead_at = rec["expires_at"] if rec["rotated_at"] is None else min(
                    rec["expires_at"], rec["rotated_at"] + self.config.refresh_grace)
                if dead_at < now:
                    self.state.kv_delete(REFRESH_TOKEN, key)

    # -- Bearer tokens, /connections, tenants -----------------------------------------------
    def bearer(self, authorization: str | None) -> TokenInfo:
        """The access token's grant, or a 401 in Xero's gateway shape."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise _unauthorized("AuthenticationUnsuccessful")
        record = self.state.kv_get(ACCESS_TOKEN, token_hash(authorization[7:].strip()))
        if record is None:
            raise _unauthorized("AuthenticationUnsuccessful")
        if record["expires_at"] <= self._now():
            expired = datetime.fromtimestamp(record["expires_at"], tz=UTC)
            raise _unauthorized(f"TokenExpired: token expired at {expired:%m/%d/%Y %H:%M:%S}",
                                error="invalid_token")
        return TokenInfo(record["client_id"], record["subject"], record["scope"],
                         record["grant"], record["tenant_id"], record["expires_at"])

    def connections(self, token: TokenInfo, auth_event_id: str | None = None) -> list[dict]:
        known = {t["tenant_id"]: t for t in self.state.tenants()}
        result = []
        for _, conn in self.state.kv_scope(CONNECTION):
            if conn["client_id"] != token.client_id or conn["subject"] != token.subject:
                continue
            if auth_event_id and conn["auth_event_id"] != auth_event_id:
                continue
            tenant = known.get(conn["tenant_id"])
            if tenant is None:
                continue
            result.append({
                "id": conn["id"], "authEventId": conn["auth_event_id"],
                "tenantId": conn["tenant_id"], "tenantType": tenant["tenant_type"],
                "tenantName": tenant["tenant_name"], "createdDateUtc": conn["created"],
                "updatedDateUtc": conn["updated"],
            })
        result.sort(key=lambda c: (c["createdDateUtc"], c["tenantName"]))
        return result

    def delete_connection(self, token: TokenInfo, connection_id: str) -> bool:
        with self.state.transaction():
            for key, conn in self.state.kv_scope(CONNECTION):
                if (conn["id"] == connection_id and conn["client_id"] == token.client_id
                        and conn["subject"] == token.subject):
                    self.state.kv_delete(CONNECTION, key)
                    return True
        return False

    def tenant_for(self, token: TokenInfo, header: str | None) -> str:
        """The tenant a request acts on, or 403 (unknown, not connected, or missing)."""
        tenant_id = (header or "").strip()
        if token.is_custom_connection and not tenant_id:
            tenant_id = token.tenant_id or ""
        if token.is_custom_connection and tenant_id != token.tenant_id:
            raise _forbidden()
        if not tenant_id or not self.state.tenant_exists(tenant_id):
            raise _forbidden()
        if self.state.kv_get(CONNECTION, f"{token.client_id}\0{token.subject}\0{tenant_id}") is None:
            raise _forbidden()
        return tenant_id


def _unauthorized(detail: str, error: str | None = None) -> XeroApiError:
    exc = problem(401, "Unauthorized", detail)
    exc.headers["WWW-Authenticate"] = f'Bearer error="{error}"' if error else "Bearer"
    return exc


def _forbidden() -> XeroApiError:
    return problem(403, "Forbidden", "AuthenticationUnsuccessful")
