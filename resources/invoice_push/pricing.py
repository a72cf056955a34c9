"""The exact-total pre-check: work out each document's total as Xero will, before sending it.

Xero computes every line itself (reference/xero-api.md 3.3) and the push must not let that
drift from the CRM by even a cent (B39):

    LineAmount = round2(Quantity * UnitAmount * (100 - DiscountRate) / 100)
              or round2(Quantity * UnitAmount - DiscountAmount)
    TaxAmount  = round2(LineAmount * rate / 100)       rate: Xero's own, for the line's TaxType
    Total      = sum(LineAmount) + sum(TaxAmount)

with Quantity and UnitAmount kept to 4 places (the push sends ``unitdp=4``) and DiscountRate
and DiscountAmount to 2: the official spec marks both ``x-is-money``. So:

- Invoice lines carry the full list price and the discount as a percentage (B39). Where the
  CRM's percentage has more than 2 places, the 2-place rate can land a cent away from the
  CRM's line amount; a DiscountAmount that gives the CRM's amount exactly is sent instead.
- Credit-note lines carry the discounted unit price (Xero takes no discount on credit notes,
  B40), rounded to 4 places; where that rounding lands a cent away, the nearest 4-place price
  that gives the CRM's line amount exactly is used.
- Tax uses the rate Xero holds for the TaxType, so a mapping to a TaxType whose rate differs
  from the CRM's rate shows up here as drift rather than as a wrong invoice in Xero.
A document whose Xero total would still differ from its CRM total is not sent; the report
gives both figures and the line that causes the difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from resources.crm.money import CENT, HUNDRED, line_amount, line_tax, round_money

from .documents import DocumentKind, DocumentSnapshot, LineSnapshot

ZERO = Decimal(0)
FOUR_PLACES = Decimal("0.0001")


def round4(value: Decimal) -> Decimal:
    return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LinePlan:
    """One line as it will be sent, and what Xero will make of it."""

    line: LineSnapshot
    quantity: Decimal
    unit_amount: Decimal
    discount_rate: Decimal | None
    discount_amount: Decimal | None
    line_amount: Decimal  # Xero's LineAmount
    xero_tax_rate: Decimal
    tax_amount: Decimal  # Xero's TaxAmount
    crm_line_amount: Decimal  # the CRM's own arithmetic, for the report

    @property
    def xero_line_total(self) -> Decimal:
        return self.line_amount + self.tax_amount

    def exact_total(self) -> Decimal:
        """The line with tax at the CRM's rate and nothing rounded: what rounding is measured from."""
        line = self.line
        net = line.quantity * line.list_price * (HUNDRED - line.discount_percent) / HUNDRED
        return net * (HUNDRED + line.tax_rate_percent) / HUNDRED

    def describe(self) -> str:
        line = self.line
        what = line.product_code or line.description[:40]
        discount = f" less {line.discount_percent.normalize():f}%" if line.discount_percent else ""
        text = (
            f"line {line.position} ({what}: {line.quantity.normalize():f} x {line.list_price}{discount}, "
            f"{line.tax_rate_name}): Xero {self.line_amount} + tax {self.tax_amount}"
        )
        if self.xero_tax_rate != line.tax_rate_percent:
            text += (
                f"; tax type {line.xero_tax_type} is {self.xero_tax_rate.normalize():f}% in Xero but the CRM rate "
                f"'{line.tax_rate_name}' is {line.tax_rate_percent.normalize():f}%"
            )
        elif self.line_amount != self.crm_line_amount:
            text += f"; the CRM makes the line {self.crm_line_amount}"
        return text


@dataclass(frozen=True)
class DocumentPlan:
    document: DocumentSnapshot
    lines: tuple[LinePlan, ...]
    subtotal: Decimal
    total_tax: Decimal
    total: Decimal  # Xero's Total

    @property
    def drift(self) -> Decimal:
        return self.total - self.document.total

    def offending_line(self) -> LinePlan | None:
        """The line whose rounding or rate pushes the total furthest in the drift's direction."""
        if not self.drift or not self.lines:
            return None
        sign = 1 if self.drift > 0 else -1
        return max(self.lines, key=lambda p: sign * (p.xero_line_total - p.exact_total()))

    def drift_message(self) -> str | None:
        if not self.drift:
            return None
        message = (
            f"not sent: Xero would total {self.total} but the CRM total is {self.document.total} "
            f"({self.drift:+} {self.document.currency})"
        )
        culprit = self.offending_line()
        if culprit is not None:
            message += f"; caused by {culprit.describe()}"
        return message


def _invoice_line(line: LineSnapshot, xero_rate: Decimal) -> LinePlan:
    quantity, unit = round4(line.quantity), round4(line.list_price)
    gross = quantity * unit
    crm_amount = line_amount(line.quantity, line.list_price, line.discount_percent)
    rate: Decimal | None = None
    amount_off: Decimal | None = None
    if line.discount_percent:
        rate = round_money(line.discount_percent)
        amount = round_money(gross * (HUNDRED - rate) / HUNDRED)
        if amount != crm_amount:
            # The exact discount rounded down or up to cents: one of the two always lands on the
            # CRM's amount (Xero rounds half up), as long as it stays within the line's total.
            exact = gross - crm_amount
            for candidate in (exact.quantize(CENT, ROUND_FLOOR), exact.quantize(CENT, ROUND_CEILING)):
                if ZERO <= candidate <= gross and round_money(gross - candidate) == crm_amount:
                    rate, amount_off, amount = None, candidate, crm_amount
                    break
    else:
        amount = round_money(gross)
    return LinePlan(line, quantity, unit, rate, amount_off, amount, xero_rate,
                    line_tax(amount, xero_rate), crm_amount)


def _credit_note_line(line: LineSnapshot, xero_rate: Decimal) -> LinePlan:
    quantity = round4(line.quantity)
    unit = round4(line.list_price * (HUNDRED - line.discount_percent) / HUNDRED)
    crm_amount = line_amount(line.quantity, line.list_price, line.discount_percent)
    amount = round_money(quantity * unit)
    if amount != crm_amount and quantity:
        candidate = round4(crm_amount / quantity)
        if round_money(quantity * candidate) == crm_amount:
            unit, amount = candidate, crm_amount
    return LinePlan(line, quantity, unit, None, None, amount, xero_rate,
                    line_tax(amount, xero_rate), crm_amount)


def plan_document(document: DocumentSnapshot, xero_rates: dict[str, Decimal]) -> DocumentPlan:
    """Every line as it will be sent and the totals Xero will compute.

    ``xero_rates`` maps each TaxType to Xero's rate; every line's TaxType must be in it (the
    tax-mapping check runs first).
    """
    build = _invoice_line if document.kind is DocumentKind.INVOICE else _credit_note_line
    plans = tuple(build(line, xero_rates[str(line.xero_tax_type).upper()]) for line in document.lines)
    subtotal = sum((p.line_amount for p in plans), Decimal("0.00"))
    total_tax = sum((p.tax_amount for p in plans), Decimal("0.00"))
    return DocumentPlan(document, plans, subtotal, total_tax, subtotal + total_tax)
