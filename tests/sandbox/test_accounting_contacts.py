"""Contacts as the sandbox serves them: paging, filters, upserts, uniqueness, shapes."""

from __future__ import annotations

from tests.sandbox.acct_builders import make_contact, messages
from xero_sandbox.accounting import load_fixture


def _names(reply) -> list[str]:
    return [c["Name"] for c in reply.body["Contacts"]]


def test_paging_splits_five_contacts_into_three_pages_of_two(acct):
    for n in range(5):
        make_contact(acct, f"Customer {n}")
    pages = [acct.get("/Contacts", query={"page": p, "pageSize": 2}) for p in (1, 2, 3, 4)]
    assert [_names(p) for p in pages] == [["Customer 0", "Customer 1"],
                                         ["Customer 2", "Customer 3"], ["Customer 4"], []]
    for number, reply in enumerate(pages, start=1):
        assert reply.body["pagination"] == {"page": number, "pageSize": 2, "pageCount": 3,
                                            "itemCount": 5}


def test_page_size_defaults_to_100_and_is_clamped_to_1000(acct):
    load_fixture(acct.state, acct.tenant_id, acct.clock, "Contacts",
                 [{"Name": f"Bulk {n:04d}", "ContactStatus": "ACTIVE"} for n in range(1001)])
    default = acct.get("/Contacts", query={"page": 1})
    assert len(default.body["Contacts"]) == 100
    assert default.body["pagination"] == {"page": 1, "pageSize": 100, "pageCount": 11,
                                          "itemCount": 1001}
    clamped = acct.get("/Contacts", query={"page": 1, "pageSize": 5000})
    assert len(clamped.body["Contacts"]) == 1000
    assert clamped.body["pagination"]["pageSize"] == 1000
    assert clamped.body["pagination"]["pageCount"] == 2
    last = acct.get("/Contacts", query={"page": 2, "pageSize": 1000})
    assert _names(last) == ["Bulk 1000"]


def test_without_page_every_contact_comes_back_without_a_pagination_object(acct):
    for n in range(3):
        make_contact(acct, f"Customer {n}")
    reply = acct.get("/Contacts", query={"pageSize": 1})
    assert len(reply.body["Contacts"]) == 3
    assert "pagination" not in reply.body


def test_bad_paging_values_are_a_400(acct):
    assert acct.get("/Contacts", query={"page": "first"}).status == 400
    assert acct.get("/Contacts", query={"page": 1, "pageSize": 0}).status == 400


def test_if_modified_since_returns_only_contacts_changed_strictly_after(acct):
    old = make_contact(acct, "Old Customer")
    acct.advance(10)
    cutoff = acct.clock.now()
    acct.advance(10)
    new = make_contact(acct, "New Customer")
    reply = acct.get("/Contacts", headers={"If-Modified-Since": cutoff.isoformat()})
    assert _names(reply) == ["New Customer"]
    # Strictly newer: the exact UpdatedDateUTC of the newest contact excludes it.
    from xero_sandbox.xero_json import parse_msdate
    exact = parse_msdate(new["UpdatedDateUTC"]).isoformat()
    assert _names(acct.get("/Contacts", headers={"If-Modified-Since": exact})) == []
    # An update moves a contact past the cutoff again.
    acct.advance(10)
    acct.post("/Contacts", {"Contacts": [{"ContactID": old["ContactID"],
                                          "EmailAddress": "old@example.com"}]})
    since = {"If-Modified-Since": cutoff.isoformat()}
    assert sorted(_names(acct.get("/Contacts", headers=since))) == ["New Customer",
                                                                    "Old Customer"]


def test_if_modified_since_accepts_http_dates_and_rejects_garbage(acct):
    make_contact(acct, "Someone")
    assert _names(acct.get("/Contacts", headers={
        "If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})) == ["Someone"]
    assert acct.get("/Contacts", headers={"If-Modified-Since": "yesterday"}).status == 400


def test_post_upserts_by_contact_number_so_a_resend_does_not_duplicate(acct):
    first = acct.post("/Contacts", {"Contacts": [{"Name": "Acme Ltd", "ContactNumber": "CRM-42"}]})
    second = acct.post("/Contacts", {"Contacts": [{"Name": "Acme Limited",
                                                   "ContactNumber": "CRM-42",
                                                   "EmailAddress": "ap@acme.test"}]})
    assert first.status == second.status == 200
    assert first.body["Contacts"][0]["ContactID"] == second.body["Contacts"][0]["ContactID"]
    everyone = acct.get("/Contacts").body["Contacts"]
    assert len(everyone) == 1
    assert everyone[0]["Name"] == "Acme Limited"
    assert everyone[0]["EmailAddress"] == "ap@acme.test"


def test_post_by_contact_id_merges_only_the_fields_sent(acct):
    made = make_contact(acct, "Merge Me", FirstName="Ann", EmailAddress="ann@merge.test",
                        Phones=[{"PhoneType": "MOBILE", "PhoneNumber": "555 0101"}])
    reply = acct.post("/Contacts", {"ContactID": made["ContactID"], "LastName": "Lee",
                                    "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "1"}]})
    contact = reply.body["Contacts"][0]
    assert (contact["FirstName"], contact["LastName"], contact["EmailAddress"]) == \
        ("Ann", "Lee", "ann@merge.test")
    phones = {p["PhoneType"]: p["PhoneNumber"] for p in contact["Phones"]}
    assert phones == {"DDI": "", "DEFAULT": "1", "FAX": "", "MOBILE": "555 0101"}


def test_contacts_always_carry_both_address_types_and_four_phone_types(acct):
    made = make_contact(acct, "Shape Co", Addresses=[{"AddressType": "STREET",
                                                       "AddressLine1": "1 High St",
                                                       "City": "Leeds"}])
    fetched = acct.get(f"/Contacts/{made['ContactID']}").body["Contacts"][0]
    assert [a["AddressType"] for a in fetched["Addresses"]] == ["POBOX", "STREET"]
    street = fetched["Addresses"][1]
    assert street == {"AddressType": "STREET", "AddressLine1": "1 High St", "City": "Leeds",
                      "Region": "", "PostalCode": "", "Country": "", "AttentionTo": ""}
    assert [p["PhoneType"] for p in fetched["Phones"]] == ["DDI", "DEFAULT", "FAX", "MOBILE"]
    assert all(p["PhoneNumber"] == "" for p in fetched["Phones"])
    assert fetched["ContactStatus"] == "ACTIVE"
    assert fetched["UpdatedDateUTC"].startswith("/Date(") and fetched["UpdatedDateUTC"].endswith(
        "+0000)/")


def test_name_must_be_unique_among_active_contacts(acct):
    make_contact(acct, "Buzz Lightyear")
    reply = acct.put("/Contacts", {"Contacts": [{"Name": "buzz lightyear"}]})
    assert reply.status == 400
    assert reply.body["Type"] == "ValidationException"
    assert messages(reply) == [
        "The contact name buzz lightyear is already assigned to another contact. The contact "
        "name must be unique across all active contacts."]
    assert reply.body["Elements"][0]["ContactID"] == "00000000-0000-0000-0000-000000000000"


def test_an_archived_contact_frees_its_name_and_is_hidden_unless_asked_for(acct):
    old = make_contact(acct, "Reused Name")
    archived = acct.post(f"/Contacts/{old['ContactID']}", {"ContactStatus": "ARCHIVED"})
    assert archived.body["Contacts"][0]["ContactStatus"] == "ARCHIVED"
    make_contact(acct, "Reused Name")
    assert len(acct.get("/Contacts").body["Contacts"]) == 1
    assert len(acct.get("/Contacts", query={"includeArchived": "true"}).body["Contacts"]) == 2
    # Still reachable by id; and edits are refused while archived.
    assert acct.get(f"/Contacts/{old['ContactID']}").status == 200
    refused = acct.post("/Contacts", {"ContactID": old["ContactID"], "FirstName": "X"})
    assert refused.status == 400
    assert "Archived contacts cannot currently be edited" in messages(refused)[0]


def test_put_refuses_a_contact_number_already_in_use(acct):
    make_contact(acct, "First", ContactNumber="CRM-1")
    reply = acct.put("/Contacts", {"Contacts": [{"Name": "Second", "ContactNumber": "CRM-1"}]})
    assert reply.status == 400
    assert messages(reply) == ["The contact number CRM-1 is already assigned to another "
                               "contact."]


def test_summarize_errors_false_saves_the_good_elements_and_echoes_the_bad(acct):
    reply = acct.put("/Contacts", {"Contacts": [{"Name": "Good One"}, {"FirstName": "No name"},
                                                {"Name": "Good Two"}]},
                     query={"summarizeErrors": "false"})
    assert reply.status == 200
    elements = reply.body["Contacts"]
    assert [e["StatusAttributeString"] for e in elements] == ["OK", "ERROR", "OK"]
    assert elements[1]["HasValidationErrors"] is True
    assert elements[1]["ValidationErrors"] == [{"Message": "The contact name must be specified."}]
    assert sorted(_names(acct.get("/Contacts"))) == ["Good One", "Good Two"]


def test_by_default_one_bad_element_fails_the_batch_and_saves_nothing(acct):
    reply = acct.put("/Contacts", {"Contacts": [{"Name": "Good One"}, {"FirstName": "No name"},
                                                {"Name": "Good Two"}]})
    assert reply.status == 400
    assert reply.body["ErrorNumber"] == 10
    assert reply.body["Message"] == "A validation exception occurred"
    assert len(reply.body["Elements"]) == 1
    assert acct.get("/Contacts").body["Contacts"] == []


def test_a_bare_object_body_without_the_wrapper_is_accepted(acct):
    reply = acct.put("/Contacts", {"Name": "Unwrapped"})
    assert reply.status == 200
    assert _names(acct.get("/Contacts")) == ["Unwrapped"]


def test_get_by_contact_number_and_404_for_unknown_ids(acct):
    made = make_contact(acct, "Numbered", ContactNumber="EXT-9")
    assert acct.get("/Contacts/EXT-9").body["Contacts"][0]["ContactID"] == made["ContactID"]
    assert acct.get("/Contacts/0b4c3f1e-9f0e-4c44-8d65-000000000000").status == 404
    assert acct.get("/Contacts/NOPE").status == 404
    unknown = acct.post("/Contacts", {"ContactID": "0b4c3f1e-9f0e-4c44-8d65-000000000000",
                                      "Name": "Ghost"})
    assert unknown.status == 404


def test_ids_filter_returns_just_those_contacts(acct):
    a = make_contact(acct, "A")
    make_contact(acct, "B")
    c = make_contact(acct, "C")
    reply = acct.get("/Contacts", query={"IDs": f"{a['ContactID']},{c['ContactID'].upper()}"})
    assert sorted(_names(reply)) == ["A", "C"]


def test_where_filters_on_name_number_status_and_email(acct):
    make_contact(acct, "Acme Ltd", ContactNumber="C-1", EmailAddress="ap@acme.test")
    make_contact(acct, "Acme Services", ContactNumber="C-2")
    make_contact(acct, "Bravo plc", EmailAddress="hello@bravo.test")

    def where(expr: str) -> list[str]:
        reply = acct.get("/Contacts", query={"where": expr})
        assert reply.status == 200, reply.body
        return sorted(_names(reply))

    assert where('Name=="Acme Ltd"') == ["Acme Ltd"]
    assert where('ContactNumber == "C-2"') == ["Acme Services"]
    assert where('EmailAddress=="hello@bravo.test"') == ["Bravo plc"]
    assert where('ContactStatus=="ACTIVE" AND Name.StartsWith("Acme")') == ["Acme Ltd",
                                                                             "Acme Services"]
    assert where('Name.Contains("serv") || ContactNumber=="C-1"') == ["Acme Ltd",
                                                                      "Acme Services"]
    assert where('(Name=="Bravo plc" OR Name=="Acme Ltd") && EmailAddress!=null') == [
        "Acme Ltd", "Bravo plc"]
    assert where('ContactStatus=="ARCHIVED"') == []


def test_unsupported_where_clauses_are_a_clear_400(acct):
    for expr, fragment in (('Colour=="red"', "No property or field 'Colour'"),
                           ('Name=="x" AND', "Syntax error"),
                           ('Name.ToUpper()=="X"', "Method 'ToUpper' is not supported"),
                           ('Name > 5', "incompatible")):
        reply = acct.get("/Contacts", query={"where": expr})
        assert reply.status == 400, expr
        assert fragment in reply.body["Message"], (expr, reply.body["Message"])


def test_search_term_matches_name_number_and_email_case_insensitively(acct):
    make_contact(acct, "Delta Ltd", ContactNumber="ZZ-7")
    make_contact(acct, "Echo Ltd", EmailAddress="accounts@delta-group.test")
    make_contact(acct, "Foxtrot")
    assert sorted(_names(acct.get("/Contacts", query={"searchTerm": "DELTA"}))) == ["Delta Ltd",
                                                                                    "Echo Ltd"]
    assert _names(acct.get("/Contacts", query={"searchTerm": "zz-7"})) == ["Delta Ltd"]


def test_order_sorts_by_the_named_field(acct):
    for name in ("Charlie", "alpha", "Bravo"):
        make_contact(acct, name)
    assert _names(acct.get("/Contacts", query={"order": "Name ASC"})) == ["alpha", "Bravo",
                                                                          "Charlie"]
    assert _names(acct.get("/Contacts", query={"order": "Name DESC"})) == ["Charlie", "Bravo",
                                                                           "alpha"]


def test_an_unchanged_resend_does_not_move_updated_date(acct):
    made = make_contact(acct, "Stable", ContactNumber="S-1")
    acct.advance(5)
    again = acct.post("/Contacts", {"Name": "Stable", "ContactNumber": "S-1"})
    assert again.body["Contacts"][0]["UpdatedDateUTC"] == made["UpdatedDateUTC"]


def test_field_limits_and_email_format_are_validated(acct):
    reply = acct.put("/Contacts", {"Name": "x" * 256, "EmailAddress": "not-an-email",
                                   "ContactNumber": "n" * 51})
    assert reply.status == 400
    assert sorted(messages(reply)) == sorted([
        "Name must not be more than 255 characters long.",
        "ContactNumber must not be more than 50 characters long.",
        "Email address must be valid.",
    ])


def test_put_never_updates_an_existing_contact(acct):
    made = make_contact(acct, "Put Once")
    reply = acct.put("/Contacts", {"ContactID": made["ContactID"], "Name": "Put Twice"})
    assert reply.status == 400
    assert messages(reply) == [f"A contact with ContactID {made['ContactID']} already exists; "
                               "use POST to update it."]
    assert _names(acct.get("/Contacts")) == ["Put Once"]


def test_post_to_a_contact_url_updates_that_contact(acct):
    made = make_contact(acct, "Path Target")
    reply = acct.post(f"/Contacts/{made['ContactID']}", {"Contacts": [{"Name": "Renamed"}]})
    assert reply.status == 200
    assert reply.body["Contacts"][0]["ContactID"] == made["ContactID"]
    assert _names(acct.get("/Contacts")) == ["Renamed"]
    other = acct.post(f"/Contacts/{made['ContactID']}", {"ContactID":
                                                         "11111111-2222-4333-8444-555555555555"})
    assert other.status == 400


def test_summary_only_leaves_out_the_heavy_fields(acct):
    make_contact(acct, "Light", Addresses=[{"AddressType": "STREET", "City": "York"}])
    light = acct.get("/Contacts", query={"summaryOnly": "true"}).body["Contacts"][0]
    assert light["Name"] == "Light"
    assert "Addresses" not in light and "Phones" not in light
