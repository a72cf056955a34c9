"""Fixtures for the CRM database tests: each schema test runs on SQLite and on PostgreSQL.

PostgreSQL is never skipped: when the server at 127.0.0.1:5432 is down the postgres-param
tests fail with a message saying so, because CI starts it and a silent skip would hide a
schema that only works on SQLite. Each test gets its own freshly created database, dropped
afterwards. ``CRM_TEST_POSTGRES_ADMIN`` (a postgresql:// URL) overrides the admin connection.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from resources.crm.db import make_engine, session_factory, upgrade_head
from resources.crm.demo_data import generate

POSTGRES_ADMIN = os.environ.get(
    "CRM_TEST_POSTGRES_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"
)

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]

# Companies in the shared demo database: enough for every guarantee plus random variety,
# small enough to build in well under a second on either backend.
DEMO_COMPANIES = 200
DEMO_SEED = 42


def _connect_admin() -> psycopg.Connection:
    try:
        return psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN} ({exc}). The postgres-marked CRM "
            "tests need it and are not skipped: start PostgreSQL (CI does), or deselect them "
            "with -m 'not postgres'.",
            pytrace=False,
        )


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"crm_test_{uuid.uuid4().hex[:16]}"
    with _connect_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    admin_url = make_url(POSTGRES_ADMIN)
    try:
        yield admin_url.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with _connect_admin() as admin:
            # FORCE: a leaked pooled connection must not leave test databases behind.
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def sqlite_database(directory: Path) -> Iterator[str]:
    yield f"sqlite:///{directory / f'crm_{uuid.uuid4().hex[:8]}.sqlite'}"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def new_database_url(backend: str, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Makes as many empty databases on the test's backend as the test asks for."""
    with ExitStack() as stack:

        def make() -> str:
            if backend == "postgres":
                return stack.enter_context(postgres_database())
            return stack.enter_context(sqlite_database(tmp_path))

        yield make


@pytest.fixture
def empty_db_url(new_database_url: Callable[[], str]) -> str:
    return new_database_url()


@pytest.fixture
def migrated_engine(empty_db_url: str) -> Iterator[Engine]:
    upgrade_head(empty_db_url)
    engine = make_engine(empty_db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(migrated_engine: Engine) -> Iterator[Session]:
    with session_factory(migrated_engine)() as session:
        yield session


@pytest.fixture(scope="module", params=BACKENDS)
def demo_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated database holding the seed-42 demo CRM, shared by a module's read-only tests."""
    with ExitStack() as stack:
        if request.param == "postgres":
            url = stack.enter_context(postgres_database())
        else:
            url = stack.enter_context(sqlite_database(tmp_path_factory.mktemp("demo")))
        upgrade_head(url)
        engine = make_engine(url)
        stack.callback(engine.dispose)
        with session_factory(engine)() as session:
            generate(session, companies=DEMO_COMPANIES, seed=DEMO_SEED)
            session.commit()
        yield engine
