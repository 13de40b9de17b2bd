"""AppTest of what makes pages instant: shared order tables, deferred downloads, cached charts."""

import io

import pandas as pd
import pytest
import streamlit as st

import ui.cache
import ui.components
from analysis import orders, overview
from tests.apptest_utils import run_page, texts

REJECTS = (
    b"Customer,Order date,Amount\n"
    + b"".join(b"c%d,2024-01-%02d,%d.50\n" % (i, 1 + i % 28, i) for i in range(60))
    # 40 rows whose amount cannot be read: set aside (a row without a customer would be kept
    # as a sale without a customer instead).
    + b"".join(b"d%d,2024-02-%02d,n/a\n" % (i, 1 + i % 28) for i in range(40))
)


@pytest.fixture
def cold(monkeypatch):
    """Empty caches, and a count of the order tables really built."""
    st.cache_data.clear()
    ui.cache.clear_shared()
    built = []
    original = ui.cache._build_order_table

    def counting(tx, as_of=None):
        built.append(len(tx))
        return original(tx, as_of)

    monkeypatch.setattr(ui.cache, "_build_order_table", counting)
    yield built
    st.cache_data.clear()
    ui.cache.clear_shared()


@pytest.mark.slow
def test_patterns_visit_builds_the_order_table_once_per_as_of(cold):
    at = run_page("app_pages/patterns.py")
    assert not at.exception
    # Before the memo a visit built it 21 times (once per analysis); now once per as-of date
    # (the end of the data, and the cut-offs some analyses look back from).
    assert 1 <= len(cold) <= 3, len(cold)
    at.run()
    assert not at.exception
    assert len(cold) <= 3  # a rerun builds nothing


def test_shared_order_table_gives_the_same_results(cold):
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "b", "a"],
            "order_id": ["1", "1", "2", "3", "4", "5"],
            "order_date": pd.to_datetime(
                ["2024-01-01", "2024-01-01", "2024-01-03", "2024-02-01", "2024-03-01", "2024-03-02"]
            ),
            "amount": [10.0, 5.0, 7.5, 20.0, -7.5, 12.0],
        }
    )
    direct = overview.scorecard(tx)
    with ui.cache.shared_order_tables("test-key", tx):
        first = orders.order_table(tx)
        again = orders.order_table(tx, first.as_of)
        shared = overview.scorecard(tx)
    assert again is first  # built once, reused
    assert shared == direct
    assert orders.order_table(tx).net.sum() == pytest.approx(first.net.sum())


def test_downloads_are_built_only_when_clicked(monkeypatch, downloads):
    made = []
    real_csv = ui.components.to_csv_bytes

    def counting_csv(df, **kwargs):
        made.append(len(df))
        return real_csv(df, **kwargs)

    monkeypatch.setattr(ui.components, "to_csv_bytes", counting_csv)
    at = run_page("app_pages/data.py", upload=("rejects.csv", REJECTS, "text/csv"))
    assert not at.exception
    assert "Rows set aside" in texts(at)
    at.run()  # a rerun, as after any click
    assert not at.exception
    names = {"rows_set_aside_transactions.csv", "rows_set_aside_transactions.xlsx"}
    assert names <= downloads.deferred
    assert made == []  # nothing exported while the page ran, twice
    rejected = pd.read_csv(
        io.BytesIO(downloads["rows_set_aside_transactions.csv"]), encoding="utf-8-sig"
    )
    assert made == [40]  # made on "click", from the full table
    assert len(rejected) == 40
    assert downloads["rows_set_aside_transactions.xlsx"].startswith(b"PK")


def test_chart_specs_and_derived_results_are_cached_by_content():
    calls = []

    def bars(df):
        import altair as alt

        calls.append(1)
        return alt.Chart(df).mark_bar().encode(x="a", y="b")

    one = pd.DataFrame({"a": ["x", "y"], "b": [1, 2]})
    first = ui.cache.chart_spec(bars, one)
    assert ui.cache.chart_spec(bars, one.copy()) is first  # equal content: not built again
    assert len(calls) == 1
    other = ui.cache.chart_spec(bars, one.assign(b=[1, 3]))
    assert other is not first and len(calls) == 2
    assert first["datasets"]  # the data travels with the spec (as Arrow)

    def total(df, *, column):
        calls.append(2)
        return float(df[column].sum())

    assert ui.cache.derived(total, one, column="b") == 3.0
    assert ui.cache.derived(total, one.copy(), column="b") == 3.0
    assert calls.count(2) == 1


def test_settings_left_at_their_defaults_share_the_result_of_the_same_settings_written_out(
    monkeypatch,
):
    # The profile page asks for clv.value_report at its default model, the value page for
    # model="bgnbd" written out: one fit, not two.
    from types import SimpleNamespace

    from analysis import rfm

    st.cache_data.clear()
    ran = []
    resolve = ui.cache._resolve

    def counting(name):
        func = resolve(name)

        def run(*args, **kwargs):
            ran.append(kwargs)
            return func(*args, **kwargs)

        return run

    monkeypatch.setattr(ui.cache, "_resolve", counting)
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b", "a"],
            "order_id": ["1", "2", "3"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-02-01"]),
            "amount": [10.0, 5.0, 7.5],
        }
    )
    ds = SimpleNamespace(key="test-defaults", tx=tx, responses=None)
    first = ui.cache.compute(rfm.rfm_table, ds)
    again = ui.cache.compute(rfm.rfm_table, ds, bins=5, as_of=None)
    assert len(ran) == 1  # computed once
    assert ran[0] == {"as_of": None, "bins": 5, "rules": None}  # the defaults written out
    pd.testing.assert_frame_equal(first, again)
    ui.cache.compute(rfm.rfm_table, ds, bins=3)
    assert len(ran) == 2  # other settings: their own result
    st.cache_data.clear()


def test_chart_spec_is_the_validated_spec_built_without_validating(monkeypatch):
    # ui.cache skips Altair's JSON-schema validation (most of the cost of a first chart): at
    # to_dict, and the debug-mode checks while the chart is built. The spec is the one Streamlit
    # makes with validation (data included, keys in the same order), and validation never ran:
    # for a plain chart and for a faceted layer of an app builder.
    import altair as alt
    from altair.utils import schemapi
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

    from analysis.charts import rfm as charts_rfm

    def bars(df):  # sized in the constructor, as the builders do (.properties() checks values)
        return alt.Chart(df, width=90).mark_bar().encode(x="a:N", y=alt.Y("b:Q", title="B"))

    df = pd.DataFrame({"a": ["x", "y", "z"], "b": [1.5, 2.0, 3.25]})
    summary = pd.DataFrame(
        {
            "segment": ["Champions", "At Risk", "Hibernating"],
            "customers": [10, 25, 40],
            "customer_share": [10 / 75, 25 / 75, 40 / 75],
            "revenue": [900.0, 450.5, 120.25],
            "revenue_share": [900 / 1470.75, 450.5 / 1470.75, 120.25 / 1470.75],
        }
    )
    builders = [(bars, (df,)), (charts_rfm.segment_bars, (summary,))]
    assert schemapi.DEBUG_MODE  # Altair's default: checks every object as it is made
    validated = [_convert_altair_to_vega_lite_spec(build(*args)) for build, args in builders]
    checks = []
    real = schemapi.validate_jsonschema
    monkeypatch.setattr(
        schemapi, "validate_jsonschema", lambda *a, **k: checks.append(1) or real(*a, **k)
    )
    specs = [ui.cache._build_spec(build, args, {}) for build, args in builders]
    assert checks == []
    assert schemapi.DEBUG_MODE  # switched back on afterwards
    for spec, expected in zip(specs, validated, strict=True):
        assert spec == expected and list(spec) == list(expected)
        assert spec["datasets"]  # the data, as Arrow bytes, named by their content
    assert "facet" in specs[1] and "layer" in specs[1]["spec"]
