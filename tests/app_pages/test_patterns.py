"""AppTest of the purchase-patterns page on every example dataset and on an upload."""

import io

import pandas as pd
import pytest

from tests.apptest_utils import run_page, texts

PAGE = "app_pages/patterns.py"


def subheaders(at) -> list[str]:
    return [s.value for s in at.subheader]


def frame_with(at, column):
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_patterns_default_example_shows_every_part(downloads):
    at = run_page(PAGE)
    assert not at.exception
    assert at.title[0].value == "Purchase patterns"
    text = texts(at)
    assert "Data: **Online shop (generated)**" in text
    for part in (
        "busiest day",  # when
        "busiest three hours",
        "strongest month",
        "on the same month a year before",
        "Half of all reorders",
        "top product by revenue",  # what
        "of first orders include",
        "chosen so the list stays readable",  # together
        "customers get suggestions",
        "Half of the orders are worth",  # pay
        "used a discount code",
        "brought the most new customers",  # how
    ):
        assert part in text, part
    labels = {m.label for m in at.metric}
    assert {"Median days between purchases", "Back within 30 days", "Median order"} <= labels
    rules = frame_with(at, "lift")
    assert 20 <= len(rules) <= 200 and (rules["lift"] >= 1).all()
    recs = frame_with(at, "because")
    # The table shows its first rows; every customer's suggestions are in the download.
    assert len(recs) == 500 and recs["customer_id"].nunique() > 50
    assert "download them all below" in text
    everyone = pd.read_csv(
        io.BytesIO(downloads["recommendations_product.csv"]), encoding="utf-8-sig", dtype=str
    )
    assert everyone["customer_id"].nunique() > 1000
    assert everyone.head(500)["customer_id"].tolist() == recs["customer_id"].tolist()
    assert "New customers each channel brings, and whether they stay" in subheaders(at)
    assert len(at.get("download_button")) >= 10


def test_patterns_categories_and_rule_filters():
    at = run_page(PAGE)
    at.segmented_control(key="patterns_level").set_value("category")
    at.run()
    assert not at.exception
    assert "top category by revenue" in texts(at)
    assert "categorys" not in texts(at)
    assert "Top categories" in subheaders(at)
    at.number_input(key="patterns_rules_lift").set_value(100.0)
    at.run()
    assert not at.exception
    assert "No rule matches these filters" in texts(at)


def test_patterns_also_bought_follows_the_pick():
    at = run_page(PAGE)
    box = at.selectbox(key="patterns_similar_item")
    pick = box.options[1]
    box.set_value(pick)
    at.run()
    assert not at.exception
    similar = frame_with(at, "similarity")
    assert 0 < len(similar) <= 10 and pick not in similar["item"].tolist()
    assert similar["similarity"].is_monotonic_decreasing


@pytest.mark.slow
def test_patterns_online_retail():
    at = run_page(PAGE, dataset="retail")
    assert not at.exception
    text = texts(at)
    assert "Data: **Online Retail (UCI, real)**" in text
    assert "Orders and revenue by country" in subheaders(at)
    assert "New customers each channel brings, and whether they stay" not in subheaders(at)
    assert "no orders at all on Saturday" in text
    assert "Add a category column to your file to see price bands per category." in text
    assert "REGENCY" in frame_with(at, "lift")["antecedent"].str.cat()


def test_patterns_cafe():
    at = run_page(PAGE, dataset="cafe")
    assert not at.exception
    text = texts(at)
    assert "Data: **Corner café (small spreadsheet)**" in text
    assert "dates without times of day" in text
    assert "needs a channel column" in text
    assert "Typical time until the same category is bought again" in text


@pytest.mark.slow
def test_patterns_cdnow_says_what_is_missing():
    at = run_page(PAGE, dataset="cdnow")
    assert not at.exception
    text = texts(at)
    assert "Data: **CDNOW (real)**" in text
    assert "Ranking what sells needs a product column" in text
    assert "Finding what is bought together needs a product column" in text
    assert "busiest day" in text and "Half of all reorders" in text  # time still works


def test_patterns_minimal_upload():
    upload = (
        b"customer,date,amount\na,2024-01-01,10\nb,2024-01-02,5\na,2024-02-01,7\nc,2024-02-03,-2\n"
    )
    at = run_page(PAGE, upload=("mini.csv", upload, "text/csv"))
    assert not at.exception
    assert "needs a product column" in texts(at)


def test_patterns_tiny_upload_gets_a_friendly_message():
    at = run_page(PAGE, upload=("tiny.csv", b"customer,date,amount\nx,2024-01-01,5\n", "text/csv"))
    assert not at.exception
    assert at.info
