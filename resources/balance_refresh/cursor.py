"""The refresh cursor: Xero's clock at the start of the last successful update-all, per tenant
and collection, kept in sync_state.

It is taken from the ``DateTimeUTC`` of Xero's first answer in that run (Xero's clock, not
ours, so a skewed server clock cannot make us skip changes), and written only when the whole
run succeeded. Every document the run selected was then read at or after that moment, so a
document Xero has not modified since is still as the CRM holds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from resources.crm.models import SyncState

PREFIX = "balance_refresh"


def cursor_name(tenant_id: str, collection: str) -> str:
    return f"{PREFIX}:{tenant_id}:{collection}"


def read_cursor(engine: Engine, tenant_id: str, collection: str) -> datetime | None:
    with engine.connect() as db:
        value = db.execute(
            select(SyncState.cursor).where(SyncState.name == cursor_name(tenant_id, collection))
        ).scalar()
    return datetime.fromisoformat(value) if value else None


def write_cursors(engine: Engine, moments: Mapping[tuple[str, str], datetime]) -> None:
    """Store (tenant, collection) -> moment, all in one transaction."""
    if not moments:
        return
    table = SyncState.__table__
    now = datetime.now(UTC)
    rows = [{"name": cursor_name(tenant, collection), "cursor": moment.astimezone(UTC).isoformat(),
             "updated_at": now} for (tenant, collection), moment in moments.items()]
    with engine.begin() as db:
        dialect = postgresql if db.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(table).values(rows)
        db.execute(statement.on_conflict_do_update(
            index_elements=["name"],
            set_={"cursor": statement.excluded.cursor, "updated_at": statement.excluded.updated_at},
        ))
