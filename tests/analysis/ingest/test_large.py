"""The large-file path (DuckDB on disk, SQL) against the pandas ingest on the same files."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from analysis import ingest
from analysis.ingest import large
from tests.paths import DATA, SAMPLE_DATA

# A shop file with every kind of row: used, anonymous (no customer, a walk-in), set aside for
# each reason, a total row, a line without an order number, refunds and zero amounts.
MESSY = "\n".join(
    ["Invoice,Customer,Date,Amount,Product,Country"]
    + [
        f"{'INV' + str(i // 2) if i % 7 else ''},C{i % 13},2024-{i % 12 + 1:02d}-{i % 28 + 1:02d} "
        f"10:{i % 60:02d}:00,{[3.5, 12, -4.2, 0, 19.99][i % 5]},Tea {i % 5},DE"
        for i in range(120)
    ]
    + [
        "X1,,2024-02-01,5.0,Tea,DE",  # no customer: anonymous
        "X2,Walk-in,2024-02-01,6.0,Tea,DE",  # a walk-in sale: anonymous
        "X3,C1,notadate,5,Tea,DE",  # unparseable date
        "X4,C2,2024-03-01,,Tea,DE",  # missing amount
        "X5,,,3,Tea,DE",  # no customer and no date: set aside
        "Total,,,1000,,",  # a total row
        "X6, C3 ,2024-03-01,abc,Tea,DE",  # unparseable amount
        "X7,NA,2024-03-02,4, Tea ,DE",  # "NA" is no customer: anonymous; " Tea " trimmed
        "INV1,C5,2024-01-05 10:00:00,3.5, Tea 1 ,DE",  # trimmed
    ]
).encode()

# Semicolons, day.month.year dates, decimal commas, brackets for refunds, quantity x price,
# Windows-1252 text (a "Müller" customer).
SEMICOLON = "\n".join(
    ["Bestellung;Kunde;Datum;Menge;Preis;Land"]
    + [
        f"B{i // 3};{'Müller' if i % 9 == 0 else 'K' + str(i % 11)};{i % 28 + 1:02d}."
        f"{i % 12 + 1:02d}.2023;{i % 4 + 1};{['1.234,50', '3,99', '12,00', '0,5', '(2,00)'][i % 5]};AT"
        for i in range(90)
    ]
    + [
        "B999;K1;13.13.2023;1;2,00;AT",
        "B998;Gast;01.02.2023;1;2,00;AT",
        "B997;K2;01.02.2023;x;2,00;AT",
    ]
).encode("cp1252")


def _both(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    found = large.prepare_large_csv(path, name, tmp_path / "db.duckdb")
    small = ingest.prepare_transactions(ingest.read_table(path), found.prepared.mapping)
    con = duckdb.connect(str(found.database), read_only=True)
    return found, small, con


def _raw(tmp_path, data: bytes):
    path = tmp_path / "raw.csv"
    path.write_bytes(data)
    con = duckdb.connect()
    large._load_raw(con, path, ingest.read_table(path))
    return con


def _same_lines(small: ingest.Prepared, con) -> None:
    lines = con.execute("SELECT * FROM lines").df()
    expected = small.data[list(lines.columns)].reset_index(drop=True)
    lines["order_date"] = lines["order_date"].astype("datetime64[ns]")
    assert len(lines) == len(expected)
    for column in lines.columns:
        got, want = lines[column], expected[column]
        if column in ("order_date", "amount", "quantity", "unit_price"):
            np.testing.assert_array_equal(got.to_numpy(), want.to_numpy(), err_msg=column)
        else:
            assert got.astype(object).tolist() == want.astype(object).tolist(), column


SHOP = (SAMPLE_DATA / "online_shop_transactions.csv").read_bytes()[:60_000]
FILES = {
    "messy.csv": MESSY,
    "semicolon.csv": SEMICOLON,
    "shop.csv": SHOP[: SHOP.rfind(b"\n") + 1],
}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """Each file prepared both ways once: {name: (LargeFile, Prepared, connection, path)}."""
    out = {}
    for name, data in FILES.items():
        folder = tmp_path_factory.mktemp(name.split(".")[0])
        out[name] = (*_both(folder, name, data), folder / name)
    return out


@pytest.mark.parametrize("name", list(FILES))
def test_the_sql_path_gives_the_pandas_ingest_s_lines_set_aside_rows_and_report(prepared, name):
    found, small, con, path = prepared[name]
    _same_lines(small, con)
    # the same set-aside rows, row numbers, reasons and source cells
    every = large.set_aside_frame(con, found.head, None)
    pd.testing.assert_frame_equal(every, small.rejected.reset_index(drop=True))
    anonymous = con.execute("SELECT * FROM anonymous").df()
    assert anonymous["row"].tolist() == small.anonymous["row"].tolist()
    assert anonymous["order_id"].tolist() == small.anonymous["order_id"].tolist()
    assert anonymous["why"].tolist() == small.anonymous["why"].tolist()
    for key, value in small.report.items():
        if key != "doubts":
            assert found.prepared.report[key] == value, key
    assert found.prepared.warnings == small.warnings
    # row conservation: lines kept + anonymous + set aside = rows in the file
    report = found.prepared.report
    rows = len(ingest.read_table(path))
    assert report["rows_used"] + report["anonymous_lines"] + report["rows_rejected"] == rows
    assert report["rows_read"] == rows


def test_messy_rows_get_their_reasons(prepared):
    found, _, con, _ = prepared["messy.csv"]
    by_row = dict(con.execute("SELECT row, reason FROM set_aside").fetchall())
    assert by_row == {
        124: "unparseable date",
        125: "missing amount",
        126: "missing customer id",
        127: "a total row, not a sale",
        128: "unparseable amount",
    }
    assert found.prepared.report["anonymous_lines"] == 3
    assert found.prepared.report["rows_read"] == 129
    assert found.prepared.mapping["customer_id"] == "Customer"
    shown = found.prepared.rejected  # what the page shows: the first SHOWN_SET_ASIDE rows
    assert shown["row"].tolist() == [124, 125, 126, 127, 128]


def test_the_page_shows_only_the_first_set_aside_rows(prepared):
    found, _, con, _ = prepared["messy.csv"]
    assert len(large.set_aside_frame(con, found.head, 2)) == 2


def test_iso_dates_are_read_in_sql_with_the_same_values(tmp_path, monkeypatch):
    # every date cell ISO or empty: read by TRY_CAST in the database, not by pandas
    parsed_in_pandas = []
    lookup = large._parsed_lookup

    def spy(con, column, parse):
        parsed_in_pandas.append(column)
        return lookup(con, column, parse)

    monkeypatch.setattr(large, "_parsed_lookup", spy)
    data = b"Customer,Date,Amount\na,2024-01-31 10:00:00,5\nb,,3\nc,2024-02-29,1\nd,NA,2\n"
    found, small, con = _both(tmp_path, "iso.csv", data)
    assert parsed_in_pandas == ["c2"]  # the amount only
    _same_lines(small, con)
    assert found.prepared.report["rejected_by_reason"] == {"missing date": 2}
    assert found.prepared.report["date_format"] == small.report["date_format"]


def test_an_impossible_iso_date_falls_back_to_the_ingest_parser(tmp_path):
    data = b"Customer,Date,Amount\na,2024-01-31,5\nb,2024-02-30,3\n"
    assert not large._all_iso(_raw(tmp_path, data), "c1")
    found, small, con = _both(tmp_path, "bad.csv", data)
    _same_lines(small, con)
    assert found.prepared.report["rejected_by_reason"] == small.report["rejected_by_reason"]


def test_a_known_export_with_columns_chosen_by_hand_is_read_like_any_file(tmp_path):
    path = tmp_path / "shopify.csv"
    path.write_bytes((DATA / "exports" / "shopify_orders.csv").read_bytes())
    mapping = {"customer_id": "Email", "order_date": "Created at", "amount": "Lineitem price"}
    found = large.prepare_large_csv(path, "shopify.csv", tmp_path / "db.duckdb", mapping)
    small = ingest.prepare_transactions(ingest.read_table(path), mapping)
    assert found.prepared.warnings == small.warnings
    assert "chosen by hand" in found.prepared.warnings[0]
    con = duckdb.connect(str(found.database), read_only=True)
    _same_lines(small, con)


@pytest.mark.parametrize(
    "text",
    [
        b"Customer,Date,Amount\na,2024-01-01,1\n\nb,2024-01-02,2\n",  # a blank line
        b'Customer,Date,Amount\na,2024-01-01,1\n"b,2024-01-02,2\nc,2024-01-03,3\n',  # open quote
        b"Customer,Date,Amount\na,2024-01-01,1\rb,2024-01-02,2\n",  # a lone carriage return
        b'Customer,Date,Amount\n"a\nb",2024-01-01,1\nc,2024-01-02,2\n',  # a quoted line break
    ],
)
def test_files_whose_lines_records_cannot_match_are_left_to_the_pandas_path(tmp_path, text):
    # the pandas reader numbers such rows as a spreadsheet does (and reads broken quotes line
    # by line): the large path would not, so it hands the file back
    path = tmp_path / "odd.csv"
    path.write_bytes(text)
    with pytest.raises(large.NotForLargeFiles):
        large.prepare_large_csv(path, "odd.csv", tmp_path / "db.duckdb")


def test_a_row_with_too_many_values_after_the_head_is_left_to_the_pandas_reader(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(large, "HEAD_BYTES", 40)  # the head: the header and row 2
    path = tmp_path / "wide.csv"
    path.write_bytes(b"Customer,Date,Amount\na,2024-01-01,1\nc,2024-01-02,2,7\n")
    with pytest.raises(large.NotForLargeFiles):
        large.prepare_large_csv(path, "wide.csv", tmp_path / "db.duckdb")
    with pytest.raises(ingest.DataError, match="Row 3 of 'wide.csv' has more values"):
        ingest.read_table(path)  # which says which row


def test_is_large_follows_the_threshold_and_the_file_type(monkeypatch):
    monkeypatch.setattr(large, "LARGE_FILE_BYTES", 1000)
    assert large.is_large(1001, "sales.CSV")
    assert not large.is_large(1000, "sales.csv")
    assert not large.is_large(10**9, "sales.xlsx")  # workbooks stay on the pandas path


def test_a_file_without_the_required_columns_says_so(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"Name,Colour\na,red\n")
    with pytest.raises(ingest.DataError, match="could not find"):
        large.prepare_large_csv(path, "x.csv", tmp_path / "db.duckdb")


def test_whitespace_aligned_text_and_known_exports_are_left_to_the_pandas_path(tmp_path):
    path = tmp_path / "cdnow.txt"
    path.write_bytes((SAMPLE_DATA / "CDNOW_master.txt").read_bytes()[:20_000])
    with pytest.raises(large.NotForLargeFiles):
        large.prepare_large_csv(path, "cdnow.txt", tmp_path / "db.duckdb")
    path = tmp_path / "sumup.csv"
    path.write_bytes((DATA / "exports" / "sumup_sales.csv").read_bytes())
    with pytest.raises(large.NotForLargeFiles):
        large.prepare_large_csv(path, "cdnow.txt", tmp_path / "db.duckdb")
