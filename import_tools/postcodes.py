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

import re

import numpy as np
import pandas as pd

from import_tools import reports
from import_tools.series import factorize_pairs

# country -> (digits, fewest digits a stripped code can have)
WIDTHS = {
    "US": (5, 3), "AU": (4, 3), "NZ": (4, 3), "DE": (5, 4), "FR": (5, 4), "ES": (5, 4), "IT": (5, 3),
}


def repair_postcodes(values: np.ndarray, regions: np.ndarray, rows: pd.Index,
                     column: str) -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame]:
    """Postcodes (an object array) with stripped zeros restored; also the repairs and the issues
    found, quoting ``rows`` (the row labels of the values).

    Postcodes repeat (a city's few codes), so each distinct (postcode, country) is decided once
    and the decisions are spread back over the rows by their pair codes.
    """
    ruled = np.flatnonzero(pd.Series(regions, copy=False).isin(list(WIDTHS)).to_numpy() & (values != ""))
    out = values.copy()
    codes, distinct_values, distinct_regions = factorize_pairs(values[ruled], regions[ruled])
    decisions = [decide_postcode(value, region)
                 for value, region in zip(distinct_values.tolist(), distinct_regions.tolist(), strict=True)]
    columns = list(zip(*decisions, strict=True)) or [(), (), ()]
    new, rule, problem = (np.array(column, dtype=object) for column in columns)
    is_changed, is_flagged = (new != distinct_values)[codes], (problem != "")[codes]
    changed, flagged = ruled[is_changed], ruled[is_flagged]
    out[changed] = new[codes[is_changed]]
    return (out, reports.repairs(rows[changed], column, values[changed], out[changed], rule[codes[is_changed]]),
            reports.issues(rows[flagged], column, values[flagged], problem[codes[is_flagged]]))


_ZIP4 = re.compile(r"\d{1,4}-\d{4}")


def decide_postcode(value: str, region: str) -> tuple[str, str, str]:
    """For one (postcode, country): the repaired value, the rule applied, or the problem seen."""
    width, shortest = WIDTHS[region]
    if value.isdigit() and value.isascii():
        if shortest <= len(value) < width:
            return value.zfill(width), f"{region} postcodes have {width} digits: leading zeros restored", ""
        if len(value) < shortest:
            return value, "", f"too short for a {region} postcode ({width} digits); left as is"
    elif region == "US" and _ZIP4.fullmatch(value) and value.find("-") >= shortest:
        # ZIP+4: the ZIP part has 5 digits, the "-dddd" stays
        return value.zfill(10), "US ZIP+4: the ZIP part has 5 digits, leading zeros restored", ""
    return value, "", ""
