"""Cohort retention matrix: ours against the common tutorial pandas code and Polars.

The baselines are the widespread tutorial recipe (``to_period('M')``,
``groupby('customer_id')['order_period'].transform('min')``, ``nunique`` per cell,
``pivot_table``, divide by period 0) and the same steps in Polars, both run straight on the
transaction lines. They do less than ours: no order definitions (a refund-only order still makes
a customer "active"), no end of observation. They are given their best chance: no
``drop_duplicates`` first, and Polars gets its frame already converted (conversion untimed).

Two more baselines add the order definitions (group lines into orders, keep purchase orders:
net value >= 0, dated by their earliest line) before the same steps, so that they compute exactly
what ours does. ``check`` asserts the same matrix from all of them (the line-based ones on the
lines without refunds, where the definitions coincide).
"""

from __future__ import annotations

from operator import attrgetter

import numpy as np
import pandas as pd

from analysis.cohorts import retention_matrix


def tutorial_pandas(tx: pd.DataFrame) -> pd.DataFrame:
    """The common tutorial code, customer retention by monthly cohort."""
    df = tx[["customer_id", "order_date"]].copy()
    df["order_period"] = df["order_date"].dt.to_period("M")
    df["cohort"] = df.groupby("customer_id")["order_period"].transform("min")
    cohort_data = (
        df.groupby(["cohort", "order_period"])
        .agg(n_customers=("customer_id", "nunique"))
        .reset_index()
    )
    cohort_data["period_number"] = (cohort_data["order_period"] - cohort_data["cohort"]).apply(
        attrgetter("n")
    )
    pivot = cohort_data.pivot_table(index="cohort", columns="period_number", values="n_customers")
    return pivot.divide(pivot.iloc[:, 0], axis=0)


def polars_tutorial(ptx):
    """The same steps in Polars (a ``polars.DataFrame`` of the lines)."""
    import polars as pl

    month = pl.col("order_date").dt.year().cast(pl.Int64) * 12 + pl.col("order_date").dt.month()
    df = ptx.select("customer_id", order_period=month).with_columns(
        cohort=pl.col("order_period").min().over("customer_id")
    )
    cells = (
        df.group_by("cohort", "order_period")
        .agg(n_customers=pl.col("customer_id").n_unique())
        .with_columns(period_number=pl.col("order_period") - pl.col("cohort"))
    )
    pivot = cells.pivot(
        on="period_number", index="cohort", values="n_customers", sort_columns=True
    ).sort("cohort")
    columns = sorted((c for c in pivot.columns if c != "cohort"), key=int)
    return pivot.select("cohort", *[(pl.col(c) / pl.col("0")).alias(c) for c in columns])


def _pandas_orders(tx: pd.DataFrame) -> pd.DataFrame:
    """Purchase orders (net value >= 0) dated by their earliest line, in plain pandas."""
    orders = (
        tx.groupby(["customer_id", "order_id"], sort=False)
        .agg(order_date=("order_date", "min"), net=("amount", "sum"))
        .reset_index()
    )
    return orders[orders["net"] >= 0]


def pandas_same_definitions(tx: pd.DataFrame) -> pd.DataFrame:
    """The tutorial steps on purchase orders: the same numbers as ours on any data."""
    return tutorial_pandas(_pandas_orders(tx))


def _polars_orders(ptx):
    import polars as pl

    return (
        ptx.group_by("customer_id", "order_id")
        .agg(pl.col("order_date").min(), net=pl.col("amount").sum())
        .filter(pl.col("net") >= 0)
    )


def polars_same_definitions(ptx):
    """The Polars steps on purchase orders: the same numbers as ours on any data."""
    return polars_tutorial(_polars_orders(ptx))


def cases(tx: pd.DataFrame) -> dict:
    import polars as pl

    ptx = pl.from_pandas(tx[["customer_id", "order_id", "order_date", "amount"]])
    return {
        "cohorts.retention_matrix": lambda: retention_matrix(tx),
        "pandas tutorial, lines": lambda: tutorial_pandas(tx),
        "pandas tutorial + order defs": lambda: pandas_same_definitions(tx),
        "polars tutorial, lines": lambda: polars_tutorial(ptx),
        "polars tutorial + order defs": lambda: polars_same_definitions(ptx),
    }


def _assert_same(ours: pd.DataFrame, baseline: pd.DataFrame) -> None:
    # the pivots have no column for a period number where no cohort was active, and leave a
    # cell empty both when it cannot be observed and when it is 0
    baseline = baseline.reindex(columns=ours.columns)
    assert list(ours.index) == list(baseline.index)
    observable = ours.notna().to_numpy()
    assert np.isnan(baseline.to_numpy()[~observable]).all()
    np.testing.assert_allclose(
        ours.to_numpy()[observable], baseline.fillna(0.0).to_numpy()[observable], rtol=1e-12
    )


def _polars_to_pandas(result) -> pd.DataFrame:
    frame = result.to_pandas().set_index("cohort")
    frame.index = pd.PeriodIndex.from_ordinals(frame.index.to_numpy() - 1 - 1970 * 12, freq="M")
    return frame.rename(columns=int)


def _without_zero_net_orders(tx: pd.DataFrame) -> pd.DataFrame:
    """Drop the customers with an order whose lines net to zero up to rounding: whether such an
    order sums to +0.0 or to -1e-15 (purchase or refund) depends on the summation order, so
    two correct implementations may classify it differently."""
    net = tx.groupby(["customer_id", "order_id"], sort=False)["amount"].sum()
    shaky = net.index[np.abs(net.to_numpy()) < 1e-6].get_level_values("customer_id")
    return tx[~tx["customer_id"].isin(shaky)].reset_index(drop=True)


def check(tx: pd.DataFrame) -> None:
    """Same matrix from all: the same-definitions baselines on the data as is (without the
    customers of zero-net orders), the line-based tutorials on the lines without refunds (where
    the definitions coincide)."""
    import polars as pl

    tx = _without_zero_net_orders(tx)
    ours = retention_matrix(tx)
    ptx = pl.from_pandas(tx[["customer_id", "order_id", "order_date", "amount"]])
    _assert_same(ours, pandas_same_definitions(tx))
    _assert_same(ours, _polars_to_pandas(polars_same_definitions(ptx)))
    clean = tx[tx["amount"] >= 0].reset_index(drop=True)
    ours = retention_matrix(clean)
    _assert_same(ours, tutorial_pandas(clean))
    _assert_same(ours, _polars_to_pandas(polars_tutorial(pl.from_pandas(clean))))
