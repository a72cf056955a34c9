"""The CRM database as a Dagster resource: a SQLAlchemy engine built once per run process."""

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from resources.crm.db import make_engine


class CrmDatabase(ConfigurableResource):
    """The CRM's database (CRM_DATABASE_URL; a SQLite file by default, PostgreSQL in production)."""

    url: str

    _engine: Engine | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        # A malformed URL fails here, before any step calls Xero.
        self._engine = make_engine(self.url)

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._engine is not None:
            self._engine.dispose()

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url)
        return self._engine

    def session(self) -> Session:
        return sessionmaker(self.engine, expire_on_commit=False)()
