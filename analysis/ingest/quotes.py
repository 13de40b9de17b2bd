"""Broken quotation marks: records a stray quote stretched over whole rows, read line by line."""

from __future__ import annotations

import csv
import re
from collections import Counter

import numpy as np
import pandas as pd

from analysis.core.text import plural
from analysis.ingest.cells import _q

_WS = "whitespace"


def _line_fields(line: str, delim: str) -> list[str]:
    """Split one physical line on its own into fields (quotes honoured within the line only)."""
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
    """Return the most common kind of each column.

    Counted among (up to 2,000) physical lines that, read on their own, have the table's
    number of fields (rows, whatever the quotes around them).
    """
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
    """Tell whether a line is a row of the table, not prose that holds a comma or two.

    It has the table's number of fields and, in at least two of its filled cells (and at least
    half of them), the kind of value its column usually holds.
    """
    if len(fields) != len(modes):
        return False
    filled = [(_kind(f), m) for f, m in zip(fields, modes, strict=True) if f.strip()]
    same = sum(k == m for k, m in filled)
    return same >= 2 and 2 * same >= len(filled)


def _closes_badly(line: str, delim: str) -> bool:
    """Tell whether the quote that closes a multi-line cell on ``line`` is followed by text.

    A cell's closing quotation mark is followed by the delimiter or the end of the line; a
    quote followed by more text (``José,"2024-03-05``) is a stray one that the reader took as
    the close, merging rows.
    """
    i = 0
    while (j := line.find('"', i)) >= 0:
        if line[j + 1 : j + 2] == '"':  # an escaped quote inside the cell
            i = j + 2
            continue
        after = line[j + 1 : j + 2]
        return after not in ("", delim) and not (delim == _WS and after.isspace())
    return False


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
    of the table), or it holds more fields than the header, or its quote was never closed, or
    the quote that closes it is followed by more text instead of a delimiter.
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
        if not suspicious and len(seg) > 1:
            suspicious = _closes_badly(seg[-1].rstrip(b"\r").decode("utf-8", "replace"), delim)
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
    more = f" (and {plural(len(bad) - 1, 'more place')} like it)" if len(bad) > 1 else ""
    note = (
        f'Row {first} of {_q(name)} opens a quotation mark (") that {where}, which would '
        f"have merged rows {first}-{last} into one{more}. We read those rows line by line "
        "instead, keeping the quotation mark as text; check them in the file."
    )
    return out, [note]
