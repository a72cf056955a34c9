"""Xero Invoices (ACCREC) and CreditNotes (ACCRECCREDIT) from the planned documents.

The document number is Xero's InvoiceNumber / CreditNoteNumber: unique for sales documents,
so a POST with it updates the document Xero already holds instead of adding a second one (B23).
The Xero id is sent too when Xero is known to hold the document under it.

Each line carries the LineAmount the pre-check expects. Xero checks a supplied LineAmount
against its own arithmetic ("The line total X does not match the expected line total Y"), so
if the pre-check's model of Xero were ever wrong, Xero refuses the document instead of
quietly booking a different total.
"""

from __future__ import annotations

import enum
from typing import Any

from .documents import DocumentKind
from .pricing import DocumentPlan, LinePlan
from .wire import json_ready


class XeroStatus(enum.StrEnum):
    """The status documents are sent with: DRAFT as the original did (B35), or further on."""

    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    AUTHORISED = "AUTHORISED"


# Xero lets a document move forward only (DRAFT -> SUBMITTED -> AUTHORISED); sending a lower
# status to a document Xero already holds further on would be refused.
STATUS_RANK = {"DRAFT": 0, "SUBMITTED": 1, "AUTHORISED": 2}


def status_to_send(requested: XeroStatus, current: str | None) -> str | None:
    """The Status field for the payload; None keeps what Xero holds (never a step backwards)."""
    if current is not None and STATUS_RANK.get(current, -1) >= STATUS_RANK[requested.value]:
        return None
    return requested.value


def _line(plan: LinePlan, kind: DocumentKind, free_text_account: str) -> dict[str, Any]:
    line = plan.line
    payload: dict[str, Any] = {"Description": line.description}
    if line.product_code:
        payload["ItemCode"] = line.product_code
    payload["Quantity"] = plan.quantity
    payload["UnitAmount"] = plan.unit_amount
    payload["AccountCode"] = (line.account_code or "").strip() or free_text_account
    payload["TaxType"] = str(line.xero_tax_type).upper()
    if kind is DocumentKind.INVOICE:
        if plan.discount_rate is not None:
            payload["DiscountRate"] = plan.discount_rate
        elif plan.discount_amount is not None:
            payload["DiscountAmount"] = plan.discount_amount
    payload["LineAmount"] = plan.line_amount
    return payload


def document_payload(plan: DocumentPlan, *, contact_id: str, status: str | None, xero_id: str | None,
                     free_text_account: str) -> dict[str, Any]:
    document = plan.document
    kind = document.kind
    payload: dict[str, Any] = {"Type": kind.xero_type}
    if xero_id:
        payload[kind.id_field] = xero_id
    payload[kind.number_field] = document.number
    payload["Contact"] = {"ContactID": contact_id}
    payload["Date"] = document.issue_date.isoformat()
    if document.due_date is not None:
        payload["DueDate"] = document.due_date.isoformat()
    payload["CurrencyCode"] = document.currency
    if document.reference:
        payload["Reference"] = document.reference
    payload["LineAmountTypes"] = "Exclusive"
    if status is not None:
        payload["Status"] = status
    payload["LineItems"] = [_line(p, kind, free_text_account) for p in plan.lines]
    return json_ready(payload)
