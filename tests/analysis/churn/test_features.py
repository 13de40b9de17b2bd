"""Tests of analysis.churn.features: features and labels by hand, row order."""

import numpy as np
import pandas as pd
import pytest

from analysis.churn import (
    churn_features,
    churn_labels,
)
from tests.analysis.churn._data import TX


def test_churn_features_by_hand():
    f = churn_features(TX, as_of="2024-02-10", recent_days=20)
    assert list(f.index) == ["A", "B"]
    a = f.loc["A"]
    assert a["recency_days"] == 10  # last purchase Jan 31, cutoff Feb 10
    assert a["frequency"] == 4  # purchase orders 1, 2, 3, 4
    assert a["monetary"] == pytest.approx(63.0)  # 69 of purchases minus the 6 refund
    assert a["avg_order_value"] == pytest.approx(69.0 / 4)
    assert a["tenure_days"] == 40
    # Distinct purchase days Jan 1, Jan 11, Jan 31: gaps 10 and 20.
    assert a["gap_mean_days"] == pytest.approx(15.0)
    assert a["gap_std_days"] == pytest.approx(5.0)
    assert a["overdue_ratio"] == pytest.approx(10 / 15)
    # Recent window: purchases on or after Jan 21 -> order 4 (30) of 69.
    assert a["recent_spend_share"] == pytest.approx(30.0 / 69.0)
    assert a["refund_share"] == pytest.approx(6.0 / 69.0)
    # Bought lines before the cutoff: 1 Tea, 4 Coffee (the refund line does not count).
    assert a["category: Coffee"] == pytest.approx(4 / 5)
    assert a["category: Tea"] == pytest.approx(1 / 5)
    b = f.loc["B"]
    assert (b["recency_days"], b["frequency"], b["tenure_days"]) == (21, 1, 21)
    assert np.isnan(b["gap_mean_days"]) and np.isnan(b["gap_std_days"])
    assert b["refund_share"] == 0.0


def test_churn_labels_by_hand():
    customers = pd.Index(["A", "B"], name="customer_id")
    y = churn_labels(TX, customers, start="2024-02-10", horizon_days=30)
    # A buys on Feb 20 (stays); B's next purchase (Mar 25) is after Mar 11 (churns).
    assert y.to_dict() == {"A": 0, "B": 1}
    y = churn_labels(TX, customers, start="2024-02-10", horizon_days=60)
    assert y.to_dict() == {"A": 0, "B": 0}


def test_churn_features_do_not_depend_on_row_order():
    rng = np.random.default_rng(5)
    n = 4000
    order = rng.integers(0, 1500, n)
    tx = pd.DataFrame(
        {
            "customer_id": pd.Series([f"c{o % 250}" for o in order], dtype="str"),
            "order_id": pd.Series([f"o{o}" for o in order], dtype="str"),
            "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(order % 180, unit="D"),
            "amount": rng.integers(-3, 5, n) / 10,  # tenths that cancel: 0.3 - 0.1 - 0.2
            # equally common categories: the top five must not depend on the row order
            "category": pd.Series([f"k{i % 7}" for i in range(n)], dtype="str"),
        }
    )
    base = churn_features(tx).sort_index()
    assert any(c.startswith("category: ") for c in base.columns)
    for seed in range(3):
        got = churn_features(tx.sample(frac=1, random_state=seed)).sort_index()
        pd.testing.assert_frame_equal(got, base)


def test_features_at_two_dates_share_the_category_codes():
    """Codes found once on every row give the same columns as the lines before each cutoff.

    "Gifts" is bought only after the first cutoff and "Mugs" only refunded: neither may become a
    column at that cutoff (the refund-only value, with no bought line, comes last when present).
    """
    from analysis.churn.features import features_from, mix_codes
    from analysis.core.orders import order_table
    from tests.analysis.churn._data import make_tx

    extra = make_tx(
        [
            ("A", "9", "2024-02-25 10:00", 7.0, "Gifts"),
            ("B", "R5", "2024-01-21 10:00", -2.0, "Mugs"),
        ],
        extra=["category"],
    )
    tx = pd.concat([extra, TX], ignore_index=True)
    mix = mix_codes(tx)
    for as_of in ("2024-01-15", "2024-02-10", "2024-03-01"):
        shared = features_from(order_table(tx, as_of), mix, recent_days=20)
        pd.testing.assert_frame_equal(
            shared, churn_features(tx, as_of=as_of, recent_days=20), check_exact=True
        )
    early = features_from(order_table(tx, "2024-02-10"), mix, recent_days=20)
    assert [c for c in early.columns if c.startswith("category")] == [
        "category: Coffee",
        "category: Tea",
        "category: Mugs",
    ]
    one = make_tx(
        [("A", "1", "2024-01-01", 5.0, "Tea"), ("A", "2", "2024-02-01", 5.0, "Coffee")],
        extra=["category"],
    )
    # One value before the cutoff (Coffee comes later): no share columns, as with its own codes.
    single = features_from(order_table(one, "2024-01-15"), mix_codes(one))
    assert list(single.columns)[-1] == "refund_share"
