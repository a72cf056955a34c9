"""Reading every contacts CSV layout, and writing CSVs Excel opens safely."""

from __future__ import annotations

import pandas as pd
import pytest

from import_tools.columns import EXPORT_COLUMNS
from import_tools.contacts_csv import ContactsFileError, read_contacts_csv, write_csv_for_people
from tests.client_data.conftest import XERO_UI_HEADER

BOSTON = {"ContactName": "Beacon Hill Bakery", "POAddressLine1": "12 Charles Street", "POCity": "Boston",
          "PORegion": "MA", "POPostalCode": "02108", "POCountry": "United States", "PhoneNumber": "1 617 555 0101"}


def test_xero_ui_export_is_read_by_header_name_with_every_cell_as_text(write_csv):
    """B10: Xero's own export (73 columns) lands in the export frame; zeros and "NA" survive."""
    namibia = {"ContactName": "Windhoek Traders", "POCountry": "NA", "AccountNumber": "007"}
    contacts = read_contacts_csv(write_csv("contacts.csv", XERO_UI_HEADER, [BOSTON, namibia]))
    assert contacts.layout == "xero_ui"
    assert list(contacts.frame.columns) == EXPORT_COLUMNS
    assert contacts.frame.loc[2, "Name"] == "Beacon Hill Bakery"
    assert contacts.frame.loc[2, "POPostalCode"] == "02108"
    assert contacts.frame.loc[2, "PhoneNumber"] == "1 617 555 0101"
    assert contacts.frame.loc[3, "POCountry"] == "NA"
    assert contacts.frame.loc[3, "AccountNumber"] == "007"
    assert not contacts.has("ContactID")  # Xero's own export has no Xero Reference
    assert "SkypeName" in contacts.ignored_columns


def test_regional_variants_zip_codes_plural_flags_and_no_star(write_csv):
    """Variant C (POZipCode, Person1IncludeInEmails) and E (ContactName without *, other order)."""
    header_c = ["*ContactName", "POZipCode", "SAZipCode", "Person1FirstName", "Person1IncludeInEmails", "TaxNumberType"]
    c = read_contacts_csv(write_csv("c.csv", header_c, [{"ContactName": "Acme", "POZipCode": "02134",
                                                         "SAZipCode": "10016", "Person1FirstName": "Jo",
                                                         "Person1IncludeInEmails": "Yes"}]))
    assert c.frame.loc[2, ["POPostalCode", "SAPostalCode", "Person1FirstName", "Person1IncludeInEmail"]].tolist() == [
        "02134", "10016", "Jo", "Yes"]
    header_e = ["POCity", "ContactName", "EmailAddress"]
    e = read_contacts_csv(write_csv("e.csv", header_e, [{"POCity": "Alice Springs", "ContactName": "Red Centre",
                                                         "EmailAddress": "a@b.co"}]))
    assert e.layout == "xero_ui"
    assert e.frame.loc[2, ["Name", "POCity", "EmailAddress"]].tolist() == ["Red Centre", "Alice Springs", "a@b.co"]


def test_utf8_with_bom_is_read(write_csv):
    """Spreadsheet damage: a UTF-8 BOM before the first header."""
    path = write_csv("bom.csv", ["*ContactName", "POCity"], [{"ContactName": "Café Zürich", "POCity": "Zürich"}],
                     encoding="utf-8-sig")
    contacts = read_contacts_csv(path)
    assert contacts.encoding == "utf-8-sig"
    assert contacts.frame.loc[2, "Name"] == "Café Zürich"


def test_windows_1252_accents_are_read(write_csv):
    """Spreadsheet damage: Excel's "CSV (Comma delimited)" writes Windows-1252, not UTF-8."""
    path = write_csv("excel.csv", ["*ContactName", "POCity"],
                     [{"ContactName": "Crème Brûlée Café – Müller & Søn", "POCity": "Köln"}], encoding="cp1252")
    contacts = read_contacts_csv(path)
    assert contacts.encoding == "cp1252"
    assert contacts.frame.loc[2, ["Name", "POCity"]].tolist() == ["Crème Brûlée Café – Müller & Søn", "Köln"]


def test_utf16_tab_separated_and_semicolon_files_are_read(write_csv):
    unicode_text = write_csv("unicode.txt", ["*ContactName", "POCity"], [{"ContactName": "Ōtaki Motors",
                                                                           "POCity": "Ōtaki"}],
                             encoding="utf-16", delimiter="\t")
    assert read_contacts_csv(unicode_text).frame.loc[2, "Name"] == "Ōtaki Motors"
    semicolons = write_csv("eu.csv", ["*ContactName", "POPostalCode"], [{"ContactName": "Lyon, Fils",
                                                                          "POPostalCode": "01000"}], delimiter=";")
    contacts = read_contacts_csv(semicolons)
    assert contacts.delimiter == ";"
    assert contacts.frame.loc[2, ["Name", "POPostalCode"]].tolist() == ["Lyon, Fils", "01000"]


def test_blank_lines_are_skipped_and_rows_keep_their_spreadsheet_numbers(write_csv):
    """Spreadsheet damage: blank lines. Row numbers stay those Excel shows (header = row 1)."""
    text = "*ContactName,POCity\r\nFirst,Leeds\r\n\r\n,\r\nSecond,York\r\n"
    contacts = read_contacts_csv(write_csv("blank.csv", text=text))
    assert contacts.frame["Name"].to_dict() == {2: "First", 5: "Second"}
    assert contacts.blank_rows == [3, 4]


def test_trailing_and_leading_spaces_are_stripped(write_csv):
    """Spreadsheet damage: trailing spaces in names, postcodes and emails."""
    contacts = read_contacts_csv(write_csv("spaces.csv", ["*ContactName", "POPostalCode", "EmailAddress"],
                                           [{"ContactName": "  Hamilton Smith Ltd   ", "POPostalCode": " 0800 ",
                                             "EmailAddress": "info@hsg.co "}]))
    assert contacts.frame.loc[2, ["Name", "POPostalCode", "EmailAddress"]].tolist() == [
        "Hamilton Smith Ltd", "0800", "info@hsg.co"]


def test_a_file_that_is_not_contacts_names_the_file_and_the_missing_column(write_csv):
    path = write_csv("invoices.csv", ["*InvoiceNumber", "*InvoiceDate", "Total"], [{"InvoiceNumber": "INV-1"}])
    with pytest.raises(ContactsFileError) as error:
        read_contacts_csv(path)
    assert str(path) in str(error.value)
    assert "not a contacts file" in str(error.value)
    assert "ContactName, Name or account_name" in str(error.value)
    assert "*InvoiceNumber" in str(error.value)


def test_empty_and_unreadable_files_are_named(write_csv, tmp_path):
    with pytest.raises(ContactsFileError, match=r"empty\.csv: is empty"):
        read_contacts_csv(write_csv("empty.csv", text=""))
    with pytest.raises(ContactsFileError, match=r"missing\.csv: cannot be read"):
        read_contacts_csv(tmp_path / "missing.csv")


def test_field_mapping_reads_a_renamed_column_and_names_a_missing_one(write_csv):
    path = write_csv("own.csv", ["Company", "Postcode", "Town"], [{"Company": "Acme", "Postcode": "LS1 4AP",
                                                                    "Town": "Leeds"}])
    contacts = read_contacts_csv(path, {"Name": "Company", "POPostalCode": "Postcode", "POCity": "Town"})
    assert contacts.frame.loc[2, ["Name", "POPostalCode", "POCity"]].tolist() == ["Acme", "LS1 4AP", "Leeds"]
    with pytest.raises(ContactsFileError) as error:
        read_contacts_csv(path, {"Name": "Company Name"})
    assert str(path) in str(error.value) and "Company Name" in str(error.value)


def test_written_csv_has_a_bom_and_no_cell_can_start_a_formula(tmp_path):
    """B9: the export opens in Excel (UTF-8 BOM) and cannot inject formulas (OWASP)."""
    frame = pd.DataFrame({"Name": ['=HYPERLINK("http://evil.example","Click")', "+44 20 8366 1177", "-5", "@SUM(A1)",
                                   "Plain & Simple", "Zoë"]})
    path = write_csv_for_people(frame, tmp_path / "out.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()[1:]
    assert [line.strip('"')[:2] for line in lines[:4]] == ["'=", "'+", "'-", "'@"]
    assert lines[4] == "Plain & Simple" and lines[5] == "Zoë"
    back = read_contacts_csv(path)  # our reader takes the guard off again
    assert back.frame["Name"].tolist() == frame["Name"].tolist()


def test_a_formula_in_a_name_from_a_spreadsheet_is_kept_as_text(write_csv, tmp_path):
    """Spreadsheet damage: a formula typed into a name is data for the CRM, neutralised on export."""
    path = write_csv("formula.csv", ["*ContactName", "POCity"], [{"ContactName": "=1+2", "POCity": "@Leeds"}])
    contacts = read_contacts_csv(path)
    assert contacts.frame.loc[2, ["Name", "POCity"]].tolist() == ["=1+2", "@Leeds"]
    again = write_csv_for_people(contacts.frame[["Name", "POCity"]], tmp_path / "again.csv")
    assert "'=1+2" in again.read_text("utf-8-sig")
