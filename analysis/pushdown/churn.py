"""The churn model's inputs computed in the engine: behaviour features, labels, summaries.

:func:`churn_features` and :func:`churn_labels` return what the in-memory functions of
:mod:`analysis.churn.features` return (customers sorted by id); :func:`churn_model` builds
every input of :class:`analysis.churn.ChurnModel` this way and fits it in memory with the
same code (:meth:`~analysis.churn.ChurnModel.fit_inputs`). Its split of customers follows their
order, so it equals the in-memory model on the same lines sorted by customer.

Sums come back unrounded and are rounded here by :func:`analysis.orders.round_money`, the
in-memory path's one rounding rule; day gaps come back as exact integer sums.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analysis.churn.features import MIX_TOP
from analysis.churn.model import (
    ChurnInputs,
    ChurnModel,
    ChurnResult,
    check_history,
    check_horizon,
)
from analysis.core.orders import round_money
from analysis.pushdown._lines import cutoff_day, orders, resolve_as_of
from analysis.pushdown.clv import clv_summary
from analysis.pushdown.value import drop_implausible_amounts, first_date

__all__ = ["churn_features", "churn_inputs", "churn_labels", "churn_model"]

#: Attribute columns turned into share features when the table has them.
MIX_COLUMNS = ("category", "channel")


def _lines(table: ir.Table, as_of: pd.Timestamp) -> ir.Table:
    """Return the lines dated before ``as_of`` with their amount (missing as 0) and attributes."""
    day = ibis.date(dt.date(as_of.year, as_of.month, as_of.day))
    lines = table.filter(table.order_date.notnull(), table.order_date.date() < day)
    return lines.mutate(amount=lines.amount.cast("float64").fill_null(0.0))


def _per_customer(table: ir.Table, as_of: pd.Timestamp, recent_from: int) -> ir.Table:
    """Purchase orders, distinct purchase days' gaps and line sums per customer who bought."""
    o = orders(table, as_of)
    po = o.filter(o.net >= 0)
    bought = po.group_by("customer_id").aggregate(
        n_orders=po.count(),
        first_day=po.day.min(),
        last_day=po.day.max(),
        purchase_value=po.net.sum(),
        recent_value=(po.day >= recent_from).ifelse(po.net, 0.0).sum(),
    )
    days = po.select("customer_id", "day").distinct()
    gap = days.day - days.day.lag().over(group_by=days.customer_id, order_by=days.day)
    days = days.mutate(gap=gap.cast("float64"))
    gaps = days.group_by("customer_id").aggregate(
        n_gaps=days.gap.count(), gap_sum=days.gap.sum(), gap_sq=(days.gap * days.gap).sum()
    )
    lines = _lines(table, as_of)
    amount = lines.amount
    sums = lines.group_by("customer_id").aggregate(
        total=amount.sum(),
        positive=(amount > 0).ifelse(amount, 0.0).sum(),
        negative=(amount < 0).ifelse(-amount, 0.0).sum(),
    )
    return bought.join(gaps, "customer_id").join(sums, "customer_id")


def _mix_shares(table: ir.Table, as_of: pd.Timestamp, column: str, customers: pd.Index) -> dict:
    """Return the share of each customer's bought lines in the top values of ``column``."""
    lines = _lines(table, as_of)
    given = lines.filter(lines[column].notnull())
    by_value = given.group_by(column).aggregate(n=(given.amount >= 0).ifelse(1, 0).sum()).execute()
    if len(by_value) < 2:
        return {}
    names = by_value[column].to_numpy()
    # Most common first, ties by name: the in-memory path's order.
    top = names[np.lexsort((names.astype(str), -by_value["n"].to_numpy()))[:MIX_TOP]]
    valid = given.filter(given.amount >= 0)
    counts = {f"v{i}": (valid[column] == value).ifelse(1, 0).sum() for i, value in enumerate(top)}
    frame = valid.group_by("customer_id").aggregate(total=valid.count(), **counts).execute()
    frame = frame.set_index(frame["customer_id"].astype("str")).reindex(customers)
    total = frame["total"].to_numpy(dtype=np.float64, na_value=0.0)
    out = {}
    for i, value in enumerate(top):
        share = frame[f"v{i}"].to_numpy(dtype=np.float64, na_value=0.0) / np.maximum(total, 1)
        out[f"{column}: {value}"] = np.where(total > 0, share, np.nan)
    return out


def churn_features(table: ir.Table, *, as_of=None, recent_days: int = 90) -> pd.DataFrame:
    """:func:`analysis.churn.churn_features` with the aggregation pushed down to the engine.

    Parameters
    ----------
    table : ibis Table
        Canonical transactions, with ``category`` and ``channel`` where the source has them.
    as_of : date-like or None
        Cutoff, exclusive (default: the day after the last transaction).
    recent_days : int
        Length of the "recent" window for ``recent_spend_share``.

    Returns
    -------
    DataFrame
        The in-memory function's columns, indexed by ``customer_id`` (sorted by id).
    """
    as_of_ts = resolve_as_of(table, as_of)
    cutoff = cutoff_day(as_of_ts)
    frame = _per_customer(table, as_of_ts, cutoff - recent_days).execute()
    frame = frame.sort_values("customer_id", ignore_index=True)
    n = frame["n_orders"].to_numpy(dtype=np.float64)
    value = round_money(frame["purchase_value"].to_numpy(dtype=np.float64))
    recent = round_money(frame["recent_value"].to_numpy(dtype=np.float64))
    positive = round_money(frame["positive"].to_numpy(dtype=np.float64))
    negative = round_money(frame["negative"].to_numpy(dtype=np.float64))
    n_gaps = frame["n_gaps"].to_numpy(dtype=np.float64)
    gap_sum, gap_sq = (
        frame[c].to_numpy(dtype=np.float64, na_value=0.0) for c in ("gap_sum", "gap_sq")
    )
    recency = (cutoff - frame["last_day"].to_numpy(dtype=np.int64)).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        gap_mean = np.where(n_gaps > 0, gap_sum / n_gaps, np.nan)
        gap_var = np.where(n_gaps > 1, np.maximum(gap_sq / n_gaps - gap_mean**2, 0.0), np.nan)
        columns = {
            "recency_days": recency,
            "frequency": n,
            "monetary": round_money(frame["total"].to_numpy(dtype=np.float64)),
            "avg_order_value": value / np.maximum(n, 1),
            "tenure_days": (cutoff - frame["first_day"].to_numpy(dtype=np.int64)).astype(
                np.float64
            ),
            "gap_mean_days": gap_mean,
            "gap_std_days": np.sqrt(gap_var),
            "overdue_ratio": recency / gap_mean,
            "recent_spend_share": np.where(
                value > 0, recent / np.where(value > 0, value, 1), np.nan
            ),
            "refund_share": np.where(
                positive > 0, negative / np.where(positive > 0, positive, 1), np.nan
            ),
        }
    index = pd.Index(frame["customer_id"].astype("str"), name="customer_id")
    for column in MIX_COLUMNS:
        if column in table.columns:
            columns.update(_mix_shares(table, as_of_ts, column, index))
    return pd.DataFrame(columns, index=index)


def churn_labels(
    table: ir.Table, customers: pd.Index, *, start, horizon_days: int = 90
) -> pd.Series:
    """:func:`analysis.churn.churn_labels`, the buyers of the window found in the engine.

    1 when a customer of ``customers`` made no purchase order in ``[start, start +
    horizon_days)``, else 0 (int64 ``churned`` indexed by ``customers``).
    """
    start_ts = pd.Timestamp(start).normalize()
    o = orders(table, start_ts + pd.Timedelta(days=horizon_days))
    bought = o.filter(o.net >= 0, o.day >= cutoff_day(start_ts)).select("customer_id").distinct()
    buyers = pd.Index(bought.execute()["customer_id"].astype("str"))
    churned = (buyers.get_indexer(customers) < 0).astype(np.int64)
    return pd.Series(churned, index=customers, name="churned")


def churn_inputs(table: ir.Table, *, horizon_days: int = 90, as_of=None) -> ChurnInputs:
    """Return :func:`analysis.churn.model.churn_inputs`, computed in the engine."""
    check_horizon(horizon_days)
    table, amount_note = drop_implausible_amounts(table, nothing_left_for="")
    end = resolve_as_of(table, as_of)
    cutoff = end - pd.Timedelta(days=horizon_days)
    check_history(first_date(table), end, cutoff, horizon_days)
    summary_cut = clv_summary(table, as_of=cutoff, time_unit="D")
    summary_now = clv_summary(table, as_of=end, time_unit="D")
    X = churn_features(table, as_of=cutoff, recent_days=horizon_days)
    X = X[X.index.isin(summary_cut.index)]
    y = churn_labels(table, X.index, start=cutoff, horizon_days=horizon_days).to_numpy()
    X_now = churn_features(table, as_of=end, recent_days=horizon_days)
    return ChurnInputs(
        features_cut=X,
        labels=y,
        summary_cut=summary_cut,
        features_now=X_now[X_now.index.isin(summary_now.index)],
        summary_now=summary_now,
        cutoff=cutoff,
        as_of=end,
        horizon_days=horizon_days,
        amount_note=amount_note,
    )


def churn_model(
    table: ir.Table,
    *,
    horizon_days: int = 90,
    as_of=None,
    test_share: float = 0.3,
    random_state: int = 0,
) -> ChurnResult:
    """:func:`analysis.churn.churn_model` with its per-customer inputs computed in the engine.

    Parameters
    ----------
    table : ibis Table
        Canonical transactions (``customer_id``, ``order_id``, ``order_date``, ``amount``;
        ``category`` and ``channel`` used where present).
    horizon_days, as_of, test_share, random_state
        As for :func:`analysis.churn.churn_model`.

    Returns
    -------
    ChurnResult
        The in-memory result of the same lines sorted by customer.
    """
    model = ChurnModel(horizon_days=horizon_days, test_share=test_share, random_state=random_state)
    inputs = churn_inputs(table, horizon_days=horizon_days, as_of=as_of)
    return model.fit_inputs(inputs).result_
