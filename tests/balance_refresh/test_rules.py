"""The per-document rules and the strict reading of Xero's answer, without Xero or a database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from resources.balance_refresh.documents import CrmDocument, DocKind
from resources.balance_refresh.rules import decide
from resources.balance_refresh.xero_answer import BadXeroAnswer, XeroDocument, parse_batch
from resources.crm.models import InvoiceStatus

NOW = datetime(2025, 6, 1, 2, 0, tzinfo=UTC)
SENT = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)


def crm_doc(status: InvoiceStatus = InvoiceStatus.LIVE, *, kind: DocKind = DocKind.INVOICE, total: str = "100.00",
            outstanding: str | None = None, sent_date: datetime | None = SENT,
            reference: str | None = None) -> CrmDocument:
    outstanding = outstanding or total
    return CrmDocument(kind=kind, id=1, number="INV-1", company_id=7, company_reference=reference, status=status,
                       currency="GBP", total=Decimal(total), amount_outstanding=Decimal(outstanding),
                       remaining_credit=Decimal(outstanding) if kind is DocKind.CREDIT_NOTE else None,
                       sent_to_accounts=True, sent_to_accounts_date=sent_date, xero_id="abc")


def xero_doc(status: str = "AUTHORISED", due: str = "100.00", total: str = "100.00",
             kind: DocKind = DocKind.INVOICE) -> XeroDocument:
    return XeroDocument(kind, "abc", "INV-1", status, Decimal(total), Decimal(due), "contact-1")


def test_created_becomes_live_and_a_missing_sent_date_is_filled():
    """B27: once updated from Xero, Created becomes Live and Sent to Accounts carries its date."""
    update = decide(crm_doc(InvoiceStatus.CREATED, sent_date=None), xero_doc("DRAFT"), NOW)
    assert update.status is InvoiceStatus.LIVE
    assert update.sent_to_accounts_date == NOW
    assert update.document_changed
    kept = decide(crm_doc(InvoiceStatus.CREATED), xero_doc("DRAFT"), NOW)
    assert kept.sent_to_accounts_date == SENT  # an existing date is the real one: kept


def test_part_payment_makes_part_paid_and_outstanding_follows_amount_due():
    """B28: some paid in Xero -> Part Paid, Amount Outstanding = Xero's AmountDue."""
    update = decide(crm_doc(InvoiceStatus.LIVE), xero_doc("AUTHORISED", due="40.00"), NOW)
    assert update.status is InvoiceStatus.PART_PAID
    assert update.amount_outstanding == Decimal("40.00")
    assert update.outstanding_delta == Decimal("-60.00")


@pytest.mark.parametrize("xero_status", ["PAID", "AUTHORISED"])
def test_nothing_due_makes_paid(xero_status):
    """B28: nothing due in Xero -> Paid, outstanding 0."""
    update = decide(crm_doc(InvoiceStatus.PART_PAID, outstanding="40.00"), xero_doc(xero_status, due="0.00"), NOW)
    assert update.status is InvoiceStatus.PAID
    assert update.amount_outstanding == Decimal("0.00")


def test_payment_removed_in_xero_takes_part_paid_back_to_live():
    update = decide(crm_doc(InvoiceStatus.PART_PAID, outstanding="40.00"), xero_doc("AUTHORISED"), NOW)
    assert update.status is InvoiceStatus.LIVE
    assert update.amount_outstanding == Decimal("100.00")


def test_pending_stays_pending_until_money_arrives_and_drafts_owe_their_total():
    assert decide(crm_doc(InvoiceStatus.PENDING), xero_doc("AUTHORISED"), NOW).status is InvoiceStatus.PENDING
    assert decide(crm_doc(InvoiceStatus.PENDING), xero_doc("AUTHORISED", due="1.00"), NOW).status \
        is InvoiceStatus.PART_PAID
    # A draft cannot be paid in Xero; its numbers never make it Part Paid.
    assert decide(crm_doc(InvoiceStatus.LIVE), xero_doc("DRAFT", due="100.00"), NOW).status is InvoiceStatus.LIVE


@pytest.mark.parametrize("xero_status", ["VOIDED", "DELETED"])
@pytest.mark.parametrize("kind", list(DocKind))
def test_voided_or_deleted_in_xero_becomes_cancelled_owing_nothing(xero_status, kind):
    update = decide(crm_doc(InvoiceStatus.LIVE, kind=kind), XeroDocument(kind, "abc", None, xero_status, None, None,
                                                                        None), NOW)
    assert update.status is InvoiceStatus.CANCELLED
    assert update.amount_outstanding == Decimal("0.00")
    assert ("voided" if xero_status == "VOIDED" else "deleted") in update.describe()


def test_credit_note_remaining_credit_and_status_are_refreshed():
    """B41: credit-note balances are updated: part-allocated is Part Paid, used up is Paid."""
    note = crm_doc(InvoiceStatus.LIVE, kind=DocKind.CREDIT_NOTE, total="50.00")
    part = decide(note, xero_doc("AUTHORISED", due="20.00", total="50.00", kind=DocKind.CREDIT_NOTE), NOW)
    assert (part.status, part.remaining_credit, part.amount_outstanding) == (
        InvoiceStatus.PART_PAID, Decimal("20.00"), Decimal("20.00"))
    used = decide(note, xero_doc("PAID", due="0.00", total="50.00", kind=DocKind.CREDIT_NOTE), NOW)
    assert (used.status, used.remaining_credit) == (InvoiceStatus.PAID, Decimal("0.00"))


def test_company_reference_comes_from_the_documents_contact():
    """B24: the company's Xero Reference is set from the document's contact."""
    assert decide(crm_doc(), xero_doc(), NOW).reference_changed
    assert not decide(crm_doc(reference="CONTACT-1"), xero_doc(), NOW).reference_changed


def invoice_json(**fields):
    base = {"InvoiceID": "ABC", "InvoiceNumber": "INV-1", "Status": "AUTHORISED", "Total": Decimal("100.00"),
            "AmountDue": Decimal("60.10"), "Contact": {"ContactID": "c-1"}}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def test_amounts_are_read_as_exact_decimals_and_ids_compared_lower_case():
    [doc] = parse_batch(DocKind.INVOICE, [invoice_json(AmountDue=Decimal("0.1") + Decimal("0.2"))])
    assert doc.due == Decimal("0.30")
    assert doc.key == "abc"


@pytest.mark.parametrize(("fields", "words"), [
    ({"AmountDue": None}, "has no AmountDue"),
    ({"Total": "lots"}, "Total is 'lots', not a number"),
    ({"AmountDue": True}, "AmountDue is True, not a number"),
    ({"Contact": None}, "has no Contact.ContactID"),
    ({"Status": None}, "has no Status"),
    ({"Status": "ARCHIVED"}, "unknown Status 'ARCHIVED'"),
])
def test_an_answer_missing_a_field_or_with_an_unknown_status_is_refused_by_name(fields, words):
    with pytest.raises(BadXeroAnswer) as refused:
        parse_batch(DocKind.INVOICE, [invoice_json(InvoiceID="OK", InvoiceNumber="INV-0"), invoice_json(**fields)])
    assert words in str(refused.value)
    assert "INV-1" in str(refused.value)  # the document is named
    assert "INV-0" not in str(refused.value)


def test_a_voided_document_needs_no_amounts():
    [doc] = parse_batch(DocKind.INVOICE, [invoice_json(Status="VOIDED", AmountDue=None, Total=None, Contact=None)])
    assert doc.gone
