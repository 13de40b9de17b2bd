"""``read_table``: a file (text, gzip or workbook) into a table of text, exactly as written.

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

from __future__ import annotations

import gzip
import io
import os
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.core.errors import DataError
from analysis.ingest.cells import _human_size, _q
from analysis.ingest.limits import (
    _TITLE_LINES,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_CELLS,
    DEFAULT_MAX_COLUMNS,
    DEFAULT_MAX_EXPANDED_BYTES,
    DEFAULT_MAX_ROWS,
    _Limits,
)
from analysis.ingest.text_files import _TEXT_EXTS, _read_text
from analysis.ingest.workbooks import _read_workbook

_BLANK_RE = re.compile(rb"[\s\x00\xef\xbb\xbf\xff\xfe]*\Z")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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
    r"""Read a data file into a table of text, exactly as written.

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
        ``encoding``, ``delimiter`` (",", ";", "\t", "|", "whitespace"; None for workbooks),
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
    Encodings, delimiters, title rows and stray quotation marks: see
    :mod:`analysis.ingest.reading`.
    """
    data, name = _load_source(source, filename, max_bytes)
    limits = _Limits(max_rows, max_columns, max_cells)
    compression = None
    if data[:2] == b"\x1f\x8b" or (name.lower().endswith(".gz") and data):
        data = _gunzip(data, name, max_expanded_bytes, limits.rows + _TITLE_LINES)
        compression = "gzip"
    inner = name[:-3] if name.lower().endswith(".gz") else name
    ext = os.path.splitext(inner.lower())[1]
    if _BLANK_RE.match(data):
        raise DataError(f"{_q(name)} is empty: there is nothing in it to read.")
    df, warnings = _read_content(data, name, ext, sheet, limits, max_expanded_bytes)
    df.attrs["filename"] = name or None
    df.attrs["compression"] = compression
    df.attrs["warnings"] = warnings + df.attrs.get("warnings", [])
    return df


def _read_content(
    data: bytes, name: str, ext: str, sheet: Any, limits: _Limits, max_expanded_bytes: int
) -> tuple[pd.DataFrame, list[str]]:
    """Read unpacked bytes as what they really are (whatever the name says), with notes."""
    kind = _sniff(data)
    if kind == "pdf":
        raise DataError(
            f"{_q(name)} is a PDF document, not a table of data. Export the data from the "
            "program it came from as CSV or Excel instead."
        )
    if kind not in ("zip", "ole"):
        return _read_text(data, name, ext, limits), []
    warnings = []
    fmt = _workbook_format(data, name, ext, kind, max_expanded_bytes)
    if ext in _TEXT_EXTS:
        warnings.append(
            f"{_q(name)} is named like a text (CSV) file but is really an Excel-type workbook; "
            "we read it as a workbook."
        )
    return _read_workbook(data, name, fmt, sheet, limits), warnings


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
    """Stream-decompress gzip ``data``.

    Stops as soon as it grows past ``limit`` bytes or ``max_lines`` lines.
    """
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
    """Tell what the bytes really are: "zip", "ole" (old Excel), "pdf" or "text"."""
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
