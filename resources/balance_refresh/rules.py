"""What one refreshed document becomes: the original's rules, plus credit notes and cancellation.

From the original ("Update From Xero"):
- Created becomes Live once the document has been updated from Xero (B27);
- Sent to Accounts is set with its date; the refresh only sees documents already marked sent,
  so in practice it fills a missing date, with the moment of the refresh (B27);
- a payment in Xero makes it Part Paid (something paid, something still due) or Paid (nothing
  due), and Amount Outstanding becomes Xero's AmountDue (B28);
- the company gets its Xero Reference from the document's contact (B24).
Beyond the original:
- credit notes are refreshed the same way from RemainingCredit (B41): part-allocated is
  Part Paid, fully allocated or refunded is Paid;
- a document voided or deleted in Xero becomes Cancelled, owing nothing;
- a Part Paid document whose payment was removed in Xero goes back to Live, since Xero now
  says nothing is paid. Pending stays Pending until money arrives (the original only ever
  moved Created to Live).
Payments count only on approved documents (AUTHORISED, PAID): a draft owes its total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from resources.crm.models import InvoiceStatus

from .documents import CrmDocument, DocKind
from .xero_answer import APPROVED_STATUSES, XeroDocument

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class DocumentUpdate:
    doc: CrmDocument
    xero: XeroDocument
    status: InvoiceStatus
    amount_outstanding: Decimal
    remaining_credit: Decimal | None
    sent_to_accounts_date: datetime | None
    company_reference: str | None  # the contact's ContactID, when the document names one

    @property
    def status_changed(self) -> bool:
        return self.status is not self.doc.status

    @property
    def document_changed(self) -> bool:
        return (self.status_changed or self.amount_outstanding != self.doc.amount_outstanding
                or self.remaining_credit != self.doc.remaining_credit
                or self.sent_to_accounts_date != self.doc.sent_to_accounts_date)

    @property
    def reference_changed(self) -> bool:
        return bool(self.company_reference) and (self.company_reference or "").lower() != (
            self.doc.company_reference or "").lower()

    @property
    def outstanding_delta(self) -> Decimal:
        """Change in what the customer owes (invoice) or may still use (credit note)."""
        if self.doc.kind is DocKind.INVOICE:
            return self.amount_outstanding - self.doc.amount_outstanding
        return (self.remaining_credit or ZERO) - (self.doc.remaining_credit or ZERO)

    def describe(self) -> str:
        """The xero_log message for this change."""
        parts = []
        if self.status_changed:
            parts.append(f"status {self.doc.status.value} -> {self.status.value}")
        if self.amount_outstanding != self.doc.amount_outstanding:
            parts.append(f"amount outstanding {self.doc.amount_outstanding} -> {self.amount_outstanding}")
        if self.remaining_credit != self.doc.remaining_credit:
            parts.append(f"remaining credit {self.doc.remaining_credit} -> {self.remaining_credit}")
        if self.sent_to_accounts_date != self.doc.sent_to_accounts_date:
            parts.append(f"sent to accounts date set to {self.sent_to_accounts_date:%Y-%m-%d %H:%M} UTC")
        field = "AmountDue" if self.doc.kind is DocKind.INVOICE else "RemainingCredit"
        cause = {"VOIDED": "voided in Xero", "DELETED": "deleted in Xero"}.get(
            self.xero.status, f"Xero {self.xero.status}, {field} {self.xero.due}")
        return f"{'; '.join(parts) or 'no change'} ({cause}) [{self.doc.currency}]"


def decide(doc: CrmDocument, xero: XeroDocument, now: datetime) -> DocumentUpdate:
    """The document after applying Xero's answer; pure, so every rule is testable on its own."""
    sent_date = doc.sent_to_accounts_date or now
    if xero.gone:
        return DocumentUpdate(doc, xero, InvoiceStatus.CANCELLED, ZERO,
                              ZERO if doc.kind is DocKind.CREDIT_NOTE else None, sent_date, xero.contact_id)
    assert xero.due is not None and xero.total is not None  # parse_document guarantees both
    status = doc.status
    if status is InvoiceStatus.CREATED:
        status = InvoiceStatus.LIVE
    if xero.status in APPROVED_STATUSES:
        if xero.due == ZERO:
            status = InvoiceStatus.PAID
        elif xero.due < xero.total:
            status = InvoiceStatus.PART_PAID
        elif status is InvoiceStatus.PART_PAID:
            status = InvoiceStatus.LIVE
    remaining = xero.due if doc.kind is DocKind.CREDIT_NOTE else None
    return DocumentUpdate(doc, xero, status, xero.due, remaining, sent_date, xero.contact_id)
