"""Text files: encodings, delimiters, and the records of a CSV-style file."""

from __future__ import annotations

import csv
import io
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

import numpy as np
import pandas as pd

from analysis.core.errors import DataError
from analysis.ingest.cells import _q
from analysis.ingest.header import _find_header, _finish
from analysis.ingest.limits import _Limits
from analysis.ingest.quotes import _WS, _line_fields, _reread_broken_quotes

_WORKBOOK_EXTS = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".xltx", ".xltm"}
_TEXT_EXTS = {".csv", ".txt", ".tsv", ".tab", ".dat", ".psv", ".text", ".prn"}
_DELIMITERS = (",", ";", "\t", "|")


def _decode(data: bytes, name: str) -> tuple[str, bytes]:
    """Return (encoding name, UTF-8 bytes without BOM) of text ``data``; refuse binary data."""
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
    """Read a text file (CSV-style) into a table of text; refuse what is not one."""
    encoding, text = _decode(data, name)
    _refuse_markup(text[:4096], name, ext)
    if b"\r" in text and text.count(b"\r") != text.count(b"\r\n"):
        # a lone CR ends a line too (classic Mac files, mixed endings): make it LF so that
        # lines are counted the same way everywhere
        text = re.sub(rb"\r(?!\n)", b"\n", text)

    sample_bytes = text[: 1 << 16]
    if len(text) > len(sample_bytes):
        cut = sample_bytes.rfind(b"\n")
        if cut > 0:
            sample_bytes = sample_bytes[: cut + 1]
    delim, records = _choose_delimiter(sample_bytes.decode("utf-8", errors="ignore"))
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
    header, body, notes = _records(body_bytes, delim, name, header_line, width, limits)
    if header is None:
        header = list(header_cells)
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


def _refuse_markup(head: bytes, name: str, ext: str) -> None:
    """Refuse a web page, an XML file, or text named like a workbook, saying what it is."""
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


def _records(
    body_bytes: bytes, delim: str, name: str, header_line: int, width: int, limits: _Limits
) -> tuple[list[str] | None, pd.DataFrame, list[str]]:
    """Parse the text from the header line on: (header or None, body rows, notes).

    The body is indexed by the row a spreadsheet program shows; records a stray quotation
    mark stretched over whole rows are read line by line instead (with a note).
    """
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
    header = [str(v) for v in raw.iloc[0].tolist()] if n_records else None
    body = raw.iloc[1:]
    body.index = pd.Index(rownum[1:], dtype=np.int64)
    notes: list[str] = []
    if inside is not None:
        body, notes = _reread_broken_quotes(
            body, inside[1:], body_bytes, delim, width, header_line, unclosed, name
        )
        body.index = _spreadsheet_rows(body, int(inside[0]))
    return header, body, notes


def _spreadsheet_rows(body: pd.DataFrame, header_breaks: int) -> pd.Index:
    """Return the row numbers a spreadsheet program shows, from the records' line numbers.

    A quoted cell with line breaks is one row, so the breaks inside the header's and earlier
    records' cells are taken off (lines read one by one keep one row each).
    """
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
    return list(_iter_records(sample, delim))


def _iter_records(sample: str, delim: str) -> Iterator[tuple[int, int, list[str]]]:
    """Yield what :func:`_split_records` lists, one record at a time."""
    if delim == _WS:
        for i, line in enumerate(sample.split("\n"), start=1):
            yield (i, i, line.split())
        return
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delim, strict=False)
    prev = 0
    try:
        for rec in reader:
            yield (prev + 1, reader.line_num, [c.strip() for c in rec])
            prev = reader.line_num
    except csv.Error:
        return


def _iter_lines(sample: str, delim: str) -> Iterator[tuple[int, int, list[str]]]:
    """Yield each line of ``sample`` as one record (a quote does not join lines)."""
    for i, ln in enumerate(sample.split("\n"), start=1):
        yield (i, i, [c.strip() for c in _line_fields(ln, delim)])


def _field_counts(records: Iterable[tuple[int, int, list[str]]], limit: int = 200) -> list[int]:
    """Return the field counts of the first ``limit`` records that hold a value."""
    return [len(r[2]) for r in islice((r for r in records if any(r[2])), limit)]


def _choose_delimiter(sample: str) -> tuple[str, list[tuple[int, int, list[str]]]]:
    """Pick the delimiter whose field counts are most consistent over the sample's records.

    Each candidate is judged on its first 200 records that hold a value; only the chosen one
    is split in full.
    """
    first = sample.lstrip("\ufeff").split("\n", 1)[0].strip()
    m = re.fullmatch(r'"?sep=(.)"?,*', first, flags=re.I)
    if m:  # Excel's "sep=;" hint line
        d = "\t" if m.group(1) == "\t" else m.group(1)
        return d, _split_records(sample, d)
    best: tuple[float, int, int] | None = None
    best_d, best_split = ",", None
    candidates = []
    for priority, d in enumerate(_DELIMITERS):
        candidates.append((priority, d, _iter_records))
        if '"' in sample:
            # a quote spanning lines (or open at the end) may be a stray one: also weigh the
            # lines one by one
            candidates.append((priority, d, _iter_lines))
    for priority, d, split in candidates:
        counts = _field_counts(split(sample, d))
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
            best, best_d, best_split = key, d, split
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
    if best is None or best_split is None:
        return ",", _split_records(sample, ",")
    return best_d, list(best_split(sample, best_d))
