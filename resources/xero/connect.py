"""Making the connection: the "Connect to Xero" button, as a command.

Two ways, as Xero allows:
- authorisation code with PKCE (S256): we print (and open) Xero's authorise URL, catch the
  redirect on a local port, exchange the code and verifier for a token set, list the tenants;
- client_credentials, for a custom connection (machine to machine, one organisation).
Either way the token set is stored encrypted in the CRM database (token_store.save_connection).
"""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from sqlalchemy.engine import Engine

from .errors import XeroNotConnectedError
from .settings import XeroSettings
from .token_store import ConnectionInfo, TokenCipher, save_connection


def list_tenants(settings: XeroSettings, access_token: str) -> list[dict[str, str]]:
    response = httpx.get(
        f"{settings.api_base_url}/connections",
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        timeout=settings.timeout_seconds,
    )
    if response.status_code != 200:
        raise XeroNotConnectedError(f"GET /connections answered {response.status_code}")
    return [
        {"tenantId": c["tenantId"], "tenantName": c.get("tenantName", ""), "tenantType": c.get("tenantType", "")}
        for c in response.json()
    ]


def _client(settings: XeroSettings, **kwargs: Any) -> OAuth2Client:
    return OAuth2Client(
        settings.client_id, settings.client_secret or None,
        token_endpoint_auth_method="client_secret_basic" if settings.client_secret else "none",
        timeout=settings.timeout_seconds, **kwargs,
    )


def connect_client_credentials(settings: XeroSettings, engine: Engine, cipher: TokenCipher) -> ConnectionInfo:
    """A custom connection: no person involved, no refresh token (a new token is fetched instead)."""
    try:
        with _client(settings) as client:
            token = dict(client.fetch_token(settings.token_url, grant_type="client_credentials"))
    except OAuthError as exc:
        raise XeroNotConnectedError(f"Xero refused the client credentials ({exc.error})") from None
    tenants = list_tenants(settings, token["access_token"])
    return save_connection(engine, cipher, auth_kind="client_credentials", token=token, tenants=tenants)


class _RedirectCatcher(HTTPServer):
    callback_path: str | None = None
    done: threading.Event

    def __init__(self, port: int) -> None:
        self.done = threading.Event()
        super().__init__(("127.0.0.1", port), _CallbackHandler)


class _CallbackHandler(BaseHTTPRequestHandler):
    server: _RedirectCatcher

    def do_GET(self) -> None:
        if not self.path.startswith("/callback"):
            self.send_error(404)
            return
        self.server.callback_path = self.path
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(b"<h1>crm-xero-sync is connected to Xero.</h1><p>You can close this tab.</p>")
        self.server.done.set()

    def log_message(self, format: str, *args: Any) -> None:  # the query holds the code: keep it out of logs
        return


def connect_authorization_code(settings: XeroSettings, engine: Engine, cipher: TokenCipher, *,
                               port: int = 8749, open_browser: bool = True, timeout: float = 300.0,
                               show_url: Callable[[str], None] = print) -> ConnectionInfo:
    """Authorisation code + PKCE with a local redirect catcher on ``http://localhost:{port}/callback``."""
    catcher = _RedirectCatcher(port)
    port = catcher.server_address[1]  # port=0 picks a free one (tests)
    redirect_uri = f"http://localhost:{port}/callback"
    verifier = generate_token(64)
    thread = threading.Thread(target=catcher.serve_forever, daemon=True)
    thread.start()
    try:
        with _client(settings, scope=settings.scopes, redirect_uri=redirect_uri,
                     code_challenge_method="S256") as client:
            url, _state = client.create_authorization_url(settings.authorize_url, code_verifier=verifier)
            show_url(url)
            if open_browser:
                webbrowser.open(url)
            if not catcher.done.wait(timeout):
                raise XeroNotConnectedError(f"no redirect from Xero within {timeout:g} s")
            try:
                # authlib checks the returned state against the one it sent, then sends the verifier.
                token = dict(client.fetch_token(
                    settings.token_url,
                    authorization_response=f"http://localhost:{port}{catcher.callback_path}",
                    code_verifier=verifier,
                ))
            except OAuthError as exc:
                raise XeroNotConnectedError(f"Xero refused the authorisation ({exc.error})") from None
    finally:
        catcher.shutdown()
        catcher.server_close()
    tenants = list_tenants(settings, token["access_token"])
    return save_connection(engine, cipher, auth_kind="authorization_code", token=token, tenants=tenants)
