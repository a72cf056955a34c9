"""crm_import_frame: the Xero contacts as the CRM would import them, matched and checked (B11-B19)."""

from pathlib import Path

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    Config,
    MetadataValue,
    Output,
    asset,
)

from import_tools.contact_checks import duplicate_values, share
from import_tools.contacts_csv import write_csv_for_people
from import_tools.lookup import look_up
from import_tools.matching import MATCHED_KINDS, match_summary
from import_tools.transform import DEFAULT_PHONE_TYPES, TransformOptions, transform_contacts
from resources.client_import import load_companies
from resources.crm_resource import CrmDatabase

ASSET = "crm_import_frame"


class CrmImportFrameConfig(Config):
    default_country: str = ""
    """Country for contacts whose addresses name none (e.g. "GB"); empty applies no country rules to them."""
    street_separator: str = ", "
    """Between the address lines joined into one street field."""
    # pydantic copies these defaults per instance, and a literal default shows in the launchpad.
    phone_types: list[str] = list(DEFAULT_PHONE_TYPES)  # noqa: RUF012
    """Which Xero phone becomes the CRM phone: the first of these types that has a number."""
    report_folder: str = "data/reports/crm_import_frame"
    """Where the repairs, issues, matches and review reports are written."""
    min_phone_share: float = 0.9
    """The phones check passes when at least this share of the phones parse."""
    min_matched_share: float = 0.5
    """The matching check passes when at least this share of the contacts match a CRM company."""


@asset(
    kinds={"pandas"},
    group_name="client_data",
    check_specs=[
        AssetCheckSpec("no_duplicate_xero_reference", asset=ASSET,
                       description="Each Xero Reference (ContactID) appears on one row only."),
        AssetCheckSpec("phones_parse", asset=ASSET,
                       description="Enough of the phones parse as numbers of their country (min_phone_share)."),
        AssetCheckSpec("rows_matched", asset=ASSET,
                       description="Enough of the contacts match a CRM company (min_matched_share); "
                                   "ambiguous ones are listed."),
    ],
)
def crm_import_frame(context: AssetExecutionContext, config: CrmImportFrameConfig, crm: CrmDatabase,
                     xero_contacts_export: pd.DataFrame):
    """The CRM import frame (account_name, xero_reference, email, phone, billing_* and shipping_*,
    contact_*) for every Xero contact, with how each matches a CRM company: xero_reference,
    contact_number, name, name_postcode, ambiguous (with candidate CRM ids) or unmatched.

    Leading zeros lost to spreadsheets are restored by country and every changed cell is in the
    repairs report; phones that do not parse are kept as typed and listed in the issues report;
    fuzzy name suggestions for unmatched contacts are in the review report and never applied.
    Nothing is written to the CRM: the client_import and client_update_import jobs do that.
    """
    options = TransformOptions(default_country=config.default_country, street_separator=config.street_separator,
                               phone_types=tuple(config.phone_types))
    result = transform_contacts(xero_contacts_export, options)
    found = look_up(result.frame, result.contact_numbers, load_companies(crm.engine))
    matches, review = found.matches, found.review
    frame = pd.concat([result.frame, matches], axis=1)

    folder = Path(config.report_folder) / context.run.run_id
    paths = {name: write_csv_for_people(report, folder / f"{name}.csv").resolve()
             for name, report in (("repairs", result.repairs), ("issues", result.issues),
                                  ("matches", frame.reset_index()), ("review", review))}
    summary = match_summary(matches)
    matched = sum(summary[k] for k in MATCHED_KINDS)
    yield Output(frame, metadata={
        "row_count": len(frame),
        **{f"match_{kind}": count for kind, count in summary.items()},
        "repaired_cells": len(result.repairs),
        "issues": len(result.issues),
        "review_suggestions": len(review),
        **{f"{name}_report": MetadataValue.path(str(path)) for name, path in paths.items()},
    })

    duplicates = duplicate_values(frame[frame["xero_reference"] != ""], "xero_reference")
    yield AssetCheckResult(check_name="no_duplicate_xero_reference", passed=not duplicates,
                           severity=AssetCheckSeverity.ERROR,
                           metadata={"duplicates": len(duplicates), "examples": ", ".join(duplicates[:10])})
    phone_share = result.phones_parsed_share
    yield AssetCheckResult(check_name="phones_parse", passed=phone_share >= config.min_phone_share,
                           severity=AssetCheckSeverity.WARN,
                           metadata={"share": round(phone_share, 4), "phones": int(result.phone_present.sum()),
                                     "unparsed": int((result.phone_present & ~result.phone_parsed).sum())})
    matched_share = share(matched, len(frame))
    yield AssetCheckResult(check_name="rows_matched", passed=matched_share >= config.min_matched_share,
                           severity=AssetCheckSeverity.WARN,
                           metadata={"share": round(matched_share, 4), "matched": matched,
                                     "ambiguous": summary["ambiguous"], "unmatched": summary["unmatched"]})
