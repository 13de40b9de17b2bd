import numpy as np
import pandas as pd
import pytest

from analysis.orders import (
    NET_DECIMALS,
    day_numbers,
    order_table,
    orders_frame,
    resolve_as_of,
    round_money,
)


def make_tx(rows):
    return pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "amount"]).assign(
        order_date=lambda d: pd.to_datetime(d["order_date"])
    )


TX = make_tx(
    [
        ("A", "1", "2024-01-01 10:00", 10.0),
        ("A", "1", "2024-01-01 10:05", 5.0),
        ("A", "2", "2024-01-03 09:00", -20.0),  # refund order
        ("B", "1", "2024-01-02 23:59", 0.0),  # free order, same id as A's order 1
        ("B", "3", "2024-01-05 08:00", 7.5),
    ]
)


def test_resolve_as_of_default_is_day_after_last_date():
    assert resolve_as_of(TX) == pd.Timestamp("2024-01-06")


def test_resolve_as_of_drops_time():
    assert resolve_as_of(TX, "2024-01-03 17:30") == pd.Timestamp("2024-01-03")


def test_resolve_as_of_empty_raises():
    with pytest.raises(ValueError, match="no dated"):
        resolve_as_of(TX.iloc[:0])


def test_day_numbers_drop_time():
    assert list(day_numbers(TX["order_date"][:2])) == [19723, 19723]


def test_orders_frame_hand_computed():
    of = orders_frame(TX)
    assert list(of["customer_id"]) == ["A", "A", "B", "B"]
    assert list(of["order_id"]) == ["1", "2", "1", "3"]
    assert list(of["net_value"]) == [15.0, -20.0, 0.0, 7.5]
    assert list(of["is_purchase"]) == [True, False, True, True]
    assert list(of["order_date"]) == list(
        pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02", "2024-01-05"])
    )


def test_as_of_excludes_lines_on_and_after():
    ot = order_table(TX, as_of="2024-01-03")
    assert sorted(ot.net.tolist()) == [0.0, 15.0]
    assert ot.n_customers == 2
    np.testing.assert_allclose(ot.customer_net(), [15.0, 0.0])


def test_order_date_is_earliest_line():
    tx = make_tx([("A", "9", "2024-02-02", 1.0), ("A", "9", "2024-02-01", 1.0)])
    of = orders_frame(tx)
    assert of["order_date"].iloc[0] == pd.Timestamp("2024-02-01")
    assert of["net_value"].iloc[0] == 2.0


def test_exactly_cancelling_lines_make_a_free_order_not_a_refund():
    tx = make_tx(
        [
            ("A", "1", "2024-01-01", 10.1),
            ("A", "1", "2024-01-01", -10.0),
            ("A", "1", "2024-01-01", -0.1),
        ]
    )
    of = orders_frame(tx)
    assert of["net_value"].iloc[0] == 0.0
    assert bool(of["is_purchase"].iloc[0])


def test_interleaved_and_shared_order_ids():
    # Lines of one order not adjacent, and the same order id used by two customers.
    tx = make_tx(
        [
            ("A", "1", "2024-01-01", 1.0),
            ("B", "1", "2024-01-02", 2.0),
            ("A", "2", "2024-01-03", 3.0),
            ("A", "1", "2024-01-01", 4.0),
            ("B", "1", "2024-01-02", 5.0),
        ]
    )
    of = orders_frame(tx)
    assert of[["customer_id", "order_id", "net_value"]].values.tolist() == [
        ["A", "1", 5.0],
        ["A", "2", 3.0],
        ["B", "1", 7.0],
    ]


def test_runs_of_sorted_order_ids_match_hashing():
    rng = np.random.default_rng(0)
    n = 2000
    order = np.sort(rng.integers(0, 500, n))
    tx = pd.DataFrame(
        {
            "customer_id": pd.Series([f"C{o % 97}" for o in order], dtype="str"),
            "order_id": pd.Series([f"O{o:05d}" for o in order], dtype="str"),
            "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(order % 50, unit="D"),
            "amount": rng.normal(10, 5, n).round(2),
        }
    )
    fast = orders_frame(tx)
    shuffled = orders_frame(tx.sample(frac=1, random_state=1))
    pd.testing.assert_frame_equal(fast, shuffled)
    expected = tx.groupby(["customer_id", "order_id"])["amount"].sum().round(8)
    got = fast.set_index(["customer_id", "order_id"])["net_value"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)


def test_round_money_is_the_one_rule_and_has_no_negative_zero():
    assert NET_DECIMALS == 8
    values = np.array([0.3 - 0.1 - 0.2, -(0.3 - 0.1 - 0.2), 1.234567891, -1e-9, 6e-9])
    out = round_money(values)
    assert (0.3 - 0.1 - 0.2) != 0.0  # the float sum is not 0 ...
    assert out.tolist() == [0.0, 0.0, 1.23456789, 0.0, 1e-8]  # ... the rounded net is
    assert not np.signbit(out[:4]).any()


def test_lines_cancelling_to_a_tiny_negative_float_make_a_free_order():
    tx = make_tx(
        [
            ("A", "1", "2024-01-01", 0.3),
            ("A", "1", "2024-01-01", -0.1),
            ("A", "1", "2024-01-01", -0.2),
        ]
    )
    assert tx["amount"].sum() < 0  # -2.8e-17 when added in this order
    of = orders_frame(tx)
    assert of["net_value"].tolist() == [0.0] and of["is_purchase"].tolist() == [True]


def test_order_table_does_not_depend_on_row_order():
    rng = np.random.default_rng(3)
    n = 3000
    order = rng.integers(0, 600, n)
    tx = pd.DataFrame(
        {
            "customer_id": pd.Series([f"C{o % 113}" for o in order], dtype="str"),
            "order_id": pd.Series([f"O{o:05d}" for o in order], dtype="str"),
            "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(order % 70, unit="D"),
            # tenths that often cancel within an order (0.3 - 0.1 - 0.2 and the like)
            "amount": rng.integers(-3, 4, n) / 10,
        }
    )
    base = orders_frame(tx)
    assert (base["net_value"] == 0).sum() > 10  # cancelling orders are really there
    for seed in range(3):
        shuffled = tx.sample(frac=1, random_state=seed)
        pd.testing.assert_frame_equal(orders_frame(shuffled), base)
        ot, ot2 = order_table(tx), order_table(shuffled)
        net = pd.Series(ot.customer_net(), index=ot.customers).sort_index()
        net2 = pd.Series(ot2.customer_net(), index=ot2.customers).sort_index()
        pd.testing.assert_series_equal(net, net2)
