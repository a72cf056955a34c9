"""Which documents a push sends: "Send to Xero" (named or filtered) and "Send All Live".

The original's rules, kept as they are:
- Send to Xero sends a chosen document only while its amount outstanding equals its total;
  its status is otherwise ignored, so Pending and Paid documents go too (B21, B22). A chosen
  document that fails the rule is skipped, with the reason, not silently dropped.
- Send All Live sends every document whose outstanding equals its total and whose status is
  neither Paid nor Pending (B29). Documents that are not live are not "chosen", so they are
  neither sent nor logged.
Credit notes follow the same rules as invoices, with their own amount outstanding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, or_
from sqlalchemy.engine import Engine

from resources.crm.models import CreditNote, Invoice, InvoiceStatus

from .documents import CrmSnapshot, DocumentSnapshot, document_queries, load_snapshot

NOT_LIVE = (InvoiceStatus.PAID, InvoiceStatus.PENDING)


class SelectionError(ValueError):
    """The selection itself is unusable (nothing named, an unknown status, dates reversed)."""


@dataclass(frozen=True)
class Selection:
    """What the admin chose for "Send to Xero": document numbers, or a filter.

    Numbers and filters combine: a document is chosen when its number is named, or when it
    matches every filter given. At least one of the two must be given, so an empty form never
    sends the whole ledger by accident (that is what Send All Live is for).
    """

    numbers: tuple[str, ...] = ()
    company_ids: tuple[int, ...] = ()
    statuses: tuple[InvoiceStatus, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    @property
    def has_filter(self) -> bool:
        return bool(self.company_ids or self.statuses or self.date_from or self.date_to)

    def validate(self) -> None:
        if not self.numbers and not self.has_filter:
            raise SelectionError(
                "name the documents to send (numbers) or give a filter (company_ids, statuses, "
                "date_from/date_to); to send every live document use send_all_live_invoices"
            )
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise SelectionError(f"date_from {self.date_from} is after date_to {self.date_to}")


@dataclass(frozen=True)
class Skip:
    document: DocumentSnapshot
    reason: str


@dataclass
class Chosen:
    """The documents a push will try, those it skips (with why), and names that matched nothing."""

    snapshot: CrmSnapshot
    to_send: list[DocumentSnapshot] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    unknown_numbers: list[str] = field(default_factory=list)


def parse_statuses(values: Sequence[str]) -> tuple[InvoiceStatus, ...]:
    """CRM statuses as the CRM spells them ("Part Paid"); case and spacing are forgiven."""
    known = {s.value.lower().replace(" ", ""): s for s in InvoiceStatus}
    out = []
    for value in values:
        status = known.get(value.strip().lower().replace(" ", "").replace("_", ""))
        if status is None:
            raise SelectionError(
                f"unknown status {value!r}; use one of {', '.join(s.value for s in InvoiceStatus)}"
            )
        out.append(status)
    return tuple(out)


def sendable_reason(document: DocumentSnapshot) -> str | None:
    """Why "Send to Xero" would not send this document, or None when it would (B22)."""
    if document.amount_outstanding != document.total:
        return (
            f"amount outstanding {document.amount_outstanding} differs from total {document.total}: "
            "payments have been recorded, so it is no longer sent"
        )
    return None


def choose_documents(engine: Engine, selection: Selection) -> Chosen:
    """The documents "Send to Xero" was asked for, split into those to send and those skipped."""
    selection.validate()
    invoices, credit_notes = document_queries()
    numbers = [n.strip() for n in selection.numbers if n.strip()]

    def conditions(model: type[Invoice] | type[CreditNote]) -> list:
        filters = []
        if selection.company_ids:
            filters.append(model.company_id.in_(selection.company_ids))
        if selection.statuses:
            filters.append(model.status.in_(selection.statuses))
        if selection.date_from:
            filters.append(model.issue_date >= selection.date_from)
        if selection.date_to:
            filters.append(model.issue_date <= selection.date_to)
        named = model.number.in_(numbers) if numbers else None
        if filters and named is not None:
            return [or_(named, and_(*filters))]
        return [named] if named is not None else filters

    snapshot = load_snapshot(
        engine,
        invoices.where(*conditions(Invoice)),
        credit_notes.where(*conditions(CreditNote)),
    )
    chosen = Chosen(snapshot)
    found = {d.number for d in snapshot.documents}
    chosen.unknown_numbers = [n for n in dict.fromkeys(numbers) if n not in found]
    for document in snapshot.documents:
        reason = sendable_reason(document)
        if reason is None:
            chosen.to_send.append(document)
        else:
            chosen.skipped.append(Skip(document, reason))
    return chosen


def choose_live_documents(engine: Engine) -> Chosen:
    """Every live document: outstanding equals total, status neither Paid nor Pending (B29)."""
    invoices, credit_notes = document_queries()
    # Status in SQL; outstanding == total in Python, on Decimals: SQLite keeps NUMERIC as REAL,
    # and comparing two columns there would be a float comparison.
    snapshot = load_snapshot(
        engine,
        invoices.where(Invoice.status.not_in(NOT_LIVE)),
        credit_notes.where(CreditNote.status.not_in(NOT_LIVE)),
    )
    live = [d for d in snapshot.documents if sendable_reason(d) is None]
    return Chosen(snapshot, to_send=live)
