"""Purchase patterns: hand-computed item-to-item recommendations (analysis.patterns.recommendations)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis import patterns as P
from tests.analysis.patterns.examples import make_tx

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
