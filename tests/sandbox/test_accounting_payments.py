"""Payments: what they do to an invoice, what Xero refuses, deleting one, the admin helper."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.sandbox.acct_builders import line, make_contact, make_invoice, messages, pay
from xero_sandbox.accounting import record_payment
from xero_sandbox.errors import XeroApiError


@pytest.fixture
def invoice(acct):
    customer = make_contact(acct, "Paying Customer")
    # 2 x 100 + 20% VAT = 240.00
    return make_invoice(acct, customer["ContactID"], [line(quantity=2, unit=100)],
                        Status="AUTHORISED")


def _invoice(acct, invoice_id: str) -> dict:
    return acct.get(f"/Invoices/{invoice_id}").body["Invoices"][0]


def test_a_part_payment_reduces_amount_due_and_keeps_the_invoice_authorised(acct, invoice):
    reply = pay(acct, invoice["InvoiceID"], 40.5)
    assert reply.status == 200
    payment = reply.body["Payments"][0]
    assert payment["Amount"] == 40.5 and payment["PaymentType"] == "ACCRECPAYMENT"
    assert payment["Invoice"]["InvoiceID"] == invoice["InvoiceID"]
    now = _invoice(acct, invoice["InvoiceID"])
    assert now["Status"] == "AUTHORISED"
    assert Decimal(str(now["AmountDue"])) == Decimal("199.50")
    assert Decimal(str(now["AmountPaid"])) == Decimal("40.50")
    assert [p["PaymentID"] for p in now["Payments"]] == [payment["PaymentID"]]
    assert "FullyPaidOnDate" not in now


def test_paying_the_rest_marks_the_invoice_paid_with_the_payment_date(acct, invoice):
    pay(acct, invoice["InvoiceID"], 40, date="2024-03-10")
    pay(acct, invoice["InvoiceID"], 200, date="2024-03-20")
    now = _invoice(acct, invoice["InvoiceID"])
    assert now["Status"] == "PAID"
    assert now["AmountDue"] == 0 and now["AmountPaid"] == 240
    assert now["FullyPaidOnDate"] == "/Date(1710892800000+0000)/"  # 2024-03-20


def test_paying_more_than_is_due_is_refused_in_xeros_words(acct, invoice):
    reply = pay(acct, invoice["InvoiceID"], 240.01)
    assert reply.status == 400
    assert messages(reply) == ["Payment amount exceeds the amount outstanding on this document"]
    assert _invoice(acct, invoice["InvoiceID"])["AmountDue"] == 240


def test_only_authorised_invoices_take_payments(acct, invoice):
    draft = make_invoice(acct, invoice["Contact"]["ContactID"])
    assert messages(pay(acct, draft["InvoiceID"], 1)) == [
        "Payments can only be made against Authorised documents"]
    pay(acct, invoice["InvoiceID"], 240)
    assert messages(pay(acct, invoice["InvoiceID"], 1)) == [
        "Payments can only be made against Authorised documents",
        "Payment amount exceeds the amount outstanding on this document"]


def test_the_account_must_take_payments(acct, invoice):
    assert "cannot be used for payments" in messages(pay(acct, invoice["InvoiceID"], 1,
                                                         account="200"))[0]
    assert "could not be found" in messages(pay(acct, invoice["InvoiceID"], 1,
                                                account="123"))[0]
    assert pay(acct, invoice["InvoiceID"], 1, account="091").status == 200
    assert pay(acct, invoice["InvoiceID"], 1, account="970").status == 200


def test_a_payment_can_name_the_invoice_by_number_and_dates_in_ms_form(acct, invoice):
    reply = acct.post("/Payments", {"InvoiceNumber": invoice["InvoiceNumber"],
                                    "Account": {"Code": "090"}, "Amount": "10.00",
                                    "Date": "/Date(1710028800000)/"})
    assert reply.status == 200
    assert reply.body["Payments"][0]["Date"] == "/Date(1710028800000+0000)/"


def test_payments_bump_the_invoice_updated_date(acct, invoice):
    acct.advance(5)
    pay(acct, invoice["InvoiceID"], 10)
    assert _invoice(acct, invoice["InvoiceID"])["UpdatedDateUTC"] != invoice["UpdatedDateUTC"]


def test_deleting_a_payment_puts_the_money_back_on_the_invoice(acct, invoice):
    payment = pay(acct, invoice["InvoiceID"], 240).body["Payments"][0]
    assert _invoice(acct, invoice["InvoiceID"])["Status"] == "PAID"
    deleted = acct.post(f"/Payments/{payment['PaymentID']}", {"Payments": [{"Status":
                                                                            "DELETED"}]})
    assert deleted.status == 200
    assert deleted.body["Payments"][0]["Status"] == "DELETED"
    now = _invoice(acct, invoice["InvoiceID"])
    assert now["Status"] == "AUTHORISED" and now["AmountDue"] == 240 and now["Payments"] == []
    assert "FullyPaidOnDate" not in now
    assert acct.post(f"/Payments/{payment['PaymentID']}", {"Status": "DELETED"}).status == 400


def test_get_payments_lists_pages_and_filters(acct, invoice):
    first = pay(acct, invoice["InvoiceID"], 10).body["Payments"][0]
    pay(acct, invoice["InvoiceID"], 20)
    listed = acct.get("/Payments").body["Payments"]
    assert [p["Amount"] for p in listed] == [10, 20]
    paged = acct.get("/Payments", query={"page": 2, "pageSize": 1})
    assert [p["Amount"] for p in paged.body["Payments"]] == [20]
    assert paged.body["pagination"]["pageCount"] == 2
    assert [p["Amount"] for p in acct.get("/Payments", query={"where": "Amount > 15"})
            .body["Payments"]] == [20]
    one = acct.get(f"/Payments/{first['PaymentID']}").body["Payments"][0]
    assert one["PaymentID"] == first["PaymentID"]
    assert acct.get("/Payments/3d2c1b0a-0000-4000-8000-000000000000").status == 404


def test_summarize_errors_false_keeps_the_good_payments(acct, invoice):
    body = {"Payments": [
        {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": "090"},
         "Amount": 100, "Date": "2024-03-10"},
        {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": "090"},
         "Amount": 500, "Date": "2024-03-10"},
        {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": "090"},
         "Amount": 100, "Date": "2024-03-10"},
    ]}
    reply = acct.put("/Payments", body, query={"summarizeErrors": "false"})
    assert reply.status == 200
    assert [p["StatusAttributeString"] for p in reply.body["Payments"]] == ["OK", "ERROR", "OK"]
    assert _invoice(acct, invoice["InvoiceID"])["AmountDue"] == 40


def test_record_payment_is_the_admin_shortcut_with_the_same_rules(acct, invoice):
    payment = record_payment(acct.state, acct.tenant_id, acct.clock,
                             {"InvoiceNumber": invoice["InvoiceNumber"], "Amount": 40,
                              "Date": "2024-03-15"})
    assert payment["Account"]["Code"] == "090" and payment["Amount"] == 40
    assert _invoice(acct, invoice["InvoiceID"])["AmountDue"] == 200
    with pytest.raises(XeroApiError) as refused:
        record_payment(acct.state, acct.tenant_id, acct.clock,
                       {"InvoiceID": invoice["InvoiceID"], "Amount": 1000, "AccountCode": "091"})
    assert refused.value.status == 400
    assert _invoice(acct, invoice["InvoiceID"])["AmountDue"] == 200


def test_contact_balances_follow_invoices_and_payments(acct, invoice):
    contact_id = invoice["Contact"]["ContactID"]
    balances = acct.get(f"/Contacts/{contact_id}").body["Contacts"][0]["Balances"]
    assert balances["AccountsReceivable"]["Outstanding"] == 240
    pay(acct, invoice["InvoiceID"], 100)
    balances = acct.get(f"/Contacts/{contact_id}").body["Contacts"][0]["Balances"]
    assert balances["AccountsReceivable"]["Outstanding"] == 140
