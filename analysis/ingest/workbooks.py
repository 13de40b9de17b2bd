"""Workbook sheets read by the spreadsheet reader, in a sandboxed worker process."""

from __future__ import annotations

import contextlib
import io
import pickle
import subprocess
import sys
from typing import Any

import numpy as np
import pandas as pd

from analysis.core.errors import DataError
from analysis.ingest.cells import _cell_text, _human_size, _q
from analysis.ingest.header import _find_header, _finish
from analysis.ingest.limits import _Limits
from analysis.ingest.used_range import _ShapeGuard


def _read_workbook(
    data: bytes, name: str, fmt: str, sheet: str | int | None, limits: _Limits
) -> pd.DataFrame:
    """Read one sheet of a workbook; any failure of the reader itself becomes a DataError.

    The reader (calamine, native code) fails on damaged files in its own ways: its own error
    types, ``OSError`` or ``ValueError`` from the archive, and, when it panics, pyo3's
    ``PanicException`` (a BaseException). In a worker process (the default) those are told
    apart in the worker; read in process they surface here, so every ``Exception`` and that
    panic mean "damaged", and nothing else (KeyboardInterrupt, SystemExit) is caught.
    """
    try:
        return _read_sheet(data, name, fmt, sheet, limits)
    except DataError:
        raise
    except BaseException as exc:
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        raise _damaged(name) from None


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
    """Return the sheet names and (if ``index`` is given) the raw cell rows of that sheet.

    Read by the spreadsheet reader in a worker process limited to WORKBOOK_MEMORY_LIMIT and
    WORKBOOK_TIME_LIMIT. Any failure of the worker becomes a DataError naming the file.
    """
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
        """Close the workbook read in process (a closed one stays closed)."""
        if self.wb is not None:
            from python_calamine import CalamineError

            with contextlib.suppress(CalamineError):  # WorkbookClosed: already closed
                self.wb.close()


def _read_sheet(
    data: bytes, name: str, fmt: str, sheet: str | int | None, limits: _Limits
) -> pd.DataFrame:
    """Read one sheet (``None``: the first holding data) into a table of text."""
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
            chosen, rows = _first_sheet_with_data(wb, guard, name)
        else:
            chosen = _named_sheet(names, sheet, name)
            guard.check(chosen)
            rows = wb.rows(names.index(chosen))
            guard.check_rows(chosen, rows)
            if not any(any(r) for r in rows):
                raise DataError(f"The sheet '{chosen}' in {_q(name)} is empty.")
    finally:
        wb.close()
    where = f"{_q(name)} (sheet '{chosen}')" if len(names) > 1 else _q(name)
    df, header_row = _sheet_frame(rows, where)
    df.attrs.update(
        format=fmt, encoding=None, delimiter=None, header_row=header_row, sheet=chosen, sheets=names
    )
    return df


def _first_sheet_with_data(
    wb: _Workbook, guard: _ShapeGuard, name: str
) -> tuple[str, list[list[str]]]:
    """Return the first sheet holding data and its rows (each sheet checked before reading)."""
    for i, sname in enumerate(wb.names):
        if i:
            guard.check(sname)
        rows = wb.rows(i)
        guard.check_rows(sname, rows)
        if any(any(r) for r in rows):
            return sname, rows
    raise DataError(f"{_q(name)} is empty: none of its sheets holds any data.")


def _named_sheet(names: list[str], sheet: str | int, name: str) -> str:
    """Return the sheet asked for by 0-based position or by name (case and spaces ignored)."""
    listed = ", ".join(f"'{n}'" for n in names)
    if isinstance(sheet, (int, np.integer)) and not isinstance(sheet, bool):
        if not 0 <= int(sheet) < len(names):
            raise DataError(
                f"{_q(name)} has no sheet number {int(sheet) + 1}; its sheets are: {listed}."
            )
        return names[int(sheet)]
    lookup = {n.strip().lower(): n for n in names}
    chosen = names[names.index(sheet)] if sheet in names else None
    chosen = chosen or lookup.get(str(sheet).strip().lower())
    if chosen is None:
        raise DataError(f"{_q(name)} has no sheet called '{sheet}'; its sheets are: {listed}.")
    return chosen


def _sheet_frame(rows: list[list[str]], where: str) -> tuple[pd.DataFrame, int]:
    """Build the table from a sheet's rows (header found, rows padded); return its header row."""
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
    return _finish(header, body, h + 1, where, header_fields=width), h + 1
