import csv
import io
import zipfile

import openpyxl
import pandas as pd

from analysis.export import formula_safe, is_risky, to_csv_bytes, to_xlsx_bytes

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


HOSTILE_HEADER = '=HYPERLINK("http://evil.example","x")'


def test_headers_categoricals_and_index_are_formula_safe():
    frame = pd.DataFrame(
        {
            HOSTILE_HEADER: pd.Categorical(["=1+1", "ok", None]),
            "plain": pd.Categorical(["a", "b", "a"]),
            "+sum": [1, 2, 3],
            "full width": ["\uff1dSUM(A1)", "x", "y"],
        },
        index=pd.Index(["@idx", "b", "c"], name="-name"),
    )
    safe = formula_safe(frame)
    assert list(safe.columns) == ["'" + HOSTILE_HEADER, "plain", "'+sum", "full width"]
    assert safe.iloc[:, 0].tolist()[:2] == ["'=1+1", "ok"] and pd.isna(safe.iloc[2, 0])
    assert isinstance(safe["plain"].dtype, pd.CategoricalDtype)  # untouched when nothing risky
    assert safe["'+sum"].tolist() == [1, 2, 3]  # numbers stay numbers
    assert safe["full width"].iloc[0] == "'\uff1dSUM(A1)"
    assert safe.index.tolist() == ["'@idx", "b", "c"] and safe.index.name == "'-name"
    # CSV: no cell of the file, header or value, starts a formula
    data = to_csv_bytes(frame, index=True).decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(data)) for c in row]
    assert not [c for c in cells if is_risky(c)], data
    # Excel: the header is a string cell marked as text
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes({"s": frame})))
    header = wb.worksheets[0].cell(row=1, column=1)
    assert header.data_type == "s" and header.value == HOSTILE_HEADER and header.quotePrefix
    assert wb.worksheets[0].cell(row=2, column=1).quotePrefix  # the categorical "=1+1"


def test_rows_set_aside_download_is_formula_safe():
    """The 'rows set aside' table keeps the file's own column names: a header starting with
    '=' must not become a live formula in its download."""
    from analysis import ingest

    raw = ingest.read_table(
        (
            f'customer,order_date,amount,"{HOSTILE_HEADER.replace(chr(34), chr(34) * 2)}"\n'
            "a,2024-01-01,5,=cmd|' /C calc'!A0\n"
            "b,not a date,6,@SUM(1)\n"
        ).encode(),
        filename="shop.csv",
    )
    prepared = ingest.prepare_transactions(raw)
    assert len(prepared.rejected) == 1
    data = to_csv_bytes(prepared.rejected).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(data), dtype=str, keep_default_na=False)
    assert not [c for c in back.columns if is_risky(c)], list(back.columns)
    assert not [v for v in back.to_numpy().ravel() if is_risky(v)]
    assert ("'" + HOSTILE_HEADER) in back.columns
