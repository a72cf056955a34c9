"""xero_contacts_export: every Xero contact flattened into a CSV that Excel opens safely (B9, B10)."""

from pathlib import Path

import pandas as pd
from dagster import AssetExecutionContext, Config, MetadataValue, Output, asset

from import_tools.contacts_csv import write_csv_for_people
from import_tools.flatten import flatten_xero_contacts

DEFAULT_EXPORT_FOLDER = "data/exports"
EXPORT_FILE_NAME = "xero_contacts_export.csv"
PREVIEW_COLUMNS = ["ContactID", "Name", "EmailAddress", "POPostalCode", "SAPostalCode", "PhoneNumber"]


class ContactsExportConfig(Config):
    folder: str = DEFAULT_EXPORT_FOLDER
    """Folder the CSV is written to (created when missing); a relative path is from the working directory."""
    file_name: str = EXPORT_FILE_NAME
    """Name of the CSV in that folder; each run replaces it."""


@asset(kinds={"pandas", "csv"}, group_name="client_data")
def xero_contacts_export(context: AssetExecutionContext, config: ContactsExportConfig,
                         xero_contacts: pd.DataFrame) -> Output[pd.DataFrame]:
    """Every Xero contact as one CSV row: ContactID (the CRM's Xero Reference), Name, the primary
    person, email, every address part by type (PO* postal, SA* street), every phone part by type,
    ContactNumber, tax types, bank details and up to five more people.

    UTF-8 with a BOM, so Excel shows accents; no cell can start a formula (a leading ' is added
    to cells starting with = + - @ tab or CR, per OWASP). The client jobs and
    `python -m import_tools transform` read it back exactly.
    """
    frame = flatten_xero_contacts(xero_contacts)
    path = write_csv_for_people(frame, Path(config.folder) / config.file_name).resolve()
    context.log.info(f"{len(frame)} contacts written to {path}")
    return Output(frame, metadata={
        "csv_path": MetadataValue.path(str(path)),  # "path" is the IO manager's (the pickle)
        "row_count": len(frame),
        "columns": len(frame.columns),
        "preview": MetadataValue.md(frame[PREVIEW_COLUMNS].head(10).to_markdown(index=False))
        if len(frame) else MetadataValue.md("(no contacts)"),
    })
