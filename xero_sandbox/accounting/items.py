"""Items (products): GET list/one, PUT create, POST create-or-update by ItemID or Code, DELETE.

Code is required (at most 30 characters) and unique; Name at most 50. Items are not paged in
Xero. Unit prices keep up to 4 decimal places and are shown with 2 unless ``unitdp=4``.
Setting IsSold (IsPurchased) to false clears the sales (purchase) description and details,
as Xero documents.
"""

from __future__ import annotations

from typing import Any

from ..api import ApiRequest, ApiResponse
from ..errors import not_found
from .accounts import find_account
from .common import (
    Echo,
    ElementError,
    body_elements,
    bool_field,
    dec,
    get_doc,
    is_guid,
    list_documents,
    money_str,
    new_id,
    ok,
    put_doc,
    render,
    same_id,
    sort_key,
    stamp,
    text_field,
    unitdp,
    write_batch,
)
from .organisation import ensure_seeded, tax_rate
from .where import BOOL, DATE, GUID, STRING, compile_where

KIND = "Items"
ECHO = Echo("ItemID", ())

WHERE_FIELDS = {
    "ItemID": GUID, "Code": STRING, "Name": STRING, "Description": STRING,
    "IsSold": BOOL, "IsPurchased": BOOL, "IsTrackedAsInventory": BOOL, "UpdatedDateUTC": DATE,
}


def find_item(req_state: Any, tenant_id: str, ref: str) -> dict[str, Any] | None:
    """By ItemID, else by Code."""
    doc = get_doc(req_state, tenant_id, KIND, ref.lower()) if is_guid(ref) else None
    if doc is None:
        doc = req_state.find_by_key(tenant_id, KIND, ref)
    return doc


def get_items(req: ApiRequest) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    keep = compile_where(req.param("where"), WHERE_FIELDS, "Item")
    docs, _ = list_documents(req, KIND, keep=keep, order_key=sort_key, pageable=False)
    dp = unitdp(req)
    return ok(KIND, [render(d, dp) for d in docs], req)


def get_item(req: ApiRequest) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    ref = req.path_params.get("ItemID", "")
    doc = find_item(req.state, req.tenant_id, ref)
    if doc is None:
        raise not_found(f"Item {ref}")
    return ok(KIND, [render(doc, unitdp(req))], req)


def _details(req: ApiRequest, raw: Any, field: str, dp: int, errors: list[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        errors.append(f"{field} must be an object")
        return {}
    out: dict[str, Any] = {}
    if raw.get("UnitPrice") is not None:
        try:
            out["UnitPrice"] = money_str(dec(raw["UnitPrice"], f"{field}.UnitPrice"), dp)
        except ElementError as exc:
            errors.extend(exc.messages)
    for key in ("AccountCode", "COGSAccountCode"):
        if raw.get(key) not in (None, ""):
            code = str(raw[key])
            if find_account(req.state, req.tenant_id, {"Code": code}) is None:
                errors.append(f"Account code '{code}' is not a valid code for this item.")
            else:
                out[key] = code
    if raw.get("TaxType") not in (None, ""):
        code = str(raw["TaxType"]).upper()
        rate = tax_rate(req.state, req.tenant_id, code)
        if rate is None or rate.get("Status") != "ACTIVE":
            errors.append(f"The TaxType code '{raw['TaxType']}' does not exist or cannot be used "
                          "with this type of transaction.")
        else:
            out["TaxType"] = code
    return out


def upsert_item(req: ApiRequest, element: dict[str, Any], *, allow_update: bool,
                target: dict[str, Any] | None = None) -> dict[str, Any]:
    dp = unitdp(req)
    existing = target
    item_id = element.get("ItemID")
    if existing is None and item_id:
        existing = get_doc(req.state, req.tenant_id, KIND, str(item_id).lower())
        if existing is None:
            raise not_found(f"Item {item_id}")
        if not allow_update:
            raise ElementError(f"An item with ItemID {item_id} already exists; use POST to "
                               "update it.")
    errors: list[str] = []
    code: str | None = None
    try:
        code = text_field(element, "Code", 30, "Item code")
    except ElementError as exc:
        errors.extend(exc.messages)
    if code is not None:
        code = code.strip()
    if existing is None and code:
        by_code = req.state.find_by_key(req.tenant_id, KIND, code)
        if by_code is not None:
            if not allow_update:
                raise ElementError(f"Item code '{code}' already exists. Item codes must be "
                                   "unique.")
            existing = by_code
    if existing is None and not code and not errors:
        errors.append("Item code must be specified.")

    doc: dict[str, Any] = dict(existing) if existing is not None else {
        "ItemID": new_id(), "Code": "", "PurchaseDetails": {}, "SalesDetails": {},
        "IsTrackedAsInventory": False, "IsSold": True, "IsPurchased": True,
    }
    if code and code != doc.get("Code"):
        clash = req.state.find_by_key(req.tenant_id, KIND, code)
        if clash is not None and not same_id(clash.get("ItemID"), doc.get("ItemID")):
            errors.append(f"Item code '{code}' already exists. Item codes must be unique.")
        doc["Code"] = code
    for key, limit in (("Name", 50), ("Description", 4000), ("PurchaseDescription", 4000),
                       ("InventoryAssetAccountCode", None)):
        try:
            value = text_field(element, key, limit)
        except ElementError as exc:
            errors.extend(exc.messages)
            continue
        if value is not None:
            doc[key] = value
    for key in ("IsSold", "IsPurchased"):
        try:
            flag = bool_field(element, key)
        except ElementError as exc:
            errors.extend(exc.messages)
            continue
        if flag is not None:
            doc[key] = flag
    if element.get("IsTrackedAsInventory") is True and not doc.get("InventoryAssetAccountCode"):
        errors.append("An InventoryAssetAccountCode is required for a tracked item.")
    elif element.get("IsTrackedAsInventory") is not None:
        doc["IsTrackedAsInventory"] = bool(element["IsTrackedAsInventory"])
    for key in ("SalesDetails", "PurchaseDetails"):
        if element.get(key) is not None:
            merged = dict(doc.get(key) or {})
            merged.update(_details(req, element[key], key, dp, errors))
            doc[key] = merged
    if doc.get("IsSold") is False:
        doc.pop("Description", None)
        doc["SalesDetails"] = {}
    if doc.get("IsPurchased") is False:
        doc.pop("PurchaseDescription", None)
        doc["PurchaseDetails"] = {}
    if errors:
        raise ElementError(*errors)
    if existing is not None and {k: v for k, v in existing.items() if k != "UpdatedDateUTC"} \
            == {k: v for k, v in doc.items() if k != "UpdatedDateUTC"}:
        return render(existing, dp)
    stamp(doc, req.clock)
    put_doc(req.state, req.tenant_id, KIND, doc["ItemID"], doc, req.clock,
            natural_key=doc["Code"], name=doc.get("Name"))
    return render(doc, dp)


def put_items(req: ApiRequest) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    elements = body_elements(req, KIND)
    return write_batch(req, KIND, elements, lambda e: upsert_item(req, e, allow_update=False),
                       ECHO)


def post_items(req: ApiRequest) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    elements = body_elements(req, KIND)
    return write_batch(req, KIND, elements, lambda e: upsert_item(req, e, allow_update=True),
                       ECHO)


def post_item(req: ApiRequest) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    ref = req.path_params.get("ItemID", "")
    target = find_item(req.state, req.tenant_id, ref)
    if target is None:
        raise not_found(f"Item {ref}")
    elements = body_elements(req, KIND)

    def write(element: dict[str, Any]) -> dict[str, Any]:
        current = get_doc(req.state, req.tenant_id, KIND, target["ItemID"]) or target
        return upsert_item(req, element, allow_update=True, target=current)

    return write_batch(req, KIND, elements, write, ECHO)


def delete_item(req: ApiRequest) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    ref = req.path_params.get("ItemID", "")
    target = find_item(req.state, req.tenant_id, ref)
    if target is None:
        raise not_found(f"Item {ref}")
    req.state.delete_object(req.tenant_id, KIND, target["ItemID"])
    return ApiResponse(204, None)
