"""GET /Accounts: the chart of accounts, read-only here, so clients can find payment accounts."""

from __future__ import annotations

from typing import Any

from ..api import ApiRequest, ApiResponse
from ..errors import not_found
from .common import get_doc, is_guid, list_documents, ok, render, sort_key
from .organisation import ensure_seeded
from .where import BOOL, GUID, STRING, compile_where

WHERE_FIELDS = {
    "AccountID": GUID, "Code": STRING, "Name": STRING, "Type": STRING, "Status": STRING,
    "Class": STRING, "TaxType": STRING, "EnablePaymentsToAccount": BOOL,
    "BankAccountNumber": STRING,
}


def accepts_payments(account: dict[str, Any]) -> bool:
    """Bank accounts, and any account with "Enable payments to this account" ticked."""
    return account.get("Status") == "ACTIVE" and (
        account.get("Type") == "BANK" or bool(account.get("EnablePaymentsToAccount")))


def get_accounts(req: ApiRequest) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    keep = compile_where(req.param("where"), WHERE_FIELDS, "Account")
    docs, _ = list_documents(req, "Accounts", keep=keep, order_key=sort_key, pageable=False)
    return ok("Accounts", [render(d) for d in docs], req)


def get_account(req: ApiRequest) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    ref = req.path_params.get("AccountID", "")
    doc = get_doc(req.state, req.tenant_id, "Accounts", ref) if is_guid(ref) else None
    if doc is None:
        doc = req.state.find_by_key(req.tenant_id, "Accounts", ref)
    if doc is None:
        raise not_found(f"Account {ref}")
    return ok("Accounts", [render(doc)], req)


def find_account(req_state: Any, tenant_id: str, ref: dict[str, Any]) -> dict[str, Any] | None:
    """An account named by ``{"Code"}`` or ``{"AccountID"}``."""
    account_id = ref.get("AccountID")
    if isinstance(account_id, str) and account_id:
        doc = get_doc(req_state, tenant_id, "Accounts", account_id)
        if doc is not None:
            return doc
    code = ref.get("Code")
    if code is not None and str(code) != "":
        return req_state.find_by_key(tenant_id, "Accounts", str(code))
    return None
