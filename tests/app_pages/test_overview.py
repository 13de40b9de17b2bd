"""AppTest of the overview page: default example and an uploaded file."""

from tests.apptest_utils import new_app, run_page, texts

UPLOAD = (
    b"Sales report\n"
    b"\n"
    b"Customer;Date;Invoice;Total\n"
    b"anna@example.com;03/01/2024;A1;12,50\n"
    b"anna@example.com;15/02/2024;A2;7,00\n"
    b"ben@example.com;20/02/2024;B1;30,00\n"
    b"carla@example.com;21/02/2024;C1;9,99\n"
    b"carla@example.com;22/02/2024;C2;-9,99\n"
    b";23/02/2024;X1;5,00\n"
)


def metric(at, label):
    return next(m for m in at.metric if m.label == label).value


def test_overview_default_example():
    at = run_page("app_pages/overview.py")
    assert not at.exception
    assert at.title[0].value == "Overview"
    labels = {m.label for m in at.metric}
    assert {"Customers", "Orders", "Net revenue", "Repeat-customer rate", "Refund rate"} <= labels
    assert int(metric(at, "Customers").replace(",", "")) > 1000
    assert all(m.help for m in at.metric), "every figure has a help tooltip"
    assert "Online shop (generated)" in texts(at)


def test_overview_with_uploaded_file():
    at = run_page("app_pages/overview.py", upload=("my_shop.csv", UPLOAD, "text/csv"))
    assert not at.exception
    assert "my_shop.csv" in texts(at)
    assert metric(at, "Customers") == "3"
    assert metric(at, "Orders") == "4"  # carla's refund order is not a purchase
    assert metric(at, "Net revenue") == "49.50"  # 12.5 + 7 + 30 + 9.99 - 9.99
    # the sale without a customer (X1, 5.00) counts in the totals only
    assert metric(at, "Total net revenue") == "54.50"
    assert metric(at, "Total orders") == "5"
    assert metric(at, "of which without a customer") == "5.00"
    assert any("not in any customer figure" in c.value for c in at.caption)


def test_overview_tiny_file_gets_a_friendly_message():
    tiny = b"customer,date,amount\nx,2024-01-01,5\n"
    at = run_page("app_pages/overview.py", upload=("tiny.csv", tiny, "text/csv"))
    assert not at.exception
    assert at.info, "a friendly message, not an error"


def test_overview_unreadable_file_names_it():
    at = run_page(
        "app_pages/overview.py", upload=("broken.xlsx", b"<html>not a workbook</html>", "x")
    )
    assert not at.exception
    assert any("broken.xlsx" in e.value for e in at.error)


def test_doubtful_columns_are_said_on_the_page():
    # every "customer" has exactly one order: the figures are shown with a warning first
    rows = "".join(f"R-{1000 + i},2024-01-{1 + i:02d},{10 + i}\n" for i in range(25))
    upload = ("Customer,Date,Amount\n" + rows + ",2024-01-26,5\n").encode()
    at = run_page("app_pages/overview.py", upload=("receipts.csv", upload, "text/csv"))
    assert not at.exception
    warning = next(w.value for w in at.warning if "Check the columns" in w.value)
    assert "looks like order or receipt numbers" in warning and "Your data" in warning
    assert any(
        c.value.startswith("1 line without a customer (guest or till sales) is left out")
        for c in at.caption
    )


def _delta(at, label):
    return next(m for m in at.metric if m.label == label).delta


def test_overview_period_from_the_link_with_changes():
    # Custom 16-22 Feb 2024 (both days included) vs the 7 days before (9-15 Feb):
    #   window: ben B1 30.00, carla C1 9.99 and C2 -9.99 -> 2 customers, 2 orders, 30.00 net
    #   before: anna A2 7.00 -> 1 customer, 1 order, 7.00 net
    at = new_app()
    at.query_params["overview_period"] = "Custom"
    at.query_params["overview_start"] = "2024-02-16"
    at.query_params["overview_end"] = "2024-02-22"
    at.run()
    at.switch_page("app_pages/overview.py").run()  # the link opens the overview...
    at.file_uploader(key="upload_tx").set_value(("my_shop.csv", UPLOAD, "text/csv")).run()
    assert not at.exception  # ...and the visitor uploads their copy of the file there
    assert at.title[0].value == "Overview"
    assert metric(at, "Customers") == "2"
    assert metric(at, "Orders") == "2"
    assert metric(at, "Net revenue") == "30.00"
    assert _delta(at, "Customers") == "+100% vs the previous 7 days"
    assert _delta(at, "Orders") == "+100% vs the previous 7 days"
    assert _delta(at, "Net revenue") == "+329% vs the previous 7 days"  # 30 / 7 - 1
    assert any(
        "From 16 Feb 2024 to 22 Feb 2024, compared with 09 Feb 2024" in c.value for c in at.caption
    )


def test_overview_all_time_has_no_period_change_and_last_90_days_says_why_not():
    at = run_page("app_pages/overview.py", upload=("my_shop.csv", UPLOAD, "text/csv"))
    assert not _delta(at, "Customers")  # all time: nothing before it
    at.session_state["overview_period"] = "90d"
    at.run()
    assert not at.exception
    # the data starts on 3 Jan 2024: the previous 90 days are not covered, no change claimed
    assert _delta(at, "Customers") == "no data for all of the previous 90 days"
    assert metric(at, "Customers") == "3"
