"""Items, TaxRates and Accounts."""

from __future__ import annotations

from tests.sandbox.acct_builders import make_item, messages


def _codes(reply) -> list[str]:
    return [i["Code"] for i in reply.body["Items"]]


def test_post_upserts_items_by_code(acct):
    first = acct.post("/Items", {"Items": [{"Code": "SKU-1", "Name": "Widget",
                                            "SalesDetails": {"UnitPrice": 10}}]})
    second = acct.post("/Items", {"Items": [{"Code": "SKU-1", "Name": "Widget v2",
                                             "SalesDetails": {"UnitPrice": 12.5}}]})
    assert first.body["Items"][0]["ItemID"] == second.body["Items"][0]["ItemID"]
    items = acct.get("/Items").body["Items"]
    assert len(items) == 1
    assert items[0]["Name"] == "Widget v2" and items[0]["SalesDetails"]["UnitPrice"] == 12.5
    by_id = acct.post("/Items", {"ItemID": items[0]["ItemID"], "Description": "Blue"})
    assert by_id.body["Items"][0]["Code"] == "SKU-1"
    assert by_id.body["Items"][0]["Description"] == "Blue"


def test_put_refuses_a_code_already_in_use(acct):
    make_item(acct, "SKU-1")
    reply = acct.put("/Items", {"Items": [{"Code": "SKU-1"}]})
    assert reply.status == 400
    assert messages(reply) == ["Item code 'SKU-1' already exists. Item codes must be unique."]


def test_code_is_required_and_lengths_are_limited(acct):
    assert messages(acct.put("/Items", {"Name": "No code"})) == ["Item code must be specified."]
    assert messages(acct.put("/Items", {"Code": "C" * 31})) == [
        "Item code must not be more than 30 characters long."]
    assert messages(acct.put("/Items", {"Code": "OK", "Name": "N" * 51})) == [
        "Name must not be more than 50 characters long."]
    assert acct.put("/Items", {"Code": "C" * 30, "Name": "N" * 50}).status == 200


def test_sales_details_are_checked_against_tax_rates_and_accounts(acct):
    reply = acct.put("/Items", {"Code": "X", "SalesDetails": {"TaxType": "NOPE",
                                                              "AccountCode": "999"}})
    assert sorted(messages(reply)) == [
        "Account code '999' is not a valid code for this item.",
        "The TaxType code 'NOPE' does not exist or cannot be used with this type of "
        "transaction."]


def test_unit_prices_show_two_places_unless_unitdp_4(acct):
    acct.put("/Items", {"Code": "PRECISE", "SalesDetails": {"UnitPrice": 1.2345}},
             query={"unitdp": 4})
    assert acct.get("/Items/PRECISE").body["Items"][0]["SalesDetails"]["UnitPrice"] == 1.23
    assert acct.get("/Items/PRECISE", query={"unitdp": 4}).body["Items"][0][
        "SalesDetails"]["UnitPrice"] == 1.2345


def test_is_sold_false_clears_the_sales_side(acct):
    made = make_item(acct, "BUY-ONLY", Description="sells", SalesDetails={"UnitPrice": 3},
                     IsSold=False)
    assert made["IsSold"] is False and made["SalesDetails"] == {}
    assert "Description" not in made


def test_where_and_if_modified_since_filter_items(acct):
    make_item(acct, "A")
    make_item(acct, "B", IsSold=False)
    acct.advance(10)
    cutoff = acct.clock.now().isoformat()
    acct.advance(10)
    make_item(acct, "C")
    assert _codes(acct.get("/Items", query={"where": "IsSold==true"})) == ["A", "C"]
    assert _codes(acct.get("/Items", query={"where": 'Code=="B"'})) == ["B"]
    assert _codes(acct.get("/Items", headers={"If-Modified-Since": cutoff})) == ["C"]
    assert _codes(acct.get("/Items", query={"order": "Code DESC"})) == ["C", "B", "A"]


def test_get_by_id_or_code_delete_and_404(acct):
    made = make_item(acct, "GONE")
    assert acct.get(f"/Items/{made['ItemID']}").body["Items"][0]["Code"] == "GONE"
    assert acct.get("/Items/GONE").body["Items"][0]["ItemID"] == made["ItemID"]
    assert acct.call("DELETE", f"/Items/{made['ItemID']}").status == 204
    assert acct.get("/Items/GONE").status == 404
    assert acct.call("DELETE", "/Items/GONE").status == 404


def test_tax_rates_are_seeded_like_a_demo_company(acct):
    rates = {r["TaxType"]: r for r in acct.get("/TaxRates").body["TaxRates"]}
    assert rates["OUTPUT2"]["Name"] == "20% (VAT on Income)"
    assert rates["OUTPUT2"]["EffectiveRate"] == 20 and rates["OUTPUT2"]["DisplayTaxRate"] == 20
    assert rates["OUTPUT2"]["TaxComponents"] == [{"Name": "VAT", "Rate": 20.0,
                                                  "IsCompound": False,
                                                  "IsNonRecoverable": False}]
    assert rates["NONE"]["Name"] == "No VAT" and rates["NONE"]["EffectiveRate"] == 0
    assert rates["OUTPUT"]["EffectiveRate"] == 10  # AU GST
    for code in ("INPUT2", "ZERORATEDOUTPUT", "EXEMPTOUTPUT", "INPUT"):
        assert rates[code]["Status"] == "ACTIVE"


def test_tax_rates_filter_by_where_and_type(acct):
    active = acct.get("/TaxRates", query={"where": 'Status=="ACTIVE"'}).body["TaxRates"]
    assert len(active) == len(acct.get("/TaxRates").body["TaxRates"])
    only = acct.get("/TaxRates", query={"where": 'TaxType=="INPUT2"'}).body["TaxRates"]
    assert [r["TaxType"] for r in only] == ["INPUT2"]
    assert acct.get("/TaxRates/OUTPUT2").body["TaxRates"][0]["TaxType"] == "OUTPUT2"
    assert acct.get("/TaxRates/NOPE").status == 404


def test_bank_accounts_are_there_to_take_payments(acct):
    banks = acct.get("/Accounts", query={"where": 'Type=="BANK"'}).body["Accounts"]
    assert [a["Code"] for a in banks] == ["090", "091"]
    assert acct.get("/Accounts/200").body["Accounts"][0]["Name"] == "Sales"
