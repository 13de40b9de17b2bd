"""Market-basket rules: ``analysis.patterns.association_rules`` against pandas and DuckDB.

Ours builds a sparse order x product 0/1 matrix and counts pairs with ``X.T @ X`` restricted to
products that can reach the minimum support. The baselines count pairs the usual way, with a
self-join of the order lines on the order id (pandas ``merge``, DuckDB SQL), on the same
definitions (purchase orders only: net value >= 0; lines with a non-negative amount; one
product counted once per order), then turn the pair counts into support, confidence and lift.
They are given the minimum pair count ours chose, so they do the same work minus the choice
(ours counts every pair seen in ``min_orders`` = 5 orders or more to make that choice; ``main``
also times pandas on that).

The synthetic data (``benchmarks/synth.py``) has categories, not products, so ``cases`` adds a
``product`` column first (untimed): 4,000 products with a Zipf-like popularity, drawn per line.

``python benchmarks/bench_patterns.py`` times the rules (and the recommendations) on the full
UCI Online Retail example file, read through ``analysis.ingest`` like the app does, and checks
that the rules finish within 10 seconds.

``python benchmarks/bench_patterns.py --pathological`` times the rules and the recommendations
on shapes that used to make them quadratic (issue #11: 50,000 distinct products kept Purchase
patterns busy for minutes), each against the normal synthetic table of the same size in the
same run: every line its own product, each product on two lines (so each takes part in
recommendations), and a few orders holding the whole catalogue. It checks each stays within
3 times the normal table's time plus one second.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analysis.patterns import association_rules, recommendations  # noqa: E402

N_PRODUCTS = 4_000
RETAIL_LIMIT_SECONDS = 10.0


def with_products(tx: pd.DataFrame, *, n_products: int = N_PRODUCTS, seed: int = 1) -> pd.DataFrame:
    """``tx`` with a ``product`` column: Zipf-like popularity (weight 1 / rank)."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, n_products + 1)
    codes = rng.choice(n_products, size=len(tx), p=weights / weights.sum())
    names = np.char.add("P", np.char.zfill(np.arange(n_products).astype(str), 4))
    return tx.assign(product=pd.Series(names[codes], dtype="str"))


def _purchase_lines(tx: pd.DataFrame) -> pd.DataFrame:
    lines = tx[["customer_id", "order_id", "order_date", "amount", "product"]]
    net = lines.groupby(["customer_id", "order_id"], sort=False)["amount"].transform("sum")
    lines = lines[(net >= 0) & (lines["amount"] >= 0)]
    return lines.drop_duplicates(["customer_id", "order_id", "product"])[
        ["customer_id", "order_id", "product"]
    ]


def _rules_from_counts(pairs: pd.DataFrame, counts: pd.Series, n: int) -> pd.DataFrame:
    pairs = pairs.assign(
        support=pairs["orders"] / n,
        confidence=pairs["orders"] / counts.reindex(pairs["antecedent"]).to_numpy(),
    )
    pairs["lift"] = pairs["confidence"] / (counts.reindex(pairs["consequent"]).to_numpy() / n)
    return pairs.sort_values(["lift", "support"], ascending=False, ignore_index=True)


def pandas_self_merge(tx: pd.DataFrame, min_orders: int) -> pd.DataFrame:
    """Pair counts by merging the order lines with themselves (the common pandas recipe)."""
    lines = _purchase_lines(tx)
    n = lines[["customer_id", "order_id"]].drop_duplicates().shape[0]
    counts = lines.groupby("product").size()
    frequent = counts[counts >= min_orders].index
    lines = lines[lines["product"].isin(frequent)]
    merged = lines.merge(lines, on=["customer_id", "order_id"])
    merged = merged[merged["product_x"] != merged["product_y"]]
    pairs = merged.groupby(["product_x", "product_y"]).size().rename("orders").reset_index()
    pairs = pairs[pairs["orders"] >= min_orders].rename(
        columns={"product_x": "antecedent", "product_y": "consequent"}
    )
    return _rules_from_counts(pairs, counts, n)


PAIRS_SQL = """
with orders as (
    select customer_id, order_id, sum(amount) as net from tx group by all
),
lines as (
    select distinct t.customer_id, t.order_id, t.product
    from tx t join orders o using (customer_id, order_id)
    where o.net >= 0 and t.amount >= 0
),
counts as (select product, count(*) as n from lines group by product),
frequent as (select l.* from lines l join counts c using (product) where c.n >= $min_orders)
select a.product as antecedent, b.product as consequent, count(*) as orders
from frequent a join frequent b
  on a.customer_id = b.customer_id and a.order_id = b.order_id and a.product <> b.product
group by all
having count(*) >= $min_orders
"""


def duckdb_self_join(con, min_orders: int) -> pd.DataFrame:
    """The same self-join in DuckDB SQL (the lines are registered as table ``tx``)."""
    pairs = con.execute(PAIRS_SQL, {"min_orders": min_orders}).df()
    counts = con.execute(
        "select product, count(*) as n from (select distinct t.customer_id, t.order_id, "
        "t.product from tx t join (select customer_id, order_id, sum(amount) as net from tx "
        "group by all) o using (customer_id, order_id) where o.net >= 0 and t.amount >= 0) "
        "group by product"
    ).df()
    n = con.execute(
        "select count(*) from (select customer_id, order_id from tx group by all having "
        "sum(amount) >= 0 and max(case when amount >= 0 then 1 else 0 end) = 1)"
    ).fetchone()[0]
    return _rules_from_counts(pairs, counts.set_index("product")["n"], n)


def cases(tx: pd.DataFrame) -> dict:
    import duckdb

    ptx = with_products(tx)
    floor = association_rules(ptx).attrs["min_orders"]
    con = duckdb.connect()
    con.register("tx", ptx[["customer_id", "order_id", "amount", "product"]])
    return {
        "patterns.association_rules": lambda: association_rules(ptx),
        "pandas self-merge pair counts": lambda: pandas_self_merge(ptx, floor),
        "duckdb self-join pair counts": lambda: duckdb_self_join(con, floor),
    }


def _key(rules: pd.DataFrame) -> pd.DataFrame:
    cols = ["antecedent", "consequent", "orders", "support", "confidence", "lift"]
    out = rules[cols].astype({"antecedent": "str", "consequent": "str", "orders": "int64"})
    return out.sort_values(["antecedent", "consequent"], ignore_index=True)


def check(tx: pd.DataFrame) -> None:
    """The same rules (pairs, counts, support, confidence, lift) from all three."""
    import duckdb

    ptx = with_products(tx)
    ours = association_rules(ptx)
    floor = ours.attrs["min_orders"]
    assert not ours.attrs["truncated"], "raise max_rules for the check"
    con = duckdb.connect()
    con.register("tx", ptx[["customer_id", "order_id", "amount", "product"]])
    for other in (pandas_self_merge(ptx, floor), duckdb_self_join(con, floor)):
        a, b = _key(ours), _key(other)
        assert a[["antecedent", "consequent", "orders"]].equals(
            b[["antecedent", "consequent", "orders"]]
        )
        # Pair counts must match exactly; the shares may differ in the 6th digit at 5M rows,
        # where a handful of orders whose lines cancel to within float rounding (1e-15) are
        # purchases for us (net rounded to 8 decimals, analysis.orders) but refunds for the
        # baselines' plain sums.
        np.testing.assert_allclose(
            a[["support", "confidence", "lift"]], b[["support", "confidence", "lift"]], rtol=1e-5
        )


def main() -> int:
    """Time the rules and the recommendations on the full UCI Online Retail example file."""
    from analysis import ingest

    path = ROOT / "sample_data" / "online_retail.csv.gz"
    start = time.perf_counter()
    tx = ingest.prepare_transactions(ingest.read_table(path, filename=path.name)).data
    print(f"read and prepared {len(tx):,} lines in {time.perf_counter() - start:.1f} s")
    timings = {}
    floor = association_rules(tx, "product").attrs["min_orders"]
    for label, fn in {
        "association_rules (products)": lambda: association_rules(tx, "product"),
        "pandas self-merge, chosen support": lambda: pandas_self_merge(tx, floor),
        "pandas self-merge, pairs of 5+ orders": lambda: pandas_self_merge(tx, 5),
        "recommendations (every customer, top 5)": lambda: recommendations(tx, "product"),
    }.items():
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            result = fn()
            best = min(best, time.perf_counter() - start)
        timings[label] = best
        print(f"{label:<42} {best:7.3f} s  ({len(result):,} rows)")
    rules = association_rules(tx, "product")
    print(
        f"{rules.attrs['orders']:,} purchase orders, {rules.attrs['items']:,} products, "
        f"minimum support {rules.attrs['min_support']:.2%} chosen: {len(rules)} rules"
    )
    ok = timings["association_rules (products)"] < RETAIL_LIMIT_SECONDS
    print("within 10 s:", "yes" if ok else "NO")
    return 0 if ok else 1


def pathological_shapes(n_rows: int = 50_000) -> dict[str, pd.DataFrame]:
    """The normal synthetic table with products, and three shapes of the same size."""
    from benchmarks.synth import synthetic_transactions

    tx = synthetic_transactions(n_rows)
    rng = np.random.default_rng(2)
    n = len(tx)
    names = np.char.add("P", np.char.zfill(np.arange(n).astype(str), 7))
    size = 4_000  # orders of the whole catalogue: every pair bought together in every order
    order = np.arange(n) // size
    catalogue = np.concatenate([rng.permutation(size) for _ in range(order[-1] + 1)])[:n]
    return {
        "normal (4,000 products)": with_products(tx),
        "every line its own product": tx.assign(product=pd.Series(names, dtype="str")),
        "each product on two lines": tx.assign(
            product=pd.Series(names[rng.permutation(n) // 2], dtype="str")
        ),
        "orders of the whole catalogue": tx.assign(
            order_id=pd.Series(np.char.add("W", order.astype(str)), dtype="str"),
            customer_id=pd.Series(np.char.add("C", (order % 10).astype(str)), dtype="str"),
            product=pd.Series(names[catalogue], dtype="str"),
        ),
    }


def pathological_main(n_rows: int = 50_000) -> int:
    """Time rules and recommendations per shape; ratios to the normal table in the same run."""
    fns = {
        "association_rules": lambda t: association_rules(t, "product"),
        "recommendations": lambda t: recommendations(t, "product"),
    }
    base: dict[str, float] = {}
    ok = True
    for shape, t in pathological_shapes(n_rows).items():
        for label, fn in fns.items():
            start = time.perf_counter()
            result = fn(t)
            seconds = time.perf_counter() - start
            base.setdefault(label, seconds)
            ratio = seconds / base[label]
            within = seconds <= 3 * base[label] + 1.0
            ok &= within
            capped = " (capped)" if result.attrs.get("capped") else ""
            print(
                f"{shape:<32} {label:<18} {seconds:7.3f} s  x{ratio:5.1f}  "
                f"{len(result):>7,} rows{capped}{'' if within else '  TOO SLOW'}"
            )
    print("every shape within 3x + 1 s of the normal table:", "yes" if ok else "NO")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(pathological_main() if "--pathological" in sys.argv else main())
