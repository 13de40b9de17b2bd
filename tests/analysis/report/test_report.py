"""The report (HTML, PDF) and the workbook: content, offline, escaping, formula safety."""

from __future__ import annotations

import io
import math
import re
import stat
import time
from html.parser import HTMLParser

import numpy as np
import openpyxl
import pandas as pd
import pytest

from analysis import clv, ingest, overview, rfm
from analysis import report as rp
from analysis.report import pdf as report_pdf_module
from analysis.report import sections as report_sections
from tests.paths import SAMPLE_DATA

EXAMPLE_TX = SAMPLE_DATA / "online_shop_transactions.csv"
EXAMPLE_RESPONSES = SAMPLE_DATA / "online_shop_responses.csv"

HOSTILE_ID = "<script>alert('id')</script>"
FORMULA_ID = '=HYPERLINK("http://evil.example","click")'
HOSTILE_PRODUCT = "<img src=x onerror=alert(1)>"
HOSTILE_PLAN = "</table><script>alert('plan')</script>"
SVG_NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the sections' svg and table-row counts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.sections: dict[str, dict] = {}
        self._section: str | None = None
        self._in_h2 = False
        self._in_tbody = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "section":
            self._section = attrs.get("id")
            self.sections[self._section] = {"title": "", "svg": 0, "rows": 0, "text": ""}
        elif tag == "h2" and self._section:
            self._in_h2 = True
        elif tag == "svg" and self._section:
            self.sections[self._section]["svg"] += 1
        elif tag == "tbody":
            self._in_tbody = True
        elif tag == "tr" and self._in_tbody and self._section:
            self.sections[self._section]["rows"] += 1

    def handle_endtag(self, tag):
        if tag == "section":
            self._section = None
        elif tag == "h2":
            self._in_h2 = False
        elif tag == "tbody":
            self._in_tbody = False

    def handle_data(self, data):
        if self._section:
            info = self.sections[self._section]
            if self._in_h2:
                info["title"] += data
            info["text"] += data


def parse(document: str) -> _Tags:
    parser = _Tags()
    parser.feed(document)
    parser.close()
    return parser


def by_title(parsed: _Tags) -> dict[str, dict]:
    return {info["title"]: info for info in parsed.sections.values()}


def assert_offline(document: str) -> None:
    """Nothing outside the document is referenced, and nothing can run."""
    parsed = parse(document)
    names = {tag for tag, _ in parsed.tags}
    assert not names & {"script", "link", "img", "iframe", "object", "embed", "image", "use"}
    for tag, attrs in parsed.tags:
        for key, value in attrs.items():
            if key in ("src", "href", "xlink:href", "action", "srcset", "poster", "data"):
                assert str(value).startswith("#"), (tag, key, value)
            assert not key.startswith("on"), (tag, key)
    assert set(re.findall(r"(?:https?:)?//[^\s\"'<>)]+", document)) <= SVG_NAMESPACES
    assert not re.search(r"url\(\s*['\"]?(?!#)", document)
    assert "@import" not in document
    assert "Content-Security-Policy" in document and "default-src 'none'" in document


def synthetic_tx(n_customers: int = 120, *, products: bool = True, seed: int = 0) -> pd.DataFrame:
    """Two years of orders: one to six orders per customer, one or two lines each."""
    rng = np.random.default_rng(seed)
    ids = [f"C{i:03d}" for i in range(n_customers)]
    ids[0], ids[1], ids[2] = HOSTILE_ID, FORMULA_ID, "+44 20 7946 0000"
    rows = []
    start = pd.Timestamp("2023-01-01")
    for i, customer in enumerate(ids):
        first = int(rng.integers(0, 500))
        for k in range(int(rng.integers(1, 7))):
            day = first + int(k * rng.integers(10, 60))
            if day >= 730:
                break
            for line in range(int(rng.integers(1, 3))):
                rows.append(
                    {
                        "customer_id": customer,
                        "order_id": f"O{i}-{k}",
                        "order_date": start + pd.Timedelta(days=day),
                        "amount": float(rng.integers(5, 80)),
                        "product": [HOSTILE_PRODUCT, "Tea", "Coffee", "Mug"][(i + line) % 4],
                        "channel": ["Web", "=1+1", "Shop"][i % 3],
                    }
                )
    tx = pd.DataFrame(rows)
    if not products:
        tx = tx.drop(columns=["product"])
    roles = ["customer_id", "order_id", "order_date", "amount", "product", "channel"]
    return ingest.prepare_transactions(tx, {c: c for c in roles if c in tx.columns}).data


def synthetic_responses(tx: pd.DataFrame, n: int = 150, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    customers = tx["customer_id"].unique()
    raw = pd.DataFrame(
        {
            "response_date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
            "score": rng.integers(0, 11, n),
            "customer_id": rng.choice(customers, n),
            "comment": ["fine", "slow delivery", "great tea"] * (n // 3),
            "plan": rng.choice(["Basic", HOSTILE_PLAN, "Pro"], n),
        }
    )
    roles = ["response_date", "score", "customer_id", "comment"]
    return ingest.prepare_responses(raw, {c: c for c in roles}).data


def workbook(data: bytes, *, read_only: bool = False) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data), read_only=read_only)


def sheet_frame(ws) -> pd.DataFrame:
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


# --------------------------------------------------------------------------------------------
# The example data: every section, offline, workbook
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example():
    raw = ingest.read_table(EXAMPLE_TX)
    tx = ingest.prepare_transactions(raw, ingest.detect_columns(raw, "transactions")).data
    raw = ingest.read_table(EXAMPLE_RESPONSES)
    responses = ingest.prepare_responses(raw, ingest.detect_columns(raw, "responses")).data
    report = rp.build_report(tx, responses, dataset_label="Online shop (generated)")
    document = rp.report_html(report)
    return tx, responses, report, document, rp.report_workbook(report)


EXPECTED_SECTIONS = [
    "Overview",
    "Best-selling products",
    "RFM segments",
    "Cohort retention",
    "Customer feedback",
    "NPS by channel",
    "NPS by country",
    "NPS by plan",
    "Customer value",
    "Valuable customers at risk",
]


def test_example_has_every_section_with_chart_table_and_sentences(example):
    _, _, report, document, _ = example
    assert [s.title for s in report.sections] == EXPECTED_SECTIONS
    assert not any(s.skipped for s in report.sections)
    sections = by_title(parse(document))
    assert list(sections) == EXPECTED_SECTIONS
    for section in report.sections:
        info = sections[section.title]
        assert info["svg"] == 1, section.title
        assert info["rows"] == min(len(section.table), rp.MAX_TABLE_ROWS), section.title
        assert section.sentences and section.sentences[0][:40] in info["text"], section.title
    assert "Definitions and method" in document
    assert document.startswith("<!DOCTYPE html>")


def test_example_report_figures_match_the_analysis(example):
    tx, _, report, document, _ = example
    card = overview.scorecard(tx)
    table = report.sections[0].table.set_index("Figure")["Value"]
    assert table["Customers"] == f"{card.customers:,}"
    assert table["Orders"] == f"{card.orders:,}"
    assert report.as_of == card.as_of and report.last_date == card.last_date
    # The segment table sums to every scored customer.
    segments = report.sections[2].table
    assert segments["Customers"].sum() == len(rfm.rfm_table(tx)) == card.customers
    # 36 monthly cohorts: the table shows the first 25 and says so.
    cohort = next(s for s in report.sections if s.title == "Cohort retention")
    assert len(cohort.table) == 36
    assert "First 25 of 36 rows" in document
    assert "Data: Online shop (generated); transactions from 01 Jan 2022" in document


def test_example_report_opens_offline(example):
    document = example[3]
    assert_offline(document)
    ids = re.findall(r'\bid="([^"]+)"', document)
    assert len(ids) == len(set(ids)), "element ids of the inline charts clash"
    for ref in re.findall(r"url\(#([^)]+)\)", document):
        assert ref in ids


def test_example_workbook_sheets_headers_and_counts(example):
    tx, responses, report, _, data = example
    wb = workbook(data, read_only=True)  # 4x faster to read; fonts and values are there
    names = wb.sheetnames
    for name in ["About", "Overview", "Segments", "RFM", "Cohorts", "Feedback", "Value and risk"]:
        assert name in names
    for by in ("channel", "country", "plan"):
        assert f"NPS by {by}" in names
    for ws in wb.worksheets:
        header, first = list(ws.iter_rows(min_row=1, max_row=2))
        assert all(cell.font.b for cell in header), ws.title
        assert not any(cell.font.b for cell in first), ws.title
    customers = overview.scorecard(tx).customers
    rfm_sheet = sheet_frame(wb["RFM"])
    assert len(rfm_sheet) == customers
    assert {"customer_id", "recency", "frequency", "monetary", "segment"} <= set(rfm_sheet)
    # One sheet per segment (5,000 customers is below the limit); together every customer once.
    segments = sheet_frame(wb["Segments"])
    used = segments.loc[segments["customers"] > 0, "segment"].tolist()
    assert all(name in names for name in used)
    assert sum(len(sheet_frame(wb[name])) for name in used) == customers
    for name in used:
        assert set(sheet_frame(wb[name])["segment"]) == {name}
    cohorts = sheet_frame(wb["Cohorts"])
    assert cohorts["customers"].sum() == customers and len(cohorts) == 36
    plan = sheet_frame(wb["NPS by plan"])
    assert plan["n"].sum() == responses["score"].notna().sum()
    value = sheet_frame(wb["Value and risk"])
    assert {"customer_id", "clv", "p_alive", "churn_risk", "quadrant"} <= set(value)
    assert len(value) == customers
    assert value["clv"].is_monotonic_decreasing
    assert value["p_alive"].between(0, 1).all()
    assert value["churn_risk"].dropna().between(0, 1).all()


def test_example_build_is_fast(example):
    report = example[2]
    # Everything but drawing and writing costs a few times what reading the example file does,
    # measured in the same run (about 2.8x on a quiet machine): a ratio, not seconds.
    start = time.perf_counter()
    raw = ingest.read_table(EXAMPLE_TX)
    ingest.prepare_transactions(raw, ingest.detect_columns(raw, "transactions"))
    reading = time.perf_counter() - start
    assert sum(report.seconds.values()) < 10 * reading
    assert report.seconds["overview"] + report.seconds["rfm"] < reading


# --------------------------------------------------------------------------------------------
# Hostile text, missing data, failing parts
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile():
    tx = synthetic_tx()
    responses = synthetic_responses(tx)
    report = rp.build_report(
        tx,
        responses,
        dataset_label="<b>shop</b>.csv",
        title="Report <i>now</i>",
        include_value=False,  # the value models are covered on the example data
    )
    return tx, report, rp.report_html(report), rp.report_workbook(report)


def test_hostile_text_stays_text_in_html(hostile):
    _, report, document, _ = hostile
    assert_offline(document)
    parsed = parse(document)
    assert not {tag for tag, _ in parsed.tags} & {"b", "i", "script", "img"}
    assert "<title>Report &lt;i&gt;now&lt;/i&gt;</title>" in document
    assert "Data: &lt;b&gt;shop&lt;/b&gt;.csv" in document
    products = by_title(parsed)["Best-selling products"]
    assert HOSTILE_PRODUCT in products["text"]  # shown as text in the table and chart labels
    assert "&lt;img src=x onerror=alert(1)&gt;" in document
    plan = by_title(parsed)["NPS by plan"]
    assert HOSTILE_PLAN in plan["text"]


def test_report_html_escapes_every_field():
    table = pd.DataFrame(
        {
            "customer <id>": [HOSTILE_ID, "a&b"],
            "value": [1234.5, float("nan")],
            "count": [1200, 3],
            "flag": [True, False],
        }
    )
    section = rp.Section(
        "<h1>Title</h1>",
        sentences=["**Bold** words and <b>tags</b>", "a ** b"],
        table=table,
        note="note <script>x</script>",
        formats={"value": "{:.1f}"},
    )
    report = rp.Report(
        title="T", generated=pd.Timestamp("2024-05-01").date(), dataset_label="", sections=[section]
    )
    document = rp.report_html(report)
    assert_offline(document)
    assert "<h1>Title</h1>" not in document and "&lt;h1&gt;Title&lt;/h1&gt;" in document
    assert "<strong>Bold</strong> words and &lt;b&gt;tags&lt;/b&gt;" in document
    assert "<li>a ** b</li>" in document
    assert "&lt;script&gt;alert(&#x27;id&#x27;)&lt;/script&gt;" in document
    assert "a&amp;b" in document and "customer &lt;id&gt;" in document
    assert '<td class="num">1234.5</td><td class="num">1,200</td><td>yes</td>' in document
    assert '<td class="num">–</td><td class="num">3</td><td>no</td>' in document
    assert "note &lt;script&gt;x&lt;/script&gt;" in document


def test_workbook_text_is_formula_safe(hostile):
    _, _, _, data = hostile
    wb = workbook(data)
    ws = wb["RFM"]
    ids = {
        ws.cell(row=r, column=1).value: ws.cell(row=r, column=1) for r in range(2, ws.max_row + 1)
    }
    for risky in (FORMULA_ID, "+44 20 7946 0000"):
        cell = ids[risky]
        assert cell.data_type == "s" and cell.value == risky
        assert cell.quotePrefix
    assert ids[HOSTILE_ID].data_type == "s"
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)


def test_without_responses_and_without_products():
    tx = synthetic_tx(products=False)
    report = rp.build_report(tx, None, include_value=False)
    titles = {s.title: s for s in report.sections}
    assert titles["Best-selling products"].skipped
    assert "no product column" in titles["Best-selling products"].note
    assert titles["Customer feedback"].skipped
    assert "no survey responses" in titles["Customer feedback"].note
    assert not titles["RFM segments"].skipped and not titles["Cohort retention"].skipped
    assert "Customer value" not in titles
    document = rp.report_html(report)
    assert_offline(document)
    sections = by_title(parse(document))
    assert sections["Customer feedback"]["svg"] == 0
    assert "no survey responses were loaded" in sections["Customer feedback"]["text"]
    assert all(sections[t]["svg"] == 1 for t in ("Overview", "RFM segments", "Cohort retention"))
    wb = workbook(rp.report_workbook(report))
    assert "Feedback" not in wb.sheetnames and "Value and risk" not in wb.sheetnames
    about = sheet_frame(wb["About"]).set_index("item")["value"]
    assert "no product column" in about["Best-selling products"]


def test_value_section_left_out_with_a_note_when_the_models_fail(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(clv, "value_report", broken)
    report = rp.build_report(synthetic_tx(), None)
    value = next(s for s in report.sections if s.title == "Customer value")
    assert value.skipped and "the value models failed (RuntimeError)" in value.note
    assert "Value and risk" not in report.sheets
    assert not next(s for s in report.sections if s.title == "RFM segments").skipped


def test_too_small_data_is_refused_in_plain_words():
    tx = synthetic_tx(n_customers=4).query("customer_id == 'C003'")
    with pytest.raises(ValueError, match="only one customer"):
        rp.build_report(tx)


def test_workbook_from_transactions(monkeypatch):
    def too_short(*args, **kwargs):
        raise ValueError("Too short a history.")

    monkeypatch.setattr(clv, "value_report", too_short)
    tx = synthetic_tx(products=False)
    wb = workbook(rp.report_workbook(tx))
    assert {"About", "Overview", "Segments", "RFM", "Cohorts"} <= set(wb.sheetnames)
    assert "Value and risk" not in wb.sheetnames
    about = sheet_frame(wb["About"]).set_index("item")["value"]
    assert about["Customer value"] == "Left out: Too short a history."


def test_segment_lists_in_one_sheet_above_the_limit(monkeypatch):
    monkeypatch.setattr(report_sections, "MAX_CUSTOMERS_FOR_SEGMENT_SHEETS", 50)
    report = rp.build_report(synthetic_tx(), None, include_value=False)
    assert "Segment lists" in report.sheets
    lists = report.sheets["Segment lists"]
    assert len(lists) == len(report.sheets["RFM"])
    order = {name: i for i, name in enumerate(report.sheets["Segments"]["segment"])}
    rank = lists["segment"].map(order).to_numpy()
    assert (np.diff(rank) >= 0).all()
    assert "Champions" not in report.sheets


def test_value_risk_table_by_hand():
    customers = pd.DataFrame(
        {
            "frequency": [0, 2, 1, 0],
            "clv": [10.0, 30.0, 20.0, 5.0],
            "expected_purchases": [0.5, 2.0, 1.0, 0.2],
            "expected_revenue": [11.0, 33.0, 22.0, 6.0],
            "p_alive": [1.0, 0.9, 0.4, 1.0],
        },
        index=pd.Index(["A", "B", "C", "D"], name="customer_id"),
    )
    scores = pd.DataFrame({"churn_risk": [0.9, 0.8, 0.1]}, index=["A", "B", "C"])
    table = rp.value_risk_table(customers, scores)
    assert table["customer_id"].tolist() == ["B", "C", "A", "D"]
    assert table["purchases_so_far"].tolist() == [3, 2, 1, 1]
    assert table["churn_risk"].tolist()[:3] == [0.8, 0.1, 0.9]
    assert math.isnan(table["churn_risk"].iloc[3])
    # Valuable = clv at or above the 75% quantile of A, B, C (25.0): only B.
    assert table["quadrant"].tolist()[:3] == [
        "Valuable, at risk",
        "Less valuable, likely to stay",
        "Less valuable, at risk",
    ]
    assert pd.isna(table["quadrant"].iloc[3])
    without = rp.value_risk_table(customers)
    assert "churn_risk" not in without and len(without) == 4


def test_chart_svg_refuses_external_data():
    import altair as alt

    chart = alt.Chart(alt.UrlData("https://example.com/data.csv")).mark_point().encode(x="a:Q")
    with pytest.raises(ValueError, match="could not be drawn"):
        rp.chart_svg(chart)


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


@pytest.mark.skipif(rp.chromium_path() is None, reason="no Chromium on this machine")
def test_pdf_of_the_example_report(example):
    pdf = rp.report_pdf(example[3])
    assert pdf is not None and pdf.startswith(b"%PDF")
    assert len(pdf) > 50_000
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 5


def test_pdf_none_without_a_browser(tmp_path):
    assert rp.report_pdf("<p>x</p>", browser=str(tmp_path / "no-such-browser")) is None
    # A browser that hangs is stopped at the timeout.
    hanging = tmp_path / "hang.sh"
    hanging.write_text("#!/bin/sh\nsleep 30\n")
    hanging.chmod(hanging.stat().st_mode | stat.S_IEXEC)
    assert rp.report_pdf("<p>x</p>", browser=str(hanging), timeout=1) is None


def test_report_files_without_chromium(monkeypatch):
    monkeypatch.setattr(report_pdf_module, "chromium_path", lambda: None)
    files = rp.report_files(
        synthetic_tx(products=False), None, dataset_label="x.csv", include_value=False
    )
    assert files.pdf is None and "no Chromium" in files.pdf_note
    assert files.html.startswith("<!DOCTYPE html>")
    assert files.xlsx[:2] == b"PK"
    assert "RFM segments" in files.sections
    assert any(line.startswith("Customer feedback: Left out") for line in files.skipped)
    assert files.sheets[0] == "About"
