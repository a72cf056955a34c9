"""Reading contacts CSVs of any known layout, and writing CSVs that Excel opens safely.

Reading (data-formats.md sections 0, 1.1, 5): every cell is text (zeros, "NA" for Namibia and
"NULL" survive), UTF-8 with or without a BOM, Windows-1252 from Excel's "CSV (Comma delimited)",
UTF-16 from "Unicode Text", comma, semicolon or tab separated. Cells are stripped of surrounding
spaces, and a leading ``'`` that our own writer put before a formula character is taken off
again, so a file we wrote reads back exactly.

The frame's index is the spreadsheet row number (the header is row 1), so every report and
error can say "row 7" and the user finds it in Excel. Blank lines are dropped but keep their
place in that numbering.

Writing: UTF-8 with a BOM (Excel only detects UTF-8 with one) and OWASP's CSV-injection rule:
a cell starting with = + - @ tab, CR or LF gets a leading ``'``, so no cell is ever a formula.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from import_tools.columns import EXPORT_COLUMNS
from import_tools.layouts import CRM_CONTACT_EMAIL, NAME_HEADERS, column_for, detect_layout, header_key

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_NEUTRALISED = r"^'+[=+\-@\t\r\n]"  # our guard: one more quote than the value had
_ENCODINGS = ("utf-8-sig", "cp1252")  # latin-1 last of all: it decodes any byte


class ContactsFileError(ValueError):
    """A file that cannot be read as contacts; the message names the file and what is wrong."""


@dataclass
class ContactsFile:
    """A contacts CSV read into the export frame, and how it was read."""

    path: Path
    frame: pd.DataFrame  # export-frame columns, index = spreadsheet row number
    layout: str
    encoding: str
    delimiter: str
    source_columns: dict[str, str]  # export-frame column -> header as written in the file
    ignored_columns: list[str] = field(default_factory=list)
    blank_rows: list[int] = field(default_factory=list)

    def has(self, column: str) -> bool:
        return column in self.source_columns


def decode(raw: bytes) -> tuple[str, str]:
    """The text of a CSV and the encoding that read it (never fails: latin-1 is the last resort)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    for encoding in _ENCODINGS:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), "latin-1"


def _delimiter(header_line: str) -> str:
    # Excel writes ";" where the decimal separator is a comma, and tabs for "Unicode Text".
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def strip_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as stripped text, with our own formula guard (a leading ``'``) taken off."""
    out = {}
    for column in frame.columns:
        values = frame[column].fillna("").astype(str).str.strip()
        guarded = values.str.contains(_NEUTRALISED, regex=True)
        if guarded.any():
            values = values.where(~guarded, values.str.slice(1))
        out[column] = values
    return pd.DataFrame(out, index=frame.index)


def read_contacts_csv(path: str | Path, mapping: dict[str, str] | None = None) -> ContactsFile:
    """Read a contacts CSV of any known layout into the export frame.

    ``mapping`` overrides where an export-frame column comes from: ``{"Name": "Company"}``
    reads the name from a column headed "Company". Raises ContactsFileError naming the file
    when it is empty, is not a contacts file, lacks its name column or a mapped column.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ContactsFileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    text, encoding = decode(raw)
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise ContactsFileError(f"{path}: is empty; expected a header row with ContactName or Name")
    delimiter = _delimiter(first_line)
    try:
        table = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False,
            skip_blank_lines=False, sep=delimiter, quoting=csv.QUOTE_MINIMAL,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise ContactsFileError(f"{path}: is not a readable CSV ({exc})") from exc
    headers = [str(h) for h in table.columns]
    mapping = mapping or {}
    layout = detect_layout(headers)
    if layout is None and "Name" not in mapping:
        raise ContactsFileError(
            f"{path}: is not a contacts file: no name column (ContactName, Name or account_name) "
            f"among its columns {', '.join(h.strip() for h in headers) or '(none)'}"
        )
    layout = layout or "export"
    by_key = {header_key(h): h for h in headers}
    missing = [h for h in mapping.values() if header_key(h) not in by_key]
    if missing:
        raise ContactsFileError(
            f"{path}: the field mapping names column(s) {', '.join(missing)}, which the file does not "
            f"have; its columns are {', '.join(h.strip() for h in headers)}"
        )
    mapped_headers = {header_key(h) for h in mapping.values()}
    source_columns: dict[str, str] = {column: by_key[header_key(h)] for column, h in mapping.items()}
    ignored: list[str] = []
    for header in headers:
        column = column_for(header, layout)
        if header_key(header) in mapped_headers:
            continue
        if column is None or column in source_columns:
            ignored.append(header.strip())
            continue
        source_columns[column] = header
    if "Name" not in source_columns:
        raise ContactsFileError(f"{path}: has no {NAME_HEADERS[layout]} column")

    table.index = pd.RangeIndex(2, len(table) + 2, name="row")  # header is row 1
    cells = strip_cells(table[list(source_columns.values())])
    cells.columns = list(source_columns.keys())
    blank = (cells == "").all(axis=1)
    cells = cells[~blank]
    frame = conform(cells)
    if CRM_CONTACT_EMAIL in cells:
        # The CRM frame keeps the company email and the person's; Xero has one EmailAddress.
        frame["EmailAddress"] = frame["EmailAddress"].where(frame["EmailAddress"] != "", cells[CRM_CONTACT_EMAIL])
    return ContactsFile(
        path=path, frame=frame, layout=layout, encoding=encoding, delimiter=delimiter,
        source_columns={c: h.strip() for c, h in source_columns.items()},
        ignored_columns=ignored, blank_rows=[int(i) for i in blank[blank].index],
    )


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """The export frame's columns in order (missing ones empty, extra Person slots kept)."""
    extra_people = [c for c in frame.columns if c.startswith("Person") and c not in EXPORT_COLUMNS]
    columns = EXPORT_COLUMNS + sorted(extra_people, key=_person_order)
    out = {c: frame[c] if c in frame else pd.Series("", index=frame.index, dtype="str") for c in columns}
    return pd.DataFrame(out, index=frame.index)


def _person_order(column: str) -> tuple[int, str]:
    digits = "".join(ch for ch in column[len("Person"):] if ch.isdigit())
    return int(digits or 0), column


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy in which no text cell can start a formula (OWASP CSV injection): ``'`` prefixed."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if not (pd.api.types.is_string_dtype(values) or values.dtype == object):
            continue
        text = values.fillna("").astype(str)
        # A value that already looks guarded ("'=...") gets a second quote, so the reader's
        # one-quote strip gives back exactly what was written.
        risky = text.str.startswith(FORMULA_TRIGGERS) | text.str.contains(_NEUTRALISED, regex=True)
        if risky.any():
            out[column] = text.where(~risky, "'" + text)
    return out


def write_csv_for_people(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as a CSV for Excel: UTF-8 with BOM, formulas neutralised, no index."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    neutralise_formulas(frame).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return path
