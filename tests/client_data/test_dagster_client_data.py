"""The client-data assets and jobs run through Dagster with the real resources: a real sandbox
over HTTP, a real SQLite CRM."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from dagster import DagsterInstance, RunConfig, materialize
from sqlalchemy import func, insert, select

from assets.client_data.crm_frame import CrmImportFrameConfig, crm_import_frame
from assets.client_data.export import ContactsExportConfig, xero_contacts_export
from assets.client_data.jobs import client_import, client_update_import
from assets.xero_contacts import xero_contacts
from resources.crm.db import session_factory
from resources.crm.demo_data import generate
from resources.crm.demo_xero import XERO_ONLY_CLIENTS, xero_contacts_for
from resources.crm.models import Company, Contact, User, UserRole
from resources.crm.permissions import PermissionRefused


def add_users(engine) -> None:
    with engine.begin() as db:
        db.execute(insert(User), [{"login": "finance", "full_name": "Priya Shah", "role": UserRole.FINANCE},
                                  {"login": "sales", "full_name": "Sam Reed", "role": UserRole.SALES}])


def job_config(op: str, tmp_path: Path, **values: object) -> dict:
    return {"ops": {op: {"config": {"requested_by": "finance", "report_folder": str(tmp_path / "reports"),
                                    **values}}}}


def output_metadata(result, op: str) -> dict:
    event = next(e for e in result.all_node_events
                 if e.event_type_value == "STEP_OUTPUT" and e.step_key == op)
    return {k: v.value for k, v in event.event_specific_data.metadata.items()}


def count(engine, model) -> int:
    with engine.connect() as db:
        return db.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_recorded_demo_company_goes_through_the_whole_chain(crm_xero, recorded_contacts, tmp_path: Path):
    """B7, B9, B15: the 49 recorded contacts -> sandbox -> xero_contacts -> export CSV -> checked
    CRM frame -> client_import creates 49 companies; a rerun creates none; the update-import
    then finds every one by its Xero Reference."""
    add_users(crm_xero.engine)
    crm_xero.sandbox.load_fixture("Contacts", recorded_contacts)
    run_config = RunConfig({
        "xero_contacts_export": ContactsExportConfig(folder=str(tmp_path / "exports")),
        "crm_import_frame": CrmImportFrameConfig(report_folder=str(tmp_path / "frame")),
    })
    with DagsterInstance.ephemeral() as instance:
        assets = materialize([xero_contacts, xero_contacts_export, crm_import_frame], resources=crm_xero.resources,
                             instance=instance, run_config=run_config)
        assert assets.success
        export = next(e.materialization for e in assets.get_asset_materialization_events()
                      if e.asset_key.to_user_string() == "xero_contacts_export")
        path = Path(export.metadata["csv_path"].value)
        assert path == (tmp_path / "exports" / "xero_contacts_export.csv").resolve()
        assert path.read_bytes().startswith(b"\xef\xbb\xbf") and export.metadata["row_count"].value == 49
        checks = {c.check_name: c.passed for c in assets.get_asset_check_evaluations()}
        assert checks["no_duplicate_xero_reference"] and checks["phones_parse"]
        assert checks["rows_matched"] is False  # an empty CRM: nothing matches yet (a warning)
        frame = assets.output_for_node("crm_import_frame")
        assert (frame["match"] == "unmatched").all() and len(frame) == 49

        first = client_import.execute_in_process(run_config=job_config("import_new_clients", tmp_path),
                                                 resources=crm_xero.resources, instance=instance)
        meta = output_metadata(first, "import_new_clients")
        assert meta["created"] == 49 and meta["unmatched"] == 49 and meta["ambiguous"] == 0
        assert meta["people_created"] == 6 and meta["written"] is True
        assert Path(meta["repairs_report"]).exists() and Path(meta["diff_report"]).exists()
        assert "7-Eleven" in meta["diff_preview"]  # the first of the new companies, in name order
        diff = pd.read_csv(meta["diff_report"], dtype=str, keep_default_na=False)
        assert ["Bayside Club", "xero_reference", "82d67717-1d2e-4f44-be65-f73a68df8a9f"] in diff[
            ["account_name", "field", "new"]].values.tolist()
        assert count(crm_xero.engine, Company) == 49 and count(crm_xero.engine, Contact) == 6

        rerun = client_import.execute_in_process(run_config=job_config("import_new_clients", tmp_path),
                                                 resources=crm_xero.resources, instance=instance)
        assert output_metadata(rerun, "import_new_clients")["created"] == 0
        assert count(crm_xero.engine, Company) == 49

        update = client_update_import.execute_in_process(
            run_config=job_config("update_existing_clients", tmp_path), resources=crm_xero.resources,
            instance=instance)
        meta = output_metadata(update, "update_existing_clients")
        assert meta["matched"] == 49 and meta["updated"] == 0 and meta["unchanged"] == 49


def test_update_import_then_import_on_the_demo_crm(crm_xero, tmp_path: Path):
    """B17, B18, B19, B15: the demo's story. A business already in Xero: the update-import links
    its CRM companies (names spelt differently, one duplicate name told apart by postcode), a dry
    run first; then the historical import creates the Xero-only clients."""
    with session_factory(crm_xero.engine)() as session:
        generate(session, companies=30, seed=42)
        session.commit()
        documents = xero_contacts_for(session, seed=42)
    crm_xero.sandbox.load_fixture("Contacts", documents)
    with DagsterInstance.ephemeral() as instance:
        assert materialize([xero_contacts], resources=crm_xero.resources, instance=instance).success
        dry = client_update_import.execute_in_process(
            run_config=job_config("update_existing_clients", tmp_path, dry_run=True), resources=crm_xero.resources,
            instance=instance)
        dry_meta = output_metadata(dry, "update_existing_clients")
        assert dry_meta["written"] is False and dry_meta["updated"] > 0 and "xero_reference" in dry_meta["diff_preview"]
        with crm_xero.engine.connect() as db:
            assert db.execute(select(func.count()).where(Company.xero_reference.is_not(None))).scalar_one() == 0

        update = client_update_import.execute_in_process(
            run_config=job_config("update_existing_clients", tmp_path), resources=crm_xero.resources,
            instance=instance)
        meta = output_metadata(update, "update_existing_clients")
        assert meta["updated"] == len(documents) - len(XERO_ONLY_CLIENTS) == meta["matched"]
        assert meta["unmatched"] == len(XERO_ONLY_CLIENTS) and meta["ambiguous"] == 0 and meta["conflicts"] == 0
        matches = pd.read_csv(meta["matches_report"], dtype=str, keep_default_na=False)
        assert "name_postcode" in set(matches["match"])  # company 5 shares company 1's name

        new = client_import.execute_in_process(run_config=job_config("import_new_clients", tmp_path),
                                               resources=crm_xero.resources, instance=instance)
        meta = output_metadata(new, "import_new_clients")
        assert meta["created"] == len(XERO_ONLY_CLIENTS) and meta["already_in_crm"] == meta["matched"]
        assert meta["repaired_cells"] == 0
        names = {name for name, *_ in XERO_ONLY_CLIENTS}
        with crm_xero.engine.connect() as db:
            created = db.execute(select(Company.account_name, Company.billing_postcode, Company.phone)
                                 .where(Company.account_name.in_(names))).all()
        assert {c.account_name for c in created} == names
        assert ("Red Gum Landscapes Pty Ltd", "0800", "+61 8 8941 1234") in [tuple(c) for c in created]


def test_a_refused_user_fails_the_run_before_anything_is_read(crm_xero, tmp_path: Path):
    """B38: a sales user may not import; the run fails at once, nothing read or written."""
    add_users(crm_xero.engine)
    result = client_import.execute_in_process(
        run_config=job_config("import_new_clients", tmp_path, requested_by="sales",
                              source=str(tmp_path / "not-there.csv")),
        resources=crm_xero.resources, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_node_events if e.event_type_value == "STEP_FAILURE")
    error = failure.event_specific_data.error
    cause = error.cause if error.cls_name == "DagsterExecutionStepExecutionError" else error
    assert cause.cls_name == PermissionRefused.__name__
    assert "'sales' has role sales; only finance and admin users may do this" in cause.message
    assert not (tmp_path / "reports").exists()
    assert crm_xero.sandbox.request_count("/Contacts") == 0
