"""Xero's document arithmetic: per-line rounding, half-up cents, no floats (B39, B40)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from resources.crm.money import (
    DocumentTotals,
    LineMoney,
    document_totals,
    line_amount,
    line_tax,
    round_money,
)


@pytest.mark.parametrize(
    ("quantity", "price", "discount", "expected"),
    [
        # 3 x 3.335 = 10.005: half-up gives 10.01 where Python's round() (half-even) gives 10.00.
        (3, "3.335", 0, "10.01"),
        # 10.005 x 0.9 = 9.0045: rounded once at the end, not after the discount and again.
        (3, "3.335", 10, "9.00"),
        (1, "0.125", 0, "0.13"),
        (1, "0.135", 0, "0.14"),
        (3, "12.4995", 0, "37.50"),  # a 4 dp unit price (unitdp=4)
        ("7.25", "85.5", "5", "588.88"),  # 619.875 x 0.95 = 588.88125
        ("0.5", "125", "12.5", "54.69"),  # 62.5 x 0.875 = 54.6875
        (2, "5", 100, "0.00"),
        (-1, "0.125", 0, "-0.13"),  # a credit line rounds away from zero, like its debit
    ],
)
def test_line_amount_rounds_each_line_half_up_to_cents(
    quantity: object, price: object, discount: object, expected: str
) -> None:
    """B39: LineAmount = Quantity x UnitAmount x (100 - DiscountRate) / 100, to 2 dp."""
    result = line_amount(quantity, price, discount)  # type: ignore[arg-type]
    assert result == Decimal(expected)
    assert result.as_tuple().exponent == -2  # always cents, so "10.00" not "10"


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [
        ("0.25", 10, "0.03"),  # 0.025 -> 0.03, half-up
        ("9.00", 10, "0.90"),
        ("10.01", 20, "2.00"),  # 2.002
        ("10.03", "17.5", "1.76"),  # 1.75525
        ("0.05", 15, "0.01"),  # 0.0075
        ("100.00", 0, "0.00"),
    ],
)
def test_line_tax_rounds_half_up_to_cents(amount: str, rate: object, expected: str) -> None:
    assert line_tax(amount, rate) == Decimal(expected)  # type: ignore[arg-type]


def test_document_tax_is_the_sum_of_rounded_line_taxes_not_the_rounded_sum() -> None:
    """Two lines of 0.25 at 10 %: 0.03 + 0.03 = 0.06, where taxing the subtotal gives 0.05."""
    line = LineMoney(quantity=1, unit_price="0.25", tax_rate_percent=10)
    assert document_totals([line, line]) == DocumentTotals(
        subtotal=Decimal("0.50"), total_tax=Decimal("0.06"), total=Decimal("0.56")
    )


def test_document_totals_mix_discounts_and_rates() -> None:
    lines = [
        LineMoney(3, "3.335", 10, 20),  # 9.00, tax 1.80
        LineMoney("7.25", "85.5", 5, 20),  # 588.88, tax 117.776 -> 117.78
        LineMoney(1, "65", 0, 0),  # 65.00, no tax
    ]
    assert document_totals(lines) == DocumentTotals(
        subtotal=Decimal("662.88"), total_tax=Decimal("119.58"), total=Decimal("782.46")
    )


def test_empty_document_totals_zero_cents() -> None:
    totals = document_totals([])
    assert (totals.subtotal, totals.total_tax, totals.total) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )


@pytest.mark.parametrize("bad", [3.335, True])
def test_floats_and_bools_are_refused(bad: object) -> None:
    """3.335 as a float is 3.33499..., which would round the wrong way."""
    with pytest.raises(TypeError, match="unit_price"):
        line_amount(3, bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity"])
def test_non_numbers_are_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(ValueError, match="quantity"):
        line_amount(bad, 1)


@pytest.mark.parametrize("discount", ["-1", "100.01"])
def test_discount_outside_0_to_100_is_refused(discount: str) -> None:
    with pytest.raises(ValueError, match="discount_percent"):
        line_amount(1, 10, discount)


def test_negative_tax_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="rate_percent"):
        line_tax("10.00", -5)


def test_round_money_is_half_up_not_half_even() -> None:
    assert round_money(Decimal("0.125")) == Decimal("0.13")
    assert round_money(Decimal("-0.125")) == Decimal("-0.13")
    assert round_money(Decimal("2.675")) == Decimal("2.68")
