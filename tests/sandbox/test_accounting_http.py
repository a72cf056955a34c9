"""The accounting handlers behind the real HTTP shell: one round trip per kind of call, each
reply checked against the spec, to prove the two halves fit (routing, JSON, tenants, admin)."""

from __future__ import annotations

from tests.sandbox.spec import validate_response


def _ok(reply, method: str, path: str):
    assert reply.status_code == 200, reply.text
    validate_response(method, path, 200, reply.json())
    return reply.json()


def test_contact_invoice_payment_round_trip_over_http(sandbox):
    with sandbox.api_client() as api:
        contact = _ok(api.post("/Contacts", json={"Contacts": [
            {"Name": "HTTP Customer", "ContactNumber": "H-1"}]}), "POST", "/Contacts")
        contact_id = contact["Contacts"][0]["ContactID"]
        invoice = _ok(api.put("/Invoices", params={"unitdp": 4}, json={"Invoices": [{
            "Type": "ACCREC", "Contact": {"ContactID": contact_id}, "Date": "2024-03-01",
            "DueDate": "2024-03-31", "Status": "AUTHORISED",
            "LineItems": [{"Description": "Work", "Quantity": 3, "UnitAmount": 3.335,
                           "AccountCode": "200", "TaxType": "OUTPUT2"}]}]}),
            "PUT", "/Invoices?unitdp=4")["Invoices"][0]
        assert invoice["Total"] == 12.01  # 10.01 + 2.00 VAT
        payment = sandbox.record_payment({"InvoiceNumber": invoice["InvoiceNumber"],
                                          "Amount": 5, "Date": "2024-03-05"})
        assert payment["Amount"] == 5
        fetched = _ok(api.get(f"/Invoices/{invoice['InvoiceID']}"), "GET",
                      f"/Invoices/{invoice['InvoiceID']}")["Invoices"][0]
        assert fetched["AmountDue"] == 7.01 and fetched["Status"] == "AUTHORISED"
        paged = _ok(api.get("/Contacts", params={"page": 1, "pageSize": 1}), "GET",
                    "/Contacts?page=1&pageSize=1")
        assert paged["pagination"]["itemCount"] == 1
        missing = api.get("/Invoices/INV-9999")
        assert missing.status_code == 404
        refused = api.put("/Contacts", json={"Contacts": [{"Name": "HTTP Customer"}]})
        assert refused.status_code == 400
        assert refused.json()["Type"] == "ValidationException"


def test_fixtures_load_through_the_admin_api(sandbox):
    loaded = sandbox.load_fixture("Contacts", [{"ContactID": "0d9c6b3a-1111-4222-8333-444455556666",
                                               "Name": "Loaded Ltd", "ContactStatus": "ACTIVE"}])
    assert loaded == 1
    with sandbox.api_client() as api:
        body = _ok(api.get("/Contacts/0d9c6b3a-1111-4222-8333-444455556666"), "GET",
                   "/Contacts/0d9c6b3a-1111-4222-8333-444455556666")
    assert body["Contacts"][0]["Name"] == "Loaded Ltd"
