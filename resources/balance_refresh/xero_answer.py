"""A strict reading of the invoices and credit notes Xero returns.

A refresh writes money into the CRM, so an answer it does not fully understand is refused, not
guessed at: a missing or non-numeric amount, a missing contact, or a status outside the six
the spec defines (DRAFT, SUBMITTED, AUTHORISED, PAID, VOIDED, DELETED) raises BadXeroAnswer
naming the document and the field. The caller then writes nothing for that batch.

Amounts arrive as JSON numbers; the client parses them with ``parse_float=Decimal`` so no float
is ever involved, and they are kept to the cent as Xero reports them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from resources.crm.money import CENT

from .documents import DocKind

KNOWN_STATUSES = frozenset({"DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED"})
GONE_STATUSES = frozenset({"VOIDED", "DELETED"})
APPROVED_STATUSES = frozenset({"AUTHORISED", "PAID"})


class BadXeroAnswer(Exception):
    """Xero's answer lacks something the refresh needs, or says something it does not know."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class XeroDocument:
    kind: DocKind
    key: str  # lower-case InvoiceID / CreditNoteID
    number: str | None
    status: str
    total: Decimal | None  # None only for a voided or deleted document that omits it
    due: Decimal | None  # AmountDue (invoices) or RemainingCredit (credit notes)
    contact_id: str | None

    @property
    def gone(self) -> bool:
        return self.status in GONE_STATUSES


def _money(raw: Mapping[str, Any], field: str, label: str, problems: list[str]) -> Decimal | None:
    value = raw.get(field)
    if value is None:
        problems.append(f"{label}: Xero's answer has no {field}")
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        problems.append(f"{label}: {field} is {value!r}, not a number")
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        problems.append(f"{label}: {field} is {value!r}, not a number")
        return None
    if not amount.is_finite():
        problems.append(f"{label}: {field} is {value!r}, not a number")
        return None
    return amount.quantize(CENT)


def parse_document(kind: DocKind, raw: Mapping[str, Any], problems: list[str]) -> XeroDocument | None:
    """One document from Xero's JSON; appends to ``problems`` and returns None when unusable."""
    number_field = "InvoiceNumber" if kind is DocKind.INVOICE else "CreditNoteNumber"
    raw_id = raw.get(kind.xero_id_field)
    number = raw.get(number_field) or None
    label = f"{kind.label} {number or raw_id or '(no id)'} ({kind.xero_id_field} {raw_id})"
    before = len(problems)
    if not isinstance(raw_id, str) or not raw_id.strip():
        problems.append(f"{label}: Xero's answer has no {kind.xero_id_field}")
    status = raw.get("Status")
    if not isinstance(status, str) or not status:
        problems.append(f"{label}: Xero's answer has no Status")
    elif status.upper() not in KNOWN_STATUSES:
        problems.append(f"{label}: unknown Status {status!r} (expected one of {', '.join(sorted(KNOWN_STATUSES))})")
    status = status.upper() if isinstance(status, str) else ""
    contact = raw.get("Contact")
    contact_id = contact.get("ContactID") if isinstance(contact, Mapping) else None
    total = due = None
    if status not in GONE_STATUSES:
        # A voided or deleted document owes nothing whatever its amounts say, so only a live
        # one must carry them.
        total = _money(raw, "Total", label, problems)
        due = _money(raw, "AmountDue" if kind is DocKind.INVOICE else "RemainingCredit", label, problems)
        if not isinstance(contact_id, str) or not contact_id.strip():
            problems.append(f"{label}: Xero's answer has no Contact.ContactID")
    if len(problems) > before:
        return None
    return XeroDocument(
        kind=kind, key=str(raw_id).strip().lower(), number=number, status=status, total=total, due=due,
        contact_id=contact_id.strip() if isinstance(contact_id, str) and contact_id.strip() else None,
    )


def parse_batch(kind: DocKind, raws: Iterable[Mapping[str, Any]]) -> list[XeroDocument]:
    """Every document of one batch, or BadXeroAnswer listing every problem in it."""
    problems: list[str] = []
    parsed = [parse_document(kind, raw, problems) for raw in raws]
    if problems:
        raise BadXeroAnswer(problems)
    return [doc for doc in parsed if doc is not None]
