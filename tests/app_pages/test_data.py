"""AppTest of 'Your data': health panel, rows set aside with row numbers, column mapping."""

from tests.apptest_utils import run_page, texts

UPLOAD = (
    b"Customer,Order date,Amount,Region\n"
    b"anna,2024-01-03,12.50,North\n"
    b",2024-01-04,3.00,South\n"
    b"ben,not a date,30.00,South\n"
    b"ben,2024-02-20,abc,South\n"
    b"carla,2024-02-21,9.99,North\n"
)


def metric(at, label):
    return next(m for m in at.metric if m.label == label).value


def test_data_page_default_example():
    at = run_page("app_pages/data.py")
    assert not at.exception
    assert "Data health" in texts(at)
    assert int(metric(at, "Rows read").replace(",", "")) > 1000


def test_data_page_lists_rows_set_aside_with_row_numbers():
    at = run_page("app_pages/data.py", upload=("shop.csv", UPLOAD, "text/csv"))
    assert not at.exception
    assert metric(at, "Rows read") == "5"
    assert metric(at, "Rows used") == "2"
    assert metric(at, "Rows set aside") == "2"
    rejected = next(
        df.value
        for df in at.dataframe
        if "reason" in df.value.columns and "row" in df.value.columns
    )
    assert rejected["row"].tolist() == [4, 5]
    # row 3 has a date and an amount but no customer: a sale without a customer
    anonymous = next(df.value for df in at.dataframe if "why" in df.value.columns)
    assert anonymous["row"].tolist() == [3]
    assert "Sales without a customer" in texts(at)
    downloads = at.get("download_button")
    assert len(downloads) == 4


def test_data_page_mapping_can_be_changed():
    at = run_page("app_pages/data.py", upload=("shop.csv", UPLOAD, "text/csv"))
    at.selectbox(key="data_map_transactions_country").set_value("Region")
    at.button[0].click()
    at.run()
    assert not at.exception
    preview = at.dataframe[-1].value
    assert "country" in preview.columns
