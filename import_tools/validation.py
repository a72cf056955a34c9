"""Values that must not be written as they are, found before anything is written.

A bad cell is reported by its row and by the column the user sees in their file (Name,
POPostalCode, Person2Email), with what is wrong. The writer then either stops before the first
write or, when told to skip bad rows, writes the others and reports these.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from import_tools import reports

GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
EMAIL_FIELDS = ("email", "contact_email")


class BadRowsError(ValueError):
    """Rows that cannot be written; nothing was written. The message names source, rows and columns."""

    def __init__(self, source: str, bad: pd.DataFrame, *, shown: int = 10, report: object = None) -> None:
        self.source = source
        self.bad = bad
        lines = [f"{source} row {r.row}, column {r.column}: {r.problem} (value {str(r.value)[:60]!r})"
                 for r in bad.head(shown).itertuples()]
        more = f"\n... and {len(bad) - shown} more" if len(bad) > shown else ""
        if report is not None:
            more += f"\nevery bad row is listed in {report}"
        rows = bad["row"].nunique()
        super().__init__(f"{rows} bad row(s) in {source}; nothing was written (set skip_bad_rows to write the "
                         f"others):\n" + "\n".join(lines) + more)


def bad_values(changes: pd.DataFrame, limits: Mapping[str, int], source_names: Mapping[str, str]) -> pd.DataFrame:
    """Problems in the values about to be written: ``changes`` has row, field and new."""
    found: list[pd.DataFrame] = []
    column = changes["field"].map(lambda f: source_names.get(f, f))

    def report(mask: pd.Series, problem: str | pd.Series) -> None:
        if mask.any():
            found.append(reports.issues(pd.Index(changes["row"][mask]), column[mask], changes["new"][mask],
                                        problem[mask] if isinstance(problem, pd.Series) else problem))

    new, field = changes["new"], changes["field"]
    limit = field.map(lambda f: limits.get(f, 0)).astype("int64")
    report((limit > 0) & (new.str.len() > limit),
           "longer than the CRM allows for " + field + " (" + limit.astype(str) + " characters)")
    report(field.isin(EMAIL_FIELDS) & (new != "") & ~new.str.fullmatch(EMAIL), "not an email address")
    report((field == "xero_reference") & (new != "") & ~new.str.fullmatch(GUID),
           "not a Xero ContactID (a GUID such as 8138a266-fb42-49b2-a104-014b7045753d)")
    # The company email and the person's both come from EmailAddress: say it once.
    return reports.combine(found, reports.ISSUE_COLUMNS).drop_duplicates(["row", "column", "problem"],
                                                                         ignore_index=True)


def bad_new_companies(frame: pd.DataFrame, source_names: Mapping[str, str]) -> pd.DataFrame:
    """Rows that cannot become a company at all: no name, no Xero Reference, a reference used twice."""
    found: list[pd.DataFrame] = []
    name_column = source_names.get("account_name", "Name")
    reference_column = source_names.get("xero_reference", "ContactID")
    checks = [
        (name_column, frame["account_name"], frame["account_name"] == "", "the company name is empty"),
        (reference_column, frame["xero_reference"], frame["xero_reference"] == "",
         "no Xero Reference (ContactID): the new company would not be linked to its Xero contact"),
        (reference_column, frame["xero_reference"],
         (frame["xero_reference"] != "") & frame["xero_reference"].duplicated(keep=False),
         "the same Xero Reference is on more than one row"),
    ]
    for column, values, mask, problem in checks:
        if mask.any():
            found.append(reports.issues(frame.index[mask], column, values[mask], problem))
    return reports.combine(found, reports.ISSUE_COLUMNS)


def bad_people(people: pd.DataFrame, limits: Mapping[str, int]) -> pd.DataFrame:
    """Problems in the people of new companies, named FirstName, Person2Email and so on."""
    found: list[pd.DataFrame] = []
    prefix = people["slot"].map(lambda n: f"Person{n}" if n else "")
    headers = {"first_name": prefix + "FirstName", "last_name": prefix + "LastName",
               "email": (prefix + "Email").where(prefix != "", "EmailAddress")}
    for field, header in headers.items():
        values = people[field]
        limit = limits.get(field, 0)
        long = values.str.len() > limit if limit else pd.Series(False, index=values.index)
        wrong = (values != "") & ~values.str.fullmatch(EMAIL) if field == "email" else long & False
        for mask, problem in ((long, f"longer than the CRM allows for a contact's {field} ({limit} characters)"),
                              (wrong, "not an email address")):
            if mask.any():
                found.append(reports.issues(pd.Index(people["row"][mask]), header[mask], values[mask], problem))
    return reports.combine(found, reports.ISSUE_COLUMNS)
