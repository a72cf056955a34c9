"""The historical import and update-import as plain functions, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

import resources.client_import as client_import
from import_tools.contacts_csv import ContactsFileError, write_csv_for_people
from import_tools.flatten import flatten_contacts
from import_tools.plan import CLIENT_IMPORT, CLIENT_UPDATE_IMPORT, PlanOptions
from import_tools.validation import BadRowsError
from resources.client_import import ClientDataRequest, run_client_data_job
from resources.crm.models import Company, Contact, User, UserRole, XeroContactSnapshot
from resources.crm.permissions import PermissionRefused
from resources.crm.xero_log import read_log

REF = {name: f"{n:08d}-0000-4000-8000-{n:012d}" for n, name in enumerate(
    ["harbour", "pemberton", "redgum", "acme", "acme2", "boston", "held", "other"], start=1)}


def contact(name: str, ref: str, **extra: object) -> dict:
    document = {"ContactID": REF[ref], "Name": name, "ContactStatus": "ACTIVE"}
    document.update(extra)
    return document


XERO = [
    contact("Harbour Lights Catering Ltd", "harbour", FirstName="Aroha", LastName="Ngata",
            EmailAddress="aroha@harbour.example",
            Addresses=[{"AddressType": "POBOX", "AddressLine1": "12 Quay Street", "City": "Auckland",
                        "PostalCode": "1010", "Country": "New Zealand"}],
            Phones=[{"PhoneType": "DEFAULT", "PhoneCountryCode": "64", "PhoneAreaCode": "09",
                     "PhoneNumber": "3021144"}],
            ContactPersons=[{"FirstName": "Sam", "LastName": "Taylor", "EmailAddress": "sam@harbour.example"}]),
    contact("Pemberton & Sons Joinery", "pemberton",
            Addresses=[{"AddressType": "STREET", "AddressLine1": "4 Mill Lane", "City": "Leeds",
                        "PostalCode": "LS1 4AP", "Country": "United Kingdom"}]),
    contact("Red Gum Landscapes Pty Ltd", "redgum", Addresses=[{"AddressType": "POBOX", "AddressLine1": "88 Stuart Hwy",
                                                                "PostalCode": "800", "Country": "Australia"}]),
    contact("ACME LIMITED", "acme"),
]


def seed(engine: Engine, companies: list[dict] | None = None) -> None:
    with engine.begin() as db:
        db.execute(insert(User), [{"login": "finance", "full_name": "Priya Shah", "role": UserRole.FINANCE},
                                  {"login": "admin", "full_name": "Tom Okafor", "role": UserRole.ADMIN},
                                  {"login": "sales", "full_name": "Sam Reed", "role": UserRole.SALES}])
        if companies:
            keys = {k for c in companies for k in c}  # executemany wants every row to name every column
            db.execute(insert(Company), [{k: c.get(k) for k in keys} for c in companies])


def export_csv(tmp_path: Path, documents: list[dict], name: str = "xero_contacts_export.csv") -> Path:
    return write_csv_for_people(flatten_contacts(documents), tmp_path / name)


def request(job: str, source: Path | str, tmp_path: Path, **changes: object) -> ClientDataRequest:
    return ClientDataRequest(job=job, requested_by="finance", source=str(source), report_dir=tmp_path / "reports",
                             **changes)


def companies(engine: Engine) -> pd.DataFrame:
    return client_import.load_companies(engine).set_index("account_name")


def count(engine: Engine, model: type) -> int:
    with engine.connect() as db:
        return db.execute(select(func.count()).select_from(model)).scalar_one()


def test_historical_import_creates_companies_with_their_people_and_a_rerun_creates_nothing(
        migrated_engine: Engine, tmp_path: Path):
    """B15, B16, B36: unmatched contacts become companies with their Xero Reference; their people
    become linked contacts, the primary one marked; a rerun finds them and creates nothing."""
    seed(migrated_engine, [{"account_name": "Acme", "billing_postcode": "SW1A 2DX"}])
    source = export_csv(tmp_path, XERO)
    outcome = run_client_data_job(migrated_engine, request(CLIENT_IMPORT, source, tmp_path), run_id="run-1")
    assert outcome.written
    assert outcome.counts["created"] == 3 and outcome.counts["already_in_crm"] == 1
    assert outcome.counts["people_created"] == 2
    assert outcome.counts["repaired_cells"] == 1  # Darwin's "800" -> "0800"
    crm = companies(migrated_engine)
    harbour = crm.loc["Harbour Lights Catering Ltd"]
    assert harbour["xero_reference"] == REF["harbour"]
    assert harbour["billing_street"] == "12 Quay Street" and harbour["shipping_street"] == "12 Quay Street"  # B12
    assert harbour["phone"] == "+64 9 302 1144"
    assert (harbour["phone_country_code"], harbour["phone_area_code"], harbour["phone_number"]) == (
        "64", "09", "3021144")
    assert crm.loc["Red Gum Landscapes Pty Ltd", "billing_postcode"] == "0800"
    assert crm.loc["Acme", "xero_reference"] == ""  # matched, so the import leaves it to the update
    with migrated_engine.connect() as db:
        people = db.execute(select(Contact.first_name, Contact.email, Contact.is_primary, Contact.company_id)
                            .order_by(Contact.id)).all()
    assert [(p.first_name, p.email, p.is_primary) for p in people] == [
        ("Aroha", "aroha@harbour.example", True), ("Sam", "sam@harbour.example", False)]
    assert {p.company_id for p in people} == {int(harbour["crm_id"])}
    assert [row["outcome"] for row in read_log(migrated_engine, "run-1")] == ["created"] * 3

    again = run_client_data_job(migrated_engine, request(CLIENT_IMPORT, source, tmp_path), run_id="run-2")
    assert again.counts["created"] == 0 and again.matches["xero_reference"] == 3
    assert count(migrated_engine, Company) == 4 and count(migrated_engine, Contact) == 2


def test_update_import_links_matched_companies_and_writes_the_mapped_fields(migrated_engine: Engine, tmp_path: Path):
    """B17, B18: matched companies get their Xero Reference and mapped fields; empty Xero values
    never erase CRM data; unmatched contacts are reported, not written."""
    seed(migrated_engine, [
        {"account_name": "Harbour Lights Catering Limited", "email": "old@harbour.example", "billing_city": "Auckland",
         "phone": "+64 9-000 0000"},
        {"account_name": "Pemberton and Sons Joinery", "email": "keep@pemberton.example"},
    ])
    source = export_csv(tmp_path, XERO)
    outcome = run_client_data_job(migrated_engine, request(CLIENT_UPDATE_IMPORT, source, tmp_path), run_id="u-1")
    assert outcome.counts["updated"] == 2 and outcome.counts["unmatched"] == 2 and outcome.counts["created"] == 0
    crm = companies(migrated_engine)
    harbour = crm.loc["Harbour Lights Catering Limited"]  # the CRM's own spelling of the name is kept
    assert harbour["xero_reference"] == REF["harbour"]
    assert harbour["email"] == "aroha@harbour.example" and harbour["phone"] == "+64 9 302 1144"
    assert harbour["phone_area_code"] == "09"
    pemberton = crm.loc["Pemberton and Sons Joinery"]
    assert pemberton["xero_reference"] == REF["pemberton"]
    assert pemberton["email"] == "keep@pemberton.example"  # Xero had none: not erased
    assert pemberton["shipping_city"] == "Leeds" and pemberton["billing_city"] == "Leeds"
    assert count(migrated_engine, Company) == 2

    only_reference = run_client_data_job(
        migrated_engine, request(CLIENT_UPDATE_IMPORT, source, tmp_path, plan=PlanOptions(update_fields=())),
        run_id="u-2")
    assert only_reference.counts["updated"] == 0 and only_reference.counts["unchanged"] == 2


def test_a_company_holding_a_different_reference_is_a_conflict_left_alone_unless_overwrite(
        migrated_engine: Engine, tmp_path: Path):
    seed(migrated_engine, [{"account_name": "Acme", "xero_reference": REF["held"], "email": "crm@acme.example"}])
    source = export_csv(tmp_path, [contact("Acme Ltd", "acme", EmailAddress="xero@acme.example")])
    left = run_client_data_job(migrated_engine, request(CLIENT_UPDATE_IMPORT, source, tmp_path), run_id="c-1")
    assert left.counts["conflicts"] == 1 and left.counts["updated"] == 0
    assert left.plan.conflicts[["held_reference", "xero_reference", "action"]].values.tolist() == [
        [REF["held"], REF["acme"], "left alone"]]
    assert companies(migrated_engine).loc["Acme", ["xero_reference", "email"]].tolist() == [REF["held"],
                                                                                          "crm@acme.example"]
    overwritten = run_client_data_job(
        migrated_engine, request(CLIENT_UPDATE_IMPORT, source, tmp_path, plan=PlanOptions(overwrite=True)),
        run_id="c-2")
    assert overwritten.counts["conflicts_overwritten"] == 1 and overwritten.counts["updated"] == 1
    assert companies(migrated_engine).loc["Acme", ["xero_reference", "email"]].tolist() == [REF["acme"],
                                                                                          "xero@acme.example"]
    assert [r["outcome"] for r in read_log(migrated_engine, "c-1")] == ["conflict"]


def test_ambiguous_contacts_are_never_written(migrated_engine: Engine, tmp_path: Path):
    """B19: two CRM companies of the same name and no postcode to tell them apart: reported, untouched."""
    seed(migrated_engine, [{"account_name": "Boston Bakers", "billing_postcode": "02108", "billing_country": "USA"},
                           {"account_name": "Boston Bakers", "billing_postcode": "10016", "billing_country": "USA"}])
    source = export_csv(tmp_path, [contact("Boston Bakers", "boston", Addresses=[
        {"AddressType": "STREET", "PostalCode": "94111", "Country": "USA"}])])
    for job in (CLIENT_UPDATE_IMPORT, CLIENT_IMPORT):
        outcome = run_client_data_job(migrated_engine, request(job, source, tmp_path), run_id=job)
        assert outcome.counts["ambiguous"] == 1 and outcome.counts["updated"] == 0 and outcome.counts["created"] == 0
    matches = pd.read_csv(tmp_path / "reports" / "matches.csv", dtype=str, keep_default_na=False)
    assert matches[["match", "candidates"]].values.tolist() == [["ambiguous", "1;2"]]
    assert set(companies(migrated_engine)["xero_reference"]) == {""}


def test_a_bad_row_stops_the_run_before_any_write_and_names_row_and_column(migrated_engine: Engine, tmp_path: Path):
    seed(migrated_engine)
    documents = [*XERO, contact("X" * 300, "other"), contact("Broken Email Co", "acme2", EmailAddress="nobody")]
    source = export_csv(tmp_path, documents)
    with pytest.raises(BadRowsError) as error:
        run_client_data_job(migrated_engine, request(CLIENT_IMPORT, source, tmp_path), run_id="bad")
    message = str(error.value)
    assert str(source) in message
    assert "row 6, column Name: longer than the CRM allows" in message
    assert "row 7, column EmailAddress: not an email address" in message
    assert str(tmp_path / "reports" / "bad_rows.csv") in message
    assert count(migrated_engine, Company) == 0 and count(migrated_engine, Contact) == 0
    bad = pd.read_csv(tmp_path / "reports" / "bad_rows.csv", dtype=str, keep_default_na=False)
    assert bad["row"].tolist() == ["6", "7"]

    skipped = run_client_data_job(migrated_engine, request(CLIENT_IMPORT, source, tmp_path, skip_bad_rows=True),
                                  run_id="skip")
    assert skipped.counts["created"] == 4 and skipped.counts["bad_rows"] == 2
    assert count(migrated_engine, Company) == 4


def test_a_failure_during_the_write_leaves_nothing_written(migrated_engine: Engine, tmp_path: Path, monkeypatch):
    """One transaction per run: companies inserted, then the people insert fails: all rolled back."""
    seed(migrated_engine)
    real_insert = client_import.insert

    def failing_insert(table):
        if table is Contact.__table__:
            raise RuntimeError("the database went away")
        return real_insert(table)

    monkeypatch.setattr(client_import, "insert", failing_insert)
    with pytest.raises(RuntimeError, match="went away"):
        run_client_data_job(migrated_engine, request(CLIENT_IMPORT, export_csv(tmp_path, XERO), tmp_path),
                            run_id="boom")
    assert count(migrated_engine, Company) == 0


def test_dry_run_shows_the_diff_and_writes_nothing(migrated_engine: Engine, tmp_path: Path):
    seed(migrated_engine, [{"account_name": "Acme"}])
    source = export_csv(tmp_path, XERO)
    imported = run_client_data_job(migrated_engine, request(CLIENT_IMPORT, source, tmp_path, dry_run=True),
                                   run_id="dry")
    assert not imported.written and imported.counts["created"] == 3
    diff = pd.read_csv(tmp_path / "reports" / "diff.csv", dtype=str, keep_default_na=False)
    assert set(diff["crm_id"]) == {"(new)"}
    assert ["account_name", "Harbour Lights Catering Ltd"] in diff[["field", "new"]].values.tolist()
    updated = run_client_data_job(migrated_engine, request(CLIENT_UPDATE_IMPORT, source, tmp_path, dry_run=True),
                                  run_id="dry-2")
    assert updated.plan.diff()[["crm_id", "field", "old", "new"]].values.tolist() == [
        ["1", "xero_reference", "", REF["acme"]]]
    assert count(migrated_engine, Company) == 1 and companies(migrated_engine).loc["Acme", "xero_reference"] == ""
    assert read_log(migrated_engine, "dry") == []


@pytest.mark.parametrize("login", ["sales", "nobody", ""])
def test_a_refused_user_is_stopped_before_anything_is_read(migrated_engine: Engine, tmp_path: Path, login: str):
    """B38: only finance and admin users; checked before the source is even opened."""
    seed(migrated_engine)
    missing = tmp_path / "does-not-exist.csv"
    with pytest.raises(PermissionRefused):
        run_client_data_job(migrated_engine, ClientDataRequest(job=CLIENT_IMPORT, requested_by=login,
                                                               source=str(missing), report_dir=tmp_path / "r"),
                            run_id="refused")
    assert not (tmp_path / "r").exists()


def test_the_live_source_reads_the_extracted_contacts(migrated_engine: Engine, tmp_path: Path):
    seed(migrated_engine)
    live = ClientDataRequest(job=CLIENT_IMPORT, requested_by="admin", report_dir=tmp_path / "r")
    with pytest.raises(LookupError, match="materialise xero_contacts"):
        run_client_data_job(migrated_engine, live, run_id="empty")
    with migrated_engine.begin() as db:
        db.execute(insert(XeroContactSnapshot), [
            {"tenant_id": "t", "contact_id": c["ContactID"], "name": c["Name"], "contact_status": "ACTIVE",
             "updated_utc": datetime(2026, 1, 1, tzinfo=UTC), "document": json.dumps(c)} for c in XERO])
    outcome = run_client_data_job(migrated_engine, live, run_id="live")
    assert outcome.source == "xero_contacts" and outcome.counts["created"] == 4


def test_xeros_own_export_updates_but_cannot_create_without_a_reference(migrated_engine: Engine, write_csv,
                                                                         tmp_path: Path):
    seed(migrated_engine, [{"account_name": "Beacon Hill Bakery"}])
    path = write_csv("Contacts.csv", ["*ContactName", "EmailAddress", "POPostalCode", "POCountry"],
                     [{"ContactName": "Beacon Hill Bakery", "EmailAddress": "hello@beacon.example",
                       "POPostalCode": "2108", "POCountry": "USA"}])
    with pytest.raises(ContactsFileError, match="no ContactID column"):
        run_client_data_job(migrated_engine, request(CLIENT_IMPORT, path, tmp_path), run_id="ui")
    outcome = run_client_data_job(migrated_engine, request(CLIENT_UPDATE_IMPORT, path, tmp_path), run_id="ui-2")
    assert outcome.counts["updated"] == 1
    assert companies(migrated_engine).loc["Beacon Hill Bakery", ["email", "billing_postcode", "xero_reference"]
                                          ].tolist() == ["hello@beacon.example", "02108", ""]
