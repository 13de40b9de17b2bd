"""AppTest of the customer-profile page on the example datasets."""

import pytest

from tests.apptest_utils import run_page, texts

PAGE = "app_pages/profile.py"


def metric(at, label):
    return next(m for m in at.metric if m.label == label).value


def subheaders(at) -> list[str]:
    return [s.value for s in at.subheader]


def test_profile_default_example_shows_the_whole_relationship():
    at = run_page(PAGE)
    assert not at.exception
    assert at.title[0].value == "Customer profile"
    text = texts(at)
    assert "Data: **Online shop (generated)**" in text
    customer = at.selectbox(key="profile_customer").value
    assert f"Customer {customer}" in subheaders(at)
    for label in ("Purchases", "Net revenue", "Days since last purchase", "RFM segment"):
        assert metric(at, label)
    assert "Value, next 12 months" in {m.label for m in at.metric}
    assert "Churn risk, 90 days" in {m.label for m in at.metric}
    assert "First purchase" in text
    assert "Customer since" in text and "RFM segment:" in text and "The models say" in text
    frames = {tuple(df.value.columns) for df in at.dataframe}
    assert any("kind" in cols and "net_value" in cols for cols in frames)  # orders
    assert any("because" in cols for cols in frames)  # suggestions
    assert len(at.get("download_button")) == 2


def test_profile_pick_from_a_segment_and_search():
    at = run_page(PAGE)
    at.selectbox(key="profile_segment").set_value("Can't Lose Them")
    at.run()
    assert not at.exception
    assert "Suggested action for Can't Lose Them" in texts(at)
    assert metric(at, "RFM segment") == "Can't Lose Them"
    assert "overdue" in texts(at)
    at.text_input(key="profile_search").set_value("no such customer")
    at.run()
    assert not at.exception
    assert "No customer matches this search." in texts(at)


def test_profile_marks_refunds_and_shows_survey_answers():
    at = run_page(PAGE)
    at.text_input(key="profile_search").set_value("C00001")
    at.run()
    assert not at.exception
    orders = next(df.value for df in at.dataframe if "kind" in df.value.columns)
    assert set(orders["kind"]) <= {"purchase", "refund"}
    survey = [df.value for df in at.dataframe if "group" in df.value.columns]
    assert survey and set(survey[0]["group"]) <= {"promoter", "passive", "detractor"}


@pytest.mark.slow
def test_profile_online_retail_and_cafe():
    for dataset, label in (("retail", "Online Retail (UCI, real)"), ("cafe", "Corner café")):
        at = run_page(PAGE, dataset=dataset)
        assert not at.exception
        text = texts(at)
        assert f"Data: **{label}" in text
        assert "No survey responses loaded" in text
        assert "Suggested next products" in text


@pytest.mark.slow
def test_profile_cdnow_says_what_is_missing():
    at = run_page(PAGE, dataset="cdnow")
    assert not at.exception
    text = texts(at)
    assert "Data: **CDNOW (real)**" in text
    assert "Seeing what they buy needs a product column" in text
    assert "Customer since" in text


def test_profile_with_an_uploaded_file():
    csv = (
        b"Client;Date;Receipt;Item;Total\n"
        b"anna;03/01/2024;R1;Espresso beans;12,50\n"
        b"anna;15/02/2024;R2;Paper filters;7,00\n"
        b"anna;20/02/2024;R3;Espresso beans;-12,50\n"
        b"ben;20/02/2024;R4;Green tea;30,00\n"
        b"carla;21/02/2024;R5;Espresso beans;9,99\n"
    )
    at = run_page(PAGE, upload=("till.csv", csv, "text/csv"))
    assert not at.exception
    page = texts(at)
    assert "till.csv" in page
    customer = at.selectbox(key="profile_customer")
    assert {label.split(" ·")[0] for label in customer.options} >= {"anna", "ben", "carla"}
    customer.set_value("anna").run()
    assert not at.exception
    assert "anna" in texts(at)
