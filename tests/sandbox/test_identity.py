"""The sandbox's identity service over a real socket: authorize, token, refresh, connections."""

from __future__ import annotations

import base64
import hashlib
import secrets
import warnings
from urllib.parse import parse_qs, urlsplit

import authlib.deprecate
import httpx
import pytest

with warnings.catch_warnings():
    # authlib 1.9 warns that it fell back from httpx2 to httpx; httpx is what this project uses.
    # (authlib.deprecate installs an "always" filter when imported, hence the import above.)
    warnings.simplefilter("ignore", authlib.deprecate.AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client

from tests.sandbox import shell_fakes
from xero_sandbox.config import SandboxConfig, TenantConfig

REDIRECT = "http://localhost:8765/callback"
SCOPE = "openid profile email offline_access accounting.contacts accounting.settings"


def _authlib_client(sandbox, **kwargs) -> OAuth2Client:
    kwargs.setdefault("client_id", sandbox.config.client_id)
    kwargs.setdefault("client_secret", sandbox.config.client_secret)
    return OAuth2Client(scope=SCOPE, redirect_uri=REDIRECT, code_challenge_method="S256", **kwargs)


def _consent(sandbox, client: OAuth2Client, verifier: str) -> tuple[str, str]:
    """Follow the authorize URL as a browser would (auto-consent); return (callback URL, state)."""
    url, state = client.create_authorization_url(f"{sandbox.base_url}/connect/authorize",
                                                 code_verifier=verifier)
    reply = httpx.get(url, follow_redirects=False)
    assert reply.status_code == 302, reply.text
    return reply.headers["location"], state


def _tokens(sandbox) -> dict:
    """A full token set from the auth-code + PKCE flow."""
    verifier = secrets.token_urlsafe(48)
    with _authlib_client(sandbox) as client:
        callback, _ = _consent(sandbox, client, verifier)
        return dict(client.fetch_token(f"{sandbox.base_url}/connect/token",
                                       authorization_response=callback, code_verifier=verifier))


def _refresh(sandbox, refresh_token: str) -> httpx.Response:
    # The form xero-python sends: credentials in the body, scope included.
    return httpx.post(f"{sandbox.base_url}/connect/token", data={
        "grant_type": "refresh_token", "refresh_token": refresh_token, "scope": SCOPE,
        "client_id": sandbox.config.client_id, "client_secret": sandbox.config.client_secret})


def _widgets(sandbox, access_token: str, tenant_id: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
    if tenant_id is not None:
        headers["xero-tenant-id"] = tenant_id
    return httpx.get(f"{sandbox.api_url}/Widgets", headers=headers)


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@pytest.fixture
def sandbox(sandbox_factory):
    return sandbox_factory(routes=shell_fakes.ROUTES)


def test_auth_code_with_pkce_gives_a_full_token_set(sandbox):
    tokens = _tokens(sandbox)

    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 1800
    assert tokens["refresh_token"] and tokens["access_token"] != tokens["refresh_token"]
    assert set(tokens["scope"].split()) == set(SCOPE.split())
    assert tokens["id_token"].count(".") == 2
    assert _widgets(sandbox, tokens["access_token"], sandbox.tenant_id).status_code == 200


def test_tokens_are_stored_hashed_not_in_clear(sandbox):
    tokens = _tokens(sandbox)

    stored = [key for key, _ in sandbox.state.kv_scope("access_token")]
    assert hashlib.sha256(tokens["access_token"].encode()).hexdigest() in stored
    assert tokens["access_token"] not in stored


def test_state_is_echoed_on_the_redirect(sandbox):
    verifier = secrets.token_urlsafe(48)
    with _authlib_client(sandbox) as client:
        callback, state = _consent(sandbox, client, verifier)

    query = parse_qs(urlsplit(callback).query)
    assert callback.startswith(REDIRECT + "?")
    assert query["state"] == [state]
    assert query["code"][0]


def test_wrong_pkce_verifier_is_invalid_grant_and_uses_up_the_code(sandbox):
    verifier = secrets.token_urlsafe(48)
    with _authlib_client(sandbox) as client:
        callback, _ = _consent(sandbox, client, verifier)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    auth = (sandbox.config.client_id, sandbox.config.client_secret)

    wrong = httpx.post(f"{sandbox.base_url}/connect/token", auth=auth,
                       data={**form, "code_verifier": secrets.token_urlsafe(48)})
    right_but_late = httpx.post(f"{sandbox.base_url}/connect/token", auth=auth,
                                data={**form, "code_verifier": verifier})

    assert (wrong.status_code, wrong.json()) == (400, {"error": "invalid_grant"})
    assert (right_but_late.status_code, right_but_late.json()) == (400, {"error": "invalid_grant"})


def test_redirect_uri_must_match_the_one_authorised(sandbox):
    verifier = secrets.token_urlsafe(48)
    with _authlib_client(sandbox) as client:
        callback, _ = _consent(sandbox, client, verifier)
    code = parse_qs(urlsplit(callback).query)["code"][0]

    reply = httpx.post(f"{sandbox.base_url}/connect/token",
                       auth=(sandbox.config.client_id, sandbox.config.client_secret),
                       data={"grant_type": "authorization_code", "code": code,
                             "redirect_uri": "http://localhost:9999/other", "code_verifier": verifier})

    assert reply.json() == {"error": "invalid_grant"}


def test_reusing_a_code_revokes_the_tokens_it_gave(sandbox):
    verifier = secrets.token_urlsafe(48)
    with _authlib_client(sandbox) as client:
        callback, _ = _consent(sandbox, client, verifier)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "code_verifier": verifier}
    auth = (sandbox.config.client_id, sandbox.config.client_secret)

    first = httpx.post(f"{sandbox.base_url}/connect/token", auth=auth, data=form)
    second = httpx.post(f"{sandbox.base_url}/connect/token", auth=auth, data=form)

    assert first.status_code == 200
    assert second.json() == {"error": "invalid_grant"}
    assert _widgets(sandbox, first.json()["access_token"], sandbox.tenant_id).status_code == 401


def test_authorize_errors_redirect_with_state(sandbox):
    reply = httpx.get(f"{sandbox.base_url}/connect/authorize", params={
        "response_type": "token", "client_id": sandbox.config.client_id,
        "redirect_uri": REDIRECT, "scope": SCOPE, "state": "xyz"})

    query = parse_qs(urlsplit(reply.headers["location"]).query)
    assert reply.status_code == 302
    assert query["error"] == ["unsupported_response_type"]
    assert query["state"] == ["xyz"]


def test_plain_pkce_method_is_refused(sandbox):
    reply = httpx.get(f"{sandbox.base_url}/connect/authorize", params={
        "response_type": "code", "client_id": sandbox.config.client_id, "redirect_uri": REDIRECT,
        "scope": SCOPE, "state": "s", "code_challenge": "a" * 43, "code_challenge_method": "plain"})

    assert parse_qs(urlsplit(reply.headers["location"]).query)["error"] == ["invalid_request"]


@pytest.mark.parametrize("redirect_uri", ["http://evil.example.com/cb", "not a url", ""])
def test_bad_redirect_uri_is_a_400_not_a_redirect(sandbox, redirect_uri):
    reply = httpx.get(f"{sandbox.base_url}/connect/authorize", params={
        "response_type": "code", "client_id": sandbox.config.client_id,
        "redirect_uri": redirect_uri, "scope": SCOPE, "state": "s"})

    assert reply.status_code == 400
    assert "location" not in reply.headers


def test_client_authenticates_by_basic_or_by_form(sandbox):
    url = f"{sandbox.base_url}/connect/token"
    cid, secret = sandbox.config.client_id, sandbox.config.client_secret

    basic = httpx.post(url, auth=(cid, secret), data={"grant_type": "client_credentials"})
    form = httpx.post(url, data={"grant_type": "client_credentials", "client_id": cid,
                                 "client_secret": secret})
    wrong = httpx.post(url, auth=(cid, "not-the-secret"), data={"grant_type": "client_credentials"})
    wrong_form = httpx.post(url, data={"grant_type": "client_credentials", "client_id": cid,
                                       "client_secret": "nope"})

    assert basic.status_code == 200 and form.status_code == 200
    assert "refresh_token" not in basic.json()
    assert (wrong.status_code, wrong.json()) == (401, {"error": "invalid_client"})
    assert (wrong_form.status_code, wrong_form.json()) == (401, {"error": "invalid_client"})


def test_unsupported_grant_type(sandbox):
    reply = httpx.post(f"{sandbox.base_url}/connect/token",
                       auth=(sandbox.config.client_id, sandbox.config.client_secret),
                       data={"grant_type": "password", "username": "u", "password": "p"})

    assert (reply.status_code, reply.json()) == (400, {"error": "unsupported_grant_type"})


def test_public_pkce_client_needs_no_secret_but_must_use_pkce(sandbox_factory):
    sandbox = sandbox_factory(public_clients=("native-app",), routes=shell_fakes.ROUTES)
    authorize = f"{sandbox.base_url}/connect/authorize"
    base = {"response_type": "code", "client_id": "native-app", "redirect_uri": REDIRECT,
            "scope": SCOPE, "state": "s"}

    without_pkce = httpx.get(authorize, params=base)
    verifier = secrets.token_urlsafe(48)
    with OAuth2Client(client_id="native-app", token_endpoint_auth_method="none", scope=SCOPE,
                      redirect_uri=REDIRECT, code_challenge_method="S256") as client:
        callback, _ = _consent(sandbox, client, verifier)
        tokens = client.fetch_token(f"{sandbox.base_url}/connect/token",
                                    authorization_response=callback, code_verifier=verifier)
    no_custom_connection = httpx.post(f"{sandbox.base_url}/connect/token", data={
        "grant_type": "client_credentials", "client_id": "native-app"})

    assert parse_qs(urlsplit(without_pkce.headers["location"]).query)["error"] == ["invalid_request"]
    assert tokens["refresh_token"]
    assert no_custom_connection.json() == {"error": "unauthorized_client"}


def test_refresh_rotates_and_the_old_token_has_a_grace_period(sandbox):
    tokens = _tokens(sandbox)

    rotated = _refresh(sandbox, tokens["refresh_token"])
    retried = _refresh(sandbox, tokens["refresh_token"])  # as if the first reply was lost

    assert rotated.status_code == 200
    new = rotated.json()
    assert new["refresh_token"] != tokens["refresh_token"]
    assert new["access_token"] != tokens["access_token"]
    assert retried.status_code == 200
    assert retried.json()["refresh_token"] == new["refresh_token"]
    assert retried.json()["access_token"] == new["access_token"]

    sandbox.advance(sandbox.config.refresh_grace + 1)
    after_grace = _refresh(sandbox, tokens["refresh_token"])
    chained = _refresh(sandbox, new["refresh_token"])

    assert (after_grace.status_code, after_grace.json()) == (400, {"error": "invalid_grant"})
    assert chained.status_code == 200


def test_authlib_refresh_flow_works_against_the_sandbox(sandbox):
    tokens = _tokens(sandbox)
    with _authlib_client(sandbox, token=tokens) as client:
        refreshed = client.refresh_token(f"{sandbox.base_url}/connect/token")

    assert refreshed["refresh_token"] != tokens["refresh_token"]
    assert _widgets(sandbox, refreshed["access_token"], sandbox.tenant_id).status_code == 200


def test_unused_refresh_token_expires_after_its_lifetime(sandbox):
    tokens = _tokens(sandbox)
    sandbox.advance(sandbox.config.refresh_token_lifetime + 1)

    assert _refresh(sandbox, tokens["refresh_token"]).json() == {"error": "invalid_grant"}


def test_lost_refresh_reply_can_be_retried_with_the_old_token(sandbox):
    tokens = _tokens(sandbox)
    sandbox.set_faults(drop_token_response_next=1)

    with pytest.raises(httpx.RemoteProtocolError):
        _refresh(sandbox, tokens["refresh_token"])
    retry = _refresh(sandbox, tokens["refresh_token"])

    assert retry.status_code == 200
    assert _widgets(sandbox, retry.json()["access_token"], sandbox.tenant_id).status_code == 200


def test_expired_access_token_is_401_token_expired(sandbox):
    token = sandbox.client_credentials_token()["access_token"]
    assert _widgets(sandbox, token).status_code == 200

    sandbox.advance(sandbox.config.access_token_lifetime + 1)
    reply = _widgets(sandbox, token)

    assert reply.status_code == 401
    assert reply.json()["Detail"].startswith("TokenExpired: token expired at ")
    assert reply.json()["Title"] == "Unauthorized"


def test_unknown_token_is_401_authentication_unsuccessful(sandbox):
    reply = _widgets(sandbox, "not-a-token", sandbox.tenant_id)

    assert reply.status_code == 401
    assert reply.json()["Detail"] == "AuthenticationUnsuccessful"


def test_unknown_or_missing_tenant_is_403(sandbox):
    user_token = _tokens(sandbox)["access_token"]
    custom = sandbox.client_credentials_token()["access_token"]
    unknown = "00000000-0000-0000-0000-000000000001"

    assert _widgets(sandbox, user_token, unknown).status_code == 403
    assert _widgets(sandbox, user_token, None).status_code == 403  # a user token must name one
    assert _widgets(sandbox, custom, unknown).status_code == 403
    assert _widgets(sandbox, custom, "").status_code == 200  # custom connection: its own tenant
    assert _widgets(sandbox, custom, None).status_code == 200
    assert _widgets(sandbox, user_token, unknown).json()["Detail"] == "AuthenticationUnsuccessful"


def test_connections_list_every_consented_tenant_and_delete_disconnects(sandbox_factory):
    tenants = [TenantConfig("11111111-1111-4111-8111-111111111111", "Org One"),
               TenantConfig("22222222-2222-4222-8222-222222222222", "Org Two")]
    sandbox = sandbox_factory(SandboxConfig(tenants=tenants, clock_scale=600),
                              routes=shell_fakes.ROUTES)
    token = _tokens(sandbox)["access_token"]
    auth = {"Authorization": f"Bearer {token}"}

    listed = httpx.get(f"{sandbox.base_url}/connections", headers=auth)
    connections = listed.json()

    assert listed.status_code == 200
    assert [c["tenantName"] for c in connections] == ["Org One", "Org Two"]
    assert set(connections[0]) == {"id", "authEventId", "tenantId", "tenantType", "tenantName",
                                   "createdDateUtc", "updatedDateUtc"}
    assert connections[0]["tenantType"] == "ORGANISATION"
    assert set(listed.headers) & {"x-minlimit-remaining", "x-daylimit-remaining"} == set()
    assert "x-appminlimit-remaining" in listed.headers

    two = connections[1]
    assert _widgets(sandbox, token, two["tenantId"]).status_code == 200
    deleted = httpx.delete(f"{sandbox.base_url}/connections/{two['id']}", headers=auth)
    again = httpx.delete(f"{sandbox.base_url}/connections/{two['id']}", headers=auth)

    assert deleted.status_code == 204
    assert again.status_code == 404
    assert _widgets(sandbox, token, two["tenantId"]).status_code == 403
    assert [c["tenantName"] for c in httpx.get(f"{sandbox.base_url}/connections",
                                               headers=auth).json()] == ["Org One"]


def test_connections_filter_by_auth_event(sandbox):
    token = _tokens(sandbox)["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    event = httpx.get(f"{sandbox.base_url}/connections", headers=auth).json()[0]["authEventId"]

    same = httpx.get(f"{sandbox.base_url}/connections", headers=auth, params={"authEventId": event})
    other = httpx.get(f"{sandbox.base_url}/connections", headers=auth,
                      params={"authEventId": "00000000-0000-0000-0000-000000000000"})

    assert len(same.json()) == 1 and other.json() == []


def test_revoking_the_refresh_token_ends_the_whole_grant(sandbox):
    tokens = _tokens(sandbox)
    revoked = httpx.post(f"{sandbox.base_url}/connect/revocation",
                         auth=(sandbox.config.client_id, sandbox.config.client_secret),
                         data={"token": tokens["refresh_token"]})

    assert revoked.status_code == 200
    assert _refresh(sandbox, tokens["refresh_token"]).json() == {"error": "invalid_grant"}
    assert _widgets(sandbox, tokens["access_token"], sandbox.tenant_id).status_code == 401


def test_token_requests_are_counted(sandbox):
    sandbox.client_credentials_token()
    sandbox.client_credentials_token()

    assert sandbox.request_count("/connect/token", "POST", 200) == 2


def test_hand_built_s256_flow_with_form_credentials(sandbox):
    # Without authlib: the challenge is computed here, credentials go in the form body.
    verifier = secrets.token_urlsafe(64)
    reply = httpx.get(f"{sandbox.base_url}/connect/authorize", params={
        "response_type": "code", "client_id": sandbox.config.client_id, "redirect_uri": REDIRECT,
        "scope": "offline_access accounting.contacts", "state": "st",
        "code_challenge": _challenge(verifier), "code_challenge_method": "S256"})
    code = parse_qs(urlsplit(reply.headers["location"]).query)["code"][0]

    token = httpx.post(f"{sandbox.base_url}/connect/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "code_verifier": verifier, "client_id": sandbox.config.client_id,
        "client_secret": sandbox.config.client_secret})

    assert token.status_code == 200
    assert "id_token" not in token.json()  # no openid scope, no id_token
    assert token.headers["cache-control"] == "no-store"
