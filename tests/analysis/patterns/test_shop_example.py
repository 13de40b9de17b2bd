"""Purchase patterns on the example online shop, end to end: sentences and charts."""

from __future__ import annotations

import pytest

from analysis import patterns as P
from analysis.charts import patterns as charts


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
