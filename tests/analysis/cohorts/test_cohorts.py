"""Cohort retention: hand-computed matrices, properties against a plain reference, real data."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis import cohorts
from analysis.cohorts import (
    cohort_report,
    cohort_sizes,
    cohort_trend,
    compare_cohorts,
    compare_groups,
    describe_retention,
    first_order_attribute,
    flattening_period,
    matrix_for_export,
    partial_mask,
    retention_curve,
    retention_matrix,
    two_proportion_test,
    wilson_interval,
)
from analysis.cohorts import periods as cohort_periods
from tests.paths import ROOT

NAN = np.nan


def make_tx(rows, extra=()):
    columns = ["customer_id", "order_id", "order_date", "amount", *extra]
    tx = pd.DataFrame(rows, columns=columns)
    tx["order_date"] = pd.to_datetime(tx["order_date"])
    tx["amount"] = tx["amount"].astype("float64")
    for col in ["customer_id", "order_id", *extra]:
        tx[col] = tx[col].astype("str")
    return tx


# A: Jan and Apr only (periods 0 and 3). B: Jan, a refund-only order in Feb (not active), Mar.
# C: Feb. D: refund-only customer (no cohort). E: an order in Feb whose lines net to -5 (a refund
# order: not a purchase, and before E's first purchase period), then a purchase in Mar.
HAND = make_tx(
    [
        ("A", "a1", "2024-01-05 10:00", 60.0),
        ("A", "a1", "2024-01-05 10:00", 40.0),
        ("B", "b1", "2024-01-20 09:00", 50.0),
        ("B", "b2", "2024-02-03 12:00", -5.0),
        ("D", "d1", "2024-01-25 12:00", -10.0),
        ("C", "c1", "2024-02-14 18:00", 25.0),
        ("E", "e1", "2024-02-20 11:00", 10.0),
        ("E", "e1", "2024-02-20 11:00", -15.0),
        ("B", "b3", "2024-03-01 08:00", 30.0),
        ("E", "e2", "2024-03-09 16:00", 20.0),
        ("A", "a2", "2024-04-10 13:00", 60.0),
    ]
)
JAN, FEB, MAR, APR = (pd.Period(f"2024-{m:02d}", "M") for m in (1, 2, 3, 4))


def assert_matrix(matrix, expected):
    np.testing.assert_allclose(matrix.to_numpy(), np.array(expected, dtype=float), equal_nan=True)


# --------------------------------------------------------------------------------------------
# Hand-computed matrices
# --------------------------------------------------------------------------------------------


def test_hand_customers_classic():
    m = retention_matrix(HAND)
    assert list(m.index) == [JAN, FEB, MAR]  # D (refunds only) forms no cohort
    assert list(m.columns) == [0, 1, 2, 3]
    assert_matrix(
        m,
        [
            [1.0, 0.0, 0.5, 0.5],  # B's refund-only Feb order does not make B active
            [1.0, 0.0, 0.0, NAN],  # May starts on/after as_of (2024-04-11): unobservable
            [1.0, 0.0, NAN, NAN],  # E's cohort is March: the Feb order was a refund order
        ],
    )
    assert m.attrs["partial_period"] == APR
    assert m.attrs["as_of"] == pd.Timestamp("2024-04-11")
    assert (m.attrs["period"], m.attrs["metric"], m.attrs["kind"]) == ("M", "customers", "classic")


def test_hand_customers_unbounded():
    m = retention_matrix(HAND, kind="unbounded")
    assert_matrix(m, [[1.0, 1.0, 1.0, 0.5], [1.0, 0.0, 0.0, NAN], [1.0, 0.0, NAN, NAN]])


def test_hand_revenue_ratio_counts_refunds_from_the_cohort_period_on():
    m = retention_matrix(HAND, metric="revenue")
    # Jan: 150 in Jan; Feb -5 (B's refund); Mar 30; Apr 60. E's Feb refund predates E's cohort.
    assert_matrix(
        m,
        [[1.0, -5 / 150, 30 / 150, 60 / 150], [1.0, 0.0, 0.0, NAN], [1.0, 0.0, NAN, NAN]],
    )


def test_hand_revenue_per_customer_is_cumulative():
    m = retention_matrix(HAND, metric="revenue_per_customer")
    assert_matrix(
        m,
        [[75.0, 72.5, 87.5, 117.5], [25.0, 25.0, 25.0, NAN], [20.0, 20.0, NAN, NAN]],
    )


def test_hand_sizes_and_partial_mask():
    sizes = cohort_sizes(HAND)
    assert sizes.to_dict() == {JAN: 2, FEB: 1, MAR: 1}
    assert sizes.dtype == np.int64
    mask = partial_mask(retention_matrix(HAND))
    assert mask.to_numpy().tolist() == [
        [False, False, False, True],
        [False, False, True, False],
        [False, True, False, False],
    ]


def test_as_of_cuts_and_boundary_has_no_partial_period():
    m = retention_matrix(HAND, as_of="2024-04-01 15:30")  # time part dropped
    assert m.attrs["partial_period"] is None  # data end exactly at a month boundary
    assert list(m.columns) == [0, 1, 2]
    assert_matrix(m, [[1.0, 0.0, 0.5], [1.0, 0.0, NAN], [1.0, NAN, NAN]])
    m = retention_matrix(HAND, as_of="2024-03-05")  # E's March purchase not yet seen
    assert list(m.index) == [JAN, FEB]
    assert m.attrs["partial_period"] == MAR
    assert_matrix(m, [[1.0, 0.0, 0.5], [1.0, 0.0, NAN]])


def test_weeks_start_on_monday():
    tx = make_tx(
        [
            ("X", "1", "2024-01-07 23:00", 5.0),  # Sunday
            ("X", "2", "2024-01-08 01:00", 5.0),  # Monday: the next week
            ("Y", "3", "2024-01-01 09:00", 5.0),  # Monday
            ("Y", "4", "2024-01-07 09:00", 5.0),  # Sunday of the same week
            ("Z", "5", "2024-01-15 09:00", 5.0),  # Monday, two weeks on
        ]
    )
    m = retention_matrix(tx, period="W")
    assert [p.start_time for p in m.index] == [
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-01-15"),
    ]
    assert_matrix(m, [[1.0, 0.5, 0.0], [1.0, NAN, NAN]])
    assert m.attrs["partial_period"] == pd.Period("2024-01-15", "W")  # as_of is Tue 16th
    assert cohort_sizes(tx, period="W").tolist() == [2, 1]


def test_quarters():
    tx = make_tx(
        [
            ("A", "1", "2023-03-31", 5.0),
            ("A", "2", "2023-04-01", 5.0),  # next quarter
            ("B", "3", "2023-01-01", 5.0),
            ("B", "4", "2023-12-31", 5.0),  # three quarters later
            ("C", "5", "2023-07-15", 5.0),
        ]
    )
    m = retention_matrix(tx, period="Q")
    assert list(m.index) == [pd.Period("2023Q1", "Q"), pd.Period("2023Q3", "Q")]
    assert_matrix(m, [[1.0, 0.5, 0.0, 0.5], [1.0, 0.0, NAN, NAN]])
    assert m.attrs["partial_period"] is None  # as_of 2024-01-01 is a quarter boundary


@pytest.mark.parametrize("period", ["W", "M", "Q"])
def test_period_arithmetic_matches_pandas(period):
    dates = pd.date_range("1969-06-01", "1971-06-30", freq="D").append(
        pd.date_range("2023-12-01", "2025-03-31", freq="D")
    )
    days = dates.to_numpy().astype("datetime64[D]").astype(np.int64)
    ours = cohort_periods._to_periods(cohort_periods._period_numbers(days, period), period)
    assert ours.equals(pd.PeriodIndex(dates, freq=period))
    starts = cohort_periods._period_start_days(cohort_periods._period_numbers(days, period), period)
    expected = pd.PeriodIndex(dates, freq=period).start_time
    assert np.array_equal(starts, expected.to_numpy().astype("datetime64[D]").astype(np.int64))
    big = np.arange(-400, 40_000, dtype=np.int64)  # long enough for the lookup-table path
    slow = big.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    assert np.array_equal(cohort_periods._month_numbers(big), slow)


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_any_datetime_resolution(unit):
    tx = HAND.assign(order_date=HAND["order_date"].astype(f"datetime64[{unit}]"))
    pd.testing.assert_frame_equal(retention_matrix(tx), retention_matrix(HAND))


def test_errors_and_empty():
    with pytest.raises(ValueError, match="period"):
        retention_matrix(HAND, period="D")
    with pytest.raises(ValueError, match="metric"):
        retention_matrix(HAND, metric="orders")
    with pytest.raises(ValueError, match="unbounded"):
        retention_matrix(HAND, metric="revenue", kind="unbounded")
    refunds = HAND[HAND["customer_id"] == "D"]
    assert retention_matrix(refunds).shape == (0, 0)
    assert len(cohort_sizes(refunds)) == 0
    assert len(retention_curve(refunds)) == 0
    assert describe_retention(refunds).sentences == ["There are no purchases to form cohorts from."]


def test_cohort_range_keeps_whole_periods():
    m = retention_matrix(HAND, cohort_range=("2024-02-29", "2024-03-01"))
    assert list(m.index) == [FEB, MAR]
    assert_matrix(m, [[1.0, 0.0, 0.0], [1.0, 0.0, NAN]])
    assert list(retention_matrix(HAND, cohort_range=(None, "2024-01-31")).index) == [JAN]


# --------------------------------------------------------------------------------------------
# Properties, against a plain per-cell reference implementation
# --------------------------------------------------------------------------------------------


def reference_matrix(tx, *, period, metric, kind, as_of=None):
    """Straight from the definitions, one cell at a time (small inputs only)."""
    freq = {"W": "W-SUN", "M": "M", "Q": "Q-DEC"}[period]
    if as_of is None:
        as_of = tx["order_date"].max().normalize() + pd.Timedelta(days=1)
    as_of = pd.Timestamp(as_of).normalize()
    seen = tx[tx["order_date"] < as_of]
    orders = (
        seen.groupby(["customer_id", "order_id"])
        .agg(date=("order_date", "min"), net=("amount", "sum"))
        .reset_index()
    )
    orders["p"] = orders["date"].dt.to_period(freq)
    buys = orders[orders["net"] >= 0]
    cohort = buys.groupby("customer_id")["p"].min()
    if cohort.empty:
        return pd.DataFrame()
    last = (as_of - pd.Timedelta(days=1)).to_period(freq)
    width = (last - cohort.min()).n + 1
    rows = {}
    for c in sorted(cohort.unique()):
        members = set(cohort.index[cohort == c])
        mine = orders[orders["customer_id"].isin(members) & (orders["p"] >= c)]
        row = []
        for k in range(width):
            p = c + k
            if p > last:
                row.append(np.nan)
            elif metric == "customers":
                buying = mine[mine["net"] >= 0]
                hit = buying["p"] == p if kind == "classic" else buying["p"] >= p
                row.append(buying.loc[hit, "customer_id"].nunique() / len(members))
            elif metric == "revenue":
                base = mine.loc[mine["p"] == c, "net"].sum()
                value = mine.loc[mine["p"] == p, "net"].sum()
                row.append(value / base if base > 0 else np.nan)
            else:
                row.append(mine.loc[mine["p"] <= p, "net"].sum() / len(members))
        rows[c] = row
    return pd.DataFrame.from_dict(rows, orient="index")


line = st.tuples(
    st.sampled_from(list("ABCDEFG")),
    st.integers(0, 7),
    st.integers(0, 400),
    st.integers(0, 23),
    st.sampled_from([-40.0, -5.5, 0.0, 3.25, 10.0, 25.0, 80.0]),
)


def tx_from_lines(lines):
    start = pd.Timestamp("2023-10-28")
    rows = [(c, f"{c}{o}", start + pd.Timedelta(days=d, hours=h), a) for c, o, d, h, a in lines]
    return make_tx(rows)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(line, min_size=1, max_size=25),
    period=st.sampled_from(["W", "M", "Q"]),
    cut=st.one_of(st.none(), st.integers(0, 420)),
)
def test_matches_reference_and_properties(lines, period, cut):
    tx = tx_from_lines(lines)
    as_of = None if cut is None else pd.Timestamp("2023-10-28") + pd.Timedelta(days=cut)
    if as_of is not None and not (tx["order_date"] < as_of).any():
        return
    combos = [
        ("customers", "classic"),
        ("customers", "unbounded"),
        ("revenue", "classic"),
        ("revenue_per_customer", "classic"),
    ]
    found = {}
    for metric, kind in combos:
        ours = retention_matrix(tx, period=period, metric=metric, kind=kind, as_of=as_of)
        ref = reference_matrix(tx, period=period, metric=metric, kind=kind, as_of=as_of)
        assert ours.shape == ref.shape
        np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(), equal_nan=True, atol=1e-9)
        assert list(ours.index) == list(ref.index)
        found[(metric, kind)] = ours
    classic = found[("customers", "classic")]
    if classic.empty:
        return
    unbounded = found[("customers", "unbounded")]
    assert (classic[0] == 1.0).all()
    values = classic.to_numpy()
    ok = ~np.isnan(values)
    assert ((values[ok] >= 0) & (values[ok] <= 1)).all()
    assert (unbounded.to_numpy()[ok] >= values[ok]).all()
    # NaN exactly where the cell's calendar period starts on or after as_of
    end = classic.attrs["as_of"]
    starts = np.array(
        [[(c + k).start_time for k in classic.columns] for c in classic.index],
        dtype="datetime64[ns]",
    )
    assert np.array_equal(~ok, starts >= np.datetime64(end))
    sizes = cohort_sizes(tx, period=period, as_of=as_of)
    buyers = reference_buyers(tx, as_of=end)
    assert sizes.sum() == buyers


def reference_buyers(tx, *, as_of):
    seen = tx[tx["order_date"] < as_of]
    net = seen.groupby(["customer_id", "order_id"])["amount"].sum()
    return net[net >= 0].index.get_level_values(0).nunique()


# --------------------------------------------------------------------------------------------
# Curves, intervals and tests of difference
# --------------------------------------------------------------------------------------------


def test_wilson_interval_known_values():
    low, high = wilson_interval([8, 0, 5], [10, 10, 0])
    ci = stats.binomtest(8, 10).proportion_ci(method="wilson")
    assert low[0] == pytest.approx(ci.low) and high[0] == pytest.approx(ci.high)
    assert low[0] == pytest.approx(0.4902, abs=1e-4) and high[0] == pytest.approx(0.9433, abs=1e-4)
    assert low[1] == 0.0 and high[1] == pytest.approx(0.2775, abs=1e-4)
    assert np.isnan(low[2]) and np.isnan(high[2])


def test_two_proportion_test_matches_chi_square():
    z, p = two_proportion_test(30, 100, 20, 100)
    assert z == pytest.approx(0.10 / np.sqrt(0.25 * 0.75 * 0.02))
    chi2, p_chi, _, _ = stats.chi2_contingency([[30, 70], [20, 80]], correction=False)
    assert p == pytest.approx(p_chi)
    assert z**2 == pytest.approx(chi2)


def test_curve_hand_example_skips_partial_cells():
    curve = retention_curve(HAND)
    # k=0: all three cohorts (4 customers); k=1: Jan and Feb (Mar's k=1 is April, partial);
    # k=2: Jan only (Feb's is April); k=3: only Jan's April cell, which is partial -> no point.
    assert list(curve.index) == [0, 1, 2]
    assert curve["n_cohorts"].tolist() == [3, 2, 1]
    assert curve["n_customers"].tolist() == [4, 3, 2]
    np.testing.assert_allclose(curve["value"], [1.0, 0.0, 0.5])
    low, high = wilson_interval([4, 0, 1], [4, 3, 2])
    np.testing.assert_allclose(curve["low"], low)
    np.testing.assert_allclose(curve["high"], high)
    with_partial = retention_curve(HAND, include_partial=True)
    assert with_partial["n_cohorts"].tolist() == [3, 3, 2, 1]
    np.testing.assert_allclose(with_partial["value"], [1.0, 0.0, 1 / 3, 0.5])


def test_curve_is_size_weighted_pooled_share():
    tx = make_tx(
        [(f"a{i}", f"a{i}x", "2024-01-10", 1.0) for i in range(4)]
        + [("a0", "a0y", "2024-02-10", 1.0)]
        + [(f"b{i}", f"b{i}x", "2024-02-10", 1.0) for i in range(2)]
        + [("b0", "b0y", "2024-03-10", 1.0), ("b1", "b1y", "2024-03-11", 1.0)]
        + [("z", "zz", "2024-05-01", 1.0)]
    )
    curve = retention_curve(tx)
    # k=1: Jan 1/4, Feb 2/2, Mar 0/0... cohorts Jan (4) and Feb (2): (1 + 2) / 6
    assert curve.loc[1, "value"] == pytest.approx(3 / 6)
    assert curve.loc[1, "n_customers"] == 6


def test_revenue_per_customer_interval_from_customer_spread():
    curve = retention_curve(HAND, metric="revenue_per_customer", include_partial=True)
    # k=0: per-customer first-period revenue: A 100, B 50 (Jan), C 25 (Feb), E 20 (Mar)
    values = np.array([100.0, 50.0, 25.0, 20.0])
    se = values.std(ddof=1) / np.sqrt(4)
    assert curve.loc[0, "value"] == pytest.approx(values.mean())
    assert curve.loc[0, "high"] - curve.loc[0, "value"] == pytest.approx(1.959963984540054 * se)
    # k=1: A 100, B 45 (after the refund), C 25, E 20
    values = np.array([100.0, 45.0, 25.0, 20.0])
    assert curve.loc[1, "value"] == pytest.approx(values.mean())
    se = values.std(ddof=1) / np.sqrt(4)
    assert curve.loc[1, "low"] == pytest.approx(values.mean() - 1.959963984540054 * se)


def test_revenue_ratio_curve_weights_cohorts_by_size():
    curve = retention_curve(HAND, metric="revenue", include_partial=True)
    # k=1: Jan (2 customers) -5/150, Feb (1) 0, Mar (1) 0
    assert curve.loc[1, "value"] == pytest.approx((2 * (-5 / 150)) / 4)
    assert curve.loc[1, "n_cohorts"] == 3
    assert np.isnan(curve.loc[3, "low"])  # one cohort: no spread to go by


def test_compare_cohorts_and_trend():
    idx = pd.period_range("2024-01", periods=4, freq="M", name="cohort")
    matrix = pd.DataFrame(
        {0: [1.0] * 4, 1: [0.5, 0.4, 0.2, 0.1]},
        index=idx,
    ).rename_axis(columns="period_number")
    matrix.attrs.update(metric="customers", partial_period=None)
    sizes = pd.Series([100, 50, 100, 50], index=idx)
    cmp = compare_cohorts(matrix, sizes)
    assert cmp["active"].tolist() == [50, 20, 20, 5]
    first = cmp.iloc[0]
    assert first["others_share"] == pytest.approx(45 / 200)
    z, p = two_proportion_test(50, 100, 45, 200)
    assert first["z"] == pytest.approx(float(z)) and first["p_value"] == pytest.approx(float(p))
    assert first["p_adjusted"] == pytest.approx(min(4 * float(p), 1.0))
    trend = cohort_trend(matrix, sizes)
    assert trend["older_share"] == pytest.approx(70 / 150)
    assert trend["recent_share"] == pytest.approx(25 / 150)
    assert trend["difference"] < 0 and trend["p_value"] < 0.001
    assert trend["first_recent"] == pd.Period("2024-03", "M")
    assert cohort_trend(matrix.iloc[:3], sizes) is None
    with pytest.raises(ValueError):
        compare_cohorts(matrix.assign().pipe(_as_revenue), sizes)


def _as_revenue(m):
    m.attrs["metric"] = "revenue"
    return m


def test_compare_cohorts_skips_partial_cells():
    m = retention_matrix(HAND)
    cmp = compare_cohorts(m, cohort_sizes(HAND), at=1)
    assert list(cmp.index) == [JAN, FEB]  # March's period 1 is April, unfinished


def test_flattening_period():
    def curve(values, n=5):
        return pd.DataFrame(
            {"value": values, "n_cohorts": [n] * len(values)},
            index=pd.RangeIndex(len(values), name="period_number"),
        )

    assert flattening_period(curve([1.0, 0.3, 0.25, 0.26, 0.24, 0.27])) == 1
    assert flattening_period(curve([1.0, 0.6, 0.4, 0.3, 0.29, 0.3, 0.28])) == 3
    assert flattening_period(curve([1.0, 0.8, 0.6, 0.4, 0.2, 0.05])) is None
    assert flattening_period(curve([1.0, 0.3, 0.29])) is None  # too few points
    assert flattening_period(curve([1.0, 0.2, 0.3, 0.4, 0.5])) == 1  # rising is not falling


# --------------------------------------------------------------------------------------------
# Breakdowns
# --------------------------------------------------------------------------------------------

CHAN = make_tx(
    [
        ("A", "1", "2024-01-03", -5.0, "Shop"),  # refund order: not the first purchase
        ("A", "2", "2024-01-05", 10.0, "Web"),
        ("A", "3", "2024-02-05", 10.0, "Shop"),
        ("B", "4", "2024-01-09", 10.0, "Shop"),
        ("B", "5", "2024-01-09", 10.0, "Web"),  # same day: the earlier line's order wins
        ("C", "6", "2024-02-01", 10.0, None),
        ("D", "7", "2024-02-02", 10.0, "Web"),
        ("D", "8", "2024-03-02", 10.0, "Web"),
    ],
    extra=("channel",),
)


def test_first_order_attribute():
    first = first_order_attribute(CHAN, "channel")
    assert first["A"] == "Web" and first["B"] == "Shop" and first["D"] == "Web"
    assert pd.isna(first["C"])
    with pytest.raises(KeyError):
        first_order_attribute(CHAN, "country")


def test_breakdown_matrix_curve_and_groups():
    CHAN.loc[CHAN["channel"] == "nan", "channel"] = None
    m = retention_matrix(CHAN, by="channel")
    assert m.index.names == ["channel", "cohort"]
    assert list(m.index) == [
        ("Web", JAN),
        ("Web", FEB),
        ("Shop", JAN),
        ("(not given)", FEB),
    ]
    assert_matrix(m, [[1.0, 1.0, 0.0], [1.0, 1.0, NAN], [1.0, 0.0, 0.0], [1.0, 0.0, NAN]])
    sizes = cohort_sizes(CHAN, by="channel")
    assert sizes.tolist() == [1, 1, 1, 1]
    curve = retention_curve(CHAN, by="channel", include_partial=True)
    assert curve.index.names == ["channel", "period_number"]
    assert curve.loc[("Web", 1), "value"] == 1.0 and curve.loc[("Web", 1), "n_cohorts"] == 2
    two = retention_matrix(CHAN, by="channel", max_groups=2)
    assert sorted(set(two.index.get_level_values(0))) == ["Other", "Web"]
    groups = compare_groups(curve, at=1)
    assert list(groups["shares"].index)[0] == "Web"
    assert 0 <= groups["p_value"] <= 1


def test_breakdown_columns():
    assert cohorts.breakdown_columns(CHAN) == ["channel"]
    assert cohorts.breakdown_columns(HAND) == []


# --------------------------------------------------------------------------------------------
# Report, summary, export
# --------------------------------------------------------------------------------------------


def test_report_matches_the_separate_functions():
    report = cohort_report(CHAN, metric="revenue_per_customer", by="channel")
    pd.testing.assert_frame_equal(
        report.matrix, retention_matrix(CHAN, metric="revenue_per_customer", by="channel")
    )
    pd.testing.assert_series_equal(report.sizes, cohort_sizes(CHAN, by="channel"))
    pd.testing.assert_frame_equal(
        report.curve, retention_curve(CHAN, metric="revenue_per_customer", by="channel")
    )
    pd.testing.assert_frame_equal(
        report.overall_curve, retention_curve(CHAN, metric="revenue_per_customer")
    )
    assert report.summary.sentences == describe_retention(CHAN).sentences
    assert report.sentences[: len(report.summary.sentences)] == report.summary.sentences
    assert any("A new customer brings in" in s for s in report.sentences)


def test_export_table():
    m = retention_matrix(HAND)
    flat = matrix_for_export(m, cohort_sizes(HAND))
    assert list(flat.columns) == [
        "cohort",
        "customers",
        "period 0",
        "period 1",
        "period 2",
        "period 3",
    ]
    assert flat["cohort"].tolist() == ["2024-01", "2024-02", "2024-03"]
    assert flat["customers"].tolist() == [2, 1, 1]
    assert flat.attrs == {}


def test_describe_hand_example_mentions_partial_period():
    text = " ".join(describe_retention(HAND).sentences)
    assert "0% of new customers bought again in the month after" in text
    assert "2024-04 is not over" in text


# --------------------------------------------------------------------------------------------
# The Online Retail file
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def online_retail():
    """Canonical table built directly (as ingest would): lines with a customer id, amount =
    Quantity * UnitPrice, InvoiceNo as order id."""
    with gzip.open(ROOT / "sample_data" / "online_retail.csv.gz", "rt", encoding="utf-8") as f:
        raw = pd.read_csv(f, dtype=str)
    raw = raw[raw["CustomerID"].notna()]
    return pd.DataFrame(
        {
            "customer_id": raw["CustomerID"].str.strip(),
            "order_id": raw["InvoiceNo"],
            "order_date": pd.to_datetime(raw["InvoiceDate"], format="%Y-%m-%d %H:%M"),
            "amount": raw["Quantity"].astype(float) * raw["UnitPrice"].astype(float),
            "country": raw["Country"],
        }
    ).reset_index(drop=True)


def test_online_retail_first_cohorts(online_retail):
    tx = online_retail
    assert len(tx) == 406_829
    sizes = cohort_sizes(tx)
    # Customers by month of first purchase order (cancellations "C..." are refund orders).
    assert sizes.iloc[:5].tolist() == [885, 417, 380, 452, 300]
    assert sizes.index[0] == pd.Period("2010-12", "M")
    assert sizes.sum() == 4339
    # The same from the usual pandas recipe restricted to purchase orders.
    orders = tx.groupby(["customer_id", "order_id"]).agg(
        date=("order_date", "min"), net=("amount", "sum")
    )
    buys = orders[orders["net"] >= 0].reset_index()
    first = buys.groupby("customer_id")["date"].min().dt.to_period("M")
    assert first.value_counts().sort_index().tolist() == sizes.tolist()
    m = retention_matrix(tx)
    assert m.attrs["partial_period"] == pd.Period("2011-12", "M")
    assert m.loc[pd.Period("2010-12", "M"), 1] == pytest.approx(324 / 885)
    summary = describe_retention(tx)
    assert summary.comparison["share"].idxmax() == pd.Period("2010-12", "M")
    assert any("Be careful with 2010-12" in s for s in summary.sentences)


# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------


def _layers(spec):
    out = []
    for part in spec.get("hconcat", [spec]):
        out.extend(part.get("layer", [part]))
    return out


def test_heatmap_data_leaves_out_unobservable_and_marks_partial():
    from analysis.charts.cohorts import heatmap_data

    data = heatmap_data(retention_matrix(HAND), cohort_sizes(HAND))
    assert len(data) == 4 + 3 + 2  # observable cells only
    cell = data.set_index(["row", "period_number"])
    assert cell.loc[("2024-01", 3), "label"] == "50%*"
    assert bool(cell.loc[("2024-01", 3), "partial"])
    assert cell.loc[("2024-01", 3), "calendar"] == "2024-04"
    assert cell.loc[("2024-02", 1), "label"] == "0%"
    assert cell.loc[("2024-03", 0), "customers"] == 1
    assert ("2024-02", 3) not in cell.index
    rpc = heatmap_data(retention_matrix(HAND, metric="revenue_per_customer"))
    assert rpc.set_index(["row", "period_number"]).loc[("2024-01", 2), "label"] == "88"
    weekly = heatmap_data(retention_matrix(HAND, period="W"))
    assert weekly["row"].iloc[0] == "2024-01-01"  # weeks are named by their Monday


def test_heatmap_spec():
    from analysis.charts.cohorts import heatmap

    spec = heatmap(retention_matrix(HAND), cohort_sizes(HAND)).to_dict()
    layers = _layers(spec)
    marks = [
        layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        for layer in layers
    ]
    assert marks.count("rect") == 2 and "text" in marks and "bar" in marks
    outline = next(layer for layer in layers if layer.get("transform"))
    assert outline["transform"] == [{"filter": "datum.partial"}]
    assert outline["mark"]["strokeDash"]
    cells = next(layer for layer in layers if layer["mark"] == {"type": "rect"})
    assert cells["encoding"]["color"]["scale"]["domain"] == [0.0, 0.5]  # fitted to periods >= 1
    assert "not over yet" in spec["title"]["subtitle"]
    by = heatmap(retention_matrix(CHAN, by="channel"), cohort_sizes(CHAN, by="channel")).to_dict()
    rows = _layers(by)[0]["encoding"]["y"]["sort"]
    assert rows[0] == "Web · 2024-01"


def test_curves_chart_spec():
    from analysis.charts.cohorts import cohort_lines_data, curves_chart

    lines = cohort_lines_data(retention_matrix(HAND))
    assert not ((lines["row"] == "2024-01") & (lines["period_number"] == 3)).any()  # partial
    spec = curves_chart(retention_matrix(HAND), retention_curve(HAND)).to_dict()
    layers = spec["layer"]
    assert [layer["mark"]["type"] for layer in layers] == ["line", "area", "line"]
    datasets = spec["datasets"]
    average = datasets[layers[2]["data"]["name"]]
    assert [row["period_number"] for row in average] == [1, 2]  # period 0 (100%) not drawn
    assert average[0]["value"] == 0.0 and average[1]["value"] == 0.5
    rpc = curves_chart(
        retention_matrix(HAND, metric="revenue_per_customer"),
        retention_curve(HAND, metric="revenue_per_customer"),
    ).to_dict()
    average = rpc["datasets"][rpc["layer"][2]["data"]["name"]]
    assert average[0]["period_number"] == 0 and average[0]["value"] == pytest.approx(195 / 4)
    report = cohort_report(CHAN, by="channel")
    split = curves_chart(report.matrix, report.curve, overall=report.overall_curve).to_dict()
    assert [layer["mark"]["type"] for layer in split["layer"]] == ["area", "line", "line"]
    assert split["layer"][1]["encoding"]["color"]["field"] == "group"


def test_report_keeps_the_latest_cohorts_only():
    full = cohort_report(HAND, max_cohorts=None)
    assert list(full.matrix.index) == [JAN, FEB, MAR] and not full.capped
    assert full.total_cohorts == 3 == full.n_cohorts
    capped = cohort_report(HAND, max_cohorts=2)
    assert capped.capped and (capped.n_cohorts, capped.total_cohorts) == (2, 3)
    assert list(capped.matrix.index) == [FEB, MAR] and capped.n_customers == 2
    same = cohort_report(HAND, cohort_range=("2024-02-01", None), max_cohorts=None)
    pd.testing.assert_frame_equal(capped.matrix, same.matrix)
    assert capped.sentences[-1].startswith("Showing the latest 2 of 3 monthly cohorts")
    assert not any(s.startswith("Showing the latest") for s in full.sentences)
    # within a chosen range, the latest of that range
    ranged = cohort_report(HAND, cohort_range=(None, "2024-02-29"), max_cohorts=1)
    assert list(ranged.matrix.index) == [FEB] and ranged.total_cohorts == 2
    # the default keeps MAX_COHORTS
    assert cohort_report(HAND).capped is False and cohorts.MAX_COHORTS >= 12
