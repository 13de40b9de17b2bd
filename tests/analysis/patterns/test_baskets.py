"""Purchase patterns, together: baskets and hand-computed association rules."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import patterns as P
from analysis.charts import patterns as charts
from tests.analysis.patterns.examples import TX, make_tx
from tests.paths import SAMPLE_DATA


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


def test_pair_matrix_is_symmetric():
    rules = P.association_rules(TX, "product", min_support=0.3, min_orders=2)
    spec = charts.pair_matrix_chart(P.strongest_pairs(rules)).to_dict()
    data = next(iter(spec["datasets"].values()))
    cells = {(d["row"], d["col"]): d["lift"] for d in data}
    assert cells[("butter", "milk")] == cells[("milk", "butter")] == pytest.approx(4 / 3)
    assert len(cells) == 6


@pytest.mark.slow
def test_rules_on_the_full_online_retail_file_in_a_few_plain_groupbys():
    import time

    from analysis import ingest
    from tests.timing import best_of, plain_groupby

    path = SAMPLE_DATA / "online_retail.csv.gz"
    tx = ingest.prepare_transactions(ingest.read_table(path, filename=path.name)).data
    baseline = best_of(plain_groupby(tx))
    start = time.perf_counter()
    rules = P.association_rules(tx, "product")
    # About 4 plain pandas order tables of the same lines; generous for a loaded machine.
    assert time.perf_counter() - start < 40 * baseline
    assert rules.attrs["orders"] > 18_000 and rules.attrs["items"] > 3_500
    assert 20 <= len(rules) <= 200
    top = rules.iloc[0]
    assert "REGENCY" in top["antecedent"] and top["lift"] > 10
