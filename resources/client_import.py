"""Historical import and update-import of Xero clients into the CRM (B15-B19, B38).

``run_client_data_job`` is the whole job as a plain function, so the Dagster op stays a thin
wrapper and tests can run it on SQLite and PostgreSQL alike. In order:

1. the requesting user must be finance or admin, checked before anything is read (B38);
2. the source is read: the xero_contacts extract held in the CRM database (what the
   xero_contacts asset last materialised) or a contacts CSV of any known layout;
3. it is transformed, matched against the CRM's companies, and planned (import_tools);
4. the reports are written (repairs, issues, matches, review suggestions, diff, conflicts,
   bad rows), whatever happens next, so a failed run still explains itself;
5. a bad row stops the run here, before any write, unless skip_bad_rows;
6. unless dry_run, the plan is written in one transaction: all of it or none of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import String, insert, select, update
from sqlalchemy.engine import Engine

from import_tools.contacts_csv import ContactsFileError, read_contacts_csv, write_csv_for_people
from import_tools.flatten import flatten_contacts
from import_tools.lookup import look_up
from import_tools.matching import match_summary
from import_tools.plan import (
    CLIENT_IMPORT,
    CLIENT_UPDATE_IMPORT,
    PHONE_PART_FIELDS,
    ImportPlan,
    PlanOptions,
    plan_client_import,
    plan_client_update,
)
from import_tools.transform import TransformOptions, TransformResult, transform_contacts
from resources.crm.models import Company, Contact, XeroContactSnapshot
from resources.crm.permissions import require_finance_or_admin
from resources.crm.xero_log import LogEntry, write_log

LIVE_SOURCE = "xero_contacts"
COMPANY_COLUMNS = ["crm_id", *(c.name for c in Company.__table__.columns
                               if c.name not in ("crm_id", "balance", "created_at", "updated_at"))]
REPORT_NAMES = ("repairs", "issues", "matches", "review", "diff", "conflicts", "bad_rows")


def column_limits() -> dict[str, int]:
    """The CRM's column widths, so a value too long is a bad row and not a database error."""
    limits = {c.name: c.type.length for c in Company.__table__.columns
              if isinstance(c.type, String) and c.type.length}
    limits["contact_first_name"] = Contact.__table__.c.first_name.type.length
    limits["contact_last_name"] = Contact.__table__.c.last_name.type.length
    limits["contact_email"] = Contact.__table__.c.email.type.length
    limits.update({name: Contact.__table__.c[name].type.length for name in ("first_name", "last_name", "email")})
    return limits


def load_companies(engine: Engine) -> pd.DataFrame:
    """Every CRM company's id and text fields, "" for empty, for matching and diffing."""
    table = Company.__table__
    with engine.connect() as db:
        rows = db.execute(select(*(table.c[name] for name in COMPANY_COLUMNS)).order_by(table.c.crm_id)).all()
    frame = pd.DataFrame.from_records(rows, columns=COMPANY_COLUMNS)
    text = [c for c in COMPANY_COLUMNS if c != "crm_id"]
    frame[text] = frame[text].fillna("").astype("str")
    frame["crm_id"] = frame["crm_id"].astype("int64")
    return frame


def snapshot_contacts(engine: Engine) -> list[dict]:
    """The Xero contacts the xero_contacts asset last extracted, every tenant, in a stable order."""
    table = XeroContactSnapshot.__table__
    with engine.connect() as db:
        documents = db.execute(select(table.c.document).order_by(table.c.tenant_id, table.c.name,
                                                                 table.c.contact_id)).scalars().all()
    if not documents:
        raise LookupError("no Xero contacts have been extracted yet: materialise xero_contacts "
                          "(job extract_xero_contacts) first, or give a CSV path as the source")
    return [json.loads(d) for d in documents]


@dataclass(frozen=True)
class ClientDataRequest:
    """Everything a run of either job is asked to do (the job's Config, minus Dagster)."""

    job: str
    requested_by: str
    source: str = LIVE_SOURCE
    field_mapping: dict[str, str] = field(default_factory=dict)
    transform: TransformOptions = field(default_factory=TransformOptions)
    plan: PlanOptions = field(default_factory=PlanOptions)
    dry_run: bool = False
    skip_bad_rows: bool = False
    report_dir: Path = Path("data/reports")
    review_cutoff: float = 85.0


@dataclass
class ClientDataOutcome:
    counts: dict[str, int]
    matches: dict[str, int]
    reports: dict[str, Path]
    plan: ImportPlan
    result: TransformResult
    source: str
    phones_parsed_share: float
    written: bool


def load_source(engine: Engine, request: ClientDataRequest) -> tuple[pd.DataFrame, str, dict[str, str] | None]:
    """The export frame of the requested source, a label for messages, and the file's headers."""
    if request.source.strip() in ("", LIVE_SOURCE):
        return flatten_contacts(snapshot_contacts(engine)), LIVE_SOURCE, None
    contacts = read_contacts_csv(request.source, request.field_mapping or None)
    if request.job == CLIENT_IMPORT and not contacts.has("ContactID"):
        raise ContactsFileError(
            f"{contacts.path}: has no ContactID column, and a historical import needs each client's Xero "
            "Reference; Xero's own export does not carry it, so use the xero_contacts_export CSV"
        )
    return contacts.frame, str(contacts.path), contacts.source_columns


def write_reports(folder: Path, result: TransformResult, matches: pd.DataFrame, review: pd.DataFrame,
                  plan: ImportPlan) -> dict[str, Path]:
    matched = pd.concat([result.frame[["xero_reference", "account_name"]], matches], axis=1).reset_index()
    frames = {
        "repairs": result.repairs, "issues": result.issues, "matches": matched, "review": review,
        "diff": plan.diff(), "conflicts": plan.conflicts, "bad_rows": plan.bad,
    }
    return {name: write_csv_for_people(frames[name], folder / f"{name}.csv") for name in REPORT_NAMES}


def run_client_data_job(engine: Engine, request: ClientDataRequest, *, run_id: str,
                        log: Callable[[str], None] | None = None) -> ClientDataOutcome:
    """One run of client_import or client_update_import (see the module docstring for the steps)."""
    say = log or (lambda _message: None)
    if request.job not in (CLIENT_IMPORT, CLIENT_UPDATE_IMPORT):
        raise ValueError(f"unknown job {request.job!r}")
    require_finance_or_admin(engine, request.requested_by, request.job)

    export, source, source_columns = load_source(engine, request)
    say(f"{len(export)} contacts read from {source}")
    result = transform_contacts(export, request.transform)
    companies = load_companies(engine)
    found = look_up(result.frame, result.contact_numbers, companies, score_cutoff=request.review_cutoff)
    matches, review = found.matches, found.review
    limits = column_limits()
    if request.job == CLIENT_IMPORT:
        plan = plan_client_import(result, matches, limits, options=request.plan, source_columns=source_columns)
    else:
        plan = plan_client_update(result, matches, companies, limits, options=request.plan,
                                  source_columns=source_columns)
    reports = write_reports(request.report_dir, result, matches, review, plan)
    say(f"matches: {match_summary(matches)}; reports in {request.report_dir}")
    if not request.skip_bad_rows:
        plan.require_clean(source, report=reports["bad_rows"])
    written = False
    if not request.dry_run:
        crm_ids = apply_plan(engine, plan)
        written = True
        write_log(engine, run_id, _log_entries(plan, crm_ids))
    counts = dict(plan.counts)
    counts["review_suggestions"] = len(review)
    return ClientDataOutcome(counts=counts, matches=match_summary(matches), reports=reports, plan=plan,
                             result=result, source=source, phones_parsed_share=result.phones_parsed_share,
                             written=written)


def _none_if_empty(value: object) -> object:
    return None if value == "" else value


def apply_plan(engine: Engine, plan: ImportPlan) -> dict[object, int]:
    """Write a plan in one transaction: every company and person, every change, or nothing.

    Returns the crm_id given to each created row.
    """
    companies, contacts = Company.__table__, Contact.__table__
    crm_id_by_row: dict[object, int] = {}
    with engine.begin() as db:
        if len(plan.creates):
            parts = plan.phone_parts.rename(columns=PHONE_PART_FIELDS)
            rows = pd.concat([plan.creates, parts], axis=1).drop(
                columns=["contact_first_name", "contact_last_name", "contact_email"])
            records = [{k: _none_if_empty(v) for k, v in r.items()} for r in rows.to_dict("records")]
            created = db.execute(insert(companies).returning(companies.c.crm_id, companies.c.xero_reference,
                                                             sort_by_parameter_order=True), records).all()
            crm_id_by_row = dict(zip(plan.creates.index, (r.crm_id for r in created), strict=True))
            if len(plan.people):
                db.execute(insert(contacts), [
                    {"company_id": crm_id_by_row[p.row], "first_name": _none_if_empty(p.first_name),
                     "last_name": _none_if_empty(p.last_name), "email": _none_if_empty(p.email),
                     "is_primary": bool(p.is_primary)}
                    for p in plan.people.itertuples()
                ])
        for crm_id, changes in plan.changes.groupby("crm_id", sort=True):
            values = dict(zip(changes["field"], changes["new"], strict=True))
            db.execute(update(companies).where(companies.c.crm_id == int(crm_id)).values(**values))
    return crm_id_by_row


def _log_entries(plan: ImportPlan, crm_ids: dict[object, int]) -> list[LogEntry]:
    """xero_log rows: one per company created, updated or left alone for a conflict (B34)."""
    entries = [LogEntry(plan.job, "created", "company", str(crm_ids[row]), reference, "created from its Xero contact")
               for row, reference in plan.creates["xero_reference"].items()]
    for crm_id, changes in plan.changes.groupby("crm_id", sort=True):
        reference = changes.loc[changes["field"] == "xero_reference", "new"]
        entries.append(LogEntry(plan.job, "updated", "company", str(crm_id),
                                reference.iloc[0] if len(reference) else None,
                                "fields: " + ", ".join(changes["field"])))
    entries += [LogEntry(plan.job, "conflict", "company", str(c.crm_id), c.xero_reference,
                         f"holds {c.held_reference}; {c.action}") for c in plan.conflicts.itertuples()]
    return entries
