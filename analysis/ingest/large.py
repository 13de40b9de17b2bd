"""Large text files: read by DuckDB into an on-disk database and prepared there, not in pandas.

A CSV-style file above :data:`LARGE_FILE_BYTES` would take many times its size in memory as a
pandas table of text (measured: see the README's "Large files"). :func:`prepare_large_csv`
instead

1. reads the first :data:`HEAD_BYTES` with :func:`~analysis.ingest.read_table` and recognises
   the columns with :func:`~analysis.ingest.detect_columns` (the same roles, doubts and
   mapping form as for any file; the delimiter, encoding and header row come from there too);
2. has DuckDB read the whole file, every column as text, into the table ``raw`` of an on-disk
   database (bounded by ``memory_limit``, spilling to ``temp_directory``);
3. parses each distinct value of the customer, date and number columns with the ingest's own
   parsers (the same per-column decisions, weighted by the rows that hold each value, as
   :func:`~analysis.ingest.prepare_transactions` makes), writes those look-ups to the
   database, and builds the canonical tables in SQL by joining them to ``raw``.

Tables left in the database: ``lines`` (the canonical transactions: ``customer_id``,
``order_id``, ``order_date``, ``amount`` and the optional roles mapped, in file order),
``anonymous`` (sales with a date and an amount but no customer: ``row``, ``order_id``,
``order_date``, ``amount``, ``why``) and ``set_aside`` (the rows that cannot be used, every
source column as text plus ``row`` and ``reason``, the same reasons as for a small file).
Always ``lines + anonymous + set_aside`` = the data rows DuckDB read from the file.

Files this path hands back to the pandas reader (:class:`NotForLargeFiles`), which reads them
as small files: those where a line below the header is not exactly one record (a blank line, a
line break inside a quoted cell, a quotation mark left open, a lone carriage return: the row
numbers and the reading of broken quotes are the pandas reader's), a record with more values
than the header (DuckDB's strict mode refuses it, the pandas reader says which row), known
exports (:mod:`analysis.ingest.profiles`, read with their own rules) and whitespace-aligned
text. Workbooks are not read here.
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analysis.core.currency import table_currency
from analysis.core.text import plural
from analysis.ingest import profiles as _profiles
from analysis.ingest.cells import _NULL_TOKENS, _q
from analysis.ingest.detecting import detect_columns
from analysis.ingest.parsing import _parse_dates, _parse_numbers, _Parsed
from analysis.ingest.preparing import (
    _AMBIG_DATE_WARNING,
    Prepared,
    _ambiguous_number_note,
    _dup_note,
    _future_note,
    _hand_mapping_note,
    _rejection_summary,
    _text_role,
    _with_row_and_reason,
)
from analysis.ingest.reading import read_table
from analysis.ingest.transactions import _amount_notes, _anonymous_note, prepare_transactions

__all__ = [
    "HEAD_BYTES",
    "LARGE_FILE_BYTES",
    "LARGE_TEXT_EXTENSIONS",
    "SHOWN_SET_ASIDE",
    "LargeFile",
    "NotForLargeFiles",
    "is_large",
    "prepare_large_csv",
]

#: Text files above this size go through DuckDB instead of pandas. Measured on a generated shop
#: CSV: pandas peaks at about 140 MB + 10 MB per MB of file, the DuckDB path at about 300 MB +
#: 6 MB per MB, DuckDB's part bounded by its memory limit; they cross near 40 MB (README).
LARGE_FILE_BYTES = 40 * 1024 * 1024
#: File name endings read by the large-file path (plain delimited text).
LARGE_TEXT_EXTENSIONS = (".csv", ".tsv", ".txt")
#: Bytes from the start of the file read in pandas to recognise the columns.
HEAD_BYTES = 2 * 1024 * 1024
#: Set-aside rows brought back to show on a page (all of them stay in the database).
SHOWN_SET_ASIDE = 10_000
_DELIMITERS = (",", ";", "\t", "|")
_UTF8 = {"utf-8", "utf8", "utf-8-sig", "ascii", "us-ascii"}
_TEXT_ROLES = ("order_id", "product", "category", "channel", "country")
_NUMBER_ROLES = ("amount", "quantity", "unit_price")


class NotForLargeFiles(ValueError):
    """The file needs the pandas path after all (a known export, whitespace-aligned text)."""


def is_large(size: int, filename: str) -> bool:
    """Return True for a delimited text file above :data:`LARGE_FILE_BYTES` bytes.

    Parameters
    ----------
    size : int
        The file's size in bytes.
    filename : str
        Its name (the ending decides whether it is plain text).
    """
    return size > LARGE_FILE_BYTES and filename.lower().endswith(LARGE_TEXT_EXTENSIONS)


@dataclass
class LargeFile:
    """A large file prepared in DuckDB.

    Attributes
    ----------
    database : Path
        The DuckDB database file holding ``raw``, ``lines``, ``anonymous`` and ``set_aside``.
    columns : list[str]
        The file's column names (as the head read in pandas names them).
    detected : dict[str, str]
        Role -> column recognised on the head.
    head : pd.DataFrame
        The first rows as read by :func:`~analysis.ingest.read_table` (for the mapping form
        and the currency).
    prepared : Prepared
        ``data`` and ``anonymous`` empty (they are in the database), ``rejected`` the first
        :data:`SHOWN_SET_ASIDE` set-aside rows, ``warnings``, ``mapping`` and ``report`` (the
        keys of :func:`~analysis.ingest.prepare_transactions`, counted on the whole file, but
        ``doubts``, found on the head).
    """

    database: Path
    columns: list[str]
    detected: dict[str, str]
    head: pd.DataFrame
    prepared: Prepared
    settings: dict[str, Any] = field(default_factory=dict)


def _read_head(path: Path, filename: str) -> pd.DataFrame:
    """Read the first :data:`HEAD_BYTES` of the file (cut at a line end) as a small file."""
    with open(path, "rb") as f:
        data = f.read(HEAD_BYTES)
        more = bool(f.read(1))
    if more:
        cut = data.rfind(b"\n")
        data = data[: cut + 1] if cut > 0 else data
    return read_table(data, filename=filename)


def _utf8_copy(path: Path, encoding: str, directory: Path) -> Path:
    """Return ``path``, or a UTF-8 copy of it in ``directory`` when it is in another encoding."""
    if encoding.lower() in _UTF8:
        return path
    target = directory / "utf8.csv"
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    with open(path, "rb") as src, open(target, "w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(1 << 22):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    return target


def _sql_string(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _load_raw(con, path: Path, head: pd.DataFrame) -> int:
    """Create ``raw`` (``c0``.. as text; its ``rowid`` is the record's position).

    Returns the number of records read (DuckDB keeps the file's order: insertion order is
    preserved). A file DuckDB cannot read this way is handed back to the pandas reader.
    """
    width = head.shape[1]
    types = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
    header_row = int(head.attrs.get("header_row") or 1)
    sql = (
        "CREATE TABLE raw AS SELECT * FROM read_csv("
        f"{_sql_string(str(path))}, delim={_sql_string(head.attrs['delimiter'])}, "
        f"quote='\"', escape='\"', header=false, skip={header_row}, auto_detect=false, "
        f"columns={{{types}}}, null_padding=true, strict_mode=true)"
    )
    try:
        con.execute(sql)
    except duckdb.Error as error:  # a record DuckDB cannot split: the pandas reader says why
        raise NotForLargeFiles(str(error).splitlines()[0]) from None
    rows = int(con.execute("SELECT count(*) FROM raw").fetchone()[0])
    _check_lines(con, path, header_row, width, rows)
    return rows


def _physical_lines(path: Path) -> int:
    """Count the lines of the file as the pandas reader does (trailing blank lines aside)."""
    lines, last = 0, b""
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            lines += chunk.count(b"\n")
            last = (last + chunk)[-4096:]
    tail = len(last) - len(last.rstrip(b"\r\n"))
    return lines - last[len(last) - tail :].count(b"\n") + 1


def _check_lines(con, path: Path, header_row: int, width: int, rows: int) -> None:
    """Raise :class:`NotForLargeFiles` unless each line below the header is one record.

    A blank line, a lone carriage return, a line break inside a quoted cell or a quotation
    mark left open make the counts differ: the pandas reader numbers such rows as a
    spreadsheet does and reads broken quotes line by line, so the file is read as a small one.
    """
    breaks = " + ".join(
        f"COALESCE(sum(length(c{i}) - length(replace(c{i}, chr(10), ''))), 0)" for i in range(width)
    )
    inside = int(con.execute(f"SELECT {breaks} FROM raw").fetchone()[0])
    if inside or _physical_lines(path) != header_row + rows:
        raise NotForLargeFiles("blank lines, line breaks in cells or open quotation marks")


def _distinct(con, column: str) -> pd.DataFrame:
    """Each distinct text of ``column`` (``t``, "" for empty) and its row count ``n``."""
    return con.execute(
        f"SELECT COALESCE({column}, '') AS t, count(*) AS n FROM raw GROUP BY 1 ORDER BY 1"
    ).df()


# The fast path of parsing._parse_numbers: when every distinct cell is like this, each value is
# read on its own (no decision weighted by rows), so the distinct values suffice.
_PLAIN_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def _parsed_lookup(con, column: str, parse) -> tuple[pd.DataFrame, _Parsed]:
    """Parse each distinct value of ``column`` as the whole column would be (row-weighted).

    The decisions the parsers make for a whole column (decimal separator, day/month order)
    count rows, so each distinct value is repeated as often as the file has it; plain numbers
    need no decision and are parsed once each.
    """
    counts = _distinct(con, column)
    n = counts["n"].to_numpy(dtype=np.int64)
    if (
        parse is _parse_numbers
        and counts["t"].astype(str).str.strip().str.fullmatch(_PLAIN_NUMBER).all()
    ):
        n = np.ones(len(counts), dtype=np.int64)
    repeated = pd.Series(np.repeat(counts["t"].to_numpy(dtype=object), n), dtype="str")
    parsed = parse(repeated)
    first = np.cumsum(n) - n
    lookup = pd.DataFrame(
        {
            "t": counts["t"].astype(str),
            "v": parsed.values[first],
            "empty": parsed.empty[first],
            "bad": parsed.bad[first],
        }
    )
    return lookup, parsed


def _text_lookup(con, column: str) -> pd.DataFrame:
    """Each distinct text of ``column`` and its trimmed value (None when empty)."""
    texts = _distinct(con, column)[["t"]].astype(str)
    value = _text_role(texts, "t")
    return pd.DataFrame({"t": texts["t"], "v": value.astype(object).where(value.notna(), None)})


def _customer_lookup(con, column: str) -> pd.DataFrame:
    texts = _distinct(con, column)[["t"]].astype(str)
    cust = _text_role(texts, "t")
    missing = cust.isna().to_numpy(bool) | cust.isin(_NULL_TOKENS).to_numpy(bool)
    return pd.DataFrame(
        {
            "t": texts["t"],
            "v": cust.astype(object).where(cust.notna(), None),
            "missing": missing,
            "placeholder": _profiles.placeholder_customers(cust),
        }
    )


_TOKENS_SQL = ", ".join(_sql_string(t) for t in sorted(_NULL_TOKENS))
_ISO_SQL = r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?"


def _all_iso(con, column: str) -> bool:
    """Return True when every date cell is empty or a valid ISO date of 1900-2199.

    ISO: ``YYYY-MM-DD`` with an optional `` HH:MM[:SS]``; SQL then reads them exactly as the
    ingest's parser does.
    """
    odd = con.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT trim(COALESCE({column}, '')) AS t FROM raw) "
        f"WHERE t NOT IN ({_TOKENS_SQL}) AND NOT (regexp_full_match(t, '{_ISO_SQL}') AND "
        "COALESCE(TRY_CAST(t AS TIMESTAMP) BETWEEN TIMESTAMP '1900-01-01' AND "
        "TIMESTAMP '2199-12-31 23:59:59', false))"
    ).fetchone()[0]
    return int(odd) == 0


class _Plan:
    """The look-up tables and SQL pieces of one file's canonical columns."""

    def __init__(self, con, columns: list[str], mapping: dict[str, str], dayfirst) -> None:
        self.con = con
        self.mapping = mapping
        self.col = {role: f"c{columns.index(name)}" for role, name in mapping.items()}
        self.joins: list[str] = []
        self.select: dict[str, str] = {}
        self.checks: list[tuple[str, str]] = []
        self.formats: dict[str, Any] = {"number_format": {}, "date_format": {}}
        self.notes: list[str] = []
        self._customer(mapping)
        self._date(mapping, dayfirst)
        self._numbers(mapping)
        self._texts(mapping)

    def _join(self, alias: str, role: str, frame: pd.DataFrame) -> None:
        self.con.register(f"_{alias}_df", frame)
        self.con.execute(f"CREATE TABLE lk_{alias} AS SELECT * FROM _{alias}_df")
        self.con.unregister(f"_{alias}_df")
        self.joins.append(
            f"LEFT JOIN lk_{alias} {alias} ON COALESCE(r.{self.col[role]}, '') = {alias}.t"
        )

    def _customer(self, mapping: dict[str, str]) -> None:
        self._join("cu", "customer_id", _customer_lookup(self.con, self.col["customer_id"]))
        self.select["customer_id"] = "cu.v"

    def _date(self, mapping: dict[str, str], dayfirst) -> None:
        column = self.col["order_date"]
        if _all_iso(self.con, column):
            self._iso_date(mapping, column, dayfirst)
            return
        lookup, parsed = _parsed_lookup(self.con, column, lambda s: _parse_dates(s, dayfirst))
        if parsed.fmt:
            self.formats["date_format"][mapping["order_date"]] = parsed.fmt
        self.formats["dayfirst_assumed"] = bool(parsed.ambiguous)
        if parsed.ambiguous:
            self.notes.append(_AMBIG_DATE_WARNING)
        lookup["v"] = pd.to_datetime(lookup["v"]).astype("datetime64[us]")
        self._join("d", "order_date", lookup)
        self.select["order_date"] = "d.v"
        self.checks += [("d.empty", "missing date"), ("d.bad", "unparseable date")]

    def _iso_date(self, mapping: dict[str, str], column: str, dayfirst) -> None:
        """Read ``YYYY-MM-DD[ HH:MM:SS]`` dates in SQL (the same values, no day/month doubt)."""
        some = _distinct(self.con, column)["t"].head(1000).astype(str)
        fmt = _parse_dates(pd.Series(some, dtype="str"), dayfirst).fmt
        if fmt:
            self.formats["date_format"][mapping["order_date"]] = fmt
        self.formats["dayfirst_assumed"] = False
        self.con.execute(
            f"CREATE TABLE lk_d AS SELECT t, TRY_CAST(trim(t) AS TIMESTAMP) AS v, "
            f"trim(t) IN ({_TOKENS_SQL}) AS empty, false AS bad "
            f"FROM (SELECT DISTINCT COALESCE({column}, '') AS t FROM raw)"
        )
        self.joins.append(f"LEFT JOIN lk_d d ON COALESCE(r.{column}, '') = d.t")
        self.select["order_date"] = "d.v"
        self.checks += [("d.empty", "missing date"), ("d.bad", "unparseable date")]

    def _numbers(self, mapping: dict[str, str]) -> None:
        words = {"amount": "amount", "quantity": "quantity", "unit_price": "unit price"}
        for role in _NUMBER_ROLES:
            if role not in mapping:
                continue
            lookup, parsed = _parsed_lookup(self.con, self.col[role], _parse_numbers)
            self.formats["number_format"][mapping[role]] = parsed.fmt or "1234.56"
            if parsed.ambiguous:
                self.notes.append(_ambiguous_number_note(mapping[role], parsed.fmt))
            self._join(role, role, lookup)
            if role != "amount":
                self.select[role] = f"{role}.v"
            if role == "amount" or "amount" not in mapping:
                self.checks += [
                    (f"{role}.empty", f"missing {words[role]}"),
                    (f"{role}.bad", f"unparseable {words[role]}"),
                ]
        if "amount" in mapping:
            self.select["amount"] = "amount.v"
        else:  # numpy's round(x, 8): rint(x * 1e8) / 1e8
            self.select["amount"] = (
                "round_even(quantity.v * unit_price.v * 100000000.0, 0) / 100000000.0"
            )

    def _texts(self, mapping: dict[str, str]) -> None:
        for role in _TEXT_ROLES:
            if role not in mapping:
                continue
            lookup = _text_lookup(self.con, self.col[role])
            if lookup["v"].fillna("").eq(lookup["t"]).all():  # nothing to trim: no join
                self.select[role] = f"NULLIF(r.{self.col[role]}, '')"
                continue
            self._join(role[:3] + "_t", role, lookup)
            self.select[role] = f"{role[:3]}_t.v"
        stamp = "COALESCE(cu.v, '') || '|' || COALESCE(strftime(d.v, '%Y-%m-%dT%H:%M:%S'), '')"
        self.select["oid_missing"] = f"{self.select.get('order_id', 'NULL')} IS NULL"
        self.select["order_id"] = f"COALESCE({self.select.get('order_id', 'NULL')}, {stamp})"


def _total_rows(con, head: pd.DataFrame) -> None:
    """Create ``total_rows(_rid)``: rows without a date whose first cell says "Total"."""
    names = {f"c{i}": name for i, name in enumerate(head.columns)}
    frame = con.execute(
        "SELECT r.rowid AS _rid, r.* FROM raw r JOIN marked_dates m ON r.rowid = m._rid "
        "WHERE m.empty ORDER BY _rid"
    ).df()
    rids = frame.pop("_rid").to_numpy(dtype=np.int64)
    frame = frame.rename(columns=names).fillna("").astype(str)
    hit = rids[_profiles.total_rows(frame)] if len(frame) else rids
    con.register("_total_df", pd.DataFrame({"_rid": hit.astype(np.int64)}))
    con.execute("CREATE TABLE total_rows AS SELECT * FROM _total_df")
    con.unregister("_total_df")


def _mark(con, plan: _Plan, head: pd.DataFrame, mapping: dict[str, str]) -> None:
    """Create ``marked``: every record's canonical values, its reason ("" = used), anonymity."""
    con.execute(
        "CREATE TEMP VIEW marked_dates AS SELECT r.rowid AS _rid, d.empty FROM raw r "
        + next(j for j in plan.joins if " d ON " in j)
    )
    _total_rows(con, head)
    header_row = int(head.attrs.get("header_row") or 1)
    rest = " ".join(f"WHEN {cond} THEN {_sql_string(label)}" for cond, label in plan.checks)
    reason = (
        "CASE WHEN t._rid IS NOT NULL THEN 'a total row, not a sale' "
        "WHEN cu.missing THEN 'missing customer id' "
        "WHEN cu.placeholder THEN 'no customer (guest or walk-in sale)' "
        f"{rest} ELSE '' END"
    )
    values = ", ".join(f"{sql} AS {role}" for role, sql in plan.select.items())
    con.execute(
        f'CREATE TABLE marked AS SELECT r.rowid AS _rid, r.rowid + {header_row + 1} AS "row", '
        f"{values}, "
        f"{reason} AS reason, (CASE {rest} ELSE '' END) = '' AS rest_ok "
        f"FROM raw r {' '.join(plan.joins)} LEFT JOIN total_rows t ON r.rowid = t._rid"
    )


def _build_tables(con, head: pd.DataFrame, mapping: dict[str, str]) -> None:
    """Create ``lines``, ``anonymous`` and ``set_aside`` from ``marked``."""
    roles = ["customer_id", "order_id", "order_date", "amount"]
    roles += [r for r in ("quantity", "unit_price", *_TEXT_ROLES[1:]) if r in mapping]
    con.execute(
        f"CREATE TABLE lines AS SELECT {', '.join(roles)} FROM marked "
        "WHERE reason = '' ORDER BY _rid"
    )
    anon_roles = ", ".join(r for r in roles[3:])
    con.execute(
        'CREATE TABLE anonymous AS SELECT "row", CASE WHEN oid_missing THEN \'row \' || "row" '
        f"ELSE order_id END AS order_id, order_date, {anon_roles}, CASE reason WHEN "
        "'missing customer id' THEN 'no customer id' ELSE 'guest or walk-in sale' END AS why "
        "FROM marked WHERE reason IN ('missing customer id', "
        "'no customer (guest or walk-in sale)') AND rest_ok ORDER BY _rid"
    )
    cells = ", ".join(f"COALESCE(r.c{i}, '') AS c{i}" for i in range(head.shape[1]))
    con.execute(
        f'CREATE TABLE set_aside AS SELECT {cells}, m."row", m.reason FROM marked m '
        "JOIN raw r ON r.rowid = m._rid WHERE m.reason <> '' AND NOT (m.reason IN "
        "('missing customer id', 'no customer (guest or walk-in sale)') AND m.rest_ok) "
        "ORDER BY m._rid"
    )


def set_aside_frame(con, head: pd.DataFrame, limit: int | None = SHOWN_SET_ASIDE) -> pd.DataFrame:
    """Return the set-aside rows as a small file's ``rejected`` (source names, row, reason).

    Parameters
    ----------
    con : duckdb connection
        The large file's database.
    head : pd.DataFrame
        The head read in pandas (its column names).
    limit : int or None
        Rows at most (None: all of them).
    """
    sql = "SELECT * FROM set_aside" + ("" if limit is None else f" LIMIT {int(limit)}")
    frame = con.execute(sql).df()
    rows, reasons = frame.pop("row").to_numpy(dtype=np.int64), frame.pop("reason")
    frame.columns = [str(c) for c in head.columns]
    frame = pd.DataFrame({c: frame[c].astype("str") for c in frame.columns})
    out = _with_row_and_reason(frame, rows, reasons.astype(str).to_numpy())
    out["row"] = out["row"].astype(np.int64)
    return out


def _counts(con) -> dict[str, Any]:
    """Return the report's figures, counted in the database."""
    one = con.execute(
        "SELECT count(*), min(order_date), max(order_date), count(DISTINCT customer_id), "
        "count(*) FILTER (amount < 0), count(*) FILTER (amount = 0), "
        "count(*) FILTER (order_date >= current_date + INTERVAL 1 DAY) FROM lines"
    ).fetchone()
    orders = con.execute(
        "SELECT count(*) FROM (SELECT DISTINCT customer_id, order_id FROM lines)"
    ).fetchone()[0]
    anon = con.execute(
        "SELECT count(*), count(DISTINCT order_id), COALESCE(sum(amount), 0) FROM anonymous"
    ).fetchone()
    return {
        "rows_used": int(one[0]),
        "date_min": pd.Timestamp(one[1]) if one[1] is not None else None,
        "date_max": pd.Timestamp(one[2]) if one[2] is not None else None,
        "customers": int(one[3]),
        "orders": int(orders),
        "refund_lines": int(one[4]),
        "zero_amount_lines": int(one[5]),
        "future_dates": int(one[6]),
        "anonymous_lines": int(anon[0]),
        "anonymous_orders": int(anon[1]),
        "anonymous_amount": float(anon[2]),
    }


def _duplicate_lines(con, width: int) -> int:
    cells = ", ".join(f"r.c{i}" for i in range(width))
    return int(
        con.execute(
            f"SELECT count(*) - count(DISTINCT ({cells})) FROM raw r JOIN marked m "
            "ON r.rowid = m._rid WHERE m.reason = ''"
        ).fetchone()[0]
    )


def _reasons(con) -> tuple[dict[str, int], int]:
    rows = con.execute(
        'SELECT reason, count(*) AS n, min("row") AS first FROM set_aside GROUP BY reason '
        "ORDER BY n DESC, first"
    ).fetchall()
    return {str(r): int(n) for r, n, _ in rows}, sum(int(n) for _, n, _ in rows)


def _report(con, head: pd.DataFrame, plan: _Plan, rows: int, sample: Prepared) -> dict:
    counts = _counts(con)
    by_reason, rejected = _reasons(con)
    return {
        "rows_read": rows,
        "rows_used": counts["rows_used"],
        "rows_rejected": rejected,
        "rejected_by_reason": by_reason,
        "date_min": counts["date_min"],
        "date_max": counts["date_max"],
        "customers": counts["customers"],
        "orders": counts["orders"],
        "refund_lines": counts["refund_lines"],
        "zero_amount_lines": counts["zero_amount_lines"],
        "duplicate_lines": _duplicate_lines(con, head.shape[1]),
        "future_dates": counts["future_dates"],
        "number_format": plan.formats["number_format"],
        "date_format": plan.formats["date_format"],
        "dayfirst_assumed": plan.formats.get("dayfirst_assumed", False),
        "anonymous_lines": counts["anonymous_lines"],
        "anonymous_orders": counts["anonymous_orders"],
        "anonymous_amount": counts["anonymous_amount"],
        "doubts": sample.report.get("doubts") or [],
        "large_file": True,
    }


def _warnings(con, report: dict, plan: _Plan, head: pd.DataFrame) -> list[str]:
    """Return the notes a small file's :class:`Prepared` would have, in the same order."""
    by = report["rejected_by_reason"]
    reasons = np.repeat(np.array(list(by), dtype=object), list(by.values())) if by else []
    _, notes = _rejection_summary(np.asarray(reasons, dtype=object), report["rows_read"])
    anonymous = con.execute("SELECT order_id, amount FROM anonymous").df()
    currency = table_currency(head, plan.mapping) if len(anonymous) else None  # on the head
    notes += _anonymous_note(anonymous, currency)[0]
    notes += plan.notes
    no_oid = int(
        con.execute("SELECT count(*) FROM marked WHERE reason = '' AND oid_missing").fetchone()[0]
    )
    if no_oid and "order_id" in plan.col:
        notes.append(
            f"{plural(no_oid, 'line')} {'has' if no_oid == 1 else 'have'} no order number; "
            "each was counted as one order per customer and time."
        )
    draft = SimpleNamespace(notes=notes)
    signs = np.r_[np.full(report["refund_lines"], -1.0), np.zeros(report["zero_amount_lines"])]
    _amount_notes(draft, signs)
    notes += _dup_note(report["duplicate_lines"], "line")
    future = con.execute(
        "SELECT order_date FROM lines WHERE order_date >= current_date + INTERVAL 1 DAY"
    ).df()["order_date"]
    notes += _future_note(pd.to_datetime(future).astype("datetime64[ns]"), "line")[1]
    return notes + [d["message"] for d in report["doubts"]]


def _connect(database: Path, memory_limit: str, temp_directory: Path | None):
    con = duckdb.connect(str(database))
    con.execute(f"SET memory_limit = {_sql_string(memory_limit)}")
    if temp_directory is not None:
        con.execute(f"SET temp_directory = {_sql_string(str(temp_directory))}")
    con.execute("SET preserve_insertion_order = true")
    return con


def prepare_large_csv(
    path: str | os.PathLike,
    filename: str,
    database: str | os.PathLike,
    mapping: dict[str, str] | None = None,
    *,
    dayfirst: bool | None = None,
    memory_limit: str = "1GB",
    temp_directory: str | os.PathLike | None = None,
) -> LargeFile:
    """Read a large delimited text file into an on-disk DuckDB database, prepared in SQL.

    Parameters
    ----------
    path : path-like
        The file on disk.
    filename : str
        Its name as the visitor knows it (for messages).
    database : path-like
        The DuckDB database file to create (its directory must exist; the file must not).
    mapping : dict[str, str], optional
        Role -> column; None means the columns recognised on the head.
    dayfirst : bool, optional
        As for :func:`~analysis.ingest.prepare_transactions`.
    memory_limit : str
        DuckDB's memory bound (``"1GB"``).
    temp_directory : path-like, optional
        Where DuckDB spills what does not fit in ``memory_limit``.

    Returns
    -------
    LargeFile

    Raises
    ------
    NotForLargeFiles
        The file is not delimited text or is a known export: read it as a small file.
    DataError
        A required column is missing (the same message as for a small file).
    """
    path, database = Path(path), Path(database)
    head = _read_head(path, filename)
    if head.attrs.get("delimiter") not in _DELIMITERS:
        raise NotForLargeFiles(f"{_q(filename)} is not separated by , ; tab or |.")
    detected = detect_columns(head, "transactions")
    chosen = dict(mapping or detected)
    sample = prepare_transactions(head, chosen, dayfirst=dayfirst)
    if sample.report.get("profile"):
        raise NotForLargeFiles(f"{_q(filename)} is a known export, read with its own rules.")
    chosen = dict(sample.mapping)
    source = _utf8_copy(path, str(head.attrs.get("encoding") or "utf-8"), database.parent)
    con = _connect(database, memory_limit, Path(temp_directory) if temp_directory else None)
    try:
        rows = _load_raw(con, source, head)
        plan = _Plan(con, [str(c) for c in head.columns], chosen, dayfirst)
        _mark(con, plan, head, chosen)
        _build_tables(con, head, chosen)
        report = _report(con, head, plan, rows, sample)
        rejected = set_aside_frame(con, head)
        warnings = _warnings(con, report, plan, head)
        for table in ("marked", "total_rows", "raw"):
            con.execute(f"DROP TABLE {table} CASCADE")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    if source != path:
        source.unlink()
    prepared = Prepared(
        data=pd.DataFrame(),
        rejected=rejected,
        warnings=list(head.attrs.get("warnings") or [])
        + _hand_mapping_note(head, mapping, "transactions")
        + warnings,
        mapping=chosen,
        report=report,
    )
    return LargeFile(database, [str(c) for c in head.columns], detected, head, prepared)
