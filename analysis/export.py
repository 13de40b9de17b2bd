"""Formula-safe exports: CSV and XLSX bytes that a spreadsheet shows as plain data.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can be
run as a formula when a CSV is opened in Excel or LibreOffice ("CSV injection"). Exports from
this package therefore:

- in CSV, prefix such text cells with an apostrophe (``'=SUM(A1)``), the spreadsheet convention
  for "this is text"; numbers stay numbers (only text columns are touched);
- in XLSX, write every text cell as a string cell (never a formula, URL or number), and mark
  risky ones with Excel's quote-prefix flag so they also stay text when edited.

Functions here build bytes in memory; they never write files.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["RISKY_PREFIXES", "formula_safe", "to_csv_bytes", "to_xlsx_bytes"]

RISKY_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _is_text(series: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(series.dtype) or series.dtype == object


def formula_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells cannot be read as formulas (apostrophe prefix).

    Numeric, boolean and datetime columns are returned unchanged; in text columns, a value
    starting with one of :data:`RISKY_PREFIXES` gets a leading ``'``.
    """
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if not _is_text(s):
            continue
        text = s.astype("str")
        risky = text.str.startswith(RISKY_PREFIXES).fillna(False).to_numpy(dtype=bool)
        if risky.any():
            values = s.astype(object).to_numpy(copy=True)
            values[risky] = np.char.add("'", text[risky].to_numpy(dtype=str).astype(str))
            out[col] = pd.Series(values, index=s.index, dtype=object)
    return out


def to_csv_bytes(df: pd.DataFrame, *, index: bool = False) -> bytes:
    """Formula-safe CSV as UTF-8 with a byte-order mark (so Excel reads accents right)."""
    return formula_safe(df).to_csv(index=index).encode("utf-8-sig")


def _sheet_name(name: str, used: set[str]) -> str:
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(name)).strip("'") or "Sheet"
    clean = clean[:31]
    base, i = clean, 2
    while clean.lower() in used:
        suffix = f" ({i})"
        clean = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(clean.lower())
    return clean


def to_xlsx_bytes(
    sheets: pd.DataFrame | Mapping[str, pd.DataFrame], *, index: bool = False
) -> bytes:
    """One XLSX workbook with a sheet per table, bold headers, every text cell formula-safe.

    Parameters
    ----------
    sheets : DataFrame or mapping of sheet name to DataFrame
        A single frame becomes one sheet named "Data".
    index : bool
        Whether to write each frame's index as leading columns.
    """
    import xlsxwriter

    if isinstance(sheets, pd.DataFrame):
        sheets = {"Data": sheets}
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": False,
        },
    )
    header_fmt = workbook.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    quoted_fmt = workbook.add_format({"quote_prefix": True})
    date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd"})
    datetime_fmt = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    used: set[str] = set()
    for name, frame in sheets.items():
        ws = workbook.add_worksheet(_sheet_name(name, used))
        data = frame.reset_index() if index else frame
        for c, col in enumerate(data.columns):
            ws.write_string(0, c, str(col), header_fmt)
            s = data[col]
            width = len(str(col))
            if pd.api.types.is_bool_dtype(s.dtype):
                for r, v in enumerate(s.tolist(), start=1):
                    if not pd.isna(v):
                        ws.write_boolean(r, c, bool(v))
            elif pd.api.types.is_numeric_dtype(s.dtype):
                values = s.to_numpy(dtype=np.float64, na_value=np.nan)
                for r, v in enumerate(values.tolist(), start=1):
                    if np.isfinite(v):
                        ws.write_number(r, c, v)
                width = max(width, 12)
            elif pd.api.types.is_datetime64_any_dtype(s.dtype):
                has_time = bool((s.dropna().dt.normalize() != s.dropna()).any())
                fmt = datetime_fmt if has_time else date_fmt
                for r, v in enumerate(s.tolist(), start=1):
                    if not pd.isna(v):
                        ws.write_datetime(r, c, v.to_pydatetime(), fmt)
                width = max(width, 16 if has_time else 11)
            else:
                for r, v in enumerate(s.tolist(), start=1):
                    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
                        continue
                    text = str(v)
                    if text.startswith(RISKY_PREFIXES):
                        ws.write_string(r, c, text, quoted_fmt)
                    else:
                        ws.write_string(r, c, text)
                    width = max(width, min(len(text), 60))
            ws.set_column(c, c, width + 2)
        ws.freeze_panes(1, 0)
        if len(data.columns):
            ws.autofilter(0, 0, max(len(data), 1), len(data.columns) - 1)
    workbook.close()
    return buffer.getvalue()
