"""Tests of analysis.clv.summary: purchase days, time units, the summary by hand."""

import numpy as np
import pandas as pd
import pytest

from analysis.clv import (
    DAYS_PER_MONTH,
    clv_summary,
)
from tests.analysis.clv._data import TX, WEEKLY, make_tx
from tests.paths import SAMPLE_DATA

# --- clv_summary by hand -------------------------------------------------------------------


def test_summary_counts_purchase_days_not_orders():
    s = clv_summary(TX)  # as_of = 2024-01-10, last observed day Jan 9
    assert list(s.index) == ["A", "B", "D"]
    assert s.index.name == "customer_id"
    a = s.loc["A"]
    # Purchase days Jan 1 (15), Jan 5 (net 6), Jan 8 (free, 0); Jan 3 is refund-only.
    assert a["frequency"] == 2
    assert a["recency"] == 7.0
    assert a["T"] == 8.0
    assert a["monetary_value"] == pytest.approx((6.0 + 0.0) / 2)
    b = s.loc["B"]
    assert (b["frequency"], b["recency"], b["T"], b["monetary_value"]) == (0, 0.0, 5.0, 0.0)
    d = s.loc["D"]
    assert (d["frequency"], d["recency"], d["T"], d["monetary_value"]) == (1, 7.0, 7.0, 9.0)
    assert s["frequency"].dtype == np.int64
    assert s.attrs["time_unit"] == "D"
    assert s.attrs["as_of"] == pd.Timestamp("2024-01-10")


def test_summary_as_of_before_the_end_ignores_later_days():
    s = clv_summary(TX, as_of="2024-01-06 15:00")  # time dropped: observe up to Jan 5
    a = s.loc["A"]
    assert (a["frequency"], a["recency"], a["T"]) == (1, 4.0, 4.0)
    assert a["monetary_value"] == pytest.approx(6.0)
    d = s.loc["D"]
    assert (d["frequency"], d["recency"], d["T"], d["monetary_value"]) == (0, 0.0, 3.0, 0.0)
    assert "C" not in s.index


def test_summary_refund_day_that_outweighs_purchases_is_not_a_purchase():
    tx = make_tx(
        [
            ("A", "1", "2024-01-01", 10.0),
            ("A", "2", "2024-01-02", 3.0),
            ("A", "3", "2024-01-02", -5.0),  # net -2 on Jan 2: no purchase that day
            ("A", "4", "2024-01-04", 4.0),
        ]
    )
    a = clv_summary(tx).loc["A"]
    assert (a["frequency"], a["recency"], a["T"], a["monetary_value"]) == (1, 3.0, 3.0, 4.0)


def test_summary_weekly_unit_is_days_over_seven():
    days = clv_summary(TX)
    weeks = clv_summary(TX, time_unit="W")
    np.testing.assert_allclose(weeks["T"], days["T"] / 7)
    np.testing.assert_allclose(weeks["recency"], days["recency"] / 7)
    np.testing.assert_array_equal(weeks["frequency"], days["frequency"])


def test_summary_rejects_unknown_unit_and_handles_empty():
    with pytest.raises(ValueError, match="time_unit"):
        clv_summary(TX, time_unit="fortnight")
    empty = clv_summary(TX, as_of="2024-01-01")
    assert len(empty) == 0
    assert list(empty.columns) == ["frequency", "recency", "T", "monetary_value"]


def test_cdnow_summary_conventions(cdnow_summary):
    s = cdnow_summary
    assert len(s) == 2357
    assert int((s["frequency"] > 0).sum()) == 946
    # First purchase 1997-01-01, as_of 1997-10-01: T = 272 days = 38.86 weeks.
    assert s.loc["4", "T"] == pytest.approx(272 / 7)
    assert s.loc["4", "frequency"] == 2
    assert s.loc["4", "recency"] == pytest.approx(213 / 7)  # 1997-01-01 to 1997-08-02
    assert s.loc["4", "monetary_value"] == pytest.approx((29.73 + 14.96) / 2)


# --- one rounding rule: free purchases and row order ---------------------------------------


def test_summary_counts_a_free_purchase_whose_lines_cancel_to_a_tiny_negative_float():
    tx = make_tx(
        [
            ("A", "1", "2024-01-01", 10.0),
            ("A", "2", "2024-01-05", 0.3),
            ("A", "2", "2024-01-05", -0.1),
            ("A", "2", "2024-01-05", -0.2),  # 0.3 - 0.1 - 0.2 = -2.8e-17: a free order
            ("A", "3", "2024-01-09", 4.0),
        ]
    )
    a = clv_summary(tx).loc["A"]
    # Purchase days Jan 1, Jan 5 (free), Jan 9: two repeat purchases worth (0 + 4) / 2.
    assert (a["frequency"], a["recency"], a["T"], a["monetary_value"]) == (2, 8.0, 8.0, 2.0)


def _random_tx(seed: int, n: int = 4000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    customer = rng.integers(0, 300, n)
    order = rng.integers(0, 1500, n)
    return pd.DataFrame(
        {
            "customer_id": pd.Series([f"c{c}" for c in customer], dtype="str"),
            "order_id": pd.Series([f"o{o}" for o in order], dtype="str"),
            "order_date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 200, n) * 24 + rng.integers(0, 24, n), unit="h"),
            # tenths that often cancel on a day (0.3 - 0.1 - 0.2), some refunds
            "amount": rng.integers(-3, 5, n) / 10,
        }
    )


def test_summary_does_not_depend_on_row_order():
    tx = _random_tx(1)
    base = clv_summary(tx).sort_index()
    for seed in range(4):
        got = clv_summary(tx.sample(frac=1, random_state=seed)).sort_index()
        pd.testing.assert_frame_equal(got, base)


@pytest.mark.slow
def test_summary_on_online_retail_matches_a_groupby_and_rfm_table():
    """Online Retail: the summary equals an independent pandas computation, is the same for
    shuffled rows, and agrees with rfm_table's last purchase wherever the day and order
    definitions of a purchase coincide (no day mixing purchase and refund orders)."""
    from analysis.ingest import prepare_transactions, read_table
    from analysis.rfm import rfm_table

    path = SAMPLE_DATA / "online_retail.csv.gz"
    tx = prepare_transactions(read_table(path)).data
    s = clv_summary(tx, time_unit="D")
    assert len(s) == 4338
    pd.testing.assert_frame_equal(
        clv_summary(tx.sample(frac=1, random_state=7), time_unit="D").sort_index(),
        s.sort_index(),
    )
    # Independent: a groupby over (customer, calendar day), nets rounded to 8 decimals.
    day = tx["order_date"].dt.normalize()
    net = tx.groupby([tx["customer_id"], day])["amount"].sum().round(8)
    bought = net[net >= 0].reset_index()
    bought.columns = ["customer_id", "day", "net"]
    g = bought.groupby("customer_id")
    last_observed = s.attrs["as_of"] - pd.Timedelta(days=1)
    expected = pd.DataFrame(
        {
            "frequency": g.size() - 1,
            "recency": (g["day"].max() - g["day"].min()).dt.days.astype(float),
            "T": (last_observed - g["day"].min()).dt.days.astype(float),
        }
    )
    got = s[["frequency", "recency", "T"]].sort_index()
    pd.testing.assert_frame_equal(got, expected.sort_index(), check_names=False)
    # Customer 15223: a free day (300.85 - 300.85 over 24 lines) counts, 24 days before the
    # last purchase, whatever the order in which the lines are added.
    assert (s.loc["15223", "frequency"], s.loc["15223", "recency"]) == (1, 24.0)
    # rfm_table counts orders: its last purchase day equals ours where no day mixes them.
    rfm = rfm_table(tx)
    orders = tx.groupby(["customer_id", "order_id"]).agg(
        day=("order_date", "min"), net=("amount", "sum")
    )
    orders["day"] = orders["day"].dt.normalize()
    orders["purchase"] = orders["net"].round(8) >= 0
    mixed_days = orders.groupby(["customer_id", "day"])["purchase"].nunique() > 1
    mixed = set(mixed_days[mixed_days].index.get_level_values(0))
    clean = [c for c in s.index if c not in mixed]
    assert len(clean) > 3500
    ours_last = last_observed - pd.to_timedelta(s.loc[clean, "T"] - s.loc[clean, "recency"], "D")
    rfm_last = s.attrs["as_of"] - pd.to_timedelta(rfm.loc[clean, "recency"], "D")
    assert (ours_last == rfm_last).all()


def test_calendar_weeks_count_one_purchase_per_week():
    s = clv_summary(WEEKLY, as_of="2024-02-01", time_unit="CW")  # last day Wed 31 Jan: week 5
    a = s.loc["A"]
    assert (a["frequency"], a["recency"], a["T"]) == (2, 3.0, 4.0)
    assert a["monetary_value"] == pytest.approx((4.0 + 6.0) / 2)
    b = s.loc["B"]
    assert (b["frequency"], b["recency"], b["T"]) == (0, 0.0, 3.0)  # weeks of 8, 15, 22, 29 Jan
    assert s.attrs["time_unit"] == "CW"
    days = clv_summary(WEEKLY, as_of="2024-02-01")
    assert days.loc["A", "frequency"] == 3  # by day, 7 Jan is a purchase of its own


def test_month_unit_is_days_over_the_mean_month():
    days = clv_summary(WEEKLY, as_of="2024-02-01")
    months = clv_summary(WEEKLY, as_of="2024-02-01", time_unit="M")
    np.testing.assert_allclose(months["T"], days["T"] / DAYS_PER_MONTH)
    np.testing.assert_allclose(months["recency"], days["recency"] / DAYS_PER_MONTH)
