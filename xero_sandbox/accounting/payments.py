"""Payments: PUT/POST /Payments create, POST /Payments/{id} with Status DELETED removes one,
GET list (paged like Contacts) and GET one.

A payment names its document by ``Invoice: {InvoiceID | InvoiceNumber}``, a top-level
``InvoiceNumber``, or ``CreditNote: {CreditNoteID | CreditNoteNumber}`` / ``CreditNoteNumber``
(a refund of unallocated credit), and its bank by ``Account: {Code | AccountID}`` (or a
top-level ``Code``), which must be a bank account or have payments enabled. The document
must be AUTHORISED and the amount no more than what is outstanding; both refusals use the
words Xero uses. A payment moves AmountPaid/AmountDue (RemainingCredit for credit notes) and
marks the document PAID, with FullyPaidOnDate, once nothing is left.
"""

from __future__ import annotations

from typing import Any

from ..api import ApiRequest, ApiResponse
from ..clock import Clock
from ..errors import bad_request, not_found
from ..state import SandboxState
from .accounts import accepts_payments, find_account
from .common import (
    Echo,
    ElementError,
    amount_and_date,
    body_elements,
    bool_field,
    dec,
    element_error_to_exception,
    get_doc,
    is_guid,
    list_documents,
    money_str,
    msdate,
    new_id,
    ok,
    put_doc,
    render,
    same_id,
    sort_key,
    stamp,
    stored_dec,
    write_batch,
)
from .documents import (
    CREDIT_NOTES,
    INVOICES,
    ContactCache,
    DocKind,
    find_document,
    refresh_balance,
    render_document,
    save_document,
)
from .organisation import ensure_seeded
from .where import BOOL, DATE, GUID, NUMBER, STRING, compile_where

KIND = "Payments"
ECHO = Echo("PaymentID", ("HasValidationErrors",))
NOT_AUTHORISED = "Payments can only be made against Authorised documents"
TOO_MUCH = "Payment amount exceeds the amount outstanding on this document"
PAYMENT_TYPES = {"ACCREC": "ACCRECPAYMENT", "ACCPAY": "ACCPAYPAYMENT",
                 "ACCRECCREDIT": "ARCREDITPAYMENT", "ACCPAYCREDIT": "APCREDITPAYMENT"}

WHERE_FIELDS = {
    "PaymentID": GUID, "PaymentType": STRING, "Status": STRING, "Date": DATE, "Amount": NUMBER,
    "Reference": STRING, "IsReconciled": BOOL, "UpdatedDateUTC": DATE,
    "Invoice.InvoiceID": GUID, "Invoice.InvoiceNumber": STRING,
    "CreditNote.CreditNoteID": GUID, "CreditNote.CreditNoteNumber": STRING,
    "Account.Code": STRING, "Account.AccountID": GUID,
}


def _target(req: ApiRequest, element: dict[str, Any]) -> tuple[DocKind, dict[str, Any]]:
    """The invoice or credit note a payment is for."""
    for key in ("Prepayment", "Overpayment"):
        if element.get(key):
            raise ElementError(f"Payments against a {key} are not supported by the sandbox.")
    for kind, ref_key, top_number in ((INVOICES, "Invoice", "InvoiceNumber"),
                                      (CREDIT_NOTES, "CreditNote", "CreditNoteNumber")):
        ref = element.get(ref_key)
        ref = ref if isinstance(ref, dict) else {}
        doc_id = ref.get(kind.id_key)
        number = ref.get(kind.number_key) or element.get(top_number)
        if doc_id:
            found = get_doc(req.state, req.tenant_id, kind.collection, str(doc_id).lower()) \
                if is_guid(str(doc_id)) else None
            if found is None:
                raise ElementError(f"{kind.label} with {kind.id_key} {doc_id} could not be found.")
            return kind, found
        if number:
            found = find_document(req, kind, str(number))
            if found is None:
                raise ElementError(f"{kind.label} with {kind.number_key} {number} could not be "
                                   "found.")
            return kind, found
    raise ElementError("A payment must name the Invoice or CreditNote it pays (by ID or number).")


def _account(req: ApiRequest, element: dict[str, Any]) -> dict[str, Any]:
    ref = element.get("Account")
    if isinstance(ref, str):
        ref = {"Code": ref}
    if not isinstance(ref, dict):
        ref = {}
    if not ref.get("Code") and not ref.get("AccountID") and element.get("Code"):
        ref = {"Code": element["Code"]}
    if not ref.get("Code") and not ref.get("AccountID"):
        raise ElementError("An Account (Code or AccountID) must be specified for the payment.")
    account = find_account(req.state, req.tenant_id, ref)
    if account is None:
        raise ElementError(f"Account {ref.get('Code') or ref.get('AccountID')} could not be "
                           "found.")
    if not accepts_payments(account):
        raise ElementError(f"Account code '{account['Code']}' cannot be used for payments; use a "
                           "bank account or an account with payments enabled.")
    return account


def create_payment(req: ApiRequest, element: dict[str, Any]) -> dict[str, Any]:
    """Record one payment; raises ElementError with every problem found."""
    errors: list[str] = []
    kind = doc = account = None
    try:
        kind, doc = _target(req, element)
    except ElementError as exc:
        errors.extend(exc.messages)
    try:
        account = _account(req, element)
    except ElementError as exc:
        errors.extend(exc.messages)
    amount, day = amount_and_date(req, element, errors, missing="Amount must be specified for the payment.",
                                  not_positive="Payment amount must be greater than zero.")
    reconciled = False
    try:
        reconciled = bool(bool_field(element, "IsReconciled"))
    except ElementError as exc:
        errors.extend(exc.messages)
    if kind is not None and doc is not None:
        outstanding = stored_dec(doc.get("RemainingCredit" if kind.is_credit else "AmountDue"))
        if doc.get("Status") != "AUTHORISED":
            errors.append(NOT_AUTHORISED)
        if amount > outstanding:
            errors.append(TOO_MUCH)
    if errors:
        raise ElementError(*errors)
    assert kind is not None and doc is not None and account is not None
    amount_text = money_str(amount)
    rate = element.get("CurrencyRate")
    currency_rate = money_str(dec(rate, "CurrencyRate"), 6) if rate not in (None, "") \
        else str(doc.get("CurrencyRate") or "1.000000")

    payment: dict[str, Any] = {
        "PaymentID": new_id(),
        "Date": msdate(day),
        "BankAmount": amount_text,
        "Amount": amount_text,
        "Reference": str(element.get("Reference") or ""),
        "CurrencyRate": currency_rate,
        "PaymentType": PAYMENT_TYPES.get(str(doc.get("Type")), "ACCRECPAYMENT"),
        "Status": "AUTHORISED",
        "HasAccount": True,
        "IsReconciled": reconciled,
        "HasValidationErrors": False,
        "Account": {"AccountID": account["AccountID"], "Code": account["Code"],
                    "Name": account.get("Name", "")},
    }
    if kind.is_credit:
        payment["CreditNote"] = {"CreditNoteID": doc["CreditNoteID"],
                                 "CreditNoteNumber": doc.get("CreditNoteNumber", "")}
    else:
        payment["Invoice"] = {"InvoiceID": doc["InvoiceID"],
                              "InvoiceNumber": doc.get("InvoiceNumber", "")}
    stamp(payment, req.clock, with_string=True)
    put_doc(req.state, req.tenant_id, KIND, payment["PaymentID"], payment, req.clock,
            status="AUTHORISED")

    doc.setdefault("Payments", []).append({
        "PaymentID": payment["PaymentID"], "Date": payment["Date"], "Amount": amount_text,
        "Reference": payment["Reference"], "CurrencyRate": currency_rate, "HasAccount": False,
        "HasValidationErrors": False})
    if not kind.is_credit:
        doc["AmountPaid"] = money_str(stored_dec(doc.get("AmountPaid")) + amount)
    settle(kind, doc, payment["Date"])
    save_document(req, kind, doc)
    return render_payment(req, payment)


def settle(kind: DocKind, doc: dict[str, Any], when: str) -> None:
    """Recompute what is left and mark the document PAID when nothing is."""
    refresh_balance(kind, doc)
    left = stored_dec(doc.get("RemainingCredit" if kind.is_credit else "AmountDue"))
    if doc.get("Status") == "AUTHORISED" and left == 0:
        doc["Status"] = "PAID"
        doc["FullyPaidOnDate"] = when
    elif doc.get("Status") == "PAID" and left > 0:
        doc["Status"] = "AUTHORISED"
        doc.pop("FullyPaidOnDate", None)


def render_payment(req: ApiRequest, payment: dict[str, Any],
                   contacts: ContactCache | None = None) -> dict[str, Any]:
    out = dict(payment)
    for kind, key in ((INVOICES, "Invoice"), (CREDIT_NOTES, "CreditNote")):
        ref = payment.get(key)
        if not isinstance(ref, dict):
            continue
        doc = get_doc(req.state, req.tenant_id, kind.collection, str(ref.get(kind.id_key)))
        if doc is not None:
            rendered = render_document(req, kind, doc, full_contact=False, with_lines=False,
                                       contacts=contacts)
            rendered.pop("Payments", None)  # the payment itself; avoid the loop
            out[key] = rendered
    return render(out)


def put_payments(req: ApiRequest) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    elements = body_elements(req, KIND)
    return write_batch(req, KIND, elements, lambda e: create_payment(req, e), ECHO)


def delete_payment(req: ApiRequest) -> ApiResponse:
    """POST /Payments/{PaymentID} with ``{"Status": "DELETED"}``: the only change Xero allows."""
    ensure_seeded(req.state, req.tenant_id, req.clock)
    ref = req.path_params.get("PaymentID", "")
    payment = get_doc(req.state, req.tenant_id, KIND, ref.lower()) if is_guid(ref) else None
    if payment is None:
        raise not_found(f"Payment {ref}")
    elements = body_elements(req, KIND)
    for element in elements:
        if str(element.get("Status", "")).upper() != "DELETED":
            raise bad_request("A payment can only be changed by setting its Status to DELETED")

    def write(element: dict[str, Any]) -> dict[str, Any]:
        current = get_doc(req.state, req.tenant_id, KIND, payment["PaymentID"]) or payment
        if current.get("Status") == "DELETED":
            raise ElementError("This payment has already been deleted.")
        for kind, key in ((INVOICES, "Invoice"), (CREDIT_NOTES, "CreditNote")):
            target = current.get(key)
            if not isinstance(target, dict):
                continue
            doc = get_doc(req.state, req.tenant_id, kind.collection,
                                       str(target.get(kind.id_key)))
            if doc is None:
                continue
            doc["Payments"] = [p for p in doc.get("Payments") or []
                               if not same_id(p.get("PaymentID"), current["PaymentID"])]
            if not kind.is_credit:
                doc["AmountPaid"] = money_str(stored_dec(doc.get("AmountPaid"))
                                              - stored_dec(current.get("Amount")))
            settle(kind, doc, doc.get("FullyPaidOnDate") or current["Date"])
            save_document(req, kind, doc)
        current["Status"] = "DELETED"
        stamp(current, req.clock, with_string=True)
        put_doc(req.state, req.tenant_id, KIND, current["PaymentID"], current, req.clock,
                status="DELETED")
        return render_payment(req, current)

    return write_batch(req, KIND, elements, write, ECHO)


def get_payments(req: ApiRequest) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    keep = compile_where(req.param("where"), WHERE_FIELDS, "Payment")
    docs, page_info = list_documents(req, KIND, keep=keep, order_key=sort_key)
    contacts = ContactCache(req)
    return ok(KIND, [render_payment(req, d, contacts) for d in docs], req, page_info)


def get_payment(req: ApiRequest) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    ref = req.path_params.get("PaymentID", "")
    doc = get_doc(req.state, req.tenant_id, KIND, ref.lower()) if is_guid(ref) else None
    if doc is None:
        raise not_found(f"Payment {ref}")
    return ok(KIND, [render_payment(req, doc)], req)


def record_payment(state: SandboxState, tenant_id: str, clock: Clock,
                   payload: dict[str, Any]) -> dict[str, Any]:
    """A payment as a person would record it in Xero (the admin endpoint).

    ``payload``: InvoiceID or InvoiceNumber (or CreditNoteID / CreditNoteNumber), Amount,
    Date (optional, today), Account ("090", {"Code": "090"} or AccountCode; default "090"),
    Reference. Same rules as PUT /Payments; a refusal raises the 400 ValidationException.
    Returns the payment as GET /Payments shows it."""
    element = dict(payload)
    if element.get("InvoiceID"):
        element["Invoice"] = {"InvoiceID": element.pop("InvoiceID")}
    if element.get("CreditNoteID"):
        element["CreditNote"] = {"CreditNoteID": element.pop("CreditNoteID")}
    if element.get("AccountCode") and not element.get("Account"):
        element["Account"] = {"Code": str(element.pop("AccountCode"))}
    if not element.get("Account") and not element.get("Code"):
        element["Account"] = {"Code": "090"}
    req = ApiRequest(tenant_id=tenant_id, method="PUT", path_params={}, query={}, headers={},
                     body=element, state=state, clock=clock)
    ensure_seeded(state, tenant_id, clock)
    with state.transaction():
        try:
            with state.savepoint():
                return create_payment(req, element)
        except ElementError as exc:
            raise element_error_to_exception(exc, element, ECHO) from None
