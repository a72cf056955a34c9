"""Credit notes: no discounts, CN numbering, allocations onto invoices, refunds."""

from __future__ import annotations

import pytest

from tests.sandbox.acct_builders import (
    line,
    make_contact,
    make_credit_note,
    make_invoice,
    messages,
)


@pytest.fixture
def customer(acct):
    return make_contact(acct, "Credit Customer")


def _allocate(acct, credit_note_id: str, invoice_id: str, amount, **query):
    return acct.put(f"/CreditNotes/{credit_note_id}/Allocations",
                    {"Allocations": [{"Invoice": {"InvoiceID": invoice_id}, "Amount": amount,
                                      "Date": "2024-03-06"}]}, query=query or None)


def test_a_discount_on_a_credit_note_line_is_refused(acct, customer):
    for field, value in (("DiscountRate", 10), ("DiscountAmount", 5)):
        reply = acct.put("/CreditNotes", {"Type": "ACCRECCREDIT",
                                          "Contact": {"ContactID": customer["ContactID"]},
                                          "LineItems": [line(**{field: value})]})
        assert reply.status == 400, field
        assert messages(reply) == [
            "Discounts are not supported on credit notes. Remove the DiscountRate or "
            "DiscountAmount and include the discount in the UnitAmount."]
    assert acct.get("/CreditNotes").body["CreditNotes"] == []


def test_credit_notes_are_numbered_and_carry_remaining_credit(acct, customer):
    first = make_credit_note(acct, customer["ContactID"])
    second = make_credit_note(acct, customer["ContactID"], Status="AUTHORISED")
    assert (first["CreditNoteNumber"], second["CreditNoteNumber"]) == ("CN-0001", "CN-0002")
    assert second["Total"] == 60 and second["RemainingCredit"] == 60
    assert second["Type"] == "ACCRECCREDIT"
    by_number = acct.get("/CreditNotes/CN-0002").body["CreditNotes"][0]
    assert by_number["CreditNoteID"] == second["CreditNoteID"]
    assert acct.get("/CreditNotes/CN-0404").status == 404


def test_allocating_credit_moves_both_documents(acct, customer):
    invoice = make_invoice(acct, customer["ContactID"], [line(unit=100)], Status="AUTHORISED")
    credit = make_credit_note(acct, customer["ContactID"], Status="AUTHORISED")  # 60.00
    reply = _allocate(acct, credit["CreditNoteID"], invoice["InvoiceID"], 25)
    assert reply.status == 200
    allocation = reply.body["Allocations"][0]
    assert allocation["Amount"] == 25 and allocation["Date"] == "/Date(1709683200000+0000)/"
    credit_now = acct.get(f"/CreditNotes/{credit['CreditNoteID']}").body["CreditNotes"][0]
    assert credit_now["RemainingCredit"] == 35 and credit_now["Status"] == "AUTHORISED"
    assert [a["Amount"] for a in credit_now["Allocations"]] == [25]
    invoice_now = acct.get(f"/Invoices/{invoice['InvoiceID']}").body["Invoices"][0]
    assert invoice_now["AmountCredited"] == 25 and invoice_now["AmountDue"] == 95
    assert invoice_now["CreditNotes"][0]["CreditNoteID"] == credit["CreditNoteID"]


def test_full_allocation_pays_the_invoice_and_uses_up_the_credit(acct, customer):
    invoice = make_invoice(acct, customer["ContactID"], [line(unit=50)], Status="AUTHORISED")
    credit = make_credit_note(acct, customer["ContactID"], Status="AUTHORISED")  # 60 each
    assert _allocate(acct, credit["CreditNoteID"], invoice["InvoiceID"], 60).status == 200
    assert acct.get(f"/Invoices/{invoice['InvoiceID']}").body["Invoices"][0]["Status"] == "PAID"
    credit_now = acct.get(f"/CreditNotes/{credit['CreditNoteID']}").body["CreditNotes"][0]
    assert credit_now["Status"] == "PAID" and credit_now["RemainingCredit"] == 0


def test_allocations_cannot_exceed_the_credit_or_the_amount_due(acct, customer):
    small = make_invoice(acct, customer["ContactID"], [line(unit=10)], Status="AUTHORISED")
    big = make_invoice(acct, customer["ContactID"], [line(unit=1000)], Status="AUTHORISED")
    credit = make_credit_note(acct, customer["ContactID"], Status="AUTHORISED")  # 60
    assert messages(_allocate(acct, credit["CreditNoteID"], small["InvoiceID"], 13)) == [
        "The amount being allocated exceeds the amount outstanding on this invoice."]
    assert messages(_allocate(acct, credit["CreditNoteID"], big["InvoiceID"], 61)) == [
        "The amount being allocated exceeds the remaining credit on this credit note."]
    unchanged = acct.get(f"/CreditNotes/{credit['CreditNoteID']}").body["CreditNotes"][0]
    assert unchanged["RemainingCredit"] == 60


def test_only_authorised_credit_notes_allocate_to_the_same_contacts_invoices(acct, customer):
    other = make_contact(acct, "Someone Else")
    invoice = make_invoice(acct, customer["ContactID"], Status="AUTHORISED")
    theirs = make_invoice(acct, other["ContactID"], Status="AUTHORISED")
    draft = make_credit_note(acct, customer["ContactID"])
    assert "AUTHORISED credit note" in messages(
        _allocate(acct, draft["CreditNoteID"], invoice["InvoiceID"], 1))[0]
    credit = make_credit_note(acct, customer["ContactID"], Status="AUTHORISED")
    assert messages(_allocate(acct, credit["CreditNoteID"], theirs["InvoiceID"], 1)) == [
        "The credit note and the invoice must be for the same contact."]
    assert _allocate(acct, "8d8d8d8d-0000-4000-8000-000000000000", invoice["InvoiceID"],
                     1).status == 404


def test_allocations_honour_summarize_errors_false(acct, customer):
    invoice = make_invoice(acct, customer["ContactID"], [line(unit=100)], Status="AUTHORISED")
    credit = make_credit_note(acct, customer["ContactID"], Status="AUTHORISED")
    reply = acct.put(f"/CreditNotes/{credit['CreditNoteID']}/Allocations", {"Allocations": [
        {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 10, "Date": "2024-03-06"},
        {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 999, "Date": "2024-03-06"},
    ]}, query={"summarizeErrors": "false"})
    assert reply.status == 200
    assert [a["StatusAttributeString"] for a in reply.body["Allocations"]] == ["OK", "ERROR"]
    credit_now = acct.get(f"/CreditNotes/{credit['CreditNoteID']}").body["CreditNotes"][0]
    assert credit_now["RemainingCredit"] == 50


def test_an_allocated_credit_note_cannot_be_voided_or_edited(acct, customer):
    invoice = make_invoice(acct, customer["ContactID"], [line(unit=100)], Status="AUTHORISED")
    credit = make_credit_note(acct, customer["ContactID"], Status="AUTHORISED")
    _allocate(acct, credit["CreditNoteID"], invoice["InvoiceID"], 10)
    reply = acct.post(f"/CreditNotes/{credit['CreditNoteID']}", {"Status": "VOIDED"})
    assert messages(reply) == ["This document cannot be edited as it has a payment or credit "
                               "note allocated to it."]


def test_a_refund_payment_uses_up_remaining_credit(acct, customer):
    credit = make_credit_note(acct, customer["ContactID"], Status="AUTHORISED")
    reply = acct.put("/Payments", {"CreditNote": {"CreditNoteID": credit["CreditNoteID"]},
                                   "Account": {"Code": "090"}, "Amount": 60,
                                   "Date": "2024-03-09"})
    assert reply.status == 200
    assert reply.body["Payments"][0]["PaymentType"] == "ARCREDITPAYMENT"
    credit_now = acct.get(f"/CreditNotes/{credit['CreditNoteID']}").body["CreditNotes"][0]
    assert credit_now["Status"] == "PAID" and credit_now["RemainingCredit"] == 0


def test_credit_note_lists_page_and_filter(acct, customer):
    for _ in range(3):
        make_credit_note(acct, customer["ContactID"], Status="AUTHORISED")
    make_credit_note(acct, customer["ContactID"])
    page = acct.get("/CreditNotes", query={"page": 2, "pageSize": 3})
    assert [c["CreditNoteNumber"] for c in page.body["CreditNotes"]] == ["CN-0004"]
    assert page.body["CreditNotes"][0]["LineItems"]  # lines come with paging
    assert page.body["pagination"] == {"page": 2, "pageSize": 3, "pageCount": 2, "itemCount": 4}
    drafts = acct.get("/CreditNotes", query={"where": 'Status=="DRAFT"'}).body["CreditNotes"]
    assert [c["CreditNoteNumber"] for c in drafts] == ["CN-0004"]
    acct.advance(10)
    cutoff = acct.clock.now().isoformat()
    acct.advance(10)
    acct.post("/CreditNotes/CN-0001", {"Reference": "updated"})
    changed = acct.get("/CreditNotes", headers={"If-Modified-Since": cutoff}).body["CreditNotes"]
    assert [c["CreditNoteNumber"] for c in changed] == ["CN-0001"]


def test_upsert_by_credit_note_number_does_not_duplicate(acct, customer):
    body = {"Type": "ACCRECCREDIT", "Contact": {"ContactID": customer["ContactID"]},
            "CreditNoteNumber": "CRM-CN-7", "LineItems": [line(unit=10)]}
    first = acct.post("/CreditNotes", body).body["CreditNotes"][0]
    again = acct.post("/CreditNotes", {**body, "LineItems": [line(unit=20)]})
    assert again.body["CreditNotes"][0]["CreditNoteID"] == first["CreditNoteID"]
    assert len(acct.get("/CreditNotes").body["CreditNotes"]) == 1
    duplicate = acct.put("/CreditNotes", body)
    assert messages(duplicate) == ["Credit Note # must be unique."]
