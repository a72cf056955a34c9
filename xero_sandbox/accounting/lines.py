"""Line items and document totals, computed the way Xero computes them.

Per line (half-up rounding to 2 decimal places, as Xero rounds; never banker's rounding):

    LineAmount = round(Quantity * UnitAmount * (100 - DiscountRate) / 100)
              or round(Quantity * UnitAmount - DiscountAmount)
    tax (Exclusive) = round(LineAmount * rate / 100)
    tax (Inclusive) = round(LineAmount * rate / (100 + rate))   # the tax inside the amount
    tax (NoTax)     = 0

Tax is rounded on each line and then summed, so TotalTax can differ by a cent or two from
tax computed on the subtotal. UnitAmount is rounded to 2 places (4 with ``unitdp=4``) and
Quantity to 4 before anything is multiplied, as Xero stores them.

A supplied LineAmount must match the computed one ("The line total X does not match the
expected line total Y"); when Quantity or UnitAmount is missing, the LineAmount fills it in.
A supplied TaxAmount overrides the computed tax (the spec says it can be overridden).
An AccountCode the chart of accounts does not know is removed with a warning, as in the
recorded Xero reply (samples/minimul-xero-api/spec_vcr_create_invoice.yml).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..state import SandboxState
from .accounts import find_account
from .common import ElementError, dec, money_str, new_id, q2, round_to, stored_dec
from .organisation import tax_rate

ZERO = Decimal("0")
HUNDRED = Decimal("100")
LINE_AMOUNT_TYPES = {"exclusive": "Exclusive", "inclusive": "Inclusive", "notax": "NoTax",
                     "none": "NoTax"}
SALES_TYPES = ("ACCREC", "ACCRECCREDIT")


@dataclass
class LineSettings:
    state: SandboxState
    tenant_id: str
    doc_type: str  # ACCREC, ACCPAY, ACCRECCREDIT, ACCPAYCREDIT
    line_amount_types: str  # Exclusive, Inclusive, NoTax
    unit_places: int = 2
    discounts_allowed: bool = True
    discount_refusal: str = ""


@dataclass
class Totals:
    sub_total: Decimal = ZERO
    total_tax: Decimal = ZERO
    total: Decimal = ZERO
    total_discount: Decimal = ZERO
    discounted: bool = False
    warnings: list[str] = field(default_factory=list)


def normalise_line_amount_types(value: Any) -> str:
    found = LINE_AMOUNT_TYPES.get(str(value).strip().lower())
    if found is None:
        raise ElementError(f"LineAmountTypes '{value}' is not valid; use Exclusive, Inclusive "
                           "or NoTax")
    return found


def _optional_dec(raw: dict[str, Any], key: str, where: str) -> Decimal | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    return dec(value, f"{key} on {where}")


def compute_line(settings: LineSettings, raw: Any, index: int,
                 previous_ids: set[str], totals: Totals) -> dict[str, Any]:
    """One stored line from one request line; raises ElementError with every problem found."""
    where = f"line {index + 1}"
    if not isinstance(raw, dict):
        raise ElementError(f"Line item {index + 1} must be an object")
    errors: list[str] = []
    line: dict[str, Any] = {}
    sales = settings.doc_type in SALES_TYPES

    # The item supplies defaults for description, price, account and tax type.
    item = None
    item_code = raw.get("ItemCode")
    if item_code not in (None, ""):
        item = settings.state.find_by_key(settings.tenant_id, "Items", str(item_code))
        if item is None:
            errors.append(f"Item code '{item_code}' is not valid.")
    details = (item or {}).get("SalesDetails" if sales else "PurchaseDetails") or {}

    description = raw.get("Description")
    if description in (None, "") and item is not None:
        description = item.get("Description" if sales else "PurchaseDescription") or item.get(
            "Name")
    if description in (None, "") and item_code in (None, ""):
        errors.append("The description field is mandatory for each line item.")

    def number(key: str) -> Decimal | None:
        try:
            return _optional_dec(raw, key, where)
        except ElementError as exc:
            errors.extend(exc.messages)
            return None

    quantity = number("Quantity")
    unit = number("UnitAmount")
    supplied_amount = number("LineAmount")
    rate_pct = number("DiscountRate")
    discount_amount = number("DiscountAmount")
    supplied_tax = number("TaxAmount")
    if unit is None and details.get("UnitPrice") not in (None, "") and supplied_amount is None:
        unit = stored_dec(details["UnitPrice"])

    # Discounts.
    if (rate_pct is not None or discount_amount is not None) and not settings.discounts_allowed:
        errors.append(settings.discount_refusal)
        rate_pct = discount_amount = None
    if rate_pct is not None and discount_amount is not None:
        errors.append("A line item can have a DiscountRate or a DiscountAmount, not both.")
        discount_amount = None

    # Fill a missing Quantity or UnitAmount from the LineAmount, as the spec describes.
    if quantity is not None:
        quantity = round_to(quantity, 4)
    if unit is not None:
        unit = round_to(unit, settings.unit_places)
    if quantity is None and unit is None:
        if supplied_amount is not None:
            quantity, unit = Decimal("1"), round_to(supplied_amount, settings.unit_places)
        else:
            quantity, unit = ZERO, ZERO
    elif unit is None:
        assert quantity is not None
        unit = ZERO if supplied_amount is None or quantity == 0 else round_to(
            supplied_amount / quantity, settings.unit_places)
    elif quantity is None:
        quantity = Decimal("1") if supplied_amount is None or unit == 0 else round_to(
            supplied_amount / unit, 4)

    gross = quantity * unit
    if rate_pct is not None and (rate_pct < 0 or rate_pct > HUNDRED):
        errors.append(f"The discount rate '{money_str(rate_pct)}' is invalid. Discount must not "
                      "be greater than the line total.")
        rate_pct = None
    if discount_amount is not None and (discount_amount < 0 or discount_amount > abs(gross)):
        errors.append(f"The discount amount '{money_str(discount_amount)}' is invalid. Discount "
                      "must not be greater than the line total.")
        discount_amount = None
    if rate_pct is not None:
        expected = q2(gross * (HUNDRED - rate_pct) / HUNDRED)
    elif discount_amount is not None:
        expected = q2(gross - discount_amount)
    else:
        expected = q2(gross)
    if supplied_amount is not None and q2(supplied_amount) != expected:
        errors.append(f"The line total {money_str(supplied_amount)} does not match the expected "
                      f"line total {money_str(expected)}")
    line_amount = expected

    # Account: unknown codes are dropped with a warning, as Xero does.
    account_code = raw.get("AccountCode")
    if account_code in (None, "") and details.get("AccountCode"):
        account_code = details["AccountCode"]
    account = None
    if account_code not in (None, ""):
        account = find_account(settings.state, settings.tenant_id, {"Code": str(account_code)})
        if account is None:
            totals.warnings.append(f"Account code '{account_code}' has been removed as it does "
                                   "not match a recognised account.")
            account_code = None

    # Tax type: sent, else the item's, else the account's; NoTax forces none.
    tax_type = raw.get("TaxType")
    if tax_type in (None, ""):
        tax_type = details.get("TaxType") or (account or {}).get("TaxType")
    rate = ZERO
    if tax_type not in (None, ""):
        tax_type = str(tax_type).upper()
        found = tax_rate(settings.state, settings.tenant_id, tax_type)
        if found is None or found.get("Status") != "ACTIVE":
            errors.append(f"The TaxType code '{raw.get('TaxType', tax_type)}' does not exist or "
                          "cannot be used with this type of transaction.")
        else:
            rate = stored_dec(found.get("EffectiveRate"))
    if settings.line_amount_types == "NoTax":
        tax = ZERO
        tax_type = tax_type or "NONE"
    elif settings.line_amount_types == "Inclusive":
        tax = q2(line_amount * rate / (HUNDRED + rate))
    else:
        tax = q2(line_amount * rate / HUNDRED)
    if supplied_tax is not None and settings.line_amount_types != "NoTax":
        tax = q2(supplied_tax)

    if errors:
        raise ElementError(*errors)

    line_id = raw.get("LineItemID")
    line["LineItemID"] = line_id if isinstance(line_id, str) and line_id in previous_ids \
        else new_id()
    if description not in (None, ""):
        line["Description"] = str(description)
    line["Quantity"] = money_str(quantity, 4)
    line["UnitAmount"] = money_str(unit, settings.unit_places if settings.unit_places > 2 else 2)
    if item is not None:
        line["ItemCode"] = item["Code"]
        line["Item"] = {"ItemID": item["ItemID"], "Name": item.get("Name", ""),
                        "Code": item["Code"]}
    if account_code not in (None, ""):
        line["AccountCode"] = str(account_code)
        if account is not None:
            line["AccountID"] = account["AccountID"]
    if tax_type not in (None, ""):
        line["TaxType"] = tax_type
    line["TaxAmount"] = money_str(tax)
    line["LineAmount"] = money_str(line_amount)
    if rate_pct is not None:
        line["DiscountRate"] = money_str(rate_pct)
    if discount_amount is not None:
        line["DiscountAmount"] = money_str(discount_amount)
    tracking = raw.get("Tracking")
    line["Tracking"] = tracking if isinstance(tracking, list) else []

    if rate_pct is not None or discount_amount is not None:
        totals.discounted = True
        totals.total_discount += q2(gross) - line_amount
    totals.total_tax += tax
    if settings.line_amount_types == "Inclusive":
        totals.sub_total += line_amount - tax
    else:
        totals.sub_total += line_amount
    return line


def compute_lines(settings: LineSettings, raw_lines: Any,
                  previous: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Totals]:
    """All lines and the document totals; collects every line's errors into one ElementError."""
    if not isinstance(raw_lines, list):
        raise ElementError("LineItems must be an array")
    totals = Totals()
    previous_ids = {str(p.get("LineItemID")) for p in previous if p.get("LineItemID")}
    lines: list[dict[str, Any]] = []
    errors: list[str] = []
    for index, raw in enumerate(raw_lines):
        try:
            lines.append(compute_line(settings, raw, index, previous_ids, totals))
        except ElementError as exc:
            errors.extend(m for m in exc.messages if m not in errors)
    if errors:
        raise ElementError(*errors)
    totals.total = totals.sub_total + totals.total_tax
    if _content(lines) == _content(previous):
        lines = [dict(p) for p in previous]  # same lines resent: keep their LineItemIDs
    return lines, totals


def _content(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in line.items() if k not in ("LineItemID", "ValidationErrors")}
            for line in lines]


def stored_line_inputs(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored lines as request lines, to recompute after LineAmountTypes changes (computed
    tax and line totals are dropped so they are worked out again)."""
    out = []
    for line in lines:
        raw = {k: v for k, v in line.items() if k not in ("TaxAmount", "LineAmount", "Item",
                                                          "AccountID")}
        out.append(raw)
    return out
