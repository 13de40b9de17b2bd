"""ui.cache: each session keeps the results it used, when the shared cache has dropped them."""

import streamlit as st
from streamlit.testing.v1 import AppTest

import ui.cache


def _script():
    from types import SimpleNamespace

    import pandas as pd
    import streamlit as st

    import ui.cache
    from analysis import rfm

    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b", "a"],
            "order_id": ["1", "2", "3"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-02-01"]),
            "amount": [10.0, 5.0, 7.5],
        }
    )
    ds = SimpleNamespace(key="session-results-test", tx=tx, responses=None)
    table = ui.cache.compute(rfm.rfm_table, ds)
    table["changed_by_the_page"] = 1  # a page changing its copy changes only its copy
    again = ui.cache.compute(rfm.rfm_table, ds)
    st.write(f"changed column seen again: {'changed_by_the_page' in again.columns}")


def test_a_session_keeps_its_results_when_the_shared_cache_drops_them(monkeypatch):
    ran = []
    resolve = ui.cache._resolve

    def counting(name):
        func = resolve(name)

        def run(*args, **kwargs):
            ran.append(name)
            return func(*args, **kwargs)

        return run

    monkeypatch.setattr(ui.cache, "_resolve", counting)
    st.cache_data.clear()
    ui.cache.clear_shared()
    visitor = AppTest.from_function(_script).run()
    assert visitor.markdown[0].value == "changed column seen again: False"
    assert len(ran) == 1

    st.cache_data.clear()  # the shared cache drops it (time-to-live, or other visitors' results)
    visitor.run()
    assert not visitor.exception
    assert len(ran) == 1  # this session still has it: no second fit
    assert visitor.markdown[0].value == "changed column seen again: False"

    other = AppTest.from_function(_script).run()  # another session has nothing of its own
    assert not other.exception
    assert len(ran) == 2

    st.cache_data.clear()
    ui.cache.clear_shared()  # tests and benchmarks forget every session's results too
    visitor.run()
    assert len(ran) == 3
    st.cache_data.clear()
