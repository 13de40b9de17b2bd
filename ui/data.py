"""The data source shared by every page: example datasets or the visitor's own upload.

Where data lives (and why it cannot leak between visitors):

- Example datasets are public files in ``sample_data/``; they are read and prepared once per
  server process (``st.cache_resource``) and shared read-only.
- Uploaded files stay in the visitor's session (``st.session_state``). Their prepared tables
  are kept there too, at most a few at a time; nothing user-specific is held in module globals,
  and only a large transactions file is written to disk, as a DuckDB database in a directory of
  that session (:mod:`ui.large_upload`, deleted with the session).
- Analysis results are cached across sessions only by ``ui.cache.compute``, keyed by
  :attr:`Dataset.key`: a sha256 of the full uploaded bytes and the import settings, never a
  file name or a sample.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st

from analysis import ingest
from analysis.core.currency import table_currency
from analysis.ingest.large import is_large
from ui.share import (
    choice_from_link,
    choice_to_link,
    forget_link_warning,
    link_warnings,
    share_control,
    shared_from_upload,
    upload_gate,
)
from ui.text import inert

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "sample_data"
UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "xls", "xlsm", "gz"]
MAX_SESSION_DATASETS = 3
# Refuse files before parsing when they would not fit a small host's memory (a 2 GB server
# holds a few visitors' 100 MB files and their tables); spreadsheets and gzip files are also
# checked for the size they expand to. .streamlit/config.toml's maxUploadSize matches.
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
MAX_EXPANDED_BYTES = 400 * 1024 * 1024


@dataclass(frozen=True)
class Example:
    """An example dataset shipped in ``sample_data/``."""

    label: str
    transactions: str | None
    responses: str | None
    description: str


EXAMPLES: dict[str, Example] = {
    "shop": Example(
        "Online shop (generated)",
        "online_shop_transactions.csv",
        "online_shop_responses.csv",
        "Three years of a made-up coffee and tea web shop: several thousand customers, "
        "channels, countries, refunds, and a linked customer survey (NPS, CSAT, CES, comments).",
    ),
    "retail": Example(
        "Online Retail (UCI, real)",
        "online_retail.csv.gz",
        None,
        "Every line of a UK online gift retailer, Dec 2010 to Dec 2011 (541,909 lines). "
        "Real and messy: a quarter of lines have no customer id, cancellations, odd prices.",
    ),
    "cdnow": Example(
        "CDNOW (real)",
        "CDNOW_master.txt",
        None,
        "Purchases of 23,570 customers of the CD retailer CDNOW who first bought in early 1997, "
        "the classic dataset of customer-lifetime-value research.",
    ),
    "cafe": Example(
        "Corner café (small spreadsheet)",
        "cafe_sales.xlsx",
        None,
        "About 300 rows kept by hand in Excel: a title row above the header, real Excel dates, "
        "one refund.",
    ),
}
DEFAULT_EXAMPLE = "shop"


@dataclass
class FileResult:
    """One file read and prepared (or the message saying why it could not be)."""

    kind: str  # "transactions" or "responses"
    filename: str
    digest: str
    columns: list[str] = field(default_factory=list)
    detected: dict[str, str] = field(default_factory=dict)
    prepared: ingest.Prepared | None = None
    error: str | None = None
    currency: str | None = None  # ISO code named in the file (analysis.core.currency), or None


@dataclass
class Dataset:
    """The data every page works on, for this session.

    Attributes
    ----------
    key : str
        sha256 of the files' full bytes and their import settings; keys cross-session caches.
    label : str
        What to call it on pages ("Online shop (generated)" or the uploaded file name).
    is_example : bool
        True for the built-in examples.
    files : dict
        ``{"transactions": FileResult, "responses": FileResult}`` for the files present.
    """

    key: str
    label: str
    is_example: bool
    files: dict[str, FileResult]

    def _data(self, kind: str) -> pd.DataFrame | None:
        result = self.files.get(kind)
        if result is None or result.prepared is None:
            return None
        return result.prepared.data

    @property
    def tx(self) -> pd.DataFrame | None:
        """Canonical transactions, or None."""
        return self._data("transactions")

    @property
    def responses(self) -> pd.DataFrame | None:
        """Canonical survey responses, or None."""
        return self._data("responses")

    @property
    def tx_warnings(self) -> list[str]:
        """The warnings of reading and preparing the transactions (plain text)."""
        result = self.files.get("transactions")
        return list(result.prepared.warnings) if result and result.prepared else []

    @property
    def currency(self) -> str | None:
        """The money's currency: the visitor's choice on "Your data", else the file's own."""
        chosen = st.session_state.get(_CURRENCY_KEY, {}).get(self.key)
        if chosen is not None:
            return chosen or None  # "" = the visitor chose "none"
        result = self.files.get("transactions")
        return result.currency if result is not None else None

    @property
    def errors(self) -> list[str]:
        """The error of each file that could not be used (plain text)."""
        return [r.error for r in self.files.values() if r.error]


# Session-state keys this module owns; pages use the functions below, never the keys.
_CURRENCY_KEY = "currency_choice"
_IMPORT_KEY = "import_settings"


def set_currency(key: str, code: str) -> None:
    """Remember the currency the visitor chose for dataset ``key`` ("" = none), this session."""
    st.session_state.setdefault(_CURRENCY_KEY, {})[key] = code


def import_settings(digest: str) -> dict:
    """Return the import settings the visitor chose for one file (empty when none yet)."""
    return dict(st.session_state.get(_IMPORT_KEY, {}).get(digest, {}))


def _settings(digest: str) -> dict:
    """Import settings (column mapping, date order) the visitor chose for one file."""
    store = st.session_state.setdefault(_IMPORT_KEY, {})
    return store.setdefault(digest, {"mapping": None, "dayfirst": None})


def set_import_settings(digest: str, *, mapping: dict[str, str] | None, dayfirst: bool | None):
    """Remember the column mapping and date order for a file, for this session."""
    st.session_state.setdefault(_IMPORT_KEY, {})[digest] = {
        "mapping": dict(mapping) if mapping else None,
        "dayfirst": dayfirst,
    }


def _prepare(kind: str, raw: pd.DataFrame, mapping, dayfirst):
    func = ingest.prepare_transactions if kind == "transactions" else ingest.prepare_responses
    return func(raw, mapping, dayfirst=dayfirst)


def _read_and_prepare(kind, source, filename, digest, mapping, dayfirst, status=None) -> FileResult:
    """Read and prepare one file; ``status`` (an ``st.status``) is told each step as it starts."""

    def step(label: str) -> None:
        if status is not None:
            status.update(label=label)

    result = FileResult(kind=kind, filename=filename, digest=digest)
    try:
        step(f"Step 1 of 3: reading {inert(filename)}…")
        raw = ingest.read_table(
            source,
            filename=filename,
            max_bytes=MAX_UPLOAD_BYTES,
            max_expanded_bytes=MAX_EXPANDED_BYTES,
        )
        if status is not None:
            status.write(f"Read {len(raw):,} rows and {len(raw.columns)} columns.")
        step("Step 2 of 3: recognising the columns…")
        result.columns = [str(c) for c in raw.columns]
        result.detected = ingest.detect_columns(raw, kind)
        step(f"Step 3 of 3: checking every one of the {len(raw):,} rows (numbers, dates, ids)…")
        result.prepared = _prepare(kind, raw, mapping or result.detected, dayfirst)
        result.currency = table_currency(raw, mapping or result.detected)
        if status is not None:
            status.write(
                f"{len(result.prepared.data):,} rows ready, "
                f"{len(result.prepared.rejected):,} set aside."
            )
    except ingest.DataError as exc:
        result.error = str(exc)
    return result


def _loading(filename: str, kind: str):
    """Return the status box shown while a file is read and prepared (steps, then done)."""
    what = "survey responses" if kind == "responses" else "transactions"
    return st.status(f"Loading the {what} in {inert(filename)}…", expanded=False)


def _finish(status, result: FileResult) -> None:
    if result.error:
        status.update(label=f"Could not use {inert(result.filename)}", state="error")
    else:
        status.update(label=f"{inert(result.filename)} is ready", state="complete")


# Example files are read once per server process and shared read-only (bounded).
EXAMPLE_ENTRIES = 16
_EXAMPLE_LOCK = threading.Lock()


@st.cache_resource(show_spinner=False)
def _example_store() -> OrderedDict:
    return OrderedDict()


def _example_file(kind: str, name: str, mapping_json: str, dayfirst: bool | None) -> FileResult:
    key = (kind, name, mapping_json, dayfirst)
    store = _example_store()
    result = store.get(key)
    if result is not None:
        return result
    with _EXAMPLE_LOCK:  # one reader per file; the others wait for its result
        result = store.get(key)
        if result is None:
            mapping = json.loads(mapping_json) if mapping_json else None
            with _loading(name, kind) as status:
                result = _read_and_prepare(
                    kind, SAMPLE_DIR / name, name, f"example:{name}", mapping, dayfirst, status
                )
                _finish(status, result)
            store[key] = result
            while len(store) > EXAMPLE_ENTRIES:
                store.popitem(last=False)
    return result


def _upload_file(kind: str, uploaded) -> FileResult:
    data = uploaded.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    settings = _settings(digest)
    if kind == "transactions" and is_large(int(uploaded.size), str(uploaded.name)):
        from ui import large_upload  # DuckDB on disk, this session only

        result = large_upload.large_file(uploaded, digest, settings, _loading, _finish)
        if result is not None:  # else a known export or aligned text: read as below
            return result
    cache_key = json.dumps(
        [kind, digest, settings["mapping"], settings["dayfirst"]], sort_keys=True
    )
    store: dict = st.session_state.setdefault("_prepared_uploads", {})
    if cache_key not in store:
        with _loading(uploaded.name, kind) as status:
            store[cache_key] = _read_and_prepare(
                kind,
                data,
                uploaded.name,
                digest,
                settings["mapping"],
                settings["dayfirst"],
                status,
            )
            _finish(status, store[cache_key])
        while len(store) > MAX_SESSION_DATASETS:
            store.pop(next(iter(store)))
    return store[cache_key]


def _dataset_parts(files: dict[str, FileResult]) -> list:
    parts = []
    for kind in sorted(files):
        r = files[kind]
        s = _settings(r.digest)
        parts.append([kind, r.digest, s["mapping"], s["dayfirst"]])
    return parts


def _dataset_key(files: dict[str, FileResult]) -> str:
    return hashlib.sha256(json.dumps(_dataset_parts(files), sort_keys=True).encode()).hexdigest()


def _large_key(files: dict[str, FileResult]) -> str | None:
    """Return the key of a large upload's dataset (a session-local DuckDB source), or None.

    Forgets a large upload used before when the transactions are no longer one.
    """
    chosen = st.session_state.get("connected_source")
    result = files.get("transactions")
    if result is None or result.prepared is None or not result.prepared.report.get("large_file"):
        if chosen and chosen.get("upload"):
            st.session_state.pop("connected_source", None)
        return None
    from ui import large_upload

    return large_upload.use_large(files, _dataset_parts(files))


UPLOAD_WIDGETS = {"transactions": "upload_tx", "responses": "upload_responses"}


def _remember_upload(widget_key: str) -> None:
    """Keep the uploaded file in this session's state when the uploader changes.

    The uploader lives in the sidebar of every page; the copy in session state keeps the
    visitor's file in use while pages are switched, and is dropped when they remove the file.
    """
    st.session_state[f"_file_{widget_key}"] = st.session_state.get(widget_key)


def _uploaded(kind: str):
    return st.session_state.get(f"_file_{UPLOAD_WIDGETS[kind]}")


def source_picker() -> None:
    """Sidebar controls: pick an example dataset or upload your own files."""
    st.markdown("**Data**")
    has_upload = any(_uploaded(kind) is not None for kind in UPLOAD_WIDGETS)
    # Synced with the address by ui.share (not bind="query-params", which would put the
    # option's label in links): links carry the short key, ?dataset=retail.
    labels = {k: e.label for k, e in EXAMPLES.items()}
    choice_from_link("dataset", labels, DEFAULT_EXAMPLE)
    chosen = st.selectbox(
        "Example dataset",
        options=list(EXAMPLES),
        format_func=lambda k: EXAMPLES[k].label,
        key="dataset",
        on_change=forget_link_warning,
        args=("dataset",),
        disabled=has_upload,
        help="Built-in datasets to explore. Upload your own file below to analyse your data.",
    )
    choice_to_link("dataset", chosen, DEFAULT_EXAMPLE)
    link_warnings()
    waiting_for_upload = shared_from_upload() and not has_upload
    if waiting_for_upload:
        st.info(
            "This link was shared from someone's own file. Upload your copy of it below to "
            "see the same view.",
            icon=":material/upload_file:",
        )
    with st.expander("Use your own data", expanded=has_upload or waiting_for_upload):
        st.file_uploader(
            "Transactions (CSV, TSV, TXT or Excel)",
            type=UPLOAD_TYPES,
            key="upload_tx",
            on_change=_remember_upload,
            args=("upload_tx",),
            help="One row per order line or per order, with a customer, a date and an amount "
            "(or quantity and unit price). Any column names; you can fix the mapping on "
            "'Your data'.",
        )
        st.file_uploader(
            "Survey responses (optional)",
            type=UPLOAD_TYPES,
            key="upload_responses",
            on_change=_remember_upload,
            args=("upload_responses",),
            help="One row per response with a 0-10 'how likely to recommend' score, a date, "
            "and optionally a customer id, a comment, CSAT (1-5) and CES (1-7).",
        )
        st.caption(
            "Your files stay in your browser session: nobody else can see them, and they are "
            "gone when you close the tab."
        )
    if has_upload:
        st.caption("Showing your uploaded data. Remove the files to go back to the examples.")
    share_control(uploaded=has_upload)


def current_dataset() -> Dataset | None:
    """Return the session's data: the connected source, the uploaded files, or an example."""
    chosen = st.session_state.get("connected_source")
    if chosen and not chosen.get("upload"):  # chosen on "Connect your data"
        from ui.connection import connected_dataset

        connected = connected_dataset()
        if connected is not None:
            return connected
    up_tx = _uploaded("transactions")
    up_resp = _uploaded("responses")
    files: dict[str, FileResult] = {}
    if up_tx is not None or up_resp is not None:
        if up_tx is not None:
            files["transactions"] = _upload_file("transactions", up_tx)
        if up_resp is not None:
            files["responses"] = _upload_file("responses", up_resp)
        label = " + ".join(r.filename for r in files.values())
        key = _large_key(files) or _dataset_key(files)
        return Dataset(key, label, False, files)
    _large_key(files)  # no upload: a large file used before is no longer the source

    upload_gate()  # a link made from an upload never opens on an example's figures
    name = st.session_state.get("dataset", DEFAULT_EXAMPLE)
    example = EXAMPLES.get(name, EXAMPLES[DEFAULT_EXAMPLE])
    for kind, fname in (("transactions", example.transactions), ("responses", example.responses)):
        if fname is None or not (SAMPLE_DIR / fname).exists():
            continue
        s = _settings(f"example:{fname}")
        mapping_json = json.dumps(s["mapping"], sort_keys=True) if s["mapping"] else ""
        files[kind] = _example_file(kind, fname, mapping_json, s["dayfirst"])
    return Dataset(_dataset_key(files), example.label, True, files)


def _show_errors(ds: Dataset) -> None:
    for err in ds.errors:
        st.error(inert(err), icon=":material/error:")


def page_title(title: str | None) -> None:
    """Write the page's title first, unless the upload gate shows its own screen instead.

    Called before :func:`current_dataset`, so the loading boxes, errors, doubts and notices
    of the data sit below the title on every page.
    """
    if title is None:
        return
    gated = shared_from_upload() and not st.session_state.get("connected_source")
    if gated and all(_uploaded(kind) is None for kind in UPLOAD_WIDGETS):
        return  # ui.share.upload_gate: "Upload your copy of the file to see this view"
    st.title(title)


def require_transactions(*, without_customer: bool = False, title: str | None = None) -> Dataset:
    """Return the dataset if it has usable transactions; otherwise explain and stop the page.

    Parameters
    ----------
    without_customer : bool
        Also return a dataset whose rows name no customer but that has sales without a
        customer (a till report): the Overview shows their totals. Other pages are about
        customers and keep stopping with a message.
    title : str, optional
        The page's title, written first: the errors, doubts and notices shown here then sit
        below it on every page, in the same place.
    """
    page_title(title)
    ds = current_dataset()
    if ds is not None:
        _show_errors(ds)
    if ds is None or ds.tx is None:
        st.info(
            "This page needs a transactions file: one row per order (or order line) with a "
            "customer, a date and an amount. Pick an example dataset in the sidebar or upload "
            "your file under 'Use your own data'.",
            icon=":material/upload_file:",
        )
        st.stop()
    if len(ds.tx) == 0:
        k = ds.files["transactions"].prepared.report.get("anonymous_lines", 0)
        if k and without_customer:  # the page says itself that there is no customer figure
            _transaction_notices(ds.files["transactions"].prepared, left_out=False)
            return ds
        st.info(
            f"No row of your file names a customer: its {k:,} sales lines are kept as sales "
            "without a customer (listed on 'Your data'), and this page is about customers. "
            "An export that names the customer (an e-mail, a customer number) shows them."
            if k
            else "None of the rows in your file could be used, so there is nothing to show yet. "
            "Open 'Your data' to see why each row was set aside.",
            icon=":material/info:",
        )
        st.stop()
    _transaction_notices(ds.files["transactions"].prepared)
    return ds


def _transaction_notices(prepared: ingest.Prepared, *, left_out: bool = True) -> None:
    """Show, on every page, the doubtful column choices and the sales without a customer.

    Doubtful choices are confirmed on 'Your data'; the sales without a customer are left out
    of the customer figures (said unless ``left_out`` is False: a file without any customer).
    """
    doubts = prepared.report.get("doubts") or []
    if doubts:
        st.warning(
            "**Check the columns before trusting these figures.** "
            + " ".join(inert(d["message"]) for d in doubts)
            + " Confirm or change the columns under 'How your columns were understood' on "
            "'Your data'.",
            icon=":material/help:",
        )
    if prepared.report.get("large_note"):  # ui.large_upload
        st.caption(inert(prepared.report["large_note"]))
    k = prepared.report.get("anonymous_lines", 0)
    if k and left_out:
        st.caption(
            f"{k:,} line{'s' if k != 1 else ''} without a customer (guest or till sales) "
            f"{'are' if k != 1 else 'is'} left out of the customer figures on this page; "
            f"{'they count' if k != 1 else 'it counts'} in total revenue and orders on Overview."
        )


def require_responses(*, title: str | None = None) -> Dataset:
    """Return the dataset if it has survey responses; otherwise explain and stop the page.

    ``title``, when given, is written first, so the messages sit below the page's title.
    """
    page_title(title)
    ds = current_dataset()
    if ds is not None:
        _show_errors(ds)
    if ds is None or ds.responses is None or len(ds.responses) == 0:
        st.info(
            "This page needs a survey-responses file with a 0-10 'how likely are you to "
            "recommend us' score. Upload it under 'Use your own data' in the sidebar, or pick "
            "the 'Online shop (generated)' example, which has one.",
            icon=":material/upload_file:",
        )
        st.stop()
    return ds
