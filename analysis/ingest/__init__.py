"""The one door through which data enters Customer Focus.

Three steps, each usable on its own (the app chains them, notebooks may too):

1. :func:`read_table` reads a file (CSV/TSV/whitespace text, gzip, .xlsx/.xlsm/.xlsb/.xls/.ods)
   into a DataFrame of text, exactly as written, indexed by the row number the user sees in
   their spreadsheet or text editor.
2. :func:`detect_columns` guesses which column plays which role ("customer_id", "order_date",
   "amount", ...) from the header names and the cell contents.
3. :func:`prepare_transactions` / :func:`prepare_responses` turn the text into the canonical
   tables (typed columns), set aside the rows that cannot be used (with the reason and the row
   number) and count what looks odd, for a data-health panel.

Files that cannot be read at all raise :class:`DataError` with a plain-language message that
names the file (and the row/column where known). Nothing here imports Streamlit.

Limits
------
``DEFAULT_MAX_BYTES`` (200 MB) caps the size of the file as stored (checked before parsing).
``DEFAULT_MAX_EXPANDED_BYTES`` (1 GB) caps what a compressed file unpacks to: gzip is unpacked
in a stream and stopped past the limit; for zip-based workbooks (.xlsx, .ods) the sizes that
the archive declares for its members are added up before the workbook is opened.

``DEFAULT_MAX_ROWS`` (2,000,000 rows), ``DEFAULT_MAX_COLUMNS`` (1,000) and ``DEFAULT_MAX_CELLS``
(20,000,000 = rows x columns) cap the table itself, after any unpacking, so that one file fits a
small host's memory. They are checked before the table is built: a gzip file is counted line
by line while it is unpacked; a text file's lines are counted and its header's width is known
before it is parsed; a workbook's sheet XML (the cell references and row numbers of .xlsx/.xlsm,
the repeated rows and columns of .ods) is scanned for the sheet's real used range before the
spreadsheet reader sees it, because that reader allocates the whole rectangle from A1 to the
farthest filled cell (one cell at XFD1048576 would need 17 billion cells); a used range of
over a million cells that is almost empty (filled under 1 in 20) is refused as well. Text files
count physical lines, so a quoted cell spanning several lines counts each of them.

Behind that pre-check, the spreadsheet reader itself (native code) runs in a worker process
with ``WORKBOOK_MEMORY_LIMIT`` (2 GB of address space) and ``WORKBOOK_TIME_LIMIT`` (300 s): if
it crashes or runs away, only the worker ends and the visitor gets a DataError
(``ISOLATE_WORKBOOKS = False`` reads in process). .xls and .xlsb have no pre-check (.xls
cannot exceed 65,536 x 256 cells); their size is checked after reading, inside those bounds.
"""

from __future__ import annotations

import csv
import datetime as _dt
import gzip
import html
import io
import math
import os
import pickle
import re
import subprocess
import sys
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.core.errors import DataError
from analysis.ingest import profiles as _profiles

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_CELLS",
    "DEFAULT_MAX_COLUMNS",
    "DEFAULT_MAX_EXPANDED_BYTES",
    "DEFAULT_MAX_ROWS",
    "ISOLATE_WORKBOOKS",
    "RESPONSE_ROLES",
    "TRANSACTION_ROLES",
    "DataError",
    "Prepared",
    "detect_columns",
    "prepare_responses",
    "prepare_transactions",
    "read_table",
    "WORKBOOK_MEMORY_LIMIT",
    "WORKBOOK_TIME_LIMIT",
]

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
"""Largest file accepted as stored on disk or uploaded (200 MB)."""

DEFAULT_MAX_EXPANDED_BYTES = 1024 * 1024 * 1024
"""Largest size a compressed file (gzip, or the zip inside .xlsx/.ods) may unpack to (1 GB)."""

DEFAULT_MAX_ROWS = 2_000_000
"""Most data rows read from one file or sheet (text files: physical lines below the header).

The Online Retail file (541,909 lines) fits almost four times; Excel itself stops at 1,048,576.
"""

DEFAULT_MAX_COLUMNS = 1_000
"""Most columns read from one file or sheet (a workbook: up to its farthest filled column)."""

DEFAULT_MAX_CELLS = 20_000_000
"""Most cells (rows x columns of the table's rectangle) read from one file or sheet.

Twenty million cells of text take a few hundred MB once in pandas; Online Retail has 4.3 million.
"""

TRANSACTION_ROLES = (
    "customer_id",
    "order_id",
    "order_date",
    "amount",
    "quantity",
    "unit_price",
    "product",
    "category",
    "channel",
    "country",
)
"""Roles a transactions column can play, in canonical column order."""

RESPONSE_ROLES = ("response_date", "score", "customer_id", "comment", "csat", "ces")
"""Roles a survey-responses column can play, in canonical column order."""

_NULL_TOKENS = frozenset(
    ["", "nan", "NaN", "NAN", "na", "NA", "N/A", "n/a", "#N/A", "null", "NULL", "Null"]
    + ["none", "None", "NONE", "-", "--", "\u2014", "\u2013"]
)
# Cells holding one of these count as empty for the roles prepare_* reads (ids, dates,
# numbers). read_table itself never turns them into anything: "NA" stays "NA".


def _q(name: str) -> str:
    """How messages name a file: 'sales.csv', or "the uploaded file" when it has no name."""
    return f"'{name}'" if name else "the uploaded file"


@dataclass
class Prepared:
    """Result of :func:`prepare_transactions` / :func:`prepare_responses`.

    Attributes
    ----------
    data : pd.DataFrame
        The canonical table (RangeIndex), one row per usable source row.
    rejected : pd.DataFrame
        The source rows that could not be used: every original column as text, plus ``row``
        (the row number as the spreadsheet shows it) and ``reason`` (plain words).
    warnings : list[str]
        Plain-language notes about the data (kept-but-odd lines, assumptions made).
    mapping : dict[str, str]
        Role -> source column actually used.
    report : dict
        Figures for a data-health panel (see the prepare functions for the keys).
    anonymous : pd.DataFrame
        Transactions only: sales with a date and an amount but no customer (guest checkouts,
        till sales, "Walk-in"), kept apart so that no customer analysis sees them: ``row``,
        ``order_id``, ``order_date``, ``amount``, the optional roles present, the unmapped
        source columns, and ``why`` ("no customer id" or "guest or walk-in sale"). They count
        in total revenue and orders (:func:`analysis.overview.sales_without_customer`).
        Empty (no columns) for survey responses.

    Always ``len(data) + len(anonymous) + len(rejected)`` equals the number of rows read.
    """

    data: pd.DataFrame
    rejected: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    anonymous: pd.DataFrame = field(default_factory=pd.DataFrame)


# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------


def _col_letter(i: int) -> str:
    """0-based column position -> spreadsheet letter (0 -> A, 26 -> AA)."""
    letters = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _human_size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            if unit == "bytes":
                return f"{int(n)} bytes"
            return f"{n:.0f} {unit}" if n >= 10 else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.0f} TB"  # pragma: no cover


def _short(value: str, width: int = 40) -> str:
    value = str(value).replace("\n", " ")
    return value if len(value) <= width else value[: width - 1] + "\u2026"


def _as_text(s: pd.Series) -> pd.Series:
    """A column as str dtype with "" for missing (raw tables from notebooks may hold numbers)."""
    if isinstance(s.dtype, pd.StringDtype):
        return s.fillna("") if s.hasnans else s
    if pd.api.types.is_float_dtype(s.dtype):
        out = pd.Series(
            [_cell_text(float(v)) for v in s],
            index=s.index,
            dtype="str",
        )
        return out
    return s.astype(object).where(s.notna(), "").astype("str")


# ---------------------------------------------------------------------------------------------
# read_table
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Limits:
    """Size limits of one table: data rows, columns, cells (rows x columns)."""

    rows: int = DEFAULT_MAX_ROWS
    columns: int = DEFAULT_MAX_COLUMNS
    cells: int = DEFAULT_MAX_CELLS

    def text(self) -> str:
        return (
            f"at most {self.rows:,} rows, {self.columns:,} columns and {self.cells:,} cells "
            "(rows x columns)"
        )


_TITLE_LINES = 1_000  # lines allowed above the header (titles, notes) besides max_rows

_WORKBOOK_EXTS = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".xltx", ".xltm"}
_TEXT_EXTS = {".csv", ".txt", ".tsv", ".tab", ".dat", ".psv", ".text", ".prn"}
_BLANK_RE = re.compile(rb"[\s\x00\xef\xbb\xbf\xff\xfe]*\Z")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DELIMITERS = (",", ";", "\t", "|")
_DELIM_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar", "whitespace": ""}
_WS = "whitespace"


def read_table(
    source: Any,
    *,
    filename: str | None = None,
    sheet: str | int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_expanded_bytes: int = DEFAULT_MAX_EXPANDED_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_columns: int = DEFAULT_MAX_COLUMNS,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> pd.DataFrame:
    """Read a data file into a table of text, exactly as written.

    Parameters
    ----------
    source : str | os.PathLike | bytes | binary file-like
        A path, the file's bytes, or an open binary file (e.g. Streamlit's ``UploadedFile``,
        which has ``.name``, ``.size`` and ``.getvalue()``).
    filename : str, optional
        Name to use in messages and for the format hint (defaults to the path's or the
        file object's name).
    sheet : str | int, optional
        Workbook sheet by name or 0-based position; ``None`` = the first sheet holding data.
    max_bytes : int
        Refuse files larger than this as stored (checked before anything is parsed).
    max_expanded_bytes : int
        Refuse compressed files (gzip, and the zip inside .xlsx/.ods) that unpack to more.
    max_rows, max_columns, max_cells : int
        Refuse tables with more data rows, columns or cells (rows x columns), checked before
        the table is built (see the module notes); a workbook sheet counts its used range
        from A1 to its farthest filled cell.

    Returns
    -------
    pd.DataFrame
        One column per header name (names stripped of surrounding spaces), every cell as text
        (``str`` dtype) with no type guessing: ``00123`` stays ``00123``, ``NA`` stays ``NA``,
        an empty cell is ``""``. The index (named ``row``) is the row number as a
        spreadsheet program shows it (1-based, counting title and blank rows above the
        header; a quoted cell with line breaks is one row). Fully empty rows, and fully empty
        columns without a name, are dropped without renumbering the rest. Workbook cells
        become the text the spreadsheet shows: whole numbers without ``.0``, other numbers in
        their shortest form (``2.55``), dates as ISO text (``2024-03-05`` or
        ``2024-03-05 14:30:00``), booleans ``TRUE``/``FALSE``.
        ``df.attrs`` holds ``filename``, ``format`` ("csv", "xlsx", "xls", ...),
        ``encoding``, ``delimiter`` (",", ";", "\\t", "|", "whitespace"; None for workbooks),
        ``header_row`` (1-based), ``sheet`` (name, None for text), ``sheets`` (all names),
        ``compression`` ("gzip" or None) and ``warnings`` (list of plain-language notes).

    Raises
    ------
    DataError
        Empty file, header without data rows, content that is not what the name claims (a
        web page or text saved as ".xlsx", a workbook or binary file saved as ".csv" is read
        as a workbook with a warning), binary data, duplicate or blank column names, more
        values in a row than the header has names, file too large, an archive that would
        unpack to more than ``max_expanded_bytes``, or a table (or a sheet's used range) with
        more rows, columns or cells than ``max_rows``, ``max_columns``, ``max_cells``.

    Notes
    -----
    Text encoding: UTF-8 (with or without BOM), UTF-16/32 with BOM (or BOM-less UTF-16),
    otherwise Windows-1252, and Latin-1 as the last resort (never fails). The delimiter is
    chosen among comma, semicolon, tab, vertical bar and runs of whitespace by how consistent
    the number of fields is over the first lines (quotes respected); an Excel ``sep=;`` first
    line is honoured. Title rows and blank rows above the header are skipped: the header is
    the first row with at least two values reaching across most of the table's width.

    A quotation mark that opens a value on one line and is closed only lines later (as naive
    exporters write ``Tea "special``) would swallow the rows in between into one cell. When
    the lines inside such a value look like whole rows of the table, or the quote is never
    closed, those lines are read one by one instead (each keeps its own row number, the stray
    quote stays in the text) and a warning names the first such row.
    """
    data, name = _load_source(source, filename, max_bytes)
    limits = _Limits(max_rows, max_columns, max_cells)
    warnings: list[str] = []
    compression = None
    if data[:2] == b"\x1f\x8b" or (name.lower().endswith(".gz") and data):
        data = _gunzip(data, name, max_expanded_bytes, limits.rows + _TITLE_LINES)
        compression = "gzip"
    inner = name[:-3] if name.lower().endswith(".gz") else name
    ext = os.path.splitext(inner.lower())[1]
    if _BLANK_RE.match(data):
        raise DataError(f"{_q(name)} is empty: there is nothing in it to read.")

    kind = _sniff(data)
    if kind in ("zip", "ole"):
        fmt = _workbook_format(data, name, ext, kind, max_expanded_bytes)
        if ext in _TEXT_EXTS:
            warnings.append(
                f"{_q(name)} is named like a text (CSV) file but is really an Excel-type workbook; "
                "we read it as a workbook."
            )
        df = _read_workbook(data, name, fmt, sheet, limits)
    elif kind == "pdf":
        raise DataError(
            f"{_q(name)} is a PDF document, not a table of data. Export the data from the "
            "program it came from as CSV or Excel instead."
        )
    else:
        df = _read_text(data, name, ext, limits)
    df.attrs["filename"] = name or None
    df.attrs["compression"] = compression
    df.attrs["warnings"] = warnings + df.attrs.get("warnings", [])
    return df


def _load_source(source: Any, filename: str | None, max_bytes: int) -> tuple[bytes, str]:
    """Bytes and display name of ``source``, refusing oversize input before reading it."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = filename or path.name
        try:
            size = os.path.getsize(path)
        except FileNotFoundError:
            raise DataError(f"We could not find the file {_q(name)}.") from None
        except OSError as exc:
            raise DataError(f"We could not open {_q(name)} ({exc.strerror}).") from None
        if path.is_dir():
            raise DataError(f"{_q(name)} is a folder, not a file.")
        _check_size(size, name, max_bytes)
        return path.read_bytes(), name
    if isinstance(source, (bytes, bytearray, memoryview)):
        name = filename or ""
        _check_size(len(source), name, max_bytes)
        return bytes(source), name
    if hasattr(source, "read") or hasattr(source, "getvalue"):
        raw_name = getattr(source, "name", None)
        name = filename or (Path(str(raw_name)).name if raw_name else "")
        size = getattr(source, "size", None)
        if size is None and hasattr(source, "seek") and hasattr(source, "tell"):
            try:
                here = source.tell()
                size = source.seek(0, 2) - here
                source.seek(here)
            except (OSError, ValueError):
                size = None
        if size is not None:
            _check_size(int(size), name, max_bytes)
        if hasattr(source, "getvalue"):
            data = source.getvalue()
        else:
            data = source.read(max_bytes + 1)
        if isinstance(data, str):  # a text-mode handle: take its text as UTF-8
            data = data.encode("utf-8")
        data = bytes(data)
        _check_size(len(data), name, max_bytes)
        return data, name
    raise TypeError(
        f"read_table expects a path, bytes or a binary file object, not {type(source).__name__}"
    )


def _check_size(size: int, name: str, max_bytes: int) -> None:
    if size > max_bytes:
        raise DataError(
            f"{_q(name)} is {_human_size(size)}, larger than the {_human_size(max_bytes)} this app "
            "accepts. Export a shorter period or fewer columns and try again."
        )


def _gunzip(data: bytes, name: str, limit: int, max_lines: int) -> bytes:
    """Stream-decompress gzip ``data``, stopping as soon as it grows past ``limit`` bytes or
    ``max_lines`` lines."""
    out = io.BytesIO()
    total = 0
    lines = 0
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            while True:
                chunk = gz.read(1 << 20)
                if not chunk:
                    break
                total += len(chunk)
                if total > limit:
                    raise DataError(
                        f"{_q(name)} is compressed and would unpack to more than "
                        f"{_human_size(limit)}, more than this app accepts."
                    )
                lines += chunk.count(b"\n")
                if lines > max_lines:
                    raise DataError(
                        f"{_q(name)} is compressed and unpacks to more than {max_lines:,} "
                        f"lines; this app reads at most {max_lines - _TITLE_LINES:,} rows from "
                        "one file. Export a shorter period and try again."
                    )
                out.write(chunk)
    except (OSError, EOFError, zlib.error):
        raise DataError(
            f"{_q(name)} is a compressed (gzip) file, but it is damaged or incomplete, so we "
            "could not unpack it."
        ) from None
    return out.getvalue()


def _sniff(data: bytes) -> str:
    """What the bytes really are: "zip", "ole" (old Excel), "pdf" or "text"."""
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return "zip"
    if data[:8] == _OLE_MAGIC:
        return "ole"
    if data[:5] == b"%PDF-":
        return "pdf"
    return "text"


def _workbook_format(data: bytes, name: str, ext: str, kind: str, limit: int) -> str:
    """Check a zip/OLE container is a spreadsheet (and not a zip bomb); return its format."""
    if kind == "ole":
        return "xls"
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DataError(
            f"{_q(name)} looks like an Excel workbook but is damaged (its zip structure cannot be "
            "read). Open it in Excel and save it again, or export it as CSV."
        ) from None
    expanded = sum(i.file_size for i in infos)
    if expanded > limit:
        raise DataError(
            f"{_q(name)} would unpack to {_human_size(expanded)}, more than the "
            f"{_human_size(limit)} this app accepts, so we did not open it."
        )
    names = {i.filename for i in infos}
    if "xl/workbook.xml" in names:
        if ext in (".xlsm", ".xltm"):
            return "xlsm"
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "content.xml" in names:
        try:
            mimetype = zf.read("mimetype")[:100] if "mimetype" in names else b""
        except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
            mimetype = b""
        if b"spreadsheet" in mimetype:
            return "ods"
        raise DataError(
            f"{_q(name)} is an OpenDocument file but not a spreadsheet (perhaps a text document). "
            "Upload a spreadsheet (.ods, .xlsx) or a CSV file."
        )
    if any(n.startswith("word/") for n in names):
        what = "a Word document"
    elif any(n.startswith("ppt/") for n in names):
        what = "a PowerPoint presentation"
    else:
        what = "a ZIP archive"
    raise DataError(
        f"{_q(name)} is {what}, not a spreadsheet. If it is an archive, unzip it first and "
        "upload the CSV or Excel file inside."
    )


# --- workbooks --------------------------------------------------------------------------------


def _cell_text(v: Any) -> str:
    """A calamine cell value as the text the spreadsheet shows."""
    t = type(v)
    if t is str:
        return v
    if t is float:
        if v != v or v in (math.inf, -math.inf):
            return ""
        if v.is_integer() and abs(v) < 1e16:
            return str(int(v))
        return f"{v:.15g}"  # Excel shows at most 15 significant digits: 0.1+0.2 -> "0.3"
    if t is bool:
        return "TRUE" if v else "FALSE"
    if t is int:
        return str(v)
    if t is _dt.datetime:
        if v.microsecond >= 500_000:
            v = v + _dt.timedelta(microseconds=1_000_000 - v.microsecond)
        v = v.replace(microsecond=0)
        if v.hour == 0 and v.minute == 0 and v.second == 0:
            return v.date().isoformat()
        return v.isoformat(sep=" ")
    if t is _dt.date:
        return v.isoformat()
    if t is _dt.time:
        return v.replace(microsecond=0).isoformat()
    if t is _dt.timedelta:
        secs = round(v.total_seconds())
        h, rem = divmod(abs(secs), 3600)
        return f"{'-' if secs < 0 else ''}{h}:{rem // 60:02d}:{rem % 60:02d}"
    if v is None:
        return ""
    return str(v)


# --- workbook used-range pre-check --------------------------------------------------------------
# The spreadsheet reader (calamine) builds the whole rectangle from A1 to the farthest filled cell
# before we see a single value: one cell at XFD1048576 asks for 17 billion cells and aborts the
# process, one at Z1000000 costs a GB. So the sheet XML is scanned first, in 1 MB pieces, for the
# real used range (cells that hold something: a self-closing <c .../> is only formatting).

_CHUNK = 1 << 20
_ATTR_RE = re.compile(rb'([\w.-]+(?::[\w.-]+)?)\s*=\s*"([^"]*)"')
_XL_TAG_RE = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s/>])([^>]*?)(/?)>")
_XL_R_RE = re.compile(rb'(?:^|\s)r\s*=\s*"([A-Z]{0,3})([0-9]{1,9})"')
_XL_UNUSUAL_RE = re.compile(rb'<c r="(?:[A-Z]{3}|[A-Z]{1,3}[0-9]{7})')
_XL_DIGITS_RE = {d: re.compile(rb'<c r="[A-Z]{1,2}[0-9]{%d}"' % d) for d in range(1, 7)}
_XL_TWO_RE = {a: re.compile(rb'<c r="%c[A-Z][0-9]' % a) for a in range(65, 91)}
_OD_TAG_RE = re.compile(
    rb"<(/?)(?:[\w.-]+:)?(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*?)(/?)>"
)
_OD_ROWS_RE = re.compile(rb'number-rows-repeated\s*=\s*"([0-9]{1,12})"')
_OD_COLS_RE = re.compile(rb'number-columns-repeated\s*=\s*"([0-9]{1,12})"')
_OD_NAME_RE = re.compile(rb'(?:^|\s)[\w.-]*:?name\s*=\s*"([^"]*)"')


def _col_index(letters: bytes) -> int:
    """Spreadsheet column letters -> 1-based position (A -> 1, AA -> 27)."""
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _xml_chunks(zf: zipfile.ZipFile, part: str):
    """The member ``part`` in pieces that each end on a '>' (no tag is cut in two)."""
    carry = b""
    with zf.open(part) as fh:
        while True:
            block = fh.read(_CHUNK)
            if not block:
                break
            block = carry + block
            cut = block.rfind(b">") + 1
            if cut == 0:
                carry = block[-4096:]  # no tag end in a whole piece: keep only a tail
                continue
            carry = block[cut:]
            yield block[:cut]
    if carry:
        yield carry


_SPARSE_MIN_CELLS = 1_000_000  # a used range this big must be filled at least 1 cell in ...
_SPARSE_FACTOR = 20  # ... 20: else it is a stray far cell or a repeat bomb, not a table


def _too_big(rows: int, cols: int, limits: _Limits, written: int | None = None) -> bool:
    """Over the limits, or (``written`` = cells actually in the file) mostly empty or repeats."""
    area = rows * cols
    if rows > limits.rows + _TITLE_LINES or cols > limits.columns or area > limits.cells:
        return True
    return written is not None and area > max(_SPARSE_MIN_CELLS, _SPARSE_FACTOR * written)


def _xlsx_fast_bound(chunk: bytes) -> tuple[int, int, int] | None:
    """Cheap bound (digits of the last row, last column, cell tags) of the cells in ``chunk``;
    None if it cannot tell.

    Works when every cell tag starts with its reference (``<c r="B7"``, as Excel, LibreOffice
    and the Python writers do), without a namespace prefix, and references have one or two
    letters and at most six digits; anything else goes to the exact scan.
    """
    tags = chunk.count(b"<c") - len(_XL_NAMED_C_RE.findall(chunk))  # not <col>, <cfRule>...
    if tags != chunk.count(b'<c r="') or _xl_prefixed(chunk):
        return None
    if not tags or not _XL_ANY_REF_RE.search(chunk):
        return 0, 0, tags
    if _XL_UNUSUAL_RE.search(chunk):
        return None
    cols = 0
    first = next((a for a in range(90, 64, -1) if _XL_TWO_RE[a].search(chunk)), None)
    if first is not None:  # two letters (no three-letter references here): AA..ZZ
        second = next(b for b in range(90, 64, -1) if chunk.find(b'<c r="%c%c' % (first, b)) >= 0)
        cols = (first - 64) * 26 + (second - 64)
    else:
        cols = next((26 - i for i, ch in enumerate(b"ZYXWVUTSRQPONMLKJIHGFEDCBA")
                     if chunk.find(b'<c r="' + bytes([ch])) >= 0), 0)  # fmt: skip
    digits = next((d for d in range(6, 0, -1) if _XL_DIGITS_RE[d].search(chunk)), 0)
    return digits, cols, tags


def _xlsx_above(cols: int, digits: int) -> re.Pattern:
    """A reference past column ``cols`` (up to ZZ = 702) or with more than ``digits`` digits,
    or unusual (three letters, seven digits)."""
    key = (cols, digits)
    if key not in _XL_ABOVE:
        alts = [rb"[A-Z]{3}", rb"[A-Z]{1,3}[0-9]{7}"]
        if cols < 26:
            alts.append(b"[" + bytes([65 + cols]) + b"-Z]")
        if cols <= 26:
            alts.append(rb"[A-Z]{2}")
        elif cols < 702:
            a, b = _col_letter(cols - 1).encode()
            if a < ord("Z"):
                alts.append(b"[%c-Z][A-Z]" % (a + 1))
            if b < ord("Z"):
                alts.append(b"%c[%c-Z]" % (a, b + 1))
        if digits < 6:
            alts.append(rb"[A-Z]{1,2}[0-9]{%d}" % (digits + 1))
        _XL_ABOVE[key] = re.compile(rb'<c r="(?:' + b"|".join(alts) + rb")")
    return _XL_ABOVE[key]


_XL_ABOVE: dict[tuple[int, int], re.Pattern] = {}
_XL_NAMED_C_RE = re.compile(rb"<c[A-Za-z_.:-]")
_XL_PREFIXED_RE = re.compile(rb"<[A-Za-z_][\w.-]*:(?:c|row)[\s/>]")
_XL_ANY_REF_RE = re.compile(rb'<c r="[A-Z]')


def _xl_prefixed(chunk: bytes) -> bool:
    """Cells or rows written with a namespace prefix (<x:c ...>): the exact scan reads them."""
    return (b":c" in chunk or b":row" in chunk) and bool(_XL_PREFIXED_RE.search(chunk))


_XL_EXACT_BYTES = 8 << 20  # sheet XML up to this size is scanned exactly right away


def _xlsx_exact_range(zf: zipfile.ZipFile, part: str, limits: _Limits) -> tuple[int, int, int]:
    """(last row, last column, count) of the cells holding something; stops past the limits."""
    row = col = max_row = max_col = written = 0
    for chunk in _xml_chunks(zf, part):
        for m in _XL_TAG_RE.finditer(chunk):
            tag, attrs, empty = m.groups()
            r = _XL_R_RE.search(attrs)
            if tag == b"row":
                row = int(r.group(2)) if r else row + 1
                col = 0
                continue
            if r:
                col = _col_index(r.group(1)) if r.group(1) else col + 1
                cell_row = int(r.group(2))
            else:
                col, cell_row = col + 1, row
            if not empty:
                written += 1
                max_row, max_col = max(max_row, cell_row), max(max_col, col)
                if _too_big(max_row, max_col, limits):
                    return max_row, max_col, written
    return max_row, max_col, written


def _xlsx_used_range(zf: zipfile.ZipFile, part: str, limits: _Limits) -> tuple[int, int, int]:
    """(rows, columns, filled cells) of a worksheet's used range from A1.

    Small sheets are scanned exactly. Big ones get a bound first, at the cost of a few byte
    searches per MB: the most digits in a row number and the farthest column letter (only the
    pieces with a reference past the bound so far are looked at closely), then, if that bound
    is over the limits, the leading digit of the row numbers; the exact scan is the last resort.
    Cell tags count as filled for the bound.
    """
    if zf.getinfo(part).file_size <= _XL_EXACT_BYTES:
        return _xlsx_exact_range(zf, part, limits)
    digits = cols = tags = 0
    for chunk in _xml_chunks(zf, part):
        above = _xlsx_above(cols, digits).search(chunk)
        if not above:
            n = chunk.count(b"<c") - len(_XL_NAMED_C_RE.findall(chunk))
            if n != chunk.count(b'<c r="') or _xl_prefixed(chunk):
                return _xlsx_exact_range(zf, part, limits)
            tags += n
            continue
        b = _xlsx_fast_bound(chunk)
        if b is None:
            return _xlsx_exact_range(zf, part, limits)
        digits, cols, tags = max(digits, b[0]), max(cols, b[1]), tags + b[2]
    rows = 10**digits - 1
    if _too_big(rows, cols, limits, tags) and digits:
        lead = 1  # the largest leading digit among the longest row numbers
        for chunk in _xml_chunks(zf, part):
            while lead < 9 and re.search(
                rb'<c r="[A-Z]{1,2}[%d-9][0-9]{%d}"' % (lead + 1, digits - 1), chunk
            ):
                lead += 1
        rows = (lead + 1) * 10 ** (digits - 1) - 1
    if _too_big(rows, cols, limits, tags):
        return _xlsx_exact_range(zf, part, limits)
    return rows, cols, tags


def _ods_used_ranges(zf: zipfile.ZipFile, limits: _Limits) -> dict[str, tuple[int, int, int]]:
    """Table name -> (rows, columns, filled cell tags) of its used range, repeated rows and
    columns expanded (the reader materialises them); stops once past the limits."""
    out: dict[str, tuple[int, int, int]] = {}
    name = ""
    pos = max_row = max_col = written = 0
    row_rep = col = row_col = 0
    row_full = False
    for chunk in _xml_chunks(zf, "content.xml"):
        for m in _OD_TAG_RE.finditer(chunk):
            close, tag, attrs, selfclose = m.groups()
            if tag == b"table":
                if not close:
                    nm = _OD_NAME_RE.search(attrs)
                    name = html.unescape(nm.group(1).decode("utf-8", "replace")) if nm else ""
                    pos = max_row = max_col = written = 0
                if close or selfclose:
                    out[name] = (max_row, max_col, written)
                continue
            if tag == b"table-row":
                if not close:
                    rm = _OD_ROWS_RE.search(attrs)
                    row_rep = int(rm.group(1)) if rm else 1
                    col = row_col = 0
                    row_full = False
                if close or selfclose:
                    if row_full:
                        max_row, max_col = pos + row_rep, max(max_col, row_col)
                        if _too_big(max_row, max_col, limits, written):
                            out[name] = (max_row, max_col, written)
                            return out
                    pos += row_rep
                continue
            if close:
                continue
            cm = _OD_COLS_RE.search(attrs)
            col += int(cm.group(1)) if cm else 1
            if not selfclose or b"value-type" in attrs:
                row_col, row_full = col, True
                written += 1
                if col > limits.columns + 1:
                    out[name] = (max(max_row, pos + row_rep), col, written)
                    return out
    return out


def _xlsx_sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet XML member, from xl/workbook.xml and its relationships."""
    try:
        book = zf.read("xl/workbook.xml")[: 16 << 20]
        rels = zf.read("xl/_rels/workbook.xml.rels")[: 16 << 20]
    except (KeyError, zipfile.BadZipFile, OSError, RuntimeError):
        return {}
    targets = {}
    for m in re.finditer(rb"<(?:\w+:)?Relationship\b([^>]*)>", rels):
        a = {k.split(b":")[-1]: v for k, v in _ATTR_RE.findall(m.group(1))}
        if b"Id" in a and b"Target" in a:
            t = html.unescape(a[b"Target"].decode("utf-8", "replace"))
            targets[a[b"Id"]] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    parts = {}
    for m in re.finditer(rb"<(?:\w+:)?sheet\b([^>]*)>", book):
        attrs = _ATTR_RE.findall(m.group(1))
        a = {k: v for k, v in attrs}
        rid = next((v for k, v in attrs if k.endswith(b":id")), None)
        if b"name" in a and rid in targets:
            parts[html.unescape(a[b"name"].decode("utf-8", "replace"))] = targets[rid]
    return parts


class _ShapeGuard:
    """Refuses a workbook sheet whose used range exceeds the limits, before it is read."""

    def __init__(self, data: bytes, name: str, fmt: str, limits: _Limits, multi: bool) -> None:
        self.name, self.fmt, self.limits, self.multi = name, fmt, limits, multi
        self.zf: zipfile.ZipFile | None = None
        self.parts: dict[str, str] = {}
        self.ods: dict[str, tuple[int, int, int]] | None = None
        if fmt in ("xlsx", "xlsm", "ods"):
            try:
                self.zf = zipfile.ZipFile(io.BytesIO(data))
                if fmt != "ods":
                    self.parts = _xlsx_sheet_parts(self.zf)
            except (zipfile.BadZipFile, OSError, ValueError):
                self.zf = None

    def _where(self, sheet: str) -> str:
        return f"The sheet '{sheet}' in {_q(self.name)}" if self.multi else _q(self.name)

    def _refuse(self, sheet: str, rows: int, cols: int, written: int | None = None) -> None:
        where = self._where(sheet)
        where = where[0].upper() + where[1:]
        far = f"{_col_letter(max(cols, 1) - 1)}{rows}"
        if written is not None and not _too_big(rows, cols, self.limits):
            what = "repeats rows or cells" if self.fmt == "ods" else "is nearly empty"
            raise DataError(
                f"{where} reaches cell {far} ({rows * cols:,} cells counted from A1) but holds "
                f"only {written:,} filled cells: it {what}, which would take far more memory "
                "to read than its data needs. If a cell far below or to the right of the data "
                "is a stray entry, delete it (or the empty rows and columns up to it), save, "
                "and upload again, or export the data as CSV."
            )
        raise DataError(
            f"{where} reaches cell {far}: {rows:,} rows x {cols:,} columns ({rows * cols:,} "
            f"cells) counted from A1, and this app reads {self.limits.text()}. If that far "
            "cell is a stray entry, delete it (or the empty rows and columns up to it), save, "
            "and upload again; otherwise export a shorter period or fewer columns."
        )

    def check(self, sheet: str) -> None:
        """Raise DataError if ``sheet``'s used range is too big (xlsx, xlsm, ods)."""
        if self.zf is None:
            return
        try:
            if self.fmt == "ods":
                if self.ods is None:
                    self.ods = _ods_used_ranges(self.zf, self.limits)
                    self.multi = self.multi or len(self.ods) > 1
                found = [(sheet, self.ods[sheet])] if sheet in self.ods else list(self.ods.items())
            else:
                part = self.parts.get(sheet)
                if part is None:  # unknown layout: check every worksheet
                    found = [
                        (sheet, _xlsx_used_range(self.zf, n, self.limits))
                        for n in self.zf.namelist()
                        if n.startswith("xl/worksheets/") and n.endswith(".xml")
                    ]
                else:
                    found = [(sheet, _xlsx_used_range(self.zf, part, self.limits))]
        except (KeyError, zipfile.BadZipFile, OSError, RuntimeError, EOFError, zlib.error):
            return  # the reader itself will say the file is damaged
        for sname, (rows, cols, written) in found:
            if _too_big(rows, cols, self.limits, written):
                self._refuse(sname, rows, cols, written)

    def check_all(self) -> None:
        """Check every table at once (the .ods reader parses them all when it opens)."""
        if self.fmt == "ods" and self.zf is not None:
            self.check("\x00")  # no sheet has this name: all are checked

    def check_rows(self, sheet: str, rows: list[list[str]]) -> None:
        """After reading (formats without a pre-check): refuse a table over the limits."""
        width = max((len(r) for r in rows), default=0)
        if _too_big(len(rows), width, self.limits):
            self._refuse(sheet, len(rows), width)


def _read_workbook(
    data: bytes, name: str, fmt: str, sheet: str | int | None, limits: _Limits
) -> pd.DataFrame:
    """Read one sheet of a workbook; any failure of the reader itself becomes a DataError."""
    try:
        return _read_sheet(data, name, fmt, sheet, limits)
    except DataError:
        raise
    except BaseException as exc:
        # calamine is written in Rust: on some damaged files it panics, which surfaces as
        # pyo3's PanicException (a BaseException); anything else from it is an Exception
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        raise DataError(
            f"{_q(name)} could not be read: the spreadsheet seems damaged. Open it in Excel, "
            "save it again and retry (or export it as CSV)."
        ) from None


WORKBOOK_MEMORY_LIMIT = 2 * 1024 * 1024 * 1024
"""Address space the spreadsheet reader's worker process may use (2 GB)."""

WORKBOOK_TIME_LIMIT = 300.0
"""Seconds the spreadsheet reader's worker process may take for one sheet."""

ISOLATE_WORKBOOKS = True
"""Read workbooks in a separate worker process (a crash or a runaway allocation in the reader,
which is native code, then ends only that process); False reads them in this process."""

# The worker: only the standard library and python_calamine (no pandas), so it starts quickly.
# Input (stdin): pickle of (sheet index or None, memory limit, workbook bytes). Output (stdout):
# pickle of ("ok", sheet names, rows or None) or (error kind, exception name).
_WORKER = r"""
import io, pickle, resource, sys
index, limit, data = pickle.load(sys.stdin.buffer)
if limit:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from python_calamine import CalamineError, CalamineWorkbook
out = sys.stdout.buffer
try:
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    names = list(wb.sheet_names)
except MemoryError:
    pickle.dump(("memory", "MemoryError"), out); sys.exit(0)
except (CalamineError, OSError, ValueError, RuntimeError) as exc:
    pickle.dump(("open", type(exc).__name__), out); sys.exit(0)
except BaseException as exc:  # e.g. a panic in the reader: a damaged file
    pickle.dump(("read", type(exc).__name__), out); sys.exit(0)
try:
    rows = None
    if index is not None and 0 <= index < len(names):
        rows = wb.get_sheet_by_name(names[index]).to_python(skip_empty_area=False)
except MemoryError:
    pickle.dump(("memory", "MemoryError"), out); sys.exit(0)
except BaseException as exc:
    pickle.dump(("read", type(exc).__name__), out); sys.exit(0)
pickle.dump(("ok", names, rows), out, protocol=pickle.HIGHEST_PROTOCOL)
"""


class _CellUnpickler(pickle.Unpickler):
    """Unpickles only what sheet cells are made of (no other classes, whatever the worker)."""

    _ALLOWED = {("datetime", n) for n in ("datetime", "date", "time", "timedelta")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a cell value")


def _damaged(name: str) -> DataError:
    return DataError(
        f"{_q(name)} could not be read: the spreadsheet seems damaged. Open it in Excel, save "
        "it again and retry (or export it as CSV)."
    )


def _unopenable(name: str) -> DataError:
    return DataError(
        f"{_q(name)} could not be opened as a spreadsheet: it may be password-protected or "
        "damaged. Open it in Excel, remove the password if there is one, save it, and try "
        "again (or export it as CSV)."
    )


def _calamine_worker(data: bytes, name: str, index: int | None) -> tuple[list[str], list | None]:
    """Sheet names and (if ``index`` is given) the raw cell rows of that sheet, read by the
    spreadsheet reader in a worker process limited to WORKBOOK_MEMORY_LIMIT and
    WORKBOOK_TIME_LIMIT. Any failure of the worker becomes a DataError naming the file."""
    payload = pickle.dumps((index, WORKBOOK_MEMORY_LIMIT, data), protocol=pickle.HIGHEST_PROTOCOL)
    try:
        proc = subprocess.run(
            [sys.executable, "-I", "-c", _WORKER],
            input=payload,
            capture_output=True,
            timeout=WORKBOOK_TIME_LIMIT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise DataError(
            f"{_q(name)} could not be read within {WORKBOOK_TIME_LIMIT:.0f} seconds, the time "
            "this app allows the spreadsheet reader for one sheet. Delete empty rows and "
            "columns or export the data as CSV, and try again."
        ) from None
    result: Any = None
    if proc.returncode == 0 and proc.stdout:
        try:
            result = _CellUnpickler(io.BytesIO(proc.stdout)).load()
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
            result = None
    if result is None or result[0] == "memory":
        raise DataError(
            f"{_q(name)} could not be read: the spreadsheet reader needed more than the "
            f"{_human_size(WORKBOOK_MEMORY_LIMIT)} of memory this app allows for one file (or "
            "stopped on damaged content). Delete empty rows and columns, or export the data as "
            "CSV, and try again."
        )
    if result[0] == "open":
        raise _unopenable(name)
    if result[0] != "ok":
        raise _damaged(name)
    return list(result[1]), result[2]


class _Workbook:
    """Sheet names and rows of a workbook, read in a worker process (or in process)."""

    def __init__(self, data: bytes, name: str, prefetch: bool) -> None:
        self.data, self.name = data, name
        self.wb: Any = None
        self.first: list | None = None
        if ISOLATE_WORKBOOKS:
            self.names, self.first = _calamine_worker(data, name, 0 if prefetch else None)
            return
        from python_calamine import CalamineError, CalamineWorkbook

        try:
            self.wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        except (CalamineError, OSError, ValueError, RuntimeError):
            raise _unopenable(name) from None
        self.names = list(self.wb.sheet_names)

    def rows(self, index: int) -> list[list[str]]:
        if index == 0 and self.first is not None:
            raw, self.first = self.first, None
        elif self.wb is None:
            raw = _calamine_worker(self.data, self.name, index)[1] or []
        else:
            raw = self.wb.get_sheet_by_name(self.names[index]).to_python(skip_empty_area=False)
        return [[_cell_text(v) for v in row] for row in raw]

    def close(self) -> None:
        if self.wb is not None:
            try:
                self.wb.close()
            except Exception:  # pragma: no cover - already closed
                pass


def _read_sheet(
    data: bytes, name: str, fmt: str, sheet: str | int | None, limits: _Limits
) -> pd.DataFrame:
    guard = _ShapeGuard(data, name, fmt, limits, multi=False)
    guard.check_all()  # .ods: the reader parses every table when it opens the file
    prefetch = sheet is None
    if prefetch and guard.zf is not None and fmt != "ods":
        first = next(iter(guard.parts), None)
        guard.check(first if first is not None else "\x00")  # unknown layout: every sheet
    wb = _Workbook(data, name, prefetch)
    names = wb.names
    guard.multi = len(names) > 1
    try:
        if sheet is None:
            chosen, rows = None, []
            for i, sname in enumerate(names):
                if i:
                    guard.check(sname)
                srows = wb.rows(i)
                guard.check_rows(sname, srows)
                if any(any(r) for r in srows):
                    chosen, rows = sname, srows
                    break
            if chosen is None:
                raise DataError(f"{_q(name)} is empty: none of its sheets holds any data.")
        else:
            if isinstance(sheet, (int, np.integer)) and not isinstance(sheet, bool):
                if not 0 <= int(sheet) < len(names):
                    raise DataError(
                        f"{_q(name)} has no sheet number {int(sheet) + 1}; its sheets are: "
                        + ", ".join(f"'{n}'" for n in names)
                        + "."
                    )
                chosen = names[int(sheet)]
            else:
                lookup = {n.strip().lower(): n for n in names}
                chosen = names[names.index(sheet)] if sheet in names else None
                chosen = chosen or lookup.get(str(sheet).strip().lower())
                if chosen is None:
                    raise DataError(
                        f"{_q(name)} has no sheet called '{sheet}'; its sheets are: "
                        + ", ".join(f"'{n}'" for n in names)
                        + "."
                    )
            guard.check(chosen)
            rows = wb.rows(names.index(chosen))
            guard.check_rows(chosen, rows)
            if not any(any(r) for r in rows):
                raise DataError(f"The sheet '{chosen}' in {_q(name)} is empty.")
    except DataError:
        raise
    except Exception:
        raise _damaged(name) from None
    finally:
        wb.close()

    sample = [[c.strip() for c in r] for r in rows[:200]]
    h = _find_header(sample)
    width = max((len(r) for r in rows), default=0)
    header = list(rows[h]) + [""] * (width - len(rows[h]))
    body_rows = [r + [""] * (width - len(r)) if len(r) < width else r for r in rows[h + 1 :]]
    if body_rows:
        cols = list(zip(*body_rows, strict=True))
        body = pd.DataFrame(
            {i: pd.array(cols[i], dtype="str") for i in range(width)},
            index=pd.RangeIndex(h + 2, h + 2 + len(body_rows)),
        )
    else:
        body = pd.DataFrame({i: pd.array([], dtype="str") for i in range(width)})
    where = f"{_q(name)} (sheet '{chosen}')" if len(names) > 1 else _q(name)
    df = _finish(header, body, h + 1, where, header_fields=width)
    df.attrs.update(
        format=fmt, encoding=None, delimiter=None, header_row=h + 1, sheet=chosen, sheets=names
    )
    return df


# --- text files -------------------------------------------------------------------------------


def _decode(data: bytes, name: str) -> tuple[str, bytes]:
    """(encoding name, UTF-8 bytes without BOM) of text ``data``; refuse binary data."""
    if data.startswith(b"\xef\xbb\xbf"):
        body = data[3:]
        try:
            body.decode("utf-8")
            return "utf-8-sig", body
        except UnicodeDecodeError:
            return "utf-8-sig", body.decode("utf-8", errors="replace").encode("utf-8")
    for bom, enc in (
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            text = data[len(bom) :].decode(enc, errors="replace")
            return enc.replace("-le", "").replace("-be", "") if "16" in enc else enc, (
                text.encode("utf-8")
            )
    head = data[:8192]
    if b"\x00" in head:
        even = head[0::2].count(0)
        odd = head[1::2].count(0)
        half = max(len(head) // 2, 1)
        if odd > 0.3 * half and even < 0.05 * half:
            return "utf-16-le", data.decode("utf-16-le", errors="replace").encode("utf-8")
        if even > 0.3 * half and odd < 0.05 * half:
            return "utf-16-be", data.decode("utf-16-be", errors="replace").encode("utf-8")
        raise _binary_error(name)
    controls = sum(head.count(bytes([b])) for b in (*range(1, 9), 11, 14, 15, *range(16, 32)))
    if controls > max(2, 0.01 * len(head)):
        raise _binary_error(name)
    if data.isascii():
        return "utf-8", data
    try:
        data.decode("utf-8")
        return "utf-8", data
    except UnicodeDecodeError:
        pass
    try:
        return "cp1252", data.decode("cp1252").encode("utf-8")
    except UnicodeDecodeError:
        return "latin-1", data.decode("latin-1").encode("utf-8")


def _binary_error(name: str) -> DataError:
    return DataError(
        f"{_q(name)} is not a text or spreadsheet file (it holds binary data). Upload a CSV "
        "file or an Excel workbook."
    )


_HTML_RE = re.compile(rb"^\s*(<!doctype\s+html|<html|<table|<head|<body|<meta|<!--)", re.I)


def _read_text(data: bytes, name: str, ext: str, limits: _Limits) -> pd.DataFrame:
    encoding, text = _decode(data, name)
    head = text[:4096]
    starts_tag = head.lstrip()[:1] == b"<"
    if _HTML_RE.match(head) or (starts_tag and re.search(rb"<html|<table", head, re.I)):
        claimed = "an Excel workbook" if ext in _WORKBOOK_EXTS else "a data file"
        raise DataError(
            f"{_q(name)} is a web page (HTML), not {claimed}, despite its name. Some "
            "programs export 'Excel' files this way. Open it in Excel and use Save As > Excel "
            "Workbook (.xlsx) or CSV, then upload that file."
        )
    if head.lstrip().startswith(b"<?xml"):  # e.g. Excel 2003 "XML Spreadsheet"
        raise DataError(
            f"{_q(name)} is an XML file (perhaps an old 'XML Spreadsheet'), which this app cannot "
            "read. Open it in Excel and save it as Excel Workbook (.xlsx) or CSV."
        )
    if ext in _WORKBOOK_EXTS:
        stem = os.path.splitext(name[:-3] if name.lower().endswith(".gz") else name)[0]
        raise DataError(
            f"{_q(name)} is named like an Excel workbook ({ext}) but is really a plain text "
            f"(CSV-style) file. Rename it to '{stem}.csv' and upload it again, or open it in "
            "Excel and save it as an Excel Workbook."
        )
    if b"\r" in text and text.count(b"\r") != text.count(b"\r\n"):
        # a lone CR ends a line too (classic Mac files, mixed endings): make it LF so that
        # lines are counted the same way everywhere
        text = re.sub(rb"\r(?!\n)", b"\n", text)

    sample_bytes = text[: 1 << 16]
    if len(text) > len(sample_bytes):
        cut = sample_bytes.rfind(b"\n")
        if cut > 0:
            sample_bytes = sample_bytes[: cut + 1]
    sample = sample_bytes.decode("utf-8", errors="ignore")
    delim, records = _choose_delimiter(sample)
    if not records:
        raise DataError(f"{_q(name)} is empty: there is nothing in it to read.")
    h = _find_header([r[2] for r in records])
    header_line = records[h][0]
    header_cells = records[h][2]
    width = len(header_cells)
    if width > limits.columns:
        raise DataError(
            f"The header row (row {header_line}) of {_q(name)} has {width:,} columns; this app "
            f"reads {limits.text()}. Remove the columns you do not need and upload again."
        )

    # start parsing at the header line
    offset = 0
    for _ in range(header_line - 1):
        offset = text.index(b"\n", offset) + 1
    body_bytes = text[offset:]
    n_lines = body_bytes.count(b"\n") + (0 if body_bytes.endswith(b"\n") else 1)
    _check_text_size(n_lines - 1, width, name, limits)
    raw, unclosed = _csv_frame(body_bytes, delim, name, header_line, limits)
    n_records = len(raw)
    # row number of each record: header line + record index, plus newlines inside quoted
    # fields of earlier records (rare: only computed when the line count says so)
    rownum = np.arange(header_line, header_line + n_records, dtype=np.int64)
    inside = None
    if (n_lines != n_records or unclosed) and n_records:
        inside = np.zeros(n_records, dtype=np.int64)
        for c in raw.columns:
            inside += raw[c].str.count("\n").fillna(0).to_numpy(dtype=np.int64)
        rownum += np.concatenate([[0], np.cumsum(inside)[:-1]])
    header = [str(v) for v in raw.iloc[0].tolist()] if n_records else list(header_cells)
    body = raw.iloc[1:]
    body.index = pd.Index(rownum[1:], dtype=np.int64)
    notes: list[str] = []
    if inside is not None:
        body, notes = _reread_broken_quotes(
            body, inside[1:], body_bytes, delim, width, header_line, unclosed, name
        )
        body.index = _spreadsheet_rows(body, int(inside[0]))
    df = _finish(
        header,
        body,
        header_line,
        _q(name),
        header_fields=len(header_cells),
        text_delim=delim,
    )
    df.attrs.update(
        format="csv",
        encoding=encoding,
        delimiter=delim,
        header_row=header_line,
        sheet=None,
        sheets=None,
        warnings=notes,
    )
    return df


def _spreadsheet_rows(body: pd.DataFrame, header_breaks: int) -> pd.Index:
    """Row numbers as a spreadsheet program shows them, from the records' line numbers: a
    quoted cell with line breaks is one row, so the breaks inside the header's and earlier
    records' cells are taken off (lines read one by one keep one row each)."""
    lines = body.index.to_numpy(dtype=np.int64)
    breaks = np.zeros(len(body), dtype=np.int64)
    for c in range(body.shape[1]):
        col = body.iloc[:, c]
        breaks += col.str.count("\n").fillna(0).to_numpy(dtype=np.int64)
    before = np.concatenate([[0], np.cumsum(breaks)[:-1]]) + header_breaks
    return pd.Index(lines - before, dtype=np.int64)


def _check_text_size(data_lines: int, width: int, name: str, limits: _Limits) -> None:
    """Refuse a text table with too many lines or cells before it is parsed."""
    if data_lines > limits.rows or data_lines * max(width, 1) > limits.cells:
        raise DataError(
            f"{_q(name)} has {data_lines:,} lines of data in {width:,} columns "
            f"({data_lines * max(width, 1):,} cells); this app reads {limits.text()}. "
            "Export a shorter period or fewer columns and try again."
        )


def _line_fields(line: str, delim: str) -> list[str]:
    """The fields of one physical line on its own (quotes honoured within the line only)."""
    if delim == _WS:
        return line.split()
    quoting = csv.QUOTE_NONE if line.count('"') % 2 else csv.QUOTE_MINIMAL  # a stray quote
    try:
        rec = next(csv.reader([line], delimiter=delim, strict=False, quoting=quoting), [])
    except csv.Error:
        rec = line.split(delim)
    return rec


_DATE_LIKE_RE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
_NUMBER_LIKE_RE = re.compile(r"[-+(]?[^\d\s]{0,3}\s?\d[\d.,' ]*\)?\s?[^\d\s]{0,3}-?")


def _kind(value: str) -> str:
    """Coarse kind of a cell for comparing a line with the table's rows."""
    v = value.strip()
    if not v:
        return ""
    if _DATE_LIKE_RE.match(v):
        return "date"
    if _NUMBER_LIKE_RE.fullmatch(v):
        return "number"
    return "text"


def _column_kinds(lines: list[bytes], delim: str, width: int) -> list[str]:
    """The most common kind of each column among (up to 2,000) physical lines that, read on
    their own, have the table's number of fields (rows, whatever the quotes around them)."""
    votes: list[Counter[str]] = [Counter() for _ in range(width)]
    for ln in lines[1:2001]:
        fields = _line_fields(ln.rstrip(b"\r").decode("utf-8", errors="replace"), delim)
        if len(fields) == width:
            for c, f in zip(votes, fields, strict=True):
                c[_kind(f)] += 1
    out = []
    for c in votes:
        c.pop("", None)
        out.append(c.most_common(1)[0][0] if c else "")
    return out


def _looks_like_a_row(fields: list[str], modes: list[str]) -> bool:
    """A line that has the table's number of fields and, in at least two of its filled cells
    (and at least half of them), the kind of value its column usually holds: a row of the
    table, not prose from a comment that happens to hold a comma or two."""
    if len(fields) != len(modes):
        return False
    filled = [(_kind(f), m) for f, m in zip(fields, modes, strict=True) if f.strip()]
    same = sum(k == m for k, m in filled)
    return same >= 2 and 2 * same >= len(filled)


def _reread_broken_quotes(
    body: pd.DataFrame,
    inside: np.ndarray,
    body_bytes: bytes,
    delim: str,
    width: int,
    header_line: int,
    unclosed: bool,
    name: str,
) -> tuple[pd.DataFrame, list[str]]:
    """Split records that a stray quotation mark stretched over whole rows back into lines.

    A record spanning several lines is legitimate (a comment with line breaks) unless one of
    its later lines, read on its own, has exactly the header's number of fields (it is a row
    of the table), or it holds more fields than the header, or its quote was never closed.
    Such a record is replaced by its physical lines, one row each, numbered as the editor
    shows them; the lines keep their text (the stray quote included).
    """
    multi = np.flatnonzero(inside > 0)
    if not len(multi):
        return body, []
    lines = body_bytes.split(b"\n")
    ncols = body.shape[1]
    extra = np.zeros(len(body), dtype=bool)
    for c in range(width, ncols):
        extra |= body.iloc[:, c].str.len().gt(0).to_numpy(dtype=bool, na_value=False)
    rows = body.index.to_numpy(dtype=np.int64)
    modes = _column_kinds(lines, delim, width)
    bad: list[int] = []
    spans: list[tuple[int, int]] = []
    for r in multi.tolist():
        start = int(rows[r]) - header_line
        seg = lines[start : start + int(inside[r]) + 1]
        suspicious = bool(extra[r]) or (unclosed and r == len(body) - 1)
        if not suspicious and width >= 2:
            for ln in seg[1:]:
                text = ln.rstrip(b"\r").decode("utf-8", errors="replace")
                if text.strip() and _looks_like_a_row(_line_fields(text, delim), modes):
                    suspicious = True
                    break
        if suspicious:
            bad.append(r)
            spans.append((start, start + len(seg)))
    if not bad:
        return body, []
    new_index: list[int] = []
    new_rows: list[list[str]] = []
    for start, stop in spans:
        for i in range(start, stop):
            text = lines[i].rstrip(b"\r").decode("utf-8", errors="replace")
            fields = _line_fields(text, delim) if text.strip() else []
            if len(fields) > ncols:  # keep every value: the surplus stays in the last column
                joiner = " " if delim == _WS else delim
                fields = fields[: ncols - 1] + [joiner.join(fields[ncols - 1 :])]
            new_rows.append(fields + [""] * (ncols - len(fields)))
            new_index.append(header_line + i)
    cols = list(zip(*new_rows, strict=True))
    repl = pd.DataFrame(
        {c: pd.array(list(cols[i]), dtype="str") for i, c in enumerate(body.columns)},
        index=pd.Index(new_index, dtype=np.int64),
    )
    keep = np.ones(len(body), dtype=bool)
    keep[bad] = False
    out = pd.concat([body.iloc[np.flatnonzero(keep)], repl]).sort_index(kind="stable")
    first, last = spans[0][0] + header_line, spans[0][1] - 1 + header_line
    while last > first and not lines[last - header_line].strip():
        last -= 1
    closed = not (unclosed and bad[0] == len(body) - 1)
    where = f"is closed only on row {last}" if closed else "is never closed"
    more = f" (and {len(bad) - 1:,} more places like it)" if len(bad) > 1 else ""
    note = (
        f'Row {first} of {_q(name)} opens a quotation mark (") that {where}, which would '
        f"have merged rows {first}-{last} into one{more}. We read those rows line by line "
        "instead, keeping the quotation mark as text; check them in the file."
    )
    return out, [note]


def _csv_frame(
    body: bytes, delim: str, name: str, header_line: int, limits: _Limits
) -> tuple[pd.DataFrame, bool]:
    """Parse delimited UTF-8 bytes (header record first) into str columns 0..W-1.

    Returns the frame and whether a quotation mark was still open at the end of the file (then
    a closing one was added so that the rest could be read; the caller re-reads those lines).
    """
    kw: dict[str, Any] = dict(
        header=None,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
        encoding="utf-8",
        engine="c",
        quotechar='"',
    )
    kw["sep"] = r"\s+" if delim == _WS else delim
    names = None
    unclosed = False
    for _ in range(20):
        try:
            frame = pd.read_csv(io.BytesIO(body), names=names, **kw)
            break
        except pd.errors.ParserError as exc:
            msg = str(exc)
            m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
            if m:
                seen = int(m.group(3))
                if seen > limits.columns:
                    raise DataError(
                        f"Row {header_line + int(m.group(2)) - 1} of {_q(name)} has {seen:,} "
                        f"values; this app reads {limits.text()}. Check that row (a missing "
                        "or extra quotation mark can merge many values) and upload again."
                    ) from None
                names = list(range(max(seen, len(names or []))))
                continue
            m = re.search(r"EOF inside string starting at row (\d+)", msg)
            if m and not unclosed:
                unclosed = True  # close it at the very end; those lines are re-read one by one
                body = body + b'"'
                continue
            where = f" (around row {header_line + int(m.group(1))})" if m else ""
            raise DataError(
                f"{_q(name)} could not be read{where}: a quotation mark opens a value that is "
                'never closed. Check that row for a stray " character.'
            ) from None
        except pd.errors.EmptyDataError:
            raise DataError(f"{_q(name)} is empty: there is nothing in it to read.") from None
    else:  # pragma: no cover - pathological widths
        raise DataError(f"{_q(name)} could not be read: its rows have too many different widths.")
    frame.columns = range(frame.shape[1])
    return frame, unclosed


def _split_records(sample: str, delim: str) -> list[tuple[int, int, list[str]]]:
    """(first line, last line, stripped cells) for each record of ``sample`` (1-based lines)."""
    out: list[tuple[int, int, list[str]]] = []
    if delim == _WS:
        for i, line in enumerate(sample.split("\n"), start=1):
            out.append((i, i, line.split()))
        return out
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delim, strict=False)
    prev = 0
    try:
        for rec in reader:
            out.append((prev + 1, reader.line_num, [c.strip() for c in rec]))
            prev = reader.line_num
    except csv.Error:
        pass
    return out


def _choose_delimiter(sample: str) -> tuple[str, list[tuple[int, int, list[str]]]]:
    """Pick the delimiter whose field counts are most consistent over the sample's records."""
    first = sample.lstrip("\ufeff").split("\n", 1)[0].strip()
    m = re.fullmatch(r'"?sep=(.)"?,*', first, flags=re.I)
    if m:  # Excel's "sep=;" hint line
        d = "\t" if m.group(1) == "\t" else m.group(1)
        return d, _split_records(sample, d)
    best: tuple[float, int, int] | None = None
    best_d, best_recs = ",", []
    candidates = []
    for priority, d in enumerate(_DELIMITERS):
        recs = _split_records(sample, d)
        candidates.append((priority, d, recs))
        if '"' in sample:
            # a quote spanning lines (or open at the end) may be a stray one: also weigh the
            # lines one by one
            lines = [
                (i, i, [c.strip() for c in _line_fields(ln, d)])
                for i, ln in enumerate(sample.split("\n"), start=1)
            ]
            candidates.append((priority, d, lines))
    for priority, d, recs in candidates:
        counts = [len(r[2]) for r in recs if any(r[2])][:200]
        multi = Counter(c for c in counts if c >= 2)  # one-field rows (titles) say nothing
        if not multi:
            continue
        mode = max(multi.items(), key=lambda kv: (kv[1], kv[0]))[0]
        # a title row has fewer fields, so measure consistency from the first full-width row;
        # ties go to the delimiter that is consistent from the very first line (the header)
        start = next((i for i, c in enumerate(counts) if c >= mode), 0)
        tail = counts[start:]
        consistency = sum(c == mode for c in tail) / len(tail)
        overall = sum(c == mode for c in counts) / len(counts)
        key = (round(consistency, 2), round(overall, 2), mode, -priority)
        if best is None or key > best:
            best, best_d, best_recs = key, d, recs
    if best is None or best[0] < 0.9:
        recs = _split_records(sample, _WS)
        counts = [len(r[2]) for r in recs if r[2]][:200]
        if counts:
            mode = max(Counter(counts).items(), key=lambda kv: (kv[1], kv[0]))[0]
            start = next((i for i, c in enumerate(counts) if c >= mode), 0)
            tail = counts[start:]
            consistency = sum(c == mode for c in tail) / len(tail)
            if mode >= 2 and (best is None or consistency > best[0]):
                return _WS, recs
    if best is None:
        return ",", _split_records(sample, ",")
    return best_d, best_recs


def _find_header(rows: list[list[str]]) -> int:
    """Index of the header row among the first rows (cells already stripped).

    The table's width is the most common "reach" (position of the last non-empty cell) among
    non-blank rows; the header is the first row with at least two values (one for a one-column
    table) whose reach covers at least three quarters of that width. Title rows ("Sales report
    March 2024") and blank rows above it are skipped.
    """
    spans = []
    for r in rows:
        last = 0
        for i, c in enumerate(r):
            if c:
                last = i + 1
        spans.append(last)
    nonblank = [s for s in spans if s]
    if not nonblank:
        return 0
    counts = Counter(nonblank)
    width = max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
    need = max(1, math.ceil(0.75 * width))
    for i, r in enumerate(rows):
        filled = sum(1 for c in r if c)
        if filled >= min(2, width) and spans[i] >= need:
            return i
    return next(i for i, s in enumerate(spans) if s)


def _finish(
    header: list[str],
    body: pd.DataFrame,
    header_row: int,
    where: str,
    *,
    header_fields: int,
    text_delim: str | None = None,
) -> pd.DataFrame:
    """Common checks and clean-up: names, empty rows/columns, header-only files."""
    names = [str(h).strip() for h in header]
    names += [""] * (body.shape[1] - len(names))
    if "" in names and len(body):  # a second header row naming the options (SurveyMonkey)
        first = [str(v) if isinstance(v, str) else "" for v in body.iloc[0].tolist()]
        names = _profiles.name_subheader_columns(names, first) or names
    nonempty = {}
    for i in range(body.shape[1]):
        col = body.iloc[:, i]
        nonempty[i] = col.str.strip().ne("").to_numpy(dtype=bool, na_value=False)
    keep_cols = []
    for i, nm in enumerate(names):
        if nm:
            keep_cols.append(i)
            continue
        mask = nonempty[i]
        if not mask.any():
            continue  # an unnamed, fully empty column is not data
        first = int(np.argmax(mask))
        row = int(body.index[first])
        value = _short(body.iloc[first, i])
        if text_delim is not None and i >= header_fields:
            n_vals = int(sum(bool(nonempty[j][first]) for j in range(body.shape[1])))
            raise DataError(
                f"Row {row} of {where} has more values than the header (row {header_row}) has "
                f"column names, so we cannot tell which column '{value}' belongs to. This often "
                "happens when a value contains the delimiter "
                f"({_DELIM_NAMES.get(text_delim) or 'a space'}) without quotation marks "
                f"around it. Fix row {row} (it has at least {n_vals} values) and upload again."
            )
        raise DataError(
            f"Column {_col_letter(i)} of {where} has no name in the header row (row "
            f"{header_row}) but holds values (e.g. '{value}' in row {row}). Give that column "
            "a name and upload the file again."
        )
    seen: dict[str, int] = {}
    for i in keep_cols:
        nm = names[i]
        if nm in seen:
            raise DataError(
                f"The header row (row {header_row}) of {where} has the column name '{nm}' more "
                f"than once (columns {_col_letter(seen[nm])} and {_col_letter(i)}). Each column "
                "needs a different name; rename one of them and upload again."
            )
        seen[nm] = i
    if keep_cols:
        any_value = np.zeros(len(body), dtype=bool)
        for i in keep_cols:
            any_value |= nonempty[i]
    else:
        any_value = np.zeros(len(body), dtype=bool)
    out = body.iloc[:, keep_cols]
    if not any_value.all():
        out = out.loc[any_value]
    out = out.set_axis([names[i] for i in keep_cols], axis=1)
    out.index = pd.Index(out.index.to_numpy(dtype=np.int64), name="row")
    if len(out) == 0:
        raise DataError(
            f"{where[0].upper() + where[1:]} has column names (row {header_row}) but no data "
            "rows below them."
        )
    for c in out.columns:
        if not isinstance(out[c].dtype, pd.StringDtype):
            out[c] = out[c].astype("str")
    return out


# ---------------------------------------------------------------------------------------------
# number and date parsing (vectorised, decided per column)
# ---------------------------------------------------------------------------------------------


@dataclass
class _Parsed:
    values: np.ndarray  # float64 (NaN where not a number) or datetime64[ns] (NaT)
    empty: np.ndarray  # bool: cell empty (or a null token)
    bad: np.ndarray  # bool: non-empty but not understood
    fmt: str | None  # plain words for the report
    ambiguous: bool = False  # numbers: decimal separator guessed; dates: day/month guessed
    notes: list[str] = field(default_factory=list)


_CURRENCY_RE = (
    r"[$€£¥₹₽₩₪₺¢]|\b(?:usd|eur|gbp|chf|jpy|cad|aud|nzd|sek|nok|dkk|pln|czk|huf|inr|cny|rmb|"
    r"brl|mxn|zar|sgd|hkd|try|ron|bgn|isk|kr|zł|zl|euro|euros|dollars?|pounds?)\b"
)
_SPACES_RE = r"[\s\u00a0\u202f\u2009\u2007\u2008\u200a'’]"
_CORE_RE = r"[+-]?(?:\d[\d.,]*|[.,]\d+)(?:e[+-]?\d+)?"


def _factorize_text(s: pd.Series) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """(codes, stripped unique values, row count per unique); code -1 = empty cell."""
    text = _as_text(s)
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    u = pd.Series(uniques).str.strip()
    null = u.isin(_NULL_TOKENS).to_numpy(dtype=bool, na_value=True)
    if null.any():
        remap = np.where(null, -1, np.arange(len(u)))
        codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
    counts = np.bincount(codes[codes >= 0], minlength=len(u))
    return codes, u, counts


def _parse_numbers(s: pd.Series) -> _Parsed:
    """Parse a column of numbers written in any common style, deciding separators per column.

    Accepts ``1,234.50``, ``1.234,50``, ``1 234,50`` (any space), ``1'234.50``, currency
    symbols or codes (``$1,234.50``, ``€5``, ``12.00 EUR``), ``(12.00)`` and ``12-`` as
    negatives, ``+5``, ``1e3``. The decimal separator is decided once for the whole column
    from all its values; a column where every value is like ``1,234`` (comma with three digits
    after it) is read with the comma as a thousands separator and flagged ``ambiguous``.
    """
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        v = s.to_numpy(dtype=np.float64, na_value=np.nan)
        ok = np.isfinite(v)
        return _Parsed(np.where(ok, v, np.nan), np.isnan(v), ~ok & ~np.isnan(v), "number")
    codes, u, counts = _factorize_text(s)
    n_u = len(u)
    empty = codes < 0
    vals_u = np.full(n_u, np.nan)
    fmt = "1234.56"
    ambiguous = False
    if n_u:
        fast = pd.to_numeric(u, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        plain = u.str.fullmatch(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?").to_numpy(
            dtype=bool, na_value=False
        )
        if plain.all():
            vals_u = fast
        else:
            vals_u, fmt, ambiguous = _parse_numbers_slow(u, counts)
    vals_u = np.where(np.isfinite(vals_u), vals_u, np.nan)
    values = (
        np.where(empty, np.nan, vals_u[np.maximum(codes, 0)])
        if n_u
        else np.full(len(codes), np.nan)
    )
    bad = ~empty & np.isnan(values)
    return _Parsed(values, empty, bad, fmt, ambiguous)


def _parse_numbers_slow(u: pd.Series, counts: np.ndarray) -> tuple[np.ndarray, str, bool]:
    t = u.str.lower().str.replace("\u2212", "-", regex=False)
    t = t.str.replace(_CURRENCY_RE, "", regex=True)
    spaced = (
        t.str.strip()
        .str.contains(r"\d[\s\u00a0\u202f\u2009]\d{3}", regex=True)
        .to_numpy(dtype=bool, na_value=False)
    )
    t = t.str.replace(_SPACES_RE, "", regex=True)
    paren = t.str.fullmatch(r"\(.*\)").to_numpy(dtype=bool, na_value=False)
    t = t.where(~paren, t.str.slice(1, -1))
    trail = t.str.fullmatch(r"[^-]*\d-").to_numpy(dtype=bool, na_value=False)
    t = t.where(~trail, t.str.slice(0, -1))
    t = t.str.replace(r"^([+-]?)[.,]?$", "", regex=True)  # a lone sign or separator: not a number
    core = t.str.fullmatch(_CORE_RE).to_numpy(dtype=bool, na_value=False)
    neg = paren | trail

    has_dot = t.str.contains(".", regex=False).to_numpy(dtype=bool, na_value=False) & core
    has_comma = t.str.contains(",", regex=False).to_numpy(dtype=bool, na_value=False) & core
    last_dot = t.str.rfind(".").to_numpy(dtype=np.int64, na_value=-1)
    last_comma = t.str.rfind(",").to_numpy(dtype=np.int64, na_value=-1)
    length = t.str.len().to_numpy(dtype=np.int64, na_value=0)
    n_dot = t.str.count(r"\.").to_numpy(dtype=np.int64, na_value=0)
    n_comma = t.str.count(",").to_numpy(dtype=np.int64, na_value=0)
    lead0_comma = t.str.match(r"[+-]?0?,").to_numpy(dtype=bool, na_value=False)
    lead0_dot = t.str.match(r"[+-]?0?\.").to_numpy(dtype=bool, na_value=False)
    both = has_dot & has_comma
    only_c = has_comma & ~has_dot
    only_d = has_dot & ~has_comma
    c_dec = (both & (last_comma > last_dot)) | (
        only_c & (n_comma == 1) & ((length - last_comma - 1 != 3) | lead0_comma)
    )
    d_dec = (both & (last_dot > last_comma)) | (
        only_d & (n_dot == 1) & ((length - last_dot - 1 != 3) | lead0_dot)
    )
    c_thou = only_c & (n_comma > 1)  # 1,234,567 -> dot is the decimal separator
    d_thou = only_d & (n_dot > 1)  # 1.234.567 -> comma is the decimal separator
    amb_c = only_c & (n_comma == 1) & ~c_dec
    amb_d = only_d & (n_dot == 1) & ~d_dec
    w = counts.astype(np.int64)
    comma_votes = int(w[c_dec | d_thou].sum())
    dot_votes = int(w[d_dec | c_thou].sum())
    ambiguous = False
    if comma_votes > dot_votes:
        dec, group = ",", "."
    else:
        dec, group = ".", ","
        if comma_votes == dot_votes == 0 and (amb_c.any() or amb_d.any()):
            ambiguous = True
    grouped = t.str.contains(group, regex=False).to_numpy(dtype=bool, na_value=False)
    g = re.escape(group)
    d = re.escape(dec)
    group_ok = t.str.fullmatch(rf"[+-]?\d{{1,3}}(?:{g}\d{{3}})+(?:{d}\d*)?(?:e[+-]?\d+)?").to_numpy(
        dtype=bool, na_value=False
    )
    multi_dec = (n_comma if dec == "," else n_dot) > 1
    valid = core & (~grouped | group_ok) & ~multi_dec
    cleaned = t.str.replace(group, "", regex=False)
    if dec == ",":
        cleaned = cleaned.str.replace(",", ".", regex=False)
    vals = pd.to_numeric(cleaned.where(valid, ""), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    vals = np.where(valid, vals, np.nan)
    vals = np.where(neg, -np.abs(vals), vals)
    if dec == ",":
        fmt = "1 234,56" if bool((spaced & valid).any()) else "1.234,56"
    else:
        fmt = "1 234.56" if bool((spaced & valid).any()) else "1,234.56"
    return vals, fmt, ambiguous


_ISO_RE = (
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?"
)
_DMY_RE = (
    r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})"
    r"(?:(?:T|,?\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?(?:\s*([AaPp])\.?[Mm]\.?)?)?"
)
_ISO_STRICT_RE = r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?"
_COMPACT_RE = r"(\d{4})(\d{2})(\d{2})"
_SERIAL_RE = r"\d{1,6}(?:\.\d+)?"
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_MONTH_RE = (
    r"(?i)(?:[a-z]{3,9}\.?,?\s+)?"
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?[\s./-]+{_MONTH}[\s./,-]+\d{{2,4}}"
    rf"|{_MONTH}[\s./-]+\d{{1,2}}(?:st|nd|rd|th)?,?[\s./-]+\d{{2,4}})"
    r"(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:am|pm)?)?"
)
_SERIAL_MIN, _SERIAL_MAX = 18264, 73051  # 1950-01-01 .. 2100-01-01 in Excel's 1900 system
_DATE_WORDS = {
    "iso": "ISO year-month-day",
    "dmy": "day/month/year",
    "mdy": "month/day/year",
    "compact": "year-month-day without separators (YYYYMMDD)",
    "serial": "Excel serial numbers",
    "names": "dates with month names",
    "datetime": "date cells",
}


def _match(u: pd.Series, pattern: str, todo: np.ndarray) -> np.ndarray:
    """Boolean mask over ``u``: values still to do that fully match ``pattern``."""
    m = np.zeros(len(u), dtype=bool)
    if todo.any():
        sub = u.iloc[np.flatnonzero(todo)] if not todo.all() else u
        hit = sub.str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False)
        m[np.flatnonzero(todo)[hit]] = True
    return m


def _extract(u: pd.Series, pattern: str, m: np.ndarray) -> pd.DataFrame:
    """Capture groups of ``pattern`` for the values selected by ``m`` (positional columns)."""
    return u.iloc[np.flatnonzero(m)].str.extract("^" + pattern + "$").reset_index(drop=True)


def _assemble(parts: pd.DataFrame) -> np.ndarray:
    """datetime64[ns] from integer year/month/day/hour/minute/second columns (NaT if invalid)."""
    if len(parts) == 0:
        return np.array([], dtype="datetime64[ns]")
    return _plausible_ns(pd.to_datetime(parts, errors="coerce"))


_DATE_LO, _DATE_HI = pd.Timestamp("1900-01-01"), pd.Timestamp("2200-01-01")


def _plausible_ns(res: pd.Series) -> np.ndarray:
    """datetime64[ns] values, NaT outside 1900-01-01..2199-12-31 (typos like 2924, 0202)."""
    ok = ((res >= _DATE_LO) & (res < _DATE_HI)).to_numpy(dtype=bool, na_value=False)
    out = np.full(len(res), np.datetime64("NaT"), dtype="datetime64[ns]")
    out[ok] = res[ok].to_numpy(dtype="datetime64[ns]")
    return out


def _ints(col: pd.Series, default: int = 0) -> np.ndarray:
    return pd.to_numeric(col, errors="coerce").fillna(default).to_numpy(dtype=np.int64)


def _parse_dates(
    s: pd.Series, dayfirst: bool | None = None, *, allow_serial: bool = True
) -> _Parsed:
    """Parse a column of dates written in any common style, deciding the order per column.

    Recognised: ISO (``2024-03-05``, ``2024-03-05T14:30``, seconds optional, a time-zone
    suffix is ignored: wall time is kept), day/month/year and month/day/year with ``/ - .``
    separators and 2- or 4-digit years (2-digit: 00-68 -> 2000s, 69-99 -> 1900s), optional
    time incl. 12-hour ``2:30 PM``, compact ``YYYYMMDD``, Excel serial numbers (1900 system,
    1950-2100, fractions are the time of day) and dates with month names. A first part above
    12 means day-first, a second part above 12 month-first; if no value settles it,
    ``dayfirst`` decides, and when that is None day-first is assumed (``ambiguous`` is set).
    Dates before 1900 or after 2199 are taken for typos and count as not understood.
    """
    n = len(s)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        ser = s
        if getattr(ser.dt, "tz", None) is not None:
            ser = ser.dt.tz_localize(None)
        v = ser.to_numpy(dtype="datetime64[ns]")
        nat = np.isnat(v)
        return _Parsed(v, nat, np.zeros(n, dtype=bool), "date cells")
    codes, u, counts = _factorize_text(s)
    n_u = len(u)
    out = np.full(n_u, np.datetime64("NaT"), dtype="datetime64[ns]")
    family_rows: Counter[str] = Counter()
    ambiguous = False
    if n_u:
        done = np.zeros(n_u, dtype=bool)

        # fast path: plain ISO text (what spreadsheets and databases export)
        m = _match(u, _ISO_STRICT_RE, ~done)
        if m.any():
            vals = _plausible_ns(pd.to_datetime(u[m], format="ISO8601", errors="coerce"))
            ok = ~np.isnat(vals)
            m[np.flatnonzero(m)[~ok]] = False
            out[m] = vals[ok]
            done |= m
            family_rows["iso"] += int(counts[m].sum())

        m = _match(u, _ISO_RE, ~done)
        if m.any():
            p = _extract(u, _ISO_RE, m)
            parts = pd.DataFrame(
                {
                    "year": _ints(p[0]),
                    "month": _ints(p[1]),
                    "day": _ints(p[2]),
                    "hour": _ints(p[3]),
                    "minute": _ints(p[4]),
                    "second": _ints(p[5]),
                }
            )
            vals = _assemble(parts)
            frac = p[6].fillna("").str.ljust(9, "0").str.slice(0, 9)
            ns = pd.to_numeric(frac, errors="coerce").fillna(0).to_numpy(dtype=np.int64)
            vals = vals + ns.astype("timedelta64[ns]")
            out[m] = vals
            done |= m
            family_rows["iso"] += int(counts[m].sum())

        m = _match(u, _COMPACT_RE, ~done)
        if m.any():
            p = _extract(u, _COMPACT_RE, m)
            y = _ints(p[0])
            ok = (y >= 1900) & (y <= 2100)
            parts = pd.DataFrame({"year": y, "month": _ints(p[1]), "day": _ints(p[2])})
            vals = _assemble(parts)
            vals[~ok] = np.datetime64("NaT")
            out[m] = vals
            done |= m
            family_rows["compact"] += int(counts[m].sum())

        m = _match(u, _DMY_RE, ~done)
        if m.any():
            p = _extract(u, _DMY_RE, m)
            a, b = _ints(p[0]), _ints(p[1])
            w = counts[m]
            first_big = int(w[(a > 12) & (b <= 12)].sum())
            second_big = int(w[(b > 12) & (a <= 12)].sum())
            if first_big or second_big:
                day_first = first_big >= second_big
            else:
                undecided = bool(((a != b) & (a <= 12) & (b <= 12)).any())
                if dayfirst is None:
                    day_first = True
                    ambiguous = undecided
                else:
                    day_first = bool(dayfirst)
            year = _ints(p[2])
            short = p[2].str.len().to_numpy() == 2
            year = np.where(short, np.where(year <= 68, 2000 + year, 1900 + year), year)
            hour = _ints(p[3])
            ampm = p[6].fillna("").str.lower().to_numpy(dtype=object)
            pm = ampm == "p"
            am = ampm == "a"
            bad12 = (am | pm) & ((hour < 1) | (hour > 12))
            hour = np.where(pm & (hour < 12), hour + 12, np.where(am & (hour == 12), 0, hour))
            parts = pd.DataFrame(
                {
                    "year": year,
                    "month": b if day_first else a,
                    "day": a if day_first else b,
                    "hour": hour,
                    "minute": _ints(p[4]),
                    "second": _ints(p[5]),
                }
            )
            vals = _assemble(parts)
            vals[bad12] = np.datetime64("NaT")
            out[m] = vals
            done |= m
            family_rows["dmy" if day_first else "mdy"] += int(counts[m].sum())

        if allow_serial:
            m = _match(u, _SERIAL_RE, ~done)
            if m.any():
                num = pd.to_numeric(u[m], errors="coerce").to_numpy(dtype=np.float64)
                ok = (num >= _SERIAL_MIN) & (num <= _SERIAL_MAX)
                secs = np.round(np.where(ok, num, 0) * 86400).astype(np.int64)
                vals = np.datetime64("1899-12-30", "ns") + secs.astype("timedelta64[s]")
                vals = vals.astype("datetime64[ns]")
                vals[~ok] = np.datetime64("NaT")
                out[m] = vals
                done |= m
                family_rows["serial"] += int(counts[m].sum())

        m = _match(u, _MONTH_RE, ~done)
        if m.any():
            idx = np.flatnonzero(m)
            df_ = True if dayfirst is None else bool(dayfirst)
            for i in idx:
                val = u.iloc[i]
                try:
                    ts = pd.to_datetime(val, dayfirst=df_)
                except (ValueError, OverflowError, TypeError):
                    continue
                if ts is pd.NaT:
                    continue
                if ts.tzinfo is not None:
                    ts = ts.tz_localize(None)
                if not _DATE_LO <= ts < _DATE_HI:
                    continue
                out[i] = np.datetime64(ts.to_datetime64(), "ns")
            done |= m
            family_rows["names"] += int(counts[m].sum())

    values = (
        out[np.maximum(codes, 0)] if n_u else np.full(n, np.datetime64("NaT"), "datetime64[ns]")
    )
    empty = codes < 0
    values[empty] = np.datetime64("NaT")
    bad = ~empty & np.isnat(values)
    fmt = " and ".join(_DATE_WORDS[f] for f, _ in family_rows.most_common()) or None
    return _Parsed(values, empty, bad, fmt, ambiguous)


# ---------------------------------------------------------------------------------------------
# detect_columns
# ---------------------------------------------------------------------------------------------

_CURRENCY_WORDS = {
    "usd", "eur", "gbp", "chf", "jpy", "cad", "aud", "nzd", "sek", "nok", "dkk", "pln", "czk",
    "huf", "inr", "cny", "rmb", "brl", "mxn", "zar", "sgd", "hkd", "euro", "euros", "dollar",
    "dollars", "pound", "pounds", "pence", "cents",
}  # fmt: skip

_DATE_W = r"date|dates|datetime|timestamp|time|day|dt|when|created|posted|submitted|dated"
_ID_W = r"id|ids|no|nr|num|number|code|ref|reference|key|identifier"

# role -> list of (regex over the normalised header, score). The highest matching score counts;
# "+" rules add a bonus, "-" rules subtract a penalty (the largest matching one).
_RULES: dict[str, list[tuple[str, float]]] = {
    "customer_id": [
        (
            r"customer|customers|client|clients|account|member|buyer|shopper|purchaser|patron"
            r"|guest|user|contact|cust|consumer|subscriber|respondent|donor|patient|student",
            8,
        ),
        (r"e ?mail|email address|mail", 7),
        (r"who|person|name", 3),
        ("+", 0),
        (rf"{_ID_W}", 2),
        (r"name", 1),
        ("-", 0),
        (
            rf"{_DATE_W}|country|city|region|state|zip|postcode|postal|address|segment|type|group"
            r"|since|age|gender|phone|count|number of|total|amount|value|spend|sales|revenue"
            r"|status|score|rating|satisfaction|tenure|lifetime|ltv|churn",
            9,
        ),
    ],
    "order_id": [
        (
            r"order|orders|invoice|receipt|transaction|txn|bill|ticket|basket|booking|cart"
            r"|checkout",
            8,
        ),
        (rf"(?:document|doc|sale|purchase|voucher|reservation) (?:{_ID_W})", 8),
        ("+", 0),
        (rf"{_ID_W}", 2),
        ("-", 0),
        (
            rf"{_DATE_W}|total|amount|value|revenue|price|sum|paid|net|gross|qty|quantity|status"
            r"|type|line|item|items|channel|source|method|count|number of|lines|size|discount|tax"
            r"|customer|client|product|country|currency",
            9,
        ),
        (r"transaction|txn|payment", 1),  # an Order ID beside it wins
    ],
    "order_date": [
        (r"date|datetime|timestamp|dt|dated", 10),
        (r"created|posted|day|time|when|period", 6),
        ("+", 0),
        (r"order|purchase|invoice|transaction|sale|sales|posting|booking|receipt", 1),
        ("-", 0),
        (
            r"birth|birthday|dob|signup|sign up|registration|registered|first|ship|shipping"
            r"|shipped|dispatch|delivery|delivered|due|return|refund|expiry|expires|expiration"
            r"|modified|updated|response|survey",
            5,
        ),
        (r"day of week|weekday|of week|hour|time of day|month|year|week|quarter", 8),
    ],
    "amount": [
        (
            r"amount|amt|total|revenue|sales|turnover|paid|payment|spend|spent|value|net|gross"
            r"|sum|subtotal|dollar|charge|charged|income|gmv|takings|money|price paid|line total"
            r"|sale amount|order value|basket value|receipts",
            9,
        ),
        ("+", 0),
        (r"net|line total|line", 1),
        ("-", 0),
        (
            rf"{_DATE_W}|tax|vat|discount|shipping|delivery|fee|tip|margin|profit|cost|count"
            r"|number of|qty|quantity|units|unit|each|per|channel|source|store|shop|rating|score"
            r"|status|type|customer|client|id|no|code|percent|pct|rate",
            9,
        ),
        (r"refund|refunds|refunded|returned", 9),  # never the amount itself
        (r"subtotal|sub total", 1),  # the Total beside it wins
    ],
    "quantity": [
        (
            r"quantity|quantities|qty|units|unit count|pieces|pcs|count|number of|volume|items"
            r"|item count|amount of items|no of items|how many|n items",
            9,
        ),
        ("-", 0),
        (rf"{_DATE_W}|price|amount|value|total value|revenue|cost|id|code", 9),
    ],
    "unit_price": [
        (
            r"unit price|price per unit|price each|price per item|unit cost|per unit|each|rate"
            r"|list price|item price|selling price",
            10,
        ),
        (r"price|prices", 7),
        ("-", 0),
        (rf"{_DATE_W}|total|line|sum|subtotal|discount|tax", 9),
    ],
    "product": [
        (
            r"product name|item name|description|desc|product description|item description"
            r"|article name|goods|service|menu item|dish|product title|title",
            9,
        ),
        (r"product|products|item|items|article|articles|merchandise", 8),
        (
            r"sku|stock code|product code|item code|article number|ean|upc|barcode|product id"
            r"|item id|product no|product number|item no|item number|stock",
            6,
        ),
        ("-", 0),
        (
            rf"{_DATE_W}|category|categories|group|type|class|family|department|dept|qty"
            r"|quantity|count|price|amount|value|total|number of|units",
            9,
        ),
    ],
    "category": [
        (r"category|categories|cat", 10),
        (
            r"department|dept|product group|product type|product family|group|class|section|genre"
            r"|collection|family|range|line",
            8,
        ),
        (r"type|kind", 5),
        ("-", 0),
        (rf"{_DATE_W}|customer|client|payment|id|code|price|amount", 9),
    ],
    "channel": [
        (r"channel|channels|sales channel", 10),
        (
            r"source|store|shop|platform|medium|outlet|branch|location|marketplace|point of sale"
            r"|pos|website|site|till|register|via|device|app",
            8,
        ),
        ("-", 0),
        (rf"{_DATE_W}|id|code|country|region|number", 7),
    ],
    "country": [
        (r"country|countries|nation|nationality", 10),
        (r"region|market|territory|state|province|county|geo|geography|area|city|location", 7),
        ("-", 0),
        (rf"{_DATE_W}|code id|id", 3),
    ],
    "score": [
        (r"nps|net promoter|recommend|recommendation|likely|likelihood|promoter", 10),
        (r"score|nps score|rating|rate|0 10|0 to 10", 6),
        ("-", 0),
        (r"satisfaction|satisfied|csat|effort|easy|ease|ces|difficult|date|id", 9),
    ],
    "csat": [
        (r"csat|satisfaction|satisfied|how satisfied|happy|happiness", 10),
        (r"1 5|1 to 5|stars|star rating", 5),
        ("-", 0),
        (r"recommend|likely|nps|effort|easy|date", 9),
    ],
    "ces": [
        (r"ces|effort|customer effort|easy|ease|difficult|difficulty|hassle", 10),
        (r"1 7|1 to 7", 5),
        ("-", 0),
        (r"recommend|likely|nps|satisfaction|satisfied|date", 9),
    ],
    "comment": [
        (
            r"comment|comments|feedback|reason|reasons|why|verbatim|free text|freetext|remarks"
            r"|remark|notes|note|text|suggestion|suggestions|improve|tell us|anything else"
            r"|opinion|review|message|explain|explanation|open answer|response text|what could",
            9,
        ),
        ("-", 0),
        (r"date|id|code", 8),
    ],
    "response_date": [
        (r"date|datetime|timestamp|dt|dated|submitted|completed", 10),
        (r"created|posted|day|time|when|answered|received", 6),
        ("+", 0),
        (r"response|survey|submitted|completed|answered|feedback", 1),
        (r"submit|end|completion|recorded", 1),  # when the answer was given...
        ("-", 0),
        (
            r"birth|birthday|dob|signup|sign up|registration|first|last order|order|purchase"
            r"|ship|delivery|due",
            5,
        ),
        (r"start|started|begin", 2),  # ...not when the survey was opened
        (r"day of week|weekday|hour|month|year|week|quarter", 8),
    ],
}

_COMPILED: dict[str, tuple[list[tuple[re.Pattern, float]], list, list]] = {}
for _role, _rules in _RULES.items():
    _base, _bonus, _pen, _mode = [], [], [], "base"
    for _pat, _score in _rules:
        if _pat in ("+", "-"):
            _mode = "bonus" if _pat == "+" else "pen"
            continue
        _rx = re.compile(rf"(?<![a-z0-9])(?:{_pat})(?![a-z0-9])")
        {"base": _base, "bonus": _bonus, "pen": _pen}[_mode].append((_rx, _score))
    _COMPILED[_role] = (_base, _bonus, _pen)


def _normalise_header(name: Any) -> str:
    """Lower-case words of a header: camelCase/snake/punctuation split, currency/units dropped."""
    s = str(name)
    s = s.replace("#", " no ").replace("\u2116", " no ")
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", s)
    s = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", " ", s)
    s = s.lower()
    s = re.sub(r"[$€£¥₹₽₩₪₺¢%]", " ", s)
    s = re.sub(r"[^\w]+|_", " ", s)
    words = [w for w in s.split() if w not in _CURRENCY_WORDS]
    return " ".join(words)


def _header_score(role: str, norm: str) -> float:
    base_rules, bonus_rules, pen_rules = _COMPILED[role]
    base = max((sc for rx, sc in base_rules if rx.search(norm)), default=0.0)
    if base <= 0:
        return 0.0
    bonus = sum(sc for rx, sc in bonus_rules if rx.search(norm))
    pen = max((sc for rx, sc in pen_rules if rx.search(norm)), default=0.0)
    return base + bonus - pen


@dataclass
class _Profile:
    fill: float  # share of non-empty cells
    num: float  # share of non-empty cells that are numbers
    intlike: float  # share of numbers that are whole
    decimals: float  # share of numbers with a fractional part
    in010: float  # share of non-empty cells that are whole numbers 0..10
    in15: float
    in17: float
    date: float  # share of non-empty cells that are dates (Excel serials not counted)
    uniq: float  # distinct / non-empty
    distinct: int
    avglen: float
    alpha: float  # share with letters
    spaces: float  # share with a space (descriptive text)


def _profile(s: pd.Series) -> _Profile:
    n = len(s)
    if n > 4000:
        idx = np.unique(
            np.concatenate([np.arange(2000), np.linspace(2000, n - 1, 2000).astype(int)])
        )
        s = s.iloc[idx]
    text = _as_text(s).str.strip()
    nonempty = text[~text.isin(_NULL_TOKENS)]
    k = len(nonempty)
    if k == 0:
        return _Profile(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    digits = nonempty.str.contains(r"\d", regex=True).to_numpy(dtype=bool, na_value=False)
    v = np.full(k, np.nan)
    is_date = np.zeros(k, dtype=bool)
    if digits.any():  # numbers and dates need digits; skip the parsers for plain text
        with_digits = nonempty[digits]
        v[digits] = _parse_numbers(with_digits).values
        is_date[digits] = ~np.isnat(_parse_dates(with_digits, allow_serial=False).values)
    isnum = ~np.isnan(v)
    whole = isnum & (np.mod(np.where(isnum, v, 0), 1) == 0)
    lens = nonempty.str.len().to_numpy(dtype=np.float64)
    return _Profile(
        fill=k / max(len(text), 1),
        num=isnum.mean(),
        intlike=whole.sum() / max(isnum.sum(), 1),
        decimals=(isnum & ~whole).sum() / max(isnum.sum(), 1),
        in010=(whole & (v >= 0) & (v <= 10)).mean(),
        in15=(whole & (v >= 1) & (v <= 5)).mean(),
        in17=(whole & (v >= 1) & (v <= 7)).mean(),
        date=is_date.mean(),
        uniq=nonempty.nunique() / k,
        distinct=int(nonempty.nunique()),
        avglen=float(lens.mean()),
        alpha=nonempty.str.contains(r"[^\W\d_]", regex=True).mean(),
        spaces=nonempty.str.contains(" ", regex=False).mean(),
    )


def _content_adjust(role: str, p: _Profile, header: float) -> float:
    """Bonus/penalty from the cells; also a score for columns whose name says nothing."""
    if p.fill == 0:
        return -3.0 if header else 0.0
    if role in ("order_date", "response_date"):
        if p.date >= 0.8:
            return 3.0 if header else 5.0
        if header and p.num >= 0.9 and p.intlike >= 0.99:
            return 0.0  # maybe Excel serial numbers
        return -4.0 if header else 0.0
    if role in ("amount", "unit_price", "quantity"):
        if p.date >= 0.5:
            return -7.0 if header else 0.0
        if not header:
            ok = role == "amount" and p.num >= 0.9 and p.decimals >= 0.2
            return 4.0 if ok else 0.0
        if p.num >= 0.8:
            return 2.0 if role != "quantity" or p.intlike >= 0.95 else 0.5
        # a few bad cells are rejected later; a column of mostly non-numbers is not a number
        return 0.0 if p.num >= 0.5 else -7.0
    if role == "customer_id":
        if p.date >= 0.8 or (p.num >= 0.8 and p.decimals > 0.2):
            return -8.0 if header else 0.0
        if not header:
            ok = (
                p.uniq < 0.9
                and p.distinct >= 5
                and p.avglen <= 40
                and p.spaces < 0.5
                and p.num < 0.99
                and p.fill >= 0.5
            )
            return 4.0 if ok else 0.0
        if p.distinct == 1 and p.uniq <= 0.25:
            return -9.0  # one value on every row (the shop's own account) is nobody's id
        return 1.0 if p.uniq < 0.95 else 0.0
    if role == "order_id":
        if p.date >= 0.8 or (p.num >= 0.8 and p.decimals > 0.2):
            return -8.0 if header else 0.0
        return 0.0
    if role == "product":
        if p.num >= 0.9 and p.alpha < 0.1 and not header:
            return 0.0
        return (1.0 if p.alpha >= 0.5 and p.spaces >= 0.3 else 0.0) if header else 0.0
    if role in ("category", "channel", "country"):
        if header and p.num >= 0.8:
            return -5.0
        return 0.0
    if role in ("score", "csat", "ces"):
        share = {"score": p.in010, "csat": p.in15, "ces": p.in17}[role]
        if not header:
            return 4.5 if (role == "score" and share >= 0.95) else 0.0
        # dirty data has a few out-of-scale cells (they are rejected later), so only a
        # column mostly off the scale is penalised
        return 3.0 if share >= 0.95 else (0.0 if share >= 0.6 else -6.0)
    if role == "comment":
        if p.num >= 0.8:
            return -6.0 if header else 0.0
        if p.alpha >= 0.8 and p.avglen >= 20 and p.spaces >= 0.5:
            return 2.0 if header else 4.0
        return 0.0
    return 0.0


_THRESHOLD = 4.0


def detect_columns(raw: pd.DataFrame, kind: str) -> dict[str, str]:
    """Guess which column plays which role, from header names and cell contents.

    Parameters
    ----------
    raw : pd.DataFrame
        A table as returned by :func:`read_table` (text cells).
    kind : {"transactions", "responses"}
        Which roles to look for (:data:`TRANSACTION_ROLES` or :data:`RESPONSE_ROLES`).

    Returns
    -------
    dict[str, str]
        Role -> column name, in canonical role order. Roles not found are absent; each column
        plays at most one role.

    Notes
    -----
    Header names are normalised (camelCase/snake_case/punctuation split into lower-case
    words, currency symbols and codes dropped: "Total (€)" -> "total", "InvoiceNo" ->
    "invoice no") and scored against each role's words and synonyms, with penalties for words
    that point elsewhere ("Order date" is a date, not an order id). The cells then confirm or
    break ties (a column of dates, of numbers, of repeating ids, of whole numbers 0-10, of
    long free text), and let a column whose name says nothing be used for a required role.
    The best (score, role, column) pairs are taken greedily. For transactions, when there is
    no amount column but a price and no quantity, the price is used as the amount. Header
    words in German, French, Spanish, Italian, Dutch, Portuguese, Polish and the Nordic
    languages count as their English meaning ("Bestellnummer" -> "order number"). A known
    export (Shopify, Stripe, Qualtrics, ...; see :mod:`analysis.ingest.profiles`) gets its
    own columns.
    """
    if kind not in ("transactions", "responses"):
        raise ValueError(f"kind must be 'transactions' or 'responses', not {kind!r}")
    known = _profiles.detect_known(raw, kind)
    if known is not None:
        return known  # a known export (Shopify, Stripe, Qualtrics...): its own columns
    roles = TRANSACTION_ROLES if kind == "transactions" else RESPONSE_ROLES
    content_roles = (
        {"customer_id", "order_date", "amount"}
        if kind == "transactions"
        else {"score", "response_date", "comment"}
    )
    cols = list(raw.columns)
    profiles = {c: _profile(raw[c]) for c in cols}
    triples = []
    for ci, c in enumerate(cols):
        norm = _profiles.translate_header(_normalise_header(c))
        heads = {role: _header_score(role, norm) for role in roles}
        says_something = any(h > 0 for h in heads.values())
        for ri, role in enumerate(roles):
            h = heads[role]
            # a column may be taken on its cells alone only if its name means nothing to us
            if h <= 0 and (role not in content_roles or says_something):
                continue
            score = h + _content_adjust(role, profiles[c], h)
            if score >= _THRESHOLD:
                triples.append((-score, ri, ci, role, c))
    triples.sort()
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for _neg, _ri, _ci, role, c in triples:
        if role in mapping or c in used:
            continue
        mapping[role] = c
        used.add(c)
    if kind == "transactions" and "amount" not in mapping and "unit_price" in mapping:
        if "quantity" not in mapping:
            mapping["amount"] = mapping.pop("unit_price")
    return {r: mapping[r] for r in roles if r in mapping}


# ---------------------------------------------------------------------------------------------
# prepare_transactions / prepare_responses
# ---------------------------------------------------------------------------------------------

_ROLE_WORDS = {
    "customer_id": "customer id",
    "order_id": "order / invoice number",
    "order_date": "order date",
    "amount": "amount",
    "quantity": "quantity",
    "unit_price": "unit price",
    "product": "product",
    "category": "category",
    "channel": "channel",
    "country": "country",
    "response_date": "response date",
    "score": "score (0-10, 'How likely are you to recommend us?')",
    "comment": "comment",
    "csat": "satisfaction score (1-5)",
    "ces": "effort score (1-7)",
}

_AMBIG_DATE_WARNING = (
    "Dates like 03/04/2024 could be 3 April or March 4; we read them as day/month/year. "
    "Change this under 'Date order' if that is wrong."
)


def _file_label(raw: pd.DataFrame) -> str:
    name = raw.attrs.get("filename")
    return f"'{name}'" if name else "the table"


def _check_mapping(raw: pd.DataFrame, mapping: dict[str, str], roles: tuple[str, ...]) -> dict:
    clean = {r: c for r, c in mapping.items() if c is not None and c != ""}
    unknown = [r for r in clean if r not in roles]
    if unknown:
        raise ValueError(f"unknown role(s) {unknown}; expected some of {list(roles)}")
    cols = list(raw.columns)
    for r, c in clean.items():
        if c not in cols:
            raise DataError(
                f"The column '{c}' chosen as {_ROLE_WORDS[r]} is not in {_file_label(raw)}; "
                f"its columns are: {', '.join(repr(str(x)) for x in cols)}."
            )
    counts = Counter(clean.values())
    twice = [c for c, k in counts.items() if k > 1]
    if twice:
        c = twice[0]
        rs = [_ROLE_WORDS[r] for r, cc in clean.items() if cc == c]
        raise DataError(
            f"The column '{c}' is chosen for more than one role ({' and '.join(rs)}); each "
            "column can play only one role."
        )
    return {r: clean[r] for r in roles if r in clean}


def _row_numbers(raw: pd.DataFrame) -> np.ndarray:
    """Spreadsheet row numbers: read_table's index, or position + 2 for other tables."""
    idx = raw.index
    if raw.attrs.get("header_row") is not None or idx.name == "row":
        try:
            return idx.to_numpy(dtype=np.int64)
        except (TypeError, ValueError):
            pass
    if isinstance(idx, pd.RangeIndex) and idx.start == 0 and idx.step == 1:
        return np.arange(2, len(raw) + 2, dtype=np.int64)
    try:
        return idx.to_numpy(dtype=np.int64)
    except (TypeError, ValueError):
        return np.arange(2, len(raw) + 2, dtype=np.int64)


def _text_role(raw: pd.DataFrame, col: str) -> pd.Series:
    """Trimmed text; empty cells become missing (NaN)."""
    t = _as_text(raw[col]).str.strip()
    return t.where(t != "")


def _select_reasons(n: int, checks: list[tuple[np.ndarray, str]]) -> np.ndarray:
    """First applicable reason per row ("" = usable)."""
    reason = np.full(n, "", dtype=object)
    free = np.ones(n, dtype=bool)
    for mask, label in checks:
        hit = mask & free
        if hit.any():
            reason[hit] = label
            free &= ~hit
    return reason


def _duplicates(raw: pd.DataFrame, used: np.ndarray) -> int:
    """Rows (among the used ones) whose source cells all equal an earlier used row's."""
    if not used.any() or raw.shape[1] == 0:
        return 0
    sub = raw if used.all() else raw.iloc[np.flatnonzero(used)]
    h = pd.util.hash_pandas_object(sub, index=False).to_numpy()
    return int(pd.Series(h).duplicated().sum())


def _take(values: Any, used: np.ndarray, everything: bool) -> Any:
    arr = values.array if isinstance(values, pd.Series) else values
    return arr if everything else arr[used]


def _canonical_frame(
    raw: pd.DataFrame, used: np.ndarray, canonical: dict[str, Any], mapping: dict[str, str]
) -> pd.DataFrame:
    """The ``used`` rows: canonical columns, then the unmapped source columns as text."""
    everything = bool(used.all())
    mapped = set(mapping.values())
    cols: dict[str, Any] = {name: _take(v, used, everything) for name, v in canonical.items()}
    for c in raw.columns:
        if c in mapped:
            continue
        out_name = str(c)
        while out_name in cols:
            out_name = f"{out_name} (original)"
        cols[out_name] = _take(_as_text(raw[c]), used, everything)
    data = pd.DataFrame(cols)
    data.index = pd.RangeIndex(len(data))
    return data


def _finalise(
    raw: pd.DataFrame,
    reason: np.ndarray,
    canonical: dict[str, Any],
    mapping: dict[str, str],
    aside: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Canonical data (usable rows, canonical then unmapped columns) and the rejected rows.

    Rows in ``aside`` (anonymous sales) are in neither.
    """
    used = reason == ""
    data = _canonical_frame(raw, used, canonical, mapping)

    rej = ~used if aside is None else ~used & ~aside
    rejected = raw.iloc[np.flatnonzero(rej)].reset_index(drop=True)
    rejected = pd.DataFrame({c: _as_text(rejected[c]) for c in rejected.columns})
    for key, values in (("row", _row_numbers(raw)[rej]), ("reason", reason[rej].astype(str))):
        if key in rejected.columns:
            new = f"{key} (original)"
            while new in rejected.columns:
                new += " (original)"
            rejected = rejected.rename(columns={key: new})
        rejected[key] = values
    rejected["reason"] = rejected["reason"].astype("str")
    rejected["row"] = rejected["row"].astype(np.int64)
    data.attrs = {}
    rejected.attrs = {}
    return data, rejected


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _rejection_summary(reason: np.ndarray, total: int) -> tuple[dict[str, int], list[str]]:
    by = Counter(reason[reason != ""].tolist())
    by_reason = dict(by.most_common())
    if not by_reason:
        return {}, []
    n = sum(by_reason.values())
    detail = "; ".join(f"{k}: {v:,}" for k, v in by_reason.items())
    return by_reason, [
        f"{_plural(n, 'row')} of {total:,} could not be used and {'was' if n == 1 else 'were'} "
        f"set aside ({detail}). You can download them, fix them and upload the file again."
    ]


def _future_note(dates: pd.Series, what: str) -> tuple[int, list[str]]:
    today_end = pd.Timestamp.now().normalize() + pd.Timedelta(days=1)
    future = (dates >= today_end).to_numpy(dtype=bool, na_value=False)
    n = int(future.sum())
    if not n:
        return 0, []
    latest = dates[future].max()
    return n, [
        f"{_plural(n, what)} {'is' if n == 1 else 'are'} dated after today (latest "
        f"{latest:%Y-%m-%d}); {'it is' if n == 1 else 'they are'} kept."
    ]


def _dup_note(n: int, what: str) -> list[str]:
    if not n:
        return []
    copies = "is an exact copy" if n == 1 else "are exact copies"
    return [
        f"{_plural(n, what)} {copies} of an earlier {what}; {'it is' if n == 1 else 'they are'}"
        " kept, but check that your export did not list them twice."
    ]


def _distinct_pairs(a: pd.Series, b: pd.Series) -> int:
    if len(a) == 0:
        return 0
    ca, _ = pd.factorize(a)
    cb, ub = pd.factorize(b)
    key = ca.astype(np.int64) * (len(ub) + 1) + cb
    return int(len(np.unique(key)))


def prepare_transactions(
    raw: pd.DataFrame, mapping: dict[str, str] | None = None, *, dayfirst: bool | None = None
) -> Prepared:
    """Turn a raw transactions table into the canonical ``tx`` table.

    Parameters
    ----------
    raw : pd.DataFrame
        Text table from :func:`read_table` (index = spreadsheet row numbers; for other tables
        with a default RangeIndex, row = position + 2, i.e. a header on row 1 is assumed).
    mapping : dict[str, str], optional
        Role -> column. ``None`` means :func:`detect_columns`. Required: ``customer_id``,
        ``order_date`` and ``amount`` or (``quantity`` and ``unit_price``).
    dayfirst : bool, optional
        How to read dates like 03/04/2024 when no value in the column settles the order.
        ``None``: day/month/year, with a warning.

    Returns
    -------
    Prepared
        ``data`` (RangeIndex) columns, in order: ``customer_id`` (str, trimmed),
        ``order_id`` (str; when the file has no order column, or the cell is empty,
        ``"<customer_id>|<ISO timestamp>"``: one order per customer per timestamp),
        ``order_date`` (datetime64[ns], naive), ``amount`` (float64, the line's net amount in
        the file's currency, negative for refunds; ``quantity * unit_price`` rounded to 8
        decimals when there is no amount column), then the optional roles present:
        ``quantity``, ``unit_price`` (float64, NaN when blank or not a number), ``product``,
        ``category``, ``channel``, ``country`` (str, missing when blank), then every unmapped
        source column as str (renamed ``"<name> (original)"`` on a clash).
        ``anonymous``: the rows with a usable date and amount but no customer (an empty cell,
        or "Walk-in", "Guest", "Cash customer", ...), in neither ``data`` nor ``rejected``
        (see :class:`Prepared`).
        ``rejected``: the first reason that applies, of "a total row, not a sale" (no date,
        first cell "Total", "Summe", ...), "missing customer id", "no customer (guest or walk-in
        sale)" (these two only when the date or amount is unusable too), "missing date",
        "unparseable date",
        "missing amount", "unparseable amount" (or "missing quantity", "unparseable quantity",
        "missing unit price", "unparseable unit price" when the amount is computed). Cells like
        ``NA``, ``n/a``, ``null``, ``-`` count as empty here. A known export
        (:mod:`analysis.ingest.profiles`), with ``mapping`` None or the one
        :func:`detect_columns` gives, is read with its own meaning: left-out statuses and header
        rows are set aside with their reason, refunds subtracted, order totals counted once per
        order; ``warnings`` then start with what was recognised and ``report`` has ``profile``
        and ``profile_name``. ``report`` keys: rows_read, rows_used, rows_rejected,
        rejected_by_reason, date_min, date_max, customers, orders (distinct customer/order
        pairs), refund_lines (amount < 0), zero_amount_lines, duplicate_lines (used rows whose
        source cells all equal an earlier used row's), future_dates (dated after today),
        number_format ({column: "1,234.56" / "1.234,56" / "1234.56" ...}), date_format ({column:
        plain words}), dayfirst_assumed, anonymous_lines, anonymous_orders, anonymous_amount
        (the sales without a customer: lines, distinct order numbers, net sum), doubts (see
        below). Refunds, zero amounts, duplicates and future dates are
        kept and counted in ``warnings``.

    Raises
    ------
    DataError
        A required role is missing (the message names it and lists the file's columns), or a
        mapped column is not in the table.

    Notes
    -----
    ``report["doubts"]`` lists mappings that look wrong, checked on the usable rows (at least
    20; none for smaller files) before any figure is shown. Each is a dict with ``rule``,
    ``role``, ``column`` (the column in doubt), ``suggestion`` (a likely better column of the
    file, or None) and ``message`` (plain words, also in ``warnings``). Rules:
    "one_customer" (one customer on every line), "customer_is_order" (the customer column
    holds the order numbers, or consecutive numbers with one order each),
    "one_order_per_customer" (as many customers as orders), "amount_mostly_zero" (more than
    half the amounts are 0), "one_day" (every date on one day).
    """
    known = _profiles.prepare_known_export(raw, "transactions", mapping, dayfirst=dayfirst)
    if known is not None:
        return known  # a known export, read with its own meaning (ingest_profiles)
    if mapping is None:
        mapping = detect_columns(raw, "transactions")
    mapping = _check_mapping(raw, mapping, TRANSACTION_ROLES)
    missing = [_ROLE_WORDS[r] for r in ("customer_id", "order_date") if r not in mapping]
    if "amount" not in mapping and not ("quantity" in mapping and "unit_price" in mapping):
        missing.append("amount (or quantity and unit price)")
    if missing:
        raise DataError(
            f"We could not find the {' and the '.join(missing)} in {_file_label(raw)}. Its "
            f"columns are: {', '.join(repr(str(c)) for c in raw.columns)}. Choose the "
            "matching columns by hand."
        )
    n = len(raw)
    notes: list[str] = []
    number_format: dict[str, str] = {}
    date_format: dict[str, str] = {}

    cust = _text_role(raw, mapping["customer_id"])
    cust_missing = cust.isna().to_numpy(dtype=bool) | cust.isin(_NULL_TOKENS).to_numpy(bool)

    dcol = mapping["order_date"]
    dates = _parse_dates(raw[dcol], dayfirst)
    if dates.fmt:
        date_format[dcol] = dates.fmt
    dayfirst_assumed = bool(dates.ambiguous)
    if dayfirst_assumed:
        notes.append(_AMBIG_DATE_WARNING)

    nums: dict[str, _Parsed] = {}
    for role in ("amount", "quantity", "unit_price"):
        if role in mapping:
            col = mapping[role]
            nums[role] = p = _parse_numbers(raw[col])
            number_format[col] = p.fmt or "1234.56"
            if p.ambiguous:
                notes.append(_ambiguous_number_note(col, p.fmt))

    total_row = np.zeros(n, dtype=bool)  # a report's "Total" / "Summe" line (no date)
    if dates.empty.any():
        at = np.flatnonzero(dates.empty)
        total_row[at] = _profiles.total_rows(raw.iloc[at])
    checks: list[tuple[np.ndarray, str]] = [
        (total_row, "a total row, not a sale"),
        (cust_missing, "missing customer id"),
        (_profiles.placeholder_customers(cust), "no customer (guest or walk-in sale)"),
        (dates.empty, "missing date"),
        (dates.bad, "unparseable date"),
    ]
    if "amount" in mapping:
        a = nums["amount"]
        checks += [(a.empty, "missing amount"), (a.bad, "unparseable amount")]
        amount = a.values
    else:
        q, pr = nums["quantity"], nums["unit_price"]
        checks += [
            (q.empty, "missing quantity"),
            (q.bad, "unparseable quantity"),
            (pr.empty, "missing unit price"),
            (pr.bad, "unparseable unit price"),
        ]
        with np.errstate(invalid="ignore"):
            amount = np.round(q.values * pr.values, 8)
    reason = _select_reasons(n, checks)
    # a sale with a date and an amount but no customer is kept apart, not set aside
    nocust = pd.Series(reason).isin(_NO_CUSTOMER).to_numpy(bool)
    anon = np.zeros(n, dtype=bool)
    if nocust.any():
        rest = _select_reasons(n, [c for c in checks if c[1] not in _NOT_A_SALE])
        anon = nocust & (rest == "")
    used = reason == ""

    if "amount" in mapping:
        for role in ("quantity", "unit_price"):
            if role in mapping:
                k = int((nums[role].bad & used).sum())
                if k:
                    notes.append(
                        f"{_plural(k, 'value')} in '{mapping[role]}' {'is' if k == 1 else 'are'}"
                        f" not a number and {'was' if k == 1 else 'were'} left blank."
                    )

    canonical: dict[str, Any] = {"customer_id": cust}
    oid = _text_role(raw, mapping["order_id"]) if "order_id" in mapping else None
    no_oid = np.ones(n, dtype=bool) if oid is None else oid.isna().to_numpy(dtype=bool)
    if no_oid.any():
        stamp_codes, stamp_uniques = pd.factorize(dates.values)
        stamps = np.asarray(
            pd.DatetimeIndex(stamp_uniques).strftime("%Y-%m-%dT%H:%M:%S"), dtype=object
        )
        stamp_text = stamps[np.maximum(stamp_codes, 0)] if len(stamps) else np.full(n, "")
        synth = cust.fillna("") + "|" + pd.Series(stamp_text, index=cust.index, dtype="str")
        if oid is None:
            oid = synth
        else:
            k = int((no_oid & used).sum())
            if k:
                notes.append(
                    f"{_plural(k, 'line')} {'has' if k == 1 else 'have'} no order number; "
                    "each was counted as one order per customer and time."
                )
            oid = oid.fillna(synth)
    canonical["order_id"] = oid
    canonical["order_date"] = dates.values
    canonical["amount"] = amount.astype(np.float64)
    for role in ("quantity", "unit_price"):
        if role in mapping:
            canonical[role] = nums[role].values
    for role in ("product", "category", "channel", "country"):
        if role in mapping:
            canonical[role] = _text_role(raw, mapping[role])
    data, rejected = _finalise(raw, reason, canonical, mapping, aside=anon)
    data["order_id"] = data["order_id"].astype("str")
    anonymous = _anonymous_frame(raw, anon, reason, canonical, mapping, no_oid)

    by_reason, rej_notes = _rejection_summary(np.where(anon, "", reason), n)
    anon_notes, anon_report = _anonymous_note(anonymous)
    rej_notes += anon_notes
    amt = data["amount"].to_numpy()
    refunds = int((amt < 0).sum())
    zeros = int((amt == 0).sum())
    if refunds:
        notes.append(
            f"{_plural(refunds, 'line')} {'has' if refunds == 1 else 'have'} a negative amount "
            f"(refunds or cancellations); {'it is' if refunds == 1 else 'they are'} kept and "
            f"{'reduces' if refunds == 1 else 'reduce'} the totals."
        )
    if zeros:
        notes.append(
            f"{_plural(zeros, 'line')} {'has' if zeros == 1 else 'have'} an amount of 0; "
            f"{'it is' if zeros == 1 else 'they are'} kept."
        )
    dups = _duplicates(raw, used)
    notes += _dup_note(dups, "line")
    od = data["order_date"]
    n_future, future_notes = _future_note(od, "line")
    notes += future_notes
    doubts = _doubts(raw, used, data, mapping)
    notes += [d["message"] for d in doubts]
    report = {
        "rows_read": n,
        "rows_used": len(data),
        "rows_rejected": len(rejected),
        "rejected_by_reason": by_reason,
        "date_min": od.min() if len(data) else None,
        "date_max": od.max() if len(data) else None,
        "customers": int(data["customer_id"].nunique()),
        "orders": _distinct_pairs(data["customer_id"], data["order_id"]),
        "refund_lines": refunds,
        "zero_amount_lines": zeros,
        "duplicate_lines": dups,
        "future_dates": n_future,
        "number_format": number_format,
        "date_format": date_format,
        "dayfirst_assumed": dayfirst_assumed,
        **anon_report,
        "doubts": doubts,
    }
    warnings = list(raw.attrs.get("warnings", None) or []) + rej_notes + notes
    return Prepared(data, rejected, warnings, dict(mapping), report, anonymous)


_DOUBT_MIN_ROWS = 20  # fewer usable lines than this: too few to doubt a mapping
_SEQ_RE = r"^\s*[A-Za-z#]{0,4}[-_ ]?0*(\d{1,12})\s*$"


def _suggest(
    raw: pd.DataFrame, used: np.ndarray, role: str, mapping: dict[str, str], test
) -> str | None:
    """The file's best other column for ``role``: among unmapped columns passing ``test``
    (a function of the column's usable cells, as text), the one whose name fits the role best
    (ties: the first in the file)."""
    taken = set(mapping.values())
    best: tuple[float, int, str] | None = None
    at = np.flatnonzero(used)[:50_000]
    for i, c in enumerate(raw.columns):
        if c in taken:
            continue
        cells = _text_role(raw, c).iloc[at]
        if cells.notna().mean() < 0.8 or not test(cells):
            continue
        score = _header_score(role, _profiles.translate_header(_normalise_header(c)))
        key = (-score, i, str(c))
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


def _customer_like(n_orders: int):
    def test(cells: pd.Series) -> bool:
        k = cells.nunique()
        return 2 <= k <= 0.8 * n_orders and _parse_dates(cells.fillna("")).bad.mean() > 0.5

    return test


def _doubts(
    raw: pd.DataFrame, used: np.ndarray, data: pd.DataFrame, mapping: dict[str, str]
) -> list[dict[str, Any]]:
    """Mappings that look wrong (see :func:`prepare_transactions`, Notes)."""
    n = len(data)
    if n < _DOUBT_MIN_ROWS:
        return []
    out: list[dict[str, Any]] = []

    def doubt(rule: str, role: str, message: str, suggestion: str | None) -> None:
        col = mapping.get(role, "")
        if suggestion:
            message += f" '{suggestion}' looks like a better choice."
        out.append(dict(rule=rule, role=role, column=col, suggestion=suggestion, message=message))

    ccol = mapping["customer_id"]
    cust = data["customer_id"]
    n_cust = int(cust.nunique())
    n_orders = int(data["order_id"].nunique())
    check = " Check the columns on 'Your data' before trusting the figures."

    def customer_suggestion() -> str | None:
        return _suggest(raw, used, "customer_id", mapping, _customer_like(max(n_orders, n)))

    if n_cust == 1:
        doubt(
            "one_customer",
            "customer_id",
            f"Every line has the same customer ('{_short(str(cust.iloc[0]))}' in '{ccol}'): that "
            "is more likely the shop's own account than a customer." + check,
            customer_suggestion(),
        )
    elif n_cust == n_orders and n_orders >= _DOUBT_MIN_ROWS:
        same = "order_id" in mapping and bool(
            (cust.to_numpy(dtype=object) == data["order_id"].to_numpy(dtype=object)).mean() >= 0.9
        )
        num = cust.str.extract(_SEQ_RE)[0]
        seq = False
        if num.notna().mean() >= 0.9:
            v = pd.to_numeric(num, errors="coerce").dropna().unique()
            seq = len(v) >= _DOUBT_MIN_ROWS and (v.max() - v.min() + 1) <= 1.5 * len(v)
        if same or seq:
            how = "the order numbers" if same else "consecutive numbers, one order each"
            doubt(
                "customer_is_order",
                "customer_id",
                f"The customer column '{ccol}' looks like order or receipt numbers ({how}): "
                "then nobody would ever seem to come back." + check,
                customer_suggestion(),
            )
        else:
            doubt(
                "one_order_per_customer",
                "customer_id",
                f"Every customer in '{ccol}' has exactly one order ({n_cust:,} customers, "
                f"{n_orders:,} orders). If that column holds order or receipt numbers rather "
                "than customers, the repeat figures are wrong." + check,
                customer_suggestion(),
            )
    amt = data["amount"].to_numpy(dtype=np.float64)
    zero = float(np.mean(amt == 0))
    if zero > 0.5:
        role = "amount" if "amount" in mapping else "unit_price"

        def money(cells: pd.Series) -> bool:
            v = _parse_numbers(cells.fillna("")).values
            ok = ~np.isnan(v)
            return ok.mean() >= 0.8 and np.mean(v[ok] != 0) >= 0.5 if ok.any() else False

        doubt(
            "amount_mostly_zero",
            role,
            f"{zero:.0%} of the amounts read from '{mapping.get(role, '')}' are 0: it may not "
            "be the amount column." + check,
            _suggest(raw, used, "amount", mapping, money),
        )
    od = data["order_date"]
    if od.notna().any() and od.min().normalize() == od.max().normalize():

        def spread(cells: pd.Series) -> bool:
            d = _parse_dates(cells.fillna("")).values
            ok = ~np.isnat(d)
            if ok.mean() < 0.8:
                return False
            days = d[ok].astype("datetime64[D]")
            return bool(days.min() != days.max())

        doubt(
            "one_day",
            "order_date",
            f"Every date in '{mapping['order_date']}' is on {od.min():%d %b %Y}: that may be "
            "the export's date, not the order dates." + check,
            _suggest(raw, used, "order_date", mapping, spread),
        )
    return out


_NO_CUSTOMER = ("missing customer id", "no customer (guest or walk-in sale)")
_NOT_A_SALE = (*_NO_CUSTOMER, "a total row, not a sale")


def _anonymous_frame(
    raw: pd.DataFrame,
    anon: np.ndarray,
    reason: np.ndarray,
    canonical: dict[str, Any],
    mapping: dict[str, str],
    no_oid: np.ndarray,
) -> pd.DataFrame:
    """Sales without a customer: row, canonical columns but the customer, source columns, why.

    A line without an order number is one order of its own (``"row <n>"``): without a
    customer nothing tells which lines were bought together.
    """
    canon: dict[str, Any] = {"row": _row_numbers(raw)}
    canon.update({k: v for k, v in canonical.items() if k != "customer_id"})
    out = _canonical_frame(raw, anon, canon, mapping)
    out["row"] = out["row"].astype(np.int64)
    oid = out["order_id"].astype("str")
    own = no_oid[anon]
    if own.any():
        oid = oid.mask(pd.Series(own), "row " + out["row"].astype("str"))
    out["order_id"] = oid
    why = np.where(reason[anon] == _NO_CUSTOMER[0], "no customer id", "guest or walk-in sale")
    name = "why"
    while name in out.columns:
        name += " (computed)"
    out[name] = pd.array(why, dtype="str")
    return out


def _anonymous_note(anonymous: pd.DataFrame) -> tuple[list[str], dict[str, Any]]:
    """The warning and the report figures for the sales without a customer."""
    k = len(anonymous)
    total = float(anonymous["amount"].sum()) if k else 0.0
    orders = int(anonymous["order_id"].nunique()) if k else 0
    report = {"anonymous_lines": k, "anonymous_orders": orders, "anonymous_amount": total}
    if not k:
        return [], report
    return [
        f"{_plural(k, 'line')} with a date and an amount but no customer (guest or till sales, "
        f"{_plural(orders, 'order')}, {total:,.2f} in all) {'is' if k == 1 else 'are'} kept as "
        "sales without a customer: they count in total revenue and orders on the overview, "
        "but not in the customer analyses."
    ], report


def _ambiguous_number_note(col: str, fmt: str | None) -> str:
    return (
        f"Numbers in '{col}' like 1,234 or 1.234 could be read two ways; we read them as "
        f"{'1,234.56 (a point before the decimals)' if fmt != '1.234,56' else '1.234,56'}. "
        "If that is wrong, check how the file writes its numbers."
    )


_LEADING_SCORE_RE = r"^\s*(\d{1,2}(?:[.,]\d+)?)\s*(?:[-\u2013\u2014:=(/]|[^\W\d_]).*$"
_TRAILING_SCORE_RE = r"^.*?[^\W\d_].*?(?:\s|[-\u2013\u2014:=(/])\s*(\d{1,2})\s*\)?\s*$"

SCALE_WORDS: dict[str, dict[str, int]] = {
    "score": {
        "not at all likely": 0,
        "extremely unlikely": 0,
        "extremely likely": 10,
    },
    "satisfaction score": {
        "very dissatisfied": 1,
        "very unsatisfied": 1,
        "extremely dissatisfied": 1,
        "dissatisfied": 2,
        "unsatisfied": 2,
        "somewhat dissatisfied": 2,
        "neutral": 3,
        "neither satisfied nor dissatisfied": 3,
        "neither satisfied or dissatisfied": 3,
        "satisfied": 4,
        "somewhat satisfied": 4,
        "very satisfied": 5,
        "extremely satisfied": 5,
    },
    "effort score": {
        "very difficult": 1,
        "extremely difficult": 1,
        "difficult": 2,
        "somewhat difficult": 3,
        "neither easy nor difficult": 4,
        "neutral": 4,
        "somewhat easy": 5,
        "easy": 6,
        "very easy": 7,
        "extremely easy": 7,
        "strongly disagree": 1,
        "disagree": 2,
        "somewhat disagree": 3,
        "neither agree nor disagree": 4,
        "somewhat agree": 5,
        "agree": 6,
        "strongly agree": 7,
    },
}
"""Answer labels read as their number on each scale (compared trimmed, case-insensitively):
NPS 0-10 (only its end labels have words), satisfaction 1-5 (5 = very satisfied), effort 1-7
(7 = very easy, or strongly agree that it was easy)."""


def _scale(
    raw: pd.DataFrame, col: str, lo: int, hi: int, label: str
) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, str]]]:
    """Whole numbers on a lo..hi scale: (values, empty mask, rejection checks).

    A cell like "10 - Extremely likely" or "4 (Satisfied)" is read as its leading number, one
    like "Not at all likely - 0" as its trailing number, and an answer label of
    :data:`SCALE_WORDS` ("Very satisfied") as its number.
    """
    p = _parse_numbers(raw[col])
    values = p.values.copy()
    bad = p.bad.copy()
    for pattern in (_LEADING_SCORE_RE, _TRAILING_SCORE_RE):
        if not bad.any():
            break
        idx = np.flatnonzero(bad)
        txt = _as_text(raw[col]).iloc[idx].str.extract(pattern)[0]
        lead = _parse_numbers(txt.fillna("")).values
        ok = ~np.isnan(lead)
        values[idx[ok]] = lead[ok]
        bad[idx[ok]] = False
    words = SCALE_WORDS.get(label)
    if words and bad.any():
        idx = np.flatnonzero(bad)
        txt = _as_text(raw[col]).iloc[idx].str.strip().str.casefold()
        num = txt.map(words).to_numpy(dtype=np.float64, na_value=np.nan)
        ok = ~np.isnan(num)
        values[idx[ok]] = num[ok]
        bad[idx[ok]] = False
    isnum = ~np.isnan(values)
    not_whole = isnum & (np.mod(np.where(isnum, values, 0), 1) != 0)
    outside = isnum & ~not_whole & ((values < lo) | (values > hi))
    checks = [
        (bad, f"unparseable {label}"),
        (not_whole, f"{label} not a whole number"),
        (outside, f"{label} outside {lo}-{hi}"),
    ]
    return values, p.empty, checks


_RESPONSE_STATUS_HEADERS = frozenset(
    {"status", "response status", "response type", "distribution channel", "type"}
)
_RESPONSE_DONE_HEADERS = frozenset({"finished", "complete", "completed", "is complete"})
_RESPONSE_LEFT_OUT = {
    "survey preview": "preview response",
    "preview": "preview response",
    "test": "test response",
    "survey test": "test response",
    "test response": "test response",
    "partial": "unfinished response",
    "incomplete": "unfinished response",
    "unfinished": "unfinished response",
}
_NOT_DONE = frozenset({"false", "no", "0", "n", "f"})


def _left_out_responses(raw: pd.DataFrame, mapping: dict[str, str]) -> list:
    """Rejection checks for test, preview and unfinished responses, from a status column
    ("Survey Preview", "Test", "Partial") or a finished column ("False", "No", "0")."""
    mapped = set(mapping.values())
    found: dict[str, np.ndarray] = {}
    for c in raw.columns:
        if c in mapped:
            continue
        norm = _normalise_header(c)
        if norm not in _RESPONSE_STATUS_HEADERS and norm not in _RESPONSE_DONE_HEADERS:
            continue
        t = _as_text(raw[c]).str.strip().str.casefold()
        if norm in _RESPONSE_DONE_HEADERS:
            hit = t.isin(_NOT_DONE).to_numpy(bool)
            if hit.any():
                found["unfinished response"] = found.get("unfinished response", hit) | hit
            continue
        labels = t.map(_RESPONSE_LEFT_OUT)
        for why in ("preview response", "test response", "unfinished response"):
            hit = (labels == why).to_numpy(dtype=bool, na_value=False)
            if hit.any():
                found[why] = found.get(why, hit) | hit
    return [(m, why) for why, m in found.items()]


def prepare_responses(
    raw: pd.DataFrame, mapping: dict[str, str] | None = None, *, dayfirst: bool | None = None
) -> Prepared:
    """Turn a raw survey-responses table into the canonical responses table.

    Parameters
    ----------
    raw : pd.DataFrame
        Text table from :func:`read_table`.
    mapping : dict[str, str], optional
        Role -> column; ``None`` means :func:`detect_columns`. ``score`` is required;
        ``response_date`` is required whenever the file has a date column (detection finds
        it); a file with no date column at all is accepted, with ``response_date`` all NaT
        and a warning.
    dayfirst : bool, optional
        As in :func:`prepare_transactions`.

    Returns
    -------
    Prepared
        ``data`` (RangeIndex) columns: ``response_date`` (datetime64[ns]), ``score`` (int64,
        0-10), then when mapped ``customer_id`` (str, missing when blank), ``comment`` (str,
        "" when blank), ``csat`` (Int64 1-5, <NA> when blank), ``ces`` (Int64 1-7, <NA> when
        blank), then the other columns as str (breakdown attributes). Scales are read from
        numbers, "10 - Extremely likely", "Not at all likely - 0" and answer labels
        (:data:`SCALE_WORDS`: "Very satisfied" is 5). A score that is not a whole number or is
        outside 0-10 rejects the row (never clipped); a csat or ces that cannot be read, is
        not whole or is outside its scale is left blank with a warning, and the response is
        kept. Reasons (first that applies): "preview response", "test response", "unfinished
        response" (from an unmapped status, type or finished column: "Survey Preview",
        "Test", "Partial", finished "False"), "missing date", "unparseable date", "missing
        score", "unparseable score", "score not a whole number", "score outside 0-10". ``report``
        keys: rows_read, rows_used, rows_rejected, rejected_by_reason, date_min, date_max,
        responses, respondents (distinct customer ids, None without that column),
        duplicate_lines, future_dates, number_format, date_format, dayfirst_assumed.
    """
    known = _profiles.prepare_known_export(raw, "responses", mapping, dayfirst=dayfirst)
    if known is not None:
        return known
    if mapping is None:
        mapping = detect_columns(raw, "responses")
    mapping = _check_mapping(raw, mapping, RESPONSE_ROLES)
    if "score" not in mapping:
        raise DataError(
            f"We could not find the {_ROLE_WORDS['score']} in {_file_label(raw)}. Its columns "
            f"are: {', '.join(repr(str(c)) for c in raw.columns)}. Choose the score column by "
            "hand."
        )
    n = len(raw)
    notes: list[str] = []
    date_format: dict[str, str] = {}
    number_format: dict[str, str] = {}
    dayfirst_assumed = False
    checks: list[tuple[np.ndarray, str]] = []
    if "response_date" in mapping:
        dcol = mapping["response_date"]
        dates = _parse_dates(raw[dcol], dayfirst)
        if dates.fmt:
            date_format[dcol] = dates.fmt
        dayfirst_assumed = bool(dates.ambiguous)
        if dayfirst_assumed:
            notes.append(_AMBIG_DATE_WARNING)
        checks += [(dates.empty, "missing date"), (dates.bad, "unparseable date")]
        date_values = dates.values
    else:
        date_values = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        notes.append("The file has no date column, so the responses cannot be shown over time.")
    score, score_empty, score_checks = _scale(raw, mapping["score"], 0, 10, "score")
    number_format[mapping["score"]] = "whole numbers 0-10"
    checks += [(score_empty, "missing score"), *score_checks]
    scales: dict[str, np.ndarray] = {}
    dropped: dict[str, np.ndarray] = {}
    for role, lo, hi, label in (
        ("csat", 1, 5, "satisfaction score"),
        ("ces", 1, 7, "effort score"),
    ):
        if role in mapping:
            vals, _empty, more = _scale(raw, mapping[role], lo, hi, label)
            drop = np.zeros(n, dtype=bool)
            for mask, _label in more:
                drop |= mask
            scales[role] = np.where(drop, np.nan, vals)
            dropped[role] = drop
            number_format[mapping[role]] = f"whole numbers {lo}-{hi}"
    checks = _left_out_responses(raw, mapping) + checks
    reason = _select_reasons(n, checks)
    used = reason == ""
    for role, drop in dropped.items():
        k = int((drop & used).sum())
        if k:
            col = mapping[role]
            first = _short(str(_as_text(raw[col]).to_numpy()[np.flatnonzero(drop & used)[0]]))
            scale = {"csat": "satisfaction score 1-5", "ces": "effort score 1-7"}[role]
            notes.append(
                f"{_plural(k, 'value')} in '{col}' could not be read as a {scale} (for example "
                f"'{first}') and {'was' if k == 1 else 'were'} left blank; "
                f"{'its response is' if k == 1 else 'the responses are'} kept."
            )

    canonical: dict[str, Any] = {
        "response_date": date_values,
        "score": np.where(np.isnan(score), 0, score).astype(np.int64),
    }
    if "customer_id" in mapping:
        canonical["customer_id"] = _text_role(raw, mapping["customer_id"])
    if "comment" in mapping:
        canonical["comment"] = _as_text(raw[mapping["comment"]]).str.strip()
    for role, v in scales.items():
        nan = np.isnan(v)
        canonical[role] = pd.arrays.IntegerArray(np.where(nan, 0, v).astype(np.int64), nan)
    data, rejected = _finalise(raw, reason, canonical, mapping)

    by_reason, rej_notes = _rejection_summary(reason, n)
    dups = _duplicates(raw, used)
    notes += _dup_note(dups, "response")
    od = data["response_date"]
    n_future, future_notes = _future_note(od, "response")
    notes += future_notes
    has_dates = bool(len(data)) and bool(od.notna().any())
    report = {
        "rows_read": n,
        "rows_used": len(data),
        "rows_rejected": len(rejected),
        "rejected_by_reason": by_reason,
        "date_min": od.min() if has_dates else None,
        "date_max": od.max() if has_dates else None,
        "responses": len(data),
        "respondents": int(data["customer_id"].nunique()) if "customer_id" in data else None,
        "duplicate_lines": dups,
        "future_dates": n_future,
        "number_format": number_format,
        "date_format": date_format,
        "dayfirst_assumed": dayfirst_assumed,
    }
    warnings = list(raw.attrs.get("warnings", None) or []) + rej_notes + notes
    return Prepared(data, rejected, warnings, dict(mapping), report)
