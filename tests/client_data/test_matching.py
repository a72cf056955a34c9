"""Matching Xero contacts to CRM companies, and the fuzzy review that is never applied."""

from __future__ import annotations

import pandas as pd
import pytest

from import_tools.matching import crm_keys, match_contacts, match_summary, padded_postcode_keys
from import_tools.names import name_keys
from import_tools.review import review_suggestions

REFERENCE = "8138a266-fb42-49b2-a104-014b7045753d"


def crm(*companies: dict) -> pd.DataFrame:
    rows = []
    for number, company in enumerate(companies, start=1):
        rows.append({"crm_id": company.get("crm_id", number), "account_name": company["account_name"],
                     "xero_reference": company.get("xero_reference", ""),
                     "billing_postcode": company.get("billing_postcode", ""),
                     "billing_country": company.get("billing_country", ""),
                     "shipping_postcode": company.get("shipping_postcode", ""),
                     "shipping_country": company.get("shipping_country", "")})
    return pd.DataFrame(rows)


def xero(*contacts: dict) -> tuple[pd.DataFrame, pd.Series]:
    frame = pd.DataFrame([{
        "account_name": c["account_name"], "xero_reference": c.get("xero_reference", ""),
        "billing_postcode": c.get("billing_postcode", ""), "billing_country": c.get("billing_country", ""),
        "shipping_postcode": c.get("shipping_postcode", ""), "shipping_country": c.get("shipping_country", ""),
    } for c in contacts], index=pd.RangeIndex(2, len(contacts) + 2, name="row")).astype("str")
    numbers = pd.Series([c.get("contact_number", "") for c in contacts], index=frame.index, dtype="str")
    return frame, numbers


def run(xero_side: tuple[pd.DataFrame, pd.Series], crm_side: pd.DataFrame) -> pd.DataFrame:
    frame, numbers = xero_side
    return match_contacts(frame, numbers, crm_keys(crm_side))


@pytest.mark.parametrize(("xero_name", "crm_name"), [
    ("Hamilton Smith Ltd", "Hamilton Smith Limited"), ("HAMILTON SMITH LTD", "hamilton smith ltd"),
    ("Port & Philip Freight", "Port and Philip Freight"), ("The Bayside Club", "Bayside Club"),
    ("A.B.C. Furniture Pty Ltd", "ABC Furniture"), ("  Red Gum  Landscapes, Pty. Ltd. ", "Red Gum Landscapes"),
    ("Café Müller GmbH", "Cafe Muller"), ("O'Brien Plumbing Inc.", "OBrien Plumbing"),
])
def test_names_match_after_normalising_case_punctuation_and_legal_forms(xero_name, crm_name):
    """B18: the VLOOKUP on company name, tolerant of case, "&"/"and", "The", Ltd/Limited/Pty/Inc."""
    matches = run(xero({"account_name": xero_name}), crm({"account_name": crm_name}))
    assert matches.loc[2, "match"] == "name" and matches.loc[2, "crm_id"] == 1


def test_different_companies_do_not_match():
    matches = run(xero({"account_name": "City Agency"}), crm({"account_name": "City Limousines"}))
    assert matches.loc[2, "match"] == "unmatched" and pd.isna(matches.loc[2, "crm_id"])


def test_contact_number_equal_to_a_crm_id_matches_first():
    """B7: a Xero contact the CRM created carries the CRM id as its ContactNumber."""
    matches = run(xero({"account_name": "Renamed in Xero", "contact_number": "7"}),
                  crm({"account_name": "Acme", "crm_id": 7}, {"account_name": "Renamed in Xero", "crm_id": 8}))
    assert matches.loc[2, ["match", "crm_id"]].tolist() == ["contact_number", 7]


def test_a_company_already_holding_the_reference_matches_before_anything_else():
    matches = run(xero({"account_name": "New Name", "xero_reference": REFERENCE, "contact_number": "9"}),
                  crm({"account_name": "Old Name", "xero_reference": REFERENCE, "crm_id": 3},
                      {"account_name": "New Name", "crm_id": 9}))
    assert matches.loc[2, ["match", "crm_id"]].tolist() == ["xero_reference", 3]


def test_duplicate_names_in_different_postcodes_are_told_apart_by_postcode():
    """B19: repeated names need name + postcode; the street postcode first, then the postal one,
    with stripped zeros restored on both sides."""
    companies = crm(
        {"account_name": "Harbour Catering Ltd", "billing_postcode": "0110", "billing_country": "New Zealand"},
        {"account_name": "Harbour Catering Limited", "billing_postcode": "1010", "billing_country": "New Zealand",
         "shipping_postcode": "6011", "shipping_country": "New Zealand"},
        {"account_name": "Boston Bakers", "billing_postcode": "2108", "billing_country": "USA"},
        {"account_name": "Boston Bakers", "billing_postcode": "10016", "billing_country": "USA"},
    )
    matches = run(xero(
        {"account_name": "HARBOUR CATERING LTD", "shipping_postcode": "110", "shipping_country": "NZ"},
        {"account_name": "Harbour Catering Ltd", "billing_postcode": "6011", "billing_country": "New Zealand"},
        {"account_name": "Boston Bakers", "shipping_postcode": "02108", "shipping_country": "United States"},
        {"account_name": "Boston Bakers", "shipping_postcode": "94111"},
    ), companies)
    assert matches["match"].tolist() == ["name_postcode", "name_postcode", "name_postcode", "ambiguous"]
    assert matches["crm_id"].tolist()[:3] == [1, 2, 3]
    assert matches.loc[5, "candidates"] == "3;4"


def test_postcode_keys_compare_postcodes_as_a_person_would():
    """B19: case and spaces ignored, a ZIP+4 compared as its ZIP, stripped zeros restored by the
    country's width (only when one or two short), alphanumeric postcodes left as they are."""
    postcodes = pd.Series(["sw1a 2dx", "02134-1234", "2134", "110", "10", "0110", "m1 7gs", "100", "12 34"],
                          dtype="str")
    countries = pd.Series(["United Kingdom", "USA", "USA", "New Zealand", "New Zealand", "NZ", "", "Italy", "USA"],
                          dtype="str")
    assert padded_postcode_keys(postcodes, countries).tolist() == [
        "SW1A2DX", "02134", "02134", "0110", "10", "0110", "M17GS", "00100", "01234"]


def test_two_xero_contacts_on_one_company_are_both_ambiguous():
    """Never guess which of two Xero contacts a company is: both are reported."""
    matches = run(xero({"account_name": "Acme Ltd"}, {"account_name": "ACME LIMITED"}), crm({"account_name": "Acme"}))
    assert matches["match"].tolist() == ["ambiguous", "ambiguous"]
    assert matches["candidates"].tolist() == ["1", "1"]
    assert match_summary(matches)["ambiguous"] == 2


def test_fuzzy_suggestions_go_to_review_and_are_never_applied():
    """B18: rapidfuzz candidates with scores, for unmatched rows only; the match stays unmatched."""
    companies = crm({"account_name": "Hamilton Smith Ltd"}, {"account_name": "Hamilton Smyth Ltd"},
                    {"account_name": "Smith & Hamilton"}, {"account_name": "Ridgeway Bank"})
    frame, numbers = xero({"account_name": "Hamilton Smiht Limited"}, {"account_name": "Ridgeway University"})
    side = crm_keys(companies)
    keys = name_keys(frame["account_name"])
    matches = match_contacts(frame, numbers, side, keys)
    review = review_suggestions(frame, matches, keys, side)
    assert matches["match"].tolist() == ["unmatched", "unmatched"]
    assert review[["row", "crm_id", "rank"]].values.tolist() == [[2, 1, 1], [2, 2, 2]]
    assert review["score"].iloc[0] > review["score"].iloc[1] >= 85
    assert 3 not in review["crm_id"].tolist()  # word order matters: "Smith & Hamilton" is no suggestion


def test_recorded_demo_company_matches_itself(recorded_contacts):
    """The 49 real contacts against a CRM holding the same names typed differently."""
    from import_tools.flatten import flatten_contacts
    from import_tools.transform import transform_contacts

    result = transform_contacts(flatten_contacts(recorded_contacts))
    names = result.frame["account_name"].tolist()
    spelt = [n.upper() if i % 3 == 0 else n.replace(" Ltd", " Limited") for i, n in enumerate(names)]
    companies = crm(*({"account_name": n} for n in spelt))
    matches = match_contacts(result.frame, result.contact_numbers, crm_keys(companies))
    assert match_summary(matches)["name"] == 49
    assert matches["crm_id"].tolist() == list(range(1, 50))
