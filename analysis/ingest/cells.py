"""Cells as text, and how messages name files, columns, sizes and long values."""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

import pandas as pd

_NULL_TOKENS = frozenset(
    ["", "nan", "NaN", "NAN", "na", "NA", "N/A", "n/a", "#N/A", "null", "NULL", "Null"]
    + ["none", "None", "NONE", "-", "--", "\u2014", "\u2013"]
)
# Cells holding one of these count as empty for the roles prepare_* reads (ids, dates,
# numbers). read_table itself never turns them into anything: "NA" stays "NA".


def _q(name: str) -> str:
    """How messages name a file: 'sales.csv', or "the uploaded file" when it has no name."""
    return f"'{name}'" if name else "the uploaded file"


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
    """Return a column as str dtype with "" for missing (raw tables may hold numbers)."""
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


def _cell_text(v: Any) -> str:
    """Return a calamine cell value as the text the spreadsheet shows."""
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
