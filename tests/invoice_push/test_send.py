"""Sending to the sandbox: products, contacts, documents, batches, resends and the log."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import update

from resources.crm.models import Company, Invoice, InvoiceLine, InvoiceStatus, Product
from resources.crm.permissions import PermissionRefused
from resources.crm.xero_log import read_log
from resources.invoice_push import (
    Outcome,
    PushOptions,
    Selection,
    SendStopped,
    XeroStatus,
    send_all_live_invoices,
    send_invoices,
)
from tests.invoice_push.conftest import PushEnv
from tests.invoice_push.crm_fixtures import (
    Line,
    accounting_calls,
    add_document,
    company_reference,
    crm_state,
    invoice_row,
    writes,
    xero_by_number,
    xero_objects,
)


def send(env: PushEnv, *numbers: str, run_id: str = "run-1", **options) -> object:
    return send_invoices(env.engine, env.api, env.tenant_id, Selection(numbers=numbers),
                         PushOptions("finance", run_id=run_id, **options))


def outcomes(report) -> dict[str, str]:
    return {d.number: d.outcome.value for d in report.documents}


# -- who may send ---------------------------------------------------------------------------------
@pytest.mark.parametrize("login", ["sales", "nobody", ""])
def test_refused_user_is_stopped_before_anything_is_read_or_sent(demo_env: PushEnv, login: str):
    """B38: only finance and admin users may send; anyone else touches neither Xero nor the CRM."""
    before = crm_state(demo_env.engine)
    with pytest.raises(PermissionRefused):
        send_all_live_invoices(demo_env.engine, demo_env.api, demo_env.tenant_id, PushOptions(login, run_id="r"))
    assert accounting_calls(demo_env.sandbox) == 0
    assert crm_state(demo_env.engine) == before


def test_admin_may_send_too(demo_env: PushEnv):
    """B38: system admins as well as finance users."""
    report = send_invoices(demo_env.engine, demo_env.api, demo_env.tenant_id, Selection(numbers=("INV-000014",)),
                           PushOptions("admin", run_id="r"))
    assert outcomes(report) == {"INV-000014": "success"}


# -- products first -------------------------------------------------------------------------------
def test_one_bad_product_stops_the_whole_send_naming_every_bad_product(demo_env: PushEnv):
    """B32, B5: CHILD-SEAT's tax rate is unmapped and ROUTER-AX's account is unknown to Xero; both
    are named with why, no document is sent, and every chosen document is logged as not sent."""
    add_document(demo_env.engine, "INV-SEAT", 1, [Line("CHILD-SEAT", "1", "79"), Line("ROUTER-AX", "1", "189")])
    with demo_env.engine.begin() as db:
        db.execute(update(Product).where(Product.code == "ROUTER-AX").values(account_code="999"))
    before = crm_state(demo_env.engine)
    with pytest.raises(SendStopped) as stopped:
        send(demo_env, "INV-000014", "INV-SEAT")
    text = str(stopped.value)
    assert "product CHILD-SEAT: its tax rate 'UK VAT Reduced 5%' is not mapped to a Xero tax type" in text
    assert "product ROUTER-AX: account code 999 is not an active account in Xero" in text
    assert writes(demo_env.sandbox) == 0
    after = crm_state(demo_env.engine)
    assert {k: v for k, v in after.items() if k != "xero_log"} == before_without_log(before)
    rows = read_log(demo_env.engine, "run-1")
    assert {(r["document_number"], r["outcome"]) for r in rows} == {("INV-000014", "error"), ("INV-SEAT", "error")}
    assert all("nothing was sent" in r["message"] for r in rows)


def before_without_log(state: dict) -> dict:
    return {k: v for k, v in state.items() if k != "xero_log"}


def test_unmapped_tax_rate_on_a_line_stops_the_send_naming_the_rate(demo_env: PushEnv):
    """B5: a line taxed at a rate with no Xero TaxType stops the send with the rate's name."""
    add_document(demo_env.engine, "INV-RR", 1, [Line("ROUTER-AX", "1", "189", tax_rate_id=5)])
    with pytest.raises(SendStopped) as stopped:
        send(demo_env, "INV-000014", "INV-RR")
    assert "tax rate 'UK VAT Reduced 5%' is not mapped to a Xero tax type" in str(stopped.value)
    assert "used on INV-RR" in str(stopped.value)
    assert writes(demo_env.sandbox) == 0


def test_items_are_upserted_by_code_once_per_product(demo_env: PushEnv):
    """B32: products go first as Items keyed by Code; resending does not add items."""
    send(demo_env, "INV-000001", "INV-000002")
    send(demo_env, "INV-000001", "INV-000002", run_id="run-2")
    items = xero_objects(demo_env.sandbox, "Items")
    assert sorted(i["Code"] for i in items) == ["CONSULT-HR", "INSTALL-HR", "MONITOR-27", "SWITCH-24"]
    switch = next(i for i in items if i["Code"] == "SWITCH-24")
    assert switch["SalesDetails"]["UnitPrice"] == "349.9500" and switch["SalesDetails"]["TaxType"] == "OUTPUT2"


# -- contacts -------------------------------------------------------------------------------------
def test_company_becomes_one_contact_keyed_by_crm_id_with_its_reference_stored(demo_env: PushEnv):
    """B7, B8, B36: ContactNumber = CRM id, primary person from the document, ContactID stored as
    the Xero Reference; sending again updates that contact, never a second one."""
    send(demo_env, "INV-000001")
    reference = company_reference(demo_env.engine, 1)
    (contact,) = xero_objects(demo_env.sandbox, "Contacts")
    assert contact["ContactID"] == reference and contact["ContactNumber"] == "1"
    assert contact["Name"] == "Connor Couriers LLP"
    assert contact["FirstName"] == "Kimberley" and contact["EmailAddress"].startswith("kimberley.")
    assert contact["AccountsReceivableTaxType"] == "OUTPUT2"
    pobox = next(a for a in contact["Addresses"] if a["AddressType"] == "POBOX")
    assert pobox["PostalCode"] and pobox["City"]
    phone = next(p for p in contact["Phones"] if p["PhoneType"] == "DEFAULT")
    assert phone["PhoneAreaCode"].startswith("0")  # the area code keeps its trunk zero

    send(demo_env, "INV-000002", "CN-000001", run_id="run-2")
    assert [c["ContactID"] for c in xero_objects(demo_env.sandbox, "Contacts")] == [reference]
    assert company_reference(demo_env.engine, 1) == reference


def test_new_person_becomes_primary_and_earlier_people_are_kept(demo_env: PushEnv):
    """B37: Mary is company 4's primary; INV-000009 names Jimmy. Jimmy becomes primary and Mary is
    kept in ContactPersons, and so is a person someone added in Xero by hand."""
    add_document(demo_env.engine, "INV-MARY", 4, [Line("TONER-BLK", "1", "64.99", tax_rate_id=4)],
                 contact_id=7, currency="USD", issue=__import__("datetime").date(2025, 1, 2))
    send(demo_env, "INV-MARY")
    reference = company_reference(demo_env.engine, 4)
    (contact,) = xero_objects(demo_env.sandbox, "Contacts")
    assert contact["FirstName"] == "Mary"
    # Someone adds a person in Xero itself.
    with demo_env.sandbox.api_client() as client:
        client.post(f"/Contacts/{reference}", json={"Contacts": [{"ContactPersons": [
            {"FirstName": "Hand", "LastName": "Added", "EmailAddress": "hand@example.com"}]}]}).raise_for_status()
    send(demo_env, "INV-000009", run_id="run-2")
    (contact,) = xero_objects(demo_env.sandbox, "Contacts")
    assert contact["FirstName"] == "Jimmy"
    kept = [(p["FirstName"], p["LastName"]) for p in contact["ContactPersons"]]
    assert kept[0][0] == "Mary" and ("Hand", "Added") in kept


def test_unlinked_xero_contact_of_the_same_name_is_linked_not_duplicated(demo_env: PushEnv):
    """B8: the client existed in Xero before the CRM, without a Xero Reference in the CRM; the
    send links to it (and stores the reference) instead of creating a second contact."""
    demo_env.sandbox.load_fixture("Contacts", [{"Name": "HINTON STORAGE GROUP PTY LTD", "ContactStatus": "ACTIVE",
                                                "ContactPersons": [{"FirstName": "Old", "LastName": "Friend"}]}])
    (existing,) = xero_objects(demo_env.sandbox, "Contacts")
    report = send(demo_env, "INV-000014")
    assert outcomes(report) == {"INV-000014": "success"}
    (contact,) = xero_objects(demo_env.sandbox, "Contacts")
    assert contact["ContactID"] == existing["ContactID"] == company_reference(demo_env.engine, 6)
    assert contact["ContactNumber"] == "6" and contact["Name"] == "Hinton Storage Group Pty Ltd"
    assert ("Old", "Friend") in [(p["FirstName"], p["LastName"]) for p in contact["ContactPersons"]]


def test_company_with_a_xero_reference_is_updated_never_created(demo_env: PushEnv):
    """B7, B8: the reference from an update import decides the contact, even under another name."""
    demo_env.sandbox.load_fixture("Contacts", [{"Name": "Hinton Storage (old name)", "ContactStatus": "ACTIVE"}])
    (existing,) = xero_objects(demo_env.sandbox, "Contacts")
    with demo_env.engine.begin() as db:
        db.execute(update(Company).where(Company.crm_id == 6).values(xero_reference=existing["ContactID"]))
    send(demo_env, "INV-000014")
    (contact,) = xero_objects(demo_env.sandbox, "Contacts")
    assert contact["ContactID"] == existing["ContactID"] and contact["ContactNumber"] == "6"
    assert contact["Name"] == "Hinton Storage Group Pty Ltd"


def test_a_name_xero_gives_to_another_crm_company_gets_a_postcode_qualified_contact(demo_env: PushEnv):
    """B8, B19: companies 1 and 5 share a name in different postcodes; Xero names are unique, so
    company 5 gets its own contact named with its postcode, and both invoices go. A resend
    finds both contacts again (by ContactNumber): still two contacts, never a third."""
    report = send(demo_env, "INV-000001", "INV-000011")
    assert outcomes(report) == {"INV-000001": "success", "INV-000011": "success"}
    contacts = {c["ContactNumber"]: c["Name"] for c in xero_objects(demo_env.sandbox, "Contacts")}
    assert contacts == {"1": "Connor Couriers LLP", "5": "Connor Couriers LLP (M1 7GS)"}
    again = send(demo_env, "INV-000001", "INV-000011")
    assert outcomes(again) == {"INV-000001": "success", "INV-000011": "success"}
    contacts = {c["ContactNumber"]: c["Name"] for c in xero_objects(demo_env.sandbox, "Contacts")}
    assert contacts == {"1": "Connor Couriers LLP", "5": "Connor Couriers LLP (M1 7GS)"}


# -- documents ------------------------------------------------------------------------------------
def test_invoice_goes_as_accrec_draft_with_full_prices_and_discount_rates(demo_env: PushEnv):
    """B35, B39: ACCREC, DRAFT by default, list price with the discount as DiscountRate, and the
    total Xero computes equals the CRM total; Sent to Accounts and its date set in the CRM."""
    report = send(demo_env, "INV-000001")
    (invoice,) = xero_objects(demo_env.sandbox, "Invoices")
    assert (invoice["Type"], invoice["Status"], invoice["InvoiceNumber"]) == ("ACCREC", "DRAFT", "INV-000001")
    discounted = invoice["LineItems"][0]
    assert (discounted["UnitAmount"], discounted["DiscountRate"], discounted["ItemCode"]) == (
        "349.9500", "12.50", "SWITCH-24")
    assert invoice["Total"] == "1724.89" and invoice["CurrencyCode"] == "GBP"
    row = invoice_row(demo_env.engine, "INV-000001")
    assert row.xero_invoice_id == invoice["InvoiceID"] and row.sent_to_accounts and row.sent_to_accounts_date
    assert report.documents[0].xero_total == Decimal("1724.89")


def test_credit_note_goes_as_accreccredit_with_the_discounted_price(demo_env: PushEnv):
    """B40: CN-000001's line has 10 % off; Xero gets 112.50 a unit and no discount field."""
    send(demo_env, "CN-000001")
    (note,) = xero_objects(demo_env.sandbox, "CreditNotes")
    assert (note["Type"], note["CreditNoteNumber"], note["Total"]) == ("ACCRECCREDIT", "CN-000001", "303.76")
    (only,) = note["LineItems"]
    assert only["UnitAmount"] == "112.5000" and "DiscountRate" not in only
    assert invoice_row(demo_env.engine, "CN-000001").xero_credit_note_id == note["CreditNoteID"]


@pytest.mark.parametrize("status", [XeroStatus.SUBMITTED, XeroStatus.AUTHORISED])
def test_documents_may_go_submitted_or_authorised(demo_env: PushEnv, status: XeroStatus):
    """B35: DRAFT by default, SUBMITTED or AUTHORISED by choice."""
    send(demo_env, "INV-000002", "CN-000001", xero_status=status)
    assert {d["Status"] for d in xero_objects(demo_env.sandbox, "Invoices")} == {status.value}
    assert {d["Status"] for d in xero_objects(demo_env.sandbox, "CreditNotes")} == {status.value}


def test_discount_rate_that_would_drift_goes_as_the_exact_discount_amount(demo_env: PushEnv):
    """B39: 33.3333 % as Xero's 2-place rate would drift by 3 cents; the DiscountAmount is exact."""
    add_document(demo_env.engine, "INV-THIRD", 1, [Line(None, "10", "99.99", "33.3333", description="Thirds")])
    report = send(demo_env, "INV-THIRD")
    assert outcomes(report) == {"INV-THIRD": "success"}
    (invoice,) = xero_objects(demo_env.sandbox, "Invoices")
    (only,) = invoice["LineItems"]
    assert only["DiscountAmount"] == "333.30" and "DiscountRate" not in only
    assert Decimal(invoice["Total"]) == invoice_row(demo_env.engine, "INV-THIRD").total


def test_credit_note_discount_that_would_drift_by_a_cent_is_not_sent(demo_env: PushEnv):
    """B39, B40: no 4-place unit price gives this credit note's CRM total, so it is not sent, and
    the report and the log give both figures and the line; the invoice beside it goes."""
    add_document(demo_env.engine, "CN-CENT", 1, [Line(None, "1000", "0.9999", "12.5", description="Ties")],
                 credit=True)
    report = send(demo_env, "INV-000002", "CN-CENT")
    assert outcomes(report) == {"INV-000002": "success", "CN-CENT": "error"}
    (row,) = [r for r in read_log(demo_env.engine, "run-1") if r["document_number"] == "CN-CENT"]
    assert "Xero would total 1049.88 but the CRM total is 1049.89" in row["message"]
    assert "line 1 (Ties: 1000 x 0.9999 less 12.5%" in row["message"]
    assert xero_objects(demo_env.sandbox, "CreditNotes") == []
    assert not invoice_row(demo_env.engine, "CN-CENT").sent_to_accounts


def test_batch_with_one_invalid_invoice_marks_exactly_the_other_two_sent(demo_env: PushEnv):
    """B33: two good and one bad in a batch: exactly two marked sent; the bad one keeps Xero's
    own validation message and stays unsent."""
    add_document(demo_env.engine, "INV-BAD", 1, [Line(None, "1", "10", description="")])
    report = send(demo_env, "INV-000001", "INV-BAD", "INV-000002")
    assert outcomes(report) == {"INV-000001": "success", "INV-BAD": "error", "INV-000002": "success"}
    assert demo_env.sandbox.request_count("/Invoices", method="POST") == 1
    bad = next(d for d in report.documents if d.number == "INV-BAD")
    assert "The description field is mandatory for each line item." in bad.message
    sent = {n: invoice_row(demo_env.engine, n).sent_to_accounts for n in ("INV-000001", "INV-BAD", "INV-000002")}
    assert sent == {"INV-000001": True, "INV-BAD": False, "INV-000002": True}


def test_documents_go_in_batches_of_at_most_the_batch_size(demo_env: PushEnv):
    """Batches of at most 50 (here 2, to see the split): per-document outcomes in every batch."""
    sizes: list[int] = []
    original = demo_env.api.write_batches

    def spy(collection, tenant_id, elements, **kwargs):
        elements = list(elements)
        sizes.append(len(elements)) if collection == "Invoices" else None
        return original(collection, tenant_id, elements, **kwargs)

    demo_env.api.write_batches = spy  # type: ignore[method-assign]
    report = send(demo_env, "INV-000001", "INV-000002", "INV-000009", "INV-000014", "INV-000015", batch_size=2)
    assert report.counts()["sent"] == 5
    assert sizes == [2, 2, 1]


# -- resending ------------------------------------------------------------------------------------
def test_resend_updates_the_same_xero_document_never_a_second(demo_env: PushEnv):
    """B23: an already-sent document is sent again as an update of the same Xero document."""
    send(demo_env, "INV-000014")
    first = invoice_row(demo_env.engine, "INV-000014").xero_invoice_id
    with demo_env.engine.begin() as db:  # the CRM invoice changes: one more HDMI cable
        db.execute(update(InvoiceLine).where(InvoiceLine.invoice_id == 14).values(quantity=Decimal(3)))
        db.execute(update(Invoice).where(Invoice.id == 14).values(total=Decimal("41.25"),
                                                                  amount_outstanding=Decimal("41.25")))
    report = send(demo_env, "INV-000014", run_id="run-2")
    assert [(d.action.value, d.outcome.value) for d in report.documents] == [("update", "success")]
    (invoice,) = xero_by_number(demo_env.sandbox)["INV-000014"]
    assert invoice["InvoiceID"] == first and invoice["Total"] == "41.25"


def test_document_xero_has_locked_is_skipped_and_logged_not_failed(demo_env: PushEnv):
    """B23: once Xero holds a payment (or the invoice is voided), a resend skips it and logs why."""
    send(demo_env, "INV-000001", "INV-000002", xero_status=XeroStatus.AUTHORISED)
    demo_env.sandbox.record_payment({"InvoiceNumber": "INV-000001", "Amount": 100})
    paid_id = invoice_row(demo_env.engine, "INV-000002").xero_invoice_id
    with demo_env.sandbox.api_client() as client:
        client.post(f"/Invoices/{paid_id}", json={"Invoices": [{"Status": "VOIDED"}]}).raise_for_status()
    report = send(demo_env, "INV-000001", "INV-000002", run_id="run-2")
    assert outcomes(report) == {"INV-000001": "skipped", "INV-000002": "skipped"}
    messages = {d.number: d.message for d in report.documents}
    assert "payment or credit allocated in Xero" in messages["INV-000001"]
    assert "Xero holds it as VOIDED" in messages["INV-000002"]
    assert {r["outcome"] for r in read_log(demo_env.engine, "run-2") if r["operation"] == "send_invoice"} == {
        "skipped"}


def test_authorised_document_is_updated_without_being_sent_back_to_draft(demo_env: PushEnv):
    """B35: Xero refuses AUTHORISED -> DRAFT, so a DRAFT resend keeps the status Xero holds."""
    send(demo_env, "INV-000002", xero_status=XeroStatus.AUTHORISED)
    report = send(demo_env, "INV-000002", run_id="run-2")
    assert outcomes(report) == {"INV-000002": "success"}
    (invoice,) = xero_objects(demo_env.sandbox, "Invoices")
    assert invoice["Status"] == "AUTHORISED"


# -- the log --------------------------------------------------------------------------------------
def test_every_attempt_writes_one_log_row_per_document(demo_env: PushEnv):
    """B34: one xero_log row per document per attempt, success, error or skip alike."""
    add_document(demo_env.engine, "INV-BAD", 1, [Line(None, "1", "10", description="")])
    send(demo_env, "INV-000002", "INV-BAD", "INV-000004", "INV-404")
    send(demo_env, "INV-000002", "INV-BAD", "INV-000004", "INV-404", run_id="run-2")
    for run_id in ("run-1", "run-2"):
        rows = [r for r in read_log(demo_env.engine, run_id) if r["operation"] == "send_invoice"]
        assert sorted((r["document_number"], r["outcome"]) for r in rows) == [
            ("INV-000002", "success"), ("INV-000004", "skipped"), ("INV-404", "error"), ("INV-BAD", "error")]
        assert all(r["run_id"] == run_id for r in rows)
    success = next(r for r in read_log(demo_env.engine, "run-1") if r["document_number"] == "INV-000002")
    assert success["xero_id"] == invoice_row(demo_env.engine, "INV-000002").xero_invoice_id
    companies = [r for r in read_log(demo_env.engine, "run-1") if r["operation"] == "upsert_contact"]
    assert [(r["document_number"], r["outcome"]) for r in companies] == [("1", "success")]


def test_send_all_live_sends_the_live_invoices_and_the_credit_note(demo_env: PushEnv):
    """B29, B33: every live document; Pending (INV-000003) and Part Paid ones stay out."""
    report = send_all_live_invoices(demo_env.engine, demo_env.api, demo_env.tenant_id,
                                    PushOptions("finance", run_id="live"))
    assert outcomes(report) == {
        "INV-000001": "success", "INV-000002": "success", "INV-000009": "success", "INV-000011": "success",
        "INV-000014": "success", "INV-000015": "success", "CN-000001": "success"}
    assert set(xero_by_number(demo_env.sandbox)) == {"INV-000001", "INV-000002", "INV-000009", "INV-000011",
                                                    "INV-000014", "INV-000015"}
    assert report.totals() == {"AUD": Decimal("7726.40"), "GBP": Decimal("3262.99"), "USD": Decimal("568.84")}
    assert invoice_row(demo_env.engine, "INV-000003").status == InvoiceStatus.PENDING
    # tax rates, accounts, items, contacts, one name lookup, the postcode-qualified contact, invoices, credit notes
    assert report.api_calls == 8


def test_report_counts_match_outcomes(demo_env: PushEnv):
    report = send(demo_env, "INV-000002", "INV-000004")
    counts = report.counts()
    assert (counts["sent"], counts["created"], counts["skipped"], counts["failed"]) == (1, 1, 1, 0)
    assert Outcome.SKIPPED in {d.outcome for d in report.documents}
    assert "| INV-000002 | invoice |" in report.markdown()
