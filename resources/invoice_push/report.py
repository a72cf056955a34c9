"""What a push did (or, in a dry run, would do), per document, for the log and the run's page."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from resources.crm.xero_log import LogEntry

from .documents import DocumentKind

MARKDOWN_ROWS = 200  # a run page stays readable; xero_log has every row


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    SKIP = "skip"


class Outcome(enum.StrEnum):
    """Also the xero_log outcome values."""

    SUCCESS = "success"
    ERROR = "error"
    SKIPPED = "skipped"
    DRY_RUN = "dry_run"


@dataclass
class DocumentResult:
    kind: DocumentKind
    number: str
    company: str
    action: Action
    outcome: Outcome
    currency: str = ""
    crm_total: Decimal | None = None
    xero_total: Decimal | None = None  # what Xero computes (or will compute) for it
    xero_id: str | None = None
    message: str = ""

    def log_entry(self) -> LogEntry:
        return LogEntry(operation=self.kind.operation, outcome=self.outcome.value,
                        document_type=self.kind.value, document_number=self.number,
                        xero_id=self.xero_id, message=self.message or None)


@dataclass
class RecordResult:
    """An Item (product) or Contact (company) upserted on the documents' behalf."""

    operation: str  # upsert_item / upsert_contact
    document_type: str  # product / company
    key: str  # product code / CRM company id
    outcome: Outcome
    xero_id: str | None = None
    message: str = ""

    def log_entry(self) -> LogEntry:
        return LogEntry(operation=self.operation, outcome=self.outcome.value, document_type=self.document_type,
                        document_number=self.key, xero_id=self.xero_id, message=self.message or None)


@dataclass
class PushReport:
    run_id: str | None
    dry_run: bool
    xero_status: str
    documents: list[DocumentResult] = field(default_factory=list)
    records: list[RecordResult] = field(default_factory=list)
    stopped: str | None = None  # why the whole send stopped, if it did
    api_calls: int = 0
    log_rows: int = 0

    def counts(self) -> dict[str, int]:
        outcomes = Counter(d.outcome for d in self.documents)
        sent = [d for d in self.documents if d.outcome is Outcome.SUCCESS]
        planned = [d for d in self.documents if d.outcome is Outcome.DRY_RUN]
        return {
            "documents": len(self.documents),
            "sent": outcomes[Outcome.SUCCESS],
            "created": sum(d.action is Action.CREATE for d in sent),
            "updated": sum(d.action is Action.UPDATE for d in sent),
            "skipped": outcomes[Outcome.SKIPPED],
            "failed": outcomes[Outcome.ERROR],
            "would_create": sum(d.action is Action.CREATE for d in planned),
            "would_update": sum(d.action is Action.UPDATE for d in planned),
            "items": sum(r.operation == "upsert_item" and r.outcome is Outcome.SUCCESS for r in self.records),
            "contacts": sum(r.operation == "upsert_contact" and r.outcome is Outcome.SUCCESS for r in self.records),
        }

    def totals(self) -> dict[str, Decimal]:
        """Per currency, the Xero totals of the documents sent (a dry run: that would be sent)."""
        wanted = Outcome.DRY_RUN if self.dry_run else Outcome.SUCCESS
        sums: dict[str, Decimal] = {}
        for d in self.documents:
            if d.outcome is wanted and d.action is not Action.SKIP and d.xero_total is not None:
                sign = -1 if d.kind is DocumentKind.CREDIT_NOTE else 1
                sums[d.currency] = sums.get(d.currency, Decimal("0.00")) + sign * d.xero_total
        return dict(sorted(sums.items()))

    def totals_text(self) -> str:
        return ", ".join(f"{currency} {amount}" for currency, amount in self.totals().items()) or "none"

    def log_entries(self) -> list[LogEntry]:
        return [r.log_entry() for r in self.records] + [d.log_entry() for d in self.documents]

    def markdown(self, limit: int = MARKDOWN_ROWS) -> str:
        if not self.documents:
            return "(no documents)"
        lines = [
            "| document | kind | company | action | outcome | CRM total | Xero total | Xero id | message |",
            "|---|---|---|---|---|---:|---:|---|---|",
        ]
        # Invoices, then credit notes, each by number: the order an admin looks things up in.
        ordered = sorted(self.documents, key=lambda d: (d.kind is DocumentKind.CREDIT_NOTE, d.number))
        for d in ordered[:limit]:
            cells = [d.number, d.kind.label, d.company, d.action.value, d.outcome.value,
                     f"{d.currency} {d.crm_total}" if d.crm_total is not None else "",
                     f"{d.currency} {d.xero_total}" if d.xero_total is not None else "",
                     d.xero_id or "", d.message]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        if len(self.documents) > limit:
            lines.append(f"\n{len(self.documents) - limit} more rows are in xero_log (run id {self.run_id}).")
        return "\n".join(lines)

    def summary(self) -> dict[str, Any]:
        """Plain, JSON-able figures: the op's output and what a caller prints."""
        return {
            "dry_run": self.dry_run,
            "xero_status": self.xero_status,
            **self.counts(),
            "totals": {currency: str(amount) for currency, amount in self.totals().items()},
            "stopped": self.stopped,
            "api_calls": self.api_calls,
            "log_rows": self.log_rows,
        }


def _cell(value: str) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")
