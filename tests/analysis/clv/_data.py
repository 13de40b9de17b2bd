"""Data and helpers shared by the tests of analysis.clv."""

import numpy as np
import pandas as pd

from tests.paths import DATA

CDNOW = DATA / "CDNOW_sample.txt"


def make_tx(rows):
    return pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "amount"]).assign(
        order_date=lambda d: pd.to_datetime(d["order_date"])
    )


TX = make_tx(
    [
        # A: two orders on Jan 1 (one purchase day worth 15), a refund-only day on Jan 3,
        # a purchase on Jan 5 with a refund line the same day (net 6), a free order on Jan 8.
        ("A", "1", "2024-01-01 09:00", 10.0),
        ("A", "2", "2024-01-01 18:30", 5.0),
        ("A", "3", "2024-01-03 12:00", -4.0),
        ("A", "4", "2024-01-05 10:00", 8.0),
        ("A", "5", "2024-01-05 11:00", -2.0),
        ("A", "6", "2024-01-08 10:00", 0.0),
        # B: one purchase only.
        ("B", "7", "2024-01-04 10:00", 20.0),
        # C: only a refund: not a customer with a purchase.
        ("C", "8", "2024-01-06 10:00", -3.0),
        # D: two purchases, the second one after an as_of we try below.
        ("D", "9", "2024-01-02 10:00", 7.0),
        ("D", "10", "2024-01-09 23:59", 9.0),
    ]
)


def cdnow_transactions() -> pd.DataFrame:
    """The CDNOW sample (2,357 customers, 1997-01 to 1998-06) as canonical transactions."""
    raw = pd.read_csv(
        CDNOW, sep=r"\s+", header=None, names=["master_id", "sample_id", "date", "cds", "dollars"]
    )
    return pd.DataFrame(
        {
            "customer_id": raw["master_id"].astype(str),
            "order_id": np.arange(len(raw)).astype(str),
            "order_date": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
            "amount": raw["dollars"].astype(float),
        }
    )


def one(x, tx, T) -> pd.DataFrame:
    return pd.DataFrame(
        {"frequency": np.atleast_1d(x), "recency": np.atleast_1d(tx), "T": np.atleast_1d(T)}
    ).astype({"recency": float, "T": float})


def with_params(cls, **params):
    model = cls()
    model.params_ = {n: float(params[n]) for n in cls._names}
    return model


def make_dated_tx(rows):
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"]).assign(
        order_id=lambda d: np.arange(len(d)).astype(str),
        order_date=lambda d: pd.to_datetime(d["order_date"]),
    )


WEEKLY = make_dated_tx(
    [
        # A: Mon 1 Jan and Sun 7 Jan 2024 are one calendar week (one purchase worth 15), then
        # Mon 8 Jan (next week) and Wed 24 Jan.
        ("A", "2024-01-01", 10.0),
        ("A", "2024-01-07", 5.0),
        ("A", "2024-01-08", 4.0),
        ("A", "2024-01-24", 6.0),
        # B: Sun 14 Jan only.
        ("B", "2024-01-14", 3.0),
    ]
)


def _shop(n_rows: int, seed: int = 0, *, one_time: bool = False, repeat_share=None):
    """A shop's transactions of about ``n_rows`` lines over a year.

    Default: BG/NBD-like customers (Gamma purchase rates, drop-out after a purchase), a normal
    file. ``one_time``: every customer buys once. ``repeat_share``: that share of customers
    buys 2-4 times at random days, the others once.
    """
    rng = np.random.default_rng(seed)
    days = 365
    if one_time:
        customer = np.arange(n_rows)
        day = rng.integers(0, days, n_rows)
    elif repeat_share is not None:
        n_customers = int(n_rows / (1 + 2 * repeat_share))
        k = np.ones(n_customers, dtype=np.int64)
        rep = rng.random(n_customers) < repeat_share
        k[rep] += rng.integers(1, 4, rep.sum())
        customer = np.repeat(np.arange(n_customers), k)
        day = rng.integers(0, days, len(customer))
    else:
        customers, days_out = [], []
        c = 0
        while len(days_out) < n_rows:
            rate, p, start = rng.gamma(0.8, 1 / 25), rng.beta(1.0, 4.0), rng.integers(0, days)
            d = start
            while d < days:
                customers.append(c)
                days_out.append(d)
                if rng.random() < p:
                    break
                d += int(rng.exponential(1 / rate)) + 1
            c += 1
        customer, day = np.array(customers[:n_rows]), np.array(days_out[:n_rows])
    n = len(customer)
    return pd.DataFrame(
        {
            "customer_id": pd.Series([f"c{i}" for i in customer], dtype="str"),
            "order_id": pd.Series([f"o{i}" for i in range(n)], dtype="str"),
            "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(day, unit="D"),
            "amount": np.round(rng.gamma(2.0, 20.0, n), 2),
        }
    )
