"""AppTest of the customer value page: the default example, its controls, downloads, small data."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from analysis import clv
from tests.apptest_utils import frame_with, run_page, texts

PAGE = "app_pages/value.py"


def number(text: str) -> float:
    return float(text.replace(",", "").lstrip("$€£¥₹"))  # money in the file's currency


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
    assert "No model comparison for this data" in page  # said, not a traceback
    assert at.segmented_control(key="value_model").value == "best"
    assert any("too few" in w.value.lower() or "only" in w.value.lower() for w in at.warning)


@pytest.mark.slow
def test_value_page_model_comparison_on_cdnow_picks_a_model_and_switches():
    at = run_page(PAGE, dataset="cdnow")
    assert not at.exception
    table = frame_with(at, "Average error per customer")
    names = table["Model"].str.replace(" (used for forecasts)", "", regex=False)
    assert sorted(names) == ["BG/NBD", "Modified BG/NBD", "Pareto/NBD"]
    # Best first (smallest per-customer holdout error), and it is the one used.
    assert table["Model"].iloc[0].endswith("(used for forecasts)")
    assert table["Model"].str.endswith("(used for forecasts)").sum() == 1
    assert table["Average error per customer"].is_monotonic_increasing
    for column in (
        "Predicted repeat purchases",
        "Actual repeat purchases",
        "Error of the total",
        "Log-likelihood (calibration)",
        "BIC (calibration; lower is better)",
        "Fit time (s)",
    ):
        assert column in table.columns, column
    actual = table["Actual repeat purchases"].iloc[0]
    assert (table["Actual repeat purchases"] == actual).all() and actual > 0
    error = table["Error of the total"] / 100 * actual
    np.testing.assert_allclose(table["Predicted repeat purchases"] - actual, error, rtol=1e-9)
    best = names.iloc[0]
    page = texts(at)
    assert f"{best} predicted individual customers best" in page
    assert f"The purchase model ({best}), checked on a period it did not see" in page
    control = at.segmented_control(key="value_model")
    assert control.value == "best"
    assert f"Best fit: {best}" in control.options
    labels = [e.label for e in at.expander]
    assert "How this works: which model fits your customers" in labels
    assert "How this works: the purchase models" in labels

    def figures() -> tuple[str, str]:
        metrics = {m.label: m.value for m in at.metric}
        return metrics["Next 12 months: net revenue"], metrics["Predicted repeat purchases"]

    chosen = figures()
    other = next(k for k in clv.PURCHASE_MODELS if clv.MODEL_NAMES[k] != best)
    at.segmented_control(key="value_model").set_value(other).run()
    assert not at.exception
    switched = figures()
    assert switched[0] != chosen[0] and switched[1] != chosen[1]
    assert abs(number(switched[0]) / number(chosen[0]) - 1) < 0.2  # same data, close models
    table = frame_with(at, "Average error per customer")
    used = table.loc[table["Model"].str.endswith("(used for forecasts)"), "Model"]
    assert list(used) == [f"{clv.MODEL_NAMES[other]} (used for forecasts)"]
    # Back to the best fit: the first figures again (from the cache).
    at.segmented_control(key="value_model").set_value("best").run()
    assert figures() == chosen


def _two_years(n_customers: int = 300, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_customers):
        day = int(rng.integers(0, 300))
        rate = rng.gamma(1.5, 1 / 30)
        end = day + int(rng.exponential(400))
        while day < min(end, 730):
            rows.append((f"c{i}", pd.Timestamp("2023-01-01") + pd.Timedelta(days=day), 20.0))
            day += max(1, int(rng.exponential(1 / rate)))
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])


def test_value_report_model_choice_keeps_the_default_and_changes_the_model():
    tx = _two_years()
    default = clv.value_report(tx, months=6, holdout=False)
    explicit = clv.value_report(tx, months=6, holdout=False, model="bgnbd")
    assert type(default.bg) is clv.BetaGeoModel and default.settings["model"] == "bgnbd"
    # The default is BG/NBD exactly as fitted on its own.
    direct = clv.BetaGeoModel().fit(default.summary)
    assert default.bg.params_ == direct.params_
    pd.testing.assert_series_equal(
        default.customers["expected_purchases"],
        direct.expected_purchases(6 * clv.DAYS_PER_MONTH / 7, default.summary),
        check_names=False,
    )
    pd.testing.assert_frame_equal(default.customers, explicit.customers)
    for key, cls in (("mbgnbd", clv.ModifiedBetaGeoModel), ("pnbd", clv.ParetoNBDModel)):
        report = clv.value_report(tx, months=6, holdout=False, model=key)
        assert type(report.bg) is cls and report.settings["model"] == key
        assert report.bg.params_ == cls().fit(report.summary).params_
        assert not np.allclose(
            report.customers["expected_purchases"], default.customers["expected_purchases"]
        )
        assert list(report.forecast.columns) == list(default.forecast.columns)
    with pytest.raises(ValueError, match="Unknown purchase model"):
        clv.value_report(tx, model="pareto")
