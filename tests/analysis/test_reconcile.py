"""Why counts differ between pages (analysis.reconcile), on a hand-made frame."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import clv, overview, rfm
from analysis import reconcile as R

# A: one purchase.  B: a refund only.  C: a purchase and a bigger refund on the same day (a
# purchase order, but the day nets to -10).  D: two purchases on two days.
TX = pd.DataFrame(
    [
        ("A", "1", "2024-01-01", 10.0),
        ("B", "2", "2024-01-01", -5.0),
        ("C", "3", "2024-01-02", 10.0),
        ("C", "4", "2024-01-02", -20.0),
        ("D", "5", "2024-01-03", 5.0),
        ("D", "6", "2024-01-04", 7.0),
    ],
    columns=["customer_id", "order_id", "order_date", "amount"],
).assign(order_date=lambda d: pd.to_datetime(d["order_date"]))


def test_counts_by_hand_and_as_each_page_counts():
    c = R.customer_counts(TX)
    assert (c.customers_with_a_line, c.customers_with_a_purchase) == (4, 3)
    assert c.customers_with_a_purchase_day == 2
    assert (c.orders, c.purchase_orders, c.refund_orders) == (6, 4, 2)
    assert (c.refund_only, c.no_purchase_day) == (1, 1)
    assert c.refund_only_revenue == -5.0
    # RFM's revenue = Overview's net revenue - the refund-only customers' (negative) revenue
    card, table = overview.scorecard(TX), rfm.rfm_table(TX)
    assert table["monetary"].sum() == pytest.approx(card.net_revenue - c.refund_only_revenue)
    # the same numbers as the pages' own functions
    assert overview.scorecard(TX).customers == c.customers_with_a_purchase
    assert overview.scorecard(TX).orders == c.purchase_orders
    assert len(rfm.rfm_table(TX)) == c.customers_with_a_purchase
    assert len(clv.clv_summary(TX)) == c.customers_with_a_purchase_day
    assert R.customer_counts(TX.iloc[:0]) == R.CustomerCounts(0, 0, 0, 0, 0)


def test_sentences():
    over = R.count_reconciliation(TX, page="overview")
    assert over == [
        "4 customers have at least one line; 3 of them have a purchase order (lines adding up "
        "to zero or more). The other 1 customer only has refund orders: they count in revenue "
        "(as refunds) and on 'Your data', but not as customers on Overview and RFM.",
        "So the RFM segments' revenue adds up to 5.00 more than the Overview's net revenue: "
        "the refunds of those customers.",
        "Orders: 6 in all on 'Your data', of which 4 are purchase orders (the Overview's count) "
        "and 2 refund orders.",
        "The value model counts 2: it adds up each customer's lines per calendar day, and 1 "
        "customer has a purchase order only on days where a refund on the same day outweighs "
        "it, so no day with a purchase.",
    ]
    assert R.count_reconciliation(TX, page="rfm") == [over[0], over[1], over[3]]
    euros = R.count_reconciliation(TX, page="overview", currency="EUR")
    assert euros[1].startswith("So the RFM segments' revenue adds up to €5.00 more than")
    assert euros[:1] + euros[2:] == over[:1] + over[2:]
    assert "adds up to \\$5.00 more" in R.count_reconciliation(TX, currency="USD")[1]
    value = R.count_reconciliation(TX, page="value", model_customers=1)
    assert value[:2] == [over[0], over[3]]
    assert value[2].startswith("1 more customer was left out of the value model for an")
    assert R.count_reconciliation(TX, page="data") == [over[0], over[2]]
    # nothing to say when every page counts the same
    assert R.count_reconciliation(TX[TX["customer_id"].isin(["A", "D"])]) == []
    with pytest.raises(ValueError):
        R.count_reconciliation(TX, page="nope")


def test_stopped_vs_segments_by_hand():
    ids = [f"c{i}" for i in range(6)]
    p_alive = pd.Series([0.2, 0.3, 0.9, 1.0, 1.0, 0.4], index=ids)
    segments = pd.Series(
        ["Hibernating", "At Risk", "Hibernating", "Hibernating", "Champions", "Champions"],
        index=ids,
    )
    frequency = pd.Series([1, 2, 3, 0, 5, 4], index=ids)
    text = R.stopped_vs_segments(p_alive, segments, frequency)
    assert text == (
        "Of the 3 customers the value model counts as probably stopped, RFM has 1 in "
        "Hibernating, 1 in At Risk and 1 in Champions. RFM puts 4 customers in Hibernating or At Risk (not bought "
        "for a long while); the value model counts 2 of them as probably stopped. 1 of the "
        "others bought on one day only, and the model reads a stop from a break in a "
        "customer's own rhythm of repeat purchases, which a one-day buyer does not have "
        "(BG/NBD never counts them as stopped); 1 bought on several days, and the model does "
        "not yet find their silence long compared with how often they bought."
    )
    none = R.stopped_vs_segments(p_alive.clip(lower=0.6), segments)
    assert none.startswith("The value model counts no customer as probably stopped. RFM puts 4")
    assert none.endswith("the value model counts 0 of them as probably stopped.")


def _upload() -> bytes:
    """40 customers buying on several days, one with refunds only, one whose only purchase is
    outweighed by a refund on the same day."""
    rows = ["Customer,Order,Date,Amount"]
    order = 0
    for c in range(40):
        for k in range(1 + c % 5):
            order += 1
            day = pd.Timestamp("2023-01-02") + pd.Timedelta(days=(c * 7 + k * (30 + c)) % 700)
            rows.append(f"c{c:02d},{order},{day:%Y-%m-%d},{10 + c % 7}.50")
    rows += [
        "refunder,9001,2023-05-02,-15.00",
        "sameday,9002,2023-06-01,10.00",
        "sameday,9003,2023-06-01,-25.00",
    ]
    return ("\n".join(rows) + "\n").encode()


@pytest.mark.slow
def test_pages_say_why_their_counts_differ():
    from tests.apptest_utils import run_page

    upload = ("counts.csv", _upload(), "text/csv")
    for page in (
        "app_pages/data.py",
        "app_pages/overview.py",
        "app_pages/rfm.py",
        "app_pages/value.py",
    ):
        at = run_page(page, upload=upload)
        assert not at.exception, page
        captions = " ".join(c.value for c in at.caption)
        assert "42 customers have at least one line; 41 of them have a purchase order" in (
            captions
        ), page
        if page == "app_pages/data.py":  # orders too; the value model is not its business
            assert "Orders: 123 in all on 'Your data', of which 121 are purchase" in captions
            continue
        assert "The value model counts 40:" in captions, page
        if page != "app_pages/overview.py":  # the value model and RFM in one sentence, both pages
            assert "the value model counts as probably stopped" in captions or (
                "The value model counts no customer as probably stopped." in captions
            ), page
