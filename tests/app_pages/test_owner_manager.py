"""Issue 15 for an owner and a manager: money in the file's currency, short keys in links,
no comparison for all time, and the data's notices below each page's title."""

from __future__ import annotations

import re

import pytest

from tests.apptest_utils import new_app, run_page
from ui.share import link_key

#: An amount with two decimals ("5.50", "1,234.50"); money unless the figure is a count.
AMOUNT = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})*\.\d{2}(?!\d)")
#: Metrics that are counts or rates with decimals, not money.
NOT_MONEY_METRICS = ("Orders per customer", "Average error per customer")
MONEY_METRIC = re.compile(r"revenue|order|value|stake|spent|below|above", re.I)


def _texts(at) -> list[str]:
    out = [str(e.value) for kind in ("markdown", "caption", "info") for e in getattr(at, kind)]
    return out + [
        f"{m.label}: {m.value}" for m in at.metric if not m.label.startswith(NOT_MONEY_METRICS)
    ]


def _without_currency(texts: list[str]) -> list[str]:
    """Amounts not written with the euro sign (the sign may be escaped for Markdown)."""
    out = []
    for text in texts:
        for m in AMOUNT.finditer(text):
            before = text[max(0, m.start() - 2) : m.start()].lstrip("-\\")
            if not before.endswith("€"):
                out.append(text[max(0, m.start() - 60) : m.end() + 10])
    return out


def _money_columns_without_currency(at) -> list[str]:
    """Money columns (by name) of the page's tables shown without the euro sign."""
    import json  # noqa: PLC0415

    from tests.app_pages.test_clean_text import MONEY_COLUMN, NOT_MONEY  # noqa: PLC0415

    out = []
    for table in at.dataframe:
        config = json.loads(table.proto.columns or "{}")
        for col in table.value.columns:
            name = str(col)
            is_money = MONEY_COLUMN.search(name) or "at stake" in name
            if not is_money or NOT_MONEY.search(name) or name == "value":
                continue
            cells = table.value[col]
            if cells.dtype.kind == "f":
                entry = config.get(name) or {}
                fmt = (entry.get("type_config") or {}).get("format") or ""
                if "€" not in fmt:
                    out.append(f"{name}: {fmt!r}")
            elif cells.dtype == object and _without_currency(cells.dropna().astype(str).tolist()):
                out.append(f"{name}: {cells.dropna().iloc[0]!r}")
    return out


def test_the_check_finds_money_without_its_currency():
    assert _without_currency(["worth 5.50 and", "Net revenue: 1,234.50"]) == [
        "worth 5.50 and",
        "Net revenue: 1,234.50",
    ]
    assert _without_currency(["worth €5.50", "-€12.00", "p = 0.031", "**€1,234.50**"]) == []


@pytest.mark.slow  # five pages on the café example: about 20 s on a loaded machine
def test_money_carries_the_currency_the_file_names():
    # cafe_sales.xlsx says "Total (€)": money in sentences, figures and lists says €
    at = new_app()
    for page in ("app_pages/overview.py", "app_pages/actions.py", "app_pages/rfm.py"):
        at = run_page(page, dataset="cafe", at=at)
        assert not at.exception, page
        texts = _texts(at)
        assert any("€" in t for t in texts), page
        assert _without_currency(texts) == [], page
        assert _money_columns_without_currency(at) == [], page
    for page in ("app_pages/patterns.py", "app_pages/profile.py"):  # their figures
        at = run_page(page, dataset="cafe", at=at)
        assert not at.exception, page
        money_metrics = [f"{m.label}: {m.value}" for m in at.metric if MONEY_METRIC.search(m.label)]
        assert money_metrics, page
        assert _without_currency(money_metrics) == [], page
        said = " ".join(m.value for m in at.markdown)
        if page == "app_pages/patterns.py":  # its sentences: the typical order in euros
            assert re.search(r"worth between €[\d,.]+ and €[\d,.]+ \(median €", said), said
        if page == "app_pages/profile.py":  # its sentences and the customer picker's labels
            assert re.search(r"purchases?, -?€[\d,.]+ net in total", said), said
            options = at.selectbox(key="profile_customer").options
            assert options and all(re.search(r" · -?€[\d,.]+ net$", o) for o in options), options
    # Cohort retention: the value curve's sentence
    at = run_page("app_pages/cohorts.py", dataset="cafe", at=at)
    at.selectbox(key="cohorts_metric").set_value("revenue_per_customer").run()
    assert not at.exception
    said = " ".join(m.value for m in at.markdown)
    assert re.search(r"A new customer brings in €[\d,.]+ on average", said), said
    # Customer value: the forecast's figures and their likely ranges
    at = run_page("app_pages/value.py", dataset="cafe", at=at)
    assert not at.exception
    forecast = [m.value for m in at.metric if m.label.startswith("Next ")]
    assert forecast and all(v.startswith("€") for v in forecast), forecast
    likely = [c.value for c in at.caption if c.value.startswith("Likely ")]
    assert likely and all(re.match(r"Likely -?€[\d,]+ to -?€[\d,]+;", c) for c in likely), likely
    said = " ".join(m.value for m in at.markdown)
    assert re.search(r"worth about -?€[\d,]+ \(likely -?€[\d,]+ to -?€[\d,]+\)", said), said


@pytest.mark.slow  # k-means on the café example
def test_the_clusters_descriptions_write_the_spend_in_euros():
    at = run_page("app_pages/rfm.py", dataset="cafe")
    at.toggle(key="rfm_kmeans").set_value(True).run()
    assert not at.exception
    (table,) = [t.value for t in at.dataframe if "name" in t.value.columns]
    spend = [d.split("spending ")[1] for d in table["description"]]
    assert spend and all(re.match(r"-?€[\d,]+ in total", s) for s in spend), spend


def test_sentences_escape_the_dollar_sign():
    from analysis.overview.describe import _money  # noqa: PLC0415

    assert _money(12.5, "USD") == "\\$12.50" and _money(234.5, None) == "234.50"


# --- links carry short keys -------------------------------------------------------------------


def test_link_keys_are_short_and_stable():
    assert link_key("90d") == "90d"
    assert link_key("Need Attention") == "need_attention"
    assert link_key("Can't Lose Them") == "can_t_lose_them"
    assert link_key(None) == "none"
    assert link_key(25) == "25"


@pytest.mark.slow
def test_a_chosen_setting_goes_into_the_link_by_its_key_not_its_label():
    at = run_page("app_pages/overview.py", dataset="shop")
    at.segmented_control(key="overview_period").set_value("90d").run()
    at.segmented_control(key="overview_compare").set_value("last_year").run()
    assert not at.exception
    assert at.query_params["overview_period"] in ("90d", ["90d"])
    assert at.query_params["overview_compare"] in ("last_year", ["last_year"])
    at = run_page("app_pages/rfm.py", dataset="shop", at=at)
    box = at.selectbox(key="rfm_segment")
    other = next(o for o in box.options if not o.startswith(str(box.value)))
    segment = next(s for s in box.options if s == other)  # "Need Attention (123)"
    name = segment.rsplit(" (", 1)[0]
    at.selectbox(key="rfm_segment").set_value(name).run()
    assert not at.exception
    value = at.query_params["rfm_segment"]
    value = value[0] if isinstance(value, list) else value
    assert value == link_key(name) and " " not in value


def test_a_link_with_keys_opens_that_view_and_an_unknown_value_is_named():
    at = new_app()
    at.query_params["feedback_followup_period"] = "90d"
    at.query_params["cohorts_metric"] = "bogus-metric"
    at.run()
    at.switch_page("app_pages/feedback.py").run()
    assert not at.exception
    assert at.selectbox(key="feedback_followup_period").value == "90d"
    at.switch_page("app_pages/cohorts.py").run()
    assert not at.exception
    warning = "\n".join(w.value for w in at.warning)
    assert "cohorts_metric" in warning and "bogus-metric" in warning
    assert at.selectbox(key="cohorts_metric").value == "customers"


# --- "Compared with" and all time -------------------------------------------------------------


def test_all_time_offers_no_comparison():
    at = run_page("app_pages/overview.py", dataset="cafe")
    assert not at.exception
    assert at.segmented_control(key="overview_period").value == "all"
    keys = [c.key for c in at.get("button_group")]
    assert "overview_compare" not in keys
    assert any("no earlier period to compare with" in c.value for c in at.caption)
    at.segmented_control(key="overview_period").set_value("90d").run()
    assert "overview_compare" in [c.key for c in at.get("button_group")]


# --- notices sit below the title --------------------------------------------------------------

_RECEIPTS = (
    "Customer,Date,Amount\n"
    + "".join(f"R-{1000 + i},2024-01-{1 + i:02d},{10 + i}\n" for i in range(25))
    + ",2024-01-26,5\n"
).encode()


def _order(at) -> list[str]:
    # (the main area's first child is Streamlit's own event block)
    return [type(node).__name__ for node in at.main if type(node).__name__ != "SpecialBlock"]


@pytest.mark.slow
def test_the_datas_notices_come_right_below_the_title_on_every_page():
    upload = ("receipts.csv", _RECEIPTS, "text/csv")
    at = None
    for page in ("app_pages/overview.py", "app_pages/rfm.py", "app_pages/actions.py"):
        at = run_page(page, upload=upload, at=at)
        assert not at.exception, page
        order = _order(at)
        assert "Warning" in order, (page, order)
        assert order.index("Title") < order.index("Warning"), (page, order[:6])
        # the same place on every page: the doubt right after the title
        assert order[order.index("Title") + 1] == "Warning", (page, order[:6])


# --- numbers that agree -----------------------------------------------------------------------


def _count(text: str) -> int:
    return round(float(re.sub(r"[^\d.\-]", "", text)))


def _metric(at, label: str) -> int:
    return _count(next(m.value for m in at.metric if m.label == label))


def _captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def counts_on_every_page(dataset: str) -> dict[str, dict[str, object]]:
    """The customer, order and revenue counts each page shows, and its captions."""
    pages = {
        "overview": ("app_pages/overview.py", {"customers": "Customers", "orders": "Orders"}),
        "actions": ("app_pages/actions.py", {"customers": "Customers in your data"}),
        "rfm": ("app_pages/rfm.py", {"customers": "Customers scored"}),
        "cohorts": ("app_pages/cohorts.py", {"customers": "Customers in these cohorts"}),
        "data": ("app_pages/data.py", {"customers": "Customers", "orders": "Orders"}),
    }
    at = new_app()
    out: dict[str, dict[str, object]] = {}
    for name, (page, labels) in pages.items():
        at = run_page(page, dataset=dataset, at=at)
        assert not at.exception, page
        seen: dict[str, object] = {k: _metric(at, label) for k, label in labels.items()}
        seen["captions"] = _captions(at)
        if name == "overview":
            seen["revenue"] = _metric(at, "Net revenue")
        if name == "rfm":
            summary = next(t.value for t in at.dataframe if "revenue_share" in t.value.columns)
            seen["revenue"] = round(float(summary["revenue"].sum()))
            assert int(summary["customers"].sum()) == seen["customers"]
        out[name] = seen
    return out


def _agree_or_say_why(dataset: str) -> None:
    seen = counts_on_every_page(dataset)
    customers = seen["overview"]["customers"]
    # Overview, What to do now, RFM and Cohorts count the customers with a purchase order
    for page in ("actions", "rfm", "cohorts"):
        assert seen[page]["customers"] == customers, (dataset, page, seen[page], customers)
    # "Your data" counts every customer with a line: the same, or both pages say why
    if seen["data"]["customers"] != customers:
        why = f"{seen['data']['customers']:,} customers have at least one line; {customers:,} of"
        assert why in seen["data"]["captions"] and why in seen["overview"]["captions"], dataset
    # orders: all orders on "Your data", purchase orders on the Overview, or the reason
    if seen["data"]["orders"] != seen["overview"]["orders"]:
        why = (
            f"Orders: {seen['data']['orders']:,} in all on 'Your data', of which "
            f"{seen['overview']['orders']:,} are purchase orders"
        )
        assert why in seen["data"]["captions"] and why in seen["overview"]["captions"], dataset
    # revenue: the Overview's net revenue is the RFM segments' revenue, or the RFM page says
    # that customers with refunds only are not in a segment
    if abs(seen["rfm"]["revenue"] - seen["overview"]["revenue"]) > 1:
        assert "So the RFM segments' revenue adds up to" in seen["rfm"]["captions"], dataset


@pytest.mark.slow  # five pages per example: 20-40 s each on a loaded machine
@pytest.mark.parametrize("dataset", ["shop", "cdnow", "cafe"])
def test_the_same_counts_on_every_page_or_a_stated_reason(dataset):
    _agree_or_say_why(dataset)


@pytest.mark.slow
def test_the_same_counts_on_every_page_or_a_stated_reason_retail():
    _agree_or_say_why("retail")


# --- one colour per segment -------------------------------------------------------------------


@pytest.mark.parametrize("dataset", ["cafe", "shop"])
def test_one_colour_per_segment_across_the_rfm_pages_charts(dataset):
    import json  # noqa: PLC0415

    from analysis.charts.theme import SEGMENT_COLORS  # noqa: PLC0415
    from tests.analysis.charts.test_theme import colour_maps  # noqa: PLC0415

    at = run_page("app_pages/rfm.py", dataset=dataset)
    assert not at.exception
    maps = [m for e in at.get("vega_lite_chart") for m in colour_maps(json.loads(e.proto.spec))]
    by_segment = [m for m in maps if set(m) & set(SEGMENT_COLORS)]
    assert len(by_segment) >= 2, "the bars and the grid colour the segments"
    seen: dict[str, str] = {}
    for mapping in by_segment:
        for name, colour in mapping.items():
            assert seen.setdefault(name, colour) == colour, (name, colour, seen[name])
            if name in SEGMENT_COLORS:
                assert colour == SEGMENT_COLORS[name], name


def test_no_bound_widget_puts_a_display_label_in_links():
    """Streamlit's bind="query-params" writes format_func's label: such widgets use linked."""
    import ast  # noqa: PLC0415

    from tests.paths import ROOT  # noqa: PLC0415

    offenders = []
    for path in sorted((ROOT / "app_pages").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            kw = {k.arg: k.value for k in node.keywords}
            bind = kw.get("bind")
            if not (isinstance(bind, ast.Constant) and bind.value == "query-params"):
                continue
            where = f"{path.name}:{node.lineno}"
            if "format_func" in kw and not (
                isinstance(kw.get("key"), ast.JoinedStr)  # cohorts_range_M: "2024-03" labels
            ):
                offenders.append(f"{where} binds a widget with display labels")
            options = kw.get("options") or (node.args[1] if len(node.args) > 1 else None)
            if isinstance(options, ast.List):
                for item in options.elts:
                    if isinstance(item, ast.Constant) and " " in str(item.value):
                        offenders.append(f"{where} has the option {item.value!r}")
    assert offenders == []


# --- the connect page -------------------------------------------------------------------------


@pytest.mark.slow
def test_the_connect_page_writes_money_in_the_currency_its_source_names(tmp_path):
    duckdb = pytest.importorskip("duckdb")
    pytest.importorskip("ibis")
    import json  # noqa: PLC0415

    import pandas as pd  # noqa: PLC0415

    lines = pd.DataFrame(
        {
            "client": [f"c{i % 7}" for i in range(40)],
            "invoice": [f"i{i}" for i in range(40)],
            "sold_on": pd.date_range("2024-01-01", periods=40, freq="3D"),
            "Total (€)": [12.5 + i for i in range(40)],
        }
    )
    path = tmp_path / "cafe.duckdb"
    raw = duckdb.connect(str(path))
    raw.register("frame", lines)
    raw.execute("CREATE TABLE sales AS SELECT * FROM frame")
    raw.close()
    at = new_app()
    at.secrets["connections"] = {"till": {"backend": "duckdb", "database": str(path)}}
    at.run()
    at.switch_page("app_pages/connect.py").run()
    assert not at.exception
    roles = {s.label: s.value for s in at.selectbox}
    assert roles["Amount (line or order total)"] == "Total (€)"
    revenue = next(m.value for m in at.metric if m.label == "Net revenue")
    assert revenue.startswith("€"), revenue
    segments = next(t for t in at.dataframe if "segment" in t.value.columns)
    config = json.loads(segments.proto.columns)
    assert config["revenue"]["type_config"]["format"] == "€%,.2f"


def test_a_link_from_an_upload_shows_one_title_on_every_kind_of_page():
    at = new_app()
    at.query_params["data"] = "upload"
    at.run()
    for page in ("app_pages/data.py", "app_pages/feedback.py", "app_pages/rfm.py"):
        at.switch_page(page).run()
        assert not at.exception, page
        assert [t.value for t in at.title] == ["Upload your copy of the file to see this view"]
        at.query_params["data"] = "upload"  # as the link has it on every page


def test_the_title_comes_first_on_pages_that_read_the_data_themselves():
    import uuid  # noqa: PLC0415

    # a file never read before: its "Loading ..." box is drawn on this run, below the title
    rows = "".join(f"c{i % 9},o{i},2024-02-{1 + i % 28:02d},{5 + i}\n" for i in range(60))
    fresh = f"customer,order,date,amount\n{rows}".encode() + f"# {uuid.uuid4()}\n".encode()
    for page in ("app_pages/data.py", "app_pages/feedback.py"):
        at = new_app()
        at.run()
        at.file_uploader(key="upload_tx").set_value(("fresh.csv", fresh, "text/csv"))
        at.switch_page(page).run()
        assert not at.exception, page
        order = _order(at)
        assert order[0] == "Title", (page, order[:4])
        assert "Status" in order, (page, order[:4])  # the loading box, drawn after the title
