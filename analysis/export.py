"""Formula-safe exports: CSV and XLSX bytes that a spreadsheet shows as plain data.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can be
run as a formula when a CSV is opened in Excel or LibreOffice ("CSV injection"). Exports from
this package therefore:

- in CSV, prefix such text cells with an apostrophe (``'=SUM(A1)``), the spreadsheet convention
  for "this is text"; numbers stay numbers. Every cell that is not a number, a date or a
  boolean counts as text: text and object columns, categorical columns, the column headers and
  the index (its values and names);
- in XLSX, write every text cell and header as a string cell (never a formula, URL or number),
  and mark risky ones with Excel's quote-prefix flag so they also stay text when edited.

The rule is :func:`is_risky`, used by both formats.

Functions here build bytes in memory; they never write files.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = [
    "RISKY_PREFIXES",
    "formula_safe",
    "is_risky",
    "safe_text",
    "to_csv_bytes",
    "to_xlsx_bytes",
]

# What a spreadsheet may read as the start of a formula; the full-width forms are converted to
# these by some Excel input methods.
RISKY_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def is_risky(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (it starts with a risky prefix)."""
    return str(text).startswith(RISKY_PREFIXES)


def safe_text(value: object) -> str:
    """``str(value)``, with a leading apostrophe when it could be read as a formula."""
    text = str(value)
    return "'" + text if is_risky(text) else text


def _is_text(series: pd.Series) -> bool:
    dtype = series.dtype
    return (
        pd.api.types.is_string_dtype(dtype)
        or pd.api.types.is_object_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
    )


def _safe_labels(index: pd.Index) -> pd.Index:
    """Column or row labels with risky text labels (and level names) apostrophe-prefixed."""
    if isinstance(index, pd.MultiIndex):
        levels = [_safe_labels(level) for level in index.levels]
        names = [None if n is None else safe_text(n) for n in index.names]
        return index.set_levels(levels).set_names(names)
    name = None if index.name is None else safe_text(index.name)
    if not _is_text(index.to_series()):
        return index.rename(name)
    labels = [safe_text(v) if isinstance(v, str) else v for v in index.tolist()]
    return pd.Index(labels, name=name, dtype=object if any(map(is_risky, labels)) else index.dtype)


def formula_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells cannot be read as formulas (apostrophe prefix).

    Numeric, boolean and datetime columns are returned unchanged; in text, object and
    categorical columns, a value for which :func:`is_risky` holds gets a leading ``'`` (a
    categorical column with such a value becomes a plain object column). Column headers and
    index labels and names get the same treatment.
    """
    out = df.copy()
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        if not _is_text(s):
            continue
        text = s.astype(object).astype("str")
        risky = text.str.startswith(RISKY_PREFIXES).fillna(False).to_numpy(dtype=bool)
        risky = risky & s.notna().to_numpy(dtype=bool)
        if risky.any():
            values = s.astype(object).to_numpy(copy=True)
            values[risky] = np.char.add("'", text[risky].to_numpy(dtype=str).astype(str))
            out.isetitem(i, pd.Series(values, index=s.index, dtype=object))
    out.columns = _safe_labels(out.columns)
    out.index = _safe_labels(out.index)
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


def _write_column(ws, c: int, s: pd.Series, formats: dict) -> int:
    """Write one column's values below its header; return the column's width in characters."""
    width = 0
    if pd.api.types.is_bool_dtype(s.dtype):
        for r, v in enumerate(s.tolist(), start=1):
            if not pd.isna(v):
                ws.write_boolean(r, c, bool(v))
    elif pd.api.types.is_numeric_dtype(s.dtype):
        values = s.to_numpy(dtype=np.float64, na_value=np.nan)
        for r, v in enumerate(values.tolist(), start=1):
            if np.isfinite(v):
                ws.write_number(r, c, v)
        width = 12
    elif pd.api.types.is_datetime64_any_dtype(s.dtype):
        has_time = bool((s.dropna().dt.normalize() != s.dropna()).any())
        fmt = formats["datetime"] if has_time else formats["date"]
        for r, v in enumerate(s.tolist(), start=1):
            if not pd.isna(v):
                ws.write_datetime(r, c, v.to_pydatetime(), fmt)
        width = 16 if has_time else 11
    else:
        for r, v in enumerate(s.tolist(), start=1):
            if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
                continue
            text = str(v)
            if is_risky(text):
                ws.write_string(r, c, text, formats["quoted"])
            else:
                ws.write_string(r, c, text)
            width = max(width, min(len(text), 60))
    return width


def _formats(workbook) -> dict:
    """Return the workbook's cell formats: headers, quote-prefixed text, dates."""
    header = {"bold": True, "bg_color": "#E8EEF7", "border": 1}
    return {
        "header": workbook.add_format(header),
        "header_quoted": workbook.add_format({**header, "quote_prefix": True}),
        "quoted": workbook.add_format({"quote_prefix": True}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }


def to_xlsx_bytes(
    sheets: pd.DataFrame | Mapping[str, pd.DataFrame], *, index: bool = False
) -> bytes:
    """Write one XLSX workbook with a sheet per table, bold headers, every text cell formula-safe.

    Parameters
    ----------
    sheets : DataFrame or mapping of sheet name to DataFrame
        A single frame becomes one sheet named "Data".
    index : bool
        Whether to write each frame's index as leading columns.

    Returns
    -------
    bytes
        The workbook. Text cells and headers are string cells (never formulas, URLs or
        numbers); risky ones carry Excel's quote-prefix flag.
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
    formats = _formats(workbook)
    used: set[str] = set()
    for name, frame in sheets.items():
        ws = workbook.add_worksheet(_sheet_name(name, used))
        data = frame.reset_index() if index else frame
        for c, col in enumerate(data.columns):
            header = str(col)
            fmt = formats["header_quoted"] if is_risky(header) else formats["header"]
            ws.write_string(0, c, header, fmt)
            width = max(len(header), _write_column(ws, c, data.iloc[:, c], formats))
            ws.set_column(c, c, width + 2)
        ws.freeze_panes(1, 0)
        if len(data.columns):
            ws.autofilter(0, 0, max(len(data), 1), len(data.columns) - 1)
    workbook.close()
    return buffer.getvalue()
