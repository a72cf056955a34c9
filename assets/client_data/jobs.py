"""client_import and client_update_import: the original's two client imports, as Dagster jobs (B15-B19).

Each is one op over resources.client_import.run_client_data_job, so everything a run does is in
that plain function and its tests; this module only turns the launchpad's config into a
request and the outcome into metadata the UI shows.
"""

from pathlib import Path

from dagster import Config, MetadataValue, OpExecutionContext, Output, job, op

from import_tools.plan import CLIENT_IMPORT, CLIENT_UPDATE_IMPORT, DEFAULT_UPDATE_FIELDS, PlanOptions
from import_tools.transform import DEFAULT_PHONE_TYPES, TransformOptions
from resources.client_import import LIVE_SOURCE, ClientDataOutcome, ClientDataRequest, run_client_data_job
from resources.crm_resource import CrmDatabase

COUNT_KEYS = ("created", "people_created", "updated", "unchanged", "conflicts", "conflicts_overwritten",
              "ambiguous", "unmatched", "matched", "already_in_crm", "archived_skipped", "repaired_cells",
              "issues", "bad_rows", "review_suggestions", "rows")
DIFF_PREVIEW_ROWS = 20


class ClientImportConfig(Config):
    requested_by: str
    """Login of the CRM user asking for the run; only finance and admin users may (checked first)."""
    source: str = LIVE_SOURCE
    """'xero_contacts' for the contacts the xero_contacts asset last extracted, or the path of a contacts
    CSV: our xero_contacts_export, Xero's own Contacts export (any regional layout) or a CRM import frame."""
    field_mapping: dict[str, str] = {}  # noqa: RUF012
    """For a CSV: export-frame column -> the file's header, overriding the layout's defaults, e.g.
    {"Name": "Company", "POPostalCode": "Postcode"}."""
    default_country: str = ""
    """Country for contacts whose addresses name none (e.g. "GB"); empty applies no country rules to them."""
    street_separator: str = ", "
    """Between the address lines joined into one street field."""
    # pydantic copies these defaults per instance, and a literal default shows in the launchpad.
    phone_types: list[str] = list(DEFAULT_PHONE_TYPES)  # noqa: RUF012
    """Which Xero phone becomes the CRM phone: the first of these types that has a number."""
    include_archived: bool = False
    """Also import contacts archived in Xero (client_import)."""
    dry_run: bool = False
    """Work everything out and write the reports (the diff shows what would change), but write nothing."""
    skip_bad_rows: bool = False
    """Write the good rows and report the bad ones, instead of failing the run before any write."""
    report_folder: str = "data/reports"
    """Where the run's reports go, in a folder per job and run id."""


class ClientUpdateImportConfig(ClientImportConfig):
    update_fields: list[str] = list(DEFAULT_UPDATE_FIELDS)  # noqa: RUF012
    """CRM company fields an update may write (besides the Xero Reference); empty Xero values never erase."""
    overwrite: bool = False
    """Replace a different Xero Reference a company already holds, instead of reporting the conflict."""


def _request(config: ClientImportConfig, job_name: str, run_id: str) -> ClientDataRequest:
    update_fields = getattr(config, "update_fields", list(DEFAULT_UPDATE_FIELDS))
    return ClientDataRequest(
        job=job_name, requested_by=config.requested_by, source=config.source,
        field_mapping=dict(config.field_mapping),
        transform=TransformOptions(default_country=config.default_country, street_separator=config.street_separator,
                                   phone_types=tuple(config.phone_types)),
        plan=PlanOptions(update_fields=tuple(update_fields), overwrite=getattr(config, "overwrite", False),
                         include_archived=config.include_archived),
        dry_run=config.dry_run, skip_bad_rows=config.skip_bad_rows,
        report_dir=Path(config.report_folder) / job_name / run_id,
    )


def _output(outcome: ClientDataOutcome, dry_run: bool) -> Output[dict]:
    diff = outcome.plan.diff()
    metadata = {
        **{key: outcome.counts.get(key, 0) for key in COUNT_KEYS},
        "phones_parsed_share": round(outcome.phones_parsed_share, 4),
        "dry_run": dry_run,
        "written": outcome.written,
        "source": outcome.source,
        **{f"{name}_report": MetadataValue.path(str(path.resolve())) for name, path in outcome.reports.items()},
        "diff_rows": len(diff),
        "diff_preview": MetadataValue.md(diff.head(DIFF_PREVIEW_ROWS).to_markdown(index=False))
        if len(diff) else MetadataValue.md("(nothing to change)"),
    }
    return Output({k: outcome.counts.get(k, 0) for k in COUNT_KEYS}, metadata=metadata)


@op(description="Create CRM companies (with their people) for the Xero contacts that match none.")
def import_new_clients(context: OpExecutionContext, config: ClientImportConfig, crm: CrmDatabase) -> Output[dict]:
    outcome = run_client_data_job(crm.engine, _request(config, CLIENT_IMPORT, context.run_id),
                                  run_id=context.run_id, log=context.log.info)
    return _output(outcome, config.dry_run)


@op(description="Give matched CRM companies their Xero Reference and the mapped fields.")
def update_existing_clients(context: OpExecutionContext, config: ClientUpdateImportConfig,
                            crm: CrmDatabase) -> Output[dict]:
    outcome = run_client_data_job(crm.engine, _request(config, CLIENT_UPDATE_IMPORT, context.run_id),
                                  run_id=context.run_id, log=context.log.info)
    return _output(outcome, config.dry_run)


@job(
    name=CLIENT_IMPORT,
    description=(
        "Historical import: Xero contacts that match no CRM company become companies with their Xero "
        "Reference, their people linked contacts; a rerun creates nothing new. Finance/admin only; one "
        "transaction; dry_run shows the diff."
    ),
    tags={"flow": "client_data"},
)
def client_import():
    import_new_clients()


@job(
    name=CLIENT_UPDATE_IMPORT,
    description=(
        "Update-import: matched CRM companies get their Xero Reference and the mapped fields; a company "
        "holding a different reference is a conflict, left alone unless overwrite; ambiguous matches are "
        "never written. Finance/admin only; one transaction; dry_run shows the diff."
    ),
    tags={"flow": "client_data"},
)
def client_update_import():
    update_existing_clients()
