"""Xero API contacts flattened into the export frame."""

from __future__ import annotations

from import_tools.columns import EXPORT_COLUMNS
from import_tools.flatten import flatten_contacts


def test_recorded_demo_company_contacts_flatten_by_address_and_phone_type(recorded_contacts):
    """B9, B10: every recorded contact becomes one row; addresses and phones are picked by type,
    whatever their order (POBOX first in 24 contacts, STREET first in 25)."""
    frame = flatten_contacts(recorded_contacts)
    assert len(frame) == 49 and list(frame.columns) == EXPORT_COLUMNS
    assert frame["ContactID"].is_unique
    bayside = frame[frame["Name"] == "Bayside Club"].iloc[0]
    assert bayside["ContactID"] == "82d67717-1d2e-4f44-be65-f73a68df8a9f"
    assert (bayside["POAddressLine1"], bayside["POAddressLine2"], bayside["POPostalCode"]) == (
        "P O Box 3354", "South Mailing Centre", "12345")
    assert (bayside["SAAddressLine1"], bayside["SACity"], bayside["SAPostalCode"]) == (
        "79 Madison Ave, Fl 2", "New York", "10016")
    assert (bayside["PhoneAreaCode"], bayside["PhoneNumber"]) == ("102", "5554455")
    assert (bayside["DDIAreaCode"], bayside["MobileAreaCode"], bayside["FaxNumber"]) == ("202", "101", "5555566")
    assert bayside["BankAccountDetails"] == "101-555-101 00123-12345"
    assert bayside["AccountsReceivableTaxType"] == "INPUT"
    assert (bayside["FirstName"], bayside["LastName"]) == ("Bob", "Partridge")
    seven_eleven = frame[frame["Name"] == "7-Eleven"].iloc[0]  # STREET listed before POBOX
    assert seven_eleven["SAPostalCode"] == "10016" and seven_eleven["POPostalCode"] == ""
    empty_parts = frame[frame["Name"] == "Christian Pelczarski"].iloc[0]  # {"AddressType": "POBOX"} only
    assert empty_parts["POAddressLine1"] == "" and empty_parts["PhoneNumber"] == ""


def test_parts_keep_their_zeros_and_people_fill_person_columns():
    """B10, B16: the NZ fixture's area code "04" stays text; ContactPersons become Person1..N."""
    contact = {
        "ContactID": "bd2270c3-8706-4c11-9cfb-000b551c3f51", "Name": "ABC Limited", "ContactNumber": 42,
        "Addresses": [{"AddressType": "POBOX", "AddressLine1": "P O Box 123", "City": "Wellington",
                       "PostalCode": "6011"}, {"AddressType": "STREET"}, {"AddressType": "DELIVERY",
                                                                          "AddressLine1": "ignored"}],
        "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "1111111", "PhoneAreaCode": "04",
                    "PhoneCountryCode": "64"}],
        "ContactPersons": [{"FirstName": f"P{i}", "LastName": "Person", "EmailAddress": f"p{i}@abc.co.nz",
                            "IncludeInEmails": i % 2 == 0} for i in range(1, 7)],
    }
    row = flatten_contacts([contact]).iloc[0]
    assert (row["PhoneCountryCode"], row["PhoneAreaCode"], row["PhoneNumber"]) == ("64", "04", "1111111")
    assert row["ContactNumber"] == "42"
    assert row["POPostalCode"] == "6011" and row["SAAddressLine1"] == ""
    assert (row["Person1FirstName"], row["Person1Email"], row["Person1IncludeInEmail"]) == ("P1", "p1@abc.co.nz",
                                                                                            "false")
    assert row["Person6FirstName"] == "P6"  # more people than Xero's CSV has slots: none lost
