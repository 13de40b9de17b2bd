"""Numbers and dates written in any common style, parsed vectorised and decided per column."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.ingest.cells import _NULL_TOKENS, _as_text


@dataclass
class _Parsed:
    """One column, parsed."""

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
    vals_u, fmt, ambiguous = _number_values(u, counts)
    empty = codes < 0
    values = (
        np.where(empty, np.nan, vals_u[np.maximum(codes, 0)])
        if len(u)
        else np.full(len(codes), np.nan)
    )
    bad = ~empty & np.isnan(values)
    return _Parsed(values, empty, bad, fmt, ambiguous)


def _number_values(u: pd.Series, counts: np.ndarray) -> tuple[np.ndarray, str, bool]:
    """Parse distinct trimmed values (``counts`` rows each): values (NaN if none), format, guessed.

    What :func:`_parse_numbers` does once its column is reduced to distinct values.
    """
    vals_u = np.full(len(u), np.nan)
    fmt = "1234.56"
    ambiguous = False
    if len(u):
        plain = u.str.fullmatch(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?").to_numpy(
            dtype=bool, na_value=False
        )
        if plain.all():
            vals_u = pd.to_numeric(u, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            vals_u, fmt, ambiguous = _parse_numbers_slow(u, counts)
    return np.where(np.isfinite(vals_u), vals_u, np.nan), fmt, ambiguous


#: Every character a number can hold once currency words are taken out: digits, separators,
#: signs, exponent, brackets, spaces. A value with any other character (and no currency
#: word) is not a number, whatever the column's separators turn out to be.
_NUMBER_CHARS_RE = r"[\d.,+\-\u2212e()\s\u00a0\u202f\u2009\u2007\u2008\u200a'’]*"


def _parse_numbers_slow(u: pd.Series, counts: np.ndarray) -> tuple[np.ndarray, str, bool]:
    """Return the values of ``u`` (NaN if not a number), the format and whether it was guessed.

    Only the values that can be numbers (:data:`_NUMBER_CHARS_RE`, or with a currency word)
    are parsed: the others are NaN and cast no vote on the separators, so leaving them out
    changes nothing but the time (a column of ids like "C-1024" is never parsed).
    """
    low = u.str.lower()
    maybe = low.str.fullmatch(_NUMBER_CHARS_RE).to_numpy(dtype=bool, na_value=False)
    if not maybe.all():
        money = low.str.contains(_CURRENCY_RE, regex=True).to_numpy(dtype=bool, na_value=False)
        maybe = maybe | money
    if maybe.all():
        return _parse_number_values(u, counts)
    vals = np.full(len(u), np.nan)
    if not maybe.any():
        return vals, "1,234.56", False  # what the parser says of a column without numbers
    vals[maybe], fmt, ambiguous = _parse_number_values(u[maybe], counts[maybe])
    return vals, fmt, ambiguous


def _parse_number_values(u: pd.Series, counts: np.ndarray) -> tuple[np.ndarray, str, bool]:
    """Parse ``u`` (unique values, ``counts`` rows each), deciding the separators by vote."""
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
    r"(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:\s*([AaPp])\.?[Mm]\.?)?)?"
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
    """Return a column of digit groups as int64 (``default`` where empty)."""
    return pd.to_numeric(col, errors="coerce").fillna(default).to_numpy(dtype=np.int64)


def _parse_dates(
    s: pd.Series, dayfirst: bool | None = None, *, allow_serial: bool = True
) -> _Parsed:
    """Parse a column of dates written in any common style, deciding the order per column.

    Recognised: ISO (``2024-03-05``, ``2024-03-05T14:30``, seconds optional, a time-zone
    suffix is ignored: wall time is kept) and other year-first dates (``2024/03/05``,
    ``2024-03-05 01:30 PM``), day/month/year and month/day/year with ``/ - .``
    separators and 2- or 4-digit years (2-digit: 00-68 -> 2000s, 69-99 -> 1900s), optional
    time incl. 12-hour ``2:30 PM``, compact ``YYYYMMDD``, Excel serial numbers (1900 system,
    1950-2100, fractions are the time of day) and dates with month names. A first part above
    12 means day-first, a second part above 12 month-first; if no value settles it,
    ``dayfirst`` decides, and when that is None day-first is assumed (``ambiguous`` is set).
    Dates before 1900 or after 2199 are taken for typos and count as not understood.
    """
    n = len(s)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return _date_cells(s)
    codes, u, counts = _factorize_text(s)
    out, fmt, ambiguous = _date_values(u, counts, dayfirst, allow_serial)
    values = (
        out[np.maximum(codes, 0)] if len(u) else np.full(n, np.datetime64("NaT"), "datetime64[ns]")
    )
    empty = codes < 0
    values[empty] = np.datetime64("NaT")
    bad = ~empty & np.isnat(values)
    return _Parsed(values, empty, bad, fmt, ambiguous)


def _date_values(
    u: pd.Series, counts: np.ndarray, dayfirst: bool | None, allow_serial: bool
) -> tuple[np.ndarray, str | None, bool]:
    """Parse distinct trimmed values (``counts`` rows each): dates (NaT if none), format, guessed.

    What :func:`_parse_dates` does once its column is reduced to distinct values.
    """
    out = np.full(len(u), np.datetime64("NaT"), dtype="datetime64[ns]")
    family_rows: Counter[str] = Counter()
    ambiguous = False
    done = ~_maybe_dates(u, allow_serial)  # the others are read by no family: left NaT
    for pattern, read in _FAMILIES:
        if read is _read_serial and not allow_serial:
            continue
        m = _match(u, pattern, ~done)
        if not m.any():
            continue
        m, vals, family, unsure = read(u, m, counts, dayfirst)
        out[m] = vals
        done |= m
        family_rows[family] += int(counts[m].sum())
        ambiguous = ambiguous or unsure
    fmt = " and ".join(_DATE_WORDS[f] for f, _ in family_rows.most_common()) or None
    return out, fmt, ambiguous


def _maybe_dates(u: pd.Series, allow_serial: bool) -> np.ndarray:
    """Mark the values some family of :data:`_FAMILIES` might read; the others cannot be dates.

    Every family's value starts with a digit, except those with month names, which start
    with a word of three letters or more (a weekday or a month). Without Excel serials, a
    plain decimal number is a date only as eight digits (YYYYMMDD): "12.50" is no date.
    """
    if not len(u):
        return np.zeros(0, dtype=bool)
    maybe = u.str.match(r"\d|[^\W\d_]{3}").to_numpy(dtype=bool, na_value=False)
    if not allow_serial and maybe.any():
        number = u.str.fullmatch(r"[0-9]+(?:\.[0-9]*)?").to_numpy(dtype=bool, na_value=False)
        eight = u.str.len().to_numpy(dtype=np.int64, na_value=0) == 8
        maybe = maybe & (~number | eight)
    return maybe


def _date_cells(s: pd.Series) -> _Parsed:
    """Parse a column that already holds dates (time zones dropped: wall time is kept)."""
    ser = s
    if getattr(ser.dt, "tz", None) is not None:
        ser = ser.dt.tz_localize(None)
    v = ser.to_numpy(dtype="datetime64[ns]")
    return _Parsed(v, np.isnat(v), np.zeros(len(s), dtype=bool), "date cells")


# Each reader takes (unique values, the ones matching its pattern, row count per unique value,
# dayfirst) and returns (the values it read, their dates, its family, whether the day/month
# order was guessed).
_Read = tuple[np.ndarray, np.ndarray, str, bool]


def _read_iso_strict(u: pd.Series, m: np.ndarray, counts: np.ndarray, dayfirst: Any) -> _Read:
    """Read plain ISO text (what spreadsheets and databases export), the fast way."""
    vals = _plausible_ns(pd.to_datetime(u[m], format="ISO8601", errors="coerce"))
    ok = ~np.isnat(vals)
    m = m.copy()
    m[np.flatnonzero(m)[~ok]] = False  # left to the next reader
    return m, vals[ok], "iso", False


def _twelve_hour(hour: np.ndarray, marker: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Return 24-hour hours from hours and AM/PM markers ("a", "p", missing), and the bad ones.

    12 AM is 0, 12 PM is 12; an hour outside 1-12 with a marker is bad.
    """
    ampm = marker.fillna("").str.lower().to_numpy(dtype=object)
    pm = ampm == "p"
    am = ampm == "a"
    bad12 = (am | pm) & ((hour < 1) | (hour > 12))
    hour = np.where(pm & (hour < 12), hour + 12, np.where(am & (hour == 12), 0, hour))
    return hour, bad12


def _read_iso(u: pd.Series, m: np.ndarray, counts: np.ndarray, dayfirst: Any) -> _Read:
    """Read year-first dates with any separator, time (12-hour too), fraction and zone."""
    p = _extract(u, _ISO_RE, m)
    hour, bad12 = _twelve_hour(_ints(p[3]), p[7])
    parts = pd.DataFrame(
        {
            "year": _ints(p[0]),
            "month": _ints(p[1]),
            "day": _ints(p[2]),
            "hour": hour,
            "minute": _ints(p[4]),
            "second": _ints(p[5]),
        }
    )
    vals = _assemble(parts)
    frac = p[6].fillna("").str.ljust(9, "0").str.slice(0, 9)
    ns = pd.to_numeric(frac, errors="coerce").fillna(0).to_numpy(dtype=np.int64)
    vals = vals + ns.astype("timedelta64[ns]")
    vals[bad12] = np.datetime64("NaT")
    return m, vals, "iso", False


def _read_compact(u: pd.Series, m: np.ndarray, counts: np.ndarray, dayfirst: Any) -> _Read:
    """Read YYYYMMDD (years 1900-2100 only: other 8-digit numbers are not dates)."""
    p = _extract(u, _COMPACT_RE, m)
    y = _ints(p[0])
    vals = _assemble(pd.DataFrame({"year": y, "month": _ints(p[1]), "day": _ints(p[2])}))
    vals[~((y >= 1900) & (y <= 2100))] = np.datetime64("NaT")
    return m, vals, "compact", False


def _day_first(
    a: np.ndarray, b: np.ndarray, w: np.ndarray, dayfirst: bool | None
) -> tuple[bool, bool]:
    """Decide the order of the first two parts: (day first, guessed).

    The parts above 12 decide (weighted by rows ``w``); else ``dayfirst``; else day-first,
    guessed when some value could be read either way.
    """
    first_big = int(w[(a > 12) & (b <= 12)].sum())
    second_big = int(w[(b > 12) & (a <= 12)].sum())
    if first_big or second_big:
        return first_big >= second_big, False
    if dayfirst is None:
        return True, bool(((a != b) & (a <= 12) & (b <= 12)).any())
    return bool(dayfirst), False


def _read_dmy(u: pd.Series, m: np.ndarray, counts: np.ndarray, dayfirst: Any) -> _Read:
    """Read day/month/year or month/day/year, the order decided for the whole column."""
    p = _extract(u, _DMY_RE, m)
    a, b = _ints(p[0]), _ints(p[1])
    day_first, ambiguous = _day_first(a, b, counts[m], dayfirst)
    year = _ints(p[2])
    short = p[2].str.len().to_numpy() == 2
    year = np.where(short, np.where(year <= 68, 2000 + year, 1900 + year), year)
    hour, bad12 = _twelve_hour(_ints(p[3]), p[6])
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
    return m, vals, "dmy" if day_first else "mdy", ambiguous


def _read_serial(u: pd.Series, m: np.ndarray, counts: np.ndarray, dayfirst: Any) -> _Read:
    """Read Excel serial numbers (1900 system, 1950-2100; the fraction is the time of day)."""
    num = pd.to_numeric(u[m], errors="coerce").to_numpy(dtype=np.float64)
    ok = (num >= _SERIAL_MIN) & (num <= _SERIAL_MAX)
    secs = np.round(np.where(ok, num, 0) * 86400).astype(np.int64)
    vals = np.datetime64("1899-12-30", "ns") + secs.astype("timedelta64[s]")
    vals = vals.astype("datetime64[ns]")
    vals[~ok] = np.datetime64("NaT")
    return m, vals, "serial", False


def _read_month_names(u: pd.Series, m: np.ndarray, counts: np.ndarray, dayfirst: Any) -> _Read:
    """Read dates with month names ("5 March 2024", "Mar 5, 2024 2:30 PM"), one by one."""
    df_ = True if dayfirst is None else bool(dayfirst)
    idx = np.flatnonzero(m)
    vals = np.full(len(idx), np.datetime64("NaT"), dtype="datetime64[ns]")
    for j, i in enumerate(idx):
        try:
            ts = pd.to_datetime(u.iloc[i], dayfirst=df_)
        except (ValueError, OverflowError, TypeError):
            continue
        if ts is pd.NaT:
            continue
        if ts.tzinfo is not None:
            ts = ts.tz_localize(None)
        if _DATE_LO <= ts < _DATE_HI:
            vals[j] = np.datetime64(ts.to_datetime64(), "ns")
    return m, vals, "names", False


#: The ways of writing dates, tried in this order on the values no earlier one has read.
_FAMILIES = (
    (_ISO_STRICT_RE, _read_iso_strict),
    (_ISO_RE, _read_iso),
    (_COMPACT_RE, _read_compact),
    (_DMY_RE, _read_dmy),
    (_SERIAL_RE, _read_serial),
    (_MONTH_RE, _read_month_names),
)
