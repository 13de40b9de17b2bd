"""Every page on every example, as a visitor sees it: no ``None``, ``nan``, ``-0.0%`` or
unformatted money in any rendered text, metric or table cell (issue 15, "One look")."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from tests.apptest_utils import new_app, run_page
from ui.data import EXAMPLES
from ui.navigation import available_pages

PAGES = [spec.path for spec in available_pages()]

#: A missing value written out, a minus zero, or money with three or more decimals
#: (after a currency symbol, or with thousands separators).
BAD = re.compile(
    r"(?<![\w/.'-])(?:None|nan|NaN|NaT|<NA>)(?![\w(]|\s+[a-z])"
    r"|-0\.0+%|-0%"
    r"|[€$£¥]\s?-?\d[\d,]*\.\d{3,}"
    r"|(?<![\d.])\d{1,3}(?:,\d{3})+\.\d{3,}"
)
TEXT_ELEMENTS = (
    "markdown",
    "caption",
    "info",
    "warning",
    "error",
    "success",
    "title",
    "header",
    "subheader",
)


def rendered_texts(at) -> list[tuple[str, str]]:
    """(where, text) for every text, metric and text table cell the page shows."""
    parts: list[tuple[str, str]] = []
    for kind in TEXT_ELEMENTS:
        parts += [(kind, str(e.value)) for e in getattr(at, kind)]
    for m in at.metric:
        parts.append(("metric", f"{m.label}: {m.value} {m.delta or ''}"))
    for table in at.dataframe:
        frame = table.value
        if not isinstance(frame, pd.DataFrame):
            continue
        parts += [("table header", str(c)) for c in frame.columns]
        for col in frame.columns:
            cells = frame[col]
            if isinstance(cells, pd.DataFrame):
                continue
            if cells.dtype == object or pd.api.types.is_string_dtype(cells.dtype):
                values = cells.dropna().astype(str).unique()[:2000]
                parts += [(f"table {col}", v) for v in values]
    return parts


#: Table columns that hold money (by name); each must have a display format (separators,
#: two decimals), never the raw float ("1234.5678").
MONEY_COLUMN = re.compile(r"revenue|amount|spend|monetary|clv|value|refunded|price", re.I)
NOT_MONEY = re.compile(r"p_value|p-value|probab|share|rate|risk", re.I)


def unformatted_money_columns(at) -> list[str]:
    """Money columns of the page's tables shown without a number format."""
    out = []
    for table in at.dataframe:
        frame = table.value
        if not isinstance(frame, pd.DataFrame):
            continue
        config = json.loads(table.proto.columns or "{}")
        for col in frame.columns:
            name = str(col)
            if not (MONEY_COLUMN.search(name) and not NOT_MONEY.search(name)):
                continue
            cells = frame[col]
            if isinstance(cells, pd.DataFrame) or cells.dtype.kind != "f":
                continue
            entry = config.get(name)
            fmt = entry.get("type_config", {}).get("format") if isinstance(entry, dict) else None
            if not fmt:
                out.append(f"table column {name!r} has no money format")
    return out


def offenders(at) -> list[str]:
    out = unformatted_money_columns(at)
    for where, text in rendered_texts(at):
        for m in BAD.finditer(text):
            snippet = text[max(0, m.start() - 60) : m.end() + 30].replace("\n", " ")
            out.append(f"{where}: ...{snippet}...")
    return out


def sweep(dataset: str) -> dict[str, list[str]]:
    """Run every page on one example in one session; the offending snippets per page."""
    at = new_app()
    found: dict[str, list[str]] = {}
    for page in PAGES:
        at = run_page(page, dataset=dataset, at=at)
        assert not at.exception, (page, [e.value for e in at.exception][:1])
        if page == "app_pages/data.py":  # the example really is the one asked for
            label = EXAMPLES[dataset].label
            assert any(label in str(c.value) for c in at.caption), (dataset, label)
        bad = offenders(at)
        if bad:
            found[page] = bad[:10]
    return found


def test_the_pattern_catches_what_it_should():
    for text in ("Refund rate: -0.0%", "None", "nan", "Total €1,234.567", "1,234.5678 sold"):
        assert BAD.search(text), text
    for text in (
        "Nonetheless",
        "None of them left",
        "Refund rate: 0.0%",
        "€1,234.50",
        "p = 0.031",
        "n/a",
        "NPS +12.0",
    ):
        assert not BAD.search(text), text


@pytest.mark.slow  # about 20-30 s per example on a loaded machine
@pytest.mark.parametrize("dataset", ["shop", "cdnow", "cafe"])
def test_no_missing_values_or_minus_zero_on_any_page(dataset):
    assert sweep(dataset) == {}


@pytest.mark.slow
def test_no_missing_values_or_minus_zero_on_any_page_retail():
    assert sweep("retail") == {}


def test_currency_found_in_the_file_and_chosen_on_your_data():
    at = run_page("app_pages/data.py", dataset="cafe")  # cafe_sales.xlsx: "Total (€)"
    box = next(s for s in at.selectbox if s.label == "Currency of the amounts")
    assert box.value == "EUR"
    at.switch_page("app_pages/overview.py").run()
    revenue = next(m.value for m in at.metric if m.label == "Net revenue")
    assert revenue.startswith("€") and "," in revenue, revenue
    # The visitor's choice holds for the session (every page), and "none" means plain numbers.
    at.switch_page("app_pages/data.py").run()
    next(s for s in at.selectbox if s.label == "Currency of the amounts").set_value("").run()
    at.switch_page("app_pages/overview.py").run()
    revenue = next(m.value for m in at.metric if m.label == "Net revenue")
    assert revenue[0].isdigit(), revenue
