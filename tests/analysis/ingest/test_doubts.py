"""Sanity checks before any figure is shown: prepare_transactions doubts a mapping that looks
wrong (report["doubts"], also in warnings) and suggests the file's likely better column."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.ingest import DataError, prepare_responses, prepare_transactions, read_table

N = 30  # usable lines: enough to doubt a mapping (at least 20)


def table(columns: dict[str, list[str]]) -> pd.DataFrame:
    text = ",".join(columns) + "\n"
    for row in zip(*columns.values(), strict=True):
        text += ",".join(row) + "\n"
    return read_table(text.encode(), filename="shop.csv")


def day(i: int) -> str:
    return (pd.Timestamp("2024-01-01") + pd.Timedelta(days=i)).strftime("%Y-%m-%d")


PEOPLE = [f"p{i % 6}@example.com" for i in range(N)]  # 6 customers who come back


def rules(p) -> list[tuple[str, str, str | None]]:
    return [(d["rule"], d["column"], d["suggestion"]) for d in p.report["doubts"]]


def test_a_right_mapping_has_no_doubt() -> None:
    raw = table(
        {
            "Email": PEOPLE,
            "Order": [f"A{i}" for i in range(N)],
            "Date": [day(i) for i in range(N)],
            "Total": [str(10 + i) for i in range(N)],
        }
    )
    p = prepare_transactions(raw)
    assert p.report["doubts"] == []


def test_one_customer_on_every_line() -> None:
    raw = table(
        {
            "Account": ["SHOP-001"] * N,
            "Email": PEOPLE,
            "Date": [day(i) for i in range(N)],
            "Total": ["5"] * N,
        }
    )
    p = prepare_transactions(
        raw, {"customer_id": "Account", "order_date": "Date", "amount": "Total"}
    )
    assert rules(p) == [("one_customer", "Account", "Email")]
    assert p.report["doubts"][0]["role"] == "customer_id"
    msg = p.report["doubts"][0]["message"]
    assert "'SHOP-001'" in msg and "'Email' looks like a better choice" in msg
    assert msg in p.warnings


def test_customer_column_holding_the_order_numbers() -> None:
    # the German till of issue 12: the order number taken as the customer
    raw = table(
        {
            "Kunde": [f"K-{i % 5}" for i in range(N)],
            "Datum": [day(i) for i in range(N)],
            "Betrag": ["3.50"] * N,
            "Beleg": [f"B-{1000 + i}" for i in range(N)],
        }
    )
    p = prepare_transactions(
        raw, {"customer_id": "Beleg", "order_date": "Datum", "amount": "Betrag"}
    )
    assert rules(p) == [("customer_is_order", "Beleg", "Kunde")]
    assert "consecutive numbers" in p.report["doubts"][0]["message"]
    # the same column for both roles: the order numbers
    raw["Copy"] = raw["Beleg"]
    p = prepare_transactions(
        raw,
        {"customer_id": "Beleg", "order_id": "Copy", "order_date": "Datum", "amount": "Betrag"},
    )
    assert rules(p) == [("customer_is_order", "Beleg", "Kunde")]
    assert "(the order numbers)" in p.report["doubts"][0]["message"]


def test_as_many_customers_as_orders() -> None:
    names = [f"{a} {b}" for a in ("Ann", "Bo", "Cy", "Di", "Ed", "Flo") for b in "VWXYZ"]
    raw = table(
        {
            "Name": names,
            "Email": PEOPLE,
            "Date": [day(i) for i in range(N)],
            "Total": ["7"] * N,
        }
    )
    p = prepare_transactions(raw, {"customer_id": "Name", "order_date": "Date", "amount": "Total"})
    assert rules(p) == [("one_order_per_customer", "Name", "Email")]
    assert "30 customers, 30 orders" in p.report["doubts"][0]["message"]


def test_amount_mostly_zero() -> None:
    raw = table(
        {
            "Email": PEOPLE,
            "Date": [day(i) for i in range(N)],
            "Discount": ["0"] * (N - 5) + ["2"] * 5,
            "Total": [str(10 + i) for i in range(N)],
        }
    )
    p = prepare_transactions(
        raw, {"customer_id": "Email", "order_date": "Date", "amount": "Discount"}
    )
    assert rules(p) == [("amount_mostly_zero", "Discount", "Total")]
    assert p.report["doubts"][0]["message"].startswith("83% of the amounts read from 'Discount'")


def test_dates_all_on_one_day() -> None:
    raw = table(
        {
            "Email": PEOPLE,
            "Exported": ["2024-06-30 08:00"] * N,
            "Order date": [day(i) for i in range(N)],
            "Total": [str(10 + i) for i in range(N)],
        }
    )
    p = prepare_transactions(
        raw, {"customer_id": "Email", "order_date": "Exported", "amount": "Total"}
    )
    assert rules(p) == [("one_day", "Exported", "Order date")]
    assert "30 Jun 2024" in p.report["doubts"][0]["message"]


def test_no_better_column_no_suggestion_and_tiny_files_are_not_doubted() -> None:
    raw = table({"Account": ["SHOP"] * N, "Date": [day(i) for i in range(N)], "Total": ["5"] * N})
    mapping = {"customer_id": "Account", "order_date": "Date", "amount": "Total"}
    p = prepare_transactions(raw, mapping)
    assert rules(p) == [("one_customer", "Account", None)]
    assert "better choice" not in p.report["doubts"][0]["message"]
    # issue 12: small files are checked too (19 lines, 19 orders of one customer) ...
    assert rules(prepare_transactions(raw.iloc[:19], mapping)) == [
        ("one_customer", "Account", None)
    ]
    # ... but 4 lines are too few to doubt anything
    assert prepare_transactions(raw.iloc[:4], mapping).report["doubts"] == []


# --- issue 12: small files are checked too, with the checks that stay reliable on a few lines --

S = 8  # usable lines of a small file


def test_small_file_one_customer_for_all_orders() -> None:
    raw = table({"Account": ["SHOP"] * S, "Date": [day(i) for i in range(S)], "Total": ["5"] * S})
    mapping = {"customer_id": "Account", "order_date": "Date", "amount": "Total"}
    assert rules(prepare_transactions(raw, mapping)) == [("one_customer", "Account", None)]
    # one customer's single basket of 8 lines (2 orders) is no sign of a wrong column
    raw = table(
        {
            "Account": ["Ann"] * S,
            "Order": ["A1"] * 4 + ["A2"] * 4,
            "Date": ["2024-01-01"] * 4 + ["2024-01-09"] * 4,
            "Total": ["5"] * S,
        }
    )
    mapping = {**mapping, "order_id": "Order"}
    assert prepare_transactions(raw, mapping).report["doubts"] == []


def test_small_file_customer_holding_the_order_numbers() -> None:
    # the German till of issue 12, 8 lines: the receipt number (no order column) taken as the
    # customer
    raw = table(
        {
            "Kunde": ["K-1", "K-2", "K-1", "K-3", "K-2", "K-1", "K-4", "K-3"],
            "Datum": [day(i) for i in range(S)],
            "Betrag": ["3.50"] * S,
            "Beleg": [str(1000 + i) for i in range(S)],
        }
    )
    mapping = {"customer_id": "Beleg", "order_date": "Datum", "amount": "Betrag"}
    assert rules(prepare_transactions(raw, mapping)) == [("customer_is_order", "Beleg", "Kunde")]
    # the same column for both roles
    mapping = {**mapping, "order_id": "Beleg"}
    raw["Copy"] = raw["Beleg"]
    mapping["customer_id"] = "Copy"
    assert rules(prepare_transactions(raw, mapping)) == [("customer_is_order", "Copy", "Kunde")]
    # the right columns: no doubt
    right = {"customer_id": "Kunde", "order_id": "Beleg", "order_date": "Datum", "amount": "Betrag"}
    assert prepare_transactions(raw, right).report["doubts"] == []


def test_small_file_customers_with_one_order_each_are_not_doubted() -> None:
    # 8 different customers, one order each, with gaps or beside an order column: common
    raw = table(
        {
            "Customer": [str(c) for c in (101, 104, 105, 109, 110, 115, 120, 121)],
            "Date": [day(i) for i in range(S)],
            "Total": ["5"] * S,
        }
    )
    assert prepare_transactions(raw).report["doubts"] == []
    raw = table(
        {
            "Customer": [str(100 + i) for i in range(S)],
            "Order": [f"A{i}" for i in range(S)],
            "Date": [day(i) for i in range(S)],
            "Total": ["5"] * S,
        }
    )
    assert prepare_transactions(raw).report["doubts"] == []


def test_small_file_amount_mostly_zero() -> None:
    raw = table(
        {
            "Email": PEOPLE[:S],
            "Date": [day(i) for i in range(S)],
            "Discount": ["0"] * 6 + ["2"] * 2,
            "Total": [str(10 + i) for i in range(S)],
        }
    )
    mapping = {"customer_id": "Email", "order_date": "Date", "amount": "Discount"}
    assert rules(prepare_transactions(raw, mapping)) == [
        ("amount_mostly_zero", "Discount", "Total")
    ]


def test_small_file_one_day_only_with_a_better_date_column() -> None:
    one_day = {"Email": PEOPLE[:S], "Exported": ["2024-06-30 08:00"] * S, "Total": ["5"] * S}
    mapping = {"customer_id": "Email", "order_date": "Exported", "amount": "Total"}
    # one day's till sales: a small file of one day is common, nothing better to suggest
    assert prepare_transactions(table(one_day), mapping).report["doubts"] == []
    raw = table({**one_day, "Order date": [day(i) for i in range(S)]})
    assert rules(prepare_transactions(raw, mapping)) == [("one_day", "Exported", "Order date")]


def test_fewer_than_five_lines_are_not_doubted() -> None:
    raw = table({"Account": ["SHOP"] * 4, "Date": [day(i) for i in range(4)], "Total": ["0"] * 4})
    mapping = {"customer_id": "Account", "order_date": "Date", "amount": "Total"}
    assert prepare_transactions(raw, mapping).report["doubts"] == []


def _fixtures() -> list:
    from tests.paths import DATA

    return sorted(
        p
        for folder in ("exports", "ingest")
        for p in (DATA / folder).iterdir()
        if p.suffix in (".csv", ".txt", ".xls", ".xlsx")
    )


@pytest.mark.parametrize("path", _fixtures(), ids=lambda p: p.name)
def test_no_false_alarm_on_the_fixture_files(path) -> None:
    raw = read_table(path)
    try:
        p = prepare_transactions(raw)
    except DataError:  # a survey export: no transactions to doubt
        p = prepare_responses(raw)
        assert "doubts" not in p.report
        return
    assert p.report["doubts"] == [], path.name


# --- issue 12: an empty column is never chosen when another fits; when none does, it is named --


def test_an_empty_column_chosen_only_for_want_of_another_is_named() -> None:
    raw = table(
        {
            "Customer": [""] * S,
            "Date": [day(i) for i in range(S)],
            "Total": [str(10 + i) for i in range(S)],
        }
    )
    p = prepare_transactions(raw)
    assert p.mapping["customer_id"] == "Customer"
    assert len(p.anonymous) == S  # every sale kept, as a sale without a customer
    assert rules(p) == [("empty_column", "Customer", None)]
    assert "'Customer' chosen as the customer id is empty on every row" in p.warnings[-1]
