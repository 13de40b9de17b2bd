"""The hand-computed transactions and answers the action-list tests share."""

from types import SimpleNamespace

import pandas as pd

AS_OF = "2024-07-01"  # exclusive: the cut-off day is 1 July 2024


def _tx() -> pd.DataFrame:
    rows = [
        # customer, order, date, amount, e-mail, phone
        ("A", "a1", "2024-01-10 09:00", 100.0, "a@x.com", "111"),
        ("A", "a2", "2024-03-05 10:00", 50.0, "a2@x.com", None),
        ("A", "a3", "2024-06-20 11:00", 30.0, "  ", None),  # blank: the older value stays
        ("B", "b1", "2024-05-01 12:00", 40.0, "b@x.com", "222"),
        ("C", "c1", "2024-02-01 12:00", 60.0, None, None),
        ("D", "d1", "2024-01-15 12:00", 80.0, "d@x.com", None),
        ("D", "d2", "2024-02-01 12:00", -20.0, "d@x.com", None),  # refund, nothing since
        ("E", "e1", "2024-03-01 12:00", 50.0, None, None),
        ("E", "e2", "2024-06-20 12:00", -50.0, None, None),  # refund 11 days ago: too recent
        ("F", "f1", "2024-01-01 09:00", 25.0, None, None),
        ("F", "f2", "2024-01-01 15:00", -25.0, None, None),  # refund the same day
        ("G", "g1", "2024-01-05 12:00", -10.0, None, None),
        ("G", "g2", "2024-03-01 12:00", 30.0, None, None),  # bought after the refund
        ("H", "h1", "2024-02-01 12:00", -15.0, None, None),  # refund only: no purchase
        ("A", "a4", "2024-07-02 12:00", 999.0, "late@x.com", None),  # after as_of: ignored
    ]
    # K buys often and lately, L bought often but stopped: RFM's best and at-risk customers.
    rows += [
        ("K", f"k{i}", f"2024-06-{d} 12:00", 20.0, None, None)
        for i, d in enumerate(["01", "10", "15", "25", "30"])
    ]
    rows += [
        ("L", f"l{i}", f"{d} 12:00", 30.0, None, None)
        for i, d in enumerate(["2023-10-01", "2023-11-01", "2023-12-01", "2024-01-02"])
    ]
    df = pd.DataFrame(
        rows,
        columns=["customer_id", "order_id", "order_date", "amount", "customer_email", "Phone"],
    )
    df["order_date"] = pd.to_datetime(df["order_date"])
    return df.astype({"customer_id": "str", "order_id": "str"})


def _responses() -> pd.DataFrame:
    rows = [
        ("2024-06-25 10:00", 3, "A", "slow delivery"),
        ("2024-06-26 10:00", 9, "A", "better now"),
        ("2024-06-10 10:00", 4, "B", "older answer"),
        ("2024-06-28 10:00", 6, "B", "meh"),
        ("2024-06-29 10:00", 0, "Z", "never again"),  # not in the transactions
        ("2024-06-27 10:00", 2, None, "anonymous"),
        ("2024-01-01 10:00", 5, "C", "long ago"),  # before the last 90 days of the survey
    ]
    df = pd.DataFrame(rows, columns=["response_date", "score", "customer_id", "comment"])
    df["response_date"] = pd.to_datetime(df["response_date"])
    return df.astype({"customer_id": "str"})


def _fake_models():
    """A value report and churn result with hand-picked values (only the fields used)."""
    clv = pd.Series({"A": 100.0, "B": 10.0, "C": 50.0, "D": 40.0, "E": 5.0, "F": 1.0, "G": 20.0})
    risk = pd.Series({"A": 0.2, "B": 0.9, "C": 0.7, "D": 0.4, "E": 0.8, "F": 0.9, "G": 0.1})
    value = SimpleNamespace(customers=clv.rename("clv").rename_axis("customer_id").to_frame())
    scores = risk.rename("churn_risk").rename_axis("customer_id").to_frame()
    return value, SimpleNamespace(scores=scores, horizon_days=90)
