"""The shared-tables hook of analysis.core.orders: a context-local provider, no patching."""

import threading

import pandas as pd

import analysis.orders
from analysis.core import orders

TX = pd.DataFrame(
    {
        "customer_id": ["a", "a", "b", "c"],
        "order_id": ["1", "1", "2", "3"],
        "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-03", "2024-02-01"]),
        "amount": [10.0, 5.0, 7.5, -2.0],
    }
)


def test_provider_answers_inside_the_block_only():
    asked = []

    def provider(tx, as_of=None):
        asked.append(as_of)
        return orders.build_order_table(tx, as_of)

    before = orders.order_table(TX)
    with orders.order_table_provider(provider):
        inside = orders.order_table(TX, "2024-01-02")
        again = analysis.orders.order_table(TX)  # the stable name asks the same provider
    after = orders.order_table(TX)
    assert asked == ["2024-01-02", None]
    assert len(inside.net) == 1 and list(inside.net) == [15.0]
    assert list(again.net) == list(before.net) == list(after.net) == [15.0, 7.5, -2.0]
    # No module attribute is replaced.
    assert analysis.orders.order_table is orders.order_table


def test_provider_is_local_to_its_thread():
    seen = []

    def provider(tx, as_of=None):
        seen.append(threading.current_thread().name)
        return orders.build_order_table(tx, as_of)

    def elsewhere():
        orders.order_table(TX)

    with orders.order_table_provider(provider):
        worker = threading.Thread(target=elsewhere, name="worker")
        worker.start()
        worker.join()
        orders.order_table(TX)
    assert seen == [threading.current_thread().name]


def test_tables_built_are_counted():
    kept = {}

    def keep(tx, as_of=None):
        if as_of not in kept:
            kept[as_of] = orders.build_order_table(tx, as_of)
        return kept[as_of]

    start = orders.order_tables_built()
    orders.order_table(TX)
    with orders.order_table_provider(keep):
        first = orders.order_table(TX)
        assert orders.order_table(TX) is first
    assert orders.order_tables_built() - start == 2
