"""AppTest of the cohort retention page: example data, every control, a small upload."""

from __future__ import annotations

import pyarrow as pa

from tests.apptest_utils import run_page, texts

PAGE = "app_pages/cohorts.py"

# Jan: anna, ben (ben's February order is a refund: not active). Feb: carla. Ends 2024-04-10,
# so April is unfinished and May onwards cannot be observed.
UPLOAD = (
    b"Customer,Order,Order date,Amount,Channel\n"
    b"anna,1,2024-01-05,100.00,Web\n"
    b"ben,2,2024-01-20,50.00,Shop\n"
    b"ben,3,2024-02-03,-5.00,Shop\n"
    b"carla,4,2024-02-14,25.00,Web\n"
    b"ben,5,2024-03-01,30.00,Shop\n"
    b"carla,6,2024-03-09,20.00,Web\n"
    b"anna,7,2024-04-10,60.00,Web\n"
)


def metric(at, label_start):
    return next(m for m in at.metric if m.label.startswith(label_start)).value


def chart_rows(chart) -> list[dict]:
    """All rows of the data sets Streamlit sends with a chart (Arrow streams)."""
    rows = []
    for dataset in chart.proto.datasets:
        table = pa.ipc.open_stream(dataset.data.data).read_all()
        rows.extend(table.to_pylist())
    return rows


def heat_cells(at) -> dict:
    heat = at.get("vega_lite_chart")[0]
    assert "datum.partial" in heat.proto.spec  # partial cells get their own outlined layer
    return {(r["row"], r["period_number"]): r for r in chart_rows(heat) if "label" in r}


def test_cohort_page_default_example():
    at = run_page(PAGE)
    assert not at.exception
    text = texts(at)
    assert "What this says" in text
    assert "of new customers bought again in the month after" in text
    assert "The best cohort is" in text and "The worst cohort is" in text
    assert int(metric(at, "Customers in these cohorts").replace(",", "")) > 100
    assert metric(at, "Bought again 1 month later").endswith("%")
    assert len(at.get("vega_lite_chart")) == 2
    downloads = at.get("download_button")
    assert [d.proto.label for d in downloads] == ["Download (CSV)", "Download (Excel)"]
    assert any("How this works" in e.label for e in at.expander)


def test_cohort_page_small_upload_marks_partial_and_blank_cells():
    at = run_page(PAGE, upload=("shop.csv", UPLOAD, "text/csv"))
    assert not at.exception
    assert metric(at, "Customers in these cohorts") == "3"
    assert metric(at, "Cohorts") == "2"
    cells = heat_cells(at)
    assert cells[("2024-01", 1)]["label"] == "0%"  # ben's refund is not a return
    assert cells[("2024-01", 2)]["label"] == "50%"
    assert cells[("2024-01", 3)]["label"] == "50%*"  # April is not over
    assert cells[("2024-02", 2)]["partial"] is True
    assert ("2024-02", 3) not in cells  # May: not observable, blank rather than 0%
    assert "2024-04 is not over" in texts(at)


def test_cohort_page_controls_rerun_without_errors():
    at = run_page(PAGE, upload=("shop.csv", UPLOAD, "text/csv"))
    at.button_group(key="cohorts_kind").set_value("unbounded")
    at.run()
    assert not at.exception
    assert "or more after the month of their first purchase" in texts(at)
    at.selectbox(key="cohorts_metric").set_value("revenue_per_customer")
    at.run()
    assert not at.exception
    assert at.button_group(key="cohorts_kind").disabled
    assert "A new customer brings in" in texts(at)
    at.selectbox(key="cohorts_by").set_value("channel")
    at.run()
    assert not at.exception
    assert {row for row, _ in heat_cells(at)} >= {
        "Web · 2024-01",
        "Shop · 2024-01",
    }
    at.button_group(key="cohorts_period").set_value("W")
    at.run()
    assert not at.exception
    at.select_slider(key="cohorts_range_W").set_range(
        at.select_slider(key="cohorts_range_W").options[1],
        at.select_slider(key="cohorts_range_W").options[-1],
    )
    at.run()
    assert not at.exception


def test_cohort_page_cohort_range_and_compare_period():
    at = run_page(PAGE, upload=("shop.csv", UPLOAD, "text/csv"))
    slider = at.select_slider(key="cohorts_range_M")
    slider.set_range(slider.options[1], slider.options[1])
    at.run()
    assert not at.exception
    assert metric(at, "Customers in these cohorts") == "1"  # carla only
    at = run_page(PAGE, upload=("shop.csv", UPLOAD, "text/csv"))
    at.number_input(key="cohorts_at").set_value(2)
    at.run()
    assert not at.exception
    assert metric(at, "Bought again 2 months later") == "50%"


def test_cohort_page_refunds_only():
    refunds = b"Customer,Order date,Amount\nanna,2024-01-05,-10\nben,2024-02-05,-3\n"
    at = run_page(PAGE, upload=("refunds.csv", refunds, "text/csv"))
    assert not at.exception
    assert "no purchases to form cohorts from" in texts(at)
