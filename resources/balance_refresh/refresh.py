"""One balance refresh run: select, read from Xero batch by batch, write each batch, report.

``update_selected_invoices`` is the original's "Update From Xero" (named documents, no company
balances, B24/B25); ``update_all_invoice_balances`` is "Update all Invoice Balances" (every
open sent document, then every company's balance, B30), and is the only one that uses and moves
the If-Modified-Since cursor: a refresh of a few named documents says nothing about the others,
and reads each of them whatever the cursor says.

Failure handling, by kind of fault:
- an answer the strict reader refuses (missing field, unknown status): that batch is not
  written, its documents get error rows in xero_log, the other batches go on, and the run
  ends as failed with every problem listed; the cursor does not move, so the next run reads
  those documents again;
- Xero unreachable after retries, the day limit, a killed process: the exception stops the
  run where it is; every batch already written is complete (crm_writes), the cursor has not
  moved, and a rerun reads and writes the rest (already written documents come back
  unchanged and are not logged again).
Every change lands in xero_log; unchanged documents do not, so the nightly run does not write
thousands of rows that say nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from resources.crm.models import InvoiceStatus
from resources.crm.xero_log import LogEntry, write_log
from resources.xero.api import MAX_PAGE_SIZE, XeroApi

from .company_balances import BalanceChange, apply_balance_changes, balance_changes
from .crm_writes import OPERATIONS, BatchWrite, ReferenceChange, dry_run_batch, write_batch
from .cursor import read_cursor, write_cursors
from .documents import CrmDocument, DocKind
from .fetch import CURSOR_OVERLAP, DocumentFetcher, FetchedBatch
from .rules import DocumentUpdate, decide
from .selection import Selection, Skipped, select_all, select_named
from .xero_answer import parse_document

Progress = Callable[[str], None]
CHANGES_SHOWN = 50


@dataclass(frozen=True)
class RefreshOptions:
    operation: str
    dry_run: bool = False
    use_cursor: bool = True  # False: read every selected document, ignoring If-Modified-Since
    advance_cursor: bool = False
    recompute_balances: bool = False
    # Xero's maxima; tests and benchmarks shrink them to get many batches from few documents.
    page_size: int = MAX_PAGE_SIZE
    id_batch: int | None = None


@dataclass
class RefreshReport:
    operation: str
    actor: str
    dry_run: bool
    selected: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    returned: int = 0  # selected documents Xero sent back
    changed: list[DocumentUpdate] = field(default_factory=list)
    unchanged: int = 0  # read and identical, or untouched in Xero since the cursor
    conflicts: int = 0
    missing: list[CrmDocument] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    references: list[ReferenceChange] = field(default_factory=list)
    balances: list[BalanceChange] = field(default_factory=list)
    api_calls: int = 0
    plans: list[str] = field(default_factory=list)
    batches: int = 0
    log_rows: int = 0
    cursor_advanced: bool = False

    @property
    def status_changes(self) -> dict[str, int]:
        counts = Counter(f"{u.doc.kind.label}: {u.doc.status.value} -> {u.status.value}"
                         for u in self.changed if u.status_changed)
        return dict(sorted(counts.items()))

    @property
    def money_moved(self) -> dict[str, dict[str, str]]:
        """Per currency: how much outstanding (invoices) and credit (credit notes) moved, and why."""
        sums: dict[str, dict[str, Decimal]] = {}
        for u in self.changed:
            delta = u.outstanding_delta
            if not delta:
                continue
            prefix = "invoices" if u.doc.kind is DocKind.INVOICE else "credit_notes"
            if u.status is InvoiceStatus.CANCELLED:
                reason = "cancelled"
            elif delta < 0:
                reason = "paid_or_credited" if u.doc.kind is DocKind.INVOICE else "allocated_or_refunded"
            else:
                reason = "reopened"
            bucket = sums.setdefault(u.doc.currency, {})
            bucket[f"{prefix}_{reason}"] = bucket.get(f"{prefix}_{reason}", Decimal("0.00")) + abs(delta)
            bucket[f"{prefix}_net_change"] = bucket.get(f"{prefix}_net_change", Decimal("0.00")) + delta
        return {cur: {k: str(v) for k, v in sorted(b.items())} for cur, b in sorted(sums.items())}

    def summary(self) -> dict[str, Any]:
        """Plain values for the run's metadata (and the demo's printout)."""
        return {
            "dry_run": self.dry_run,
            "requested_by": self.actor,
            "documents_selected": self.selected,
            "documents_skipped": len(self.skipped),
            "documents_returned_by_xero": self.returned,
            "documents_changed": len(self.changed),
            "documents_unchanged": self.unchanged,
            "changed_in_crm_meanwhile": self.conflicts,
            "missing_in_xero": len(self.missing),
            "batch_errors": len(self.errors),
            "status_changes": self.status_changes,
            "money_moved": self.money_moved,
            "xero_references_set": len(self.references),
            "company_balances_changed": len(self.balances),
            "api_calls": self.api_calls,
            "batches": self.batches,
            "fetch_plan": "; ".join(self.plans) or "nothing to read",
            "cursor_advanced": self.cursor_advanced,
            "xero_log_rows": self.log_rows,
        }

    def details(self, limit: int = CHANGES_SHOWN) -> dict[str, list[str]]:
        """The documents and balances that changed, one line each (the demo prints these)."""
        documents = []
        for u in self.changed[:limit]:
            status = f"{u.doc.status.value} -> {u.status.value}" if u.status_changed else u.status.value
            before = u.doc.amount_outstanding if u.doc.kind is DocKind.INVOICE else u.doc.remaining_credit
            after = u.amount_outstanding if u.doc.kind is DocKind.INVOICE else u.remaining_credit
            documents.append(f"{u.doc.kind.label} {u.doc.number}: {status}, outstanding {before} -> {after} "
                             f"{u.doc.currency}")
        balances = [f"company {b.company_id} {b.account_name}: balance {b.before} -> {b.after}"
                    for b in self.balances[:limit]]
        return {"changed_documents": documents, "changed_balances": balances}

    def changes_markdown(self, limit: int = CHANGES_SHOWN) -> str:
        if not self.changed:
            return "(no document changed)"
        lines = ["| document | status | outstanding | currency |", "|---|---|---|---|"]
        for u in self.changed[:limit]:
            status = f"{u.doc.status.value} -> {u.status.value}" if u.status_changed else u.status.value
            before = u.doc.amount_outstanding if u.doc.kind is DocKind.INVOICE else u.doc.remaining_credit
            after = u.amount_outstanding if u.doc.kind is DocKind.INVOICE else u.remaining_credit
            lines.append(f"| {u.doc.kind.label} {u.doc.number} | {status} | {before} -> {after} | {u.doc.currency} |")
        if len(self.changed) > limit:
            lines.append(f"| ... {len(self.changed) - limit} more | | | |")
        return "\n".join(lines)

    def balances_markdown(self, limit: int = CHANGES_SHOWN) -> str:
        if not self.balances:
            return "(no company balance changed)"
        lines = ["| company | balance |", "|---|---|"]
        lines += [f"| {b.company_id} {b.account_name} | {b.before} -> {b.after} |" for b in self.balances[:limit]]
        if len(self.balances) > limit:
            lines.append(f"| ... {len(self.balances) - limit} more | |")
        return "\n".join(lines)


def _skip_entries(skipped: Sequence[Skipped], operation: str, actor: str) -> list[LogEntry]:
    return [LogEntry(operation=operation, outcome="skipped", document_type=s.kind.value,
                     document_number=s.number, xero_id=s.xero_id, message=f"{s.reason} (by {actor})")
            for s in skipped]


@dataclass
class _Run:
    """The state one refresh carries from batch to batch."""

    api: XeroApi
    engine: Engine
    options: RefreshOptions
    report: RefreshReport
    run_id: str | None
    now: datetime
    progress: Progress
    overrides: dict[int, tuple[InvoiceStatus, Decimal]] = field(default_factory=dict)

    def apply(self, batch: FetchedBatch, docs: dict[str, CrmDocument], done: int, total: int) -> int:
        report = self.report
        report.batches += 1
        report.returned += len(batch.documents)
        updates: list[DocumentUpdate] = []
        bad: list[LogEntry] = []
        problems: list[str] = []
        for raw in batch.documents:
            found: list[str] = []
            parsed = parse_document(batch.kind, raw, found)
            if parsed is not None:
                updates.append(decide(docs[parsed.key], parsed, self.now))
                continue
            raw_id = str(raw.get(batch.kind.xero_id_field) or "").strip().lower()
            crm = docs.get(raw_id)
            problems.extend(found)
            bad.append(LogEntry(OPERATIONS[batch.kind], "error", batch.kind.value, crm.number if crm else None,
                                raw_id or None, "Xero's answer was refused, nothing written for its batch: "
                                + "; ".join(found)))
        where = f"{batch.kind.label}s in tenant {batch.tenant_id}, {batch.source}"
        if problems:
            # Nothing of this batch is written: the good documents come again on the next run,
            # because the cursor does not move while any batch failed.
            report.errors.append(f"{where}: " + "; ".join(problems))
            report.log_rows += write_log(self.engine, self.run_id, bad)
            self.progress(f"{where}: REFUSED, nothing written ({len(bad)} bad document(s)): {'; '.join(problems)}")
            return done + len(batch.documents)
        if self.options.dry_run:
            outcome: BatchWrite = dry_run_batch(self.engine, updates, run_id=self.run_id, actor=report.actor)
            for u in outcome.changed:
                if u.doc.kind is DocKind.INVOICE:
                    self.overrides[u.doc.id] = (u.status, u.amount_outstanding)
        else:
            outcome = write_batch(self.engine, updates, run_id=self.run_id, actor=report.actor, now=self.now,
                                  recompute_companies=self.options.recompute_balances)
        report.changed.extend(outcome.changed)
        report.unchanged += outcome.unchanged
        report.conflicts += len(outcome.conflicts)
        report.references.extend(outcome.references)
        report.balances.extend(outcome.balances)
        report.log_rows += outcome.log_rows
        done += len(batch.documents)
        asked = f" of {batch.asked} asked" if batch.asked else ""
        meanwhile = f", {len(outcome.conflicts)} changed in the CRM meanwhile" if outcome.conflicts else ""
        dry = " [dry run]" if self.options.dry_run else ""
        self.progress(f"{where}: {len(batch.documents)} returned{asked}, {len(outcome.changed)} changed, "
                      f"{outcome.unchanged} unchanged{meanwhile} ({done}/{total} selected documents read){dry}")
        return done


def refresh_documents(api: XeroApi, engine: Engine, tenant_ids: Sequence[str], selection: Selection, *,
                      options: RefreshOptions, actor: str, run_id: str | None = None,
                      progress: Progress | None = None, now: datetime | None = None) -> RefreshReport:
    """Refresh the selected documents from Xero; see the module docstring for what a fault does."""
    report = RefreshReport(operation=options.operation, actor=actor, dry_run=options.dry_run,
                           selected=len(selection.chosen), skipped=list(selection.skipped))
    run = _Run(api, engine, options, report, run_id, now or datetime.now(UTC), progress or (lambda _m: None))
    report.log_rows += write_log(engine, run_id, _skip_entries(selection.skipped, options.operation, actor))
    calls_before = api.stats.calls
    server_times: dict[tuple[str, str], datetime] = {}
    done = 0
    for kind in DocKind:
        docs = {d.key: d for d in selection.of_kind(kind) if d.key}
        unresolved = set(docs)
        vouched: set[str] = set()
        for tenant_id in tenant_ids:
            if not unresolved:
                break
            cursor = read_cursor(engine, tenant_id, kind.collection) if options.use_cursor else None
            must_read = set(unresolved) if cursor is None else {
                k for k in unresolved
                if docs[k].sent_to_accounts_date is None or docs[k].sent_to_accounts_date >= cursor - CURSOR_OVERLAP
            }
            fetcher = DocumentFetcher(api, tenant_id, kind, set(unresolved), must_read, cursor,
                                      page_size=options.page_size, id_batch=options.id_batch or 0)
            for batch in fetcher.batches():
                done = run.apply(batch, docs, done, report.selected)
            report.plans.append(f"{kind.label}s in {tenant_id}: {fetcher.plan}")
            if fetcher.server_time is not None:
                server_times[(tenant_id, kind.collection)] = fetcher.server_time
            unresolved -= fetcher.seen
            vouched |= fetcher.unchanged
        report.unchanged += len(unresolved & vouched)
        report.missing.extend(docs[k] for k in sorted(unresolved - vouched))
    if report.missing:
        report.log_rows += write_log(engine, run_id, [
            LogEntry(OPERATIONS[d.kind], "error", d.kind.value, d.number, d.key,
                     f"not found in Xero (tenants {', '.join(tenant_ids)}): the recorded Xero id may belong to "
                     "another organisation; left unchanged") for d in report.missing])
        run.progress(f"{len(report.missing)} document(s) not found in Xero: "
                     + ", ".join(d.number for d in report.missing[:20]))
    if options.recompute_balances:
        _recompute_all(run)
    report.api_calls = api.stats.calls - calls_before
    if options.advance_cursor and not options.dry_run and not report.errors:
        write_cursors(engine, server_times)
        report.cursor_advanced = bool(server_times)
    return report


def _recompute_all(run: _Run) -> None:
    """Update all's last step (B30): every company's balance from its invoices."""
    report = run.report
    if run.options.dry_run:
        with run.engine.connect() as db:
            changes = balance_changes(db, None, run.overrides)
        # Balances a batch would have set are already in this list: report each company once.
        report.balances = changes
        report.log_rows += write_log(run.engine, run.run_id, [
            replace(c.log_entry(report.actor), outcome="dry_run") for c in changes])
    else:
        with run.engine.begin() as db:
            changes = balance_changes(db)
            apply_balance_changes(db, changes)
        report.balances.extend(changes)
        report.log_rows += write_log(run.engine, run.run_id, [c.log_entry(report.actor) for c in changes])
    run.progress(f"company balances recomputed: {len(changes)} changed{' [dry run]' if run.options.dry_run else ''}")


def update_selected_invoices(api: XeroApi, engine: Engine, tenant_ids: Sequence[str], *,
                             invoice_numbers: Sequence[str], credit_note_numbers: Sequence[str] = (),
                             actor: str, run_id: str | None = None, dry_run: bool = False,
                             progress: Progress | None = None, page_size: int = MAX_PAGE_SIZE,
                             id_batch: int | None = None) -> RefreshReport:
    """"Update From Xero": the named documents; company balances are left alone (B24, B25)."""
    selection = select_named(engine, invoice_numbers, credit_note_numbers)
    # Named documents are always read (by id, or by paging when that is cheaper), never taken as
    # unchanged on If-Modified-Since's word: the admin asked for these to be checked.
    options = RefreshOptions("update_selected_invoices", dry_run=dry_run, use_cursor=False, page_size=page_size,
                             id_batch=id_batch)
    return refresh_documents(api, engine, tenant_ids, selection, options=options, actor=actor, run_id=run_id,
                             progress=progress)


def update_all_invoice_balances(api: XeroApi, engine: Engine, tenant_ids: Sequence[str], *, actor: str,
                                run_id: str | None = None, dry_run: bool = False, full_refresh: bool = False,
                                progress: Progress | None = None, page_size: int = MAX_PAGE_SIZE,
                                id_batch: int | None = None) -> RefreshReport:
    """"Update all Invoice Balances": every open sent document, then every company balance (B30)."""
    options = RefreshOptions("update_all_invoice_balances", dry_run=dry_run, use_cursor=not full_refresh,
                             advance_cursor=True, recompute_balances=True, page_size=page_size, id_batch=id_batch)
    return refresh_documents(api, engine, tenant_ids, select_all(engine), options=options, actor=actor,
                             run_id=run_id, progress=progress)
