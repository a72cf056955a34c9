"""Where the CRM database is and how to reach it: URL, engine, sessions, migrations.

The URL comes from ``CRM_DATABASE_URL``; without it the CRM is a SQLite file under ``data/``
so the project runs with zero set-up. PostgreSQL is for production and CI. Migrations run
through Alembic's Python API, never a subprocess, so tests, jobs and the demo share one path.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

ENV_VAR = "CRM_DATABASE_URL"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = REPO_ROOT / "data" / "crm.sqlite"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# psycopg 3 is the installed driver; a bare "postgresql://" would make SQLAlchemy look for
# psycopg2, and "postgres://" (Heroku style) is not a dialect name at all.
_DRIVER_ALIASES = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "sqlite": "sqlite",
}
_SUPPORTED_DRIVERS = {"sqlite", "sqlite+pysqlite", "postgresql+psycopg"}
# SQLite waits this long for another writer's lock instead of failing at once.
_SQLITE_BUSY_TIMEOUT_MS = 30_000


def database_url() -> str:
    """The CRM URL: ``CRM_DATABASE_URL`` if set, else the default SQLite file (folder created)."""
    url = os.environ.get(ENV_VAR, "").strip()
    if url:
        return url
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _redact(raw: str) -> str:
    """Hide a password in a URL that may not even parse, for error messages."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", raw)


def parse_database_url(url: str | URL) -> URL:
    """Parse and normalise a CRM URL; ``ValueError`` naming ``CRM_DATABASE_URL`` when unusable."""
    if isinstance(url, URL):
        parsed = url
    else:
        try:
            parsed = make_url(url.strip())
        except (ArgumentError, ValueError) as exc:
            raise ValueError(
                f"{ENV_VAR} is not a valid database URL: {_redact(url)!r}. Expected e.g. "
                "'sqlite:///data/crm.sqlite' or "
                "'postgresql+psycopg://user@host:5432/crm'."
            ) from exc
    driver = _DRIVER_ALIASES.get(parsed.drivername, parsed.drivername)
    if driver not in _SUPPORTED_DRIVERS:
        raise ValueError(
            f"{ENV_VAR} uses an unsupported database {parsed.drivername!r} in "
            f"{parsed.render_as_string(hide_password=True)!r}: use 'sqlite:///<file>' or "
            "'postgresql+psycopg://<user>@<host>:<port>/<db>'."
        )
    if driver.startswith("postgresql") and not parsed.database:
        raise ValueError(
            f"{ENV_VAR} names no database: "
            f"{parsed.render_as_string(hide_password=True)!r} needs '/<database>' at the end."
        )
    return parsed.set(drivername=driver)


def _configure_sqlite(engine: Engine, *, foreign_keys: bool) -> None:
    """Per-connection SQLite settings, and real transactions.

    pysqlite opens transactions late and commits DDL on its own, which would make a failed
    migration or import half-written. Taking transaction control from the driver (isolation
    level None) and emitting BEGIN ourselves is SQLAlchemy's documented fix.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
            # WAL lets the Dagster UI read while a job writes; in-memory databases ignore it.
            cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


def make_engine(url: str | URL | None = None, *, sqlite_foreign_keys: bool = True) -> Engine:
    """An Engine for the CRM database (``database_url()`` when no URL is given).

    SQLite gets foreign keys enforced, WAL and a busy timeout. ``sqlite_foreign_keys=False``
    is only for migrations: Alembic's batch mode copies and drops tables, which enforced
    foreign keys would turn into cascades or failures.
    """
    parsed = parse_database_url(database_url() if url is None else url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed)
        _configure_sqlite(engine, foreign_keys=sqlite_foreign_keys)
        return engine
    # pool_pre_ping: a nightly job should survive PostgreSQL having restarted since the last.
    return create_engine(parsed, pool_pre_ping=True)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit, so results can be read after the write."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic Config for the CRM migrations, independent of the working directory."""
    parsed = parse_database_url(database_url() if url is None else url)
    config = Config()
    # ConfigParser treats "%" as interpolation, so escape it in paths and URLs.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option(
        "sqlalchemy.url",
        parsed.render_as_string(hide_password=False).replace("%", "%%"),
    )
    return config


def upgrade_head(url: str | URL | None = None) -> None:
    """Migrate the CRM database to the newest schema (creates an empty database's tables)."""
    command.upgrade(alembic_config(url), "head")


def downgrade_base(url: str | URL | None = None) -> None:
    """Undo every migration: drops all CRM tables. For tests and starting over."""
    command.downgrade(alembic_config(url), "base")
