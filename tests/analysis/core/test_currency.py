"""Currency detection (analysis.core.currency) and the money / percent formatting rule (analysis.core.text)."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import ingest
from analysis.core.currency import detect_currency, table_currency
from analysis.core.text import money, money_format, percent
from tests.paths import ROOT

EXPORTS = ROOT / "tests" / "data" / "exports"


@pytest.mark.parametrize(
    ("columns", "values", "expected"),
    [
        (["Total (€)"], ["12,50"], "EUR"),
        (["Betrag EUR"], [], "EUR"),
        (["Amount (USD)"], ["1.00"], "USD"),
        (["amount_eur"], [], "EUR"),
        (["dollar_value"], ["12.3"], "USD"),
        (["Amount"], ["$1,234.50", "$3"], "USD"),
        (["Amount"], ["12.00 EUR", None, np.nan], "EUR"),
        (["Amount"], ["C$ 12"], "CAD"),
        (["Amount"], ["usd", "usd"], "USD"),  # a Stripe currency column
        (["Amount"], ["1", "2"], None),  # says nothing
        (["Amount"], ["$1", "€2"], None),  # says two things
        (["Total (€)"], ["$3"], None),
        (["Try"], ["x"], None),  # lower-case words are not codes
        (["Amount"], ["try again"], None),
    ],
)
def test_detect_currency(columns, values, expected):
    assert detect_currency(columns, values) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("shopify_orders.csv", "USD"),
        ("stripe_payments_legacy.csv", "GBP"),
        ("woocommerce_orders.csv", "EUR"),
        ("xero_invoices.csv", "NZD"),
        ("square_item_sales.csv", "USD"),
        ("german_till.csv", None),  # no symbol, no code anywhere
    ],
)
def test_table_currency_on_real_exports(name, expected):
    raw = ingest.read_table(EXPORTS / name)
    assert table_currency(raw, ingest.detect_columns(raw, "transactions")) == expected


def test_table_currency_on_the_cafe_example():
    raw = ingest.read_table(ROOT / "sample_data" / "cafe_sales.xlsx")
    assert table_currency(raw, ingest.detect_columns(raw, "transactions")) == "EUR"


def test_money():
    assert money(1234.5, "EUR") == "€1,234.50"
    assert money(-1234567.891, "USD") == "-$1,234,567.89"
    assert money(12, "CHF") == "12.00 CHF"
    assert money(12, "chf") == "12.00 CHF"
    assert money(0.5) == "0.50"
    assert money(-0.001, "GBP") == "£0.00"  # never a minus zero
    assert money(float("nan"), "EUR") == money(None) == "n/a"
    assert money(1234.5, decimals=0) == "1,234"


def test_percent():
    assert percent(0.1234) == "12.3%"
    assert percent(-0.00001) == "0.0%"  # not "-0.0%"
    assert percent(-0.0) == "0.0%"
    assert percent(-0.25, decimals=0) == "-25%"
    assert percent(0.05, signed=True) == "+5.0%"
    assert percent(0.0, signed=True) == "0.0%"
    assert percent(float("nan")) == percent(None) == "n/a"


def test_money_format_for_tables():
    assert money_format("EUR") == "€%,.2f"
    assert money_format("NZD") == "%,.2f NZD"
    assert money_format(None) == "%,.2f"
