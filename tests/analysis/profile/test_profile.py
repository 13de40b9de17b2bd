"""Customer profile: one customer's figures, orders, purchases, survey and model cards."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import profile as PR
from analysis.charts import patterns as charts
from tests.analysis.profile._data import TX
from tests.paths import SAMPLE_DATA


def test_profile_charts():
    p = PR.customer_profile(TX, "A")
    spec = charts.order_timeline_chart(p.history).to_dict()
    data = next(iter(spec["datasets"].values()))
    assert [d["kind"] for d in data] == ["purchase", "purchase", "refund", "purchase"]
    assert charts.customer_items_chart(p.items, "product").to_dict()["mark"]["type"] == "bar"


def test_profile_on_the_cafe_example_is_fast_and_consistent():
    from time import perf_counter

    from analysis import ingest
    from tests.timing import best_of, plain_groupby

    path = SAMPLE_DATA / "cafe_sales.xlsx"
    tx = ingest.prepare_transactions(ingest.read_table(path, filename=path.name)).data
    baseline = best_of(plain_groupby(tx), repeat=5)
    listing = PR.customer_list(tx)
    assert listing["net_revenue"].sum() == pytest.approx(tx["amount"].sum())
    start = perf_counter()
    for cid in listing["customer_id"].head(5):
        p = PR.customer_profile(tx, cid)
        assert p.net_revenue == pytest.approx(
            listing.set_index("customer_id").loc[cid, "net_revenue"]
        )
        assert np.isclose(p.history["net_value"].sum(), p.net_revenue)
    # About 16 plain pandas order tables of the cafe's lines; generous for a loaded machine.
    assert perf_counter() - start < 150 * baseline
