"""A large uploaded CSV, analysed through an on-disk DuckDB database of this session only.

Above :data:`analysis.ingest.large.LARGE_FILE_BYTES`, an uploaded transactions file is not read
into pandas: :func:`analysis.ingest.large.prepare_large_csv` reads it into a DuckDB database file
in this session's own temporary directory, and the session then uses it like a connected source
(:mod:`ui.connection`): the pages' headline figures are pushed down by :mod:`ui.engine` onto all
its lines, the rest works on :func:`ui.connection.customer_sample`.

Isolation: the database lives in a directory made for this session (``tempfile.mkdtemp``) and
is reachable only through this session's ``st.session_state`` (:data:`ui.connection.
SESSION_SOURCES`); the directory and its connections are removed when the session's state is
dropped (a ``weakref.finalize`` on the object holding them) or when the server stops. Cached
results are keyed by the file's sha256 and import settings, so two sessions share a result only
when both uploaded the very same bytes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import threading
import weakref
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from analysis import ingest
from analysis.core.currency import table_currency
from analysis.ingest import large
from ui import connection as conn
from ui.data import FileResult
from ui.text import inert

__all__ = [
    "LARGE_SOURCE",
    "MEMORY_LIMIT",
    "SessionSource",
    "forget",
    "is_large_upload",
    "large_file",
    "set_aside_table",
    "session_directory",
    "use_large",
]

#: The table of the session database the pages read.
LARGE_SOURCE = ("table", "lines")
_FILES_KEY = "_large_upload_files"  # session state: the _SessionFiles of this session
_STORE_KEY = "_large_uploads"  # session state: cache key -> _Large
_SPILL = "duckdb-spill"
#: DuckDB's memory bound for one visitor's large file (it spills to the session's folder).
MEMORY_LIMIT = "512MB"


def _remove(path: Path, backends: list) -> None:
    for backend in backends:
        try:
            backend.disconnect()
        except RuntimeError:  # duckdb.Error is a RuntimeError: closed already
            pass
    shutil.rmtree(path, ignore_errors=True)


class _SessionFiles:
    """A session's temporary directory, removed with its connections when dropped."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="customer-focus-session-"))
        self.backends: list = []
        self._finalizer = weakref.finalize(self, _remove, self.path, self.backends)

    def close(self) -> None:
        """Close the connections and delete the directory now."""
        self._finalizer()


def session_directory() -> Path:
    """Return this session's own temporary directory (made on first use)."""
    files = st.session_state.get(_FILES_KEY)
    if files is None or not files.path.exists():
        files = st.session_state[_FILES_KEY] = _SessionFiles()
    return files.path


class SessionSource:
    """A read-only DuckDB database of this session, used like a configured connection.

    It has :class:`ui.connection.IbisConnection`'s methods (``table``, ``list_tables``,
    ``query``, ``run``, ``backend``, ``lock``), for :func:`ui.connection.get_connection` to
    return.
    """

    def __init__(self, name: str, config: dict[str, Any], backend, lock: threading.RLock):
        self.name = name
        self.config = config
        self._config = config
        self._instance = backend
        self.__dict__["_use_lock"] = lock

    backend = conn.IbisConnection.backend
    dialect = conn.IbisConnection.dialect
    timeout_seconds = conn.IbisConnection.timeout_seconds
    lock = conn.IbisConnection.lock
    list_tables = conn.IbisConnection.list_tables
    table = conn.IbisConnection.table
    query = conn.IbisConnection.query
    run = conn.IbisConnection.run


class _Large:
    """One large upload of this session: its database, backend and the page's FileResult."""

    def __init__(self, database: Path, backend, result: FileResult, head: pd.DataFrame):
        self.database = database
        self.backend = backend
        self.lock = threading.RLock()
        self.result = result
        self.head = head


def is_large_upload(uploaded) -> bool:
    """Return True when an uploaded file goes through DuckDB (:func:`analysis.ingest.large.is_large`)."""
    return large.is_large(int(uploaded.size), str(uploaded.name))


def _open(database: Path):
    """Open the session's database as any DuckDB connection is: read-only, bounded, no file access."""
    return conn.open_backend(
        {
            "backend": "duckdb",
            "database": str(database),
            "memory_limit": MEMORY_LIMIT,
            "temp_directory": str(database.parent / _SPILL),
        }
    )


def _mapping(lines_columns: list[str]) -> dict[str, str]:
    """Return the canonical table's own role -> column mapping (connected-source roles)."""
    return {
        r: r
        for r in conn.SOURCE_ROLES
        if r in lines_columns and r not in ("quantity", "unit_price")
    }


def _load(uploaded, digest: str, settings: dict, status) -> _Large | FileResult | None:
    """Read the upload into a new database in this session's directory."""
    directory = Path(tempfile.mkdtemp(prefix="upload-", dir=session_directory()))
    source = directory / "upload.csv"
    source.write_bytes(uploaded.getvalue())
    result = FileResult(kind="transactions", filename=uploaded.name, digest=digest)
    status.update(label=f"Reading {inert(uploaded.name)} into a database on disk (a large file)…")
    try:
        found = large.prepare_large_csv(
            source,
            uploaded.name,
            directory / "data.duckdb",
            settings["mapping"],
            dayfirst=settings["dayfirst"],
            memory_limit=MEMORY_LIMIT,
            temp_directory=directory / _SPILL,
        )
    except ingest.DataError as error:
        result.error = str(error)
        shutil.rmtree(directory, ignore_errors=True)
        return result
    except large.NotForLargeFiles:  # a known export or aligned text: the pandas path reads it
        shutil.rmtree(directory, ignore_errors=True)
        return None
    finally:
        source.unlink(missing_ok=True)
    result.columns = found.columns
    result.detected = found.detected
    result.prepared = found.prepared
    result.currency = table_currency(found.head, found.prepared.mapping)
    backend = _open(found.database)
    st.session_state[_FILES_KEY].backends.append(backend)
    return _Large(found.database, backend, result, found.head)


def large_file(uploaded, digest: str, settings: dict, loading, finish) -> FileResult | None:
    """Return the FileResult of a large upload (read once per file and settings, this session).

    None when the file is to be read as a small one after all (a known export, text aligned
    with spaces: :class:`analysis.ingest.large.NotForLargeFiles`).

    Parameters
    ----------
    uploaded : UploadedFile
        The visitor's file.
    digest : str
        sha256 of its bytes.
    settings : dict
        ``mapping`` and ``dayfirst`` chosen on "Your data".
    loading, finish : callable
        :func:`ui.data._loading` and :func:`ui.data._finish` (the status box of every upload).
    """
    key = json.dumps([digest, settings["mapping"], settings["dayfirst"]], sort_keys=True)
    store: dict = st.session_state.setdefault(_STORE_KEY, {})
    if key not in store:
        with loading(uploaded.name, "transactions") as status:
            loaded = _load(uploaded, digest, settings, status)
            if loaded is None:
                status.update(
                    label=f"Reading {inert(uploaded.name)} in memory instead…", state="complete"
                )
            else:
                finish(status, loaded if isinstance(loaded, FileResult) else loaded.result)
        store[key] = loaded
        while len(store) > 2:
            _drop(store.pop(next(iter(store))))
    loaded = store[key]
    return loaded if loaded is None or isinstance(loaded, FileResult) else loaded.result


def _drop(loaded) -> None:
    if isinstance(loaded, _Large):
        try:
            loaded.backend.disconnect()
        except RuntimeError:
            pass
        shutil.rmtree(loaded.database.parent, ignore_errors=True)


def _find(result: FileResult) -> _Large | None:
    for loaded in st.session_state.get(_STORE_KEY, {}).values():
        if isinstance(loaded, _Large) and loaded.result is result:
            return loaded
    return None


def _note(report: dict, customers: int, total: int) -> str:
    n = report.get("rows_used", 0)
    note = f"This file is large: its figures are computed by DuckDB on all {n:,} lines"
    if customers < total:
        return note + (
            f"; the pages that work line by line use every line of {customers:,} of its "
            f"{total:,} customers ({customers / total:.1%}), chosen by a hash of the customer id."
        )
    return note + "."


def use_large(files: dict[str, FileResult], parts: list) -> str | None:
    """Make this session's large upload its data on every page; return the dataset key.

    Registers the database as this session's own source (:func:`ui.connection.session_source`)
    and as the session's connected source, which :mod:`ui.engine` pushes the figures down to.
    The first time, the transactions become the customer sample and the sales without a
    customer are read from the database. Returns None (and forgets any earlier large source)
    when the transactions are not a large upload.

    Parameters
    ----------
    files : dict
        The session's FileResults by kind.
    parts : list
        What identifies the files and their import settings (:func:`ui.data._dataset_key`).
    """
    result = files.get("transactions")
    loaded = _find(result) if result is not None and result.prepared is not None else None
    if loaded is None:
        forget()
        return None
    name = "upload-" + hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:24]
    config = {"backend": "duckdb", "upload": parts}
    lines = loaded.backend.table("lines")
    mapping = _mapping(list(lines.columns))
    st.session_state.setdefault(conn.SESSION_SOURCES, {})[name] = SessionSource(
        name, config, loaded.backend, loaded.lock
    )
    if "large_note" not in result.prepared.report:  # first use: bring the sample in
        _fill(loaded, mapping)
    st.session_state[conn.SESSION_KEY] = {
        "name": name,
        "source": list(LARGE_SOURCE),
        "mapping": mapping,
        "upload": True,
    }
    return conn.dataset_key(name, LARGE_SOURCE, mapping)


def _fill(loaded: _Large, mapping: dict[str, str]) -> None:
    """Bring the customer sample and the sales without a customer into the FileResult."""
    prepared = loaded.result.prepared
    with loaded.lock:
        canon = conn.canonical_table(loaded.backend.table("lines"), mapping)
        data, total = conn.customer_sample(canon, conn.SAMPLE_CUSTOMERS)
        anonymous = loaded.backend.table("anonymous").execute()
    anonymous["order_date"] = pd.to_datetime(anonymous["order_date"]).astype("datetime64[ns]")
    prepared.data = data
    prepared.anonymous = anonymous
    customers = int(data["customer_id"].nunique())
    prepared.report["large_note"] = _note(prepared.report, customers, total)


def forget() -> None:
    """Stop using a large upload as the session's connected source (the file is kept)."""
    chosen = st.session_state.get(conn.SESSION_KEY)
    if chosen and chosen.get("upload"):
        st.session_state.pop(conn.SESSION_KEY, None)


def set_aside_table(result: FileResult) -> pd.DataFrame:
    """Return every set-aside row of a large upload (the page shows only the first ones)."""
    loaded = _find(result)
    if loaded is None:
        return result.prepared.rejected
    with loaded.lock:
        raw = loaded.backend.con
        return large.set_aside_frame(raw, loaded.head, None)
