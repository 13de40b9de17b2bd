"""Issue 14 at the page: an upload in which nobody bought twice answers within 3 times a normal
upload of the same size (it once kept Customer value computing for 287 s)."""

from __future__ import annotations

import time

import pytest

from tests.analysis.clv._data import _shop
from tests.apptest_utils import run_page, texts

PAGE = "app_pages/value.py"


def _csv(tx) -> bytes:
    out = tx.assign(order_date=tx["order_date"].dt.strftime("%Y-%m-%d"))
    return out.to_csv(index=False).encode()


def _visit(name: str, data: bytes):
    start = time.perf_counter()
    at = run_page(PAGE, upload=(name, data, "text/csv"))
    return at, time.perf_counter() - start


@pytest.mark.slow
def test_nobody_repeats_upload_answers_within_three_times_a_normal_upload():
    _visit("warm_up.csv", _csv(_shop(2_000, seed=9)))  # imports and first-run costs
    normal, t_normal = _visit("normal.csv", _csv(_shop(2_000, seed=1)))
    once, t_once = _visit("once.csv", _csv(_shop(2_000, one_time=True)))
    assert not normal.exception and not once.exception
    assert "Next 12 months: net revenue" in {m.label for m in normal.metric}
    assert "Nobody bought twice" in texts(once)
    assert t_once <= 3 * t_normal, (t_once, t_normal)
