"""read_table: encodings, delimiters, title rows, workbooks, gzip and every refusal."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from analysis.ingest import DEFAULT_MAX_BYTES, DEFAULT_MAX_EXPANDED_BYTES, DataError, read_table
from tests.paths import DATA as TESTS_DATA

DATA = TESTS_DATA / "ingest"


class FakeUpload:
    """Stand-in for Streamlit's UploadedFile (.name, .size, .getvalue(), .read())."""

    def __init__(self, data: bytes, name: str, size: int | None = None) -> None:
        self._data = data
        self.name = name
        self.size = len(data) if size is None else size
        self.getvalue_calls = 0

    def getvalue(self) -> bytes:
        self.getvalue_calls += 1
        return self._data

    def read(self, n: int = -1) -> bytes:
        return self._data if n < 0 else self._data[:n]


def xlsx_bytes(rows_by_sheet: dict[str, list[list[object]]]) -> bytes:
    """Workbook with real cell types: datetimes get a date format, numbers stay numbers."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    dt_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name, rows in rows_by_sheet.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, dt.datetime):
                    ws.write_datetime(r, c, v, dt_fmt)
                elif isinstance(v, dt.date):
                    ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), date_fmt)
                elif isinstance(v, bool):
                    ws.write_boolean(r, c, v)
                elif isinstance(v, (int, float)):
                    ws.write_number(r, c, v)
                else:
                    ws.write_string(r, c, v)
    wb.close()
    return buf.getvalue()


# --- encodings ----------------------------------------------------------------------------------

TEXT = "Kunde;Ort;Betrag\nJosé;Köln;12,50 €\nRenée;Genève;€ 3\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),  # with BOM, native (little-endian) order
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),  # no BOM: recognised by its zero bytes
        (TEXT.encode("cp1252"), "cp1252"),
    ],
)
def test_encodings_are_detected_and_text_is_exact(data: bytes, encoding: str) -> None:
    df = read_table(data, filename="kunden.csv")
    assert df.attrs["encoding"] == encoding
    assert list(df.columns) == ["Kunde", "Ort", "Betrag"]
    assert df["Kunde"].tolist() == ["José", "Renée"]
    assert df["Ort"].tolist() == ["Köln", "Genève"]
    assert df["Betrag"].tolist() == ["12,50 €", "€ 3"]
    assert df.index.tolist() == [2, 3]


def test_latin1_fallback_never_fails() -> None:
    # 0x81 is undefined in cp1252, so only latin-1 can decode it
    df = read_table(b"name,amount\nA\x81B,1\n", filename="odd.csv")
    assert df.attrs["encoding"] == "latin-1"
    assert df["name"].tolist() == ["A\x81B"]


# --- delimiters, quoting, exact text --------------------------------------------------------------


@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_each_delimiter(delim: str) -> None:
    rows = [["customer", "date", "note", "amount"], ["00123", "2024-03-05", "NA", "1.5"]]
    rows.append(["C2", "2024-03-06", "", "2"])
    data = "\n".join(delim.join(r) for r in rows).encode()
    df = read_table(data, filename="t.txt")
    assert df.attrs["delimiter"] == delim
    assert list(df.columns) == ["customer", "date", "note", "amount"]
    assert df["customer"].tolist() == ["00123", "C2"]  # no number guessing
    assert df["note"].tolist() == ["NA", ""]  # NA stays NA, empty stays ""
    assert all(isinstance(df[c].dtype, pd.StringDtype) for c in df.columns)


def test_whitespace_delimited_cdnow_style() -> None:
    data = (
        b" customer_id  date number_of_cds  dollar_value\r\n"
        b" 00001 19970101  1   11.77\r\n"
        b" 00002 19970112  1   12.00\r\n"
        b"\r\n"
        b" 00002 19970112  5   77.00\r\n"
    )
    df = read_table(data, filename="cdnow.txt")
    assert df.attrs["delimiter"] == "whitespace"
    assert list(df.columns) == ["customer_id", "date", "number_of_cds", "dollar_value"]
    assert df["customer_id"].tolist() == ["00001", "00002", "00002"]
    assert df["dollar_value"].tolist() == ["11.77", "12.00", "77.00"]
    assert df.index.tolist() == [2, 3, 5]  # the blank line 4 is skipped, numbering kept


def test_quoted_fields_with_delimiters_quotes_and_newlines() -> None:
    data = (
        b'id,description,amount\n1,"Mug, blue",2\n2,"He said ""hi""",3\n'
        b'3,"two\nlines",4\n4,plain,5\n'
    )
    df = read_table(data, filename="q.csv")
    assert df["description"].tolist() == ["Mug, blue", 'He said "hi"', "two\nlines", "plain"]
    # the row a spreadsheet program shows: the quoted cell with a line break is one row (the
    # last record starts on line 6 of the text, but is row 5)
    assert df.index.tolist() == [2, 3, 4, 5]


def test_row_numbers_after_a_header_and_titles_with_line_breaks() -> None:
    data = (
        b'Shop report\n\n"id","note\n(free text)",amount\n'
        b'1,"a\nb\nc",2\n2,"x",3\n3,"y\r\nz",4\n4,plain,5\n'
    )
    df = read_table(data, filename="q.csv")
    assert df["note\n(free text)"].tolist() == ["a\nb\nc", "x", "y\r\nz", "plain"]
    # title row 1, blank row 2, header row 3: data on rows 4-7 as a spreadsheet shows them
    assert df.index.tolist() == [4, 5, 6, 7]


def test_semicolon_file_with_decimal_commas_is_not_read_as_comma() -> None:
    data = b"Kunde;Betrag\nA;12,50\nB;3,75\nC;1,00\n"
    df = read_table(data, filename="de.csv")
    assert df.attrs["delimiter"] == ";"
    assert df["Betrag"].tolist() == ["12,50", "3,75", "1,00"]


def test_excel_sep_hint_line() -> None:
    df = read_table(b"sep=;\na;b\n1;2\n", filename="x.csv")
    assert df.attrs["delimiter"] == ";"
    assert list(df.columns) == ["a", "b"]
    assert df.index.tolist() == [3]
    assert df.attrs["header_row"] == 2


def test_classic_mac_line_endings() -> None:
    df = read_table(b"a,b\r1,2\r3,4\r", filename="mac.csv")
    assert df["a"].tolist() == ["1", "3"]
    assert df.index.tolist() == [2, 3]


# --- title rows, blank rows, trailing empties ---------------------------------------------------


def test_title_and_blank_rows_above_header_keep_row_numbers() -> None:
    data = (
        b"Sales report March 2024\n"
        b"\n"
        b"Customer,Date,Amount\n"
        b"C1,05/03/2024,10\n"
        b"\n"
        b"C2,06/03/2024,12\n"
        b",,\n"
        b"\n"
    )
    df = read_table(data, filename="report.csv")
    assert df.attrs["header_row"] == 3
    assert list(df.columns) == ["Customer", "Date", "Amount"]
    assert df.index.tolist() == [4, 6]  # blank row 5 and trailing empty rows dropped
    assert df.index.name == "row"


def test_excel_style_title_row_with_trailing_delimiters() -> None:
    data = b"Exported on 2024-03-05,,,\n,,,\nid,date,amount,\nA,2024-01-01,5,\nB,2024-01-02,6,\n"
    df = read_table(data, filename="export.csv")
    assert df.attrs["header_row"] == 3
    assert list(df.columns) == ["id", "date", "amount"]  # unnamed empty column dropped
    assert df.index.tolist() == [4, 5]


def test_header_names_are_stripped_and_data_kept_exact() -> None:
    df = read_table(b" Customer , Amount \n  C1 ,  1.5 \n", filename="s.csv")
    assert list(df.columns) == ["Customer", "Amount"]
    assert df["Customer"].tolist() == ["  C1 "]


def test_rows_with_trailing_empty_fields_beyond_header_are_fine() -> None:
    df = read_table(b"a,b\n1,2,,\n3,4\n", filename="t.csv")
    assert list(df.columns) == ["a", "b"]
    assert df["b"].tolist() == ["2", "4"]


def test_extra_value_beyond_header_is_refused_with_row_number() -> None:
    with pytest.raises(DataError, match=r"Row 3 of 'extra\.csv' has more values .*'7'"):
        read_table(b"a,b,c\n1,2,3\n4,5,6,7\n", filename="extra.csv")


# --- gzip ----------------------------------------------------------------------------------------


def test_gzip_by_magic_bytes_and_by_name() -> None:
    csv = b"id,amount\n1,2\n"
    for name in ("data.csv.gz", "data.csv"):
        df = read_table(gzip.compress(csv), filename=name)
        assert df.attrs["compression"] == "gzip"
        assert df["amount"].tolist() == ["2"]


def test_gzip_expansion_is_capped() -> None:
    bomb = gzip.compress(b"a,b\n" + b"1,2\n" * 100_000)  # ~400 kB expanded
    with pytest.raises(DataError, match=r"'bomb\.csv\.gz' is compressed and would unpack to more"):
        read_table(bomb, filename="bomb.csv.gz", max_expanded_bytes=10_000)


def test_damaged_gzip() -> None:
    data = gzip.compress(b"a,b\n1,2\n" * 1000)[:50]
    with pytest.raises(DataError, match=r"'cut\.csv\.gz' is a compressed \(gzip\) file, but it"):
        read_table(data, filename="cut.csv.gz")


# --- sources -------------------------------------------------------------------------------------


def test_path_and_upload_like_sources(tmp_path: Path) -> None:
    p = tmp_path / "shop.csv"
    p.write_bytes(b"id,amount\n1,2\n")
    assert read_table(p).attrs["filename"] == "shop.csv"
    assert read_table(str(p))["id"].tolist() == ["1"]
    up = FakeUpload(b"id,amount\n1,2\n", "upload.csv")
    df = read_table(up)
    assert df.attrs["filename"] == "upload.csv"
    assert up.getvalue_calls == 1
    assert read_table(io.BytesIO(b"id,amount\n1,2\n"))["amount"].tolist() == ["2"]


def test_missing_path() -> None:
    with pytest.raises(DataError, match=r"could not find the file 'nope\.csv'"):
        read_table("/nonexistent/dir/nope.csv")


# --- workbooks -----------------------------------------------------------------------------------


def test_xlsx_cells_become_the_text_the_spreadsheet_shows() -> None:
    rows = [
        ["Café sales March 2024"],
        [],
        ["Date", "Receipt", "Customer", "Total", "Paid", "Ratio", "When"],
        [
            dt.date(2024, 3, 5),
            10042,
            "00123",
            2.55,
            True,
            0.1 + 0.2,
            dt.datetime(2024, 3, 5, 14, 30),
        ],
        [dt.date(2024, 3, 6), 10043.0, "NA", 12, False, 1 / 3, None],
    ]
    data = xlsx_bytes({"Empty": [], "Sales": rows})
    df = read_table(data, filename="cafe.xlsx")
    assert df.attrs["format"] == "xlsx"
    assert df.attrs["sheet"] == "Sales"  # first sheet holding data
    assert df.attrs["sheets"] == ["Empty", "Sales"]
    assert df.attrs["header_row"] == 3
    assert df.index.tolist() == [4, 5]
    assert df["Date"].tolist() == ["2024-03-05", "2024-03-06"]
    assert df["Receipt"].tolist() == ["10042", "10043"]
    assert df["Customer"].tolist() == ["00123", "NA"]
    assert df["Total"].tolist() == ["2.55", "12"]
    assert df["Paid"].tolist() == ["TRUE", "FALSE"]
    assert df["Ratio"].tolist() == ["0.3", "0.333333333333333"]
    assert df["When"].tolist() == ["2024-03-05 14:30:00", ""]


def test_xlsx_sheet_by_name_and_index() -> None:
    data = xlsx_bytes({"A": [["x", "y"], [1, 2]], "B": [["p", "q"], ["3", "4"]]})
    assert read_table(data, filename="w.xlsx", sheet="B")["p"].tolist() == ["3"]
    assert read_table(data, filename="w.xlsx", sheet=1)["q"].tolist() == ["4"]
    assert read_table(data, filename="w.xlsx", sheet="b").attrs["sheet"] == "B"
    with pytest.raises(
        DataError, match=r"'w\.xlsx' has no sheet called 'C'; its sheets are: 'A', 'B'"
    ):
        read_table(data, filename="w.xlsx", sheet="C")
    with pytest.raises(DataError, match=r"has no sheet number 3"):
        read_table(data, filename="w.xlsx", sheet=2)


def test_xlsx_blank_header_with_values_is_refused() -> None:
    data = xlsx_bytes({"S": [["a", None, "c"], [1, 2, 3]]})
    with pytest.raises(DataError, match=r"Column B of 'x\.xlsx' has no name .*'2' in row 2"):
        read_table(data, filename="x.xlsx")


def test_xls_via_calamine() -> None:
    # tests/data/ingest/sales_title.xls: written by xlwt 1.3.0 (see README.md there)
    df = read_table(DATA / "sales_title.xls")
    assert df.attrs["format"] == "xls"
    assert df.attrs["sheet"] == "Sales"  # the empty "Notes" sheet is skipped
    assert df.attrs["header_row"] == 3
    assert df.index.tolist() == [4, 5, 6]
    assert df["Date"].tolist() == ["2024-03-05", "2024-03-05 14:30:00", "2024-03-06"]
    assert df["Receipt no."].tolist() == ["10042", "10043", "10044"]
    assert df["Customer"].tolist() == ["00123", "Card 7", "NA"]
    assert df["Total"].tolist() == ["3.6", "2.55", "0.3"]
    assert df["Paid"].tolist() == ["TRUE", "FALSE", "TRUE"]


def test_workbook_named_csv_is_read_with_a_warning() -> None:
    data = xlsx_bytes({"S": [["id", "amount"], ["A", 5]]})
    df = read_table(data, filename="really.csv")
    assert df.attrs["format"] == "xlsx"
    assert "really an Excel-type workbook" in df.attrs["warnings"][0]


# --- refusals ------------------------------------------------------------------------------------


def test_empty_file() -> None:
    for data in (b"", b"   \n\n", b"\xef\xbb\xbf"):
        with pytest.raises(DataError, match=r"'empty\.csv' is empty"):
            read_table(data, filename="empty.csv")


def test_header_only_file() -> None:
    with pytest.raises(DataError, match=r"'h\.csv' has column names \(row 1\) but no data rows"):
        read_table(b"customer,date,amount\n,,\n", filename="h.csv")
    data = xlsx_bytes({"S": [["customer", "date"]]})
    with pytest.raises(DataError, match=r"'h\.xlsx' has column names \(row 1\) but no data"):
        read_table(data, filename="h.xlsx")


def test_html_saved_as_xlsx() -> None:
    data = b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>"
    with pytest.raises(DataError, match=r"'report\.xlsx' is a web page \(HTML\), not an Excel"):
        read_table(data, filename="report.xlsx")


def test_csv_saved_as_xlsx() -> None:
    with pytest.raises(
        DataError,
        match=r"'sales\.xlsx' is named like an Excel workbook .* "
        r"Rename it to 'sales\.csv'",
    ):
        read_table(b"customer,amount\nA,1\n", filename="sales.xlsx")


def test_binary_saved_as_csv() -> None:
    with pytest.raises(DataError, match=r"'photo\.csv' is not a text or spreadsheet file"):
        read_table(bytes(range(256)) * 20, filename="photo.csv")
    with pytest.raises(DataError, match=r"'doc\.csv' is a PDF document"):
        read_table(b"%PDF-1.7\n...", filename="doc.csv")


def test_other_zip_archives_are_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("data.csv", "a,b\n1,2\n")
    with pytest.raises(DataError, match=r"'data\.zip' is a ZIP archive, not a spreadsheet"):
        read_table(buf.getvalue(), filename="data.zip")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    with pytest.raises(DataError, match=r"'letter\.xlsx' is a Word document"):
        read_table(buf.getvalue(), filename="letter.xlsx")


def test_damaged_xlsx() -> None:
    data = xlsx_bytes({"S": [["a"], [1]]})
    with pytest.raises(DataError, match=r"'broken\.xlsx'"):
        read_table(data[: len(data) // 2], filename="broken.xlsx")


def test_duplicate_header_names() -> None:
    with pytest.raises(
        DataError,
        match=r"row 1\) of 'd\.csv' has the column name 'Amount' more than once "
        r"\(columns B and C\)",
    ):
        read_table(b"Customer,Amount,Amount\nA,1,2\n", filename="d.csv")


def test_blank_header_name_with_values() -> None:
    with pytest.raises(DataError, match=r"Column B of 'b\.csv' has no name in the header row"):
        read_table(b"Customer,,Amount\nA,x,2\n", filename="b.csv")


def test_over_max_bytes_is_checked_before_reading(tmp_path: Path) -> None:
    assert DEFAULT_MAX_BYTES == 200 * 1024 * 1024
    assert DEFAULT_MAX_EXPANDED_BYTES == 1024**3
    with pytest.raises(DataError, match=r"'big\.csv' is 2\.0 KB, larger than the 1000 bytes"):
        read_table(b"a,b\n" + b"1,2\n" * 511, filename="big.csv", max_bytes=1000)
    # an upload whose declared size is too big is refused without calling getvalue()
    up = FakeUpload(b"a,b\n1,2\n", "huge.csv", size=300 * 1024 * 1024)
    with pytest.raises(DataError, match=r"'huge\.csv' is 300 MB, larger than the 200 MB"):
        read_table(up)
    assert up.getvalue_calls == 0
    p = tmp_path / "big.csv"
    p.write_bytes(b"a,b\n" + b"1,2\n" * 600)
    with pytest.raises(DataError, match=r"'big\.csv' is .* larger than"):
        read_table(p, max_bytes=100)


def test_zip_bomb_xlsx_is_refused_from_declared_sizes() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * 2_000_000 + b"/>")
    data = buf.getvalue()
    assert len(data) < 20_000  # tiny on disk
    with pytest.raises(DataError, match=r"'bomb\.xlsx' would unpack to 1\.9 MB, more than the"):
        read_table(data, filename="bomb.xlsx", max_expanded_bytes=1_000_000)


def test_workbook_reader_panic_on_a_damaged_xls_becomes_a_data_error() -> None:
    # zeroing this byte of the fixture makes calamine (Rust) panic while opening the file;
    # the panic surfaces as pyo3's PanicException, a BaseException, not an Exception
    data = bytearray((DATA / "sales_title.xls").read_bytes())
    data[514] = 0
    with pytest.raises(DataError, match=r"'damaged\.xls' could not be read: the spreadsheet seems"):
        read_table(bytes(data), filename="damaged.xls")


def _ods_bytes() -> bytes:
    """A minimal OpenDocument spreadsheet written by hand (title row, date and number cells)."""

    def cell(kind: str, value: str, shown: str) -> str:
        attr = {
            "string": "",
            "date": f' office:date-value="{value}"',
            "float": f' office:value="{value}"',
        }[kind]
        return (
            f'<table:table-cell office:value-type="{kind}"{attr}><text:p>{shown}</text:p>'
            "</table:table-cell>"
        )

    def row(*cells: str) -> str:
        return "<table:table-row>" + "".join(cells) + "</table:table-row>"

    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Sales">'
        + row(cell("string", "", "Report 2024"))
        + row("<table:table-cell/>")
        + row(
            cell("string", "", "Customer"), cell("string", "", "Date"), cell("string", "", "Amount")
        )
        + row(
            cell("string", "", "00123"),
            cell("date", "2024-03-05", "05/03/2024"),
            cell("float", "10042", "10042"),
        )
        + row(
            cell("string", "", "B"),
            cell("date", "2024-03-05T14:30:00", "x"),
            cell("float", "2.55", "2.55"),
        )
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type='
            '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
            'manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
    return buf.getvalue()


def test_ods_via_calamine() -> None:
    df = read_table(_ods_bytes(), filename="sales.ods")
    assert df.attrs["format"] == "ods"
    assert df.attrs["header_row"] == 3
    assert df.index.tolist() == [4, 5]
    assert df["Customer"].tolist() == ["00123", "B"]
    assert df["Date"].tolist() == ["2024-03-05", "2024-03-05 14:30:00"]
    assert df["Amount"].tolist() == ["10042", "2.55"]


def test_bytes_without_a_name_are_called_the_uploaded_file() -> None:
    with pytest.raises(DataError, match=r"^The uploaded file is empty"):
        read_table(b"")
    assert read_table(b"a,b\n1,2\n").attrs["filename"] is None


def test_html_tags_inside_csv_cells_are_just_text() -> None:
    df = read_table(b"id,comment\n1,<html> is a tag\n", filename="c.csv")
    assert df["comment"].tolist() == ["<html> is a tag"]


def test_xml_spreadsheet_2003_is_refused() -> None:
    data = b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n<Workbook/>'
    with pytest.raises(DataError, match=r"'old\.xls' is an XML file"):
        read_table(data, filename="old.xls")
