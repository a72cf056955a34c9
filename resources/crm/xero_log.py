"""xero_log: one row per document per attempt, success or error (B34).

Rows are written in their own short transactions, never inside the transaction that changes
the document, so a failure that rolls the document back still leaves its log row behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from .models import XeroLog


@dataclass(frozen=True)
class LogEntry:
    operation: str  # e.g. "send_invoice", "send_credit_note", "refresh_invoice", "upsert_item"
    outcome: str  # "success", "error", "skipped", "changed", "unchanged", "dry_run"
    document_type: str | None = None  # "invoice", "credit_note", "product", "company"
    document_number: str | None = None
    xero_id: str | None = None
    message: str | None = None


def write_log(engine: Engine, run_id: str | None, entries: Iterable[LogEntry]) -> int:
    """Append entries for one run; returns how many were written."""
    now = datetime.now(UTC)
    rows = [{**asdict(e), "run_id": run_id, "at": now} for e in entries]
    if rows:
        with engine.begin() as db:
            db.execute(insert(XeroLog), rows)
    return len(rows)


def read_log(engine: Engine, run_id: str) -> list[dict[str, object]]:
    """A run's log rows in order, for the run's metadata and for tests."""
    with engine.connect() as db:
        result = db.execute(select(XeroLog.__table__).where(XeroLog.run_id == run_id).order_by(XeroLog.id))
        return [dict(row._mapping) for row in result]
