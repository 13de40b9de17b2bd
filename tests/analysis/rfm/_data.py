"""Small hand-made transactions shared by the RFM tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def make_tx(rows, extra=None):
    cols = ["customer_id", "order_id", "order_date", "amount"] + (extra or [])
    tx = pd.DataFrame(rows, columns=cols)
    tx["order_date"] = pd.to_datetime(tx["order_date"])
    for c in ["customer_id", "order_id"] + (extra or []):
        tx[c] = tx[c].astype("str")
    tx["amount"] = tx["amount"].astype("float64")
    return tx


# A: two purchase orders on 1 March (one of two lines), a refund order on 5 March.
# B: a purchase on 20 Feb, then a refund order on 8 March (different order id).
# C: refund only. D: a free order (a purchase) and a later order on the last day.
# E: order e1 has a 60 line on 3 March and a -70 line on 4 March (net -10: a refund order),
#    then a purchase e2 on 6 March.
TX = make_tx(
    [
        ("A", "a1", "2024-03-01 10:00", 30.0),
        ("A", "a1", "2024-03-01 11:00", 20.0),
        ("A", "a2", "2024-03-01 15:00", 10.0),
        ("A", "a3", "2024-03-05 09:00", -15.0),
        ("B", "b1", "2024-02-20 12:00", 100.0),
        ("B", "b2", "2024-03-08 12:00", -100.0),
        ("C", "c1", "2024-03-02 12:00", -40.0),
        ("D", "d1", "2024-03-09 23:30", 0.0),
        ("D", "d2", "2024-03-10 08:00", 25.0),
        ("E", "e1", "2024-03-03 12:00", 60.0),
        ("E", "e1", "2024-03-04 12:00", -70.0),
        ("E", "e2", "2024-03-06 12:00", 5.0),
    ]
)


def table(rfm, cols=("recency", "frequency", "monetary")):
    return {c: tuple(rfm.loc[c, list(cols)].tolist()) for c in rfm.index}


def separated_groups_tx(seed=0):
    """Three clear groups: loyal big spenders, lapsed one-timers, recent small buyers."""
    rng = np.random.default_rng(seed)
    rows = []
    day0 = pd.Timestamp("2023-01-01")
    for i in range(40):  # loyal: 20 orders, up to the end, big amounts
        for k in range(20):
            rows.append((f"L{i}", f"L{i}-{k}", day0 + pd.Timedelta(days=300 + 3 * k), 500.0))
    for i in range(40):  # lapsed: one small order long ago
        rows.append((f"S{i}", f"S{i}", day0 + pd.Timedelta(days=int(rng.integers(0, 10))), 10.0))
    for i in range(40):  # recent: two mid orders recently
        for k in range(2):
            rows.append((f"R{i}", f"R{i}-{k}", day0 + pd.Timedelta(days=350 + k), 60.0))
    return make_tx(rows)
