"""AppTest of the customer value page: the default example, its controls, downloads, small data."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd

from tests.apptest_utils import frame_with, run_page, texts

PAGE = "pages/value.py"


def number(text: str) -> float:
    return float(text.replace(",", ""))


def test_value_page_default_example_and_controls(downloads):
    at = run_page(PAGE)
    assert not at.exception
    assert at.title[0].value == "Customer value"
    headings = [h.value for h in at.subheader]
    for heading in (
        "The next 3, 6 and 12 months",
        "What each customer is worth over 12 months",
        "Who is still a customer?",
        "Valuable customers at risk",
        "How good are these predictions?",
    ):
        assert heading in headings, heading
    metrics = {m.label: m.value for m in at.metric}
    revenue = [number(metrics[f"Next {m} months: net revenue"]) for m in (3, 6, 12)]
    assert 0 < revenue[0] < revenue[1] < revenue[2]
    assert number(metrics["Actual repeat purchases"]) > 0
    page = texts(at)
    assert "In the next 12 months the model expects about" in page
    assert "customers are valuable and at risk" in page
    assert "held-back customers" in page and "AUC" in page
    assert "Days since the last purchase" in page  # the top churn driver, in words
    assert "How this works: the customer value models" in [e.label for e in at.expander]

    top = frame_with(at, "Expected value (discounted)")
    assert len(top) == 10
    assert top["Expected value (discounted)"].is_monotonic_decreasing
    actions = frame_with(at, "Days since last purchase")
    assert (actions.iloc[:, 2] >= 0.5).all()  # the risk column
    labels = [b.label for b in at.get("download_button")]
    assert labels == [
        "Download every customer's value (CSV)",
        "Download every customer's value (Excel)",
        "Download the list (CSV)",
        "Download the list (Excel)",
    ]
    everyone = pd.read_csv(io.BytesIO(downloads["customer_value.csv"]), encoding="utf-8-sig")
    assert len(everyone) == 5000  # every customer of the example shop
    listed = pd.read_csv(io.BytesIO(downloads["valuable_at_risk.csv"]), encoding="utf-8-sig")
    assert len(listed) == len(actions) or len(actions) == 200

    # A stricter "at risk" and only the top 10% as valuable: a shorter list.
    at.slider(key="value_risk_threshold").set_value(0.8).run()
    at.segmented_control(key="value_top_share").set_value(10).run()
    assert not at.exception
    shorter = frame_with(at, "Days since last purchase")
    assert len(shorter) < len(actions)
    assert (shorter.iloc[:, 2] >= 0.8).all()

    # Other horizons, a shorter churn horizon and days as the time unit.
    at.select_slider(key="value_months").set_value(6).run()
    at.segmented_control(key="value_churn_days").set_value(60).run()
    at.radio(key="value_time_unit").set_value("D").run()
    assert not at.exception
    assert "What each customer is worth over 6 months" in [h.value for h in at.subheader]
    page = texts(at)
    assert "did not buy within 60 days" in page
    assert "alpha per day" in "\n".join(e.value for e in at.markdown)


def _upload(n_customers: int = 90, seed: int = 3) -> bytes:
    """A year of purchases of customers whose ids look like spreadsheet formulas."""
    rng = np.random.default_rng(seed)
    rows = ["customer,date,order,total"]
    order = 0
    for i in range(n_customers):
        day = int(rng.integers(0, 150))
        rate = rng.gamma(2.0, 1 / 40)
        alive_until = day + int(rng.exponential(240))
        while day < min(alive_until, 365):
            order += 1
            date = pd.Timestamp("2024-01-01") + pd.Timedelta(days=day)
            rows.append(f"=c{i},{date:%Y-%m-%d},{order},{rng.gamma(3.0, 10.0):.2f}")
            day += max(1, int(rng.exponential(1 / rate)))
    return "\n".join(rows).encode()


def test_value_page_upload_downloads_are_formula_safe(downloads):
    at = run_page(PAGE, upload=("shop.csv", _upload(), "text/csv"))
    assert not at.exception
    assert "Valuable customers at risk" in [h.value for h in at.subheader]
    at.slider(key="value_risk_threshold").set_value(0.1).run()
    at.segmented_control(key="value_top_share").set_value(50).run()
    assert not at.exception
    actions = frame_with(at, "Days since last purchase")
    assert len(actions) > 0
    csv = pd.read_csv(
        io.BytesIO(downloads["valuable_at_risk.csv"]), encoding="utf-8-sig", dtype=str
    )
    assert len(csv) == len(actions)
    assert csv["Customer"].str.startswith("'=c").all()  # quoted: no formula runs in Excel
    float(csv["Expected value (discounted)"].iloc[0])  # numbers stay numbers
    sheet = openpyxl.load_workbook(io.BytesIO(downloads["valuable_at_risk.xlsx"])).active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("Customer") + 1)
    assert cell.data_type == "s" and cell.value.startswith("=c")


def test_value_page_short_history_explains_instead_of_failing():
    rows = ["customer,date,total"] + [
        f"c{i % 7},2024-03-{1 + i % 20:02d},{5 + i}.00" for i in range(30)
    ]
    at = run_page(PAGE, upload=("tiny.csv", "\n".join(rows).encode(), "text/csv"))
    assert not at.exception
    page = texts(at)
    assert "No churn model for this data" in page
    assert "too short to hold back a period" in page
    assert any("too few" in w.value.lower() or "only" in w.value.lower() for w in at.warning)
