"""RFM: ``analysis.rfm.rfm_table`` against the tutorial pandas code and DuckDB SQL.

- *tutorial pandas*: the code most RFM tutorials show: a groupby with a per-customer lambda
  for recency, ``nunique`` order ids and summed amounts, then ``pd.qcut`` scores (with the
  ``rank(method="first")`` trick for recency and frequency, without which ``qcut`` fails on
  repeated cut points, and which gives equal values different scores).
  It counts refund orders as orders and uses the last line of any kind for recency, so only
  its monetary values match ours.
- *DuckDB SQL*: the same R, F, M as ours (same as-of, same purchase-order definition), without
  scores or segments (ours computes those too).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.orders import resolve_as_of
from analysis.rfm import rfm_table

RFM_SQL = """
with lines as (
    select customer_id, order_id, cast(order_date as date) as day, amount
    from tx
    where cast(order_date as date) < $as_of
),
orders as (
    select customer_id, order_id, min(day) as day, round(sum(amount), 8) as net
    from lines
    group by customer_id, order_id
)
select
    customer_id,
    date_diff('day', max(day) filter (where net >= 0), $as_of) as recency,
    count(*) filter (where net >= 0) as frequency,
    sum(net) as monetary
from orders
group by customer_id
having count(*) filter (where net >= 0) > 0
"""


def tutorial_rfm(tx: pd.DataFrame) -> pd.DataFrame:
    """RFM as the common tutorials write it (deliberately not optimised)."""
    df = tx
    snapshot_date = df["order_date"].max() + pd.Timedelta(days=1)
    rfm = df.groupby("customer_id").agg(
        {
            "order_date": lambda x: (snapshot_date - x.max()).days,
            "order_id": "nunique",
            "amount": "sum",
        }
    )
    rfm.columns = ["recency", "frequency", "monetary"]
    rfm["r_score"] = pd.qcut(rfm["recency"].rank(method="first"), 5, labels=[5, 4, 3, 2, 1])
    rfm["f_score"] = pd.qcut(rfm["frequency"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5])
    rfm["m_score"] = pd.qcut(rfm["monetary"], 5, labels=[1, 2, 3, 4, 5])
    rfm["rfm_code"] = (
        rfm["r_score"].astype(str) + rfm["f_score"].astype(str) + rfm["m_score"].astype(str)
    )
    return rfm


def duckdb_rfm(tx: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """R, F, M with DuckDB SQL over the in-memory frame."""
    import duckdb

    con = duckdb.connect()
    con.register("tx", tx[["customer_id", "order_id", "order_date", "amount"]])
    out = con.execute(RFM_SQL, {"as_of": as_of.date()}).df()
    con.close()
    return out


def cases(tx: pd.DataFrame) -> dict:
    as_of = resolve_as_of(tx)
    return {
        "rfm_table (ours)": lambda: rfm_table(tx),
        "tutorial pandas (lambda + qcut)": lambda: tutorial_rfm(tx),
        "DuckDB SQL (R, F, M only)": lambda: duckdb_rfm(tx, as_of),
    }


def check(tx: pd.DataFrame) -> None:
    """Same R, F, M as DuckDB for every customer; same monetary as the tutorial code."""
    ours = rfm_table(tx)
    duck = duckdb_rfm(tx, resolve_as_of(tx)).set_index("customer_id").reindex(ours.index)
    assert duck.notna().all().all(), "DuckDB and ours disagree on who has a purchase"
    assert len(duck) == len(ours)
    np.testing.assert_array_equal(duck["recency"].to_numpy(), ours["recency"].to_numpy())
    np.testing.assert_array_equal(duck["frequency"].to_numpy(), ours["frequency"].to_numpy())
    np.testing.assert_allclose(duck["monetary"].to_numpy(), ours["monetary"].to_numpy(), atol=1e-6)
    tut = tutorial_rfm(tx)["monetary"].reindex(ours.index)
    np.testing.assert_allclose(tut.to_numpy(), ours["monetary"].to_numpy(), atol=1e-6)
