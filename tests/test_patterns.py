"""Purchase patterns: hand-computed times, reorders, items, rules, recommendations and prices."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis import charts_patterns as charts
from analysis import patterns as P
from analysis.cohorts import retention_curve

# Tiny shop. 2024-01-01 is a Monday. Order values: O1 3, O2 7, O3 4, O4 2, O5 6, O6 4, O7 -3.
ROWS = [
    # customer, order, date, amount, quantity, product, category, channel, promo_code
    ("A", "O1", "2024-01-01 10:00", 1.0, 1, "milk", "Dairy", "web", ""),
    ("A", "O1", "2024-01-01 10:59", 2.0, 1, "bread", "Bakery", "web", ""),
    ("B", "O3", "2024-01-02 18:00", 1.0, 1, "milk", "Dairy", "shop", ""),
    ("B", "O3", "2024-01-02 18:00", 3.0, 1, "butter", "Dairy", "shop", ""),
    ("B", "O4", "2024-01-02 19:00", 2.0, 1, "bread", "Bakery", "web", ""),
    ("C", "O5", "2024-01-03 09:00", 2.0, 1, "bread", "Bakery", "web", ""),
    ("C", "O5", "2024-01-03 09:00", 1.0, 1, "milk", "Dairy", "web", ""),
    ("C", "O5", "2024-01-03 09:00", 3.0, 1, "butter", "Dairy", "web", ""),
    ("D", "O6", "2024-01-05 12:00", 4.0, 1, "jam", "Pantry", "shop", ""),
    ("A", "O2", "2024-01-08 10:30", 4.0, 2, "bread", "Bakery", "web", "SAVE10"),
    ("A", "O2", "2024-01-08 10:30", 3.0, 1, "butter", "Dairy", "web", ""),
    ("C", "O7", "2024-01-20 15:00", -3.0, -1, "butter", "Dairy", "web", ""),
]
COLUMNS = [
    "customer_id",
    "order_id",
    "order_date",
    "amount",
    "quantity",
    "product",
    "category",
    "channel",
    "promo_code",
]


def make_tx(rows, columns=COLUMNS) -> pd.DataFrame:
    tx = pd.DataFrame(rows, columns=columns[: len(rows[0])])
    tx["order_date"] = pd.to_datetime(tx["order_date"])
    for c in tx.columns:
        if c in ("amount", "quantity", "unit_price"):
            tx[c] = tx[c].astype("float64")
        elif c != "order_date":
            tx[c] = tx[c].astype("str")
    return tx


TX = make_tx(ROWS)


def test_availability_helpers():
    assert P.has_time_of_day(TX)
    assert not P.has_time_of_day(TX.assign(order_date=TX["order_date"].dt.normalize()))
    assert P.item_columns(TX) == ["product", "category"]
    assert P.item_columns(TX.drop(columns=["product"])) == ["category"]
    assert P.needs(TX, ("product",), "Baskets") is None
    msg = P.needs(TX.drop(columns=["product"]), ("product",), "Products bought together")
    assert msg.startswith("Products bought together needs a product column")
    # a quantity column is enough for a price per unit
    assert P.needs(TX, ("unit_price",), "Prices") is None
    assert "unit price" in P.needs(TX.drop(columns=["quantity"]), ("unit_price",), "Prices")
    assert P.discount_columns(TX) == ["promo_code"]


# --------------------------------------------------------------------------------------------
# When
# --------------------------------------------------------------------------------------------


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
    monkeypatch.setattr(P, "MAX_CALENDAR_MONTHS", 2)
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


def test_reorder_gaps_and_windows():
    gaps = P.reorder_gaps(TX)
    # A: 1 and 8 January; B's two orders are on one day; C's second order is a refund
    assert gaps.to_dict("records") == [{"customer_id": "A", "visit": 2, "days": 7}]
    s = P.reorder_summary(TX, windows=(7, 18, 30))
    assert (s.customers, s.repeat_customers, s.gaps) == (4, 1, 1)
    assert s.median_days == 7 and s.first_gap_median == 7
    w = s.within.set_index("days")
    # 7 days: all four first purchased by 13 January (window ends by 20 January, the last day)
    assert (w.loc[7, "eligible"], w.loc[7, "reordered"]) == (4, 1)
    assert w.loc[7, "share"] == pytest.approx(0.25)
    # 18 days: C (first on 3 January) and D would need data past 20 January: left out
    assert w.loc[18, "eligible"] == 2
    assert w.loc[30, "eligible"] == 0 and np.isnan(w.loc[30, "share"])
    assert s.histogram["gaps"].sum() == 1
    assert s.histogram.loc[s.histogram["gaps"] == 1, "label"].item() == "4-7 days"
    text = " ".join(P.describe_reorder(s))
    assert "25% came back within 7 days" in text


def test_reorder_by_item():
    by_cat = P.reorder_by_item(TX, "category", min_gaps=1).set_index("category")
    # Dairy: A bought milk on 1 January and butter on 8 January; Bakery: A's bread, same days
    assert list(by_cat.index) == ["Bakery", "Dairy"]
    assert by_cat.loc["Dairy", "median_days"] == 7
    assert by_cat.loc["Dairy", "customers"] == 3 and by_cat.loc["Dairy", "repeat_customers"] == 1
    by_product = P.reorder_by_item(TX, "product", min_gaps=1)
    assert by_product["product"].tolist() == ["bread"]  # milk and butter never re-bought
    assert P.reorder_by_item(TX, "product", min_gaps=2).empty


# --------------------------------------------------------------------------------------------
# What
# --------------------------------------------------------------------------------------------


def test_top_items_by_revenue():
    top = P.top_items(TX, "product").set_index("product")
    assert list(top.index) == ["bread", "butter", "jam", "milk"]
    assert top.loc["bread", "revenue"] == 10.0
    assert top.loc["butter", "revenue"] == 6.0  # 9 sold, 3 refunded (net)
    assert top["revenue_share"].sum() == pytest.approx(1.0)
    assert top.loc["bread", "quantity"] == 5.0
    assert top.loc["bread", "orders"] == 4 and top.loc["bread", "customers"] == 3
    assert top.loc["bread", "repeat_customers"] == 1  # A, in O1 and O2
    assert top.loc["bread", "repeat_rate"] == pytest.approx(1 / 3)
    assert top.loc["milk", "repeat_rate"] == 0
    by_customers = P.top_items(TX, "product", by="customers", n=2)
    assert by_customers["product"].tolist() == ["bread", "butter"]  # ties: alphabetical
    assert P.top_items(TX, "product", by="repeat_rate", min_customers=3)["product"].tolist() == [
        "bread",
        "butter",
        "milk",
    ]
    with pytest.raises(ValueError):
        P.top_items(TX, by="price")


def test_first_order_items_and_who_comes_back():
    fo = P.first_order_items(TX, "product", within_days=None).set_index("product")
    # first purchase days: A {bread, milk}, B {milk, butter, bread} (two orders), C {all three},
    # D {jam}; only A came back
    assert list(fo.index) == ["bread", "milk", "butter", "jam"]
    assert fo["first_orders"].tolist() == [3, 3, 2, 1]
    assert fo.loc["bread", "first_order_share"] == pytest.approx(0.75)
    assert fo.loc["bread", "return_rate"] == pytest.approx(1 / 3)
    assert fo.loc["butter", "return_rate"] == 0
    assert fo.attrs["overall_return_rate"] == pytest.approx(0.25)
    assert fo.loc["bread", "lift"] == pytest.approx(4 / 3)
    # an 18-day window: C's and D's first days (3 and 5 January) are too recent to tell
    fo18 = P.first_order_items(TX, "product", within_days=18).set_index("product")
    assert fo18.loc["bread", "eligible"] == 2
    assert fo18.loc["bread", "return_rate"] == pytest.approx(0.5)
    assert fo18.attrs["eligible"] == 2


# --------------------------------------------------------------------------------------------
# Together
# --------------------------------------------------------------------------------------------


def test_baskets_matrix():
    b = P.baskets(TX, "product")
    assert list(b.items) == ["bread", "butter", "jam", "milk"]
    assert b.matrix.shape == (6, 4)  # six purchase orders; the refund order is not a basket
    assert b.item_counts.tolist() == [4, 3, 1, 3]
    c = P.baskets(TX, "product", by="customer")
    assert list(c.rows) == ["A", "B", "C", "D"]
    assert c.matrix.toarray().tolist() == [[1, 1, 0, 1], [1, 1, 0, 1], [1, 1, 0, 1], [0, 0, 1, 0]]


def test_association_rules_hand_computed():
    rules = P.association_rules(TX, "product", min_support=0.3, min_orders=2)
    # orders with: bread 4, milk 3, butter 3; each pair in 2 of the 6 orders
    assert rules.attrs["orders"] == 6 and rules.attrs["min_orders"] == 2
    assert len(rules) == 6
    r = rules.set_index(["antecedent", "consequent"])
    assert r.loc[("butter", "milk"), "support"] == pytest.approx(2 / 6)
    assert r.loc[("butter", "milk"), "confidence"] == pytest.approx(2 / 3)
    assert r.loc[("butter", "milk"), "lift"] == pytest.approx((2 / 3) / (3 / 6))
    assert r.loc[("bread", "milk"), "confidence"] == pytest.approx(0.5)
    assert r.loc[("bread", "milk"), "lift"] == pytest.approx(1.0)
    assert r.loc[("milk", "bread"), "confidence"] == pytest.approx(2 / 3)
    # sorted by lift, then support, then names
    assert rules[["antecedent", "consequent"]].iloc[0].tolist() == ["butter", "milk"]
    assert rules[["antecedent", "consequent"]].iloc[1].tolist() == ["milk", "butter"]
    # 40% support needs 3 orders: no pair has that many
    assert P.association_rules(TX, "product", min_support=0.4, min_orders=1).empty
    conf = P.association_rules(TX, "product", min_support=0.3, min_orders=2, min_confidence=0.6)
    assert sorted(map(tuple, conf[["antecedent", "consequent"]].to_numpy())) == [
        ("butter", "bread"),
        ("butter", "milk"),
        ("milk", "bread"),
        ("milk", "butter"),
    ]


def _pair_orders(pairs: dict[tuple[str, str], int], n_orders: int) -> pd.DataFrame:
    rows = []
    k = 0
    for (a, b), count in pairs.items():
        for _ in range(count):
            rows += [
                (f"c{k}", f"o{k}", "2024-01-01", 1.0, a),
                (f"c{k}", f"o{k}", "2024-01-01", 1.0, b),
            ]
            k += 1
    while k < n_orders:
        rows.append((f"c{k}", f"o{k}", "2024-01-01", 1.0, f"single{k}"))
        k += 1
    return make_tx(rows, ["customer_id", "order_id", "order_date", "amount", "product"])


PAIRS = _pair_orders({("a", "b"): 12, ("c", "d"): 6, ("e", "f"): 3}, 100)


@pytest.mark.parametrize(
    ("min_rules", "max_rules", "expected_orders", "expected_rules"),
    [
        (2, 200, 10, 2),  # 10% support already gives 2 rules
        (4, 200, 5, 4),  # 10%: 2 rules, 5%: 4 rules
        (6, 200, 2, 6),  # 2% (2 orders) reaches 6
        (6, 5, 5, 4),  # 2% would give 6 > 5, so the step before (5%, 4 rules) is kept
        (8, 200, 1, 6),  # never reaches 8: every pair with min_orders (1) or more
    ],
)
def test_association_rules_choose_a_readable_support(
    min_rules, max_rules, expected_orders, expected_rules
):
    rules = P.association_rules(
        PAIRS, "product", min_orders=1, min_rules=min_rules, max_rules=max_rules
    )
    assert rules.attrs["chosen"]
    assert rules.attrs["min_orders"] == expected_orders
    assert rules.attrs["min_support"] == pytest.approx(expected_orders / 100)
    assert len(rules) == expected_rules


def test_association_rules_cap_keeps_the_most_frequent_pairs():
    rules = P.association_rules(PAIRS, "product", min_support=0.01, min_orders=1, max_rules=2)
    assert rules.attrs["truncated"]
    assert set(rules["antecedent"]) == {"a", "b"}
    assert rules["lift"].iloc[0] == pytest.approx((12 / 12) / (12 / 100))


def test_filter_rules_and_strongest_pairs():
    rules = P.association_rules(TX, "product", min_support=0.3, min_orders=2)
    assert len(P.filter_rules(rules, min_lift=1.2)) == 2
    assert len(P.filter_rules(rules, contains="BREAD")) == 4
    assert P.filter_rules(rules, min_lift=1.2).attrs["orders"] == 6
    pairs = P.strongest_pairs(rules, n=2)
    assert pairs[["item_a", "item_b"]].iloc[0].tolist() == ["butter", "milk"]
    assert pairs["confidence_ab"].iloc[0] == pytest.approx(2 / 3)
    assert len(pairs) == 2
    assert P.strongest_pairs(rules.iloc[:0]).empty


def test_rules_match_a_plain_pandas_count_on_the_shop_example(shop_tx):
    rules = P.association_rules(shop_tx, "product")
    assert 20 <= len(rules) <= 200
    # brute force: purchase orders, distinct (order, product), self-join
    lines = shop_tx[["customer_id", "order_id", "product", "amount"]]
    net = lines.groupby(["customer_id", "order_id"])["amount"].transform("sum")
    lines = lines[(net >= 0) & (lines["amount"] >= 0)]
    # gift cards are not products (analysis.nonproduct): left out of the rules
    gift = lines["product"].str.startswith("Gift Card")
    assert gift.any()
    lines = lines[~gift].drop_duplicates(["order_id", "product"])
    n = lines["order_id"].nunique()
    pairs = lines.merge(lines, on="order_id")
    pairs = pairs[pairs["product_x"] != pairs["product_y"]]
    both = pairs.groupby(["product_x", "product_y"]).size()
    counts = lines.groupby("product").size()
    assert rules.attrs["orders"] == n
    for r in rules.head(10).itertuples():
        k = both[(r.antecedent, r.consequent)]
        assert r.orders == k
        assert r.confidence == pytest.approx(k / counts[r.antecedent])
        assert r.lift == pytest.approx(k / counts[r.antecedent] / (counts[r.consequent] / n))
    # every pair at or above the chosen threshold is there
    expected = int((both >= rules.attrs["min_orders"]).sum())
    assert len(rules) == expected


# Customers x items for the recommender:
# U1 {a, b}, U2 {a, b, c}, U3 {b, c}, U4 {a}, U5 {c, d}
# cos(a, b) = 2/3, cos(a, c) = 1/3, cos(b, c) = 2/3, cos(c, d) = 1/sqrt(3), others 0
RECS_TX = make_tx(
    [
        (u, f"{u}-{i}", "2024-01-01", 1.0, i)
        for u, items in [
            ("U1", "ab"),
            ("U2", "abc"),
            ("U3", "bc"),
            ("U4", "a"),
            ("U5", "cd"),
        ]
        for i in items
    ],
    ["customer_id", "order_id", "order_date", "amount", "product"],
)


def _recs(df):
    return {
        c: [(r.item, round(r.score, 6), r.because) for r in g.itertuples()]
        for c, g in df.groupby("customer_id", sort=True)
    }


def test_item_recommendations_hand_computed():
    model = P.ItemRecommender(n_neighbors=None, min_customers=1).fit(RECS_TX)
    sim = model.similarity_.toarray()
    assert sim[0, 1] == pytest.approx(2 / 3) and sim[0, 2] == pytest.approx(1 / 3)
    assert sim[2, 3] == pytest.approx(1 / math.sqrt(3)) and sim[0, 0] == 0
    recs = model.recommend(n=5)
    s3 = round(1 / math.sqrt(3), 6)
    assert _recs(recs) == {
        "U1": [("c", 1.0, "b")],  # 1/3 + 2/3; b is the closer reason
        "U2": [("d", s3, "c")],
        "U3": [("a", 1.0, "b"), ("d", s3, "c")],
        "U4": [("b", round(2 / 3, 6), "a"), ("c", round(1 / 3, 6), "a")],
        "U5": [("b", round(2 / 3, 6), "c"), ("a", round(1 / 3, 6), "c")],
    }
    assert recs[recs["customer_id"] == "U3"]["rank"].tolist() == [1, 2]
    assert _recs(model.recommend(["U4", "nobody"], n=1)) == {"U4": [("b", round(2 / 3, 6), "a")]}


def test_item_recommendations_rare_items_and_pruning():
    # d has one buyer: with min_customers=2 it has no similarities at all
    recs = P.recommendations(RECS_TX, n_neighbors=None, min_customers=2)
    got = _recs(recs)
    assert "U2" not in got and got["U3"] == [("a", 1.0, "b")]
    # one neighbour per item: a->b, b->a (tie with c: alphabetical), c->b, d->c
    pruned = P.ItemRecommender(n_neighbors=1, min_customers=1).fit(RECS_TX)
    assert pruned.similarity_.nnz == 4
    got = _recs(pruned.recommend())
    assert got["U4"] == [("b", round(2 / 3, 6), "a")]
    assert "U1" not in got  # a's and b's only neighbours are each other, both owned


def test_similar_items():
    sim = P.similar_items(RECS_TX, "a", min_customers=1)
    assert sim["item"].tolist() == ["b", "c"]
    assert sim["similarity"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert sim["customers"].tolist() == [2, 1]
    assert P.similar_items(RECS_TX, "zzz").empty
    assert P.similar_items(RECS_TX, "d", min_customers=2).empty


def test_recommendations_never_suggest_what_was_bought(shop_tx):
    recs = P.recommendations(shop_tx, "product", n=3)
    owned = shop_tx[shop_tx["amount"] >= 0][["customer_id", "product"]].drop_duplicates()
    clash = recs.merge(owned, left_on=["customer_id", "item"], right_on=["customer_id", "product"])
    assert clash.empty
    assert recs.groupby("customer_id").size().max() == 3
    assert (recs.groupby("customer_id")["score"].diff().dropna() <= 1e-12).all()


def test_recommender_considers_only_the_items_with_most_customers():
    # buyers: a, b, c 3 each, d 1; a cap of 2 keeps a and b (ties: alphabetical)
    model = P.ItemRecommender(n_neighbors=None, min_customers=1, max_items=2).fit(RECS_TX)
    assert model.items_.tolist() == ["a", "b"]
    assert model.capped_ and model.n_items_ == 4 and model.n_usable_ == 4
    assert model.similarity_.toarray()[0, 1] == pytest.approx(2 / 3)
    recs = model.recommend(n=5)
    assert _recs(recs) == {"U3": [("a", round(2 / 3, 6), "b")], "U4": [("b", round(2 / 3, 6), "a")]}
    assert recs.attrs == {
        "items": 4,
        "usable_items": 4,
        "items_considered": 2,
        "capped": True,
        "max_items": 2,
    }
    said = " ".join(P.describe_recommendations(recs))
    assert "the 2 items bought by the most customers, of 4" in said
    uncapped = P.recommendations(RECS_TX, n_neighbors=None, min_customers=1)
    assert not uncapped.attrs["capped"] and "limit" not in " ".join(
        P.describe_recommendations(uncapped)
    )


def test_capped_recommendations_equal_those_of_the_top_items_alone(shop_tx):
    k = 5
    capped = P.recommendations(shop_tx, "product", n=3, max_items=k)
    assert capped.attrs["capped"] and capped.attrs["items_considered"] == k
    buyers = (
        shop_tx[shop_tx["amount"] >= 0].groupby("product")["customer_id"].nunique().reset_index()
    )
    top = buyers.sort_values(["customer_id", "product"], ascending=[False, True]).head(k)
    alone = P.recommendations(shop_tx[shop_tx["product"].isin(top["product"])], "product", n=3)
    assert not alone.attrs["capped"]
    key = ["customer_id", "rank"]
    pd.testing.assert_frame_equal(
        capped.sort_values(key, ignore_index=True),
        alone.sort_values(key, ignore_index=True),
        check_exact=False,
    )


def test_association_rules_pair_up_only_the_most_frequent_items():
    rules = P.association_rules(PAIRS, "product", min_support=0.01, min_orders=1, max_items=2)
    assert set(rules["antecedent"]) | set(rules["consequent"]) == {"a", "b"}
    assert rules.attrs["capped"] and rules.attrs["items_considered"] == 2
    assert "Only the 2 items in the most orders" in " ".join(P.describe_rules(rules))
    full = P.association_rules(PAIRS, "product", min_support=0.01, min_orders=1)
    assert not full.attrs["capped"] and len(full) == 6
    assert "Only the" not in " ".join(P.describe_rules(full))
    # at the chosen 10% (10 orders) no left-out item (c, d: 6 orders) can be in a rule:
    # the same rules, and not reported as capped
    chosen = P.association_rules(PAIRS, "product", min_orders=1, min_rules=2, max_items=2)
    assert chosen.attrs["min_orders"] == 10 and not chosen.attrs["capped"]
    pd.testing.assert_frame_equal(
        chosen, P.association_rules(PAIRS, "product", min_orders=1, min_rules=2)
    )


# --------------------------------------------------------------------------------------------
# What they pay
# --------------------------------------------------------------------------------------------


def test_order_value_summary():
    s = P.order_value_summary(TX)
    # purchase order values 3, 7, 4, 2, 6, 4
    assert s.orders == 6
    assert s.median == 4.0 and s.mean == pytest.approx(26 / 6)
    assert s.p25 == pytest.approx(3.25) and s.p75 == pytest.approx(5.5)
    h = s.histogram
    assert h["orders"].sum() == 6 and h["revenue"].sum() == pytest.approx(26.0)
    assert h["open"].tolist()[-1] and not h["open"].iloc[:-1].any()
    assert h["start"].iloc[0] <= 2 < h["end"].iloc[0]
    assert P.describe_order_values(s)[0].startswith("Half of the orders are worth between 3.25")


def test_order_value_summary_with_overflowing_orders():
    huge = make_tx(
        [
            ("A", "O1", "2024-01-01", 1e308, "x"),
            ("A", "O1", "2024-01-01", 1e308, "y"),  # the order's value overflows to inf
            ("B", "O2", "2024-01-02", 5.0, "x"),
            ("C", "O3", "2024-01-03", 1e300, "x"),
        ],
        ["customer_id", "order_id", "order_date", "amount", "product"],
    )
    with np.errstate(all="raise"):
        s = P.order_value_summary(huge)
        P.describe_order_values(s)
    assert s.orders == 3 and s.mean == math.inf
    assert s.histogram["orders"].sum() == 3 and s.histogram["orders"].iloc[-1] >= 1


def test_spend_per_customer_by_first_channel():
    sp = P.spend_per_customer(TX, "channel").set_index("channel")
    # first purchase order: A web, B shop (O3 comes first in the file), C web, D shop
    # net per customer: A 10, B 6, C 6 - 3 = 3, D 4
    assert sp.loc["web", "customers"] == 2 and sp.loc["shop", "customers"] == 2
    assert sp.loc["web", "revenue"] == 13 and sp.loc["shop", "revenue"] == 10
    assert sp.loc["web", "revenue_per_customer"] == 6.5
    assert sp.loc["web", "orders_per_customer"] == 1.5
    assert sp.loc["web", "average_order_value"] == pytest.approx(16 / 3)
    assert sp.loc["shop", "median_per_customer"] == 5.0
    assert list(sp.index) == ["web", "shop"]
    missing = P.spend_per_customer(TX.drop(columns=["channel"]), "channel")
    assert missing.empty and "channel column" in missing.attrs["reason"]


def test_spend_per_customer_by_rfm_segment(shop_tx):
    sp = P.spend_per_customer(shop_tx, "segment")
    if sp.empty:  # the RFM module is optional
        pytest.skip(sp.attrs["reason"])
    assert sp["customers"].sum() == shop_tx["customer_id"].nunique()
    assert sp["revenue"].sum() == pytest.approx(shop_tx["amount"].sum())


def test_price_bands():
    pb = P.price_bands(TX, "category").set_index("category")
    assert pb.attrs["price_source"] == "amount / quantity"
    # Dairy purchase lines: milk 1, 1, 1 and butter 3, 3, 3 (the refund line is left out)
    assert pb.loc["Dairy", "lines"] == 6
    assert pb.loc["Dairy", "median"] == 2.0
    assert (pb.loc["Dairy", "min"], pb.loc["Dairy", "max"]) == (1.0, 3.0)
    assert pb.loc["Dairy", "p25"] == 1.0 and pb.loc["Dairy", "p75"] == 3.0
    assert pb.loc["Bakery", "median"] == 2.0
    assert list(pb.index) == ["Dairy", "Bakery", "Pantry"]  # by revenue: 12, 10, 4
    assert P.price_bands(TX, None)["group"].tolist() == ["All"]
    none = P.price_bands(TX.drop(columns=["quantity"]), "category")
    assert none.empty and "unit price" in none.attrs["reason"]


def test_discount_share():
    tx = make_tx(
        [
            ("a", "1", "2024-01-01", 10.0, 10.0, "p", ""),
            ("a", "2", "2024-01-02", 10.0, 10.0, "p", ""),
            ("a", "3", "2024-01-03", 10.0, 10.0, "p", ""),
            ("b", "4", "2024-01-03", 8.0, 8.0, "p", ""),  # below 90% of the usual 10
            ("b", "5", "2024-01-04", 10.0, 10.0, "p", "X"),  # a code, even at full price
            ("c", "6", "2024-01-04", 5.0, 5.0, "p2", "no"),
            ("c", "7", "2024-01-05", 5.0, 5.0, "p2", ""),
        ],
        ["customer_id", "order_id", "order_date", "amount", "unit_price", "product", "Voucher"],
    )
    ds = P.discount_share(tx).set_index("kind")
    assert ds.attrs["discount_column"] == "Voucher"
    assert ds.loc["Discount code", "revenue"] == 10 and ds.loc["Discount code", "lines"] == 1
    assert ds.loc["Below usual price", "revenue"] == 8
    assert ds.loc["Full price", "revenue"] == 40
    assert ds.loc["Full price", "revenue_share"] == pytest.approx(40 / 58)
    text = " ".join(P.describe_discounts(P.discount_share(tx)))
    assert "31% of revenue comes from discounted or low-price lines" in text
    plain = P.discount_share(tx[["customer_id", "order_id", "order_date", "amount"]])
    assert plain.empty and plain.attrs["reason"]


# --------------------------------------------------------------------------------------------
# How: channels
# --------------------------------------------------------------------------------------------


def test_channel_acquisition_uses_cohort_retention():
    tx = make_tx(
        [
            ("X", "1", "2024-01-05", 10.0, "web"),
            ("X", "2", "2024-02-05", 10.0, "shop"),  # acquired by web, whatever comes later
            ("Y", "3", "2024-01-06", 10.0, "web"),
            ("Z", "4", "2024-01-07", 10.0, "shop"),
            ("Z", "5", "2024-02-07", 10.0, "shop"),
            ("W", "6", "2024-03-30", 10.0, "web"),
        ],
        ["customer_id", "order_id", "order_date", "amount", "channel"],
    )
    ca = P.channel_acquisition(tx, at=(1, 2), as_of="2024-04-01").set_index("channel")
    assert ca.loc["web", "new_customers"] == 3 and ca.loc["shop", "new_customers"] == 1
    assert ca.loc["web", "share"] == pytest.approx(0.75)
    assert ca.loc["web", "month_1"] == pytest.approx(0.5)  # X back in February, Y not
    assert ca.loc["shop", "month_1"] == pytest.approx(1.0)
    assert ca.loc["web", "month_1_customers"] == 2  # W's cohort (March) is too young
    assert ca.loc["web", "month_2"] == 0.0
    curve = retention_curve(tx, by="channel", as_of="2024-04-01")
    assert ca.loc["web", "month_1_low"] == pytest.approx(curve.loc[("web", 1), "low"])


# --------------------------------------------------------------------------------------------
# The example data, end to end, and the charts
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shop_tx():
    from pathlib import Path

    from analysis import ingest

    path = Path(__file__).resolve().parents[1] / "sample_data" / "online_shop_transactions.csv"
    return ingest.prepare_transactions(ingest.read_table(path, filename=path.name)).data


def test_shop_example_sentences_and_charts(shop_tx):
    wh = P.weekday_hour(shop_tx)
    assert wh["orders"].sum() == P.order_value_summary(shop_tx).orders
    assert P.describe_weekday_hour(wh)
    ms = P.monthly_seasonality(shop_tx)
    assert ms["revenue_yoy"].notna().sum() >= 12
    top = P.top_items(shop_tx, "product", n=100)
    # every line names a product; gift cards (not products, analysis.nonproduct) are left out
    gift = shop_tx["product"].str.startswith("Gift Card")
    assert gift.any() and not top["product"].str.startswith("Gift Card").any()
    assert top["revenue"].sum() == pytest.approx(shop_tx.loc[~gift, "amount"].sum())
    assert 0 < top.attrs["non_product_lines"] <= int(gift.sum())  # lines in purchase orders
    fo = P.first_order_items(shop_tx, "product")
    assert P.describe_first_orders(fo, "product")
    rules = P.association_rules(shop_tx, "product")
    assert "chosen so the list stays readable" in P.describe_rules(rules)[0]
    ds = P.discount_share(shop_tx)
    assert ds.attrs["discount_column"] == "discount_code"
    assert 0 < ds.set_index("kind").loc["Discount code", "revenue_share"] < 0.5
    ca = P.channel_acquisition(shop_tx)
    assert ca["new_customers"].sum() == shop_tx["customer_id"].nunique()
    assert P.describe_channel_acquisition(ca, "channel")

    specs = [
        charts.weekday_hour_heatmap(wh),
        charts.weekday_month_heatmap(P.weekday_month(shop_tx)),
        charts.seasonality_chart(ms),
        charts.reorder_histogram_chart(P.reorder_summary(shop_tx).histogram),
        charts.top_items_chart(top, "product"),
        charts.pair_matrix_chart(P.strongest_pairs(rules)),
        charts.order_value_chart(P.order_value_summary(shop_tx).histogram),
        charts.spend_chart(P.spend_per_customer(shop_tx, "channel"), "channel"),
        charts.price_band_chart(P.price_bands(shop_tx, "category"), "category"),
        charts.channel_retention_chart(ca, "channel"),
    ]
    for chart in specs:
        spec = chart.to_dict()
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


def test_pair_matrix_is_symmetric():
    rules = P.association_rules(TX, "product", min_support=0.3, min_orders=2)
    spec = charts.pair_matrix_chart(P.strongest_pairs(rules)).to_dict()
    data = next(iter(spec["datasets"].values()))
    cells = {(d["row"], d["col"]): d["lift"] for d in data}
    assert cells[("butter", "milk")] == cells[("milk", "butter")] == pytest.approx(4 / 3)
    assert len(cells) == 6


@pytest.mark.slow
def test_rules_on_the_full_online_retail_file_within_10_seconds():
    import time
    from pathlib import Path

    from analysis import ingest

    path = Path(__file__).resolve().parents[1] / "sample_data" / "online_retail.csv.gz"
    tx = ingest.prepare_transactions(ingest.read_table(path, filename=path.name)).data
    start = time.perf_counter()
    rules = P.association_rules(tx, "product")
    assert time.perf_counter() - start < 10
    assert rules.attrs["orders"] > 18_000 and rules.attrs["items"] > 3_500
    assert 20 <= len(rules) <= 200
    top = rules.iloc[0]
    assert "REGENCY" in top["antecedent"] and top["lift"] > 10
