"""Timing checks as ratios to a baseline measured in the same test, never seconds."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(func: Callable[[], object], repeat: int = 3) -> float:
    """Return the shortest wall time of ``repeat`` calls of ``func``, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def plain_groupby(tx) -> Callable[[], object]:
    """Return a plain pandas order table of ``tx`` to time as the baseline of the same data."""
    return lambda: tx.groupby(["customer_id", "order_id"]).agg(
        net=("amount", "sum"), day=("order_date", "min")
    )
