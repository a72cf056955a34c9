"""GET /TaxRates and GET /TaxRates/{TaxType}. Not paged, no If-Modified-Since (as in Xero)."""

from __future__ import annotations

from typing import Any

from ..api import ApiRequest, ApiResponse
from ..errors import not_found
from .common import list_documents, ok, render, sort_key
from .organisation import ensure_seeded
from .where import BOOL, NUMBER, STRING, compile_where

WHERE_FIELDS = {
    "TaxType": STRING, "Name": STRING, "Status": STRING, "ReportTaxType": STRING,
    "EffectiveRate": NUMBER, "DisplayTaxRate": NUMBER, "CanApplyToRevenue": BOOL,
    "CanApplyToExpenses": BOOL, "CanApplyToAssets": BOOL, "CanApplyToEquity": BOOL,
    "CanApplyToLiabilities": BOOL,
}


def get_tax_rates(req: ApiRequest) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    where = compile_where(req.param("where"), WHERE_FIELDS, "TaxRate")
    tax_type = (req.param("TaxType") or "").upper()  # older clients filter with ?TaxType=

    def keep(doc: dict[str, Any]) -> bool:
        if tax_type and str(doc.get("TaxType", "")).upper() != tax_type:
            return False
        return where is None or where(doc)

    docs, _ = list_documents(req, "TaxRates", keep=keep, order_key=sort_key, pageable=False,
                              modified_since=False)
    return ok("TaxRates", [render(d) for d in docs], req)


def get_tax_rate(req: ApiRequest) -> ApiResponse:
    ensure_seeded(req.state, req.tenant_id, req.clock)
    tax_type = req.path_params.get("TaxType", "")
    doc = req.state.get_object(req.tenant_id, "TaxRates", tax_type.upper())
    if doc is None:
        raise not_found(f"TaxRate {tax_type}")
    return ok("TaxRates", [render(doc)], req)
