"""Invoice push ops: "Send to Xero" and "Send All Live Invoices" (B21, B29), thin over resources.invoice_push.

Each op checks who asked (finance or admin only, B38) before anything is read, runs the push,
and puts what happened on the run's page: a table of every document (action, outcome, CRM and
Xero totals, Xero id, message), the counts, the totals per currency and the run's xero_log rows.
"""

from datetime import date

from dagster import Backoff, Config, Failure, MetadataValue, OpExecutionContext, Output, RetryPolicy, op
from pydantic import Field

from resources.crm.permissions import PermissionRefused
from resources.crm.xero_log import read_log
from resources.crm_resource import CrmDatabase
from resources.invoice_push import (
    PushInterrupted,
    PushOptions,
    PushReport,
    Selection,
    SelectionError,
    SendStopped,
    XeroStatus,
    parse_statuses,
    send_all_live_invoices,
    send_invoices,
)
from resources.xero.errors import XeroDayLimitError
from resources.xero_resource import XeroResource

LOG_TABLE_ROWS = 200


class PushConfig(Config):
    requested_by: str = Field(description="Login of the CRM user asking; only finance and admin users may send.")
    dry_run: bool = Field(
        default=False,
        description="Show what would be created, updated or skipped, with totals; write nothing anywhere "
        "(Xero is only read).",
    )
    xero_status: XeroStatus = Field(
        default=XeroStatus.DRAFT,
        description="Status the documents get in Xero: DRAFT (as the original), SUBMITTED or AUTHORISED. "
        "A document Xero already holds further on keeps its status.",
    )
    tenant_id: str = Field(default="", description="Xero organisation; may be left empty when the connection has one.")


class SendInvoicesConfig(PushConfig):
    numbers: list[str] = Field(default=[], description="Invoice and credit note numbers to send.")
    company_ids: list[int] = Field(default=[], description="Filter: CRM company ids.")
    statuses: list[str] = Field(default=[], description="Filter: CRM statuses, e.g. Live, Created, Part Paid.")
    date_from: str = Field(default="", description="Filter: issued on or after this date (YYYY-MM-DD).")
    date_to: str = Field(default="", description="Filter: issued on or before this date (YYYY-MM-DD).")


def _date(value: str, name: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Failure(f"{name} {value!r} is not a date (YYYY-MM-DD)", allow_retries=False) from None


def _tenant(xero: XeroResource, wanted: str) -> str:
    tenants = xero.tenant_ids()
    if wanted:
        if wanted not in tenants:
            raise Failure(f"tenant {wanted} is not one of this connection's organisations: {', '.join(tenants)}",
                          allow_retries=False)
        return wanted
    if len(tenants) != 1:
        raise Failure(f"the Xero connection covers {len(tenants)} organisations; set tenant_id to one of: "
                      f"{', '.join(tenants) or '(none)'}", allow_retries=False)
    return tenants[0]


def _progress(context: OpExecutionContext):
    """Log each batch as Xero answers it, so a long send shows its progress in the run's log."""
    return lambda kind, batch: context.log.info(f"{kind.label} batch {batch} answered by Xero and recorded")


def _options(context: OpExecutionContext, config: PushConfig) -> PushOptions:
    return PushOptions(requested_by=config.requested_by, dry_run=config.dry_run,
                       xero_status=config.xero_status, run_id=context.run_id)


def _log_table(crm: CrmDatabase, run_id: str) -> str:
    rows = read_log(crm.engine, run_id)
    if not rows:
        return "(no xero_log rows: dry run, or nothing attempted)"
    lines = ["| at | operation | document | outcome | Xero id | message |", "|---|---|---|---|---|---|"]
    for row in rows[:LOG_TABLE_ROWS]:
        cells = [row["at"].isoformat(timespec="seconds"), row["operation"],
                 f"{row['document_type']} {row['document_number']}", row["outcome"], row["xero_id"] or "",
                 row["message"] or ""]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    if len(rows) > LOG_TABLE_ROWS:
        lines.append(f"\n{len(rows) - LOG_TABLE_ROWS} more rows in xero_log for run {run_id}.")
    return "\n".join(lines)


def _metadata(report: PushReport, crm: CrmDatabase) -> dict[str, object]:
    counts = report.counts()
    metadata: dict[str, object] = {
        "documents": MetadataValue.md(report.markdown()),
        "document_count": counts.pop("documents"),
        **counts,
        "totals": report.totals_text(),
        "dry_run": report.dry_run,
        "xero_status": report.xero_status,
        "api_calls": report.api_calls,
        "xero_log_rows": report.log_rows,
    }
    if report.run_id and not report.dry_run:
        metadata["xero_log"] = MetadataValue.md(_log_table(crm, report.run_id))
    if report.stopped:
        metadata["stopped"] = report.stopped
    return metadata


def _run(context: OpExecutionContext, crm: CrmDatabase, push) -> Output[dict]:
    try:
        report: PushReport = push()
    except (PermissionRefused, SelectionError) as exc:
        raise Failure(str(exc), allow_retries=False) from None
    except SendStopped as exc:
        raise Failure(str(exc), metadata=_metadata(exc.report, crm) if exc.report else None,
                      allow_retries=False) from None
    except PushInterrupted as exc:
        # A rerun is always safe (every write is an upsert); only a spent day quota makes it pointless.
        raise Failure(str(exc), metadata=_metadata(exc.report, crm),
                      allow_retries=not isinstance(exc.__cause__, XeroDayLimitError)) from exc
    counts = report.counts()
    verb = "would send" if report.dry_run else "sent"
    context.log.info(f"{verb} {counts['sent'] + counts['would_create'] + counts['would_update']} of "
                     f"{counts['documents']} documents; skipped {counts['skipped']}; failed {counts['failed']}; "
                     f"{report.api_calls} Xero API calls")
    for document in report.documents:
        if document.outcome.value == "error":
            context.log.warning(f"{document.kind.label} {document.number}: {document.message}")
    return Output(report.summary(), metadata=_metadata(report, crm))


PUSH_RETRY = RetryPolicy(max_retries=2, delay=30, backoff=Backoff.EXPONENTIAL)


@op(pool="xero", retry_policy=PUSH_RETRY, tags={"kind": "xero"})
def send_chosen_documents(context: OpExecutionContext, config: SendInvoicesConfig, crm: CrmDatabase,
                          xero: XeroResource) -> Output[dict]:
    """Send the named or filtered invoices and credit notes to Xero ("Send to Xero").

    A document goes only while its amount outstanding equals its total; its status is otherwise
    ignored. The others are skipped with the reason logged.
    """
    tenant = _tenant(xero, config.tenant_id)
    selection = Selection(
        numbers=tuple(config.numbers),
        company_ids=tuple(config.company_ids),
        statuses=_statuses(config.statuses),
        date_from=_date(config.date_from, "date_from"),
        date_to=_date(config.date_to, "date_to"),
    )
    options = _options(context, config)
    return _run(context, crm, lambda: send_invoices(crm.engine, xero.api, tenant, selection, options,
                                                    after_batch=_progress(context)))


@op(pool="xero", retry_policy=PUSH_RETRY, tags={"kind": "xero"})
def send_live_documents(context: OpExecutionContext, config: PushConfig, crm: CrmDatabase,
                        xero: XeroResource) -> Output[dict]:
    """Send every live invoice and credit note to Xero ("Send All Live Invoices"): amount
    outstanding equal to the total, status neither Paid nor Pending."""
    tenant = _tenant(xero, config.tenant_id)
    options = _options(context, config)
    return _run(context, crm, lambda: send_all_live_invoices(crm.engine, xero.api, tenant, options,
                                                             after_batch=_progress(context)))


def _statuses(values: list[str]):
    try:
        return parse_statuses(values)
    except SelectionError as exc:
        raise Failure(str(exc), allow_retries=False) from None
