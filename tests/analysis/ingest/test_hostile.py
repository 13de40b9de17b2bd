"""Hostile files: each is refused (or read) quickly, in bounded memory, with a clear message.

Every file is generated here (small on disk; the point of most is how much they expand to). The
bounded cases run ``read_table`` in a child process, so that a crash (the spreadsheet reader
aborting the process) fails the test instead of killing pytest, and the child's peak memory
(``ru_maxrss``) can be read. Each child first reads a normal 50,000-row CSV as its baseline:
memory is measured as growth over that baseline, time as a ratio to it.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from analysis.ingest import (
    DEFAULT_MAX_CELLS,
    DEFAULT_MAX_COLUMNS,
    DEFAULT_MAX_ROWS,
    DataError,
    prepare_transactions,
    read_table,
    used_range,
    workbooks,
)
from tests.paths import ROOT

MAX_GROWTH_MB = 300  # the bound: refused (or read) within 300 MB
TIME_RATIO = 4.0  # ... and quickly: at most 4x the time a normal 50,000-row CSV takes


# --- generators (also used by tests/e2e/test_hostile_upload.py) ------------------------------


@functools.cache  # xlsxwriter takes a second or two to write a far row
def far_cell_xlsx(row: int, col: int) -> bytes:
    """A tiny workbook with a small table and one cell at (row, col) (0-based)."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet("Data")
    ws.write_row(0, 0, ["customer", "date", "amount"])
    ws.write_row(1, 0, ["C1", "2024-01-01", "5"])
    ws.write_string(row, col, "x")
    wb.close()
    return out.getvalue()


def ods_bytes(rows_xml: str, name: str = "Sheet1") -> bytes:
    """An OpenDocument spreadsheet whose one table holds ``rows_xml``."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{name}">'
        f"{rows_xml}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
        'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _ods_cell(text: str, repeat: int = 1) -> str:
    rep = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-cell{rep} office:value-type="string"><text:p>{text}</text:p></table:table-cell>'


def ods_repeat_bomb(rows: int = 100_000, cols: int = 25) -> bytes:
    """Under 1 kB: a header, then one row (two cells each repeated ``cols`` times) x ``rows``."""
    header = f"<table:table-row>{_ods_cell('customer')}{_ods_cell('amount')}</table:table-row>"
    body = (
        f'<table:table-row table:number-rows-repeated="{rows}">'
        f"{_ods_cell('x', cols)}{_ods_cell('y', cols)}</table:table-row>"
    )
    return ods_bytes(header + body)


def expanding_gzip(megabytes: int = 380) -> bytes:
    """About 1 MB of gzip unpacking to ``megabytes`` MB of short lines (under the 400 MB cap)."""
    line = b"C1,2024-01-01,5.00\n"
    member = gzip.compress(line * ((1 << 20) // len(line)), compresslevel=9)
    return gzip.compress(b"customer,date,amount\n") + member * megabytes


def wide_csv(cols: int = 10_000, rows: int = 20) -> bytes:
    head = ",".join(f"c{i}" for i in range(cols))
    body = ",".join("1" for _ in range(cols))
    return ("\n".join([head] + [body] * rows) + "\n").encode()


def long_csv(rows: int) -> bytes:
    return b"customer,amount\n" + b"C1,5\n" * rows


def normal_csv(rows: int) -> bytes:
    lines = [f"C{i % 997},2024-{1 + i % 12:02d}-{1 + i % 28:02d},{i % 50}.25" for i in range(rows)]
    return ("customer,date,amount\n" + "\n".join(lines) + "\n").encode()


def broken_quote_csv() -> bytes:
    """Ten rows; row 4 opens a quote (as naive exporters write) that row 9 closes."""
    rows = ["customer,date,amount,product"]
    for i in range(1, 11):
        product = {3: '"Tea special', 8: 'blend"'}.get(i, "Tea")
        rows.append(f"C{i},2024-01-{i:02d},{i}.50,{product}")
    return ("\n".join(rows) + "\n").encode()


# --- bounded in a child process ---------------------------------------------------------------

CHILD = r"""
import json, resource, sys, time
cap = 3 << 30  # a regression fails the test instead of exhausting the machine
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from analysis.ingest import DataError, read_table
base = open(sys.argv[1], "rb").read()
read_table(base, filename="base.csv")
t = time.perf_counter()
read_table(base, filename="base.csv")
base_secs = time.perf_counter() - t
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for path, name in zip(sys.argv[2::2], sys.argv[3::2]):
    print(json.dumps({"name": name, "started": True}), flush=True)
    data = open(path, "rb").read()
    t = time.perf_counter()
    try:
        df = read_table(data, filename=name)
        result = {"shape": list(df.shape)}
    except DataError as exc:
        result = {"error": str(exc)}
    secs = time.perf_counter() - t
    del data
    # ru_maxrss is the peak so far: growth over the baseline bounds every case up to this one
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result.update(name=name, secs=secs, base_secs=base_secs, growth_mb=(peak - before) / 1024)
    print(json.dumps(result), flush=True)
"""


def run_bounded(files: dict[str, bytes], tmp_path: Path) -> dict[str, dict]:
    """Read each file in one child process after a 50,000-row baseline; results by name."""
    base = tmp_path / "base.csv"
    base.write_bytes(normal_csv(50_000))
    args = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        args += [str(tmp_path / name), name]
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(base), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
    last = lines[-1]["name"] if lines else "the baseline"
    assert proc.returncode == 0, (
        f"the reader died (exit {proc.returncode}) on {last}: {proc.stderr[-800:]}"
    )
    return {r["name"]: r for r in lines if "started" not in r}


CASES = {
    # name: (generator, expected message)
    "far_cell.xlsx": (lambda: far_cell_xlsx(1_048_575, 16_383), r"reaches cell XFD1048576"),
    "z1000000.xlsx": (lambda: far_cell_xlsx(999_999, 25), r"reaches cell Z1000000"),
    "repeat_bomb.ods": (lambda: ods_repeat_bomb(), r"repeats rows or cells"),
    "wide_repeat.ods": (lambda: ods_repeat_bomb(100_000, 200), r"reaches cell OJ100001"),
    "expanding.csv.gz": (lambda: expanding_gzip(), r"unpacks to more than 2,001,000 lines"),
    "wide.csv": (lambda: wide_csv(), r"has 10,000 columns"),
    "long.csv": (lambda: long_csv(DEFAULT_MAX_ROWS + 1), r"2,000,001 lines of data"),
    "wide_row.csv": (
        lambda: b"customer,amount\nC1,5\n" + b"C2," + b"1," * 5_000 + b"\n",
        r"Row 3 of 'wide_row.csv' has 5,002 values",
    ),
}


def test_hostile_files_are_refused_quickly_in_bounded_memory(tmp_path):
    files = {name: make() for name, (make, _) in CASES.items()}
    files["repeats.ods"] = ods_repeat_bomb(20_000, 1)  # small repeats are fine: it is read
    assert all(len(d) < 12_000_000 for d in files.values())  # the danger is the expansion
    results = run_bounded(files, tmp_path)
    assert set(results) == set(files)
    for name, (_, pattern) in CASES.items():
        r = results[name]
        assert "error" in r, f"{name} was read: {r}"
        assert re.search(pattern, r["error"]), r["error"]
        assert f"'{name}'" in r["error"]  # the message names the file
        assert "this app reads at most" in r["error"] or "repeats rows" in r["error"]
        assert r["secs"] < TIME_RATIO * r["base_secs"] + 0.05, r
    assert results["repeats.ods"].get("shape") == [20_000, 2], results["repeats.ods"]
    growth = max(r["growth_mb"] for r in results.values())
    assert growth < MAX_GROWTH_MB, results


# --- limits, in process (small limits so the files stay tiny) ---------------------------------


def test_limits_are_documented_defaults():
    assert (DEFAULT_MAX_ROWS, DEFAULT_MAX_COLUMNS, DEFAULT_MAX_CELLS) == (
        2_000_000,
        1_000,
        20_000_000,
    )
    # the real Online Retail file (541,909 lines x 8 columns) fits with room to spare
    assert 541_909 * 3 < DEFAULT_MAX_ROWS and 541_909 * 8 * 4 < DEFAULT_MAX_CELLS


def test_text_limits_rows_columns_cells():
    data = normal_csv(30)
    assert len(read_table(data, filename="ok.csv", max_rows=30)) == 30
    with pytest.raises(DataError, match=r"'x.csv' has 31 lines of data in 3 columns"):
        read_table(normal_csv(31), filename="x.csv", max_rows=30)
    with pytest.raises(DataError, match=r"header row \(row 1\) of 'x.csv' has 3 columns"):
        read_table(data, filename="x.csv", max_columns=2)
    with pytest.raises(DataError, match=r"\(90 cells\); this app reads at most .* 89 cells"):
        read_table(data, filename="x.csv", max_cells=89)
    with pytest.raises(DataError, match=r"unpacks to more than 1,030 lines"):
        read_table(gzip.compress(normal_csv(1_100)), filename="x.csv.gz", max_rows=30)


def test_xlsx_limits_name_the_sheet_and_the_far_cell():
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet("Orders")
    ws.write_row(0, 0, ["customer", "amount"])
    ws.write_row(1, 0, ["C1", 5])
    bad = wb.add_worksheet("Notes")
    bad.write_string(0, 0, "note")
    bad.write_string(99_999, 700, "stray")  # ZY100000
    wb.close()
    data = out.getvalue()
    # the first sheet with data is read: the stray cell on the other sheet does not matter
    assert read_table(data, filename="book.xlsx").shape == (1, 2)
    with pytest.raises(DataError, match=r"The sheet 'Notes' in 'book.xlsx' reaches cell ZY100000"):
        read_table(data, filename="book.xlsx", sheet="Notes")


def test_formatting_far_away_is_not_data():
    """A formatted but empty cell far below (a self-closing <c/>) does not count."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet("Data")
    ws.write_row(0, 0, ["customer", "amount"])
    ws.write_row(1, 0, ["C1", 5])
    ws.write_blank(999_999, 25, None, wb.add_format({"bold": True}))
    wb.close()
    assert read_table(out.getvalue(), filename="fmt.xlsx").shape == (1, 2)


def _patch_sheet(data: bytes, old: bytes, new: bytes) -> bytes:
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert old in body
                body = body.replace(old, new)
            z.writestr(info, body)
    return out.getvalue()


@pytest.fixture(params=["exact", "bound"])
def scan(request, monkeypatch):
    """Both ways a sheet is scanned: exactly (small sheets) and by a bound first (big ones)."""
    if request.param == "bound":
        monkeypatch.setattr(used_range, "_XL_EXACT_BYTES", 0)
    return request.param


@pytest.mark.parametrize(
    ("row", "col", "far"),
    [
        (1_048_575, 16_383, "XFD1048576"),
        (999_999, 25, "Z1000000"),
        (799_999, 25, "Z800000"),
        (9, 1_200, "ATE10"),
        (599_999, 40, "AO600000"),
    ],
)
def test_far_cells_are_found_either_way(scan, row, col, far):
    with pytest.raises(DataError, match=f"reaches cell {far}"):
        read_table(far_cell_xlsx(row, col), filename="far.xlsx")


def test_a_stray_cell_making_a_nearly_empty_range_is_refused(scan):
    with pytest.raises(DataError, match=r"reaches cell AE100000 .* only 7 filled cells"):
        read_table(far_cell_xlsx(99_999, 30), filename="stray.xlsx")


def test_a_normal_sheet_passes_either_way(scan, monkeypatch):
    if scan == "bound":  # 33 columns (two letters) and 400 rows: the bound settles it
        monkeypatch.setattr(used_range, "_xlsx_exact_range", None)
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet("Data")
    ws.write_row(0, 0, ["customer", "date", "amount"] + [f"c{i}" for i in range(30)])
    for r in range(1, 400):
        ws.write_row(r, 0, [f"C{r}", "2024-01-01", r] + list(range(30)))
    wb.close()
    assert read_table(out.getvalue(), filename="ok.xlsx").shape == (399, 33)


def test_unusual_cell_markup_gets_the_exact_scan(scan):
    """Attributes in another order, cells without a reference or with a namespace prefix
    cannot hide a far cell."""
    data = far_cell_xlsx(999_999, 25)
    reordered = _patch_sheet(data, b'<c r="Z1000000" t="s">', b'<c t="s" r="Z1000000">')
    with pytest.raises(DataError, match="reaches cell Z1000000"):
        read_table(reordered, filename="r.xlsx")
    # cells without r: the reader counts them along the row
    no_ref = far_cell_xlsx(1, 5)
    no_ref = _patch_sheet(no_ref, b'<c r="F2" t="s">', b"<c/>" * 1_200 + b'<c t="s">')
    with pytest.raises(DataError, match=r"reaches cell [A-Z]{3}2: 2 rows x 1,204 columns"):
        read_table(no_ref, filename="n.xlsx")
    prefixed = _patch_sheet(
        data,
        b'<c r="Z1000000" t="s"><v>6</v></c>',
        b'<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'r="Z1000000" t="s"><v>6</v></x:c>',
    )
    with pytest.raises(DataError, match="reaches cell Z1000000"):
        read_table(prefixed, filename="p.xlsx")


# --- broken quoting: nothing lost --------------------------------------------------------------


def test_quote_closed_lines_later_loses_no_row():
    raw = read_table(broken_quote_csv(), filename="quotes.csv")
    assert raw.index.tolist() == list(range(2, 12))  # every line, under its own row number
    assert raw.loc[4, "product"] == '"Tea special'  # the stray quote stays in the text
    assert raw.loc[9, "product"] == 'blend"'
    assert raw.loc[5, "customer"] == "C4"
    notes = raw.attrs["warnings"]
    assert len(notes) == 1 and "Row 4 of 'quotes.csv'" in notes[0] and "row 9" in notes[0]
    p = prepare_transactions(raw)
    assert len(p.data) + len(p.rejected) == 10
    assert any("Row 4" in w for w in p.warnings)


def test_quote_never_closed_loses_no_row():
    data = broken_quote_csv().replace(b'blend"', b"blend")
    raw = read_table(data, filename="open.csv")
    assert raw.index.tolist() == list(range(2, 12))
    assert "never closed" in raw.attrs["warnings"][0]
    assert "rows 4-11" in raw.attrs["warnings"][0]


def test_real_line_breaks_in_a_quoted_cell_stay_one_row():
    data = b'customer,date,amount,comment\nC1,2024-01-01,5,"Great tea,\nwill buy again"\nC2,2024-01-02,6,x\n'
    raw = read_table(data, filename="ok.csv")
    assert raw.index.tolist() == [2, 3]  # as a spreadsheet shows them: the cell is one row
    assert raw.loc[2, "comment"] == "Great tea,\nwill buy again"
    assert raw.attrs["warnings"] == []


# --- the worker process: a last line of defence behind the pre-check ---------------------------

WITHOUT_PRECHECK = r"""
import sys
from analysis import ingest
from analysis.ingest import used_range
used_range._ShapeGuard.check = lambda self, sheet: None  # as if the pre-check missed it
used_range._ShapeGuard.check_all = lambda self: None
try:
    ingest.read_table(open(sys.argv[1], "rb").read(), filename="far_cell.xlsx")
except ingest.DataError as exc:
    print("DataError:", exc)
"""


def test_reader_crash_ends_only_the_worker(tmp_path):
    """Even past the pre-check, the reader's abort on XFD1048576 ends only its worker."""
    path = tmp_path / "far_cell.xlsx"
    path.write_bytes(far_cell_xlsx(1_048_575, 16_383))
    proc = subprocess.run(
        [sys.executable, "-c", WITHOUT_PRECHECK, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-800:]
    assert "DataError: 'far_cell.xlsx' could not be read: the spreadsheet reader needed" in (
        proc.stdout
    )


def test_worker_time_limit(monkeypatch):
    monkeypatch.setattr(workbooks, "WORKBOOK_TIME_LIMIT", 0.001)
    with pytest.raises(DataError, match=r"'slow.xlsx' could not be read within 0 seconds"):
        read_table(far_cell_xlsx(5, 2), filename="slow.xlsx")


def test_in_process_reading_still_works(monkeypatch):
    monkeypatch.setattr(workbooks, "ISOLATE_WORKBOOKS", False)
    assert read_table(far_cell_xlsx(5, 2), filename="ok.xlsx").shape == (2, 3)


def test_xls_is_checked_after_reading():
    """.xls has no pre-check (it cannot exceed 65,536 x 256 cells): the table is checked after."""
    with pytest.raises(DataError, match=r"'sales_title.xls' reaches cell G6: 6 rows x 7 columns"):
        read_table(ROOT / "tests" / "data" / "ingest" / "sales_title.xls", max_columns=3)


def test_a_comment_with_commas_over_two_lines_stays_one_row():
    """Prose with the table's number of commas is not taken for a swallowed row."""
    data = (
        b"date,score,comment\n"
        b'2024-01-01,9,"Loved it.\nFast delivery, good price, will return"\n'
        b"2024-01-02,7,ok\n"
    )
    raw = read_table(data, filename="survey.csv")
    assert raw.index.tolist() == [2, 3]  # as a spreadsheet shows them: the cell is one row
    assert raw.loc[2, "comment"] == "Loved it.\nFast delivery, good price, will return"
    assert raw.attrs["warnings"] == []
