"""The xero_contacts asset: every Xero contact, ContactID being the CRM's "Xero Reference" (B7, B9)."""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    Backoff,
    Config,
    MetadataValue,
    Output,
    RetryPolicy,
    asset,
)

from import_tools.contact_checks import duplicate_values, rows_missing
from resources.crm_resource import CrmDatabase
from resources.xero.contacts_extract import contacts_frame, extract_contacts
from resources.xero_resource import XeroResource

PREVIEW_COLUMNS = ["ContactID", "Name", "ContactNumber", "ContactStatus", "EmailAddress"]


class XeroContactsConfig(Config):
    full_refresh: bool = False
    """Fetch every contact again instead of only those changed since the last run."""


@asset(
    pool="xero",
    kinds={"xero", "pandas"},
    group_name="client_data",
    retry_policy=RetryPolicy(max_retries=2, delay=10, backoff=Backoff.EXPONENTIAL),
    check_specs=[
        AssetCheckSpec("no_duplicate_contact_id", asset="xero_contacts",
                       description="Each ContactID (Xero Reference) appears once."),
        AssetCheckSpec("every_contact_has_a_name", asset="xero_contacts",
                       description="Every contact has a non-blank Name."),
    ],
)
def xero_contacts(context: AssetExecutionContext, config: XeroContactsConfig, xero: XeroResource,
                  crm: CrmDatabase):
    """Every contact in each connected Xero organisation, archived ones included.

    The first run fetches all of them (1,000 a page); later runs fetch only contacts changed
    since the newest one already held (If-Modified-Since), and merge them in. ContactID is the
    "Xero Reference" that links a CRM company to its Xero contact.
    """
    reports = []
    for tenant_id in xero.tenant_ids():
        report = extract_contacts(
            xero.api, crm.engine, tenant_id, full=config.full_refresh, progress=context.log.info
        )
        context.log.info(
            f"tenant {tenant_id}: {report.mode} extract, {report.fetched} fetched "
            f"({report.new} new, {report.changed} changed), {report.total} held, {report.api_calls} API calls"
        )
        reports.append(report)
    frame = contacts_frame(crm.engine, xero.tenant_ids())
    yield Output(
        frame,
        metadata={
            "row_count": len(frame),
            "fetched_this_run": sum(r.fetched for r in reports),
            "new": sum(r.new for r in reports),
            "changed": sum(r.changed for r in reports),
            "api_calls": sum(r.api_calls for r in reports),
            "mode": ", ".join(sorted({r.mode for r in reports})) or "none",
            "tenants": len(reports),
            "preview": MetadataValue.md(frame[PREVIEW_COLUMNS].head(10).to_markdown(index=False))
            if len(frame) else MetadataValue.md("(no contacts)"),
        },
    )
    duplicates = duplicate_values(frame, "ContactID")
    yield AssetCheckResult(
        check_name="no_duplicate_contact_id", passed=not duplicates, severity=AssetCheckSeverity.ERROR,
        metadata={"duplicates": len(duplicates), "examples": ", ".join(duplicates[:10])},
    )
    unnamed = rows_missing(frame, "Name")
    yield AssetCheckResult(
        check_name="every_contact_has_a_name", passed=not unnamed, severity=AssetCheckSeverity.ERROR,
        metadata={
            "unnamed": len(unnamed),
            "contact_ids": ", ".join(str(frame.iloc[i]["ContactID"]) for i in unnamed[:10]),
        },
    )
