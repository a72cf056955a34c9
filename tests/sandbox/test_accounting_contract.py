"""The accounting routes against the official spec, and the spec checker itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.sandbox.spec import openapi, validate_response
from xero_sandbox.accounting import ROUTES

SAMPLE = (Path(__file__).resolve().parents[1] / "recorded" / "samples" / "minimul-xero-api"
          / "get_contacts_response_body.json")


def test_every_route_is_an_operation_of_the_spec():
    paths = openapi().spec / "paths"
    # Iterating a SchemaPath yields sub-paths, hence the key names via keys().
    declared = {(method.upper(), path) for path, item in paths.items()
                for method in item.keys()  # noqa: SIM118
                if method in ("get", "put", "post", "delete")}
    for route in ROUTES:
        assert (route.method, route.path) in declared, (route.method, route.path)
        assert route.writes == (route.method != "GET")


def test_the_spec_checker_accepts_a_real_xero_reply_and_names_what_is_wrong():
    body = json.loads(SAMPLE.read_text("utf-8"))
    validate_response("GET", "/Contacts", 200, body)
    body["Contacts"][0]["ContactID"] = "not-a-guid"
    body["Contacts"][1]["Phones"][0]["PhoneType"] = "PAGER"
    with pytest.raises(AssertionError) as failure:
        validate_response("GET", "/api.xro/2.0/Contacts?page=1", 200, body)
    message = str(failure.value)
    assert "'not-a-guid' is not a 'uuid'" in message
    assert "'PAGER' is not one of" in message
    assert len(message) < 2000


def test_every_accounting_reply_in_these_tests_is_validated(acct):
    # The acct fixture validates 200s itself; prove it is switched on.
    assert acct.validate
    acct.put("/Contacts", {"Name": "Checked"})
    original = acct.state.find_by_name(acct.tenant_id, "Contacts", "Checked")[0]
    broken = {**original, "ContactStatus": "SLEEPING"}
    acct.state.put_object(acct.tenant_id, "Contacts", original["ContactID"], broken,
                          updated_ms=1, name="Checked", status="ACTIVE")
    with pytest.raises(AssertionError, match="SLEEPING"):
        acct.get("/Contacts")
