"""Which documents a refresh touches, and why the others are skipped (B24, B26, B30).

The rule is the original's: a document is refreshed only when it is not Paid or Cancelled and
its Sent to Accounts is set. Ours adds one condition the original never needed: it must carry
the Xero id the invoice push recorded, since that id is how it is found in Xero. A document
marked sent without an id is skipped with a reason that says how to fix it, never guessed at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine

from resources.crm.models import InvoiceStatus

from .documents import CrmDocument, DocKind, documents_by_number, open_sent_documents


@dataclass(frozen=True)
class Skipped:
    kind: DocKind
    number: str
    reason: str
    xero_id: str | None = None


@dataclass
class Selection:
    chosen: list[CrmDocument] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def of_kind(self, kind: DocKind) -> list[CrmDocument]:
        return [d for d in self.chosen if d.kind is kind]


def skip_reason(doc: CrmDocument) -> str | None:
    """Why ``doc`` is not refreshed, or None when it is."""
    if doc.status is InvoiceStatus.PAID:
        return "status is Paid: paid documents are not updated from Xero"
    if doc.status is InvoiceStatus.CANCELLED:
        return "status is Cancelled: cancelled documents are not updated from Xero"
    if not doc.sent_to_accounts:
        return "Sent to Accounts is not set: send it to Xero first"
    if not doc.key:
        return (f"Sent to Accounts is set but no Xero {doc.kind.xero_id_field} is recorded: "
                "send it to Xero again so the CRM learns its id")
    return None


def _split(docs: Sequence[CrmDocument], selection: Selection) -> None:
    for doc in docs:
        reason = skip_reason(doc)
        if reason is None:
            selection.chosen.append(doc)
        else:
            selection.skipped.append(Skipped(doc.kind, doc.number, reason, doc.xero_id))


def select_all(engine: Engine) -> Selection:
    """Update all: every invoice and credit note not Paid or Cancelled that was sent (B30)."""
    selection = Selection()
    for kind in DocKind:
        _split(open_sent_documents(engine, kind), selection)
    return selection


def select_named(engine: Engine, invoice_numbers: Sequence[str],
                 credit_note_numbers: Sequence[str] = ()) -> Selection:
    """Update From Xero: the documents the admin names; the rest are skipped with a reason (B24)."""
    selection = Selection()
    for kind, numbers in ((DocKind.INVOICE, invoice_numbers), (DocKind.CREDIT_NOTE, credit_note_numbers)):
        docs = documents_by_number(engine, kind, numbers)
        _split(docs, selection)
        known = {d.number for d in docs}
        for number in sorted({n.strip() for n in numbers if n and n.strip()} - known):
            selection.skipped.append(Skipped(kind, number, f"no {kind.label} numbered {number} in the CRM"))
    return selection
