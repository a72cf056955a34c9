"""Postcodes that a spreadsheet stripped of their leading zeros, restored by country (B14).

Rules (data-formats.md section 4.3): US ZIP codes have 5 digits (ZIP+4 keeps its ``-dddd``),
Australian and New Zealand postcodes 4, German, French, Spanish and Italian 5. A value is
padded only when its country is known, it is all digits and it is at most as many digits
short as that country's real zero-prefixed codes can lose (NZ "0110" -> "110", Rome "00100" ->
"100"). British and Canadian postcodes are alphanumeric and never touched. A value that is
already the right width is never changed; one that is too short to be a stripped code is
left alone and reported as an issue.
"""

from __future__ import annotations

import pandas as pd

from import_tools import reports
from import_tools.series import factorize_pairs

# country -> (digits, fewest digits a stripped code can have)
WIDTHS = {
    "US": (5, 3), "AU": (4, 3), "NZ": (4, 3), "DE": (5, 4), "FR": (5, 4), "ES": (5, 4), "IT": (5, 3),
}
_ZIP4 = r"^\d{1,4}-\d{4}$"


def repair_postcodes(values: pd.Series, regions: pd.Series, column: str) -> tuple[pd.Series, pd.DataFrame,
                                                                                      pd.DataFrame]:
    """Postcodes with stripped zeros restored; also the repairs and the issues found.

    Postcodes repeat (a city's few codes), so each distinct (postcode, country) is decided once.
    """
    ruled = regions.isin(list(WIDTHS)) & (values != "")
    if not ruled.any():
        return values, reports.combine([], reports.REPAIR_COLUMNS), reports.combine([], reports.ISSUE_COLUMNS)
    pairs = pd.DataFrame({"value": values[ruled], "region": regions[ruled]})
    codes, distinct_values, distinct_regions = factorize_pairs(pairs["value"], pairs["region"])
    decided = _decide(pd.Series(distinct_values, dtype="str"), pd.Series(distinct_regions, dtype="str"))
    new = pd.Series(decided["new"].to_numpy()[codes], index=pairs.index, dtype="str")
    rule = pd.Series(decided["rule"].to_numpy()[codes], index=pairs.index, dtype="str")
    problem = pd.Series(decided["problem"].to_numpy()[codes], index=pairs.index, dtype="str")
    changed = new != pairs["value"]
    out = values.copy()
    out[changed[changed].index] = new[changed]
    flagged = problem != ""
    return (out,
            reports.repairs(pairs.index[changed], column, pairs["value"][changed], new[changed], rule[changed]),
            reports.issues(pairs.index[flagged], column, pairs["value"][flagged], problem[flagged]))


def _decide(values: pd.Series, regions: pd.Series) -> pd.DataFrame:
    """For distinct (postcode, country) pairs: the repaired value, the rule, or the problem."""
    new = values.copy()
    rule = pd.Series("", index=values.index, dtype="str")
    problem = pd.Series("", index=values.index, dtype="str")
    digits = values.str.isdigit() & values.str.isascii()
    lengths = values.str.len()
    for region, (width, shortest) in WIDTHS.items():
        in_region = regions == region
        if not in_region.any():
            continue
        pad = in_region & digits & (lengths >= shortest) & (lengths < width)
        new[pad] = values[pad].str.zfill(width)
        rule[pad] = f"{region} postcodes have {width} digits: leading zeros restored"
        if region == "US":  # ZIP+4: the ZIP part has 5 digits, the "-dddd" stays
            zip4 = in_region & values.str.fullmatch(_ZIP4) & (values.str.find("-") >= shortest)
            new[zip4] = values[zip4].str.zfill(10)
            rule[zip4] = "US ZIP+4: the ZIP part has 5 digits, leading zeros restored"
        short = in_region & digits & (lengths < shortest)
        problem[short] = f"too short for a {region} postcode ({width} digits); left as is"
    return pd.DataFrame({"new": new, "rule": rule, "problem": problem})


def postcode_key(values: pd.Series) -> pd.Series:
    """The comparison form of a postcode: upper case, no spaces; a ZIP+4 compares as its ZIP."""
    key = values.str.upper().str.replace(r"\s+", "", regex=True)
    return key.str.replace(r"^(\d{5})-\d{4}$", r"\1", regex=True)
