"""The workbook pre-check: a sheet's used range, read from its XML before the reader sees it.

The spreadsheet reader (calamine) builds the whole rectangle from A1 to the farthest filled cell
before we see a single value: one cell at XFD1048576 asks for 17 billion cells and aborts the
process, one at Z1000000 costs a GB. So the sheet XML is scanned first, in 1 MB pieces, for the
real used range (cells that hold something: a self-closing ``<c .../>`` is only formatting).
"""

from __future__ import annotations

import html
import io
import re
import zipfile
import zlib

from analysis.core.errors import DataError
from analysis.ingest.cells import _col_letter, _q
from analysis.ingest.limits import _Limits, _too_big

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
    """Yield the member ``part`` in pieces that each end on a '>' (no tag is cut in two)."""
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


def _xlsx_fast_bound(chunk: bytes) -> tuple[int, int, int] | None:
    """Return a cheap bound of the cells in ``chunk``, or None if it cannot tell.

    The bound is (digits of the last row, last column, cell tags).

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
    """Return a pattern for a reference past the bound so far.

    Past column ``cols`` (up to ZZ = 702), with more than ``digits`` digits, or unusual
    (three letters, seven digits).
    """
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
    """Return table name -> (rows, columns, filled cell tags) of its used range.

    Repeated rows and columns are expanded (the reader materialises them); stops once past
    the limits.
    """
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
