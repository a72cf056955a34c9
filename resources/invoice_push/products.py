"""Products first: check every product the documents use, then upsert them as Xero Items (B32).

As in the original, one bad product stops the whole send. Unlike the original, the error names
every bad product and every reason at once, and the checks run against the Xero organisation
itself (its accounts and tax types), so a product Xero would refuse or silently alter (Xero
drops an unknown AccountCode with only a warning) is caught before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .documents import DocumentSnapshot, ProductSnapshot
from .wire import json_ready
from .xero_books import XeroBooks

ITEM_CODE_MAX = 30
ITEM_NAME_MAX = 50  # Xero's limit; the full name goes in the sales Description
UNIT_PLACES = 4  # the push sends unitdp=4


@dataclass(frozen=True)
class ProductProblem:
    code: str
    reasons: tuple[str, ...]

    def describe(self) -> str:
        return f"product {self.code or '(no code)'}: {'; '.join(self.reasons)}"


def products_used(documents: Iterable[DocumentSnapshot], products: dict[int, ProductSnapshot]
                  ) -> list[ProductSnapshot]:
    """Each product on the documents once, in code order."""
    ids = {line.product_id for d in documents for line in d.lines if line.product_id is not None}
    return sorted((products[i] for i in ids), key=lambda p: p.code)


def product_reasons(product: ProductSnapshot, books: XeroBooks) -> list[str]:
    reasons = []
    code = product.code or ""
    if not code.strip():
        reasons.append("it has no code (Xero's Item Code is required)")
    elif len(code) > ITEM_CODE_MAX:
        reasons.append(f"its code is {len(code)} characters; Xero allows {ITEM_CODE_MAX}")
    elif code != code.strip():
        reasons.append("its code starts or ends with a space, which Xero would strip")
    if not (product.name or "").strip():
        reasons.append("it has no name")
    price = product.unit_price
    if price is None:
        reasons.append("it has no unit price")
    elif price < 0:
        reasons.append(f"its unit price {price} is negative")
    elif price != price.quantize(Decimal(1).scaleb(-UNIT_PLACES)):
        reasons.append(f"its unit price {price} has more than {UNIT_PLACES} decimal places")
    account = (product.account_code or "").strip()
    if not account:
        reasons.append("it has no account code")
    elif account not in books.account_codes:
        reasons.append(f"account code {account} is not an active account in Xero")
    if product.tax_rate_name is None:
        reasons.append("it has no tax rate")
    elif not product.xero_tax_type:
        reasons.append(f"its tax rate '{product.tax_rate_name}' is not mapped to a Xero tax type")
    else:
        problem = books.tax_type_problem(product.xero_tax_type)
        if problem:
            reasons.append(f"its tax rate '{product.tax_rate_name}' maps to {product.xero_tax_type}, but {problem}")
    return reasons


def validate_products(products: Iterable[ProductSnapshot], books: XeroBooks) -> list[ProductProblem]:
    """Every bad product with every reason; empty when all are good."""
    problems = []
    for product in products:
        reasons = product_reasons(product, books)
        if reasons:
            problems.append(ProductProblem(product.code, tuple(reasons)))
    return problems


def item_payload(product: ProductSnapshot) -> dict[str, Any]:
    """A Xero Item keyed by Code (POST updates the item with that code, or creates it)."""
    return json_ready({
        "Code": product.code,
        "Name": product.name.strip()[:ITEM_NAME_MAX],
        "Description": product.name.strip(),
        "IsSold": True,
        "SalesDetails": {
            "UnitPrice": product.unit_price,
            "AccountCode": (product.account_code or "").strip(),
            "TaxType": product.xero_tax_type,
        },
    })
