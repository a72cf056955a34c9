"""Finding and opening the CRM database: URL from the environment, clear errors, SQLite set-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from resources.crm import db
from resources.crm.db import ENV_VAR, database_url, make_engine, parse_database_url


def test_database_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "postgresql+psycopg://crm@db.example:5432/crm")
    assert database_url() == "postgresql+psycopg://crm@db.example:5432/crm"


def test_database_url_defaults_to_a_sqlite_file_and_creates_its_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Zero set-up: with no CRM_DATABASE_URL the CRM is a SQLite file under data/."""
    target = tmp_path / "data" / "crm.sqlite"
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(db, "DEFAULT_SQLITE_PATH", target)
    assert database_url() == f"sqlite:///{target}"
    assert target.parent.is_dir()


def test_make_engine_without_url_uses_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ENV_VAR, f"sqlite:///{tmp_path / 'env.sqlite'}")
    engine = make_engine()
    try:
        assert engine.url.database == str(tmp_path / "env.sqlite")
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "url",
    ["not a url", "://nothing", "sqlite:/missing-slash", ""],
)
def test_malformed_url_raises_value_error_naming_the_variable(url: str) -> None:
    with pytest.raises(ValueError, match=ENV_VAR):
        make_engine(url)


@pytest.mark.parametrize(
    "url",
    ["mysql://root@localhost/crm", "oracle://scott@db/orcl", "postgresql+psycopg2://u@h/crm"],
)
def test_unsupported_database_raises_value_error_naming_the_variable(url: str) -> None:
    with pytest.raises(ValueError, match=f"{ENV_VAR} uses an unsupported database"):
        make_engine(url)


def test_postgres_url_without_a_database_name_is_refused() -> None:
    with pytest.raises(ValueError, match=f"{ENV_VAR} names no database"):
        parse_database_url("postgresql+psycopg://postgres@127.0.0.1:5432")


def test_error_messages_never_show_the_password() -> None:
    for url in ("mysql://crm:s3cret-pw@db/crm", "nonsense://crm:s3cret-pw@@"):
        with pytest.raises(ValueError) as caught:
            parse_database_url(url)
        assert "s3cret-pw" not in str(caught.value)


@pytest.mark.parametrize("alias", ["postgresql", "postgres"])
def test_plain_postgres_urls_use_the_installed_psycopg_driver(alias: str) -> None:
    parsed = parse_database_url(f"{alias}://postgres@127.0.0.1:5432/crm")
    assert parsed.drivername == "postgresql+psycopg"


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'crm.sqlite'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    finally:
        engine.dispose()
    assert (tmp_path / "nested" / "crm.sqlite").exists()


def test_sqlite_transactions_roll_back_ddl_too(tmp_path: Path) -> None:
    """make_engine gives SQLite real transactions, so a failed migration leaves nothing."""
    engine = make_engine(f"sqlite:///{tmp_path / 'tx.sqlite'}")
    try:
        with engine.connect() as connection:
            connection.execute(text("CREATE TABLE half_done (id INTEGER)"))
            connection.rollback()
            remaining = connection.execute(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'")
            ).scalar_one()
        assert remaining == 0
    finally:
        engine.dispose()
