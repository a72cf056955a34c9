"""Token set at rest: encrypted, versioned, and a warning before the refresh token dies (B3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine

from resources.xero.errors import XeroConfigError, XeroNotConnectedError
from resources.xero.token_store import (
    ConnectionInfo,
    TokenCipher,
    read_connection,
    save_connection,
    staleness_warning,
)


def info(kind: str, last_used: datetime) -> ConnectionInfo:
    return ConnectionInfo("default", kind, [], None, last_used, 1)


def test_warns_after_50_unused_days_of_60():
    now = datetime(2026, 11, 26, tzinfo=UTC)
    assert staleness_warning(info("authorization_code", now - timedelta(days=49)), now) is None
    warning = staleness_warning(info("authorization_code", now - timedelta(days=51)), now)
    assert warning is not None
    assert "51 days" in warning and "2026-12-05" in warning


def test_custom_connection_never_warns():
    now = datetime(2026, 11, 26, tzinfo=UTC)
    assert staleness_warning(info("client_credentials", now - timedelta(days=300)), now) is None


def test_token_set_is_sealed_and_saving_again_bumps_the_version(crm_engine: Engine):
    cipher = TokenCipher(Fernet.generate_key())
    token = {"access_token": "AT-secret-1", "refresh_token": "RT-secret-1", "expires_in": 1800}
    first = save_connection(crm_engine, cipher, auth_kind="authorization_code", token=token,
                            tenants=[{"tenantId": "t1", "tenantName": "Org"}])
    second = save_connection(crm_engine, cipher, auth_kind="authorization_code", token=token, tenants=[])
    assert (first.version, second.version) == (1, 2)
    with crm_engine.connect() as db:
        sealed = db.exec_driver_sql("SELECT encrypted_token_set FROM xero_connection").scalar()
    assert "AT-secret-1" not in sealed and "RT-secret-1" not in sealed
    assert cipher.open(sealed)["refresh_token"] == "RT-secret-1"
    stored = read_connection(crm_engine)
    assert stored is not None and stored.version == 2


def test_wrong_key_cannot_open_the_token_set(crm_engine: Engine):
    sealed = TokenCipher(Fernet.generate_key()).seal({"access_token": "x"})
    with pytest.raises(XeroNotConnectedError, match="XERO_TOKEN_KEY"):
        TokenCipher(Fernet.generate_key()).open(sealed)


def test_missing_or_malformed_key_is_a_config_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("XERO_TOKEN_KEY", raising=False)
    with pytest.raises(XeroConfigError, match="XERO_TOKEN_KEY is not set"):
        TokenCipher.from_env()
    with pytest.raises(XeroConfigError, match="not a valid key"):
        TokenCipher("too-short")
