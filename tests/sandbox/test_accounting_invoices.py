"""Invoices: Xero's arithmetic (per-line half-up rounding), numbering, upserts, status rules,
request date forms and the list filters."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.sandbox.acct_builders import line, make_contact, make_invoice, make_item, messages, pay
from xero_sandbox.xero_json import to_msdate


@pytest.fixture
def customer(acct):
    return make_contact(acct, "Invoice Customer", ContactNumber="CUST-1")


def _d(value) -> Decimal:
    return Decimal(str(value))


def test_tax_is_rounded_half_up_per_line_then_summed(acct, customer):
    # 3 x 3.335 = 10.005 -> 10.01 (half-up, banker's rounding would give 10.00);
    # with 10% off: 9.0045 -> 9.00. Two 1.03 lines each carry 0.206 -> 0.21 of VAT.
    lines = [line("Half-up", 3, 3.335), line("Discounted", 3, 3.335, DiscountRate=10),
             line("Small A", 1, 1.03), line("Small B", 1, 1.03)]
    invoice = make_invoice(acct, customer["ContactID"], lines, query={"unitdp": 4})
    got = [(_d(li["LineAmount"]), _d(li["TaxAmount"])) for li in invoice["LineItems"]]
    assert got == [(_d("10.01"), _d("2.00")), (_d("9.00"), _d("1.80")),
                   (_d("1.03"), _d("0.21")), (_d("1.03"), _d("0.21"))]
    assert _d(invoice["SubTotal"]) == _d("21.07")
    assert _d(invoice["TotalTax"]) == _d("4.22")
    # Tax worked out on the subtotal would be 21.07 * 20% = 4.214 -> 4.21: a cent less.
    assert _d(invoice["TotalTax"]) != (_d("21.07") * _d("0.2")).quantize(_d("0.01"))
    assert _d(invoice["Total"]) == _d("25.29")
    assert _d(invoice["AmountDue"]) == _d("25.29")
    assert invoice["IsDiscounted"] is True
    assert _d(invoice["TotalDiscount"]) == _d("1.01")  # 10.01 gross - 9.00
    assert invoice["LineItems"][0]["UnitAmount"] == 3.335


def test_unit_amounts_are_rounded_to_two_places_without_unitdp(acct, customer):
    invoice = make_invoice(acct, customer["ContactID"], [line("Two dp", 3, 3.335)])
    assert invoice["LineItems"][0]["UnitAmount"] == 3.34
    assert _d(invoice["LineItems"][0]["LineAmount"]) == _d("10.02")


def test_inclusive_amounts_hold_the_tax_inside_the_line(acct, customer):
    invoice = make_invoice(acct, customer["ContactID"],
                           [line("Incl", 1, 100), line("Incl odd", 1, 10.01)],
                           LineAmountTypes="Inclusive")
    # 100 incl 20% VAT -> 16.67 tax; 10.01 -> 1.668.. -> 1.67.
    assert [_d(li["TaxAmount"]) for li in invoice["LineItems"]] == [_d("16.67"), _d("1.67")]
    assert _d(invoice["Total"]) == _d("110.01")
    assert _d(invoice["TotalTax"]) == _d("18.34")
    assert _d(invoice["SubTotal"]) == _d("91.67")
    assert invoice["LineAmountTypes"] == "Inclusive"


def test_no_tax_lines_carry_no_tax(acct, customer):
    invoice = make_invoice(acct, customer["ContactID"], [line("Free of VAT", 2, 50)],
                           LineAmountTypes="NoTax")
    assert _d(invoice["TotalTax"]) == 0
    assert _d(invoice["Total"]) == _d("100")


def test_discount_amount_and_supplied_line_amount_are_checked(acct, customer):
    invoice = make_invoice(acct, customer["ContactID"],
                           [line("Less 5", 2, 10, DiscountAmount=5, LineAmount=15)])
    assert _d(invoice["LineItems"][0]["LineAmount"]) == _d("15")
    wrong = acct.put("/Invoices", {"Type": "ACCREC", "Contact": {"ContactID":
                                                                 customer["ContactID"]},
                                   "LineItems": [line("Wrong", 10, 100, DiscountRate=20,
                                                      LineAmount=1000)]})
    assert wrong.status == 400
    assert messages(wrong) == ["The line total 1000.00 does not match the expected line total "
                               "800.00"]


def test_discount_rate_and_amount_together_are_refused(acct, customer):
    reply = acct.put("/Invoices", {"Type": "ACCREC", "Contact": {"ContactID":
                                                                 customer["ContactID"]},
                                   "LineItems": [line("Both", 1, 10, DiscountRate=10,
                                                      DiscountAmount=1)]})
    assert reply.status == 400
    assert messages(reply) == ["A line item can have a DiscountRate or a DiscountAmount, not "
                               "both."]


def test_items_tax_types_and_contacts_must_exist(acct, customer):
    reply = acct.put("/Invoices", {"Type": "ACCREC", "Contact": {"ContactID":
                                                                 customer["ContactID"]},
                                   "LineItems": [{"ItemCode": "NOPE", "Quantity": 1},
                                                 line("Bad tax", TaxType="VAT99")]})
    assert reply.status == 400
    assert messages(reply) == [
        "Item code 'NOPE' is not valid.",
        "The TaxType code 'VAT99' does not exist or cannot be used with this type of "
        "transaction."]
    ghost = "5f0c9c7e-0000-4000-8000-00000000dead"
    nobody = acct.put("/Invoices", {"Type": "ACCREC", "Contact": {"ContactID": ghost},
                                    "LineItems": [line()]})
    assert nobody.status == 400
    assert "could not be found" in messages(nobody)[0]
    missing = acct.put("/Invoices", {"Type": "ACCREC", "LineItems": [line()]})
    assert messages(missing) == ["A Contact must be specified for this type of transaction"]


def test_contact_can_be_named_by_number_or_name(acct, customer):
    by_number = make_invoice(acct, "", Contact={"ContactNumber": "CUST-1"})
    by_name = make_invoice(acct, "", Contact={"Name": "Invoice Customer"})
    assert by_number["Contact"]["ContactID"] == by_name["Contact"]["ContactID"] == \
        customer["ContactID"]
    assert acct.get(f"/Contacts/{customer['ContactID']}").body["Contacts"][0]["IsCustomer"]


def test_item_code_fills_description_price_account_and_tax(acct, customer):
    make_item(acct, "GADGET", Name="Gadget", Description="A fine gadget",
              SalesDetails={"UnitPrice": 19.99, "AccountCode": "200", "TaxType": "OUTPUT2"})
    invoice = make_invoice(acct, customer["ContactID"], [{"ItemCode": "GADGET", "Quantity": 2}])
    li = invoice["LineItems"][0]
    assert (li["Description"], li["UnitAmount"], li["AccountCode"], li["TaxType"]) == \
        ("A fine gadget", 19.99, "200", "OUTPUT2")
    assert li["Item"]["Code"] == "GADGET"
    assert _d(li["LineAmount"]) == _d("39.98") and _d(li["TaxAmount"]) == _d("8.00")


def test_invoice_numbers_are_generated_in_sequence(acct, customer):
    numbers = [make_invoice(acct, customer["ContactID"])["InvoiceNumber"] for _ in range(3)]
    assert numbers == ["INV-0001", "INV-0002", "INV-0003"]
    make_invoice(acct, customer["ContactID"], InvoiceNumber="INV-0004")
    assert make_invoice(acct, customer["ContactID"])["InvoiceNumber"] == "INV-0005"


def test_put_with_a_used_sales_invoice_number_is_refused(acct, customer):
    make_invoice(acct, customer["ContactID"], InvoiceNumber="CRM-1001")
    reply = acct.put("/Invoices", {"Invoices": [{
        "Type": "ACCREC", "Contact": {"ContactID": customer["ContactID"]},
        "InvoiceNumber": "CRM-1001", "LineItems": [line()]}]},
        query={"summarizeErrors": "false"})
    assert reply.status == 200
    element = reply.body["Invoices"][0]
    assert element["HasErrors"] is True and element["StatusAttributeString"] == "ERROR"
    assert element["ValidationErrors"] == [{"Message": "Invoice # must be unique."}]


def test_post_upserts_by_invoice_number_so_a_resend_does_not_duplicate(acct, customer):
    body = {"Type": "ACCREC", "Contact": {"ContactID": customer["ContactID"]},
            "InvoiceNumber": "CRM-2002", "Reference": "PO 1", "LineItems": [line(unit=100)]}
    first = acct.post("/Invoices", {"Invoices": [body]}).body["Invoices"][0]
    second = acct.post("/Invoices", {"Invoices": [{**body, "Reference": "PO 2",
                                                   "LineItems": [line(unit=150)]}]})
    again = second.body["Invoices"][0]
    assert again["InvoiceID"] == first["InvoiceID"]
    assert again["Reference"] == "PO 2" and _d(again["Total"]) == _d("180")
    assert len(acct.get("/Invoices").body["Invoices"]) == 1


def test_request_dates_in_every_accepted_form_give_the_same_date(acct, customer):
    from datetime import date

    ms_form = to_msdate(date(2024, 2, 29)).replace("+0000", "")
    forms = ["2024-02-29", "2024-02-29T00:00:00", ms_form, "/Date(1709164800000+0000)/"]
    made = [make_invoice(acct, customer["ContactID"], Date=f, DueDate=f) for f in forms]
    assert {m["Date"] for m in made} == {"/Date(1709164800000+0000)/"}
    assert {m["DateString"] for m in made} == {"2024-02-29T00:00:00"}
    assert {m["DueDateString"] for m in made} == {"2024-02-29T00:00:00"}
    bad = acct.put("/Invoices", {"Type": "ACCREC", "Contact": {"ContactID":
                                                               customer["ContactID"]},
                                 "Date": "29/02/2024", "LineItems": [line()]})
    assert bad.status == 400 and "is not a valid date" in messages(bad)[0]


def test_date_defaults_to_today(acct, customer):
    reply = acct.put("/Invoices", {"Type": "ACCREC", "Contact": {"ContactID":
                                                                 customer["ContactID"]},
                                   "LineItems": [line()]})
    assert reply.body["Invoices"][0]["DateString"] == \
        f"{acct.clock.now().date().isoformat()}T00:00:00"


def test_lines_come_with_paging_or_by_id_but_not_in_a_plain_list(acct, customer):
    invoice = make_invoice(acct, customer["ContactID"])
    plain = acct.get("/Invoices").body["Invoices"][0]
    assert "LineItems" not in plain
    paged = acct.get("/Invoices", query={"page": 1})
    assert paged.body["Invoices"][0]["LineItems"][0]["Description"] == "Consulting"
    assert paged.body["pagination"] == {"page": 1, "pageSize": 100, "pageCount": 1,
                                        "itemCount": 1}
    by_id = acct.get(f"/Invoices/{invoice['InvoiceID']}").body["Invoices"][0]
    by_number = acct.get(f"/Invoices/{invoice['InvoiceNumber']}").body["Invoices"][0]
    assert by_id["LineItems"] == by_number["LineItems"] != []
    # One invoice by id embeds the whole contact; a list only a summary.
    assert by_id["Contact"]["Phones"] and plain["Contact"]["Phones"] == []


def test_list_filters_ids_numbers_statuses_contacts_and_where(acct, customer):
    other = make_contact(acct, "Other Customer")
    draft = make_invoice(acct, customer["ContactID"])
    approved = make_invoice(acct, customer["ContactID"], Status="AUTHORISED")
    theirs = make_invoice(acct, other["ContactID"], Status="AUTHORISED")

    def numbers(**query) -> list[str]:
        reply = acct.get("/Invoices", query=query)
        assert reply.status == 200, reply.body
        return sorted(i["InvoiceNumber"] for i in reply.body["Invoices"])

    assert numbers(IDs=f"{draft['InvoiceID']},{theirs['InvoiceID']}") == ["INV-0001", "INV-0003"]
    assert numbers(InvoiceNumbers="INV-0002,INV-0003") == ["INV-0002", "INV-0003"]
    assert numbers(Statuses="AUTHORISED") == ["INV-0002", "INV-0003"]
    assert numbers(ContactIDs=other["ContactID"]) == ["INV-0003"]
    assert numbers(where=f'Contact.ContactID==Guid("{customer["ContactID"]}") && '
                         'Status=="AUTHORISED"') == ["INV-0002"]
    assert numbers(where='Type=="ACCREC" AND AmountDue > 100 AND Status!="DRAFT"') == [
        "INV-0002", "INV-0003"]
    assert numbers(where='AmountDue < 100') == []
    assert numbers(where='Date >= DateTime(2024, 03, 01) && Date < DateTime(2024, 03, 02)') == \
        ["INV-0001", "INV-0002", "INV-0003"]
    assert numbers(where='Contact.Name=="Other Customer"') == ["INV-0003"]
    assert approved["Status"] == "AUTHORISED"


def test_if_modified_since_sees_payments_as_changes(acct, customer):
    invoice = make_invoice(acct, customer["ContactID"], Status="AUTHORISED")
    make_invoice(acct, customer["ContactID"], Status="AUTHORISED")
    acct.advance(30)
    cutoff = acct.clock.now().isoformat()
    acct.advance(30)
    assert pay(acct, invoice["InvoiceID"], 10).status == 200
    changed = acct.get("/Invoices", headers={"If-Modified-Since": cutoff}).body["Invoices"]
    assert [i["InvoiceID"] for i in changed] == [invoice["InvoiceID"]]


def test_drafts_can_be_deleted_but_approved_invoices_only_voided(acct, customer):
    draft = make_invoice(acct, customer["ContactID"])
    deleted = acct.post(f"/Invoices/{draft['InvoiceID']}", {"Status": "DELETED"})
    assert deleted.body["Invoices"][0]["Status"] == "DELETED"
    approved = make_invoice(acct, customer["ContactID"], Status="AUTHORISED")
    refused = acct.post(f"/Invoices/{approved['InvoiceID']}", {"Status": "DELETED"})
    assert refused.status == 400
    assert messages(refused) == ["Invoice not of valid status for modification"]
    voided = acct.post(f"/Invoices/{approved['InvoiceID']}", {"Status": "VOIDED"})
    assert voided.body["Invoices"][0]["Status"] == "VOIDED"
    again = acct.post(f"/Invoices/{approved['InvoiceID']}", {"Reference": "too late"})
    assert messages(again) == ["Invoice not of valid status for modification"]


def test_a_paid_invoice_refuses_edits(acct, customer):
    invoice = make_invoice(acct, customer["ContactID"], Status="AUTHORISED")
    assert pay(acct, invoice["InvoiceID"], invoice["Total"]).status == 200
    reply = acct.post("/Invoices", {"Invoices": [{"InvoiceID": invoice["InvoiceID"],
                                                  "LineItems": [line(unit=1)]}]})
    assert reply.status == 400
    assert messages(reply) == ["Invoice not of valid status for modification"]
    void = acct.post(f"/Invoices/{invoice['InvoiceID']}", {"Status": "VOIDED"})
    assert messages(void) == ["Invoice not of valid status for modification"]


def test_a_part_paid_invoice_keeps_its_amounts_but_allows_safe_fields(acct, customer):
    invoice = make_invoice(acct, customer["ContactID"], Status="AUTHORISED")
    pay(acct, invoice["InvoiceID"], 20)
    refused = acct.post(f"/Invoices/{invoice['InvoiceID']}", {"LineItems": [line(unit=5)]})
    assert messages(refused) == ["This document cannot be edited as it has a payment or credit "
                                 "note allocated to it."]
    voided = acct.post(f"/Invoices/{invoice['InvoiceID']}", {"Status": "VOIDED"})
    assert voided.status == 400
    moved = acct.post(f"/Invoices/{invoice['InvoiceID']}", {"DueDate": "2024-04-30",
                                                            "Reference": "chased"})
    assert moved.status == 200
    assert moved.body["Invoices"][0]["DueDateString"] == "2024-04-30T00:00:00"


def test_paid_cannot_be_set_directly_and_drafts_cannot_be_voided(acct, customer):
    paid = acct.put("/Invoices", {"Type": "ACCREC", "Contact": {"ContactID":
                                                                customer["ContactID"]},
                                  "Status": "PAID", "LineItems": [line()]})
    assert paid.status == 400
    draft = make_invoice(acct, customer["ContactID"])
    assert messages(acct.post(f"/Invoices/{draft['InvoiceID']}", {"Status": "VOIDED"})) == [
        "Invoice not of valid status for modification"]


def test_an_unchanged_resend_keeps_updated_date_and_line_ids(acct, customer):
    body = {"Type": "ACCREC", "Contact": {"ContactID": customer["ContactID"]},
            "InvoiceNumber": "SAME-1", "Date": "2024-03-01", "LineItems": [line()]}
    first = acct.post("/Invoices", body).body["Invoices"][0]
    acct.advance(5)
    again = acct.post("/Invoices", body).body["Invoices"][0]
    assert again["UpdatedDateUTC"] == first["UpdatedDateUTC"]
    assert again["LineItems"][0]["LineItemID"] == first["LineItems"][0]["LineItemID"]
    acct.advance(5)
    changed = acct.post("/Invoices", {**body, "Reference": "new"}).body["Invoices"][0]
    assert changed["UpdatedDateUTC"] != first["UpdatedDateUTC"]


def test_summarize_errors_false_saves_two_good_invoices_and_reports_the_bad_one(acct, customer):
    good = {"Type": "ACCREC", "Contact": {"ContactID": customer["ContactID"]},
            "LineItems": [line()]}
    bad = {**good, "LineItems": [line(TaxType="NOPE")]}
    reply = acct.put("/Invoices", {"Invoices": [good, bad, good]},
                     query={"summarizeErrors": "false"})
    assert reply.status == 200
    assert [e["StatusAttributeString"] for e in reply.body["Invoices"]] == ["OK", "ERROR", "OK"]
    assert len(acct.get("/Invoices").body["Invoices"]) == 2
    summarised = acct.put("/Invoices", {"Invoices": [good, bad, good]})
    assert summarised.status == 400
    assert summarised.body["Type"] == "ValidationException"
    assert len(acct.get("/Invoices").body["Invoices"]) == 2


def test_unknown_ids_are_404(acct, customer):
    assert acct.get("/Invoices/7c8a7f0e-1d1d-4c3c-9a9a-000000000000").status == 404
    assert acct.get("/Invoices/INV-9999").status == 404
    assert acct.post("/Invoices/INV-9999", {"Reference": "x"}).status == 404
    assert acct.post("/Invoices", {"InvoiceID": "7c8a7f0e-1d1d-4c3c-9a9a-000000000000",
                                   "Reference": "x"}).status == 404


def test_bills_do_not_take_discounts_and_may_share_numbers(acct, customer):
    bill = {"Type": "ACCPAY", "Contact": {"ContactID": customer["ContactID"]},
            "InvoiceNumber": "SUPP-1", "LineItems": [line(TaxType="INPUT2")]}
    assert acct.put("/Invoices", bill).status == 200
    assert acct.put("/Invoices", bill).status == 200
    assert len(acct.get("/Invoices", query={"InvoiceNumbers": "SUPP-1"}).body["Invoices"]) == 2
    discounted = acct.put("/Invoices", {**bill, "LineItems": [line(DiscountRate=5)]})
    assert discounted.status == 400
    assert acct.get(f"/Contacts/{customer['ContactID']}").body["Contacts"][0]["IsSupplier"]


def test_unknown_account_codes_are_dropped_with_a_warning(acct, customer):
    invoice = make_invoice(acct, customer["ContactID"], [line(AccountCode="999")])
    assert "AccountCode" not in invoice["LineItems"][0]
    assert invoice["Warnings"] == [{"Message": "Account code '999' has been removed as it does "
                                               "not match a recognised account."}]


def test_changing_line_amount_types_recomputes_the_stored_lines(acct, customer):
    invoice = make_invoice(acct, customer["ContactID"], [line(unit=120)])
    assert _d(invoice["Total"]) == _d("144")
    inclusive = acct.post(f"/Invoices/{invoice['InvoiceID']}", {"LineAmountTypes": "Inclusive"})
    changed = inclusive.body["Invoices"][0]
    assert _d(changed["Total"]) == _d("120") and _d(changed["TotalTax"]) == _d("20")


def test_resending_a_paid_invoice_unchanged_is_accepted_even_after_a_contact_rename(acct, customer):
    body = {"Type": "ACCREC", "Contact": {"ContactID": customer["ContactID"]},
            "InvoiceNumber": "PAID-1", "Date": "2024-03-01", "Status": "AUTHORISED",
            "LineItems": [line()]}
    invoice = acct.post("/Invoices", body).body["Invoices"][0]
    pay(acct, invoice["InvoiceID"], invoice["Total"])
    acct.post(f"/Contacts/{customer['ContactID']}", {"Name": "Renamed Customer"})
    again = acct.post("/Invoices", {**body, "Status": "PAID"})
    assert again.status == 200, again.body
    assert again.body["Invoices"][0]["Contact"]["Name"] == "Renamed Customer"
