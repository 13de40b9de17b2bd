"""Data shared by the tests of analysis.churn."""

import pandas as pd


def make_tx(rows, extra=None):
    columns = ["customer_id", "order_id", "order_date", "amount"] + (extra or [])
    return pd.DataFrame(rows, columns=columns).assign(
        order_date=lambda d: pd.to_datetime(d["order_date"])
    )


TX = make_tx(
    [
        ("A", "1", "2024-01-01 10:00", 10.0, "Tea"),
        ("A", "1", "2024-01-01 10:00", 5.0, "Coffee"),
        ("A", "2", "2024-01-11 09:00", 20.0, "Coffee"),
        ("A", "3", "2024-01-11 15:00", 4.0, "Coffee"),  # same day: gap 0 is not a gap
        ("A", "4", "2024-01-31 12:00", 30.0, "Coffee"),
        ("A", "R4", "2024-02-02 12:00", -6.0, "Coffee"),  # refund order
        ("B", "5", "2024-01-20 10:00", 8.0, "Tea"),
        ("C", "6", "2024-01-05 10:00", -3.0, "Tea"),  # refund only: not a customer here
        ("A", "7", "2024-02-20 10:00", 12.0, "Tea"),  # after the cutoff below
        ("B", "8", "2024-03-25 10:00", 9.0, "Tea"),  # after the horizon below
    ],
    extra=["category"],
)
