"""Sanity checks of a transactions mapping before any figure is shown.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.ingest import profiles as _profiles
from analysis.ingest.cells import _short
from analysis.ingest.header_words import _header_score, _normalise_header
from analysis.ingest.parsing import _parse_dates, _parse_numbers
from analysis.ingest.preparing import _text_role

_DOUBT_MIN_ROWS = 20  # fewer usable lines than this: too few to doubt a mapping
_SEQ_RE = r"^\s*[A-Za-z#]{0,4}[-_ ]?0*(\d{1,12})\s*$"


def _suggest(
    raw: pd.DataFrame, used: np.ndarray, role: str, mapping: dict[str, str], test
) -> str | None:
    """The file's best other column for ``role``: among unmapped columns passing ``test``
    (a function of the column's usable cells, as text), the one whose name fits the role best
    (ties: the first in the file)."""
    taken = set(mapping.values())
    best: tuple[float, int, str] | None = None
    at = np.flatnonzero(used)[:50_000]
    for i, c in enumerate(raw.columns):
        if c in taken:
            continue
        cells = _text_role(raw, c).iloc[at]
        if cells.notna().mean() < 0.8 or not test(cells):
            continue
        score = _header_score(role, _profiles.translate_header(_normalise_header(c)))
        key = (-score, i, str(c))
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


def _customer_like(n_orders: int):
    def test(cells: pd.Series) -> bool:
        k = cells.nunique()
        return 2 <= k <= 0.8 * n_orders and _parse_dates(cells.fillna("")).bad.mean() > 0.5

    return test


def _doubts(
    raw: pd.DataFrame, used: np.ndarray, data: pd.DataFrame, mapping: dict[str, str]
) -> list[dict[str, Any]]:
    """Mappings that look wrong (see :func:`prepare_transactions`, Notes)."""
    n = len(data)
    if n < _DOUBT_MIN_ROWS:
        return []
    out: list[dict[str, Any]] = []

    def doubt(rule: str, role: str, message: str, suggestion: str | None) -> None:
        col = mapping.get(role, "")
        if suggestion:
            message += f" '{suggestion}' looks like a better choice."
        out.append(dict(rule=rule, role=role, column=col, suggestion=suggestion, message=message))

    ccol = mapping["customer_id"]
    cust = data["customer_id"]
    n_cust = int(cust.nunique())
    n_orders = int(data["order_id"].nunique())
    check = " Check the columns on 'Your data' before trusting the figures."

    def customer_suggestion() -> str | None:
        return _suggest(raw, used, "customer_id", mapping, _customer_like(max(n_orders, n)))

    if n_cust == 1:
        doubt(
            "one_customer",
            "customer_id",
            f"Every line has the same customer ('{_short(str(cust.iloc[0]))}' in '{ccol}'): that "
            "is more likely the shop's own account than a customer." + check,
            customer_suggestion(),
        )
    elif n_cust == n_orders and n_orders >= _DOUBT_MIN_ROWS:
        same = "order_id" in mapping and bool(
            (cust.to_numpy(dtype=object) == data["order_id"].to_numpy(dtype=object)).mean() >= 0.9
        )
        num = cust.str.extract(_SEQ_RE)[0]
        seq = False
        if num.notna().mean() >= 0.9:
            v = pd.to_numeric(num, errors="coerce").dropna().unique()
            seq = len(v) >= _DOUBT_MIN_ROWS and (v.max() - v.min() + 1) <= 1.5 * len(v)
        if same or seq:
            how = "the order numbers" if same else "consecutive numbers, one order each"
            doubt(
                "customer_is_order",
                "customer_id",
                f"The customer column '{ccol}' looks like order or receipt numbers ({how}): "
                "then nobody would ever seem to come back." + check,
                customer_suggestion(),
            )
        else:
            doubt(
                "one_order_per_customer",
                "customer_id",
                f"Every customer in '{ccol}' has exactly one order ({n_cust:,} customers, "
                f"{n_orders:,} orders). If that column holds order or receipt numbers rather "
                "than customers, the repeat figures are wrong." + check,
                customer_suggestion(),
            )
    amt = data["amount"].to_numpy(dtype=np.float64)
    zero = float(np.mean(amt == 0))
    if zero > 0.5:
        role = "amount" if "amount" in mapping else "unit_price"

        def money(cells: pd.Series) -> bool:
            v = _parse_numbers(cells.fillna("")).values
            ok = ~np.isnan(v)
            return ok.mean() >= 0.8 and np.mean(v[ok] != 0) >= 0.5 if ok.any() else False

        doubt(
            "amount_mostly_zero",
            role,
            f"{zero:.0%} of the amounts read from '{mapping.get(role, '')}' are 0: it may not "
            "be the amount column." + check,
            _suggest(raw, used, "amount", mapping, money),
        )
    od = data["order_date"]
    if od.notna().any() and od.min().normalize() == od.max().normalize():

        def spread(cells: pd.Series) -> bool:
            d = _parse_dates(cells.fillna("")).values
            ok = ~np.isnat(d)
            if ok.mean() < 0.8:
                return False
            days = d[ok].astype("datetime64[D]")
            return bool(days.min() != days.max())

        doubt(
            "one_day",
            "order_date",
            f"Every date in '{mapping['order_date']}' is on {od.min():%d %b %Y}: that may be "
            "the export's date, not the order dates." + check,
            _suggest(raw, used, "order_date", mapping, spread),
        )
    return out
