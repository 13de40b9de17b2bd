import io
import zipfile

import openpyxl
import pandas as pd

from analysis.export import formula_safe, to_csv_bytes, to_xlsx_bytes

FRAME = pd.DataFrame(
    {
        "customer_id": ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "ok"],
        "amount": [-5.0, 1.5, 2.0, 0.0, 3.0, float("nan")],
        "count": [1, 2, 3, 4, 5, 6],
        "when": pd.to_datetime(["2024-01-01"] * 6),
    }
)


def test_formula_safe_prefixes_text_only():
    safe = formula_safe(FRAME)
    assert safe["customer_id"].tolist() == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "ok",
    ]
    # numbers stay numbers, including negative ones
    assert safe["amount"].tolist()[:4] == [-5.0, 1.5, 2.0, 0.0]
    assert safe["amount"].dtype == float
    # the input is not modified
    assert FRAME["customer_id"].iloc[0].startswith("=")


def test_csv_bytes_round_trip():
    data = to_csv_bytes(FRAME)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["customer_id"].iloc[0] == '\'=HYPERLINK("http://x")'
    assert back["amount"].iloc[0] == -5.0


def test_xlsx_cells_are_text_never_formulas():
    data = to_xlsx_bytes({"Segment: At Risk": FRAME, "other": FRAME.head(1)})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Segment_ At Risk", "other"]
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == ["customer_id", "amount", "count", "when"]
    first = ws.cell(row=2, column=1)
    assert first.data_type == "s"  # a string cell, not a formula ("f")
    assert first.value == '=HYPERLINK("http://x")'
    assert first.quotePrefix
    assert ws.cell(row=2, column=2).value == -5.0
    assert ws.cell(row=2, column=2).data_type == "n"
    assert ws.cell(row=7, column=2).value is None  # NaN left blank
    assert ws.cell(row=2, column=4).is_date
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
