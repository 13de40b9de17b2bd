"""Hosting guarantees: visitors never see each other's data; hostile files get clear messages."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

import ui.data
from tests.apptest_utils import run_page
from tests.paths import ROOT


def shop_csv(n_rows: int, n_customers: int, seed: int) -> bytes:
    """A shop export with ``n_rows`` lines and exactly ``n_customers`` customers."""
    rng = np.random.default_rng(seed)
    customers = np.concatenate(
        [np.arange(n_customers), rng.integers(0, n_customers, n_rows - n_customers)]
    )
    days = rng.integers(0, 365, n_rows)
    dates = (np.datetime64("2024-01-01") + days).astype(str)
    amounts = np.round(rng.gamma(2.0, 10.0, n_rows), 2)
    lines = ["customer,order_date,order_id,amount"]
    lines += [
        f"S{seed}-{c},{d},O{i},{a:.2f}"
        for i, (c, d, a) in enumerate(zip(customers, dates, amounts, strict=True))
    ]
    return ("\n".join(lines) + "\n").encode()


def metric(at, label):
    return next(m for m in at.metric if m.label == label).value


def test_two_sessions_see_only_their_own_data():
    a_bytes = shop_csv(120_000, 7_000, seed=1)
    b_bytes = shop_csv(110_000, 9_000, seed=2)
    a = run_page("app_pages/overview.py", upload=("shop.csv", a_bytes, "text/csv"))
    b = run_page("app_pages/overview.py", upload=("shop.csv", b_bytes, "text/csv"))
    # Same file name, same shape, different content: each session sees its own figures.
    assert not a.exception and not b.exception
    assert metric(a, "Customers") == "7,000"
    assert metric(b, "Customers") == "9,000"
    assert metric(a, "Orders") == "120,000"
    assert metric(b, "Orders") == "110,000"
    # Rerunning A after B has run must still show A's data (no cross-session cache hit).
    a.run()
    assert metric(a, "Customers") == "7,000"
    # Nothing of A's upload is in B's session state.
    assert b"S1-" not in b.session_state["_file_upload_tx"].getvalue()
    assert b"S2-" in b.session_state["_file_upload_tx"].getvalue()


def error_text(at) -> str:
    return "\n".join(e.value for e in at.error)


def test_oversized_file_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(ui.data, "MAX_UPLOAD_BYTES", 10_000)
    at = run_page("app_pages/overview.py", upload=("big.csv", shop_csv(2_000, 50, 3), "text/csv"))
    assert not at.exception
    assert "big.csv" in error_text(at)
    assert "larger than" in error_text(at)
    # The app still works: the other pages and a smaller file are fine.
    at = run_page("app_pages/overview.py", upload=("ok.csv", shop_csv(200, 20, 4), "text/csv"))
    assert not at.exception
    assert metric(at, "Customers") == "20"


def zip_bomb_xlsx() -> bytes:
    """An .xlsx whose sheet expands to far more than the limit (highly compressible)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        z.writestr("xl/worksheets/sheet1.xml", "<row>" + "0" * (60 * 1024 * 1024) + "</row>")
    return buf.getvalue()


def test_expanding_archive_refused(monkeypatch):
    monkeypatch.setattr(ui.data, "MAX_EXPANDED_BYTES", 20 * 1024 * 1024)
    data = zip_bomb_xlsx()
    assert len(data) < 1_000_000
    at = run_page("app_pages/overview.py", upload=("bomb.xlsx", data, "application/octet-stream"))
    assert not at.exception
    assert "bomb.xlsx" in error_text(at)


def xml_entity_xlsx() -> bytes:
    """An .xlsx whose shared strings use a 'billion laughs' entity expansion."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["customer", "date", "amount"])
    ws.write_row(1, 0, ["a", "2024-01-01", 5])
    wb.close()
    laughs = (
        '<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        + "]>"
    )
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "xl/sharedStrings.xml":
                text = content.decode()
                head, _, rest = text.partition("?>")
                text = head + "?>" + laughs + rest.replace(">a<", ">&lol9;<")
                content = text.encode()
            z.writestr(item, content)
    return out.getvalue()


def test_xml_entity_expansion_is_harmless():
    at = run_page("app_pages/overview.py", upload=("lol.xlsx", xml_entity_xlsx(), "application/x"))
    assert not at.exception
    # Either refused with a message naming the file, or read without expanding entities.
    errors = error_text(at)
    if errors:
        assert "lol.xlsx" in errors
    else:
        assert "lollollol" not in repr([m.value for m in at.markdown])


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"])
def test_formula_cells_are_data(prefix):
    csv = (
        "customer,order_date,amount\n"
        f'{prefix}HYPERLINK("http://evil"),2024-01-01,5\n'
        "bob,2024-01-02,6\n"
        "bob,not a date,7\n"
    ).encode()
    at = run_page("app_pages/data.py", upload=("formulas.csv", csv, "text/csv"))
    assert not at.exception
    preview = at.dataframe[-1].value
    assert preview["customer_id"].iloc[0] == f'{prefix}HYPERLINK("http://evil")'
    # The rows-set-aside download is formula safe (checked in tests/test_export.py for content).
    assert len(at.get("download_button")) == 2


# ------------------------------------------------------------------ /_stcore/metrics


def _asgi_get(app, path: str) -> int:
    import asyncio
    import threading

    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "path": path, "method": "GET", "headers": []}
    # In a thread of its own: the browser tests' Playwright (sync API) may hold an event loop
    # in this thread for the rest of the session.
    worker = threading.Thread(target=asyncio.run, args=(app(scope, receive, send),))
    worker.start()
    worker.join(timeout=30)
    return next(m["status"] for m in sent if m["type"] == "http.response.start")


def test_metrics_hidden_by_the_hosting_entry_point():
    from serve import HideInternals

    async def streamlit(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    guarded = HideInternals(streamlit, enabled=True)
    assert _asgi_get(guarded, "/_stcore/metrics") == 404
    assert _asgi_get(guarded, "/base/_stcore/metrics/") == 404  # under server.baseUrlPath
    assert _asgi_get(guarded, "/_stcore/health") == 200
    assert _asgi_get(guarded, "/") == 200
    assert _asgi_get(HideInternals(streamlit, enabled=False), "/_stcore/metrics") == 200


@pytest.mark.slow
def test_live_server_hides_metrics_and_stays_healthy(tmp_path):
    """``streamlit run serve.py`` (the Docker command): metrics 404, health and app 200."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = ROOT
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "serve.py",
            f"--server.port={port}",
            "--server.address=127.0.0.1",
            "--server.headless=true",
        ],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def status(path: str) -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
                return r.status
        except urllib.error.HTTPError as exc:
            return exc.code

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if status("/_stcore/health") == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.5)
        assert status("/_stcore/metrics") == 404
        assert status("/") == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)
