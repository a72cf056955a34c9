"""Recorded Xero replies loaded as fixtures come back unchanged, and a recorded request gives
the amounts Xero gave."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from xero_sandbox.accounting import load_fixture
from xero_sandbox.xero_json import parse_msdate

SAMPLES = Path(__file__).resolve().parents[1] / "recorded" / "samples" / "minimul-xero-api"


def _recorded_contacts() -> list[dict[str, Any]]:
    body = json.loads((SAMPLES / "get_contacts_response_body.json").read_text("utf-8"))
    return body["Contacts"]


def _normalise(value: Any) -> Any:
    """Dates compared as instants (``/Date(ms)/`` and ``/Date(ms+0000)/`` are the same time)."""
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, str) and value.startswith("/Date("):
        return parse_msdate(value)
    return value


def test_the_49_recorded_demo_company_contacts_come_back_field_for_field(acct):
    recorded = _recorded_contacts()
    assert len(recorded) == 49
    assert load_fixture(acct.state, acct.tenant_id, acct.clock, "Contacts", recorded) == 49
    served = {c["ContactID"]: c for c in acct.get("/Contacts").body["Contacts"]}
    assert len(served) == 49
    for contact in recorded:
        got = served[contact["ContactID"]]
        for field, value in contact.items():
            assert _normalise(got[field]) == _normalise(value), (contact["Name"], field)
    # One by id, and one by its ContactNumber, as a client would fetch them.
    first = recorded[0]
    by_id = acct.get(f"/Contacts/{first['ContactID']}").body["Contacts"][0]
    assert _normalise(by_id) == _normalise(first)
    by_number = acct.get(f"/Contacts/{first['ContactNumber']}").body["Contacts"][0]
    assert by_number["ContactID"] == first["ContactID"]


def test_a_whole_recorded_reply_can_be_loaded_and_paged(acct):
    body = json.loads((SAMPLES / "get_contacts_response_body.json").read_text("utf-8"))
    assert load_fixture(acct.state, acct.tenant_id, acct.clock, "contacts", body) == 49
    page = acct.get("/Contacts", query={"page": 3, "pageSize": 20})
    assert page.body["pagination"] == {"page": 3, "pageSize": 20, "pageCount": 3,
                                       "itemCount": 49}
    assert [c["ContactID"] for c in page.body["Contacts"]] == \
        [c["ContactID"] for c in body["Contacts"][40:]]
    # Loaded names still count for uniqueness.
    clash = acct.put("/Contacts", {"Name": body["Contacts"][5]["Name"]})
    assert clash.status == 400


def test_a_recorded_invoice_request_gives_the_recorded_amounts(acct):
    cassette = yaml.safe_load((SAMPLES / "spec_vcr_create_invoice.yml").read_text("utf-8"))
    interaction = cassette["http_interactions"][0]
    request = json.loads(interaction["request"]["body"]["string"])
    response = json.loads(interaction["response"]["body"]["string"])["Invoices"][0]
    load_fixture(acct.state, acct.tenant_id, acct.clock, "Contacts", [response["Contact"]])
    # The recorded (US) organisation had no account 200: remove it here too, so the request
    # is replayed exactly as sent and Xero's warning can be compared as well.
    sales = acct.state.find_by_key(acct.tenant_id, "Accounts", "200")
    acct.state.delete_object(acct.tenant_id, "Accounts", sales["AccountID"])
    reply = acct.put("/Invoices", request)
    assert reply.status == 200, reply.body
    made = reply.body["Invoices"][0]
    assert made["Warnings"] == response["Warnings"]
    for field in ("Type", "Status", "LineAmountTypes", "SubTotal", "TotalTax", "Total",
                  "TotalDiscount", "AmountDue", "AmountPaid", "IsDiscounted", "Date", "DueDate",
                  "DateString", "DueDateString"):
        assert made[field] == response[field], field
    for field in ("Description", "UnitAmount", "LineAmount", "Quantity", "DiscountRate"):
        assert made["LineItems"][0][field] == response["LineItems"][0][field], field
    assert made["Contact"]["Name"] == response["Contact"]["Name"]


@pytest.mark.parametrize("kind", ["Widgets", "Employees"])
def test_unknown_fixture_kinds_are_refused(acct, kind):
    with pytest.raises(ValueError):
        load_fixture(acct.state, acct.tenant_id, acct.clock, kind, [])


def test_ids_are_matched_without_regard_to_case(acct):
    upper = "5D4C3B2A-AAAA-4BBB-8CCC-DDDDEEEEFFFF"
    load_fixture(acct.state, acct.tenant_id, acct.clock, "Contacts",
                 [{"ContactID": upper, "Name": "Capital Ltd", "ContactStatus": "ACTIVE"}])
    assert acct.get(f"/Contacts/{upper.lower()}").status == 200
    reply = acct.put("/Invoices", {"Type": "ACCREC", "Contact": {"ContactID": upper.lower()},
                                   "Status": "AUTHORISED",
                                   "LineItems": [{"Description": "x", "Quantity": 1,
                                                  "UnitAmount": 10}]})
    assert reply.status == 200, reply.body
    updated = acct.post(f"/Contacts/{upper}", {"EmailAddress": "caps@capital.test"})
    assert updated.status == 200
    everyone = acct.get("/Contacts").body["Contacts"]
    assert len(everyone) == 1 and everyone[0]["IsCustomer"] is True
