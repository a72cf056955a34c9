"""Writing one batch of refreshed documents into the CRM: all of it or none of it.

Each batch is one transaction holding the documents' new values, the companies' Xero
References, (for update-all) the touched companies' balances, and the xero_log rows that
record every one of those changes. A run stopped between batches therefore leaves each
written batch whole and logged, and the batches not yet written exactly as they were.

Two guards keep the write honest:
- a document is updated only if its status is still the one read at the start of the run; one
  changed in the CRM meanwhile is skipped with a log row, and the next refresh takes it;
- a Xero Reference is unique per company, so a contact already linked to another company, or
  two contacts claimed for one company in the same batch, is reported, not written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime

from sqlalchemy import Connection, Engine, func, insert, select, update

from resources.crm.models import Company, XeroLog
from resources.crm.xero_log import LogEntry, write_log

from .company_balances import BalanceChange, apply_balance_changes, balance_changes
from .documents import DocKind
from .rules import DocumentUpdate

OPERATIONS = {DocKind.INVOICE: "refresh_invoice", DocKind.CREDIT_NOTE: "refresh_credit_note"}


@dataclass(frozen=True)
class ReferenceChange:
    company_id: int
    before: str | None
    after: str
    source: str  # "invoice INV-000012"


@dataclass
class BatchWrite:
    """What one batch did (or, in a dry run, would do)."""

    changed: list[DocumentUpdate] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[DocumentUpdate] = field(default_factory=list)
    references: list[ReferenceChange] = field(default_factory=list)
    balances: list[BalanceChange] = field(default_factory=list)
    log_rows: int = 0


def change_entry(update_: DocumentUpdate, actor: str, outcome: str = "changed") -> LogEntry:
    doc = update_.doc
    return LogEntry(operation=OPERATIONS[doc.kind], outcome=outcome, document_type=doc.kind.value,
                    document_number=doc.number, xero_id=update_.xero.key,
                    message=f"{update_.describe()} (by {actor})")


def _plan_references(db: Connection, updates: Sequence[DocumentUpdate],
                     entries: list[LogEntry]) -> list[ReferenceChange]:
    wanted: dict[int, ReferenceChange] = {}
    clashing: set[int] = set()
    for u in updates:
        if not u.reference_changed or u.company_reference is None:
            continue
        change = ReferenceChange(u.doc.company_id, u.doc.company_reference, u.company_reference,
                                 f"{u.doc.kind.label} {u.doc.number}")
        previous = wanted.get(u.doc.company_id)
        if previous is not None and previous.after.lower() != change.after.lower():
            clashing.add(u.doc.company_id)
            entries.append(LogEntry("set_xero_reference", "skipped", "company", str(u.doc.company_id),
                                    change.after, f"{previous.source} names contact {previous.after} but "
                                    f"{change.source} names {change.after}; left as {change.before}"))
        wanted[u.doc.company_id] = change
    for company_id in clashing:
        wanted.pop(company_id, None)
    if not wanted:
        return []
    companies = Company.__table__
    lowered = {c.after.lower() for c in wanted.values()}
    holders = {ref.lower(): crm_id for crm_id, ref in db.execute(
        select(companies.c.crm_id, companies.c.xero_reference)
        .where(func.lower(companies.c.xero_reference).in_(lowered))
    )}
    claimed: dict[str, list[int]] = {}
    for change in wanted.values():
        claimed.setdefault(change.after.lower(), []).append(change.company_id)
    kept = []
    for change in wanted.values():
        holder = holders.get(change.after.lower())
        others = [c for c in claimed[change.after.lower()] if c != change.company_id]
        if (holder is not None and holder != change.company_id) or others:
            owner = holder if holder is not None and holder != change.company_id else others[0]
            entries.append(LogEntry("set_xero_reference", "skipped", "company", str(change.company_id), change.after,
                                    f"Xero contact {change.after} (from {change.source}) is already the Xero Reference"
                                    f" of company {owner}; left as {change.before}"))
            continue
        kept.append(change)
    return kept


def _reference_entry(change: ReferenceChange, actor: str, outcome: str = "changed") -> LogEntry:
    return LogEntry("set_xero_reference", outcome, "company", str(change.company_id), change.after,
                    f"Xero Reference {change.before or '(none)'} -> {change.after}, from {change.source} (by {actor})")


def _insert_log(db: Connection, run_id: str | None, entries: Sequence[LogEntry], at: datetime) -> None:
    if entries:
        db.execute(insert(XeroLog), [{**asdict(e), "run_id": run_id, "at": at} for e in entries])


def write_batch(engine: Engine, updates: Sequence[DocumentUpdate], *, run_id: str | None, actor: str,
                now: datetime, recompute_companies: bool) -> BatchWrite:
    """Apply one batch in one transaction, log rows included."""
    result = BatchWrite()
    entries: list[LogEntry] = []
    with engine.begin() as db:
        for u in updates:
            if not u.document_changed:
                result.unchanged += 1
                continue
            table = u.doc.kind.table
            values = {"status": u.status, "amount_outstanding": u.amount_outstanding, "sent_to_accounts": True,
                      "sent_to_accounts_date": u.sent_to_accounts_date, "updated_at": now}
            if u.doc.kind is DocKind.CREDIT_NOTE:
                values["remaining_credit"] = u.remaining_credit
            written = db.execute(
                update(table).where(table.c.id == u.doc.id, table.c.status == u.doc.status).values(**values)
            ).rowcount
            if written:
                result.changed.append(u)
                entries.append(change_entry(u, actor))
            else:
                result.conflicts.append(u)
                entries.append(replace(change_entry(u, actor, "skipped"), message=(
                    f"changed in the CRM while the refresh ran (it was {u.doc.status.value}); not overwritten, "
                    f"the next refresh takes it (by {actor})")))
        conflicted = {id(u) for u in result.conflicts}
        result.references = _plan_references(db, [u for u in updates if id(u) not in conflicted], entries)
        companies = Company.__table__
        for change in result.references:
            db.execute(update(companies).where(companies.c.crm_id == change.company_id)
                       .values(xero_reference=change.after, updated_at=now))
            entries.append(_reference_entry(change, actor))
        if recompute_companies:
            touched = {u.doc.company_id for u in result.changed if u.doc.kind is DocKind.INVOICE}
            result.balances = balance_changes(db, touched) if touched else []
            apply_balance_changes(db, result.balances)
            entries.extend(b.log_entry(actor) for b in result.balances)
        _insert_log(db, run_id, entries, now)
    result.log_rows = len(entries)
    return result


def dry_run_batch(engine: Engine, updates: Sequence[DocumentUpdate], *, run_id: str | None,
                  actor: str) -> BatchWrite:
    """What ``write_batch`` would do, logged as dry_run rows; the CRM is not touched."""
    result = BatchWrite()
    entries: list[LogEntry] = []
    with engine.connect() as db:
        for u in updates:
            if u.document_changed:
                result.changed.append(u)
                entries.append(change_entry(u, actor, "dry_run"))
            else:
                result.unchanged += 1
        planned: list[LogEntry] = []
        result.references = _plan_references(db, updates, planned)
    entries.extend(replace(e, outcome="dry_run") for e in planned)
    entries.extend(_reference_entry(c, actor, "dry_run") for c in result.references)
    result.log_rows = write_log(engine, run_id, entries)
    return result
