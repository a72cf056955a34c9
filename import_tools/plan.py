"""What an import or update-import would write, worked out before anything is written.

A plan is plain frames: the companies to create (with their people), the field changes to
make, the conflicts left alone, and the bad rows. A dry run shows it; a real run hands it to
the CRM writer in one transaction. Both jobs follow the original's two procedures (B15-B17),
fixed where it admitted weaknesses:

- client_import creates a company only for a contact that matches nothing (so a rerun, which
  finds them by their Xero Reference, creates nothing), never for an ambiguous one.
- client_update_import writes matched companies only. Empty Xero values never erase CRM data.
  A company that already holds a different Xero Reference is a conflict, left alone unless
  ``overwrite`` says otherwise. Ambiguous and unmatched contacts are reported, never written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from import_tools.columns import COMPANY_FIELDS, CRM_COLUMNS, CRM_SOURCE_COLUMN
from import_tools.matching import AMBIGUOUS, MATCHED_KINDS, UNMATCHED
from import_tools.reports import ISSUE_COLUMNS
from import_tools.transform import TransformResult
from import_tools.validation import BadRowsError, bad_new_companies, bad_people, bad_values

CLIENT_IMPORT = "client_import"
CLIENT_UPDATE_IMPORT = "client_update_import"
DEFAULT_UPDATE_FIELDS = tuple(f for f in COMPANY_FIELDS if f not in ("account_name", "xero_reference"))
CHANGE_COLUMNS = ["row", "crm_id", "account_name", "field", "old", "new"]
CONFLICT_COLUMNS = ["row", "crm_id", "account_name", "held_reference", "xero_reference", "action"]
ARCHIVED = "ARCHIVED"
# transform phone_parts column -> Company column
PHONE_PART_FIELDS = {"country_code": "phone_country_code", "area_code": "phone_area_code", "number": "phone_number"}


@dataclass(frozen=True)
class PlanOptions:
    update_fields: tuple[str, ...] = DEFAULT_UPDATE_FIELDS
    overwrite: bool = False
    include_archived: bool = False

    def __post_init__(self) -> None:
        unknown = [f for f in self.update_fields if f not in COMPANY_FIELDS]
        if unknown:
            raise ValueError(f"update_fields: {', '.join(unknown)} not company fields; choose from "
                             f"{', '.join(COMPANY_FIELDS)}")


@dataclass
class ImportPlan:
    job: str
    creates: pd.DataFrame  # CRM_COLUMNS of new companies, index = row
    people: pd.DataFrame  # the new companies' people (transform.PEOPLE_COLUMNS)
    phone_parts: pd.DataFrame  # the new companies' phone parts
    changes: pd.DataFrame  # CHANGE_COLUMNS: every field an update writes (crm_id set)
    conflicts: pd.DataFrame  # CONFLICT_COLUMNS
    bad: pd.DataFrame  # ISSUE_COLUMNS: rows left out (or, without skip_bad_rows, the reason to stop)
    counts: dict[str, int] = field(default_factory=dict)

    def require_clean(self, source: str, report: object = None) -> None:
        """Raise BadRowsError naming the source, rows and columns (and the report) when any row is bad."""
        if len(self.bad):
            raise BadRowsError(source, self.bad, report=report)

    def diff(self) -> pd.DataFrame:
        """What the plan writes, one row per field: new companies as crm_id "(new)", old ""."""
        if self.job == CLIENT_UPDATE_IMPORT:
            return self.changes.astype({"crm_id": "str"})
        long = self.creates.reset_index().melt(id_vars=["row", "account_name"], value_vars=CRM_COLUMNS[1:],
                                               var_name="field", value_name="new")
        long = long[long["new"] != ""]
        named = self.creates.reset_index()[["row", "account_name"]].assign(field="account_name",
                                                                          new=self.creates["account_name"].to_numpy())
        long = pd.concat([named, long], ignore_index=True).sort_values(["row"], kind="stable", ignore_index=True)
        long.insert(1, "crm_id", "(new)")
        long.insert(4, "old", "")
        return long[CHANGE_COLUMNS]


def _source_names(source_columns: Mapping[str, str] | None) -> dict[str, str]:
    """CRM column -> the column a person sees in their file (the file's own header when known)."""
    names = dict(CRM_SOURCE_COLUMN)
    for crm_column, export_column in CRM_SOURCE_COLUMN.items():
        if source_columns and export_column in source_columns:
            names[crm_column] = source_columns[export_column]
    return names


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def _base_counts(result: TransformResult, matches: pd.DataFrame) -> dict[str, int]:
    kinds = matches["match"].value_counts()
    return {
        "rows": len(result.frame),
        "matched": int(kinds[kinds.index.isin(MATCHED_KINDS)].sum()),
        "ambiguous": int(kinds.get(AMBIGUOUS, 0)),
        "unmatched": int(kinds.get(UNMATCHED, 0)),
        "repaired_cells": len(result.repairs),
        "issues": len(result.issues),
    }


def plan_client_import(result: TransformResult, matches: pd.DataFrame, limits: Mapping[str, int], *,
                       options: PlanOptions | None = None,
                       source_columns: Mapping[str, str] | None = None) -> ImportPlan:
    """New companies (and their people) for the contacts that match no CRM company (B15, B16)."""
    options = options or PlanOptions()
    names = _source_names(source_columns)
    archived = result.statuses.str.upper() == ARCHIVED
    wanted = (matches["match"] == UNMATCHED) & (options.include_archived | ~archived)
    creates = result.frame[wanted]
    people = result.people[result.people["row"].isin(creates.index)]
    bad = pd.concat([
        bad_new_companies(creates, names),
        bad_values(_long(creates, CRM_COLUMNS), limits, names),
        bad_people(people, limits) if len(people) else _empty(ISSUE_COLUMNS),
    ], ignore_index=True)
    bad = bad.sort_values(["row", "column"], kind="stable", ignore_index=True) if len(bad) else _empty(ISSUE_COLUMNS)
    good = ~creates.index.isin(bad["row"])
    creates = creates[good]
    people = people[people["row"].isin(creates.index)]
    counts = _base_counts(result, matches) | {
        "created": len(creates), "people_created": len(people), "updated": 0, "unchanged": 0,
        "conflicts": 0, "conflicts_overwritten": 0, "already_in_crm": int(matches["match"].isin(MATCHED_KINDS).sum()),
        "archived_skipped": int(((matches["match"] == UNMATCHED) & archived & ~options.include_archived).sum()),
        "bad_rows": int(bad["row"].nunique()),
    }
    return ImportPlan(job=CLIENT_IMPORT, creates=creates, people=people,
                      phone_parts=result.phone_parts.loc[creates.index], changes=_empty(CHANGE_COLUMNS),
                      conflicts=_empty(CONFLICT_COLUMNS), bad=bad, counts=counts)


def plan_client_update(result: TransformResult, matches: pd.DataFrame, current: pd.DataFrame,
                       limits: Mapping[str, int], *, options: PlanOptions | None = None,
                       source_columns: Mapping[str, str] | None = None) -> ImportPlan:
    """Field changes for matched companies: their Xero Reference and the mapped fields (B17, B19).

    ``current`` holds the CRM's companies (crm_id, COMPANY_FIELDS and the phone part fields).
    """
    options = options or PlanOptions()
    names = _source_names(source_columns)
    matched = matches["match"].isin(MATCHED_KINDS)
    rows = result.frame[matched]
    crm_ids = matches.loc[matched, "crm_id"].astype("int64")
    now = current.set_index("crm_id").reindex(crm_ids.to_numpy())
    now.index = rows.index

    held, incoming = now["xero_reference"].fillna(""), rows["xero_reference"]
    conflict = (held != "") & (incoming != "") & (held != incoming)
    conflicts = pd.DataFrame({
        "row": rows.index[conflict], "crm_id": crm_ids[conflict].to_numpy(),
        "account_name": now.loc[conflict, "account_name"].to_numpy(), "held_reference": held[conflict].to_numpy(),
        "xero_reference": incoming[conflict].to_numpy(),
        "action": "overwritten" if options.overwrite else "left alone",
    }, columns=CONFLICT_COLUMNS)
    writable = ~conflict | options.overwrite

    # A new phone brings its parts along, so the two never disagree in the CRM.
    incoming_fields = rows.copy()
    fields = ["xero_reference", *options.update_fields]
    if "phone" in options.update_fields:
        phone_changes = (rows["phone"] != "") & (rows["phone"] != now["phone"].fillna(""))
        for part, column in PHONE_PART_FIELDS.items():
            incoming_fields[column] = result.phone_parts.loc[rows.index, part].where(phone_changes, "")
        fields += list(PHONE_PART_FIELDS.values())
    pieces = []
    for name in fields:
        old, new = now[name].fillna(""), incoming_fields[name]
        change = writable & (new != "") & (new != old)
        if change.any():
            pieces.append(pd.DataFrame({
                "row": rows.index[change], "crm_id": crm_ids[change].to_numpy(),
                "account_name": now.loc[change, "account_name"].to_numpy(), "field": name,
                "old": old[change].to_numpy(), "new": new[change].to_numpy(),
            }))
    changes = (pd.concat(pieces, ignore_index=True).sort_values(["row"], kind="stable", ignore_index=True)
               if pieces else _empty(CHANGE_COLUMNS))
    bad = bad_values(changes, limits, names) if len(changes) else _empty(ISSUE_COLUMNS)
    changes = changes[~changes["row"].isin(bad["row"])].reset_index(drop=True)
    touched = changes["row"].nunique()
    counts = _base_counts(result, matches) | {
        "created": 0, "people_created": 0, "updated": int(touched),
        "unchanged": int(matched.sum()) - int(touched) - int((conflict & ~writable).sum())
        - int(bad["row"].nunique()),
        "conflicts": int(conflict.sum()), "conflicts_overwritten": int(conflict.sum()) if options.overwrite else 0,
        "already_in_crm": 0, "archived_skipped": 0, "bad_rows": int(bad["row"].nunique()),
    }
    return ImportPlan(job=CLIENT_UPDATE_IMPORT, creates=_empty(CRM_COLUMNS), people=_empty(["row"]),
                      phone_parts=result.phone_parts.iloc[0:0], changes=changes[CHANGE_COLUMNS],
                      conflicts=conflicts, bad=bad, counts=counts)


def _long(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """(row, field, new) for each non-empty cell of ``columns``, for validation."""
    long = frame[columns].reset_index().melt(id_vars=frame.index.name or "index", var_name="field", value_name="new")
    long = long.rename(columns={frame.index.name or "index": "row"})
    return long[long["new"] != ""].reset_index(drop=True)
