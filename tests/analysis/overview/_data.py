"""The hand-computed transactions the overview tests share."""

import pandas as pd


def make_tx(rows):
    tx = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "amount", "country"])
    return tx.assign(
        customer_id=tx["customer_id"].astype("str"),
        order_id=tx["order_id"].astype("str"),
        order_date=pd.to_datetime(tx["order_date"]),
        amount=tx["amount"].astype("float64"),
        country=tx["country"].astype("str"),
    )


# Hand-computed fixture (as_of 2024-05-01 unless stated). Orders and net values:
#   A: a1 15 (Jan 5), a2 20 and a3 5 (same day, Mar 10), a4 -8 refund (Mar 20)
#   B: b1 0 (free order, Feb 1 = exactly as_of - 90 days)
#   C: c1 -12 refund only (Mar 1)
#   D: d1 30 - 4 = 26 (partial refund line in the same order, Apr 2); d2 on as_of (excluded)
#   F: f1 40 (Apr 3), f2 -10 refund (Apr 20)
#   E: only after as_of (excluded)
TX = make_tx(
    [
        ("A", "a1", "2024-01-05 09:00", 10.0, "UK"),
        ("A", "a1", "2024-01-05 09:01", 5.0, "DE"),
        ("A", "a2", "2024-03-10 10:00", 20.0, "FR"),
        ("A", "a3", "2024-03-10 15:00", 5.0, "UK"),
        ("A", "a4", "2024-03-20 11:00", -8.0, "UK"),
        ("B", "b1", "2024-02-01 23:59", 0.0, "DE"),
        ("C", "c1", "2024-03-01 12:00", -12.0, None),
        ("D", "d1", "2024-04-02 08:00", 30.0, "FR"),
        ("D", "d1", "2024-04-02 08:00", -4.0, "FR"),
        ("F", "f1", "2024-04-03 13:00", 40.0, " "),
        ("F", "f2", "2024-04-20 13:00", -10.0, "UK"),
        ("D", "d2", "2024-05-01 00:00", 50.0, "UK"),
        ("E", "e1", "2024-06-01 10:00", 100.0, "SE"),
    ]
)
AS_OF = "2024-05-01"
