"""Sanity checks before any figure is shown: prepare_transactions doubts a mapping that looks
wrong (report["doubts"], also in warnings) and suggests the file's likely better column."""

from __future__ import annotations

import pandas as pd

from analysis.ingest import prepare_transactions, read_table

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


def test_no_better_column_no_suggestion_and_small_files_are_not_doubted() -> None:
    raw = table({"Account": ["SHOP"] * N, "Date": [day(i) for i in range(N)], "Total": ["5"] * N})
    mapping = {"customer_id": "Account", "order_date": "Date", "amount": "Total"}
    p = prepare_transactions(raw, mapping)
    assert rules(p) == [("one_customer", "Account", None)]
    assert "better choice" not in p.report["doubts"][0]["message"]
    small = prepare_transactions(raw.iloc[:19], mapping)
    assert small.report["doubts"] == []
