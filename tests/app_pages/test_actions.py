"""AppTest of the "What to do now" page on every example: the lists, their sizes, downloads."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest

from tests.apptest_utils import new_app, run_page, texts

PAGE = "app_pages/actions.py"
TITLES = {
    "at_risk": "Valuable customers at risk of leaving",
    "second_order": "New customers to bring back for a second order",
    "thank": "Loyal customers to thank",
    "detractors": "Unhappy customers to call back",
    "refund": "Customers who stopped buying after a refund",
}


def _number(text: str) -> float:
    return float(re.sub(r"[^\d.\-]", "", text))  # "€1,234.50" (money in the file's currency)


def _check(at, downloads, *, nonempty: set[str], survey: bool) -> dict[str, int]:
    """Common checks; returns each non-empty list's size as shown on its card."""
    assert not at.exception
    assert at.title[0].value == "What to do now"
    headings = [h.value for h in at.subheader]
    assert headings and set(headings) == set(TITLES.values()), headings
    page = texts(at)
    assert not re.search(r"\b(nan|None|NaN)\b", page), page
    sizes = {}
    stakes = []
    metrics = [(m.label, m.value) for m in at.metric]
    # Each non-empty card shows "Customers" then "Money at stake", in the cards' order.
    cards = [(a, b) for a, b in zip(metrics, metrics[1:], strict=False) if b[0] == "Money at stake"]
    shown = [h for h in headings if h in {TITLES[k] for k in nonempty}]
    assert len(cards) == len(nonempty), (cards, nonempty)
    for title, (count, stake) in zip(shown, cards, strict=True):
        assert count[0] == "Customers"
        sizes[title] = int(_number(count[1]))
        stakes.append(_number(stake[1]))
        assert sizes[title] > 0
    assert stakes == sorted(stakes, reverse=True), "ordered by the money at stake"
    assert headings[: len(nonempty)] == shown, "empty lists come last"
    for key, title in TITLES.items():
        if key not in nonempty:
            continue
        listed = pd.read_csv(io.BytesIO(downloads[f"to_do_{key}.csv"]), encoding="utf-8-sig")
        assert len(listed) == sizes[title], key
        assert listed["customer_id"].is_unique
        assert listed["net_revenue"].sum() == pytest.approx(stakes[shown.index(title)], abs=0.01)
    links = [e for e in at.get("page_link")]
    assert len(links) == len(TITLES)
    if not survey:
        assert "No survey answers were loaded." in page
    return sizes


def test_actions_is_the_default_page_on_the_shop_example(downloads):
    at = new_app().run()
    assert at.title[0].value == "What to do now"
    sizes = _check(at, downloads, nonempty=set(TITLES), survey=True)
    assert sizes == {
        TITLES["thank"]: 1036,
        TITLES["at_risk"]: 134,
        TITLES["second_order"]: 461,
        TITLES["refund"]: 94,
        TITLES["detractors"]: 47,
    }
    listed = pd.read_csv(io.BytesIO(downloads["to_do_detractors.csv"]), encoding="utf-8-sig")
    assert {"customer_email", "score", "comment"} <= set(listed.columns)
    assert listed["customer_email"].str.contains("@").all()
    assert (listed["score"] <= 6).all()
    # Customer value, with its default settings, shows the same at-risk list.
    at.switch_page("app_pages/value.py")
    at.run()
    assert not at.exception
    said = re.findall(r"\*\*([\d,]+) customers are valuable and at risk", texts(at))
    assert said == [f"{sizes[TITLES['at_risk']]:,}"]


@pytest.mark.slow
def test_actions_on_cdnow(downloads):
    at = run_page(PAGE, dataset="cdnow")
    sizes = _check(at, downloads, nonempty={"thank", "at_risk"}, survey=False)
    assert sizes == {TITLES["thank"]: 1836, TITLES["at_risk"]: 4503}
    assert "no e-mail, phone or name column" in texts(at)


def test_actions_on_the_cafe(downloads):
    at = run_page(PAGE, dataset="cafe")
    sizes = _check(at, downloads, nonempty={"thank", "at_risk", "second_order"}, survey=False)
    assert sizes == {TITLES["thank"]: 10, TITLES["at_risk"]: 10, TITLES["second_order"]: 6}


@pytest.mark.slow
def test_actions_on_online_retail(downloads):
    at = run_page(PAGE, dataset="retail")
    keys = {"thank", "refund", "second_order", "at_risk"}
    sizes = _check(at, downloads, nonempty=keys, survey=False)
    assert sizes[TITLES["thank"]] == 1005 and sizes[TITLES["refund"]] == 363


def test_actions_with_a_tiny_upload_falls_back_to_rfm(downloads):
    csv = (
        b"customer,date,total,email\n"
        b"a,2024-01-02,10,a@x.com\n"
        b"a,2024-03-02,12,a@x.com\n"
        b"b,2024-01-05,7,b@x.com\n"
        b"b,2024-01-20,-7,b@x.com\n"
        b"c,2024-03-01,9,c@x.com\n"
    )
    survey = b"customer,date,score\nb,2024-03-01,3\nzz,2024-03-02,1\na,2024-03-02,9\n"
    at = run_page(
        PAGE, upload=("tiny.csv", csv, "text/csv"), responses=("survey.csv", survey, "text/csv")
    )
    assert not at.exception
    page = texts(at)
    assert "The at-risk list uses the RFM segments" in page
    assert not re.search(r"\b(nan|None|NaN)\b", page)
    listed = pd.read_csv(io.BytesIO(downloads["to_do_refund.csv"]), encoding="utf-8-sig")
    assert listed["customer_id"].tolist() == ["b"] and listed["email"].tolist() == ["b@x.com"]
    # zz answered the survey but never bought: blank cells on the page, never "None".
    called = pd.read_csv(io.BytesIO(downloads["to_do_detractors.csv"]), encoding="utf-8-sig")
    assert called["customer_id"].tolist() == ["zz", "b"]  # both spent 0 net: newest answer first
    shown = next(df.value for df in at.dataframe if "zz" in set(df.value.iloc[:, 0]))
    assert not shown.isna().any().any()
    assert not shown.astype(str).isin(["None", "nan", "NaN", "<NA>", "NaT"]).any().any()
