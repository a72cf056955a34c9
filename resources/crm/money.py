"""Document arithmetic done the way Xero does it, so a CRM total never drifts from Xero's.

Xero works line by line on tax-exclusive documents: each line amount is
``Quantity * UnitAmount * (100 - DiscountRate) / 100`` rounded to 2 dp, the tax on each line is
that rounded amount times the rate, again rounded to 2 dp, and the document totals are plain sums
of the rounded figures. Rounding the document total once instead can differ by a cent per line,
which is exactly the drift Xero rejects ("The line total ... does not match"), so rounding
happens per line here too. Halves round away from zero (``ROUND_HALF_UP``), as money does on an
invoice, not to even as Python's ``round()`` would.

Floats are refused on purpose: ``3.335`` as a float is ``3.33499999...`` and rounds the wrong way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)

Number = Decimal | int | str


def to_decimal(value: Number, field: str = "value") -> Decimal:
    """Turn an exact number (Decimal, int or numeric string) into a Decimal; refuse floats."""
    # bool is an int subclass; True as a quantity is a bug, not a 1.
    if isinstance(value, (bool, float)):
        raise TypeError(f"{field} must be a Decimal, int or numeric string, not {value!r}")
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(value)
        except ArithmeticError as exc:
            raise ValueError(f"{field} is not a number: {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"{field} must be a finite number, got {value!r}")
    return result


def round_money(value: Decimal) -> Decimal:
    """Round to whole cents, halves away from zero."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(quantity: Number, unit_price: Number, discount_percent: Number = 0) -> Decimal:
    """Xero's LineAmount: quantity x unit price less the percentage discount, to 2 dp.

    >>> line_amount(3, Decimal("3.335"))
    Decimal('10.01')
    """
    qty = to_decimal(quantity, "quantity")
    price = to_decimal(unit_price, "unit_price")
    discount = to_decimal(discount_percent, "discount_percent")
    if not Decimal(0) <= discount <= HUNDRED:
        raise ValueError(f"discount_percent must be between 0 and 100, got {discount}")
    # Multiply before dividing so the only rounding is the final one to cents.
    return round_money(qty * price * (HUNDRED - discount) / HUNDRED)


def line_tax(amount: Number, rate_percent: Number) -> Decimal:
    """Tax on one (already rounded) line amount at a percentage rate, to 2 dp."""
    base = to_decimal(amount, "amount")
    rate = to_decimal(rate_percent, "rate_percent")
    if rate < 0:
        raise ValueError(f"rate_percent must not be negative, got {rate}")
    return round_money(base * rate / HUNDRED)


@dataclass(frozen=True, slots=True)
class LineMoney:
    """The four numbers of a document line that decide its amount and tax."""

    quantity: Number
    unit_price: Number
    discount_percent: Number = 0
    tax_rate_percent: Number = 0


@dataclass(frozen=True, slots=True)
class DocumentTotals:
    """Totals of a tax-exclusive document: Xero's SubTotal, TotalTax and Total."""

    subtotal: Decimal
    total_tax: Decimal
    total: Decimal


def document_totals(lines: Iterable[LineMoney]) -> DocumentTotals:
    """Sum per-line rounded amounts and taxes, as Xero does for ``LineAmountTypes=Exclusive``."""
    subtotal = Decimal("0.00")
    total_tax = Decimal("0.00")
    for line in lines:
        amount = line_amount(line.quantity, line.unit_price, line.discount_percent)
        subtotal += amount
        total_tax += line_tax(amount, line.tax_rate_percent)
    return DocumentTotals(subtotal=subtotal, total_tax=total_tax, total=subtotal + total_tax)
