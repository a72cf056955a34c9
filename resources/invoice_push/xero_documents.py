"""What Xero already holds for the documents being sent: their status, and whether it is locked.

A resend updates the same Xero document (B23). Xero refuses changes to a document that is
paid, voided or deleted, or that has a payment or credit allocated to it; such a document is
skipped and logged, not failed, because there is nothing wrong with the send: Xero has moved
on. Read by Xero id for documents the CRM knows were sent (one call per 50), and, in a dry run
only, by number for the others, so the dry run can say "update" where a document is already
in Xero without the CRM knowing (e.g. a send whose reply was lost).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from resources.xero.api import XeroApi

from .documents import DocumentKind, DocumentSnapshot

PER_READ = 50  # IDs / InvoiceNumbers per GET (Xero's URL limit is about 52 GUIDs)
PER_WHERE = 25  # OR-ed clauses per where filter for credit notes (no IDs parameter there)
LOCKED_STATUSES = ("PAID", "VOIDED", "DELETED")
# Xero's words when a locked document is sent anyway (reference 3.3; seen from the live API).
LOCKED_MESSAGES = (
    "not of valid status for modification",
    "cannot be edited as it has a payment or credit note allocated",
)


@dataclass(frozen=True)
class XeroDocumentState:
    xero_id: str
    number: str
    status: str
    total: Decimal
    money_against: bool

    def lock_reason(self) -> str | None:
        if self.status in LOCKED_STATUSES:
            return f"Xero holds it as {self.status}, so it can no longer be changed there"
        if self.money_against:
            return "it has a payment or credit allocated in Xero, so it can no longer be changed there"
        return None


def is_locked_message(message: str) -> bool:
    lowered = message.lower()
    return any(text in lowered for text in LOCKED_MESSAGES)


def _money(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def _state(kind: DocumentKind, row: dict[str, Any]) -> XeroDocumentState:
    if kind is DocumentKind.INVOICE:
        money = _money(row.get("AmountPaid")) > 0 or _money(row.get("AmountCredited")) > 0 \
            or bool(row.get("Payments"))
    else:
        money = bool(row.get("Allocations")) or bool(row.get("Payments"))
    return XeroDocumentState(
        xero_id=str(row[kind.id_field]),
        number=str(row.get(kind.number_field) or ""),
        status=str(row.get("Status") or ""),
        total=_money(row.get("Total")),
        money_against=money,
    )


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _read(api: XeroApi, tenant_id: str, kind: DocumentKind, values: list[str], by_id: bool
          ) -> list[XeroDocumentState]:
    states: list[XeroDocumentState] = []
    if kind is DocumentKind.INVOICE:
        param = "IDs" if by_id else "InvoiceNumbers"
        for start in range(0, len(values), PER_READ):
            chunk = values[start:start + PER_READ]
            reply = api.request("GET", "/Invoices", tenant_id, params={param: ",".join(chunk)})
            states += [_state(kind, row) for row in reply.json().get("Invoices") or []
                       if row.get("Type") == kind.xero_type]  # bills may share a sales number
        return states
    for start in range(0, len(values), PER_WHERE):
        chunk = values[start:start + PER_WHERE]
        if by_id:
            where = " OR ".join(f'CreditNoteID==Guid("{v}")' for v in chunk)
        else:
            where = " OR ".join(f"CreditNoteNumber=={_quoted(v)}" for v in chunk)
        reply = api.request("GET", "/CreditNotes", tenant_id, params={"where": where})
        states += [_state(kind, row) for row in reply.json().get("CreditNotes") or []]
    return states


def read_document_states(api: XeroApi, tenant_id: str, documents: Sequence[DocumentSnapshot], *,
                         by_number: bool) -> dict[tuple[str, int], XeroDocumentState]:
    """Xero's state of each document that Xero holds, keyed by the document's key.

    Documents with a stored Xero id are read by id; with ``by_number`` the rest are looked up by
    their number as well (a sales document's number is unique in Xero).
    """
    found: dict[tuple[str, int], XeroDocumentState] = {}
    for kind in DocumentKind:
        of_kind = [d for d in documents if d.kind is kind]
        with_id = {d.xero_id.lower(): d for d in of_kind if d.xero_id}
        for state in _read(api, tenant_id, kind, sorted(with_id), by_id=True):
            document = with_id.get(state.xero_id.lower())
            if document is not None:
                found[document.key] = state
        if by_number:
            rest = {d.number: d for d in of_kind if d.key not in found}
            for state in _read(api, tenant_id, kind, sorted(rest), by_id=False):
                document = rest.get(state.number)
                if document is not None:
                    found[document.key] = state
    return found
