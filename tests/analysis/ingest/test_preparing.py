"""prepare_transactions / prepare_responses: numbers, dates, rejections, warnings, report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.ingest import (
    DataError,
    detect_columns,
    prepare_responses,
    prepare_transactions,
    read_table,
)

AMBIGUOUS_DATES = (
    "Dates like 03/04/2024 could be 3 April or March 4; we read them as day/month/year. "
    "Change this under 'Date order' if that is wrong."
)


def table(text: str, name: str = "shop.csv") -> pd.DataFrame:
    return read_table(text.encode("utf-8"), filename=name)


def tx(text: str, mapping: dict[str, str] | None = None, **kw: object):
    return prepare_transactions(table(text), mapping, **kw)


# --- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            ["1,234.50", "$1,234.50", "€5", "£3", "12.00 EUR", "EUR 7", "USD 1,000.00"],
            [1234.5, 1234.5, 5, 3, 12, 7, 1000],
        ),
        (["(12.00)", "-12", "12-", "+5", "1e3", "\u22125"], [-12, -12, -12, 5, 1000, -5]),
        (
            ["1.234,50", "1 234,50", "1\u00a0234,50", "1\u202f234,50", "12,5", "(3,25)"],
            [1234.5, 1234.5, 1234.5, 1234.5, 12.5, -3.25],
        ),
        (["1'234.50", "2.55", "0.85"], [1234.5, 2.55, 0.85]),
    ],
)
def test_number_formats(cells: list[str], expected: list[float]) -> None:
    rows = "\n".join(f'C{i},2024-03-05,"{c}"' for i, c in enumerate(cells))
    p = tx("customer,date,amount\n" + rows + "\n")
    assert p.data["amount"].tolist() == pytest.approx(expected)
    assert p.rejected.empty


def test_decimal_separator_is_decided_per_column_not_per_cell() -> None:
    # "1,5" and "2,25" can only be decimal commas, so "1.234,50" is 1234.5 and the ambiguous
    # "1,234" in the same column is 1.234; the dot-decimal "price" column is read on its own
    text = (
        "customer;date;amount;price\n"
        "A;2024-03-05;1,5;1,234.50\n"
        "B;2024-03-05;2,25;2.5\n"
        "C;2024-03-05;1.234,50;3\n"
        "D;2024-03-05;1,234;4.75\n"
    )
    p = tx(
        text,
        {
            "customer_id": "customer",
            "order_date": "date",
            "amount": "amount",
            "unit_price": "price",
        },
    )
    assert p.data["amount"].tolist() == pytest.approx([1.5, 2.25, 1234.5, 1.234])
    assert p.data["unit_price"].tolist() == pytest.approx([1234.5, 2.5, 3, 4.75])
    assert p.report["number_format"] == {"amount": "1.234,56", "price": "1,234.56"}
    assert not any("could be read two ways" in w for w in p.warnings)


def test_value_contradicting_the_column_decision_is_rejected() -> None:
    p = tx(
        'customer,date,amount\nA,2024-03-05,"1,5"\nB,2024-03-05,"2,25"\nC,2024-03-05,"1,234.50"\n'
    )
    assert p.data["amount"].tolist() == [1.5, 2.25]
    assert p.rejected[["row", "reason"]].values.tolist() == [[4, "unparseable amount"]]


def test_entirely_ambiguous_thousands_column_prefers_thousands_and_warns() -> None:
    p = tx('customer,date,amount\nA,2024-03-05,"1,234"\nB,2024-03-05,"2,500"\n')
    assert p.data["amount"].tolist() == [1234.0, 2500.0]
    assert any(
        "Numbers in 'amount' like 1,234 or 1.234 could be read two ways" in w for w in p.warnings
    )


def test_quantity_times_unit_price_and_optional_numbers() -> None:
    p = tx(
        "customer,date,qty,unit price\nA,2024-03-05,3,2.55\nB,2024-03-05,-2,1.10\n"
        "C,2024-03-05,,1\nD,2024-03-05,2,x\n"
    )
    assert p.mapping == {
        "customer_id": "customer",
        "order_date": "date",
        "quantity": "qty",
        "unit_price": "unit price",
    }
    assert p.data["amount"].tolist() == [7.65, -2.2]  # rounded: no 7.6499999999
    assert p.rejected[["row", "reason"]].values.tolist() == [
        [4, "missing quantity"],
        [5, "unparseable unit price"],
    ]


def test_amount_wins_and_bad_optional_numbers_become_blank() -> None:
    p = tx("customer,date,total,qty,price\nA,2024-03-05,10,2,5\nB,2024-03-05,7,two,3.5\n")
    assert list(p.data.columns[:6]) == [
        "customer_id",
        "order_id",
        "order_date",
        "amount",
        "quantity",
        "unit_price",
    ]
    assert p.data["amount"].tolist() == [10, 7]
    assert np.isnan(p.data["quantity"].iloc[1])
    assert "1 value in 'qty' is not a number and was left blank." in p.warnings


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "expected", "fmt"),
    [
        (
            ["2024-03-05", "2024-03-05 14:30", "2024-03-05T14:30:15", "2024-03-05 14:30:00.5"],
            ["2024-03-05", "2024-03-05 14:30", "2024-03-05 14:30:15", "2024-03-05 14:30:00.5"],
            "ISO year-month-day",
        ),
        (
            ["2024/03/05", "2024-03-05T14:30:00Z", "2024-03-05 14:30:00+02:00"],
            ["2024-03-05", "2024-03-05 14:30", "2024-03-05 14:30"],
            "ISO year-month-day",
        ),
        (
            ["25/03/2024", "05.03.24 14:30", "5-3-2024 2:30 PM", "01/02/2024 12:05 am"],
            ["2024-03-25", "2024-03-05 14:30", "2024-03-05 14:30", "2024-02-01 00:05"],
            "day/month/year",
        ),
        (
            ["03/25/2024", "03/05/2024 2:30 PM", "12/31/99"],
            ["2024-03-25", "2024-03-05 14:30", "1999-12-31"],
            "month/day/year",
        ),
        (
            ["19970101", "19971231"],
            ["1997-01-01", "1997-12-31"],
            "year-month-day without separators (YYYYMMDD)",
        ),
        (
            ["45356", "45356.5", "45356.75"],
            ["2024-03-05", "2024-03-05 12:00", "2024-03-05 18:00"],
            "Excel serial numbers",
        ),
        (
            ["5 March 2024", "Mar 5, 2024", "05-Mar-2024", "Tue, 5 Mar 2024 14:30"],
            ["2024-03-05", "2024-03-05", "2024-03-05", "2024-03-05 14:30"],
            "dates with month names",
        ),
    ],
)
def test_date_formats(cells: list[str], expected: list[str], fmt: str) -> None:
    rows = "\n".join(f'C{i},"{c}",1' for i, c in enumerate(cells))
    p = tx("customer,date,amount\n" + rows + "\n")
    assert p.rejected.empty
    assert p.data["order_date"].dtype == np.dtype("datetime64[ns]")
    assert p.data["order_date"].tolist() == [pd.Timestamp(e) for e in expected]
    assert p.report["date_format"] == {"date": fmt}


@pytest.mark.parametrize(
    ("dayfirst", "expected", "assumed"),
    [(None, "2024-04-03", True), (True, "2024-04-03", False), (False, "2024-03-04", False)],
)
def test_ambiguous_dates_follow_dayfirst(dayfirst, expected: str, assumed: bool) -> None:
    p = tx("customer,date,amount\nA,03/04/2024,1\nB,05/06/2024,2\n", dayfirst=dayfirst)
    assert p.data["order_date"].iloc[0] == pd.Timestamp(expected)
    assert p.report["dayfirst_assumed"] is assumed
    assert (AMBIGUOUS_DATES in p.warnings) is assumed


def test_a_day_above_12_settles_the_order_whatever_dayfirst_says() -> None:
    p = tx("customer,date,amount\nA,03/04/2024,1\nB,12/25/2024,2\n", dayfirst=True)
    assert p.data["order_date"].tolist() == [pd.Timestamp("2024-03-04"), pd.Timestamp("2024-12-25")]
    assert p.report["date_format"] == {"date": "month/day/year"}
    assert not p.report["dayfirst_assumed"]


def test_excel_date_cells_and_serials_in_a_workbook() -> None:
    import datetime as dt

    from tests.analysis.ingest.test_reading import xlsx_bytes

    rows = [
        ["Café report"],
        [],
        ["Customer", "Date", "Total (€)"],
        ["A", dt.date(2024, 3, 5), 3.5],
        ["B", dt.datetime(2024, 3, 6, 9, 15), 4],
        ["C", 45357, 1],
    ]
    raw = read_table(xlsx_bytes({"S": rows}), filename="cafe.xlsx")
    p = prepare_transactions(raw)
    assert p.data["order_date"].tolist() == [
        pd.Timestamp("2024-03-05"),
        pd.Timestamp("2024-03-06 09:15"),
        pd.Timestamp("2024-03-06"),
    ]
    assert p.data["amount"].tolist() == [3.5, 4.0, 1.0]


# --- rejections, warnings, report ---------------------------------------------------------------


def test_rejections_carry_reason_and_spreadsheet_row() -> None:
    text = (
        "Shop export\n"
        "\n"
        "customer,date,amount,note\n"
        "A,2024-03-05,10,ok\n"  # row 4
        ",2024-03-05,10,no customer\n"  # row 5
        "B,,10,no date\n"  # row 6
        "C,2024-13-45,10,bad date\n"  # row 7
        "D,2024-03-05,,no amount\n"  # row 8
        "E,2024-03-05,ten,bad amount\n"  # row 9
        ",,,first reason wins\n"  # row 10
        "NA,2024-03-05,1,null token\n"  # row 11
    )
    p = tx(text)
    assert p.rejected[["row", "reason"]].values.tolist() == [
        [6, "missing date"],
        [7, "unparseable date"],
        [8, "missing amount"],
        [9, "unparseable amount"],
        [10, "missing customer id"],
    ]
    # rows 5 and 11 have a date and an amount: sales without a customer, not set aside
    assert p.anonymous[["row", "order_date", "amount", "why"]].values.tolist() == [
        [5, pd.Timestamp("2024-03-05"), 10.0, "no customer id"],
        [11, pd.Timestamp("2024-03-05"), 1.0, "no customer id"],
    ]
    assert p.anonymous["order_id"].tolist() == ["row 5", "row 11"]
    assert p.report["anonymous_lines"] == 2 and p.report["anonymous_orders"] == 2
    assert p.report["anonymous_amount"] == 11.0
    # rejected keeps every original column as text
    assert list(p.rejected.columns) == ["customer", "date", "amount", "note", "row", "reason"]
    assert p.rejected["amount"].iloc[3] == "ten"
    assert p.report["rejected_by_reason"] == {
        "missing customer id": 1,
        "missing date": 1,
        "unparseable date": 1,
        "missing amount": 1,
        "unparseable amount": 1,
    }
    assert p.warnings[0].startswith("5 rows of 8 could not be used and were set aside")
    assert p.warnings[1].startswith(
        "2 lines with a date and an amount but no customer (guest or till sales, 2 orders, "
        "11.00 in all) are kept as sales without a customer"
    )
    assert len(p.data) + len(p.anonymous) + len(p.rejected) == 8


def test_kept_but_counted_lines() -> None:
    text = (
        "customer,date,amount\n"
        "A,2024-03-05,10\n"
        "A,2024-03-05,10\n"  # exact duplicate of the line above
        "B,2024-03-06,-4\n"  # refund
        "C,2024-03-07,0\n"  # zero
        "D,2199-01-01,5\n"  # future (2200 and later: a typo, rejected)
    )
    p = tx(text)
    r = p.report
    assert (r["refund_lines"], r["zero_amount_lines"], r["duplicate_lines"], r["future_dates"]) == (
        1,
        1,
        1,
        1,
    )
    assert len(p.data) == 5
    assert (
        "1 line has a negative amount (refunds or cancellations); it is kept and reduces "
        "the totals." in p.warnings
    )
    assert "1 line has an amount of 0; it is kept." in p.warnings
    assert any(w.startswith("1 line is an exact copy of an earlier line") for w in p.warnings)
    assert "1 line is dated after today (latest 2199-01-01); it is kept." in p.warnings
    assert r["rows_read"] == 5 and r["rows_used"] == 5 and r["rows_rejected"] == 0
    assert r["date_min"] == pd.Timestamp("2024-03-05")
    assert r["date_max"] == pd.Timestamp("2199-01-01")
    assert r["customers"] == 4
    assert r["orders"] == 4  # A's two identical lines share customer and timestamp


def test_canonical_columns_order_types_and_extras() -> None:
    text = (
        "Order,Customer,Date,Product,Qty,Price,Total,Category,Channel,Country,amount,Notes\n"
        " 7 , C1 ,2024-03-05 14:30,Mug,2,2.50,5.00,Kitchen,Web,FR,x,hello\n"
        "8,C2,2024-03-06,,1,1,1,,,,y,\n"
    )
    p = tx(text)
    assert p.mapping == {
        "customer_id": "Customer",
        "order_id": "Order",
        "order_date": "Date",
        "amount": "Total",
        "quantity": "Qty",
        "unit_price": "Price",
        "product": "Product",
        "category": "Category",
        "channel": "Channel",
        "country": "Country",
    }
    d = p.data
    assert list(d.columns) == [
        "customer_id",
        "order_id",
        "order_date",
        "amount",
        "quantity",
        "unit_price",
        "product",
        "category",
        "channel",
        "country",
        "amount (original)",
        "Notes",
    ]
    assert d["customer_id"].tolist() == ["C1", "C2"]  # trimmed
    assert d["order_id"].tolist() == ["7", "8"]
    assert isinstance(d.index, pd.RangeIndex)
    assert str(d["order_date"].dtype) == "datetime64[ns]"
    for c in ("amount", "quantity", "unit_price"):
        assert d[c].dtype == np.float64
    for c in ("customer_id", "order_id", "product", "amount (original)", "Notes"):
        assert isinstance(d[c].dtype, pd.StringDtype)
    assert d["product"].isna().tolist() == [False, True]  # blank optional text is missing
    assert d["amount (original)"].tolist() == ["x", "y"]


def test_synthetic_order_id_is_one_order_per_customer_per_timestamp() -> None:
    p = tx(
        "customer,date,amount\nA,2024-03-05 14:30,1\nA,2024-03-05 14:30,2\n"
        "A,2024-03-06,3\nB,2024-03-05 14:30,4\n"
    )
    assert p.data["order_id"].tolist() == [
        "A|2024-03-05T14:30:00",
        "A|2024-03-05T14:30:00",
        "A|2024-03-06T00:00:00",
        "B|2024-03-05T14:30:00",
    ]
    assert p.report["orders"] == 3


def test_empty_order_number_cells_get_a_synthetic_id_and_a_warning() -> None:
    p = tx("customer,order no,date,amount\nA,1,2024-03-05,1\nA,,2024-03-06,1\n")
    assert p.data["order_id"].tolist() == ["1", "A|2024-03-06T00:00:00"]
    assert any("1 line has no order number" in w for w in p.warnings)


def test_missing_required_role_names_it_and_lists_the_columns() -> None:
    raw = table("customer,amount\nA,1\n", "no_dates.csv")
    with pytest.raises(
        DataError,
        match=r"could not find the order date in 'no_dates\.csv'\. "
        r"Its columns are: 'customer', 'amount'",
    ):
        prepare_transactions(raw)
    raw = table("customer,date,qty\nA,2024-01-01,1\n")
    with pytest.raises(DataError, match=r"amount \(or quantity and unit price\)"):
        prepare_transactions(raw)


def test_explicit_mapping_is_checked() -> None:
    raw = table("who,when,what\nA,2024-01-01,1\n")
    p = prepare_transactions(
        raw, {"customer_id": "who", "order_date": "when", "amount": "what", "product": None}
    )
    assert p.mapping == {"customer_id": "who", "order_date": "when", "amount": "what"}
    with pytest.raises(DataError, match=r"The column 'nope' chosen as amount is not in"):
        prepare_transactions(raw, {"customer_id": "who", "order_date": "when", "amount": "nope"})
    with pytest.raises(DataError, match=r"'who' is chosen for more than one role"):
        prepare_transactions(raw, {"customer_id": "who", "order_date": "when", "amount": "who"})


def test_file_warnings_come_first() -> None:
    from tests.analysis.ingest.test_reading import xlsx_bytes

    raw = read_table(
        xlsx_bytes({"S": [["customer", "date", "amount"], ["A", "2024-01-01", 1]]}),
        filename="x.csv",
    )
    p = prepare_transactions(raw)
    assert "really an Excel-type workbook" in p.warnings[0]


def test_plain_dataframe_from_a_notebook() -> None:
    raw = pd.DataFrame(
        {
            "customer": ["A", None, "B"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "amount": [1.5, 2.0, np.nan],
        }
    )
    p = prepare_transactions(raw)
    assert p.data["amount"].tolist() == [1.5]
    assert p.rejected[["row", "reason"]].values.tolist() == [[4, "missing amount"]]
    assert p.anonymous[["row", "amount"]].values.tolist() == [[3, 2.0]]


# --- responses -----------------------------------------------------------------------------------


def test_prepare_responses_scales_and_rejections() -> None:
    text = (
        "Date,How likely are you to recommend us to a friend or colleague?,Why?,"
        "Satisfaction (1-5),Effort (1-7),Email,Plan\n"
        "2024-03-05,10,Great coffee and friendly staff,5,7,a@x.com,Gold\n"  # 2
        "2024-03-06,0,Too slow,,,,Basic\n"  # 3 blank csat/ces/customer are fine
        "2024-03-06,11,Too slow,3,3,b@x.com,Basic\n"  # 4
        "2024-03-06,7.5,Ok,3,3,b@x.com,Basic\n"  # 5
        "2024-03-07,9 - Very likely,Nice,4,2,c@x.com,Gold\n"  # 6
        "2024-03-07,8,Nice,6,2,c@x.com,Gold\n"  # 7
        "2024-03-07,8,Nice,4,9,c@x.com,Gold\n"  # 8
        "2024-03-07,,Nice,4,2,c@x.com,Gold\n"  # 9
        "soon,8,Nice,4,2,c@x.com,Gold\n"  # 10
        "2024-03-08,8.0,Nice,4.0,2,d@x.com,Gold\n"  # 11 whole numbers written as 8.0
    )
    p = prepare_responses(table(text, "survey.csv"))
    assert p.mapping == {
        "response_date": "Date",
        "score": "How likely are you to recommend us to a friend or colleague?",
        "customer_id": "Email",
        "comment": "Why?",
        "csat": "Satisfaction (1-5)",
        "ces": "Effort (1-7)",
    }
    d = p.data
    assert list(d.columns) == [
        "response_date",
        "score",
        "customer_id",
        "comment",
        "csat",
        "ces",
        "Plan",
    ]
    assert d["score"].dtype == np.int64
    assert d["score"].tolist() == [10, 0, 9, 8, 8, 8]
    assert str(d["csat"].dtype) == "Int64" and str(d["ces"].dtype) == "Int64"
    # a satisfaction 6 (row 7) or an effort 9 (row 8) loses that value, not the response
    assert d["csat"].tolist() == [5, pd.NA, 4, pd.NA, 4, 4]
    assert d["ces"].tolist() == [7, pd.NA, 2, 2, pd.NA, 2]
    assert d["customer_id"].isna().tolist() == [False, True, False, False, False, False]
    assert str(d["response_date"].dtype) == "datetime64[ns]"
    assert p.rejected[["row", "reason"]].values.tolist() == [
        [4, "score outside 0-10"],
        [5, "score not a whole number"],
        [9, "missing score"],
        [10, "unparseable date"],
    ]
    assert (
        "1 value in 'Satisfaction (1-5)' could not be read as a satisfaction score 1-5 (for "
        "example '6') and was left blank; its response is kept." in p.warnings
    )
    assert any(w.startswith("1 value in 'Effort (1-7)' could not") for w in p.warnings)
    r = p.report
    assert (r["rows_read"], r["rows_used"], r["responses"], r["respondents"]) == (10, 6, 6, 3)
    assert r["date_min"] == pd.Timestamp("2024-03-05")


def test_prepare_responses_without_a_date_column() -> None:
    p = prepare_responses(table("NPS,Comment\n9,Lovely shop with great staff\n3,Meh\n"))
    assert p.data["response_date"].isna().all()
    assert str(p.data["response_date"].dtype) == "datetime64[ns]"
    assert "The file has no date column, so the responses cannot be shown over time." in p.warnings
    assert p.report["respondents"] is None and p.report["date_min"] is None


def test_prepare_responses_needs_a_score() -> None:
    with pytest.raises(DataError, match=r"could not find the score .* in 'shop\.csv'"):
        prepare_responses(table("Date,Comment\n2024-01-01,Lovely shop with great staff\n"))


def test_no_usable_row_gives_an_empty_typed_table_not_an_error() -> None:
    p = tx("customer,date,amount\n,2024-01-01,\n,x,2\n")
    assert p.data.empty and len(p.rejected) == 2 and p.anonymous.empty
    assert [str(t) for t in p.data.dtypes] == ["str", "str", "datetime64[ns]", "float64"]
    assert p.report["date_min"] is None and p.report["customers"] == 0
    assert p.warnings == [
        "2 rows of 2 could not be used and were set aside (missing customer id: 2). You can "
        "download them, fix them and upload the file again."
    ]


def test_survey_answers_written_as_words_are_read_as_their_numbers() -> None:
    text = (
        "Date,How likely are you to recommend us?,How satisfied are you? (CSAT),"
        "How easy was it? (CES)\n"
        "2024-03-05,10 - Extremely likely,Very satisfied,Very easy\n"  # 2
        "2024-03-05,Not at all likely - 0,Very dissatisfied,Strongly disagree\n"  # 3
        "2024-03-05,Extremely likely,Neither satisfied nor dissatisfied,Somewhat agree\n"  # 4
        "2024-03-05,Not at all likely,  satisfied ,Difficult\n"  # 5
        "2024-03-05,7,Thrilled,3\n"  # 6: an unknown label loses only the satisfaction
        "2024-03-05,Very likely,4,5\n"  # 7: a score label we cannot place is not guessed
    )
    p = prepare_responses(table(text, "survey.csv"))
    assert p.mapping["csat"] == "How satisfied are you? (CSAT)"
    assert p.mapping["ces"] == "How easy was it? (CES)"
    d = p.data
    assert d["score"].tolist() == [10, 0, 10, 0, 7]
    assert d["csat"].tolist() == [5, 1, 3, 4, pd.NA]
    assert d["ces"].tolist() == [7, 1, 5, 2, 3]
    assert p.rejected[["row", "reason"]].values.tolist() == [[7, "unparseable score"]]
    assert any("(for example 'Thrilled')" in w for w in p.warnings)


def test_test_preview_and_unfinished_responses_are_left_out_with_the_reason() -> None:
    text = (
        "Date,NPS,Status,Finished\n"
        "2024-03-05,9,IP Address,True\n"  # 2
        "2024-03-05,3,Survey Preview,True\n"  # 3
        "2024-03-05,10,Test,True\n"  # 4
        "2024-03-05,6,IP Address,False\n"  # 5
        "2024-03-05,8,Partial,True\n"  # 6
        "2024-03-06,7,IP Address,1\n"  # 7
    )
    p = prepare_responses(table(text, "survey.csv"))
    assert p.data["score"].tolist() == [9, 7]
    assert p.rejected[["row", "reason"]].values.tolist() == [
        [3, "preview response"],
        [4, "test response"],
        [5, "unfinished response"],
        [6, "unfinished response"],
    ]
    assert p.report["rejected_by_reason"] == {
        "unfinished response": 2,
        "preview response": 1,
        "test response": 1,
    }


# --- issue 12: rules added after the split --------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2024-03-05 01:30 PM", "2024-03-05 13:30"),
        ("2024/03/05 1:30:00 PM", "2024-03-05 13:30"),
        ("2024-03-05 12:15 AM", "2024-03-05 00:15"),
        ("2024-03-05 12:15 pm", "2024-03-05 12:15"),
        ("2024.03.05 9:05 a.m.", "2024-03-05 09:05"),
    ],
)
def test_year_first_dates_with_am_pm(cell: str, expected: str) -> None:
    p = tx(f'customer,date,amount\nC1,"{cell}",1\nC2,2024-03-06,2\n')
    assert p.rejected.empty
    assert p.data["order_date"].iloc[0] == pd.Timestamp(expected)
    assert p.report["date_format"] == {"date": "ISO year-month-day"}


def test_year_first_hour_out_of_twelve_hour_range_is_not_understood() -> None:
    p = tx("customer,date,amount\nC1,2024-03-05 13:30 PM,1\nC2,2024-03-06,2\n")
    assert p.rejected["reason"].tolist() == ["unparseable date"]
    assert p.rejected["row"].tolist() == [2]


def test_a_mapping_changed_by_hand_reads_a_known_export_as_an_unknown_file() -> None:
    from tests.paths import DATA

    raw = read_table(DATA / "exports" / "shopify_orders.csv")
    own = prepare_transactions(raw, detect_columns(raw, "transactions"))
    assert own.report["profile"] == "shopify_orders"  # its own mapping: the profile applies
    assert not any("chosen by hand" in w for w in own.warnings)

    by_hand = {**detect_columns(raw, "transactions"), "customer_id": "Billing Name"}
    p = prepare_transactions(raw, by_hand)
    assert "profile" not in p.report
    assert p.mapping["customer_id"] == "Billing Name"
    assert p.warnings[0].startswith(
        "The file looks like a Shopify orders export, but its columns were chosen by hand"
    )
    # as for an unknown file: the voided and cancelled rows are not left out by the profile
    assert "voided order" not in p.report["rejected_by_reason"]
    assert len(p.data) + len(p.anonymous) + len(p.rejected) == len(raw)
    assert p.data["customer_id"].isin(raw["Billing Name"]).all()


def test_a_mapping_changed_by_hand_on_a_known_survey_says_so_too() -> None:
    from tests.paths import DATA

    raw = read_table(DATA / "exports" / "typeform.csv")
    detected = detect_columns(raw, "responses")
    assert "chosen by hand" not in " ".join(prepare_responses(raw, detected).warnings)
    by_hand = {r: c for r, c in detected.items() if r != "comment"}
    p = prepare_responses(raw, by_hand)
    assert "profile" not in p.report
    assert p.warnings[0].startswith("The file looks like a Typeform responses export")


def _known_exports() -> list:
    from tests.paths import DATA

    return sorted(p for p in (DATA / "exports").iterdir() if p.suffix != ".md")


@pytest.mark.parametrize("path", _known_exports(), ids=lambda p: p.name)
def test_the_mapping_shown_on_your_data_applied_unchanged_keeps_the_profile(path) -> None:
    # "Your data" offers the file's columns for each role; "Apply" without a change passes them
    raw = read_table(path)
    try:
        auto, func = prepare_transactions(raw), prepare_transactions
    except DataError:
        auto, func = prepare_responses(raw), prepare_responses
    form = {role: col for role, col in auto.mapping.items() if col in list(raw.columns)}
    again = func(raw, form)
    assert again.report.get("profile") == auto.report.get("profile")  # None: german_till.csv
    assert again.warnings == auto.warnings


def test_duplicate_count_is_the_row_hash_count() -> None:
    """Duplicates counted column by column equal the count by whole-row hashes."""
    from analysis.ingest.preparing import _duplicates

    rng = np.random.default_rng(3)
    n = 400
    raw = pd.DataFrame(
        {
            "a": pd.Series(rng.choice(["x", "y", None], n), dtype="str"),
            "b": rng.choice([1.0, 2.0, np.nan], n),
            "c": pd.Series(rng.choice([1, "1", 1.5, None], n), dtype=object),
            "d": pd.Series(rng.choice(["p", "q"], n), dtype="str"),
        }
    )
    for used in (np.ones(n, dtype=bool), rng.random(n) < 0.5):
        for cols in (["a"], ["b", "c"], ["a", "b", "c", "d"], ["d", "a"]):
            sub = raw[cols].iloc[np.flatnonzero(used)]
            by_hash = pd.Series(pd.util.hash_pandas_object(sub, index=False)).duplicated()
            assert _duplicates(raw[cols], used) == int(by_hash.sum()) > 0
    unique = raw.assign(e=pd.Series([f"o{i}" for i in range(n)], dtype="str"))
    assert _duplicates(unique, np.ones(n, dtype=bool)) == 0


def test_duplicate_count_does_not_depend_on_the_column_looked_at_first() -> None:
    from analysis.ingest.preparing import _duplicates

    raw = pd.DataFrame(
        {"c": ["a", "a", "b", "a"], "o": ["1", "1", "2", "3"], "x": ["p", "p", "p", "q"]},
        dtype="str",
    )
    used = np.ones(4, dtype=bool)
    assert {_duplicates(raw, used, first) for first in (None, "c", "o", "x", "nope")} == {1}
    assert _duplicates(raw.assign(o=["1", "2", "3", "4"]), used, "o") == 0
