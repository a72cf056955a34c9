"""The client-data steps outside Dagster, for one-off use.

    python -m import_tools transform IN.csv --output OUT.csv [--default-country GB]
        writes the CRM import frame to OUT.csv, and OUT.repairs.csv (every changed cell) and
        OUT.issues.csv (values kept but worth a look) beside it.
    python -m import_tools match OUT.csv --crm-database URL --output MATCHES.csv
        writes xero_reference, account_name, crm_id, match, candidates for each row, and
        MATCHES.review.csv (fuzzy suggestions, never applied) beside it.

IN.csv may be Xero's own Contacts export (any regional layout), our xero_contacts_export, or a
CRM import frame (so OUT.csv can be matched, or transformed again). The CRM is only read.
Exit status: 0 done, 2 bad input (the message names the file and what is wrong).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from import_tools.contacts_csv import ContactsFileError, read_contacts_csv, write_csv_for_people
from import_tools.lookup import look_up
from import_tools.matching import CRM_MATCH_COLUMNS, match_summary
from import_tools.transform import TransformOptions, transform_contacts

MATCH_OUTPUT_COLUMNS = ["xero_reference", "account_name", "crm_id", "match", "candidates"]
# The CRM's companies table, read with plain SQL: import_tools never imports the CRM's models.
_COMPANIES_SQL = f"SELECT {', '.join(CRM_MATCH_COLUMNS)} FROM companies ORDER BY crm_id"


def beside(path: Path, report: str) -> Path:
    """OUT.csv -> OUT.<report>.csv in the same folder."""
    return path.with_name(f"{path.stem}.{report}{path.suffix or '.csv'}")


def read_crm_companies(url: str) -> pd.DataFrame:
    """The CRM's companies (CRM_MATCH_COLUMNS) from a database URL; "" for empty values."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(f"--crm-database {url!r} is not a database URL") from exc
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")  # the driver this project installs
    engine = create_engine(parsed)
    try:
        with engine.connect() as db:
            frame = pd.read_sql(text(_COMPANIES_SQL), db)
    except SQLAlchemyError as exc:
        raise ValueError(f"cannot read companies from {parsed.render_as_string(hide_password=True)}: "
                         f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}") from exc
    finally:
        engine.dispose()
    text_columns = [c for c in CRM_MATCH_COLUMNS if c != "crm_id"]
    frame[text_columns] = frame[text_columns].fillna("").astype("str")
    return frame


def transform_command(args: argparse.Namespace) -> int:
    contacts = read_contacts_csv(args.input)
    result = transform_contacts(contacts.frame, TransformOptions(default_country=args.default_country or "",
                                                                 street_separator=args.street_separator))
    output = Path(args.output)
    write_csv_for_people(result.frame, output)
    write_csv_for_people(result.repairs, beside(output, "repairs"))
    write_csv_for_people(result.issues, beside(output, "issues"))
    print(f"{len(result.frame)} contacts ({contacts.layout} layout, {contacts.encoding}) -> {output}; "
          f"{len(result.repairs)} cells repaired -> {beside(output, 'repairs')}; "
          f"{len(result.issues)} issues -> {beside(output, 'issues')}")
    return 0


def match_command(args: argparse.Namespace) -> int:
    contacts = read_contacts_csv(args.input)
    result = transform_contacts(contacts.frame, TransformOptions(default_country=args.default_country or ""))
    found = look_up(result.frame, result.contact_numbers, read_crm_companies(args.crm_database),
                    score_cutoff=args.review_cutoff)
    side, matches, review = found.side, found.matches, found.review
    output = Path(args.output)
    table = pd.concat([result.frame[["xero_reference", "account_name"]], matches], axis=1)[MATCH_OUTPUT_COLUMNS]
    write_csv_for_people(table, output)
    write_csv_for_people(review, beside(output, "review"))
    counts = ", ".join(f"{kind} {count}" for kind, count in match_summary(matches).items())
    print(f"{len(table)} contacts matched against {len(side)} CRM companies: {counts} -> {output}; "
          f"{len(review)} suggestions to review -> {beside(output, 'review')}")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m import_tools", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = root.add_subparsers(dest="command", required=True)
    transform = commands.add_parser("transform", help="a contacts CSV -> the CRM import frame + repairs report")
    transform.add_argument("input", help="contacts CSV (Xero export, xero_contacts_export or CRM frame)")
    transform.add_argument("--output", required=True, help="CRM import frame CSV to write")
    transform.add_argument("--default-country", default="", help="country for contacts that name none, e.g. GB")
    transform.add_argument("--street-separator", default=", ", help='between joined address lines (", ")')
    transform.set_defaults(run=transform_command)
    match = commands.add_parser("match", help="contacts CSV -> how each matches a CRM company")
    match.add_argument("input", help="CRM import frame (or any contacts CSV)")
    match.add_argument("--crm-database", required=True, help="CRM database URL (sqlite:///... or postgresql://...)")
    match.add_argument("--output", required=True, help="matches CSV to write")
    match.add_argument("--default-country", default="", help="country for contacts that name none, e.g. GB")
    match.add_argument("--review-cutoff", type=float, default=85.0, help="lowest fuzzy score suggested (85)")
    match.set_defaults(run=match_command)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (ContactsFileError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
