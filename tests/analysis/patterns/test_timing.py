"""Purchase patterns, when: hand-computed weekday, hour and month tables (analysis.patterns.timing)."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import patterns as P
from analysis.patterns import timing
from tests.analysis.patterns.examples import TX, make_tx


def test_weekday_hour_counts_purchase_orders_at_their_first_line():
    wh = P.weekday_hour(TX)
    assert len(wh) == 7 * 24
    got = wh[wh["orders"] > 0].set_index(["weekday_name", "hour"])[["orders", "revenue"]]
    expected = {
        ("Monday", 10): (2, 10.0),  # O1 (earliest line 10:00, not 10:59) and O2
        ("Tuesday", 18): (1, 4.0),
        ("Tuesday", 19): (1, 2.0),
        ("Wednesday", 9): (1, 6.0),
        ("Friday", 12): (1, 4.0),
    }  # the refund order O7 (Saturday 15:00) is not a purchase
    assert {k: (int(v.orders), v.revenue) for k, v in got.iterrows()} == expected
    assert wh.attrs["has_time"] is True
    assert wh["order_share"].sum() == pytest.approx(1.0)
    lines = P.describe_weekday_hour(wh)
    assert lines[0].startswith("Monday is the busiest day (33% of orders")
    assert "no orders at all on Thursday, Saturday or Sunday" in lines[0]
    assert "The busiest three hours are 09:00-12:00, with 50% of all orders" in lines[1]


def test_weekday_month_divides_by_the_days_observed():
    wm = P.weekday_month(TX)
    assert list(wm["month"].unique()) == ["2024-01"]
    row = wm.set_index("weekday_name").loc
    # observed: 1..20 January (as_of = 21 January): three of each weekday, two Sundays
    assert row["Monday", "days"] == 3 and row["Sunday", "days"] == 2
    assert wm["days"].sum() == 20
    assert row["Monday", "orders"] == 2
    assert row["Monday", "orders_per_day"] == pytest.approx(2 / 3)
    assert row["Tuesday", "revenue_per_day"] == pytest.approx(6 / 3)


def test_monthly_seasonality_year_over_year():
    tx = make_tx(
        [
            ("A", "1", "2023-01-01", 100.0),
            ("B", "2", "2023-02-10", 50.0),
            ("A", "3", "2024-01-05", 150.0),
            ("C", "4", "2024-02-20", 40.0),
            ("C", "5", "2024-02-21", -10.0),  # refund order: not in orders or revenue
        ]
    )
    ms = P.monthly_seasonality(tx, as_of="2024-03-01").set_index("month")
    assert len(ms) == 14
    assert ms.loc["2023-03", "orders"] == 0 and ms.loc["2023-03", "revenue"] == 0
    assert ms["complete"].all()
    assert ms.loc["2024-01", "revenue_yoy"] == pytest.approx(0.5)
    assert ms.loc["2024-02", "revenue_yoy"] == pytest.approx(-0.2)
    assert ms.loc["2024-02", "orders_yoy"] == pytest.approx(0.0)
    assert np.isnan(ms.loc["2023-12", "revenue_yoy"])  # no year before in the data
    # default as_of: February 2024 ends after the data, so it is incomplete and gets no change
    ms2 = P.monthly_seasonality(tx).set_index("month")
    assert not ms2.loc["2024-02", "complete"] and np.isnan(ms2.loc["2024-02", "revenue_yoy"])
    text = " ".join(P.describe_seasonality(ms))
    assert "Feb 2024 brought 40.00, -20% on the same month a year before" in text


def test_calendar_charts_keep_the_latest_months(monkeypatch):
    monkeypatch.setattr(timing, "MAX_CALENDAR_MONTHS", 2)
    tx = make_tx(
        [
            ("A", "O1", "2023-11-15", 1.0),
            ("A", "O2", "2024-01-15", 2.0),
            ("B", "O3", "2024-02-10", 3.0),
        ],
        ["customer_id", "order_id", "order_date", "amount"],
    )
    wm = P.weekday_month(tx)
    assert wm["month"].unique().tolist() == ["2024-01", "2024-02"] and len(wm) == 14
    assert wm.attrs == {"months_total": 4, "capped": True}
    season = P.monthly_seasonality(tx)
    assert season["month"].tolist() == ["2024-01", "2024-02"] and season.attrs["capped"]
    assert season["revenue"].tolist() == [2.0, 3.0]
    note = "Showing the latest 2 of 4 months"
    assert P.describe_seasonality(season)[0].startswith(note)
    assert P.describe_weekday_month(wm)[-1].startswith(note)
    assert not P.weekday_month(TX).attrs["capped"]
    assert not any(note in s for s in P.describe_seasonality(P.monthly_seasonality(TX)))
