"""Extract Xero contacts into the CRM database: in full the first time, then only what changed.

The ContactID is the "Xero Reference" (B7) that ties a CRM company to a Xero contact. The
extract asks for contacts with includeArchived, 1,000 a page (Xero's maximum: a tenth of the
calls the default page of 100 costs), and, after the first run, If-Modified-Since the newest
UpdatedDateUTC it has seen. Pages are upserted into xero_contact_snapshot as they arrive, so
memory stays flat; the cursor moves only after the last page is stored. A run that dies midway
therefore leaves the old cursor, and the rerun fetches those contacts again and upserts them
over themselves: nothing lost, nothing duplicated.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite

from resources.crm.models import SyncState, XeroContactSnapshot

from .api import MAX_PAGE_SIZE, XeroApi
from .dates import parse_xero_datetime

# Xero's If-Modified-Since is accurate to the second; asking from one second before the newest
# change we hold costs a few repeats (upserted over themselves) and never misses a contact.
CURSOR_OVERLAP = timedelta(seconds=1)
FRAME_COLUMNS = [
    "ContactID", "Name", "ContactNumber", "ContactStatus", "EmailAddress", "FirstName", "LastName",
    "UpdatedDateUTC", "Contact",
]


def cursor_name(tenant_id: str) -> str:
    return f"xero_contacts:{tenant_id}"


@dataclass
class ExtractReport:
    tenant_id: str
    mode: str  # "full" or "incremental"
    fetched: int  # contacts Xero returned this run
    new: int
    changed: int
    total: int  # contacts held for the tenant after the run
    api_calls: int
    cursor: datetime | None


def read_cursor(engine: Engine, tenant_id: str) -> datetime | None:
    with engine.connect() as db:
        value = db.execute(select(SyncState.cursor).where(SyncState.name == cursor_name(tenant_id))).scalar()
    return datetime.fromisoformat(value) if value else None


def _upsert(db: Any, table: Any, rows: list[dict[str, Any]], keys: list[str]) -> None:
    if not rows:
        return
    dialect = postgresql if db.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(rows)
    updates = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
    db.execute(statement.on_conflict_do_update(index_elements=keys, set_=updates))


def extract_contacts(api: XeroApi, engine: Engine, tenant_id: str, *, full: bool = False,
                     page_size: int = MAX_PAGE_SIZE,
                     progress: Callable[[str], None] | None = None) -> ExtractReport:
    """Bring xero_contact_snapshot up to date for one tenant; ``full`` ignores the cursor."""
    cursor = None if full else read_cursor(engine, tenant_id)
    since = cursor - CURSOR_OVERLAP if cursor else None
    calls_before = api.stats.calls
    table = XeroContactSnapshot.__table__
    fetched = new = changed = 0
    newest = cursor
    for page_number, page in enumerate(api.get_pages(
        "Contacts", tenant_id, params={"includeArchived": "true"}, if_modified_since=since, page_size=page_size,
    ), start=1):
        rows = []
        for contact in page:
            updated = parse_xero_datetime(contact["UpdatedDateUTC"])
            newest = updated if newest is None or updated > newest else newest
            rows.append({
                "tenant_id": tenant_id,
                "contact_id": contact["ContactID"],
                "name": contact.get("Name") or "",
                "contact_number": contact.get("ContactNumber"),
                "contact_status": contact.get("ContactStatus"),
                "updated_utc": updated,
                "document": json.dumps(contact, separators=(",", ":")),
            })
        with engine.begin() as db:
            ids = [r["contact_id"] for r in rows]
            known = set(db.execute(
                select(table.c.contact_id).where(table.c.tenant_id == tenant_id, table.c.contact_id.in_(ids))
            ).scalars())
            _upsert(db, table, rows, ["tenant_id", "contact_id"])
        fetched += len(rows)
        changed += len(known)
        new += len(rows) - len(known)
        if progress:
            progress(f"page {page_number}: {len(rows)} contacts stored ({fetched} so far)")
    with engine.begin() as db:
        if newest is not None:
            _upsert(db, SyncState.__table__, [{
                "name": cursor_name(tenant_id), "cursor": newest.astimezone(UTC).isoformat(),
                "updated_at": datetime.now(UTC),
            }], ["name"])
        total = db.execute(select(func.count()).select_from(table).where(table.c.tenant_id == tenant_id)).scalar_one()
    return ExtractReport(
        tenant_id=tenant_id, mode="incremental" if cursor else "full", fetched=fetched, new=new,
        changed=changed, total=total, api_calls=api.stats.calls - calls_before, cursor=newest,
    )


def contacts_frame(engine: Engine, tenant_ids: list[str]) -> pd.DataFrame:
    """Every stored contact of the tenants, one row each, with the full Xero document in ``Contact``."""
    table = XeroContactSnapshot.__table__
    records = []
    with engine.connect() as db:
        result = db.execute(
            select(table.c.tenant_id, table.c.document)
            .where(table.c.tenant_id.in_(tenant_ids))
            .order_by(table.c.tenant_id, table.c.name, table.c.contact_id)
        )
        for tenant_id, document in result:
            contact = json.loads(document)
            records.append({
                "TenantID": tenant_id,
                **{col: contact.get(col) for col in FRAME_COLUMNS[:-2]},
                "UpdatedDateUTC": parse_xero_datetime(contact["UpdatedDateUTC"]),
                "Contact": contact,
            })
    return pd.DataFrame.from_records(records, columns=["TenantID", *FRAME_COLUMNS])
