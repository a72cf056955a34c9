"""Balance refresh in Dagster: the two admin jobs, the reconciliation asset and check, the nightly
schedule, the background poll sensor, and the sensor that reconciles after each update-all.

Thin on purpose: every decision is in resources/balance_refresh/, which the tests call directly.
Both jobs run in the background like any Dagster run, so nobody's session is locked while they
work (B31), and they log progress batch by batch.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetSelection,
    Backoff,
    Config,
    DagsterInstance,
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    Failure,
    JobDefinition,
    MetadataValue,
    OpExecutionContext,
    Output,
    RetryPolicy,
    RunRequest,
    RunsFilter,
    RunStatusSensorContext,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    asset,
    define_asset_job,
    job,
    op,
    run_status_sensor,
    schedule,
    sensor,
)
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition
from pydantic import Field

from resources.balance_refresh.poll import (
    newly_live_invoices,
    poll_cursor,
    poll_since,
    probe_xero_changes,
    send_run_key,
)
from resources.balance_refresh.reconciliation import ReconciliationReport, reconcile_balances
from resources.balance_refresh.refresh import RefreshReport, update_all_invoice_balances, update_selected_invoices
from resources.balance_refresh.requester import Requester, resolve_requester
from resources.balance_refresh.settings import RefreshSchedule
from resources.crm.permissions import PermissionRefused
from resources.crm_resource import CrmDatabase
from resources.xero.errors import XeroDayLimitError, XeroError
from resources.xero_resource import XeroResource

SEND_ALL_LIVE_INVOICES = "send_all_live_invoices"  # the invoice push's job, requested by name
TRIGGER_TAG = "crm_xero/trigger"
IN_PROGRESS = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
               DagsterRunStatus.STARTED]
# A transport fault that outlasted the client's own retries: the run is retried whole, which is
# safe (written batches come back unchanged) and finishes the rest.
XERO_RETRY = RetryPolicy(max_retries=2, delay=60, backoff=Backoff.EXPONENTIAL)


class UpdateSelectedConfig(Config):
    requested_by: str = ""
    """CRM login of the finance or admin user asking for the update (B38)."""
    invoice_numbers: list[str] = Field(default_factory=list)
    """CRM invoice numbers to update from Xero, e.g. ["INV-000012"]."""
    credit_note_numbers: list[str] = Field(default_factory=list)
    """CRM credit note numbers to update from Xero, e.g. ["CN-000001"]."""
    dry_run: bool = False
    """Read Xero and log what would change (outcome dry_run), without writing to the CRM."""


class UpdateAllConfig(Config):
    requested_by: str = ""
    """CRM login of the finance or admin user; leave empty only on runs the schedule or sensor launch."""
    dry_run: bool = False
    """Read Xero and log what would change, balances included, without writing to the CRM."""
    full_refresh: bool = False
    """Read every selected document again instead of only those changed since the last successful run."""


def _requester(context: OpExecutionContext, crm: CrmDatabase, requested_by: str, action: str) -> Requester:
    try:
        requester = resolve_requester(crm.engine, requested_by, context.run.tags, action)
    except PermissionRefused as exc:
        raise Failure(description=str(exc), allow_retries=False) from None
    context.log.info(f"{action} for {requester.label}{' (system run)' if requester.is_system else ''}")
    return requester


def _markdown(text: str) -> MetadataValue:
    return MetadataValue.md(text)


def refresh_metadata(report: RefreshReport) -> dict[str, Any]:
    summary = report.summary()
    metadata: dict[str, Any] = {
        k: MetadataValue.json(v) if isinstance(v, dict) else v for k, v in summary.items()
    }
    metadata["changes"] = _markdown(report.changes_markdown())
    metadata["company_balances"] = _markdown(report.balances_markdown())
    if report.skipped:
        metadata["skipped"] = _markdown("\n".join(
            f"- {s.kind.label} {s.number}: {s.reason}" for s in report.skipped[:50]))
    if report.missing:
        metadata["missing"] = _markdown(", ".join(d.number for d in report.missing[:50]))
    return metadata


def _finish(context: OpExecutionContext, report: RefreshReport) -> Output:
    metadata = refresh_metadata(report)
    context.log.info(
        f"{report.operation}: {len(report.changed)} changed, {report.unchanged} unchanged, "
        f"{len(report.skipped)} skipped, {len(report.missing)} missing in Xero, {report.api_calls} Xero call(s); "
        f"status changes {report.status_changes or 'none'}; money moved {report.money_moved or 'none'}"
    )
    if report.errors:
        # Written batches stay written; the cursor did not move, so the next run reads the rest.
        raise Failure(
            description=(f"{len(report.errors)} batch(es) refused, nothing written for them: "
                         + " | ".join(report.errors)),
            metadata=metadata, allow_retries=False,
        )
    return Output({**report.summary(), **report.details()}, metadata=metadata)


def _stop_on_day_limit(action: str, work: Callable[[], RefreshReport]) -> RefreshReport:
    """Xero's day limit is not worth retrying (it extends the block): fail without a retry."""
    try:
        return work()
    except XeroDayLimitError as exc:
        raise Failure(description=f"{action}: {exc}", allow_retries=False) from None


@op(pool="xero", retry_policy=XERO_RETRY)
def refresh_selected_documents(context: OpExecutionContext, config: UpdateSelectedConfig, xero: XeroResource,
                               crm: CrmDatabase) -> Output:
    """Update From Xero: refresh the named invoices and credit notes; company balances are not touched."""
    requester = _requester(context, crm, config.requested_by, "update_selected_invoices")
    if not config.invoice_numbers and not config.credit_note_numbers:
        raise Failure(description="update_selected_invoices: name at least one invoice or credit note number",
                      allow_retries=False)
    report = _stop_on_day_limit("update_selected_invoices", lambda: update_selected_invoices(
        xero.api, crm.engine, xero.tenant_ids(), invoice_numbers=config.invoice_numbers,
        credit_note_numbers=config.credit_note_numbers, actor=requester.label, run_id=context.run_id,
        dry_run=config.dry_run, progress=context.log.info,
    ))
    return _finish(context, report)


@op(pool="xero", retry_policy=XERO_RETRY)
def refresh_all_documents(context: OpExecutionContext, config: UpdateAllConfig, xero: XeroResource,
                          crm: CrmDatabase) -> Output:
    """Update all Invoice Balances: every open sent document, then every company's balance."""
    requester = _requester(context, crm, config.requested_by, "update_all_invoice_balances")
    report = _stop_on_day_limit("update_all_invoice_balances", lambda: update_all_invoice_balances(
        xero.api, crm.engine, xero.tenant_ids(), actor=requester.label, run_id=context.run_id,
        dry_run=config.dry_run, full_refresh=config.full_refresh, progress=context.log.info,
    ))
    return _finish(context, report)


@job(
    name="update_selected_invoices",
    description=(
        "Update From Xero: refresh the named invoices and credit notes (not Paid or Cancelled, Sent to "
        "Accounts set; others skipped with the reason): status Created -> Live, Part Paid / Paid from "
        "Xero's payments, amount outstanding = AmountDue, remaining credit, Cancelled when voided or "
        "deleted in Xero, the company's Xero Reference. Company balances are not updated."
    ),
    tags={"crm_xero/flow": "balance_refresh"},
)
def update_selected_invoices_job():
    refresh_selected_documents()


@job(
    name="update_all_invoice_balances",
    description=(
        "Update all Invoice Balances: refresh every invoice and credit note not Paid or Cancelled that "
        "was sent to Xero (only those changed since the last successful run are read), then recompute "
        "every company's balance. Runs nightly; safe to rerun after a failure."
    ),
    tags={"crm_xero/flow": "balance_refresh"},
)
def update_all_invoice_balances_job():
    refresh_all_documents()



# -- reconciliation ---------------------------------------------------------------------------
BALANCES_MATCH_CHECK = "crm_balances_match_xero"


def _reconciliation_markdown(report: ReconciliationReport, limit: int = 20) -> str:
    rows = report.differing[:limit]
    if not rows:
        return "(every company agrees with Xero)"
    lines = ["| company | currency | CRM | Xero | difference | documents that differ |", "|---|---|---|---|---|---|"]
    lines += [f"| {r.company_id} {r.account_name} | {r.currency} | {r.crm_outstanding} | {r.xero_outstanding} | "
              f"{r.difference} | {'; '.join(r.differing_documents[:5])} |" for r in rows]
    return "\n".join(lines)


@asset(
    pool="xero",
    kinds={"xero", "pandas"},
    group_name="balance_refresh",
    retry_policy=RetryPolicy(max_retries=2, delay=30, backoff=Backoff.EXPONENTIAL),
    check_specs=[AssetCheckSpec(
        BALANCES_MATCH_CHECK, asset="invoice_balance_reconciliation",
        description="For every company, the CRM's outstanding total on its Xero-linked invoices and credit "
                    "notes equals Xero's.",
    )],
)
def invoice_balance_reconciliation(context: AssetExecutionContext, xero: XeroResource, crm: CrmDatabase):
    """What each company owes per the CRM (amount outstanding less remaining credit, over every
    invoice and credit note linked to Xero) against what Xero says for the same documents, read
    fresh from Xero. One row per company and currency; the check fails when any row differs."""
    report = reconcile_balances(xero.api, crm.engine, xero.tenant_ids(), progress=context.log.info)
    frame = report.frame()
    differing = report.differing
    yield Output(frame, metadata={
        "companies": len(report.rows),
        "companies_differing": len(differing),
        "documents_compared": report.documents,
        "missing_in_xero": len(report.missing_in_xero),
        "api_calls": report.api_calls,
        "fetch_plan": "; ".join(report.plans) or "nothing to read",
        "differences": MetadataValue.md(_reconciliation_markdown(report)),
    })
    yield AssetCheckResult(
        check_name=BALANCES_MATCH_CHECK, passed=not differing, severity=AssetCheckSeverity.ERROR,
        metadata={
            "companies_differing": len(differing),
            "total_difference": str(sum((r.difference for r in differing), start=Decimal("0.00"))),
            "missing_in_xero": ", ".join(report.missing_in_xero[:20]),
            "examples": MetadataValue.md(_reconciliation_markdown(report, limit=10)),
        },
    )


reconcile_invoice_balances = define_asset_job(
    "reconcile_invoice_balances",
    selection=AssetSelection.assets(invoice_balance_reconciliation),
    description="Compare every company's outstanding total in the CRM with Xero's; the check fails on any difference.",
)


@run_status_sensor(
    name="reconcile_after_balance_refresh",
    run_status=DagsterRunStatus.SUCCESS,
    monitored_jobs=[update_all_invoice_balances_job],
    request_job=reconcile_invoice_balances,
    default_status=DefaultSensorStatus.RUNNING,
    description="After each successful update_all_invoice_balances run (not a dry run), reconcile with Xero.",
)
def reconcile_after_balance_refresh(context: RunStatusSensorContext):
    run = context.dagster_run
    op_config = ((run.run_config.get("ops") or {}).get("refresh_all_documents") or {}).get("config") or {}
    if op_config.get("dry_run"):
        return SkipReason(f"run {run.run_id} was a dry run: nothing changed, nothing to reconcile")
    return RunRequest(run_key=f"reconcile_after:{run.run_id}", tags={TRIGGER_TAG: f"after:{run.run_id}"})


# -- schedule and background poll ---------------------------------------------------------------
def update_all_run_config(*, full_refresh: bool = False) -> dict[str, Any]:
    """Run config of a system run of update_all_invoice_balances (no person: requested_by empty)."""
    return {"ops": {"refresh_all_documents": {"config": {
        "requested_by": "", "dry_run": False, "full_refresh": full_refresh,
    }}}}


def runs_in_progress(instance: DagsterInstance, job_names: Sequence[str]) -> list[str]:
    """Ids of queued or running runs of these jobs."""
    found = []
    for name in job_names:
        found += [r.run_id for r in instance.get_runs(filters=RunsFilter(job_name=name, statuses=IN_PROGRESS), limit=5)]
    return found


REFRESH_JOBS = ("update_all_invoice_balances", "update_selected_invoices")


def build_nightly_schedule(settings: RefreshSchedule) -> ScheduleDefinition:
    """update_all_invoice_balances every night (BALANCE_REFRESH_CRON / _TIMEZONE), on by default."""

    @schedule(
        name="nightly_balance_refresh",
        cron_schedule=settings.cron,
        execution_timezone=settings.timezone,
        job=update_all_invoice_balances_job,
        default_status=DefaultScheduleStatus.RUNNING,
        description=f"Update all Invoice Balances at '{settings.cron}' ({settings.timezone}), as a system run.",
    )
    def nightly_balance_refresh(context: ScheduleEvaluationContext):
        busy = runs_in_progress(context.instance, REFRESH_JOBS)
        if busy:
            return SkipReason(f"a balance refresh is already running ({', '.join(busy)}); "
                              "it covers tonight's changes and the next night's run catches up")
        return RunRequest(run_config=update_all_run_config(), tags={TRIGGER_TAG: "nightly"})

    return nightly_balance_refresh


def send_run_config(send_job: JobDefinition | UnresolvedAssetJobDefinition, send_as: str) -> dict[str, Any]:
    """The push job's config, naming ``send_as`` as requested_by on each of its top-level ops."""
    if not isinstance(send_job, JobDefinition):
        return {}
    return {"ops": {node.name: {"config": {"requested_by": send_as}} for node in send_job.graph.nodes}}


def evaluate_poll(context: SensorEvaluationContext, crm: CrmDatabase, xero: XeroResource,
                  send_job: JobDefinition | UnresolvedAssetJobDefinition | None, send_as: str) -> SensorResult:
    """The background poll's tick: see resources/balance_refresh/poll.py for each decision."""
    requests: list[RunRequest] = []
    reasons: list[str] = []
    cursor = context.cursor
    engine = crm.engine
    live = newly_live_invoices(engine)
    if not live:
        reasons.append("no newly Live invoices to send")
    elif send_job is None:
        reasons.append(f"{len(live)} newly Live invoice(s) wait: the invoice push job {SEND_ALL_LIVE_INVOICES} "
                       "is not deployed")
    elif not send_as:
        reasons.append(f"{len(live)} newly Live invoice(s) wait: set BALANCE_POLL_SEND_AS to the finance or admin "
                       f"login the poll asks {send_job.name} to send as")
    elif runs_in_progress(context.instance, [send_job.name]):
        reasons.append(f"{len(live)} newly Live invoice(s) wait for the {send_job.name} run in progress")
    else:
        requests.append(RunRequest(
            job_name=send_job.name, run_key=send_run_key([i for i, _ in live], datetime.now(UTC).date()),
            run_config=send_run_config(send_job, send_as),
            tags={TRIGGER_TAG: "balance_refresh_poll", "crm_xero/newly_live": str(len(live))},
        ))
    busy = runs_in_progress(context.instance, REFRESH_JOBS)
    if busy:
        reasons.append(f"a balance refresh is running ({', '.join(busy)}); Xero is looked at next tick")
    else:
        tenant_ids = xero.tenant_ids()
        since = poll_since(engine, tenant_ids, cursor)
        try:
            changes = probe_xero_changes(xero.api, engine, tenant_ids, since)
        except XeroError as exc:
            reasons.append(f"Xero could not be asked ({exc}); trying again next tick")
        else:
            cursor = poll_cursor(changes.server_time)
            if changes.worth_a_refresh:
                requests.append(RunRequest(
                    job_name="update_all_invoice_balances", run_config=update_all_run_config(),
                    run_key=f"balance_refresh_poll:{changes.server_time.isoformat()}",
                    tags={TRIGGER_TAG: "balance_refresh_poll", "crm_xero/changed_in_xero": str(changes.relevant)},
                ))
            else:
                reasons.append(f"{changes.changed} document(s) changed in Xero since "
                               f"{since.isoformat() if since else 'ever'}, none that the CRM refreshes")
    return SensorResult(run_requests=requests, cursor=cursor,
                        skip_reason=None if requests else "; ".join(reasons))


def build_balance_poll_sensor(settings: RefreshSchedule,
                              send_job: JobDefinition | UnresolvedAssetJobDefinition | None) -> SensorDefinition:
    """The background poll (B6), off by default; ``send_job`` is the invoice push's send_all_live_invoices."""
    jobs = [update_all_invoice_balances_job, *([send_job] if send_job is not None else [])]

    @sensor(
        name="balance_refresh_poll",
        minimum_interval_seconds=settings.poll_seconds,
        jobs=jobs,
        default_status=DefaultSensorStatus.STOPPED,
        description=(
            f"Every {settings.poll_seconds} s: request {SEND_ALL_LIVE_INVOICES} for newly Live invoices, and "
            "update_all_invoice_balances when Xero reports changes to documents the CRM refreshes "
            "(2 Xero calls per tenant per tick)."
        ),
    )
    def balance_refresh_poll(context: SensorEvaluationContext, crm: CrmDatabase, xero: XeroResource):
        return evaluate_poll(context, crm, xero, send_job, settings.send_as)

    return balance_refresh_poll
