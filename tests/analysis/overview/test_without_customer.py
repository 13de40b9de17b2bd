import pandas as pd
import pytest

from analysis.overview import (
    scorecard,
)
from tests.analysis.overview._data import make_tx

# --- sales without a customer (guest checkouts, till sales) --------------------------------------


def test_sales_without_customer_count_in_the_totals_only() -> None:
    from analysis.ingest import prepare_transactions, read_table
    from analysis.overview import sales_without_customer, totals_with_sales_without_customer

    text = (
        "customer,order,date,amount\n"
        "A,1,2024-01-01,10\n"
        "A,2,2024-01-05,30\n"
        "B,3,2024-01-06,20\n"
        ",4,2024-01-02,5\n"  # a guest order of two lines: 5 + 7
        ",4,2024-01-02,7\n"
        "Walk-in,,2024-01-03,8\n"  # a till sale without order number: its own order
        ",5,2024-01-04,-3\n"  # a refund without a customer: a refund order
        ",6,2024-02-01,100\n"  # after the as-of date used below
    )
    p = prepare_transactions(read_table(text.encode(), filename="shop.csv"))
    card = scorecard(p.data)  # customers' figures are those of A and B alone
    assert (card.customers, card.orders, card.net_revenue) == (2, 3, 60.0)
    anon = sales_without_customer(p.anonymous, as_of="2024-01-07")
    assert (anon.lines, anon.orders, anon.refund_orders) == (4, 2, 1)
    assert anon.net_revenue == pytest.approx(17.0) and anon.later_lines == 1
    figures, said = totals_with_sales_without_customer(card, anon)
    assert figures["total_net_revenue"] == pytest.approx(77.0)  # 60 + 5 + 7 + 8 - 3
    assert figures["total_orders"] == 5  # 3 + guest order 4 + the walk-in sale
    assert figures["without_customer_share"] == pytest.approx(17 / 77)
    assert said[0].startswith(
        "Total net revenue is 77.00 in 5 orders, of which 17.00 (22%) in 2 orders without a "
        "customer"
    )
    assert said[1] == ("1 line without a customer is dated after the period shown and not counted.")
    # everything, when no as-of date is given
    assert sales_without_customer(p.anonymous).net_revenue == pytest.approx(117.0)


def test_no_sales_without_customer_says_nothing() -> None:
    from analysis.overview import sales_without_customer, totals_with_sales_without_customer

    card = scorecard(make_tx([["A", "1", "2024-01-01", 10.0, "UK"]]))
    for empty in (None, pd.DataFrame()):
        anon = sales_without_customer(empty)
        assert (anon.lines, anon.orders, anon.net_revenue) == (0, 0, 0.0)
        figures, said = totals_with_sales_without_customer(card, anon)
        assert said == [] and figures["total_net_revenue"] == 10.0
        assert figures["without_customer_share"] == 0.0
