"""Cached wrappers around the analysis functions, shared work, cached charts and progress.

``compute(func, ds, **kwargs)`` caches ``func``'s result across reruns and sessions, keyed by
the function's dotted name, the dataset's key (a sha256 of the full data and import settings)
and the keyword arguments. The data itself is passed unhashed (``_payload``): Streamlit would
otherwise hash a sample of large frames, and two different uploads could collide.

Shared work: while ``compute`` runs an analysis function on a dataset, every order table
(:func:`analysis.orders.order_table`) that function asks for from that dataset's transactions
is kept in a small memo keyed by the dataset's key and the as-of date, so the many analyses of
one page (and of the next page) build it once instead of once each. The analysis package stays
free of Streamlit: the memo is the provider :func:`shared_order_tables` installs with
:func:`analysis.core.orders.order_table_provider`, the documented hook for this, around each
computation; no module attribute is replaced.

``chart(where, builder, *args)`` draws an Altair chart from a Vega-Lite spec cached by the
content of the builder's arguments, so a rerun does not build and validate the chart again.

``Progress`` shows a first visit's computations step by step (a progress bar with the step's
name), and nothing when every result is already cached.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import hashlib
import importlib
import inspect
import json
import os
import pickle
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import streamlit as st

import analysis.orders as _orders
from ui.data import Dataset

# Bounded: at most this many results, each dropped an hour after it was made (the load benchmark
# shortens the time-to-live through the environment to watch memory come back).
CACHE_ENTRIES = 128
CACHE_TTL_SECONDS = int(os.environ.get("CUSTOMER_FOCUS_CACHE_TTL", "3600"))
# Order tables kept for reuse (each holds a few arrays as long as the data's lines).
ORDER_TABLE_ENTRIES = 6
CHART_ENTRIES = 512
# Results each session keeps for itself while it lasts (see _session_results).
SESSION_RESULTS = 48
_SESSION_KEY = "_customer_focus_results"
# Bumped by clear_shared(): sessions' own results made before it are forgotten as well.
_GENERATION = [0]


def _resolve(name: str) -> Callable:
    module, _, qualname = name.rpartition(":")
    if not module.startswith("analysis."):
        raise ValueError(f"Only analysis functions can be cached, not {name!r}")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


# ------------------------------------------------------------------------------ shared order table
# What builds a table (tests count the tables built by replacing it).
_build_order_table = _orders.build_order_table
_ORDER_MEMO: OrderedDict[tuple[str, int], tuple[float, Any]] = OrderedDict()
_MEMO_LOCK = threading.Lock()


def _shared_order_table(key: str, shared_tx: Any, tx, as_of=None):
    """Return the order table of ``tx``, reusing the one already built for dataset ``key``.

    The provider :func:`shared_order_tables` installs: tables of ``shared_tx`` (the dataset's
    own transactions, recognised by identity) are kept in the memo; any other frame (a subset
    an analysis made) gets a table of its own, built as usual.
    """
    if tx is not shared_tx:
        return _build_order_table(tx, as_of)
    as_of_ts = _orders.resolve_as_of(tx, as_of)
    memo_key = (key, int(as_of_ts.value))
    now = time.monotonic()
    with _MEMO_LOCK:
        hit = _ORDER_MEMO.get(memo_key)
        if hit is not None and now - hit[0] < CACHE_TTL_SECONDS:
            _ORDER_MEMO.move_to_end(memo_key)
            return hit[1]
    table = _build_order_table(tx, as_of_ts)
    with _MEMO_LOCK:
        _ORDER_MEMO[memo_key] = (now, table)
        _ORDER_MEMO.move_to_end(memo_key)
        while len(_ORDER_MEMO) > ORDER_TABLE_ENTRIES:
            _ORDER_MEMO.popitem(last=False)
        for old in [k for k, (made, _) in _ORDER_MEMO.items() if now - made >= CACHE_TTL_SECONDS]:
            del _ORDER_MEMO[old]
    return table


@contextlib.contextmanager
def shared_order_tables(key: str, tx) -> Iterator[None]:
    """Share the order tables of the transactions ``tx`` (dataset ``key``) inside the block.

    Every :func:`analysis.orders.order_table` call on ``tx`` made inside the block (in this
    thread) returns the table already built for that as-of date, if the memo still holds it.

    Parameters
    ----------
    key : str
        The dataset's key (``Dataset.key``): a sha256 of its full content and settings.
    tx : DataFrame
        The dataset's canonical transactions.
    """
    with _orders.order_table_provider(partial(_shared_order_table, key, tx)):
        yield


def clear_shared() -> None:
    """Forget the shared order tables, cached charts and sessions' own results (tests, benchmarks)."""
    with _MEMO_LOCK:
        _ORDER_MEMO.clear()
    _GENERATION[0] += 1
    _chart_spec.clear()
    _SEEN.clear()


# ------------------------------------------------------------------------------ results
@st.cache_data(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def _compute(name: str, key: str, data: str, kwargs: dict, _payload: tuple) -> Any:
    if data == "responses":
        return _resolve(name)(*_payload, **kwargs)
    with shared_order_tables(key, _payload[0]):
        return _resolve(name)(*_payload, **kwargs)


# Results computed lately (name, dataset key, settings): a miss that is about to be computed is
# reported to the page's Progress. Only a hint for the display; the cache itself decides.
_SEEN: OrderedDict[str, float] = OrderedDict()
_SEEN_LOCK = threading.Lock()


def _seen_before(token: str) -> bool:
    now = time.monotonic()
    with _SEEN_LOCK:
        made = _SEEN.get(token)
        return made is not None and now - made < CACHE_TTL_SECONDS


def _mark_seen(token: str) -> None:
    with _SEEN_LOCK:
        _SEEN[token] = time.monotonic()
        _SEEN.move_to_end(token)
        while len(_SEEN) > 4 * CACHE_ENTRIES:
            _SEEN.popitem(last=False)


_PLAIN = (type(None), str, int, float, bool)


def with_defaults(func: Callable, n_positional: int, kwargs: dict) -> dict:
    """Return ``kwargs`` with ``func``'s plain keyword defaults filled in, for one cache key.

    ``compute(clv.value_report, ds)`` and ``compute(clv.value_report, ds, model="bgnbd")`` ask
    for the same result (``"bgnbd"`` is the default): with every default written out they get
    the same key and share one model fit. Only defaults that are ``None``, text, numbers or
    booleans are filled in (a sentinel object would mean "not given" and must stay absent).

    Parameters
    ----------
    func : callable
        The analysis function.
    n_positional : int
        How many positional arguments (the data tables) it is called with.
    kwargs : dict
        The settings given.
    """
    try:
        params = list(inspect.signature(func).parameters.values())[n_positional:]
    except (TypeError, ValueError):  # no signature to read (a builtin): keep the settings
        return kwargs
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    full = {
        p.name: p.default
        for p in params
        if p.kind in kinds and p.default is not p.empty and type(p.default) in _PLAIN
    }
    full.update(kwargs)
    return full


def compute(func: Callable, ds: Dataset, *, data: str = "tx", **kwargs) -> Any:
    """Run ``func`` on the dataset's table(s) through a bounded cross-session cache.

    Settings left at ``func``'s defaults and the same settings written out share one result
    (:func:`with_defaults`).

    Parameters
    ----------
    func : callable
        A public function of the ``analysis`` package.
    ds : Dataset
        The session's dataset; ``ds.key`` identifies its full content and settings.
    data : {"tx", "responses", "both"}
        Which table(s) to pass as positional arguments.
    **kwargs
        Settings; they are part of the cache key.
    """
    payload = {
        "tx": (ds.tx,),
        "responses": (ds.responses,),
        "both": (ds.tx, ds.responses),
    }[data]
    name = f"{func.__module__}:{func.__qualname__}"
    kwargs = with_defaults(func, len(payload), kwargs)
    token = json.dumps([name, ds.key, data, repr(sorted(kwargs.items()))])
    kept = _session_results()
    if kept is not None and token in kept:
        kept.move_to_end(token)
        return copy.deepcopy(kept[token])
    if not _seen_before(token):
        Progress.note(func)
    result = _compute(name, ds.key, data, kwargs, _payload=payload)
    _mark_seen(token)
    if kept is not None:
        kept[token] = result
        while len(kept) > SESSION_RESULTS:
            kept.popitem(last=False)
        return copy.deepcopy(result)  # the session's copy stays as the analysis made it
    return result


def _session_results() -> OrderedDict[str, Any] | None:
    """Return this session's own copies of the results it used lately (None outside a session).

    The cross-session cache is bounded in entries and time, so under many visitors it drops a
    result while its session is still clicking through the pages, and the next page would fit
    the same models again. Each session therefore keeps the last :data:`SESSION_RESULTS` results
    it used, until it ends; a hit returns a deep copy, as the cache returns a fresh copy, so a
    page that changes a returned table changes only its own.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return None
    kept = st.session_state.get(_SESSION_KEY)
    if kept is None or kept[0] != _GENERATION[0]:  # clear_shared() forgets them too
        kept = (_GENERATION[0], OrderedDict())
        st.session_state[_SESSION_KEY] = kept
    return kept[1]


# ------------------------------------------------------------------------------ progress
_PROGRESS: contextvars.ContextVar[Progress | None] = contextvars.ContextVar(
    "customer_focus_progress", default=None
)


def this_run() -> object | None:
    """Return an object that is the same throughout one script run and new in the next one."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return None if ctx is None else ctx.cursors


def _describe(func: Callable) -> str:
    """Return a short plain name of a computation: its docstring's first line, plain."""
    line = (func.__doc__ or func.__name__.replace("_", " ")).strip().splitlines()[0]
    line = re.sub(r":\w+:`~?([^`]*)`", r"\1", line).replace("`", "")
    line = line.split(" (see ")[0].rstrip(" .,(")
    # "Return the RFM table ...": the bar names the thing being worked out.
    line = re.sub(r"^Returns? (?=\S)", "", line)
    return line[:1].lower() + line[1:] if line[:2] != line[:2].upper() else line


class Progress:
    """A page's first-visit progress: a bar naming each computation as it starts.

    Create it where the bar should appear, before the page's computations; every ``compute``
    that is not cached yet advances it. Call :meth:`done` after the last computation: the bar
    disappears. When everything was cached, nothing is ever shown.

    Parameters
    ----------
    label : str
        What the page is working out, e.g. "Working out the purchase patterns".
    total : int
        About how many computations the page makes on a first visit (the bar's length).
    """

    def __init__(self, label: str, total: int) -> None:
        self.label = label
        self.total = max(int(total), 1)
        self.steps = 0
        self._slot = st.empty()
        self._run = this_run()
        _PROGRESS.set(self)

    @staticmethod
    def note(func: Callable) -> None:
        """Advance the active progress (if any) for a computation about to start."""
        progress = _PROGRESS.get()
        if progress is not None and progress._run is not None and progress._run is this_run():
            progress.step(_describe(func))

    def step(self, what: str) -> None:
        """Show that the computation ``what`` starts now."""
        self.steps += 1
        fraction = min(self.steps / self.total, 0.99)
        self._slot.progress(
            fraction, text=f"{self.label}: step {self.steps} of about {self.total}, {what}…"
        )

    def done(self) -> None:
        """Remove the bar (the results are on the page)."""
        if _PROGRESS.get() is self:
            _PROGRESS.set(None)
        if self.steps:
            self._slot.empty()


# ------------------------------------------------------------------------------ content keys
def _feed(h, obj: Any) -> None:
    """Feed ``obj``'s content into the hash ``h`` (frames by their values, not their layout)."""
    import numpy as np
    import pandas as pd

    if isinstance(obj, pd.DataFrame | pd.Series):
        h.update(type(obj).__name__.encode())
        h.update(repr(obj.shape).encode())
        if isinstance(obj, pd.DataFrame):
            h.update(repr([(str(c), str(t)) for c, t in obj.dtypes.items()]).encode())
        else:
            h.update(repr((str(obj.name), str(obj.dtype))).encode())
        h.update(repr(obj.index.names).encode())
        try:
            h.update(pd.util.hash_pandas_object(obj, index=True).to_numpy().tobytes())
        except TypeError:  # unhashable cells (lists, dicts): their pickled values
            h.update(pickle.dumps(obj.to_dict("split"), protocol=5))
        _feed(h, dict(obj.attrs))
    elif isinstance(obj, np.ndarray):
        h.update(repr((obj.dtype.str, obj.shape)).encode())
        h.update(np.ascontiguousarray(obj).tobytes() if obj.dtype != object else pickle.dumps(obj))
    elif isinstance(obj, dict):
        h.update(b"{")
        for k, v in obj.items():
            _feed(h, k)
            _feed(h, v)
        h.update(b"}")
    elif isinstance(obj, list | tuple):
        h.update(b"[" if isinstance(obj, list) else b"(")
        for v in obj:
            _feed(h, v)
        h.update(b"]")
    elif obj is None or isinstance(obj, str | int | float | bool | bytes):
        h.update(repr((type(obj).__name__, obj)).encode())
    else:
        h.update(pickle.dumps(obj, protocol=5))


def content_key(func: Callable, args: tuple, kwargs: dict) -> str | None:
    """Return a key for ``func(*args, **kwargs)`` from the arguments' content (None: unhashable).

    Frames are keyed by their values, dtypes and shape (``pd.util.hash_pandas_object``), not by
    their memory layout, so a frame and its copy (or its round trip through the cache) match.
    """
    h = hashlib.sha256(f"{func.__module__}:{func.__qualname__}".encode())
    try:
        _feed(h, (args, sorted(kwargs.items())))
    except (pickle.PicklingError, TypeError, AttributeError):
        # What pickle raises for an object it cannot copy (a lambda, a lock, a local
        # function): such arguments are simply not cached.
        return None
    return h.hexdigest()


# ------------------------------------------------------------------------------ charts
class _Unvalidated:
    """An Altair chart whose ``to_dict()`` skips the JSON-schema validation.

    Validating a spec against Vega-Lite's schema took about two thirds of the time of turning
    a chart into its spec, on every first visit of every chart, and does not change the spec.
    The chart builders (``analysis.charts``) are validated by their tests instead.
    """

    def __init__(self, chart) -> None:
        self._chart = chart

    def to_dict(self) -> dict:
        """Return the chart's spec, not validated."""
        return self._chart.to_dict(validate=False)


def _to_spec(chart) -> dict:
    """Return the Vega-Lite spec Streamlit would send for an Altair chart (data as Arrow)."""
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

    return _convert_altair_to_vega_lite_spec(_Unvalidated(chart))


def _build_spec(builder: Callable, args: tuple, kwargs: dict) -> dict:
    """Return the spec of the chart ``builder(*args, **kwargs)``, built without Altair's checks.

    Altair's debug mode (on by default) validates every axis, scale and title against the
    JSON schema as it is made; it never changes the spec. It is switched off while the chart
    is built, as Altair itself does while it copies charts (``debug_mode`` is a process-wide
    flag: another thread may see it off meanwhile, which only skips those checks there too).
    """
    from altair.utils.schemapi import debug_mode

    with debug_mode(False):
        return _to_spec(builder(*args, **kwargs))


@st.cache_resource(max_entries=CHART_ENTRIES, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def _chart_spec(key: str, _builder: Callable, _args: tuple, _kwargs: dict) -> dict:
    return _build_spec(_builder, _args, _kwargs)


def chart_spec(builder: Callable, *args, **kwargs) -> dict:
    """Vega-Lite spec of ``builder(*args, **kwargs)`` (an Altair chart), cached by content.

    The key is the builder's dotted name and the content of its arguments
    (:func:`content_key`), so equal inputs give the same spec without building the chart
    again; arguments that cannot be hashed are simply not cached.
    """
    key = content_key(builder, args, kwargs)
    if key is None:  # unhashable input: build it every time
        return _build_spec(builder, args, kwargs)
    return _chart_spec(key, builder, args, kwargs)


def chart(where, builder: Callable, *args, width: Any = "stretch", **kwargs) -> None:
    """Draw ``builder(*args, **kwargs)`` in ``where`` (``st`` or a container), cached.

    Same look as ``where.altair_chart(builder(...), width=width)``.
    """
    where.vega_lite_chart(chart_spec(builder, *args, **kwargs), width=width)


# ------------------------------------------------------------------------------ derived results
@st.cache_data(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def _derived(key: str, _func: Callable, _args: tuple, _kwargs: dict) -> Any:
    return _func(*_args, **_kwargs)


def derived(func: Callable, *args, **kwargs) -> Any:
    """``func(*args, **kwargs)`` cached by content, for results made from other cached results.

    The key is the function's dotted name and the content of its arguments
    (:func:`content_key`); arguments that cannot be hashed are computed every time.
    """
    key = content_key(func, args, kwargs)
    if key is None:  # unhashable input: no caching
        return func(*args, **kwargs)
    return _derived(key, func, args, kwargs)


@st.cache_data(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def _keyed(name: str, key: str, _func: Callable, _args: tuple, _kwargs: dict) -> Any:
    return _func(*_args, **_kwargs)


def keyed(func: Callable, key: str, *args, **kwargs) -> Any:
    """``func(*args, **kwargs)`` cached under an explicit ``key`` (and the function's name).

    For arguments too big to hash on every rerun: the caller vouches that ``key`` identifies
    them (e.g. the dataset's key and the settings that made them).
    """
    return _keyed(f"{func.__module__}:{func.__qualname__}", key, func, args, kwargs)
