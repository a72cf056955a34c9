"""The exact-total pre-check, on its own: how each line will be sent and what Xero will make of it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from resources.crm.models import InvoiceStatus
from resources.crm.money import LineMoney, document_totals
from resources.invoice_push.documents import DocumentKind, DocumentSnapshot, LineSnapshot
from resources.invoice_push.payloads import XeroStatus, document_payload, status_to_send
from resources.invoice_push.pricing import plan_document

XERO_RATES = {"OUTPUT2": Decimal("20"), "NONE": Decimal("0")}


def line(quantity: str, price: str, discount: str = "0", *, rate: str = "20", tax_type: str = "OUTPUT2",
         position: int = 1, code: str | None = "P1") -> LineSnapshot:
    return LineSnapshot(
        position=position, product_id=1 if code else None, product_code=code, account_code="200",
        description="thing", quantity=Decimal(quantity), list_price=Decimal(price),
        discount_percent=Decimal(discount), tax_rate_id=1, tax_rate_name=f"VAT {rate}%",
        tax_rate_percent=Decimal(rate), xero_tax_type=tax_type,
    )


def document(lines: list[LineSnapshot], *, kind: DocumentKind = DocumentKind.INVOICE,
             total: Decimal | None = None) -> DocumentSnapshot:
    crm_total = document_totals(
        LineMoney(ln.quantity, ln.list_price, ln.discount_percent, ln.tax_rate_percent) for ln in lines
    ).total
    return DocumentSnapshot(
        kind=kind, id=1, number="INV-1", company_id=1, person=None, status=InvoiceStatus.LIVE,
        issue_date=date(2025, 1, 1), due_date=None, currency="GBP", reference=None,
        total=crm_total if total is None else total, amount_outstanding=crm_total if total is None else total,
        xero_id=None, lines=tuple(lines),
    )


def test_invoice_lines_carry_full_price_and_a_two_place_discount_rate():
    """B39: the full undiscounted amount, the discount as a percentage per line, no drift."""
    plan = plan_document(document([line("3", "3.3350", "12.5")]), XERO_RATES)
    (first,) = plan.lines
    assert (first.unit_amount, first.discount_rate, first.discount_amount) == (
        Decimal("3.3350"), Decimal("12.50"), None)
    assert first.line_amount == Decimal("8.75")  # 3 x 3.335 x 0.875 = 8.754375
    assert plan.drift == 0 and plan.drift_message() is None


def test_rate_with_more_than_two_places_is_sent_as_the_exact_discount_amount():
    """B39: Xero keeps DiscountRate to 2 places (x-is-money); 33.3333 % as 33.33 % would drift by
    3 cents, so the line goes with the DiscountAmount that gives the CRM's line total exactly."""
    plan = plan_document(document([line("10", "99.99", "33.3333")]), XERO_RATES)
    (first,) = plan.lines
    assert first.discount_rate is None
    assert first.discount_amount == Decimal("333.30")
    assert first.line_amount == Decimal("666.60") == first.crm_line_amount
    assert plan.drift == 0


def test_discount_amount_rescue_works_on_a_half_cent_gross():
    """B39: 3 x 3.335 = 10.005 gross; the rescue still finds an exact 2-place amount."""
    plan = plan_document(document([line("3", "3.3350", "12.3456")]), XERO_RATES)
    assert plan.lines[0].line_amount == plan.lines[0].crm_line_amount
    assert plan.drift == 0


def test_credit_note_lines_carry_the_discounted_unit_price_and_no_discount():
    """B40: Xero takes no discount on credit notes, so the price is pre-discounted."""
    plan = plan_document(document([line("2.25", "125", "10")], kind=DocumentKind.CREDIT_NOTE), XERO_RATES)
    (first,) = plan.lines
    assert (first.unit_amount, first.discount_rate, first.discount_amount) == (Decimal("112.5000"), None, None)
    payload = document_payload(plan, contact_id="c", status="DRAFT", xero_id=None, free_text_account="200")
    assert payload["Type"] == "ACCRECCREDIT" and "CreditNoteNumber" in payload
    assert "DiscountRate" not in payload["LineItems"][0] and "DiscountAmount" not in payload["LineItems"][0]
    assert plan.drift == 0


def test_credit_note_discount_that_would_drift_by_a_cent_is_flagged_with_both_figures_and_the_line():
    """B39, B40: 1000 x 0.9999 less 12.5 % is 874.91 in the CRM, but no 4-place unit price gets Xero
    there (0.8749 gives 874.90), so the document would drift by a cent."""
    doc = document([line("1", "10", position=1), line("1000", "0.9999", "12.5", position=2)],
                   kind=DocumentKind.CREDIT_NOTE)
    plan = plan_document(doc, XERO_RATES)
    assert plan.drift == Decimal("-0.01")
    message = plan.drift_message()
    assert message is not None
    assert f"Xero would total {plan.total}" in message and f"CRM total is {doc.total}" in message
    assert "line 2" in message and "874.91" in message


def test_crm_total_rounded_on_the_document_is_a_cent_drift_naming_the_line():
    """B39: a CRM total computed with tax on the subtotal (not per line) is a cent off Xero's."""
    lines = [line("1", "10.03", position=1), line("1", "10.03", position=2)]
    plan = plan_document(document(lines, total=Decimal("24.07")), XERO_RATES)  # per line: 24.08
    assert plan.drift == Decimal("0.01")
    assert "line 1" in (plan.drift_message() or "")


def test_tax_type_whose_xero_rate_differs_from_the_crm_rate_shows_as_drift_with_the_reason():
    """B5: NZ GST 15 % mapped to a TaxType Xero holds at 20 % would book the wrong tax."""
    plan = plan_document(document([line("1", "100", rate="15")]), XERO_RATES)
    assert plan.drift == Decimal("5.00")
    assert "is 20% in Xero but the CRM rate" in (plan.drift_message() or "")


def test_status_never_steps_backwards():
    """B35: DRAFT by default; a document Xero holds further on keeps its status."""
    assert status_to_send(XeroStatus.DRAFT, None) == "DRAFT"
    assert status_to_send(XeroStatus.AUTHORISED, "DRAFT") == "AUTHORISED"
    assert status_to_send(XeroStatus.DRAFT, "AUTHORISED") is None
    assert status_to_send(XeroStatus.SUBMITTED, "SUBMITTED") is None
