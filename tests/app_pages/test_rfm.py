"""AppTest of the RFM page: the default example, its controls, and a formula-safe download."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from tests.apptest_utils import frame_with, run_page, texts

PAGE = "app_pages/rfm.py"


def test_rfm_page_default_example_and_controls():
    at = run_page(PAGE)
    assert not at.exception
    assert at.title[0].value == "RFM segments"
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Customers scored"].replace(",", "")) > 1000
    for heading in (
        "Segments by customers and by revenue",
        "The recency x frequency grid",
        "Distributions of R, F and M",
        "How customers moved between segments",
        "Customers in a segment",
    ):
        assert heading in [h.value for h in at.subheader], heading
    page = texts(at)
    assert "The largest group is" in page
    assert "kept their segment" in page  # migration in words
    assert "Every grid cell belongs to exactly one segment." in page
    assert "A worked example" in page and "R score" in page

    summary = frame_with(at, "customer_share")
    assert summary["segment"].tolist()[:2] == ["Champions", "Loyal Customers"]
    assert summary["customers"].sum() == int(metrics["Customers scored"].replace(",", ""))
    assert summary["customer_share"].sum() == pytest.approx(1.0)
    # The default comparison date is 90 days before the as-of date.
    as_of = at.date_input(key="rfm_as_of").value
    assert at.date_input(key="rfm_compare").value == as_of - dt.timedelta(days=90)

    # Fewer scores: scores stop at 3 and the page still works.
    at.segmented_control(key="rfm_bins").set_value(3).run()
    assert not at.exception
    customers = frame_with(at, "rfm_code")
    assert customers[["r_score", "f_score", "m_score"]].max().max() <= 3
    assert "With 3 scores, scores are first placed on the 1-5 grid" in texts(at)

    # Looking back in time: fewer customers had bought a year earlier.
    at.date_input(key="rfm_as_of").set_value(as_of - dt.timedelta(days=365)).run()
    assert not at.exception
    earlier = {m.label: m.value for m in at.metric}["Customers scored"]
    assert int(earlier.replace(",", "")) < int(metrics["Customers scored"].replace(",", ""))

    # The data-driven view.
    at.toggle(key="rfm_kmeans").set_value(True).run()
    assert not at.exception
    assert "had the best silhouette score" in texts(at)
    groups = frame_with(at, "name")
    assert len(groups) >= 2 and groups["customers"].sum() == int(earlier.replace(",", ""))


def _line(i: int, k: int) -> str:
    note = "=1+2" if i == 0 else "ok"
    month = 1 + (i + k) % 6
    return f"c{i},2024-0{month}-1{k},{i}-{k},{10 * (i + 1) + k}.50,+44 20 7946 00{i:02d},{note}"


UPLOAD = "\n".join(
    ["customer,date,invoice,total,phone,note"]
    + [_line(i, k) for i in range(12) for k in range(1 + i % 4)]
).encode()


def test_rfm_page_download_is_formula_safe(downloads):
    at = run_page(PAGE, upload=("shop.csv", UPLOAD, "text/csv"))
    assert not at.exception
    summary = frame_with(at, "customer_share")
    segment = summary.loc[summary["customers"] > 0, "segment"].iloc[0]
    at.selectbox(key="rfm_segment").set_value(segment).run()
    assert not at.exception
    buttons = at.get("download_button")
    assert len(buttons) == 2
    shown = frame_with(at, "rfm_code")
    assert set(shown["segment"]) == {segment}
    assert {"phone", "note"} <= set(shown.columns)  # contact columns from the upload

    slug = segment.lower().replace(" ", "_").replace("'", "_")
    csv_name = next(n for n in downloads if n.startswith("rfm_") and n.endswith(".csv"))
    assert slug.strip("_") in csv_name
    csv = pd.read_csv(io.BytesIO(downloads[csv_name]), encoding="utf-8-sig", dtype=str)
    assert list(csv.columns[:9]) == [
        "customer_id",
        "recency",
        "frequency",
        "monetary",
        "r_score",
        "f_score",
        "m_score",
        "rfm_code",
        "segment",
    ]
    assert len(csv) == len(shown)
    assert csv["phone"].str.startswith("'+44").all()  # risky text is quoted
    assert not csv["monetary"].str.startswith("'").any()  # numbers stay numbers
    float(csv["monetary"].iloc[0])

    xlsx_name = csv_name.removesuffix(".csv") + ".xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(downloads[xlsx_name])).active
    header = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[2]]
    values = dict(zip(header, row, strict=True))
    assert isinstance(values["monetary"], float | int)
    assert isinstance(values["phone"], str) and values["phone"].startswith("+44")
    assert sheet.cell(row=2, column=header.index("phone") + 1).data_type == "s"
