"""The export frame transformed into the CRM import frame: addresses, phones, leading zeros."""

from __future__ import annotations

import pandas as pd
import pytest

from import_tools.columns import CRM_COLUMNS
from import_tools.contacts_csv import conform, read_contacts_csv
from import_tools.flatten import flatten_contacts
from import_tools.reports import ISSUE_COLUMNS, REPAIR_COLUMNS
from import_tools.transform import TransformOptions, transform_contacts


def export_frame(*rows: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows)).fillna("").astype("str")
    frame.index = pd.RangeIndex(2, len(rows) + 2, name="row")
    return conform(frame)


def test_crm_frame_has_exactly_the_crm_columns():
    result = transform_contacts(export_frame({"Name": "Acme", "ContactID": "x"}))
    assert list(result.frame.columns) == CRM_COLUMNS
    assert list(result.repairs.columns) == REPAIR_COLUMNS and list(result.issues.columns) == ISSUE_COLUMNS


def test_every_non_empty_address_line_is_joined_into_the_street():
    """B11: the original joined lines 1 and 2; all four non-empty lines are kept."""
    frame = export_frame(
        {"Name": "A", "POAddressLine1": "Level 3", "POAddressLine2": "", "POAddressLine3": "Nairn Towers",
         "POAddressLine4": "120 Flinders St", "POCity": "Melbourne"},
        {"Name": "B", "SAAddressLine2": "79 Madison Ave", "SACity": "New York"},
    )
    result = transform_contacts(frame)
    assert result.frame.loc[2, "billing_street"] == "Level 3, Nairn Towers, 120 Flinders St"
    assert result.frame.loc[3, "shipping_street"] == "79 Madison Ave"
    other = transform_contacts(frame, TransformOptions(street_separator="\n"))
    assert other.frame.loc[2, "billing_street"] == "Level 3\nNairn Towers\n120 Flinders St"


def test_postal_is_billing_street_is_shipping_and_an_empty_one_is_copied():
    """B12: POBOX -> billing, STREET -> shipping; an empty address takes the other's values."""
    result = transform_contacts(export_frame(
        {"Name": "Only street", "SAAddressLine1": "1 High St", "SACity": "Leeds", "SAPostalCode": "LS1 4AP",
         "SACountry": "United Kingdom"},
        {"Name": "Only postal", "POAddressLine1": "PO Box 7", "POCity": "Darwin", "POPostalCode": "0800",
         "POCountry": "Australia"},
        {"Name": "Both", "POAddressLine1": "PO Box 1", "POCity": "Auckland", "SAAddressLine1": "12 Quay St",
         "SACity": "Auckland"},
        {"Name": "Country only", "POCountry": "New Zealand", "SAAddressLine1": "4 Dee St", "SACity": "Invercargill",
         "SACountry": "NZ"},
    ))
    frame = result.frame
    assert frame.loc[2, ["billing_street", "billing_city", "billing_postcode", "billing_country"]].tolist() == [
        "1 High St", "Leeds", "LS1 4AP", "United Kingdom"]
    assert frame.loc[3, ["shipping_street", "shipping_city", "shipping_postcode"]].tolist() == [
        "PO Box 7", "Darwin", "0800"]
    assert frame.loc[4, ["billing_street", "shipping_street"]].tolist() == ["PO Box 1", "12 Quay St"]
    # A country alone is no address: it is filled around, never overwritten.
    assert frame.loc[5, ["billing_street", "billing_country"]].tolist() == ["4 Dee St", "New Zealand"]


def test_phone_parts_are_joined_in_international_format():
    """B13: country, area and number parts become one international number (phonenumbers)."""
    result = transform_contacts(export_frame(
        {"Name": "NZ", "PhoneCountryCode": "64", "PhoneAreaCode": "04", "PhoneNumber": "4721234",
         "POCountry": "New Zealand"},
        {"Name": "UK", "PhoneAreaCode": "020", "PhoneNumber": "8366 1177", "SACountry": "United Kingdom"},
        {"Name": "US", "PhoneAreaCode": "(626)", "PhoneNumber": "847-1294", "SACountry": "USA"},
        {"Name": "Joined", "PhoneNumber": "+61 8 9436 9000"},
        {"Name": "Mobile only", "MobileAreaCode": "021", "MobileNumber": "123 4567", "SACountry": "NZ"},
    ))
    assert result.frame["phone"].tolist() == [
        "+64 4 472 1234", "+44 20 8366 1177", "+1 626-847-1294", "+61 8 9436 9000", "+64 21 123 4567"]
    assert result.phone_parsed.all() and result.phones_parsed_share == 1.0


def test_an_unparseable_phone_is_kept_as_typed_and_reported():
    """B13: a number that does not parse is never dropped; it is kept joined and listed."""
    result = transform_contacts(export_frame(
        {"Name": "Text in phone", "PhoneAreaCode": "08", "PhoneNumber": "9461 3296 acct", "SACountry": "Australia"},
        {"Name": "No country", "PhoneAreaCode": "020", "PhoneNumber": "8366 1177"},
        {"Name": "Too short", "PhoneNumber": "12", "SACountry": "United Kingdom"},
    ))
    assert result.frame["phone"].tolist() == ["08 9461 3296 acct", "020 8366 1177", "12"]
    assert not result.phone_parsed.any() and result.phones_parsed_share == 0.0
    assert result.issues["row"].tolist() == [2, 3, 4]
    assert set(result.issues["column"]) == {"PhoneNumber"}
    assert "country unknown" in result.issues.loc[1, "problem"]
    with_default = transform_contacts(export_frame({"Name": "No country", "PhoneAreaCode": "020",
                                                    "PhoneNumber": "8366 1177"}),
                                      TransformOptions(default_country="GB"))
    assert with_default.frame["phone"].tolist() == ["+44 20 8366 1177"]


@pytest.mark.parametrize(("country", "damaged", "restored"), [
    ("USA", "2108", "02108"), ("United States", "501", "00501"), ("US", "2134-1234", "02134-1234"),
    ("Australia", "800", "0800"), ("AU", "200", "0200"), ("New Zealand", "110", "0110"),
    ("Deutschland", "1067", "01067"), ("France", "1000", "01000"), ("Spain", "8001", "08001"),
    ("Italy", "100", "00100"),
])
def test_postcodes_get_their_stripped_zeros_back_by_country(country, damaged, restored):
    """B14: US ZIP 5 digits, AU/NZ 4, DE/FR/ES/IT 5; every change is in the repairs report."""
    result = transform_contacts(export_frame({"Name": "X", "SAPostalCode": damaged, "SACountry": country}))
    assert result.frame.loc[2, "shipping_postcode"] == restored
    assert result.repairs[["row", "column", "old", "new"]].values.tolist() == [[2, "SAPostalCode", damaged, restored]]
    assert "leading zeros restored" in result.repairs.loc[0, "rule"]


@pytest.mark.parametrize(("country", "postcode"), [
    ("United Kingdom", "SW1A 2DX"), ("GB", "10"), ("Canada", "V6B 2T4"), ("USA", "10016"), ("USA", "10016-1234"),
    ("Australia", "2000"), ("New Zealand", "6011"), ("", "871"), ("Narnia", "123"),
])
def test_valid_and_unruled_postcodes_are_never_changed(country, postcode):
    """B14: a value already valid, a GB or CA postcode, or one with no known country stays as is."""
    result = transform_contacts(export_frame({"Name": "X", "POPostalCode": postcode, "POCountry": country}))
    assert result.frame.loc[2, "billing_postcode"] == postcode
    assert result.repairs.empty


def test_a_postcode_too_short_to_be_stripped_is_reported_not_padded():
    result = transform_contacts(export_frame({"Name": "X", "POPostalCode": "87", "POCountry": "Australia"}))
    assert result.frame.loc[2, "billing_postcode"] == "87"
    assert result.issues[["row", "column", "value"]].values.tolist() == [[2, "POPostalCode", "87"]]


def test_postal_address_without_a_country_uses_the_contacts_country():
    """Xero often leaves the POBOX country blank: the street address's country rules apply."""
    result = transform_contacts(export_frame({"Name": "X", "POPostalCode": "2108", "SAPostalCode": "02110",
                                              "SACountry": "USA"}))
    assert result.frame.loc[2, ["billing_postcode", "shipping_postcode"]].tolist() == ["02108", "02110"]


def test_stripped_trunk_zeros_in_phone_parts_are_restored_and_reported():
    """B14: "0221" shown as "221": the area code's trunk zero comes back where phonenumbers says
    the number is valid and its national form starts with 0; never blindly."""
    result = transform_contacts(export_frame(
        {"Name": "London", "PhoneAreaCode": "20", "PhoneNumber": "7946 0123", "SACountry": "United Kingdom"},
        {"Name": "Perth", "PhoneNumber": "894369000", "SACountry": "Australia"},
        {"Name": "Wellington", "PhoneCountryCode": "64", "PhoneAreaCode": "4", "PhoneNumber": "472 1234",
         "SACountry": "New Zealand"},
        {"Name": "AU 1300", "PhoneAreaCode": "1300", "PhoneNumber": "652 244", "SACountry": "Australia"},
        {"Name": "Not a UK code", "PhoneAreaCode": "221", "PhoneNumber": "123 4567", "SACountry": "United Kingdom"},
        {"Name": "Already fine", "PhoneAreaCode": "0161", "PhoneNumber": "496 0000", "SACountry": "United Kingdom"},
        {"Name": "US", "PhoneAreaCode": "617", "PhoneNumber": "555 0101", "SACountry": "USA"},
        {"Name": "US phone, UK address", "PhoneCountryCode": "1", "PhoneAreaCode": "207", "PhoneNumber": "555 0163",
         "SACountry": "United Kingdom"},
    ))
    assert result.repairs[["row", "column", "old", "new"]].values.tolist() == [
        [2, "PhoneAreaCode", "20", "020"], [3, "PhoneNumber", "894369000", "0894369000"],
        [4, "PhoneAreaCode", "4", "04"]]
    assert result.phone_parts.loc[2, "area_code"] == "020"
    assert result.frame.loc[2, "phone"] == "+44 20 7946 0123"
    assert result.frame.loc[3, "phone"] == "+61 8 9436 9000"
    assert result.frame.loc[9, "phone"] == "+1 207-555-0163"  # the country code decides the country


def test_people_are_the_primary_person_and_the_contact_persons():
    """B16, B36: the primary person first, then Person1..N; contact_email is the person's."""
    result = transform_contacts(export_frame(
        {"Name": "A", "FirstName": "Ann", "LastName": "Lee", "EmailAddress": "ann@a.co", "Person1FirstName": "Bo",
         "Person1Email": "bo@a.co"},
        {"Name": "B", "EmailAddress": "accounts@b.co"},
    ))
    assert result.frame.loc[2, ["contact_first_name", "contact_email", "email"]].tolist() == ["Ann", "ann@a.co",
                                                                                             "ann@a.co"]
    assert result.frame.loc[3, ["contact_first_name", "contact_email", "email"]].tolist() == ["", "", "accounts@b.co"]
    assert result.people[["row", "slot", "first_name", "email", "is_primary"]].values.tolist() == [
        [2, 0, "Ann", "ann@a.co", True], [2, 1, "Bo", "bo@a.co", False]]


def test_the_recorded_demo_company_goes_through_flatten_export_read_and_transform(recorded_contacts, tmp_path):
    """B9-B14 on real data: the 49 recorded contacts, via our Excel-safe export and back."""
    from import_tools.contacts_csv import write_csv_for_people

    flat = flatten_contacts(recorded_contacts)
    path = write_csv_for_people(flat, tmp_path / "xero_contacts_export.csv")
    again = read_contacts_csv(path)
    assert again.layout == "export"
    pd.testing.assert_frame_equal(again.frame.reset_index(drop=True), flat.reset_index(drop=True))
    result = transform_contacts(again.frame)
    assert len(result.frame) == 49
    bayside = result.frame[result.frame["account_name"] == "Bayside Club"].iloc[0]
    assert bayside["xero_reference"] == "82d67717-1d2e-4f44-be65-f73a68df8a9f"
    assert bayside["billing_street"] == "P O Box 3354, South Mailing Centre"
    assert bayside["shipping_street"] == "79 Madison Ave, Fl 2"
    assert bayside["phone"] == "+1 1025554455"  # a 555 demo number: possible, kept in international form
    jakaranda = result.frame[result.frame["account_name"] == "Jakaranda Maple Systems"].iloc[0]
    assert jakaranda["phone"] == "+1 202-555-1212"
    assert jakaranda["shipping_street"] == "79 Madison Ave, Fl 2"
    christian = result.frame[result.frame["account_name"] == "Christian Pelczarski"].iloc[0]
    assert christian["billing_street"] == "" and christian["phone"] == ""  # empty parts stay empty
    assert result.repairs.empty  # the API keeps zeros: nothing to repair
    assert result.phones_parsed_share == 1.0
