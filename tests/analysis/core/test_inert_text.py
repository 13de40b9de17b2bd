"""Text from a visitor's file is inert everywhere: never a link, an image, HTML or Markdown.

A product called ``![](http://tracker.example/p.png)`` rendered as Markdown would make every
visitor's browser fetch that address. Every page is run on a file whose products, channels,
countries, customer ids, column names, survey groups, comments and file name are hostile, and
every text Streamlit interprets (Markdown bodies, captions, alerts, headings, labels, tooltips,
expander and tab titles) is checked for an unescaped link, image, HTML tag or directive.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from analysis.core.text import md_escape
from tests.apptest_utils import run_page

HOSTILE = [
    "![](http://tracker.example/p.png)",
    "[click](http://evil.example)",
    "<img src=x onerror=alert(1)>",
    ":red[x] :material/home:",
    "**bold**",
    '=HYPERLINK("http://evil.example")',
]
EXTRA_COLUMN = "![c](http://tracker.example/col.png)"
FILE_NAME = "[f](http://evil.example) <img src=x>.csv"

# What must never appear in interpreted text: an image, a link target, an HTML tag, a colour
# directive, bold made from the data. Escaped forms (a backslash before the special character)
# are fine: they render as the literal characters.
FORBIDDEN = [
    re.compile(r"!\["),
    re.compile(r"(?<!\\)\]\(http"),
    re.compile(r"(?<!\\)<img"),
    re.compile(r"(?<!\\):red(?<!\\)\["),
    re.compile(r"(?<!\\)\*\*bold"),
    re.compile(r"(?<!\\):material/"),
]
# Proto fields Streamlit renders as Markdown.
MARKDOWN_FIELDS = {"body", "label", "help", "caption", "title"}


def _csv(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def hostile_transactions(n_customers: int = 60, seed: int = 5) -> bytes:
    """A shop export whose every text column is hostile."""
    rng = np.random.default_rng(seed)
    lines = [
        ",".join(
            [
                "customer",
                "order_date",
                "order_id",
                "product",
                "channel",
                "country",
                "amount",
                _csv(EXTRA_COLUMN),
            ]
        )
    ]
    order = 0
    for c in range(n_customers):
        cust = f"{HOSTILE[c % len(HOSTILE)]} {c}"
        for _ in range(1 + c % 5):
            order += 1
            day = np.datetime64("2023-01-01") + int(rng.integers(0, 700))
            for item in rng.choice(len(HOSTILE), size=1 + int(rng.integers(0, 3)), replace=False):
                lines.append(
                    ",".join(
                        [
                            _csv(cust),
                            str(day),
                            f"O{order}",
                            _csv(HOSTILE[item]),
                            _csv(HOSTILE[c % 3]),
                            _csv(HOSTILE[3 + c % 3]),
                            f"{rng.gamma(2.0, 10.0):.2f}",
                            _csv(HOSTILE[order % len(HOSTILE)]),
                        ]
                    )
                )
    lines.append(",".join([_csv(HOSTILE[0]), "not a date", "O0", "x", "x", "x", "1", "x"]))
    return ("\n".join(lines) + "\n").encode()


def hostile_responses(n_customers: int = 60) -> bytes:
    rows = ["customer,date,score,comment," + _csv(EXTRA_COLUMN)]
    for c in range(n_customers):
        rows.append(
            ",".join(
                [
                    _csv(f"{HOSTILE[c % len(HOSTILE)]} {c}"),
                    f"2024-{1 + c % 12:02d}-15",
                    str(c % 11),
                    _csv(f"{HOSTILE[c % len(HOSTILE)]} delivery was slow, coffee great"),
                    _csv(HOSTILE[c % 2]),
                ]
            )
        )
    return ("\n".join(rows) + "\n").encode()


def _is_seq(value) -> bool:
    return hasattr(value, "__len__") and not hasattr(value, "ListFields")


def interpreted_texts(at) -> list[str]:
    """Every string Streamlit renders as Markdown on the current page (main and sidebar)."""
    out: list[str] = []

    def visit(message) -> None:
        for field, value in message.ListFields():
            if field.type == field.TYPE_MESSAGE:
                items = [value] if isinstance(value, str) or not _is_seq(value) else value
                for item in items:
                    visit(item)
            elif field.type == field.TYPE_STRING and field.name in MARKDOWN_FIELDS:
                items = [value] if isinstance(value, str) or not _is_seq(value) else value
                out.extend(str(v) for v in items)

    for node in at._tree:
        proto = getattr(node, "proto", None)
        if proto is not None:
            visit(proto)
    return out


def offending(texts: list[str]) -> list[str]:
    return [t for t in texts if any(p.search(t) for p in FORBIDDEN)]


def test_md_escape_defuses_every_construct():
    for value in HOSTILE + [EXTRA_COLUMN, FILE_NAME, "www.evil.example", "a@evil.example"]:
        escaped = md_escape(value)
        assert not offending([escaped]), (value, escaped)
        assert "\n" not in md_escape(value + "\n# heading")
    assert md_escape("- item").startswith("\\-")
    assert md_escape("1. item").startswith("1\\.")
    assert md_escape(None) == "" and md_escape(float("nan")) == ""
    assert md_escape("Plain name 42") == "Plain name 42"
    # the check itself catches the raw values
    assert len(offending(HOSTILE)) == 5


@pytest.fixture(scope="module")
def hostile_session():
    return run_page(
        "app_pages/overview.py",
        upload=(FILE_NAME, hostile_transactions(), "text/csv"),
        responses=("survey " + FILE_NAME, hostile_responses(), "text/csv"),
    )


PAGES = [
    "app_pages/overview.py",
    "app_pages/data.py",
    "app_pages/rfm.py",
    "app_pages/cohorts.py",
    "app_pages/feedback.py",
    "app_pages/patterns.py",
    "app_pages/profile.py",
    "app_pages/value.py",
    "app_pages/report.py",
]


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_file_text_inert(hostile_session, page):
    at = hostile_session
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    texts = interpreted_texts(at)
    assert texts, "the page rendered no text at all"
    bad = offending(texts)
    assert not bad, f"{page}: file text rendered as Markdown: {bad[:3]}"
    if page in ("app_pages/patterns.py", "app_pages/profile.py", "app_pages/feedback.py"):
        # the hostile values really are shown (escaped), so the check above means something
        assert any(md_escape(h) in t for t in texts for h in [*HOSTILE, EXTRA_COLUMN])
    if page in ("app_pages/overview.py", "app_pages/data.py"):
        # the file name is shown, escaped
        assert any(md_escape(FILE_NAME) in t for t in texts)


def test_report_html_shows_escaped_values_as_written():
    import pandas as pd

    from analysis import report as rp

    value = HOSTILE[0] + " " + HOSTILE[4] + " a:b"
    section = rp.Section("S", sentences=[f"**{md_escape(value)}** sells best; **bold** stays."])
    report = rp.Report(
        title="T", generated=pd.Timestamp("2024-05-01").date(), dataset_label="", sections=[section]
    )
    document = rp.report_html(report)
    expected = "![](http://tracker.example/p.png) **bold** a:b"
    assert f"<strong>{expected}</strong> sells best; <strong>bold</strong> stays." in document
    assert "\\" not in document.split("<body", 1)[1] and "\u200b" not in document


def test_error_naming_a_hostile_file_is_inert():
    at = run_page("app_pages/overview.py", upload=(FILE_NAME, b"\n\n", "text/csv"))
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors and any(md_escape(FILE_NAME) in e for e in errors), errors
    assert not offending(interpreted_texts(at))
