"""python -m import_tools transform / match: the same steps outside Dagster."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
from sqlalchemy import insert

from import_tools.cli import main
from import_tools.columns import CRM_COLUMNS
from resources.crm.db import make_engine, upgrade_head
from resources.crm.models import Company

REPO = Path(__file__).resolve().parents[2]
HEADER = ["*ContactName", "ContactID", "ContactNumber", "EmailAddress", "POAddressLine1", "POAddressLine2", "POCity",
          "POPostalCode", "POCountry", "PhoneNumber"]
ROWS = [
    {"ContactName": "Beacon Hill Bakery", "ContactID": "8138a266-fb42-49b2-a104-014b7045753d",
     "POAddressLine1": "12 Charles St", "POAddressLine2": "Suite 4", "POCity": "Boston", "POPostalCode": "2108",
     "POCountry": "USA", "PhoneNumber": "617 555 0101"},
    {"ContactName": "Hamilton Smith Limited", "POCity": "London", "POPostalCode": "SW1A 2DX",
     "PhoneNumber": "20 7946 0123", "EmailAddress": "info@hsg.co"},
    {"ContactName": "Boston Bakers", "POPostalCode": "94111", "POCountry": "USA"},
    {"ContactName": "Renamed Ltd", "ContactNumber": "3"},
    {"ContactName": "Crème Brûlée Café Ltd"},
]


def crm_database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    upgrade_head(url)
    engine = make_engine(url)
    with engine.begin() as db:
        db.execute(insert(Company), [
            {"crm_id": 1, "account_name": "Beacon Hill Bakery", "billing_postcode": "02108"},
            {"crm_id": 2, "account_name": "Hamilton Smith Ltd", "billing_postcode": "SW1A 2DX"},
            {"crm_id": 3, "account_name": "Old Name", "billing_postcode": None},
            {"crm_id": 4, "account_name": "Boston Bakers", "billing_postcode": "02108"},
            {"crm_id": 5, "account_name": "Boston Bakers", "billing_postcode": "10016"},
        ])
    engine.dispose()
    return url


def test_transform_writes_the_crm_frame_and_the_repairs_report_beside_it(write_csv, tmp_path, capsys):
    """B11-B14 from the command line, on a Windows-1252 file a spreadsheet has been through."""
    source = write_csv("Contacts.csv", HEADER, ROWS, encoding="cp1252")
    output = tmp_path / "out" / "crm.csv"
    assert main(["transform", str(source), "--output", str(output), "--default-country", "GB"]) == 0
    frame = pd.read_csv(output, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(frame.columns) == CRM_COLUMNS
    assert frame.loc[0, ["billing_street", "billing_postcode", "phone"]].tolist() == [
        "12 Charles St, Suite 4", "02108", "'+1 617-555-0101"]  # a leading + is guarded for Excel
    assert frame.loc[1, ["billing_country", "phone"]].tolist() == ["", "'+44 20 7946 0123"]  # --default-country
    repairs = pd.read_csv(tmp_path / "out" / "crm.repairs.csv", dtype=str, keep_default_na=False)
    assert list(repairs.columns) == ["row", "column", "old", "new", "rule"]
    assert repairs[["row", "column", "old", "new"]].values.tolist() == [
        ["2", "POPostalCode", "2108", "02108"], ["3", "PhoneNumber", "20 7946 0123", "020 7946 0123"]]
    assert (tmp_path / "out" / "crm.issues.csv").exists()
    assert "5 contacts (xero_ui layout, cp1252)" in capsys.readouterr().out


def test_match_writes_one_line_per_contact_with_its_match(write_csv, tmp_path, capsys):
    """B18, B19: contact_number, name, ambiguous (with candidates), unmatched."""
    source = write_csv("Contacts.csv", HEADER, ROWS)
    url = crm_database(tmp_path)
    output = tmp_path / "matches.csv"
    assert main(["match", str(source), "--crm-database", url, "--output", str(output)]) == 0
    matches = pd.read_csv(output, dtype=str, keep_default_na=False)
    assert list(matches.columns) == ["xero_reference", "account_name", "crm_id", "match", "candidates"]
    assert matches[["crm_id", "match", "candidates"]].values.tolist() == [
        ["1", "name", ""], ["2", "name", ""], ["", "ambiguous", "4;5"], ["3", "contact_number", ""],
        ["", "unmatched", ""]]
    assert (tmp_path / "matches.review.csv").exists()
    assert "ambiguous 1" in capsys.readouterr().out

    crm_frame = tmp_path / "crm.csv"  # the transform's own output matches the same way
    assert main(["transform", str(source), "--output", str(crm_frame)]) == 0
    again = tmp_path / "again.csv"
    assert main(["match", str(crm_frame), "--crm-database", url, "--output", str(again)]) == 0
    assert pd.read_csv(again, dtype=str, keep_default_na=False)["match"].tolist() == [
        "name", "name", "ambiguous", "unmatched", "unmatched"]  # the CRM frame has no ContactNumber


def test_bad_input_exits_2_naming_the_file(write_csv, tmp_path, capsys):
    source = write_csv("invoices.csv", ["*InvoiceNumber", "Total"], [{"InvoiceNumber": "INV-1"}])
    assert main(["transform", str(source), "--output", str(tmp_path / "x.csv")]) == 2
    assert f"error: {source}: is not a contacts file" in capsys.readouterr().err
    assert main(["match", str(source), "--crm-database", "nonsense", "--output", str(tmp_path / "m.csv")]) == 2


def test_the_module_runs_as_python_dash_m(write_csv, tmp_path):
    source = write_csv("Contacts.csv", HEADER, ROWS[:1])
    done = subprocess.run([sys.executable, "-m", "import_tools", "transform", str(source), "--output",
                           str(tmp_path / "out.csv")], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.repairs.csv").exists()
