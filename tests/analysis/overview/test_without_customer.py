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


# --- the period of the overview's picker (hand-computed) -----------------------------------------


def _till_sales() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": ["g1", "g2", "g2", "g3", "g4", "g5"],
            "order_date": pd.to_datetime(
                [
                    "2024-01-31 23:30",  # the evening before the period
                    "2024-02-01 00:00",  # the period's first day: in
                    "2024-02-01 09:00",
                    "2024-02-15 12:00",  # a refund: a refund order
                    "2024-02-29 18:00",  # the period's last day: in
                    "2024-03-01 00:00",  # the period's end day: out
                ]
            ),
            "amount": [10.0, 5.0, 7.0, -4.0, 20.0, 100.0],
        }
    )


def test_sales_without_customer_of_a_period() -> None:
    from analysis.overview import sales_without_customer

    feb = sales_without_customer(_till_sales(), start="2024-02-01", end="2024-03-01")
    # g2 (5 + 7) and g4 (20) are purchase orders, g3 (-4) a refund order: 5 + 7 - 4 + 20 = 28
    assert (feb.lines, feb.orders, feb.refund_orders, feb.later_lines) == (4, 2, 1, 0)
    assert feb.net_revenue == pytest.approx(28.0)
    assert (feb.first_date, feb.last_date) == (
        pd.Timestamp("2024-02-01"),
        pd.Timestamp("2024-02-29"),
    )
    assert feb.as_of == pd.Timestamp("2024-03-01")
    # as_of inside the period: g4 is a later line; g1 and g5, outside the period, are not
    early = sales_without_customer(
        _till_sales(), as_of="2024-02-20", start=pd.Timestamp("2024-02-01"), end="2024-03-01"
    )
    assert (early.lines, early.orders, early.refund_orders, early.later_lines) == (3, 1, 1, 1)
    assert early.net_revenue == pytest.approx(8.0)  # 5 + 7 - 4
    # open sides
    before = sales_without_customer(_till_sales(), end="2024-02-01")
    assert (before.lines, before.orders, before.net_revenue) == (1, 1, 10.0)
    after = sales_without_customer(_till_sales(), start="2024-03-01")
    assert (after.lines, after.orders, after.net_revenue) == (1, 1, 100.0)
    everything = sales_without_customer(_till_sales())
    assert (everything.lines, everything.orders, everything.refund_orders) == (6, 4, 1)
    assert everything.net_revenue == pytest.approx(138.0)
    # a period without any sale
    none = sales_without_customer(_till_sales(), start="2025-01-01", end="2025-02-01")
    assert (none.lines, none.orders, none.net_revenue, none.first_date, none.as_of) == (
        0,
        0,
        0.0,
        None,
        None,
    )


def test_a_file_that_names_no_customer_has_totals_and_says_what_is_missing() -> None:
    from analysis.overview import sales_without_customer, totals_with_sales_without_customer

    feb = sales_without_customer(_till_sales(), start="2024-02-01", end="2024-03-01")
    figures, said = totals_with_sales_without_customer(None, feb)
    assert figures["total_net_revenue"] == pytest.approx(28.0)
    assert figures["total_orders"] == 2
    assert figures["without_customer_share"] == pytest.approx(1.0)
    assert said == [
        "Total net revenue is 28.00 in 2 orders and 1 refund, all of it (100%) from sales "
        "without a customer (4 lines of your file, none naming a customer).",
        "The customer figures (customers, repeat rate, segments, lifetime value) need a file "
        "that names the customer, such as an e-mail address or a customer number.",
    ]
    early = sales_without_customer(_till_sales(), as_of="2024-02-02", start="2024-02-01")
    figures, said = totals_with_sales_without_customer(None, early)
    assert said[0].startswith("Total net revenue is 12.00 in 1 order, all of it (100%)")
    assert said[1] == "3 lines are dated after the period shown and not counted."
    # no sale in the period: no total sentence, no nan, no division by zero
    empty = sales_without_customer(_till_sales(), start="2025-01-01")
    figures, said = totals_with_sales_without_customer(None, empty)
    assert figures["total_net_revenue"] == 0.0 and figures["total_orders"] == 0
    assert len(said) == 1 and said[0].startswith("The customer figures")


def test_sumup_till_report_totals_match_the_fixture_readme() -> None:
    from analysis.ingest import prepare_transactions, read_table
    from analysis.overview import sales_without_customer, totals_with_sales_without_customer
    from tests.paths import DATA

    p = prepare_transactions(read_table(DATA / "exports" / "sumup_sales.csv"))
    assert len(p.data) == 0  # the file names no customer
    anon = sales_without_customer(p.anonymous)
    # README: 48.70 CHF over 6 transactions, all 8 rows; one transaction is the refund of
    # TEGUCXAGDH (-5.50), a refund order, so 5 purchase orders
    assert (anon.lines, anon.orders, anon.refund_orders) == (8, 5, 1)
    assert anon.net_revenue == pytest.approx(48.70)
    assert (anon.first_date, anon.last_date) == (
        pd.Timestamp("2024-03-05"),
        pd.Timestamp("2024-03-07"),
    )
    figures, said = totals_with_sales_without_customer(None, anon)
    assert figures["total_net_revenue"] == pytest.approx(48.70) and figures["total_orders"] == 5
    assert "5 orders and 1 refund, all of it (100%)" in said[0]
