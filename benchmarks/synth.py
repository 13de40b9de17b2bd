"""Synthetic canonical transactions for benchmarks (about ten lines per customer).

``synthetic_transactions(n_rows)`` returns a frame in the canonical shape produced by
``analysis.ingest.prepare_transactions``: ``customer_id`` and ``order_id`` as strings,
``order_date`` as datetime64 with a time of day, ``amount`` as float (about 2% refund lines),
plus ``category`` and ``channel``. Deterministic for a given size and seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CATEGORIES = np.array(["Coffee", "Tea", "Accessories", "Gifts", "Subscriptions"])
CHANNELS = np.array(["Web", "Mobile app", "Marketplace", "Instagram"])


def _labels(prefix: str, codes: np.ndarray, width: int) -> pd.Series:
    text = np.char.add(prefix, np.char.zfill(codes.astype(str), width))
    return pd.Series(text, dtype="str")


def synthetic_transactions(n_rows: int, *, seed: int = 0, lines_per_order: int = 3) -> pd.DataFrame:
    """About ``n_rows`` lines: n_rows/10 customers, ~3 lines per order, three years of dates."""
    rng = np.random.default_rng(seed)
    n_customers = max(n_rows // 10, 1)
    n_orders = max(n_rows // lines_per_order, 1)
    # Heterogeneous purchase rates: a few heavy buyers, many one-off buyers.
    weights = rng.gamma(0.6, 1.0, n_customers)
    order_customer = rng.choice(n_customers, size=n_orders, p=weights / weights.sum())
    first_day = rng.integers(0, 1095, n_customers)
    order_day = np.minimum(first_day[order_customer] + rng.exponential(120, n_orders), 1094)
    order_seconds = order_day.astype(np.int64) * 86400 + rng.integers(8 * 3600, 22 * 3600, n_orders)
    line_order = np.sort(rng.integers(0, n_orders, n_rows))
    amount = np.round(rng.gamma(2.0, 12.0, n_rows), 2)
    refund = rng.random(n_rows) < 0.02
    amount[refund] = -amount[refund]
    start = np.datetime64("2022-01-01T00:00:00", "s")
    return pd.DataFrame(
        {
            "customer_id": _labels("C", order_customer[line_order], 7),
            "order_id": _labels("O", line_order, 8),
            "order_date": (start + order_seconds[line_order]).astype("datetime64[ns]"),
            "amount": amount,
            "category": pd.Series(CATEGORIES[rng.integers(0, 5, n_rows)], dtype="str"),
            "channel": pd.Series(CHANNELS[order_customer[line_order] % 4], dtype="str"),
        }
    )
