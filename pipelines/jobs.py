"""Jobs a data admin launches from the Dagster UI (and the schedule runs)."""

from dagster import AssetSelection, define_asset_job

extract_xero_contacts = define_asset_job(
    "extract_xero_contacts",
    selection=AssetSelection.assets("xero_contacts"),
    description=(
        "Bring the Xero contacts up to date: all of them the first time, then only those changed "
        "since the last run. ContactID is the CRM's Xero Reference."
    ),
)
