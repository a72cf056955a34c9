"""The background poll's decisions (the original's "background poll", B6), as plain functions.

The sensor in assets/balance_refresh.py asks two questions each tick and turns the answers
into run requests; it never sends or refreshes anything itself:

1. Are there newly Live invoices to send? Invoices that are Live, not yet sent to accounts and
   still owe their whole total (the Send All Live rule, B29). If so, a run of the invoice
   push's ``send_all_live_invoices`` job. Its run key names the invoices and the day, so the
   same set is asked for at most once a day: a send that failed (a bad product, B32) is not
   retried every few minutes, and a newly Live invoice makes a new set at once.
2. Did anything change in Xero since the poll's cursor? One If-Modified-Since page per
   collection (two calls per tenant). If a changed document is one the CRM refreshes (sent,
   not Paid or Cancelled), or more than a page changed, a run of update_all_invoice_balances,
   which reads only what changed since its own cursor. The poll's cursor moves to Xero's clock
   at this look; if a refresh is already running, it stays, so the changes are seen next tick.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import Engine, and_, select

from resources.crm.models import Invoice, InvoiceStatus
from resources.xero.api import XeroApi
from resources.xero.dates import parse_xero_datetime

from .cursor import read_cursor
from .documents import CLOSED_STATUSES, IN_CHUNK, DocKind, chunks
from .fetch import CURSOR_OVERLAP, page_params


@dataclass(frozen=True)
class XeroChanges:
    changed: int  # documents Xero reports modified since the cursor (first page)
    relevant: int  # of those, documents the CRM refreshes
    more_pages: bool
    server_time: datetime
    calls: int

    @property
    def worth_a_refresh(self) -> bool:
        return self.relevant > 0 or self.more_pages


def newly_live_invoices(engine: Engine) -> list[tuple[int, str]]:
    """(id, number) of Live invoices never sent that still owe their whole total (B29)."""
    invoices = Invoice.__table__
    query = select(invoices.c.id, invoices.c.number, invoices.c.total, invoices.c.amount_outstanding).where(
        and_(invoices.c.status == InvoiceStatus.LIVE, invoices.c.sent_to_accounts.is_(False))
    ).order_by(invoices.c.id)
    with engine.connect() as db:
        return [(r.id, r.number) for r in db.execute(query) if r.amount_outstanding == r.total]


def send_run_key(invoice_ids: Sequence[int], day: date) -> str:
    digest = hashlib.sha256(",".join(map(str, sorted(invoice_ids))).encode()).hexdigest()[:16]
    return f"send_all_live_invoices:{day.isoformat()}:{digest}"


def poll_since(engine: Engine, tenant_ids: Sequence[str], sensor_cursor: str | None) -> datetime | None:
    """Where the poll looks from: its own cursor, else the last successful update-all's."""
    if sensor_cursor:
        value = json.loads(sensor_cursor).get("xero_since")
        return datetime.fromisoformat(value) if value else None
    # A collection without a cursor had nothing open to refresh; whatever is sent later is read
    # by id by the refresh anyway, so the other collections' cursors say enough.
    known = [c for c in (read_cursor(engine, t, k.collection) for t in tenant_ids for k in DocKind) if c]
    return min(known) if known else None


def poll_cursor(moment: datetime) -> str:
    return json.dumps({"xero_since": moment.astimezone(UTC).isoformat()})


def _relevant(engine: Engine, kind: DocKind, keys: list[str]) -> int:
    table = kind.table
    column = table.c[kind.xero_id_column]
    count = 0
    with engine.connect() as db:
        for chunk in chunks(keys, IN_CHUNK):
            count += len(db.execute(select(table.c.id).where(
                column.in_(chunk), table.c.sent_to_accounts.is_(True),
                table.c.status.not_in([s.value for s in CLOSED_STATUSES]),
            )).all())
    return count


def probe_xero_changes(api: XeroApi, engine: Engine, tenant_ids: Sequence[str],
                       since: datetime | None) -> XeroChanges:
    """One If-Modified-Since page of invoices and of credit notes per tenant."""
    changed = relevant = calls = 0
    more = False
    moments: list[datetime] = []
    for tenant_id in tenant_ids:
        for kind in DocKind:
            asked_at = datetime.now(UTC)
            response = api.request("GET", f"/{kind.collection}", tenant_id, params=page_params(kind, 1),
                                   if_modified_since=since - CURSOR_OVERLAP if since else None)
            calls += 1
            payload = response.json(parse_float=Decimal)
            stamp = payload.get("DateTimeUTC")
            moments.append(parse_xero_datetime(stamp) if isinstance(stamp, str) else asked_at)
            items = payload.get(kind.collection) or []
            keys = sorted({str(i.get(kind.xero_id_field)) for i in items if i.get(kind.xero_id_field)})
            # Ids as the CRM may hold them: Xero's lower case, or as typed when linked by hand.
            keys = sorted(set(keys) | {k.lower() for k in keys} | {k.upper() for k in keys})
            changed += len(items)
            relevant += _relevant(engine, kind, keys)
            more = more or ((payload.get("pagination") or {}).get("pageCount") or 1) > 1
    return XeroChanges(changed, relevant, more, min(moments) if moments else datetime.now(UTC), calls)
