"""AppTest of the overview with sales without a customer: a till report, a mixed file."""

import datetime as dt

from tests.apptest_utils import new_app, run_page, texts
from tests.paths import DATA

SUMUP = ("sumup_sales.csv", (DATA / "exports" / "sumup_sales.csv").read_bytes(), "text/csv")

# Two sales without a customer: X2 on 10 Feb (inside the data), X1 on 23 Feb (after the last
# customer's sale, so after every period but "All time").
MIXED = (
    b"Customer;Date;Invoice;Total\n"
    b"anna@example.com;03/01/2024;A1;12,50\n"
    b"anna@example.com;15/02/2024;A2;7,00\n"
    b"ben@example.com;20/02/2024;B1;30,00\n"
    b";10/02/2024;X2;4,00\n"
    b"carla@example.com;21/02/2024;C1;9,99\n"
    b"carla@example.com;22/02/2024;C2;-9,99\n"
    b";23/02/2024;X1;5,00\n"
)


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def no_empty_values(at) -> None:
    shown = texts(at) + " ".join(f"{m.label} {m.value} {m.delta}" for m in at.metric)
    for word in ("nan", "None", "inf", "n/a", "ZeroDivision"):
        assert word not in shown, word


def test_a_till_report_shows_its_totals_on_the_overview():
    at = run_page("app_pages/overview.py", upload=SUMUP)
    assert not at.exception
    # tests/data/exports/README.md: 48.70 CHF over 6 transactions, all 8 rows; one of the 6 is
    # the refund of TEGUCXAGDH (-5.50), a refund order: 5 purchase orders, as "Orders" counts
    assert metrics(at) == {
        "Total net revenue": "48.70 CHF",
        "Total orders": "5",
        "of which without a customer": "48.70 CHF",
    }
    said = texts(at)
    assert "5 orders and 1 refund, all of it (100%) from sales without a customer" in said
    assert "customer figures (customers, repeat rate, segments, lifetime value) need a file" in said
    assert "From 05 Mar 2024 to 07 Mar 2024" in said
    assert at.button_group(key="overview_period").value == "all"  # the period picker is there
    assert "left out of the customer figures on this page" not in said  # there are none here
    no_empty_values(at)


def test_a_till_report_in_a_custom_period():
    # 6-7 Mar: TEGUCXAGDH 5.50, its refund -5.50, TEGUCXAGDK 10.50 -> 10.50 in 2 orders + 1 refund
    at = new_app()
    at.query_params["overview_period"] = "Custom"
    at.query_params["overview_start"] = "2024-03-06"
    at.query_params["overview_end"] = "2024-03-07"
    at.run()
    at.switch_page("app_pages/overview.py").run()
    at.file_uploader(key="upload_tx").set_value(SUMUP).run()
    assert not at.exception
    assert metrics(at)["Total net revenue"] == "10.50 CHF"
    assert metrics(at)["Total orders"] == "2"
    assert "2 orders and 1 refund, all of it (100%)" in texts(at)
    # the last 30 days (7 Feb to 7 Mar) hold every sale
    at.session_state["overview_period"] = "30d"
    at.run()
    assert not at.exception and metrics(at)["Total net revenue"] == "48.70 CHF"
    no_empty_values(at)


def test_customer_pages_still_say_the_file_names_no_customer():
    at = run_page("app_pages/rfm.py", upload=SUMUP)
    assert not at.exception
    assert any("No row of your file names a customer" in i.value for i in at.info)
    assert not at.metric


def test_a_mixed_file_counts_the_sales_without_a_customer_of_the_period():
    at = run_page("app_pages/overview.py", upload=("mixed.csv", MIXED, "text/csv"))
    assert not at.exception
    # all time: customers 12.50 + 7 + 30 + 9.99 - 9.99 = 49.50 in 4 orders, plus X2 4 and X1 5
    assert metrics(at)["Total net revenue"] == "58.50"
    assert metrics(at)["Total orders"] == "6"
    assert metrics(at)["of which without a customer"] == "9.00"
    # custom 9-15 Feb: anna A2 7.00 and X2 4.00 (X1 on 23 Feb is outside)
    at.session_state["overview_period"] = "custom"
    at.run()
    at.date_input(key="overview_start").set_value(dt.date(2024, 2, 9))
    at.date_input(key="overview_end").set_value(dt.date(2024, 2, 15))
    at.run()
    assert not at.exception
    assert metrics(at)["Net revenue"] == "7.00"
    assert metrics(at)["Total net revenue"] == "11.00"
    assert metrics(at)["Total orders"] == "2"
    assert metrics(at)["of which without a customer"] == "4.00"
    # custom 16-22 Feb: no sale without a customer, so no total figures
    at.date_input(key="overview_start").set_value(dt.date(2024, 2, 16))
    at.date_input(key="overview_end").set_value(dt.date(2024, 2, 22))
    at.run()
    assert not at.exception
    assert metrics(at)["Net revenue"] == "30.00"
    assert "Total net revenue" not in metrics(at)
