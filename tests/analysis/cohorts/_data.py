"""The hand-computed transactions the cohort tests share."""

import numpy as np
import pandas as pd

NAN = np.nan


def make_tx(rows, extra=()):
    columns = ["customer_id", "order_id", "order_date", "amount", *extra]
    tx = pd.DataFrame(rows, columns=columns)
    tx["order_date"] = pd.to_datetime(tx["order_date"])
    tx["amount"] = tx["amount"].astype("float64")
    for col in ["customer_id", "order_id", *extra]:
        tx[col] = tx[col].astype("str")
    return tx


# A: Jan and Apr only (periods 0 and 3). B: Jan, a refund-only order in Feb (not active), Mar.
# C: Feb. D: refund-only customer (no cohort). E: an order in Feb whose lines net to -5 (a refund
# order: not a purchase, and before E's first purchase period), then a purchase in Mar.
HAND = make_tx(
    [
        ("A", "a1", "2024-01-05 10:00", 60.0),
        ("A", "a1", "2024-01-05 10:00", 40.0),
        ("B", "b1", "2024-01-20 09:00", 50.0),
        ("B", "b2", "2024-02-03 12:00", -5.0),
        ("D", "d1", "2024-01-25 12:00", -10.0),
        ("C", "c1", "2024-02-14 18:00", 25.0),
        ("E", "e1", "2024-02-20 11:00", 10.0),
        ("E", "e1", "2024-02-20 11:00", -15.0),
        ("B", "b3", "2024-03-01 08:00", 30.0),
        ("E", "e2", "2024-03-09 16:00", 20.0),
        ("A", "a2", "2024-04-10 13:00", 60.0),
    ]
)
JAN, FEB, MAR, APR = (pd.Period(f"2024-{m:02d}", "M") for m in (1, 2, 3, 4))


def assert_matrix(matrix, expected):
    np.testing.assert_allclose(matrix.to_numpy(), np.array(expected, dtype=float), equal_nan=True)


# Breakdowns: first-order channels.
CHAN = make_tx(
    [
        ("A", "1", "2024-01-03", -5.0, "Shop"),  # refund order: not the first purchase
        ("A", "2", "2024-01-05", 10.0, "Web"),
        ("A", "3", "2024-02-05", 10.0, "Shop"),
        ("B", "4", "2024-01-09", 10.0, "Shop"),
        ("B", "5", "2024-01-09", 10.0, "Web"),  # same day: the earlier line's order wins
        ("C", "6", "2024-02-01", 10.0, None),
        ("D", "7", "2024-02-02", 10.0, "Web"),
        ("D", "8", "2024-03-02", 10.0, "Web"),
    ],
    extra=("channel",),
)
