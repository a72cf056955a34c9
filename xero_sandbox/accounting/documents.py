"""What invoices and credit notes share: building a document from a request element, status
rules, numbering, rendering and the GET/PUT/POST handlers. Invoice- and credit-note-only
behaviour (payments, allocations) lives in their own modules.

Status rules (Xero docs and error messages seen from the live API):
- Create as DRAFT (default), SUBMITTED or AUTHORISED. PAID is only ever reached through
  payments or credit allocations; DELETED and VOIDED only by changing an existing document.
- DRAFT/SUBMITTED: editable; may become DRAFT, SUBMITTED, AUTHORISED or DELETED.
- AUTHORISED with nothing paid or credited: editable; may become VOIDED (not DELETED or back to
  DRAFT/SUBMITTED: "Invoice not of valid status for modification").
- AUTHORISED with a payment or allocation: only DueDate, Reference, SentToContact,
  ExpectedPaymentDate and PlannedPaymentDate may change ("This document cannot be edited as it
  has a payment or credit note allocated to it.").
- PAID, VOIDED, DELETED: any change is refused ("Invoice not of valid status for
  modification"; Xero's backend treats credit notes as invoices, so they get the same words).
A POST that changes nothing is accepted without touching UpdatedDateUTC, whatever the status.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..api import ApiRequest, ApiResponse
from ..errors import bad_request, not_found
from ..xero_json import date_string
from .common import (
    Echo,
    ElementError,
    body_elements,
    csv_param,
    dec,
    get_doc,
    is_guid,
    list_documents,
    money_str,
    msdate,
    new_id,
    ok,
    put_doc,
    render,
    request_date,
    same_id,
    search_match,
    sort_key,
    stamp,
    stored_dec,
    unitdp,
    write_batch,
)
from .contacts import contact_summary, find_contact, mark_customer_or_supplier, render_contact
from .lines import (
    LineSettings,
    compute_lines,
    normalise_line_amount_types,
    stored_line_inputs,
)
from .organisation import base_currency, ensure_seeded, next_number
from .where import BOOL, DATE, GUID, NUMBER, STRING, compile_where

STATUSES = ("DRAFT", "SUBMITTED", "DELETED", "AUTHORISED", "PAID", "VOIDED")
NOT_VALID_FOR_MODIFICATION = "Invoice not of valid status for modification"
HAS_PAYMENTS = ("This document cannot be edited as it has a payment or credit note allocated "
                "to it.")
# Fields Xero lets you change on a document that already has money against it.
SAFE_WHEN_PAID = frozenset({"DueDate", "DueDateString", "Reference", "SentToContact",
                            "ExpectedPaymentDate", "PlannedPaymentDate"})
TIMESTAMPS = frozenset({"UpdatedDateUTC", "UpdatedDateUTCString"})


@dataclass(frozen=True)
class DocKind:
    collection: str  # Invoices / CreditNotes
    id_key: str  # InvoiceID / CreditNoteID
    number_key: str  # InvoiceNumber / CreditNoteNumber
    type_name: str  # Invoice / CreditNote (where-filter messages)
    label: str  # "Invoice" / "Credit note" (messages)
    types: tuple[str, ...]
    sales_type: str  # the type whose numbers are generated and unique
    prefix: str  # INV- / CN-
    discount_types: frozenset[str]  # types whose lines may carry discounts
    discount_refusal: str
    unique_number_message: str
    echo: Echo

    @property
    def is_credit(self) -> bool:
        return self.collection == "CreditNotes"


INVOICES = DocKind(
    collection="Invoices", id_key="InvoiceID", number_key="InvoiceNumber", type_name="Invoice",
    label="Invoice", types=("ACCREC", "ACCPAY"), sales_type="ACCREC", prefix="INV-",
    discount_types=frozenset({"ACCREC"}),
    discount_refusal=("Discounts are only supported on ACCREC invoices; ACCPAY invoices do not "
                      "support DiscountRate or DiscountAmount."),
    unique_number_message="Invoice # must be unique.",
    echo=Echo("InvoiceID", ("HasErrors", "HasValidationErrors")),
)
CREDIT_NOTES = DocKind(
    collection="CreditNotes", id_key="CreditNoteID", number_key="CreditNoteNumber",
    type_name="CreditNote", label="Credit note", types=("ACCRECCREDIT", "ACCPAYCREDIT"),
    sales_type="ACCRECCREDIT", prefix="CN-", discount_types=frozenset(),
    discount_refusal=("Discounts are not supported on credit notes. Remove the DiscountRate or "
                      "DiscountAmount and include the discount in the UnitAmount."),
    unique_number_message="Credit Note # must be unique.",
    echo=Echo("CreditNoteID", ("HasErrors", "HasValidationErrors")),
)

COMMON_WHERE = {
    "Type": STRING, "Status": STRING, "Reference": STRING, "Contact.ContactID": GUID,
    "Contact.Name": STRING, "Contact.ContactNumber": STRING, "Date": DATE, "DueDate": DATE,
    "SubTotal": NUMBER, "TotalTax": NUMBER, "Total": NUMBER, "CurrencyCode": STRING,
    "UpdatedDateUTC": DATE, "FullyPaidOnDate": DATE, "SentToContact": BOOL,
}
WHERE_FIELDS = {
    "Invoices": {**COMMON_WHERE, "InvoiceID": GUID, "InvoiceNumber": STRING,
                 "AmountDue": NUMBER, "AmountPaid": NUMBER, "AmountCredited": NUMBER},
    "CreditNotes": {**COMMON_WHERE, "CreditNoteID": GUID, "CreditNoteNumber": STRING,
                    "RemainingCredit": NUMBER},
}


# -- finding ----------------------------------------------------------------------------------
def find_document(req: ApiRequest, kind: DocKind, ref: str) -> dict[str, Any] | None:
    """By id, else by number (GET /Invoices/{InvoiceID or InvoiceNumber})."""
    state, tenant = req.state, req.tenant_id
    if is_guid(ref):
        doc = get_doc(state, tenant, kind.collection, ref.lower())
        if doc is not None:
            return doc
    matches = state.find_all_by_key(tenant, kind.collection, ref)
    if not matches:
        return None
    # A sales number is unique; bills may share one, and then the first one is meant.
    for doc in matches:
        if doc.get("Type") == kind.sales_type:
            return doc
    return matches[0]


def number_taken(req: ApiRequest, kind: DocKind, number: str, own_id: str | None) -> bool:
    for doc in req.state.find_all_by_key(req.tenant_id, kind.collection, number):
        if doc.get("Type") == kind.sales_type and not same_id(doc.get(kind.id_key), own_id):
            return True
    return False


def money_against(kind: DocKind, doc: dict[str, Any]) -> bool:
    """Has anything been paid, credited or allocated against this document?"""
    if kind.is_credit:
        return bool(doc.get("Allocations")) or bool(doc.get("Payments"))
    return stored_dec(doc.get("AmountPaid")) > 0 or stored_dec(doc.get("AmountCredited")) > 0


def resolve_contact(req: ApiRequest, raw: Any) -> dict[str, Any]:
    """A document's contact, named by ContactID, ContactNumber or Name (an existing contact)."""
    if not isinstance(raw, dict) or not any(raw.get(k) for k in ("ContactID", "ContactNumber",
                                                                "Name")):
        raise ElementError("A Contact must be specified for this type of transaction")
    state, tenant = req.state, req.tenant_id
    if raw.get("ContactID"):
        contact_id = str(raw["ContactID"])
        found = find_contact(state, tenant, contact_id) if is_guid(contact_id) else None
        if found is None:
            raise ElementError(f"The contact with ContactID {contact_id} could not be found.")
        return found
    if raw.get("ContactNumber"):
        found = state.find_by_key(tenant, "Contacts", str(raw["ContactNumber"]))
        if found is None:
            raise ElementError(f"The contact with ContactNumber {raw['ContactNumber']} could "
                               "not be found.")
        return found
    name = str(raw["Name"])
    candidates = state.find_by_name(tenant, "Contacts", name)
    active = [c for c in candidates if c.get("ContactStatus") == "ACTIVE"]
    if not (active or candidates):
        raise ElementError(f"The contact named '{name}' could not be found.")
    return (active or candidates)[0]


# -- building ---------------------------------------------------------------------------------
def _new_doc(kind: DocKind, doc_id: str) -> dict[str, Any]:
    doc: dict[str, Any] = {kind.id_key: doc_id, "Type": "", kind.number_key: "",
                           "Reference": "", "Payments": []}
    if kind.is_credit:
        doc.update({"Allocations": [], "RemainingCredit": "0.00"})
    else:
        doc.update({"CreditNotes": [], "Prepayments": [], "Overpayments": [],
                    "AmountDue": "0.00", "AmountPaid": "0.00", "AmountCredited": "0.00"})
    doc.update({"SentToContact": False, "CurrencyRate": "1.000000", "IsDiscounted": False,
                "HasAttachments": False, "HasErrors": False, "Status": "DRAFT",
                "LineAmountTypes": "Exclusive", "LineItems": [], "SubTotal": "0.00",
                "TotalTax": "0.00", "Total": "0.00"})
    return doc


def _set_date(doc: dict[str, Any], key: str, value: Any, errors: list[str],
              with_string: bool = True) -> None:
    try:
        day = request_date(value, key)
    except ElementError as exc:
        errors.extend(exc.messages)
        return
    doc[key] = msdate(day)
    if with_string:
        doc[f"{key}String"] = date_string(day)


def build_document(req: ApiRequest, kind: DocKind, element: dict[str, Any],
                   existing: dict[str, Any] | None) -> tuple[dict[str, Any], list[str]]:
    """The document after applying one element; returns it with any warnings.
    Raises ElementError with every validation message found."""
    errors: list[str] = []
    doc = copy.deepcopy(existing) if existing is not None else _new_doc(kind, new_id())

    # Type.
    sent_type = element.get("Type")
    if sent_type not in (None, ""):
        doc_type = str(sent_type).upper()
        if doc_type not in kind.types:
            errors.append(f"{kind.label} Type '{sent_type}' is not valid; use "
                          f"{' or '.join(kind.types)}")
        elif existing is not None and existing.get("Type") != doc_type:
            errors.append(f"The Type of an existing {kind.label.lower()} cannot be changed.")
        else:
            doc["Type"] = doc_type
    elif existing is None:
        errors.append(f"{kind.label} Type must be specified ({' or '.join(kind.types)}).")

    # Contact.
    contact: dict[str, Any] | None = None
    if element.get("Contact") is not None or existing is None:
        try:
            contact = resolve_contact(req, element.get("Contact"))
            previous = (existing or {}).get("Contact") or {}
            if not same_id(previous.get("ContactID"), contact["ContactID"]):
                # Only a different contact is a change; the name shown is always read live,
                # so a renamed contact does not make a resent (perhaps paid) document "edited".
                doc["Contact"] = {"ContactID": contact["ContactID"],
                                  "Name": contact.get("Name", "")}
        except ElementError as exc:
            errors.extend(exc.messages)

    # Dates: Date defaults to today; DateString/DueDateString are accepted as the Ruby
    # clients send them (samples/minimul-xero-api/spec_vcr_create_invoice.yml).
    for key in ("Date", "DueDate"):
        value = element.get(key)
        if value in (None, ""):
            value = element.get(f"{key}String")
        if value not in (None, ""):
            _set_date(doc, key, value, errors)
    if "Date" not in doc:
        doc["Date"] = msdate(req.clock.now().date())
        doc["DateString"] = date_string(req.clock.now().date())
    for key in ("ExpectedPaymentDate", "PlannedPaymentDate"):
        if not kind.is_credit and element.get(key) not in (None, ""):
            _set_date(doc, key, element[key], errors, with_string=False)

    # Simple fields.
    if element.get("Reference") is not None:
        doc["Reference"] = str(element["Reference"])
    if element.get("SentToContact") is not None:
        doc["SentToContact"] = bool(element["SentToContact"])
    for key in ("BrandingThemeID", "Url"):
        if element.get(key) not in (None, ""):
            doc[key] = str(element[key])
    if element.get("CurrencyCode") not in (None, ""):
        doc["CurrencyCode"] = str(element["CurrencyCode"]).upper()
    doc.setdefault("CurrencyCode", base_currency(req.state, req.tenant_id))
    if element.get("CurrencyRate") not in (None, ""):
        try:
            rate = dec(element["CurrencyRate"], "CurrencyRate")
            if rate <= 0:
                raise ElementError("CurrencyRate must be greater than zero")
            doc["CurrencyRate"] = money_str(rate, 6)
        except ElementError as exc:
            errors.extend(exc.messages)

    # Number: kept, sent, or generated for sales documents.
    sent_number = element.get(kind.number_key)
    if sent_number not in (None, ""):
        number = str(sent_number).strip()
        if len(number) > 255:
            errors.append(f"{kind.number_key} must not be more than 255 characters long.")
        doc[kind.number_key] = number

    # Line amount types and lines.
    lat_changed = False
    if element.get("LineAmountTypes") not in (None, ""):
        try:
            lat = normalise_line_amount_types(element["LineAmountTypes"])
            lat_changed = lat != doc.get("LineAmountTypes")
            doc["LineAmountTypes"] = lat
        except ElementError as exc:
            errors.extend(exc.messages)
    warnings: list[str] = []
    doc_type = doc.get("Type") or ""
    if doc_type and (element.get("LineItems") is not None or lat_changed):
        places = unitdp(req)
        raw_lines = element.get("LineItems")
        if raw_lines is None:
            # Only the amount type changed: recompute the stored lines, keeping 4dp prices.
            raw_lines = stored_line_inputs(doc.get("LineItems") or [])
            places = 4
        settings = LineSettings(
            state=req.state, tenant_id=req.tenant_id, doc_type=doc_type,
            line_amount_types=str(doc.get("LineAmountTypes")), unit_places=places,
            discounts_allowed=doc_type in kind.discount_types,
            discount_refusal=kind.discount_refusal)
        try:
            lines, totals = compute_lines(settings, raw_lines, doc.get("LineItems") or [])
        except ElementError as exc:
            errors.extend(exc.messages)
        else:
            warnings = totals.warnings
            doc["LineItems"] = lines
            doc["SubTotal"] = money_str(totals.sub_total)
            doc["TotalTax"] = money_str(totals.total_tax)
            doc["Total"] = money_str(totals.total)
            doc["IsDiscounted"] = totals.discounted
            if totals.discounted:
                doc["TotalDiscount"] = money_str(totals.total_discount)
            else:
                doc.pop("TotalDiscount", None)

    # Status.
    old_status = existing.get("Status") if existing is not None else None
    if element.get("Status") not in (None, ""):
        status = str(element["Status"]).upper()
        if status not in STATUSES:
            errors.append(f"Status '{element['Status']}' is not valid; use one of "
                          f"{', '.join(STATUSES)}")
        else:
            doc["Status"] = status

    if errors:
        raise ElementError(*errors)

    refresh_balance(kind, doc)
    _check_status(kind, existing, doc, old_status)
    if doc["Status"] in ("SUBMITTED", "AUTHORISED") and not doc.get("LineItems"):
        raise ElementError(f"{kind.label} must have at least one line item to be "
                           f"{doc['Status'].lower()}.")
    if doc["Status"] == "AUTHORISED" and stored_dec(doc.get("Total")) == 0 and (
            old_status != "AUTHORISED"):
        # Xero marks a zero-value document paid as soon as it is approved.
        doc["Status"] = "PAID"
        doc["FullyPaidOnDate"] = doc["Date"]
    return doc, warnings


def refresh_balance(kind: DocKind, doc: dict[str, Any]) -> None:
    total = stored_dec(doc.get("Total"))
    if kind.is_credit:
        used = sum((stored_dec(a.get("Amount")) for a in doc.get("Allocations") or []),
                   Decimal("0"))
        used += sum((stored_dec(p.get("Amount")) for p in doc.get("Payments") or []),
                    Decimal("0"))
        doc["RemainingCredit"] = money_str(total - used)
    else:
        doc["AmountDue"] = money_str(total - stored_dec(doc.get("AmountPaid"))
                                     - stored_dec(doc.get("AmountCredited")))


def _changed_keys(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    keys = set(before) | set(after)
    return {k for k in keys if k not in TIMESTAMPS and before.get(k) != after.get(k)}


def _check_status(kind: DocKind, existing: dict[str, Any] | None, doc: dict[str, Any],
                  old: str | None) -> None:
    new = doc["Status"]
    label = kind.label
    if existing is None:
        if new not in ("DRAFT", "SUBMITTED", "AUTHORISED"):
            raise ElementError(f"{label} cannot be created with status {new}; create it as "
                               "DRAFT, SUBMITTED or AUTHORISED.")
        return
    changed = _changed_keys(existing, doc)
    if not changed:
        return
    if old in ("PAID", "VOIDED", "DELETED"):
        raise ElementError(NOT_VALID_FOR_MODIFICATION)
    if new == "PAID":
        raise ElementError(f"{label} status cannot be set to PAID; it becomes PAID when "
                           "payments or credit cover the total.")
    if old == "AUTHORISED":
        if money_against(kind, existing) and (new != "AUTHORISED"
                                              or changed - SAFE_WHEN_PAID):
            raise ElementError(HAS_PAYMENTS)
        if new not in ("AUTHORISED", "VOIDED"):
            raise ElementError(NOT_VALID_FOR_MODIFICATION)
        return
    # DRAFT or SUBMITTED.
    if new == "VOIDED":
        raise ElementError(NOT_VALID_FOR_MODIFICATION)


# -- rendering --------------------------------------------------------------------------------
class ContactCache:
    """Contacts looked up once per request while rendering a list of documents."""

    def __init__(self, req: ApiRequest) -> None:
        self.req = req
        self.cache: dict[str, dict[str, Any] | None] = {}

    def get(self, contact_id: str) -> dict[str, Any] | None:
        key = contact_id.lower()
        if key not in self.cache:
            self.cache[key] = get_doc(self.req.state, self.req.tenant_id, "Contacts", key)
        return self.cache[key]


def render_document(req: ApiRequest, kind: DocKind, doc: dict[str, Any], *, full_contact: bool,
                    with_lines: bool, contacts: ContactCache | None = None,
                    summary_only: bool = False) -> dict[str, Any]:
    out = dict(doc)
    ref = doc.get("Contact") or {}
    contact = (contacts or ContactCache(req)).get(str(ref.get("ContactID", "")))
    if full_contact and contact is not None:
        out["Contact"] = render_contact(contact)
    else:
        out["Contact"] = contact_summary(contact, ref)
    if not with_lines or summary_only:
        out.pop("LineItems", None)
    if summary_only:
        for key in ("Payments", "CreditNotes", "Allocations", "Prepayments", "Overpayments"):
            out.pop(key, None)
    return render(out, unitdp(req))


def save_document(req: ApiRequest, kind: DocKind, doc: dict[str, Any]) -> None:
    stamp(doc, req.clock, with_string=True)
    put_doc(req.state, req.tenant_id, kind.collection, doc[kind.id_key], doc, req.clock,
            natural_key=doc.get(kind.number_key) or None, status=doc.get("Status"))


# -- handlers ---------------------------------------------------------------------------------
def upsert_document(req: ApiRequest, kind: DocKind, element: dict[str, Any], *,
                    allow_update: bool, target: dict[str, Any] | None = None) -> dict[str, Any]:
    existing = target
    doc_id = element.get(kind.id_key)
    if existing is None and doc_id:
        existing = get_doc(req.state, req.tenant_id, kind.collection, str(doc_id).lower()) \
            if is_guid(str(doc_id)) else None
        if existing is None:
            raise not_found(f"{kind.label} {doc_id}")
        if not allow_update:
            raise ElementError(f"A {kind.label.lower()} with {kind.id_key} {doc_id} already "
                               "exists; use POST to update it.")
    number = element.get(kind.number_key)
    number = str(number).strip() if number not in (None, "") else None
    sent_type = str(element.get("Type") or "").upper()
    if existing is None and number is not None:
        sales = sent_type in ("", kind.sales_type)
        if sales and number_taken(req, kind, number, None):
            if not allow_update:
                raise ElementError(kind.unique_number_message)
            existing = find_document(req, kind, number)
    if existing is not None and number is not None and number != existing.get(kind.number_key) \
            and existing.get("Type") == kind.sales_type \
            and number_taken(req, kind, number, existing.get(kind.id_key)):
        raise ElementError(kind.unique_number_message)

    doc, warnings = build_document(req, kind, element, existing)
    if existing is None and not doc.get(kind.number_key) and doc["Type"] == kind.sales_type:
        doc[kind.number_key] = next_number(req.state, req.tenant_id, kind.collection, kind.prefix)
    if existing is not None and not _changed_keys(existing, doc):
        out = render_document(req, kind, existing, full_contact=True, with_lines=True)
    else:
        save_document(req, kind, doc)
        if doc.get("Status") not in ("DELETED", "VOIDED"):
            mark_customer_or_supplier(req, doc["Contact"]["ContactID"], doc["Type"])
        out = render_document(req, kind, doc, full_contact=True, with_lines=True)
    if warnings:
        out["Warnings"] = [{"Message": w} for w in warnings]
    return out


def get_documents(req: ApiRequest, kind: DocKind, *, extra_keep: Any = None) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    where = compile_where(req.param("where"), WHERE_FIELDS[kind.collection], kind.type_name)
    term = req.param("searchTerm")
    ids = csv_param_lower(req, "IDs") if not kind.is_credit else None
    numbers = _csv(req, f"{kind.number_key}s") if not kind.is_credit else None
    statuses = [s.upper() for s in _csv(req, "Statuses") or []] or None
    contact_ids = {c.lower() for c in _csv(req, "ContactIDs") or []} or None
    contacts = ContactCache(req)

    def contact_view(doc: dict[str, Any]) -> dict[str, Any]:
        # where/searchTerm see the contact as it is now, not as it was when the doc was saved.
        ref = doc.get("Contact") or {}
        current = contacts.get(str(ref.get("ContactID", "")))
        view = dict(doc)
        view["Contact"] = {**ref, **({"Name": current.get("Name"),
                                      "ContactNumber": current.get("ContactNumber")}
                                     if current else {})}
        return view

    keep = None
    if where is not None or term or contact_ids or extra_keep is not None:
        def keep(doc: dict[str, Any]) -> bool:
            if contact_ids and str((doc.get("Contact") or {}).get("ContactID", "")).lower() \
                    not in contact_ids:
                return False
            if extra_keep is not None and not extra_keep(doc):
                return False
            view = contact_view(doc) if (where is not None or term) else doc
            if term and not search_match(view, term, (kind.number_key, "Reference")):
                return False
            return where is None or where(view)

    docs, page_info = list_documents(req, kind.collection, ids=ids, keys=numbers,
                                     statuses=statuses, keep=keep, order_key=sort_key)
    # Lines only come with paging (or a single document), as Xero does: a plain list would
    # otherwise be huge for a large organisation.
    with_lines = page_info is not None
    summary = req.flag("summaryOnly")
    items = [render_document(req, kind, d, full_contact=False, with_lines=with_lines,
                             contacts=contacts, summary_only=summary) for d in docs]
    return ok(kind.collection, items, req, page_info)


def _csv(req: ApiRequest, name: str) -> list[str] | None:
    return csv_param(req, name)


def csv_param_lower(req: ApiRequest, name: str) -> list[str] | None:
    values = _csv(req, name)
    return [v.lower() for v in values] if values is not None else None


def get_document(req: ApiRequest, kind: DocKind, param: str) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    ref = req.path_params.get(param, "")
    doc = find_document(req, kind, ref)
    if doc is None:
        raise not_found(f"{kind.label} {ref}")
    return ok(kind.collection, [render_document(req, kind, doc, full_contact=True,
                                                with_lines=True)], req)


def put_documents(req: ApiRequest, kind: DocKind) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    elements = body_elements(req, kind.collection)
    return write_batch(req, kind.collection, elements,
                       lambda e: upsert_document(req, kind, e, allow_update=False), kind.echo)


def post_documents(req: ApiRequest, kind: DocKind) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    elements = body_elements(req, kind.collection)
    return write_batch(req, kind.collection, elements,
                       lambda e: upsert_document(req, kind, e, allow_update=True), kind.echo)


def post_document(req: ApiRequest, kind: DocKind, param: str) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    ref = req.path_params.get(param, "")
    target = find_document(req, kind, ref)
    if target is None:
        raise not_found(f"{kind.label} {ref}")
    elements = body_elements(req, kind.collection)
    for element in elements:
        sent = element.get(kind.id_key)
        if sent and not same_id(sent, target[kind.id_key]):
            raise bad_request(f"The {kind.id_key} in the body ({sent}) does not match the URL "
                              f"({target[kind.id_key]})")

    def write(element: dict[str, Any]) -> dict[str, Any]:
        current = get_doc(req.state, req.tenant_id, kind.collection, target[kind.id_key])
        return upsert_document(req, kind, element, allow_update=True, target=current or target)

    return write_batch(req, kind.collection, elements, write, kind.echo)
