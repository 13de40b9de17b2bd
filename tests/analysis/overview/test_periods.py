import math

import pandas as pd
import pytest

from analysis.overview import (
    scorecard,
)
from tests.analysis.overview._data import AS_OF, TX

# ---------------------------------------------------------------------------- period & comparison


def test_period_bounds_hand_computed():
    from analysis.overview import period_bounds

    ts = pd.Timestamp
    # N days before as_of (exclusive end), compared with the N days before those
    assert period_bounds("30d", "2024-05-01") == (
        ts("2024-04-01"),
        ts("2024-05-01"),
        ts("2024-03-02"),
        ts("2024-04-01"),
    )
    assert period_bounds("90d", "2024-05-01")[:2] == (ts("2024-02-01"), ts("2024-05-01"))
    assert period_bounds("365d", "2024-05-01", compare="none") == (
        ts("2023-05-02"),
        ts("2024-05-01"),
        None,
        None,
    )
    # this year: from 1 January of the last observed day's year; same window a year earlier
    assert period_bounds("ytd", "2024-05-01", compare="last_year") == (
        ts("2024-01-01"),
        ts("2024-05-01"),
        ts("2023-01-01"),
        ts("2023-05-01"),
    )
    # as_of on 1 January: the last observed day is 31 December, so "this year" is last year
    assert period_bounds("ytd", "2024-01-01")[:2] == (ts("2023-01-01"), ts("2024-01-01"))
    # custom: both picked days included; the previous period has the same length (29 days)
    assert period_bounds("custom", "2024-05-01", "2024-02-01", "2024-02-29") == (
        ts("2024-02-01"),
        ts("2024-03-01"),
        ts("2024-01-03"),
        ts("2024-02-01"),
    )
    # 29 February a year earlier is 28 February
    assert period_bounds("custom", "2024-05-01", "2024-02-29", "2024-02-29", compare="last_year")[
        2:
    ] == (ts("2023-02-28"), ts("2023-03-01"))
    # all time has nothing before it
    assert period_bounds("all", "2024-05-01", first="2024-01-05")[2:] == (None, None)
    assert period_bounds("all", "2024-05-01", first="2024-01-05", compare="last_year")[2:] == (
        None,
        None,
    )


@pytest.mark.parametrize(
    "args, kwargs",
    [
        (("week", "2024-05-01"), {}),
        (("30d", "2024-05-01"), {"compare": "yesterday"}),
        (("custom", "2024-05-01"), {}),
        (("custom", "2024-05-01", "2024-03-02", "2024-03-01"), {}),
        (("all", "2024-05-01"), {}),
    ],
)
def test_period_bounds_refuses_what_it_cannot_do(args, kwargs):
    from analysis.overview import period_bounds

    with pytest.raises(ValueError):
        period_bounds(*args, **kwargs)


def test_compare_scorecards_hand_computed():
    from analysis.overview import change_text, compare_scorecards, figure_change, period_bounds

    bounds = period_bounds("30d", AS_OF)  # [Apr 1, May 1) vs [Mar 2, Apr 1)
    cmp = compare_scorecards(TX, *bounds)
    now, before = cmp.current, cmp.previous
    # window: d1 (30 - 4, Apr 2), f1 40 (Apr 3), f2 -10 refund (Apr 20); d2 on May 1 is out
    assert (now.customers, now.orders, now.refund_orders) == (2, 2, 1)
    assert now.net_revenue == pytest.approx(56.0)
    assert now.gross_revenue == pytest.approx(66.0)
    assert now.average_order_value == pytest.approx(33.0)
    assert now.repeat_customer_rate == 0.0
    assert now.refund_rate == pytest.approx(10 / 66)
    # previous: a2 20 and a3 5 (Mar 10), a4 -8 (Mar 20); c1 on Mar 1 is before the window
    assert (before.customers, before.orders, before.refund_orders) == (1, 2, 1)
    assert before.net_revenue == pytest.approx(17.0)
    assert before.repeat_customer_rate == 1.0  # A bought twice in the window
    assert before.refund_rate == pytest.approx(8 / 25)
    assert cmp.previous_complete  # the data starts on Jan 5, before Mar 2
    assert figure_change(cmp, "customers") == pytest.approx(1.0)
    assert figure_change(cmp, "orders") == 0.0
    assert figure_change(cmp, "net_revenue") == pytest.approx(56 / 17 - 1)
    assert figure_change(cmp, "average_order_value") == pytest.approx(33 / 12.5 - 1)
    assert figure_change(cmp, "repeat_customer_rate") == pytest.approx(-1.0)  # points
    assert change_text(cmp, "customers", "the previous 30 days") == "+100% vs the previous 30 days"
    assert change_text(cmp, "orders", "the previous 30 days") == "0% vs the previous 30 days"
    assert change_text(cmp, "refund_rate", "x") == f"{(10 / 66 - 0.32) * 100:+.1f} pts vs x"


def test_compare_scorecards_window_edges_and_missing_history():
    from analysis.overview import change_text, compare_scorecards, figure_change, period_bounds

    # 90 days: Feb 1 00:00 included (b1 at 23:59 that day counts), May 1 excluded
    cmp = compare_scorecards(TX, *period_bounds("90d", AS_OF))
    assert cmp.current.customers == 4  # A, B, D, F
    assert cmp.current.orders == 5  # a2 a3 b1 d1 f1
    # the previous 90 days start on 2023-11-03, before the data: no change is claimed
    assert not cmp.previous_complete
    assert math.isnan(figure_change(cmp, "customers"))
    assert change_text(cmp, "customers", "the previous 90 days") == (
        "no data for all of the previous 90 days"
    )
    # no comparison at all
    alone = compare_scorecards(TX, "2024-04-01", "2024-05-01")
    assert alone.previous is None and change_text(alone, "orders", "x") is None
    # an empty comparison window: zero before, so no percentage
    empty = compare_scorecards(TX, "2024-04-01", "2024-05-01", "2024-01-06", "2024-02-01")
    assert empty.previous.orders == 0 and empty.previous_complete
    assert change_text(empty, "orders", "x") == "nothing to compare in x"


def test_all_time_matches_the_plain_scorecard():
    from analysis.overview import compare_scorecards, period_bounds

    start, end, _, _ = period_bounds("all", AS_OF, first=TX["order_date"].min())
    assert compare_scorecards(TX, start, end).current == scorecard(TX, as_of=AS_OF)


def test_comparison_phrase():
    from analysis.overview import comparison_phrase

    assert comparison_phrase("90d", "previous", "2024-02-01", "2024-05-01") == (
        "the previous 90 days"
    )
    assert comparison_phrase("ytd", "last_year", "2024-01-01", "2024-05-01") == (
        "the same period last year"
    )


def test_charts_in_a_period_hand_computed():
    from analysis.overview import new_vs_returning_in_period, top_breakdown_in_period

    nvr = new_vs_returning_in_period(TX, "2024-03-02", "2024-05-01")
    # March is shown whole (the window starts in it); January and February are left out
    assert list(nvr["period_start"]) == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-04-01")]
    # A bought in January, so is returning in March (new means a first purchase ever)
    assert list(nvr["new_customers"]) == [0, 2]
    assert list(nvr["returning_customers"]) == [1, 0]
    assert list(nvr["net_revenue"]) == pytest.approx([20 + 5 - 8 - 12, 26 + 40 - 10])
    table = top_breakdown_in_period(TX, "country", "2024-04-01", "2024-05-01")
    by = dict(zip(table["country"], table["net_revenue"], strict=True))
    assert by == {"(not given)": 40.0, "FR": 26.0, "UK": -10.0}  # d2 (UK, May 1) is out
