"""Known exports (analysis.ingest.profiles): each fixture gives its hand-computed figures.

The truths are worked out in tests/data/exports/README.md from the rows of each file.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from analysis.core.text import plural
from analysis.ingest import detect_columns, prepare_responses, prepare_transactions, read_table
from analysis.ingest import profiles as ip
from tests.paths import DATA

EXPORTS = DATA / "exports"

LS_LINE = "product line (the sale's own row counts)"
LS_PAYMENT = "payment line (the sale's own row counts)"
# file, profile, customers, orders, net revenue, rows used, rows set aside by reason
SALES = [
    (
        "shopify_orders.csv",
        "shopify_orders",
        3,
        6,
        250.68,
        10,
        {
            "voided order": 4,
            "cancelled order": 1,
            "order with payment pending": 1,
        },
    ),
    (
        "woocommerce_orders.csv",
        "woocommerce_orders",
        5,
        7,
        300.20,
        7,
        {
            "cancelled order": 1,
            "failed order": 1,
            "refunded order": 1,
            "order with payment pending": 1,
            "order on hold (payment not confirmed)": 1,
        },
    ),
    (
        "woocommerce_order_items.csv",
        "woocommerce_order_items",
        3,
        5,
        126.30,
        8,
        {"cancelled order": 1, "order with payment pending": 1},
    ),
    ("square_item_sales.csv", "square_items", 3, 6, 42.00, 10, {}),
    ("square_transactions.csv", "square_transactions", 3, 6, 42.00, 7, {}),
    (
        "stripe_payments.csv",
        "stripe_payments_unified",
        3,
        6,
        370.00,
        6,
        {
            "failed payment": 1,
            "payment authorised but never captured": 1,
            "blocked payment": 1,
        },
    ),
    (
        "stripe_payments_legacy.csv",
        "stripe_payments_legacy",
        3,
        5,
        97.50,
        5,
        {"failed payment": 1, "test payment": 1},
    ),
    (
        "paypal_activity.csv",
        "paypal_activity",
        3,
        5,
        133.99,
        6,
        {
            "not a sale (Type: General Currency Conversion)": 1,
            "pending payment": 1,
            "not a sale (Type: General Withdrawal)": 1,
            "money the shop paid out, not a sale": 1,
            "denied payment": 1,
            "not a sale (Type: Hold on Balance for Dispute Investigation)": 1,
        },
    ),
    ("etsy_sold_orders.csv", "etsy_sold_orders", 4, 6, 219.60, 6, {"cancelled order": 1}),
    ("etsy_sold_order_items.csv", "etsy_sold_order_items", 4, 6, 192.00, 9, {}),
    ("amazon_orders.txt", "amazon_orders", 3, 5, 183.00, 6, {}),
    (
        "squarespace_orders.csv",
        "squarespace_orders",
        3,
        5,
        352.00,
        7,
        {"cancelled order": 1, "order with payment pending": 1},
    ),
    ("xero_invoices.csv", "xero_invoices", 3, 5, 828.00, 8, {}),
    (
        "lightspeed_xseries_sales.csv",
        "lightspeed_xseries_sales",
        3,
        5,
        98.50,
        5,
        {
            LS_LINE: 8,
            LS_PAYMENT: 6,
            "open layby (not completed)": 3,
            "voided sale": 2,
        },
    ),
    # no customer column: every sale is a sale without a customer (see ANONYMOUS)
    ("sumup_sales.csv", "sumup_sales", 0, 0, 0.0, 0, {}),
    ("sumup_sales_de.csv", "sumup_sales_de", 0, 0, 0.0, 0, {}),
    ("zettle_payments.csv", "zettle_payments", 0, 0, 0.0, 0, {}),
    (
        "bigcommerce_orders.csv",
        "bigcommerce_orders",
        3,
        5,
        190.50,
        5,
        {
            "cancelled order": 1,
            "order awaiting payment": 1,
            "declined order": 1,
            "incomplete order (checkout not finished)": 1,
        },
    ),
    ("wix_orders.csv", "wix_orders", 3, 5, 136.50, 7, {"unpaid order": 1}),
    (
        "quickbooks_sales_by_customer_detail.csv",
        "quickbooks_sales_by_customer",
        4,
        9,
        548.00,
        10,
        {
            "a total row, not a sale": 5,
            "a customer heading row (its lines carry the customer)": 4,
            "a note under the report, not a sale": 1,
        },
    ),
]
# sales without a customer (README truths): file -> (spreadsheet rows, net amount)
ANONYMOUS = {
    "shopify_orders.csv": ([12], 12.00),  # #1007, a till sale without e-mail
    "square_item_sales.csv": ([4, 11], 7.50),  # the two walk-in sales, 3.00 + 4.50
    "square_transactions.csv": ([3, 8], 7.50),
    "stripe_payments.csv": ([8], 60.00),
    "stripe_payments_legacy.csv": ([9], 18.00),
    "german_till.csv": ([6, 11], 4.70),  # the walk-ins 2.80 + 1.90
    "lightspeed_xseries_sales.csv": ([6], 12.50),  # receipt 102, customer code WALKIN
    "sumup_sales.csv": ([2, 3, 4, 5, 6, 7, 8, 9], 48.70),  # every line: no customer column
    "sumup_sales_de.csv": ([2, 3, 4, 5, 6, 7], 34.70),
    "zettle_payments.csv": ([2, 3, 4, 5, 6, 7, 8], 103.00),
}
# sales without a customer, counted as orders (README truths): file -> distinct orders
ANONYMOUS_ORDERS = {"sumup_sales.csv": 6, "sumup_sales_de.csv": 4, "zettle_payments.csv": 7}
HEADER_ROW = "a second header row (question text), not a response"
# file, profile, responses, NPS, rows set aside by reason
SURVEYS = [
    ("google_forms.csv", "google_forms", 10, 20.0, {}),
    ("surveymonkey.csv", "surveymonkey", 10, 20.0, {HEADER_ROW: 1}),
    (
        "qualtrics.csv",
        "qualtrics",
        8,
        25.0,
        {HEADER_ROW: 2, "preview response": 1, "test response": 1, "unfinished response": 1},
    ),
    ("typeform.csv", "typeform", 8, 25.0, {"unfinished response": 2}),
    ("microsoft_forms.xlsx", "microsoft_forms", 9, 11.111111, {}),
    ("delighted_responses.csv", "delighted", 10, 40.0, {}),
    ("hotjar_survey.csv", "hotjar_survey", 10, 20.0, {"missing score": 1}),
]
# the score column where its name does not hold "recommend" (the default check)
SCORE_COLUMN = {"qualtrics.csv": "Q1", "delighted_responses.csv": "Score"}


@functools.cache
def _read(name: str) -> pd.DataFrame:
    return read_table(EXPORTS / name)


def raw_of(name: str) -> pd.DataFrame:
    """The fixture as read_table gives it (a fresh copy: tests may change it)."""
    raw = _read(name)
    out = raw.copy()
    out.attrs = dict(raw.attrs)
    return out


@functools.cache
def known(name: str):
    """prepare_transactions / prepare_responses with no mapping over a fixture, once per test
    run (tests only read the result): the file read as an uploaded file is."""
    raw = raw_of(name)
    if ip.match_profile(raw.columns).kind == "transactions":
        return prepare_transactions(raw)
    return prepare_responses(raw)


def nps(scores: pd.Series) -> float:
    return round(100 * ((scores >= 9).mean() - (scores <= 6).mean()), 6)


def check_rows(raw: pd.DataFrame, p) -> None:
    """Row conservation, and set-aside rows shown as the file wrote them."""
    assert len(p.data) + len(p.anonymous) + len(p.rejected) == len(raw) == p.report["rows_read"]
    both = set(p.rejected["row"]) | (set(p.anonymous["row"]) if len(p.anonymous) else set())
    assert len(both) == len(p.rejected) + len(p.anonymous)  # no row in both
    assert p.report["rows_used"] == len(p.data)
    assert p.report["rows_rejected"] == len(p.rejected)
    assert sum(p.report["rejected_by_reason"].values()) == len(p.rejected)
    rows = p.rejected["row"].to_numpy()
    assert len(np.unique(rows)) == len(rows) and set(rows) <= set(raw.index)
    for _, r in p.rejected.iterrows():
        for c in raw.columns:
            assert r[c] == raw.at[r["row"], c]


@pytest.mark.parametrize(("name", "key", "customers", "orders", "revenue", "used", "aside"), SALES)
def test_sales_export_gives_its_hand_computed_figures(
    name: str, key: str, customers: int, orders: int, revenue: float, used: int, aside: dict
) -> None:
    raw = raw_of(name)
    profile = ip.match_profile(raw.columns)
    assert profile is not None and profile.key == key
    p = known(name)
    d = p.data
    assert d["customer_id"].nunique() == p.report["customers"] == customers
    assert p.report["orders"] == orders
    assert d["amount"].sum() == pytest.approx(revenue, abs=1e-9)
    assert len(d) == used
    assert p.report["rejected_by_reason"] == aside
    rows, anon_amount = ANONYMOUS.get(name, ([], 0.0))
    assert p.report["anonymous_lines"] == len(p.anonymous) == len(rows)
    if rows:
        assert p.anonymous["row"].tolist() == rows
        assert p.anonymous["amount"].sum() == pytest.approx(anon_amount, abs=1e-9)
        assert "customer_id" not in p.anonymous.columns
        assert not set(p.anonymous["order_id"]) & set(d["order_id"])
    assert p.report["profile"] == key
    assert p.warnings[0].startswith(f"Recognised as a{'n' if profile.name[0] in 'AEIOU' else ''} ")
    assert set(p.mapping.values()) <= set(raw.columns)  # the file's own columns are named
    check_rows(raw, p)


@pytest.mark.parametrize(("name", "key", "responses", "score", "aside"), SURVEYS)
def test_survey_export_gives_its_hand_computed_figures(
    name: str, key: str, responses: int, score: float, aside: dict
) -> None:
    raw = raw_of(name)
    assert ip.match_profile(raw.columns).key == key
    p = known(name)
    assert len(p.data) == p.report["responses"] == responses
    assert nps(p.data["score"]) == pytest.approx(score)
    assert p.data["response_date"].notna().all()
    assert p.report["rejected_by_reason"] == aside
    if name in SCORE_COLUMN:
        assert p.mapping["score"] == SCORE_COLUMN[name]
    else:
        assert "recommend" in p.mapping["score"]
    check_rows(raw, p)


@pytest.mark.parametrize("name", ["shopify_orders.csv", "paypal_activity.csv", "qualtrics.csv"])
def test_the_apps_path_detected_columns_passed_back(name: str) -> None:
    """The app shows detect_columns' mapping and passes it back to the prepare function."""
    raw = raw_of(name)
    kind = ip.match_profile(raw.columns).kind
    detected = detect_columns(raw, kind)
    assert detected == known(name).mapping
    func = prepare_transactions if kind == "transactions" else prepare_responses
    again = func(raw, detected)
    assert again.report["profile"] == known(name).report["profile"]
    assert len(again.data) == len(known(name).data)
    assert again.warnings == known(name).warnings


@pytest.mark.parametrize("name", [s[0] for s in SALES] + [s[0] for s in SURVEYS])
def test_recognised_with_columns_in_another_order_and_extra_columns(name: str) -> None:
    raw = raw_of(name)
    kind = ip.match_profile(raw.columns).kind
    base = known(name)
    cols = list(raw.columns)[::-1]
    if ip.match_profile(raw.columns).first_column is not None:
        # a one-column signature ("Timestamp") needs that column first, as the export writes it
        cols = cols[-1:] + cols[:-1]
    moved = raw[cols].copy()
    moved.insert(2, "My own note", "checked")
    moved.attrs = dict(raw.attrs)
    assert ip.match_profile(moved.columns).key == ip.match_profile(raw.columns).key
    p = ip.prepare_known_export(moved, kind)
    assert len(p.data) == len(base.data)
    assert p.report["rejected_by_reason"] == base.report["rejected_by_reason"]
    if kind == "transactions":
        assert p.data["amount"].sum() == pytest.approx(base.data["amount"].sum())
        assert p.report["orders"] == base.report["orders"]
    else:
        assert nps(p.data["score"]) == nps(base.data["score"])


def test_header_names_compared_without_case_and_spaces() -> None:
    cols = [" NAME", "financial status", "Lineitem  Quantity", "LINEITEM PRICE", "total"]
    assert ip.match_profile(cols).key == "shopify_orders"


def test_unknown_and_partial_headers_match_nothing() -> None:
    assert ip.match_profile(["customer", "date", "amount"]) is None
    assert ip.match_profile(["Kunde", "Datum", "Betrag", "Bestellnummer", "Artikel"]) is None
    # a signature column missing: not Shopify
    assert ip.match_profile(["Name", "Financial Status", "Lineitem quantity", "Total"]) is None
    assert ip.match_profile(["Timestamp", "score"], kind="transactions") is None
    assert ip.match_profile(["Timestamp", "score"], kind="responses").key == "google_forms"


def test_each_profile_has_its_own_signature() -> None:
    keys = [p.key for p in ip.PROFILES]
    assert len(set(keys)) == len(keys)
    for p in ip.PROFILES:
        assert ip.match_profile(list(p.signature), p.kind).key == p.key, p.key
        assert p.source


def test_shopify_description_in_words() -> None:
    p = known("shopify_orders.csv")
    assert p.warnings[0] == (
        "Recognised as a Shopify orders export: 3 voided orders left out, 1 order with payment "
        "pending left out, 1 cancelled order left out, refunds taken from 'Refunded Amount', "
        "order totals ('Total') counted once per order."
    )


def test_order_total_counted_once_and_spread_over_the_lines() -> None:
    d = known("shopify_orders.csv").data
    by_order = d.groupby("order_id")["amount"].sum().round(2).to_dict()
    assert by_order == {
        "#1001": 61.16,
        "#1002": 30.00,
        "#1003": 45.00,
        "#1005": 0.00,
        "#1006": 74.52,
        "#1011": 40.00,
    }
    # #1001: 2 x 20.00 and 1 x 12.00 share 61.16 as 40 : 12, in cents
    assert d.loc[d["order_id"] == "#1001", "amount"].tolist() == [47.05, 14.11]
    # order fields written on the first line only reach the other lines
    second = d[(d["order_id"] == "#1006")]
    assert second["customer_id"].tolist() == ["bob@example.com"] * 3
    assert second["order_date"].nunique() == 1


def test_order_total_spread_equally_without_line_values() -> None:
    profile = ip.Profile(
        key="t",
        name="test export",
        kind="transactions",
        signature=("order", "total"),
        roles={"customer_id": ("who",), "order_id": ("order",), "order_date": ("day",)}
        | {"amount": ("total",)},
        source="test",
        order_level=("who", "day", "total"),
        order_total=True,
    )
    raw = pd.DataFrame(
        {
            "order": ["A", "A", "A", "B"],
            "who": ["x", "", "", "y"],
            "day": ["2024-01-01", "", "", "2024-01-02"],
            "total": ["10.00", "", "", "5"],
        }
    )
    a = ip.apply_profile(raw, profile)
    amounts = a.frame[a.mapping["amount"]].astype(float).tolist()
    assert amounts == pytest.approx([3.34, 3.33, 3.33, 5.0])
    assert a.frame["who"].tolist() == ["x", "x", "x", "y"]
    assert a.description == (
        "Recognised as a test export: order totals ('total') counted once per order."
    )


def test_header_rows_are_only_dropped_when_they_are_header_rows() -> None:
    """A file whose second header row was already deleted by hand loses no response."""
    raw = raw_of("qualtrics.csv")
    cleaned = raw.iloc[2:].copy()
    cleaned.attrs = dict(raw.attrs)
    p = ip.prepare_known_export(cleaned, "responses")
    assert HEADER_ROW not in p.report["rejected_by_reason"]
    assert len(p.data) == 8 and nps(p.data["score"]) == 25.0
    raw = raw_of("surveymonkey.csv")
    p = ip.prepare_known_export(raw.iloc[1:], "responses")
    assert p.report["rejected_by_reason"] == {} and len(p.data) == 10


def test_qualtrics_score_found_by_its_nps_group_column_and_question_text() -> None:
    raw = raw_of("qualtrics.csv")
    a = ip.apply_profile(raw, ip.match_profile(raw.columns))
    assert a.mapping["score"] == "Q1"
    assert a.subheaders["Q2"] == "What is the main reason for your score?"
    assert ip.complete_mapping(a)["comment"] == "Q2"


def test_paypal_refund_joins_the_payment_it_refunds() -> None:
    p = known("paypal_activity.csv")
    kim = p.data[p.data["customer_id"] == "kim.soto@example.net"]
    assert kim["order_id"].tolist() == ["1AB23456CD789012E"] * 2
    assert kim["amount"].tolist() == [25.0, -25.0]
    assert "sales@lanternpress.example" not in set(p.data["customer_id"])


def test_placeholder_customers_are_kept_as_sales_without_a_customer() -> None:
    raw = pd.DataFrame(
        {
            "order_id": ["1", "2", "3"],
            "order_date": ["2024-01-01"] * 3,
            "status": ["completed"] * 3,
            "order_total": ["10", "20", "30"],
            "customer_email": ["a@example.com", "Guest", "walk-in"],
        }
    )
    p = ip.prepare_known_export(raw, "transactions")
    assert p.report["rejected_by_reason"] == {}
    # kept as sales without a customer; a table without read_table: header on row 1
    assert p.anonymous[["row", "amount", "why"]].values.tolist() == [
        [3, 20.0, "guest or walk-in sale"],
        [4, 30.0, "guest or walk-in sale"],
    ]
    assert len(p.data) == 1 and p.report["anonymous_amount"] == 50.0


def test_a_mapping_chosen_by_hand_is_not_overruled() -> None:
    raw = raw_of("shopify_orders.csv")
    p = known("shopify_orders.csv")
    again = ip.prepare_known_export(raw, "transactions", dict(p.mapping))
    assert again is not None and again.data["amount"].sum() == pytest.approx(250.68)
    other = dict(p.mapping, amount="Subtotal")
    assert ip.prepare_known_export(raw, "transactions", other) is None
    assert ip.prepare_known_export(raw, "responses") is None  # not a survey export


def test_plural_words() -> None:
    assert plural(3, "voided order") == "3 voided orders"
    assert plural(2, "order with payment pending") == "2 orders with payment pending"
    assert plural(1, "header row") == "1 header row"
    assert plural(2, "order on hold (payment not confirmed)") == (
        "2 orders on hold (payment not confirmed)"
    )


def test_german_till_export_maps_its_german_headers() -> None:
    """Kunde / Datum / Betrag are found today; 3 of 4 customers come back (75%)."""
    p = prepare_transactions(raw_of("german_till.csv"))
    assert p.mapping["customer_id"] == "Kunde"
    assert p.mapping["order_date"] == "Datum"
    assert p.mapping["amount"] == "Betrag"
    d = p.data
    visits = d.groupby("customer_id")["order_id"].nunique()
    assert len(visits) == 4 and (visits > 1).sum() == 3
    assert d["amount"].sum() == pytest.approx(89.75)


def test_german_till_order_number_is_found() -> None:
    p = prepare_transactions(raw_of("german_till.csv"))
    assert p.mapping.get("order_id") == "Bestellnummer"
    assert p.mapping.get("product") == "Artikel"
    assert p.report["orders"] == 9


def test_german_till_sum_row_is_set_aside_as_a_total() -> None:
    p = prepare_transactions(raw_of("german_till.csv"))
    assert p.report["rejected_by_reason"] == {"a total row, not a sale": 1}
    assert p.anonymous["amount"].sum() == pytest.approx(4.70)  # the walk-ins are kept
    assert p.rejected.loc[p.rejected["reason"] == "a total row, not a sale", "row"].tolist() == [15]


@pytest.mark.parametrize("name", ["shopify_orders.csv", "qualtrics.csv", "surveymonkey.csv"])
def test_detected_columns_passed_back_apply_the_profile(name: str) -> None:
    """The app shows detect_known's mapping and passes it back: the profile still applies."""
    raw = raw_of(name)
    kind = ip.match_profile(raw.columns).kind
    shown = ip.detect_known(raw, kind)
    assert shown == known(name).mapping
    again = ip.prepare_known_export(raw, kind, shown)
    assert again is not None and len(again.data) == len(known(name).data)


def test_the_profile_is_not_applied_twice() -> None:
    raw = raw_of("shopify_orders.csv")
    raw.attrs["profile"] = "shopify_orders"
    assert ip.prepare_known_export(raw, "transactions") is None
    assert ip.detect_known(raw, "transactions") is None


def test_xero_invoice_total_on_every_line_counted_once() -> None:
    d = known("xero_invoices.csv").data
    assert d.groupby("order_id")["amount"].sum().round(2).to_dict() == {
        "INV-0101": 230.00,
        "INV-0102": 115.00,
        "INV-0103": 80.50,
        "INV-0104": 345.00,
        "INV-0105": 57.50,
    }
    # Tui Deli's invoice: lines of 240, 60 and 0 (delivery) share 345.00
    assert d.loc[d["order_id"] == "INV-0104", "amount"].tolist() == [276.0, 69.0, 0.0]
    assert d["order_date"].min() == pd.Timestamp("2024-02-05")  # 05/02/2024, day first


def test_amazon_item_price_is_the_line_total() -> None:
    p = known("amazon_orders.txt")
    assert "unit_price" not in p.mapping
    first = p.data[p.data["order_id"] == "112-1234567-0000001"]
    assert first["amount"].tolist() == [24.0, 18.0] and first["quantity"].tolist() == [2, 1]


@pytest.mark.parametrize(
    ("header", "english"),
    [
        ("kunde", "customer"),
        ("kundennummer", "customer number"),
        ("datum", "date"),
        ("betrag", "amount"),
        ("bestellnummer", "order number"),
        ("rechnung", "invoice"),
        ("montant", "amount"),
        ("cliente", "customer"),
        ("importe", "amount"),
        ("fecha", "date"),
        ("klant", "customer"),
        ("bedrag", "amount"),
        ("prix unitaire", "unit price"),
        ("data zamówienia", "date order"),
        ("data", "date"),
        ("data source", "data source"),  # English "data" stays
        ("customer id", "customer id"),
    ],
)
def test_header_words_in_other_languages(header: str, english: str) -> None:
    assert ip.translate_header(header) == english


def test_total_rows_are_told_apart() -> None:
    raw = raw_of("german_till.csv")
    hit = ip.total_rows(raw, "Datum")
    assert raw.index[hit].tolist() == [15] and raw.loc[15, "Kunde"] == "Summe"
    table = pd.DataFrame(
        {
            "group": ["Total for Amy's Bird Sanctuary", "", "Total", "TOTAL", "Gesamt"],
            "date": ["", "2024-01-05", "2024-01-06", "", ""],
            "amount": ["185.00", "35.00", "12.00", "900.00", "1"],
        }
    )
    # "Total" with a date is a customer called Total, not a total line
    assert ip.total_rows(table, "date").tolist() == [True, False, False, True, True]
    assert ip.total_rows(table).tolist() == [True, False, True, True, True]  # no date to ask


def test_anonymous_survey_responses_keep_their_score() -> None:
    p = known("microsoft_forms.xlsx")
    assert len(p.data) == 9 and p.report["respondents"] == 6
    assert "anonymous" not in set(p.data["customer_id"].dropna())
    assert "3 anonymous responses kept without a respondent" in p.warnings[0]


def test_placeholder_customers_are_not_customers_in_any_file() -> None:
    text = (
        "customer,date,amount\n"
        "C1,2024-01-01,10\n"
        "Walk-in,2024-01-01,5\n"
        " guest ,2024-01-02,7\n"
        "Laufkunde,2024-01-02,3\n"
        "C2,2024-01-03,4\n"
        "Guestroom Ltd,2024-01-03,9\n"
    )
    p = prepare_transactions(read_table(text.encode(), filename="till.csv"))
    assert p.report["rejected_by_reason"] == {}
    assert p.anonymous["row"].tolist() == [3, 4, 5]
    assert set(p.anonymous["why"]) == {"guest or walk-in sale"}
    assert sorted(p.data["customer_id"]) == ["C1", "C2", "Guestroom Ltd"]


def test_surveymonkey_multiple_choice_columns_are_named_from_the_second_header_row() -> None:
    raw = raw_of("surveymonkey.csv")
    q = "What do you usually order? (select all that apply)"
    assert [c for c in raw.columns if c.startswith(q)] == [
        f"{q} - Coffee",
        f"{q} - Tea",
        f"{q} - Pastries",
        f"{q} - Other (please specify)",
    ]
    assert raw.loc[3, f"{q} - Other (please specify)"] == ""  # answers stay as written
    names = ["Respondent ID", "Collector ID", "Q1", "", "Q2"]
    below = ["", "", "Red", "Blue", "Response"]
    assert ip.name_subheader_columns(names, below) == [
        "Respondent ID",
        "Collector ID",
        "Q1 - Red",
        "Q1 - Blue",
        "Q2",
    ]
    # not SurveyMonkey's header, or no "Response" under it: unchanged (read_table refuses)
    assert ip.name_subheader_columns(["id", "Q1", ""], ["", "Red", "Blue"]) is None
    assert ip.name_subheader_columns(names, ["", "", "Red", "Blue", "x"]) is None


def test_formats_are_reported_under_the_files_own_columns() -> None:
    r = known("shopify_orders.csv").report
    assert set(r["number_format"]) == {"Total", "Lineitem quantity", "Lineitem price"}
    assert set(r["date_format"]) == {"Created at"}
    r = known("paypal_activity.csv").report
    assert set(r["date_format"]) == {"Date"}  # read from Date and Time joined


def test_detection_prefers_total_and_never_takes_a_refund_or_a_one_value_column() -> None:
    text = (
        "Account,Client,Date,Subtotal,Total,Refunded\n"
        "SHOP-01,anna,2024-01-01,10.00,11.90,0.00\n"
        "SHOP-01,ben,2024-01-02,20.00,23.80,5.00\n"
        "SHOP-01,anna,2024-01-03,5.00,5.95,0.00\n"
        "SHOP-01,carl,2024-01-04,8.00,9.52,0.00\n"
        "SHOP-01,ben,2024-01-05,4.00,4.76,4.76\n"
    )
    m = detect_columns(read_table(text.encode(), filename="t.csv"), "transactions")
    assert m["amount"] == "Total"
    assert m["customer_id"] == "Client"
    assert "Refunded" not in m.values()


def test_detection_prefers_order_id_and_the_submit_date() -> None:
    tx = (
        "Transaction ID,Order ID,Customer,Date,Amount\n"
        "T1,O1,anna,2024-01-01,10\n"
        "T2,O1,anna,2024-01-01,5\n"
        "T3,O2,ben,2024-01-02,7\n"
    )
    m = detect_columns(read_table(tx.encode(), filename="t.csv"), "transactions")
    assert m["order_id"] == "Order ID"
    survey = (
        "Start Date,Submit Date,How likely are you to recommend us?\n"
        "2024-01-01 10:00,2024-01-01 10:05,9\n"
        "2024-01-02 11:00,2024-01-03 09:00,6\n"
    )
    m = detect_columns(read_table(survey.encode(), filename="s.csv"), "responses")
    assert m["response_date"] == "Submit Date"


@pytest.mark.parametrize("name", sorted(ANONYMOUS_ORDERS))
def test_an_export_without_a_customer_keeps_every_sale_as_a_sale_without_a_customer(
    name: str,
) -> None:
    """A till's sales report names no customer: nothing is refused, revenue is all there."""
    p = known(name)
    rows, amount = ANONYMOUS[name]
    assert len(p.data) == 0 and len(p.rejected) == 0
    assert p.report["anonymous_orders"] == ANONYMOUS_ORDERS[name]
    assert p.report["anonymous_amount"] == pytest.approx(amount)
    assert set(p.anonymous["why"]) == {"no customer id"}
    assert "customer_id" not in p.mapping  # no column of the file is taken as the customer
    assert "kept as sales without a customer" in p.warnings[0]


def test_sumup_says_why_there_is_no_customer() -> None:
    p = known("sumup_sales.csv")
    assert p.warnings[0] == (
        "Recognised as a SumUp sales report: the file names no customer ('Account' is the "
        "shop's own login): its 6 sales are kept as sales without a customer, dates read as "
        "day/month/year."
    )
    refund = p.anonymous[p.anonymous["order_id"] == "TEGUCXAGDJ"]
    assert refund["amount"].tolist() == [-5.50]  # the refund row is kept, negative
    assert p.anonymous["order_date"].min() == pd.Timestamp("2024-03-05 08:12")


def test_lightspeed_keeps_each_sales_own_row_and_says_what_it_left_out() -> None:
    p = known("lightspeed_xseries_sales.csv")
    assert p.warnings[0] == (
        "Recognised as a Lightspeed Retail X-Series (formerly Vend) sales history export: "
        "1 voided sale left out, 1 open layby (not completed) left out, 8 product lines (the "
        "sale's own row counts) left out, 6 payment lines (the sale's own row counts) left "
        "out, 1 guest or walk-in sale kept without a customer."
    )
    by_order = p.data.groupby("order_id")["amount"].sum().round(2).to_dict()
    assert by_order == {"101": 46.0, "103": 23.0, "106": -16.0, "107": 18.5, "108": 27.0}


def test_quickbooks_lines_get_their_customer_from_the_group_heading() -> None:
    raw = raw_of("quickbooks_sales_by_customer_detail.csv")
    assert raw.attrs["header_row"] == 5 and raw.columns[0] == "Customer"
    p = known("quickbooks_sales_by_customer_detail.csv")
    d = p.data
    assert d.groupby("customer_id")["amount"].sum().round(2).to_dict() == {
        "Amy's Bird Sanctuary": 110.0,
        "Bill's Windsurf Shop": 7.0,
        "Cool Cars": 240.0,
        "Dukes Basketball Camp": 191.0,
    }
    reasons = p.rejected.set_index("row")["reason"].to_dict()
    assert [r for r, why in reasons.items() if why == "a total row, not a sale"] == [
        10,
        15,
        18,
        23,
        24,
    ]
    heading = "a customer heading row (its lines carry the customer)"
    assert [r for r, why in reasons.items() if why == heading] == [6, 11, 16, 19]
    assert reasons[26] == "a note under the report, not a sale"
    assert p.warnings[0].startswith(
        'Recognised as a QuickBooks "Sales by Customer Detail" report: each line\'s customer '
        "taken from the customer's heading row above it"
    )


def test_the_unnamed_first_column_is_named_only_for_a_grouped_report() -> None:
    names = ["", "Date", "Transaction Type", "Num", "Product/Service", "Memo/Description"]
    names += ["Qty", "Sales Price", "Amount", "Balance"]
    assert ip.name_group_column(names) == ["Customer", *names[1:]]
    assert ip.name_group_column(["", "Date", "Amount"]) is None  # not the report: refused
    assert ip.name_group_column(["Customer", *names[1:]]) is None  # already named


def test_bigcommerce_refunds_and_month_first_dates() -> None:
    d = known("bigcommerce_orders.csv").data
    assert d.groupby("order_id")["amount"].sum().to_dict() == {
        "100": 54.0,
        "101": 32.5,
        "103": 60.0,  # 80.00 partially refunded 20.00
        "105": 0.0,  # refunded in full: still an order, with 0
        "108": 44.0,
    }
    assert d["order_date"].min() == pd.Timestamp("2024-03-02")  # 03/02/2024, month first


def test_wix_order_total_counted_once_with_am_pm_times() -> None:
    d = known("wix_orders.csv").data
    assert d.groupby("order_id")["amount"].sum().round(2).to_dict() == {
        "10001": 31.5,
        "10002": 44.0,
        "10004": 44.5,
        "10005": 0.0,
        "10006": 16.5,
    }
    first = d[d["order_id"] == "10002"]["order_date"].iloc[0]
    assert first == pd.Timestamp("2024-03-05 14:40:11")  # "Mar 5, 2024" + "2:40:11 PM"


def test_hotjar_anonymous_visitors_keep_their_answers() -> None:
    p = known("hotjar_survey.csv")
    assert p.report["respondents"] == 3
    assert "anonymous" not in {str(c).casefold() for c in p.data["customer_id"].dropna()}
    assert p.rejected["row"].tolist() == [9]  # the visitor who skipped the 0-10 question


def test_a_short_quickbooks_report_still_finds_its_header() -> None:
    """Few lines and many one-cell rows (title, headings, note): the header is still found."""
    text = (
        "Harbour Lane Bakery\n"
        "Sales by Customer Detail\n"
        '"January 1 - March 31, 2024"\n'
        "\n"
        ",Date,Transaction Type,Num,Product/Service,Memo/Description,Qty,Sales Price,Amount,"
        "Balance\n"
        "Amy's Bird Sanctuary,,,,,,,,,\n"
        ",01/05/2024,Invoice,1001,Sourdough,Sourdough loaf,2,6.50,13.00,13.00\n"
        "Total for Amy's Bird Sanctuary,,,,,,,,$13.00,\n"
        "Cool Cars,,,,,,,,,\n"
        ",02/01/2024,Invoice,1010,Catering,Launch party buffet,1,240.00,240.00,240.00\n"
        "Total for Cool Cars,,,,,,,,$240.00,\n"
        "TOTAL,,,,,,,,$253.00,\n"
        "\n"
        '"Accrual basis Tuesday, April 2, 2024 09:12 AM GMT-07:00"\n'
    )
    raw = read_table(text.encode(), filename="qb_small.csv")
    assert raw.attrs["header_row"] == 5
    p = prepare_transactions(raw)
    assert p.data.groupby("customer_id")["amount"].sum().to_dict() == {
        "Amy's Bird Sanctuary": 13.0,
        "Cool Cars": 240.0,
    }
    check_rows(raw, p)
    assert ip.known_header_row([["Report"], ["", "Date", "Amount"]]) is None
