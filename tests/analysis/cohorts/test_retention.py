"""Cohort retention: hand-computed matrices, properties against a plain reference, real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.cohorts import (
    cohort_sizes,
    describe_retention,
    matrix_for_export,
    partial_mask,
    retention_curve,
    retention_matrix,
    wilson_interval,
)
from tests.analysis.cohorts._data import APR, FEB, HAND, JAN, MAR, NAN, assert_matrix, make_tx

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
