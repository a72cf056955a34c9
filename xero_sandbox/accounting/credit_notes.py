"""Credit notes (ACCRECCREDIT, ACCPAYCREDIT) and their allocations to invoices.

Same shapes and rules as invoices (documents.py), with three differences from Xero's docs:
numbers are CN-0001... for ACCRECCREDIT; lines may not carry DiscountRate or DiscountAmount
("credit notes in Xero do not support discounts", spec LineItem); and the balance is
RemainingCredit instead of AmountDue. The spec gives GET /CreditNotes no IDs/Statuses
filters, so only where, order, paging and If-Modified-Since apply.

PUT /CreditNotes/{id}/Allocations moves credit onto invoices. Rules (Xero's UI behaviour; the
API docs do not list them, so treat as the sandbox's reading): the credit note is AUTHORISED;
the invoice is AUTHORISED, of the matching side (ACCRECCREDIT to ACCREC, ACCPAYCREDIT to
ACCPAY), for the same contact and currency; the amount is positive and at most both the
remaining credit and the invoice's AmountDue. The invoice's AmountCredited rises and it becomes
PAID at zero due; the credit note becomes PAID once fully allocated.
"""

from __future__ import annotations

from typing import Any

from ..api import ApiRequest, ApiResponse
from ..errors import not_found
from ..xero_json import date_string
from .common import (
    Echo,
    ElementError,
    amount_and_date,
    body_elements,
    get_doc,
    is_guid,
    money_str,
    msdate,
    new_id,
    render,
    same_id,
    stored_dec,
    write_batch,
)
from .documents import (
    CREDIT_NOTES,
    INVOICES,
    find_document,
    get_document,
    get_documents,
    post_document,
    post_documents,
    put_documents,
    render_document,
    save_document,
)
from .organisation import ensure_seeded
from .payments import settle

ALLOCATION_ECHO = Echo("", ())
MATCHING_TYPE = {"ACCRECCREDIT": "ACCREC", "ACCPAYCREDIT": "ACCPAY"}


def get_credit_notes(req: ApiRequest) -> ApiResponse:
    return get_documents(req, CREDIT_NOTES)


def get_credit_note(req: ApiRequest) -> ApiResponse:
    return get_document(req, CREDIT_NOTES, "CreditNoteID")


def put_credit_notes(req: ApiRequest) -> ApiResponse:
    return put_documents(req, CREDIT_NOTES)


def post_credit_notes(req: ApiRequest) -> ApiResponse:
    return post_documents(req, CREDIT_NOTES)


def post_credit_note(req: ApiRequest) -> ApiResponse:
    return post_document(req, CREDIT_NOTES, "CreditNoteID")


def _invoice_for(req: ApiRequest, element: dict[str, Any]) -> dict[str, Any]:
    ref = element.get("Invoice")
    if not isinstance(ref, dict) or not (ref.get("InvoiceID") or ref.get("InvoiceNumber")):
        raise ElementError("An Invoice (InvoiceID or InvoiceNumber) must be specified for the "
                           "allocation.")
    if ref.get("InvoiceID"):
        invoice_id = str(ref["InvoiceID"])
        found = get_doc(req.state, req.tenant_id, "Invoices", invoice_id.lower()) \
            if is_guid(invoice_id) else None
        if found is None:
            raise ElementError(f"Invoice with InvoiceID {invoice_id} could not be found.")
        return found
    found = find_document(req, INVOICES, str(ref["InvoiceNumber"]))
    if found is None:
        raise ElementError(f"Invoice with InvoiceNumber {ref['InvoiceNumber']} could not be "
                           "found.")
    return found


def allocate(req: ApiRequest, credit_note_id: str, element: dict[str, Any]) -> dict[str, Any]:
    """Allocate part of a credit note to one invoice; raises ElementError."""
    credit = get_doc(req.state, req.tenant_id, "CreditNotes", credit_note_id)
    assert credit is not None
    errors: list[str] = []
    if credit.get("Status") != "AUTHORISED":
        errors.append("Only an AUTHORISED credit note with remaining credit can be allocated "
                      f"(this one is {credit.get('Status')}).")
    invoice: dict[str, Any] | None = None
    try:
        invoice = _invoice_for(req, element)
    except ElementError as exc:
        errors.extend(exc.messages)
    amount, day = amount_and_date(req, element, errors, missing="Amount must be specified for the allocation.",
                                  not_positive="The allocation amount must be greater than zero.")
    if amount > stored_dec(credit.get("RemainingCredit")):
        errors.append("The amount being allocated exceeds the remaining credit on this credit "
                      "note.")
    if invoice is not None:
        if invoice.get("Type") != MATCHING_TYPE.get(str(credit.get("Type"))):
            errors.append(f"A {credit.get('Type')} credit note can only be allocated to an "
                          f"{MATCHING_TYPE.get(str(credit.get('Type')))} invoice.")
        if not same_id((invoice.get("Contact") or {}).get("ContactID"),
                       (credit.get("Contact") or {}).get("ContactID")):
            errors.append("The credit note and the invoice must be for the same contact.")
        if invoice.get("CurrencyCode") != credit.get("CurrencyCode"):
            errors.append("The credit note and the invoice must be in the same currency.")
        if invoice.get("Status") != "AUTHORISED":
            errors.append("Credit can only be allocated to Authorised invoices.")
        if amount > stored_dec(invoice.get("AmountDue")):
            errors.append("The amount being allocated exceeds the amount outstanding on this "
                          "invoice.")
    if errors:
        raise ElementError(*errors)
    assert invoice is not None

    when = msdate(day)
    amount_text = money_str(amount)
    allocation_id = new_id()
    credit.setdefault("Allocations", []).append({
        "AllocationID": allocation_id, "Amount": amount_text, "Date": when,
        "Invoice": {"InvoiceID": invoice["InvoiceID"],
                    "InvoiceNumber": invoice.get("InvoiceNumber", "")}})
    settle(CREDIT_NOTES, credit, when)
    save_document(req, CREDIT_NOTES, credit)

    invoice["AmountCredited"] = money_str(stored_dec(invoice.get("AmountCredited")) + amount)
    invoice.setdefault("CreditNotes", []).append({
        "CreditNoteID": credit["CreditNoteID"],
        "CreditNoteNumber": credit.get("CreditNoteNumber", ""),
        "AppliedAmount": amount_text,
        "Date": when,
        "DateString": date_string(day),
        "Total": credit.get("Total", "0.00"),
    })
    settle(INVOICES, invoice, when)
    save_document(req, INVOICES, invoice)

    return render({
        "AllocationID": allocation_id,
        "Amount": amount_text,
        "Date": when,
        "Invoice": render_document(req, INVOICES, invoice, full_contact=False,
                                   with_lines=False),
        "CreditNote": render_document(req, CREDIT_NOTES, credit, full_contact=False,
                                      with_lines=False),
    })


def put_allocations(req: ApiRequest) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    ref = req.path_params.get("CreditNoteID", "")
    credit = find_document(req, CREDIT_NOTES, ref)
    if credit is None:
        raise not_found(f"Credit note {ref}")
    elements = body_elements(req, "Allocations")
    return write_batch(req, "Allocations", elements,
                       lambda e: allocate(req, credit["CreditNoteID"], e), ALLOCATION_ECHO)
