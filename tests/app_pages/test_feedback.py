"""AppTest of the feedback page: example data (both files), responses only, transactions only."""

from __future__ import annotations

import numpy as np
import pytest

from tests.apptest_utils import new_app, run_page, texts

PAGE = "app_pages/feedback.py"


def survey_csv(n: int = 80, with_ids: bool = True) -> bytes:
    """A small survey export: 0-10 score, date, comment, CSAT, CES and a plan column."""
    rng = np.random.default_rng(5)
    comments = [
        "Delivery was late again",
        "Fast delivery, parcel arrived early",
        "Too expensive for what it is",
        "Fair price",
        "Coffee quality is excellent",
        "Stale beans, poor quality",
        "Support never answered my email",
        "Helpful support team",
        "",
    ]
    header = "Date,Customer,How likely are you to recommend us?,Comment,CSAT,CES,Plan"
    lines = [header if with_ids else header.replace("Customer,", "")]
    for i in range(n):
        score = int(rng.integers(0, 11))
        day = 1 + i % 28
        month = 1 + i // 28
        comment = comments[int(rng.integers(0, len(comments)))]
        plan = "Pro" if i % 3 == 0 else "Basic"
        cust = f"C{i % 40:03d},"
        lines.append(
            f'2024-{month:02d}-{day:02d},{cust if with_ids else ""}{score},"{comment}",'
            f"{int(rng.integers(1, 6))},{int(rng.integers(1, 8))},{plan}"
        )
    return ("\n".join(lines) + "\n").encode()


def tx_csv() -> bytes:
    lines = ["customer,date,order,amount"]
    for i in range(40):
        lines.append(f"C{i:03d},2023-12-{1 + i % 28:02d},A{i},{10 + i}")
        if i % 2 == 0:
            lines.append(f"C{i:03d},2024-02-{1 + i % 28:02d},B{i},{5 + i}")
    lines.append("C000,2024-12-30,Z1,3")
    return ("\n".join(lines) + "\n").encode()


def metric(at, label):
    return next(m for m in at.metric if m.label == label)


def test_feedback_page_on_the_example_shows_every_part():
    at = run_page(PAGE)
    assert not at.exception
    assert at.title[0].value == "Customer feedback"
    labels = {m.label for m in at.metric}
    assert {"Net Promoter Score", "CSAT (satisfied)", "CES (ease, 1-7)"} <= labels
    value = metric(at, "Net Promoter Score").value
    assert value.startswith(("+", "-", "0"))
    page = texts(at)
    assert "95% interval" in page and "n = 2,230" in page
    for heading in (
        "NPS over time",
        "Breakdown",
        "What people talk about",
        "Does it show in behaviour?",
        "Detractors to call back",
    ):
        assert heading in [h.value for h in at.subheader], heading
    assert "NPS by RFM segment" in page
    assert "of promoters bought again" in page
    assert "beyond chance" in page
    # breakdown, themes, comparisons and follow-up tables
    assert len(at.dataframe) >= 4
    downloads = at.get("download_button")
    assert len(downloads) == 2  # follow-up list as CSV and XLSX
    # explanation panel
    assert any("How this works" in e.label for e in at.expander)


def test_feedback_page_widgets_rerun_without_errors():
    at = run_page(PAGE)
    at.selectbox(key="feedback_by").set_value("plan").run()
    assert not at.exception
    at.segmented_control(key="feedback_freq").set_value("Q").run()
    assert not at.exception
    at.selectbox(key="feedback_themes").set_value(4).run()
    assert not at.exception
    at.selectbox(key="feedback_followup_period").set_value("all").run()  # key of "all time"
    assert not at.exception
    at.segmented_control(key="feedback_days").set_value(30).run()
    assert not at.exception
    assert "Within 30 days of answering" in texts(at)


@pytest.mark.parametrize("with_ids", [True, False])
def test_feedback_page_with_responses_only(with_ids):
    at = run_page(PAGE, responses=("survey.csv", survey_csv(with_ids=with_ids), "text/csv"))
    assert not at.exception
    assert "survey.csv" in texts(at)
    m = metric(at, "Net Promoter Score")
    assert m.value.startswith(("+", "-", "0"))
    page = texts(at)
    assert "n = 80 answers" in page
    # no transactions: the behaviour section says what it needs
    assert any("Add your transactions file" in i.value for i in at.info)
    assert "Detractors to call back" in [h.value for h in at.subheader]


def test_feedback_page_with_both_uploaded_files():
    # Both uploaders are filled before one rerun: after an upload the sidebar's widgets are no
    # longer in AppTest's element tree, so run_page(upload=..., responses=...) cannot do it.
    at = new_app()
    at.run()
    at.file_uploader(key="upload_tx").set_value(("shop.csv", tx_csv(), "text/csv"))
    at.file_uploader(key="upload_responses").set_value(("survey.csv", survey_csv(), "text/csv"))
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    page = texts(at)
    assert "shop.csv + survey.csv" in page
    assert "80 responses have a customer id; 80 match a customer" in page
    assert "of promoters bought again" in page


def test_feedback_page_with_transactions_only_explains_what_it_needs():
    at = run_page(PAGE, upload=("shop.csv", tx_csv(), "text/csv"))
    assert not at.exception
    assert any("survey responses" in i.value for i in at.info)
    assert not at.metric
