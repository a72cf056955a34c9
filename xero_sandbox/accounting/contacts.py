"""Contacts: GET list/one, PUT create, POST create-or-update (by ContactID, then ContactNumber).

Shapes follow real Xero replies (samples/minimul-xero-api): every contact carries both
address types (POBOX, STREET) and the four main phone types (DDI, DEFAULT, FAX, MOBILE),
with empty strings where nothing is set. A contact's Name must be unique among ACTIVE
contacts; ContactNumber (the "Contact Code", meant for an external system's key) must be
unique among all contacts.

Choices where Xero's behaviour is not documented:
- GET /Contacts without ``page`` returns every matching contact (no pagination object).
- ARCHIVED contacts are left out unless ``includeArchived=true`` (also when ``IDs`` is used);
  GET /Contacts/{id} returns them.
- Sent Addresses/Phones replace the slot of their type; types not sent keep their values.
  ContactPersons, when sent, replace the whole list.
- An ARCHIVED contact refuses edits (Xero: "Archived contacts cannot currently be edited via
  the API"), except a POST that sets ContactStatus back to ACTIVE, which restores it.
- PUT never updates: a ContactID of an existing contact, or a used ContactNumber, is refused.
- An element naming a ContactID the organisation never issued aborts the request with 404.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from ..api import ApiRequest, ApiResponse
from ..errors import bad_request, not_found
from .common import (
    Echo,
    ElementError,
    body_elements,
    bool_field,
    csv_param,
    doc_date,
    get_doc,
    is_guid,
    list_documents,
    money_str,
    new_id,
    ok,
    put_doc,
    render,
    same_id,
    search_match,
    sort_key,
    stamp,
    stored_dec,
    text_field,
    write_batch,
)
from .organisation import ensure_seeded, tax_rate
from .where import BOOL, DATE, GUID, STRING, compile_where

KIND = "Contacts"
ECHO = Echo("ContactID", ("HasValidationErrors",))

PHONE_TYPES = ("DDI", "DEFAULT", "FAX", "MOBILE")
ALL_PHONE_TYPES = (*PHONE_TYPES, "OFFICE")
ADDRESS_TYPES = ("POBOX", "STREET")
STATUSES = ("ACTIVE", "ARCHIVED", "GDPRREQUEST")
LINE_AMOUNT_TYPES = ("INCLUSIVE", "EXCLUSIVE", "NONE")

# Plain text fields a client may write, with Xero's maximum lengths (None: no stated limit).
TEXT_FIELDS: dict[str, int | None] = {
    "ContactNumber": 50, "AccountNumber": 50, "Name": 255, "FirstName": 255, "LastName": 255,
    "CompanyNumber": 50, "EmailAddress": 255, "BankAccountDetails": None, "TaxNumber": 50,
    "XeroNetworkKey": None, "SalesDefaultAccountCode": None, "PurchasesDefaultAccountCode": None,
    "TrackingCategoryName": None, "TrackingCategoryOption": None, "SkypeUserName": None,
}
PASSTHROUGH_OBJECTS = ("PaymentTerms", "BatchPayments", "BrandingTheme")
PASSTHROUGH_LISTS = ("SalesTrackingCategories", "PurchasesTrackingCategories")

WHERE_FIELDS = {
    "ContactID": GUID, "ContactNumber": STRING, "AccountNumber": STRING, "ContactStatus": STRING,
    "Name": STRING, "FirstName": STRING, "LastName": STRING, "EmailAddress": STRING,
    "CompanyNumber": STRING, "TaxNumber": STRING, "DefaultCurrency": STRING,
    "IsSupplier": BOOL, "IsCustomer": BOOL, "UpdatedDateUTC": DATE,
}
SEARCH_FIELDS = ("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# -- shapes ---------------------------------------------------------------------------------
def empty_address(address_type: str) -> dict[str, Any]:
    return {"AddressType": address_type, "City": "", "Region": "", "PostalCode": "",
            "Country": "", "AttentionTo": ""}


def empty_phone(phone_type: str) -> dict[str, Any]:
    return {"PhoneType": phone_type, "PhoneNumber": "", "PhoneAreaCode": "",
            "PhoneCountryCode": ""}


def new_contact_doc(contact_id: str) -> dict[str, Any]:
    return {
        "ContactID": contact_id,
        "ContactStatus": "ACTIVE",
        "Name": "",
        "FirstName": "",
        "LastName": "",
        "EmailAddress": "",
        "BankAccountDetails": "",
        "Addresses": [empty_address(t) for t in ADDRESS_TYPES],
        "Phones": [empty_phone(t) for t in PHONE_TYPES],
        "ContactGroups": [],
        "IsSupplier": False,
        "IsCustomer": False,
        "ContactPersons": [],
        "HasAttachments": False,
        "HasValidationErrors": False,
    }


def contact_summary(contact: dict[str, Any] | None, ref: dict[str, Any]) -> dict[str, Any]:
    """The contact as a document list shows it (spec example for GET /Invoices)."""
    source = contact or ref
    out: dict[str, Any] = {"ContactID": source.get("ContactID", ref.get("ContactID"))}
    if source.get("ContactNumber"):
        out["ContactNumber"] = source["ContactNumber"]
    out.update({"Name": source.get("Name", ""), "Addresses": [], "Phones": [],
                "ContactGroups": [], "ContactPersons": [], "HasValidationErrors": False})
    return out


# -- reading ----------------------------------------------------------------------------------
def find_contact(req_state: Any, tenant_id: str, ref: str) -> dict[str, Any] | None:
    """By ContactID, else by ContactNumber (GET /Contacts/{ContactID or ContactNumber})."""
    doc = get_doc(req_state, tenant_id, KIND, ref) if is_guid(ref) else None
    if doc is None:
        doc = req_state.find_by_key(tenant_id, KIND, ref)
    return doc


def compute_balances(req: ApiRequest) -> dict[str, dict[str, Any]]:
    """Balances per contact from the sandbox's approved documents.

    Outstanding is what authorised invoices still owe less unallocated credit; Overdue counts
    invoices past their DueDate. Contacts with no approved documents keep what they hold
    (recorded fixtures carry Xero's own Balances)."""
    today = req.clock.now().date()
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    seen: set[str] = set()
    state, tenant = req.state, req.tenant_id
    for doc in state.query_objects(tenant, "Invoices", statuses=["AUTHORISED", "PAID"]):
        contact_id = str((doc.get("Contact") or {}).get("ContactID", "")).lower()
        seen.add(contact_id)
        if doc.get("Status") != "AUTHORISED":
            continue
        side = "AR" if doc.get("Type") == "ACCREC" else "AP"
        due = stored_dec(doc.get("AmountDue"))
        sums[contact_id][f"{side}o"] += due
        due_date: date | None = doc_date(doc.get("DueDate"))
        if due_date is not None and due_date < today:
            sums[contact_id][f"{side}d"] += due
    for doc in state.query_objects(tenant, "CreditNotes", statuses=["AUTHORISED", "PAID"]):
        contact_id = str((doc.get("Contact") or {}).get("ContactID", "")).lower()
        seen.add(contact_id)
        if doc.get("Status") != "AUTHORISED":
            continue
        side = "AR" if doc.get("Type") == "ACCRECCREDIT" else "AP"
        sums[contact_id][f"{side}o"] -= stored_dec(doc.get("RemainingCredit"))
    balances = {}
    for contact_id in seen:
        s = sums[contact_id]
        balances[contact_id] = {
            "AccountsReceivable": {"Outstanding": money_str(s["ARo"]),
                                   "Overdue": money_str(s["ARd"])},
            "AccountsPayable": {"Outstanding": money_str(s["APo"]),
                                "Overdue": money_str(s["APd"])},
        }
    return balances


def render_contact(doc: dict[str, Any], balances: dict[str, dict[str, Any]] | None = None,
                   summary_only: bool = False) -> dict[str, Any]:
    out = dict(doc)
    if balances is not None:
        found = balances.get(str(doc.get("ContactID", "")).lower())
        if found is not None:
            out["Balances"] = found
    if summary_only:
        for key in ("Addresses", "Phones", "ContactPersons", "PaymentTerms", "BatchPayments",
                    "SalesTrackingCategories", "PurchasesTrackingCategories"):
            out.pop(key, None)
    return render(out)


def get_contacts(req: ApiRequest) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    where = compile_where(req.param("where"), WHERE_FIELDS, "Contact")
    term = req.param("searchTerm")
    ids = csv_param(req, "IDs")

    keep = None
    if where is not None or term:
        def keep(doc: dict[str, Any]) -> bool:
            if term and not search_match(doc, term, SEARCH_FIELDS):
                return False
            return where is None or where(doc)

    docs, page_info = list_documents(
        req, KIND, ids=[i.lower() for i in ids] if ids is not None else None,
        exclude_statuses=None if req.flag("includeArchived") else ["ARCHIVED"],
        keep=keep, order_key=sort_key)
    balances = compute_balances(req)
    summary = req.flag("summaryOnly")
    return ok(KIND, [render_contact(d, balances, summary) for d in docs], req, page_info)


def get_contact(req: ApiRequest) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    ref = req.path_params.get("ContactID") or req.path_params.get("ContactNumber") or ""
    doc = find_contact(req.state, req.tenant_id, ref)
    if doc is None:
        raise not_found(f"Contact {ref}")
    return ok(KIND, [render_contact(doc, compute_balances(req))], req)


# -- writing ----------------------------------------------------------------------------------
def _merge_slots(current: list[dict[str, Any]], sent: Any, type_key: str,
                 allowed: tuple[str, ...], build: Any) -> list[dict[str, Any]]:
    if not isinstance(sent, list):
        raise ElementError(f"{'Addresses' if type_key == 'AddressType' else 'Phones'} "
                           "must be an array")
    slots = [dict(s) for s in current if isinstance(s, dict)]
    for raw in sent:
        if not isinstance(raw, dict):
            raise ElementError(f"Each {type_key[:-4].lower()} must be an object")
        slot_type = str(raw.get(type_key, "")).upper()
        if slot_type not in allowed:
            raise ElementError(f"{type_key} '{raw.get(type_key, '')}' is not valid; use one of "
                               f"{', '.join(allowed)}")
        built = build(slot_type, raw)
        for i, slot in enumerate(slots):
            if str(slot.get(type_key, "")).upper() == slot_type:
                slots[i] = built
                break
        else:
            slots.append(built)
    return slots


def _address(address_type: str, raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"AddressType": address_type}
    for n in range(1, 5):
        value = text_field(raw, f"AddressLine{n}", 500)
        if value is not None:
            out[f"AddressLine{n}"] = value
    for key, limit in (("City", 255), ("Region", 255), ("PostalCode", 50), ("Country", 50),
                       ("AttentionTo", 255)):
        out[key] = text_field(raw, key, limit) or ""
    return out


def _phone(phone_type: str, raw: dict[str, Any]) -> dict[str, Any]:
    return {"PhoneType": phone_type,
            "PhoneNumber": text_field(raw, "PhoneNumber", 50) or "",
            "PhoneAreaCode": text_field(raw, "PhoneAreaCode", 10) or "",
            "PhoneCountryCode": text_field(raw, "PhoneCountryCode", 20) or ""}


def _persons(sent: Any) -> list[dict[str, Any]]:
    if not isinstance(sent, list):
        raise ElementError("ContactPersons must be an array")
    persons = []
    for raw in sent:
        if not isinstance(raw, dict):
            raise ElementError("Each contact person must be an object")
        person: dict[str, Any] = {}
        for key in ("FirstName", "LastName", "EmailAddress"):
            value = text_field(raw, key, 255)
            if value is not None:
                person[key] = value
        email = person.get("EmailAddress")
        if email and not _EMAIL.match(email):
            raise ElementError(f"Email address '{email}' for contact person must be valid.")
        include = bool_field(raw, "IncludeInEmails")
        person["IncludeInEmails"] = bool(include)
        persons.append(person)
    return persons


def apply_fields(req: ApiRequest, doc: dict[str, Any], element: dict[str, Any]) -> list[str]:
    """Copy the writable fields of ``element`` onto ``doc``; return validation messages."""
    errors: list[str] = []

    def attempt(fn: Any) -> None:
        try:
            fn()
        except ElementError as exc:
            errors.extend(exc.messages)

    for key, limit in TEXT_FIELDS.items():
        def set_text(key: str = key, limit: int | None = limit) -> None:
            value = text_field(element, key, limit)
            if value is not None:
                doc[key] = value.strip() if key in ("Name", "ContactNumber") else value
        attempt(set_text)
    email = element.get("EmailAddress")
    if isinstance(email, str) and email and not _EMAIL.match(email.strip()):
        errors.append("Email address must be valid.")
    if "ContactStatus" in element and element["ContactStatus"] is not None:
        status = str(element["ContactStatus"]).upper()
        if status not in STATUSES:
            errors.append(f"ContactStatus '{element['ContactStatus']}' is not valid; use one of "
                          f"{', '.join(STATUSES)}")
        else:
            doc["ContactStatus"] = status
    for key, allowed in (("TaxNumberType", ("SSN", "EIN", "ITIN", "ATIN")),
                         ("SalesDefaultLineAmountType", LINE_AMOUNT_TYPES),
                         ("PurchasesDefaultLineAmountType", LINE_AMOUNT_TYPES)):
        if element.get(key) is not None:
            value = str(element[key]).upper()
            if value not in allowed:
                errors.append(f"{key} '{element[key]}' is not valid; use one of "
                              f"{', '.join(allowed)}")
            else:
                doc[key] = value
    for key in ("AccountsReceivableTaxType", "AccountsPayableTaxType"):
        if element.get(key) not in (None, ""):
            code = str(element[key]).upper()
            rate = tax_rate(req.state, req.tenant_id, code)
            if rate is None or rate.get("Status") != "ACTIVE":
                errors.append(f"The TaxType code '{element[key]}' does not exist or cannot be "
                              "used with this type of transaction.")
            else:
                doc[key] = code
    if element.get("DefaultCurrency") not in (None, ""):
        currency = str(element["DefaultCurrency"]).upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            errors.append(f"DefaultCurrency '{element['DefaultCurrency']}' is not a currency code")
        else:
            doc["DefaultCurrency"] = currency
    if element.get("Addresses") is not None:
        def set_addresses() -> None:
            doc["Addresses"] = _merge_slots(doc.get("Addresses") or [], element["Addresses"],
                                            "AddressType", ADDRESS_TYPES, _address)
        attempt(set_addresses)
    if element.get("Phones") is not None:
        def set_phones() -> None:
            doc["Phones"] = _merge_slots(doc.get("Phones") or [], element["Phones"],
                                         "PhoneType", ALL_PHONE_TYPES, _phone)
        attempt(set_phones)
    if element.get("ContactPersons") is not None:
        def set_persons() -> None:
            doc["ContactPersons"] = _persons(element["ContactPersons"])
        attempt(set_persons)
    for key in PASSTHROUGH_OBJECTS:
        if element.get(key) is not None:
            if not isinstance(element[key], dict):
                errors.append(f"{key} must be an object")
            else:
                doc[key] = element[key]
    for key in PASSTHROUGH_LISTS:
        if element.get(key) is not None:
            if not isinstance(element[key], list):
                errors.append(f"{key} must be an array")
            else:
                doc[key] = element[key]
    return errors


def _check_unique(req: ApiRequest, doc: dict[str, Any], previous: dict[str, Any] | None,
                  errors: list[str]) -> None:
    name = doc.get("Name", "")
    if not name:
        if not any(m.startswith("Name ") for m in errors):  # a too-long Name already said so
            errors.append("The contact name must be specified.")
    elif doc.get("ContactStatus") == "ACTIVE" and (
            previous is None or previous.get("Name") != name
            or previous.get("ContactStatus") != "ACTIVE"):
        for other in req.state.find_by_name(req.tenant_id, KIND, name):
            if other.get("ContactStatus") == "ACTIVE" and not same_id(
                    other.get("ContactID"), doc.get("ContactID")):
                errors.append(f"The contact name {name} is already assigned to another contact. "
                              "The contact name must be unique across all active contacts.")
                break
    number = doc.get("ContactNumber")
    if number and (previous is None or previous.get("ContactNumber") != number):
        for other in req.state.find_all_by_key(req.tenant_id, KIND, number):
            if not same_id(other.get("ContactID"), doc.get("ContactID")):
                errors.append(f"The contact number {number} is already assigned to another "
                              "contact.")
                break


def save_contact(req: ApiRequest, doc: dict[str, Any]) -> None:
    stamp(doc, req.clock)
    put_doc(req.state, req.tenant_id, KIND, doc["ContactID"], doc, req.clock,
            natural_key=doc.get("ContactNumber") or None, name=doc.get("Name"),
            status=doc.get("ContactStatus"))


def upsert_contact(req: ApiRequest, element: dict[str, Any], *, allow_update: bool,
                   allow_create: bool = True, target: dict[str, Any] | None = None
                   ) -> dict[str, Any]:
    """Create or update one contact from one element; raises ElementError or 404."""
    existing = target
    contact_id = element.get("ContactID")
    if existing is None and contact_id:
        existing = find_contact(req.state, req.tenant_id, str(contact_id)) \
            if is_guid(str(contact_id)) else None
        if existing is None:
            # An id the organisation never issued: the whole request is a 404.
            raise not_found(f"Contact {contact_id}")
        if not allow_update:
            raise ElementError(f"A contact with ContactID {contact_id} already exists; "
                               "use POST to update it.")
    if existing is None and element.get("ContactNumber") and allow_update:
        existing = req.state.find_by_key(req.tenant_id, KIND, str(element["ContactNumber"]))
    if existing is None and not allow_create:
        raise not_found(f"Contact {contact_id}")

    if existing is not None and existing.get("ContactStatus") == "ARCHIVED" and str(
            element.get("ContactStatus", "")).upper() != "ACTIVE":
        raise ElementError("The specified contact details matched an archived contact. "
                           "Archived contacts cannot currently be edited via the API.")

    doc = dict(existing) if existing is not None else new_contact_doc(new_id())
    errors = apply_fields(req, doc, element)
    _check_unique(req, doc, existing, errors)
    if errors:
        raise ElementError(*errors)
    if existing is not None and _same(existing, doc):
        return render_contact(existing)  # nothing changed: UpdatedDateUTC stays put
    save_contact(req, doc)
    return render_contact(doc)


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    ignore = {"UpdatedDateUTC"}
    return {k: v for k, v in a.items() if k not in ignore} == \
        {k: v for k, v in b.items() if k not in ignore}


def put_contacts(req: ApiRequest) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    elements = body_elements(req, KIND)
    return write_batch(req, KIND, elements,
                       lambda e: upsert_contact(req, e, allow_update=False), ECHO)


def post_contacts(req: ApiRequest) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    elements = body_elements(req, KIND)
    return write_batch(req, KIND, elements,
                       lambda e: upsert_contact(req, e, allow_update=True), ECHO)


def post_contact(req: ApiRequest) -> ApiResponse:
    """POST /Contacts/{ContactID}: update the contact the path names."""
    ensure_seeded(req.state, req.tenant_id, req.clock)
    ref = req.path_params.get("ContactID", "")
    target = find_contact(req.state, req.tenant_id, ref)
    if target is None:
        raise not_found(f"Contact {ref}")
    elements = body_elements(req, KIND)
    for element in elements:
        sent = element.get("ContactID")
        if sent and not same_id(sent, target["ContactID"]):
            raise bad_request(f"The ContactID in the body ({sent}) does not match the URL "
                              f"({target['ContactID']})")

    def write(element: dict[str, Any]) -> dict[str, Any]:
        current = get_doc(req.state, req.tenant_id, KIND, target["ContactID"]) or target
        return upsert_contact(req, element, allow_update=True, target=current)

    return write_batch(req, KIND, elements, write, ECHO)


def mark_customer_or_supplier(req: ApiRequest, contact_id: str, doc_type: str) -> None:
    """Xero sets IsCustomer/IsSupplier itself once a sales/purchase document exists. It does
    not bump the contact's UpdatedDateUTC for this (Xero docs on If-Modified-Since)."""
    contact = get_doc(req.state, req.tenant_id, KIND, contact_id)
    if contact is None:
        return
    flag = "IsCustomer" if doc_type in ("ACCREC", "ACCRECCREDIT") else "IsSupplier"
    if contact.get(flag) is True:
        return
    contact[flag] = True
    put_doc(req.state, req.tenant_id, KIND, contact["ContactID"], contact, req.clock,
            natural_key=contact.get("ContactNumber") or None, name=contact.get("Name"),
            status=contact.get("ContactStatus"))
