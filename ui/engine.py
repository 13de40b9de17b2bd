"""Where a page's figures are computed: in memory, or in the engine of a connected source.

A connected source reaches the pages as a customer sample (:func:`ui.connection.connected_dataset`).
The headline figures that have a push-down twin in :mod:`analysis.pushdown` (the Overview's
scorecards, new-versus-returning counts and breakdowns, the RFM table, its migration and k-means
groups, the cohort sizes and report, the bought-together rules, and the per-customer inputs of
the value models and the churn model) are instead computed in the engine on the whole canonical
table: :func:`compute` is :func:`ui.cache.compute` for every other
case, so a page only swaps ``compute`` for ``engine.compute`` on those lines and calls
:func:`say_where`; what stays on the sample can say so with :func:`say_sample`.

Results are cached by connection, settings digest, table or query, column mapping and the
function's settings (:func:`ui.connection.cached`), and run under the connection's timeout.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from analysis import cohorts, overview, patterns, profile, rfm
from analysis.core.errors import DataError, NotEnoughData
from ui.cache import compute as _memory_compute
from ui.cache import this_run
from ui.data import Dataset
from ui.text import inert

__all__ = [
    "ENGINE_NAMES",
    "Source",
    "compute",
    "connected_source",
    "engine_name",
    "in_sample",
    "line_count",
    "say_sample",
    "say_where",
]

#: How pages name an Ibis backend.
ENGINE_NAMES = {
    "duckdb": "DuckDB",
    "postgres": "PostgreSQL",
    "pyspark": "Spark",
    "mysql": "MySQL",
    "sqlite": "SQLite",
    "bigquery": "BigQuery",
    "snowflake": "Snowflake",
    "databricks": "Databricks",
    "trino": "Trino",
    "mssql": "SQL Server",
    "oracle": "Oracle",
}


# ui.connection.SESSION_KEY: ui.connection (and Ibis behind it) is imported only when a session
# uses a connected source, as ui.data does.
_SESSION_KEY = "connected_source"


def _name(func: Callable) -> str:
    return f"{func.__module__}:{func.__qualname__}"


# In-memory function -> the name of its twin in analysis.pushdown.
_PUSHED = {
    _name(overview.scorecard): "scorecard",
    _name(overview.compare_scorecards): "compare_scorecards",
    _name(overview.new_vs_returning): "new_vs_returning",
    _name(overview.top_breakdown): "top_breakdown",
    _name(overview.top_breakdown_in_period): "top_breakdown_in_period",
    _name(overview.new_vs_returning_in_period): "new_vs_returning_in_period",
    _name(profile.customer_profile): "customer_profile",
    _name(rfm.date_bounds): "date_bounds",
    _name(rfm.rfm_table): "rfm_table",
    _name(cohorts.cohort_sizes): "cohort_sizes",
    _name(cohorts.cohort_report): "cohort_report",
    _name(rfm.segment_migration): "segment_migration",
    _name(rfm.rfm_clusters): "rfm_clusters",
    _name(patterns.association_rules): "association_rules",
    # By name: analysis.clv and analysis.churn (SciPy optimisers, scikit-learn) are imported
    # only by the pages that use them (tests/ui/test_engine.py checks the names).
    "analysis.clv.value:value_report": "value_report",
    "analysis.clv.comparison:compare_models": "compare_models",
    "analysis.churn.model:churn_model": "churn_model",
}
# Settings the push-down twin cannot take: the in-memory path (on the sample) is used then.
_IN_MEMORY_ONLY = {"by", "max_groups"}
# Twins that bring back a row per customer (or read one into memory: the migration's two RFM
# tables): only up to MAX_CUSTOMERS_BACK customers.
_PER_CUSTOMER = {
    "rfm_table",
    "segment_migration",
    "rfm_clusters",
    "value_report",
    "compare_models",
    "churn_model",
}


class Source(tuple):
    """``(name, source, mapping)`` of the session's connected source."""

    __slots__ = ()

    @property
    def name(self) -> str:
        """The connection's name in secrets.toml."""
        return self[0]

    @property
    def source(self) -> tuple[str, str]:
        """``("table", name)`` or ``("sql", select)``."""
        return self[1]

    @property
    def mapping(self) -> dict[str, str]:
        """Role -> column of the source."""
        return self[2]


def connected_source(ds: Dataset | None) -> Source | None:
    """Return the connected source ``ds`` was made from, or None for examples and uploads."""
    chosen = st.session_state.get(_SESSION_KEY)
    if not chosen or ds is None:
        return None
    from ui import connection as conn

    name, source, mapping = chosen["name"], tuple(chosen["source"]), dict(chosen["mapping"])
    try:
        if ds.key != conn.dataset_key(name, source, mapping):
            return None
    except KeyError:  # the connection is no longer configured
        return None
    return Source((name, source, mapping))


def _canonical(con, source, mapping):
    from ui import connection as conn

    return conn.canonical_table(conn.source_table(con, source), mapping)


def _pushed(con, source, mapping, function: str, settings: tuple):
    from analysis import pushdown

    return getattr(pushdown, function)(_canonical(con, source, mapping), **dict(settings))


def _count(con, source, mapping):
    return int(_canonical(con, source, mapping).count().execute())


def line_count(where: Source) -> int:
    """Lines of the connected source with a customer, a date and an amount (counted there)."""
    from ui import connection as conn

    return conn.cached(where.name, where.source, where.mapping, "line count", _count)


def engine_name(where: Source) -> str:
    """Return the engine's name for pages ("DuckDB", "PostgreSQL", ...)."""
    from ui import connection as conn

    backend = getattr(conn.get_connection(where.name).backend, "name", "")
    return ENGINE_NAMES.get(str(backend), str(backend) or "the database")


def _run(where: Source, function: str, kwargs: dict) -> Any:
    from ui import connection as conn

    settings = tuple(sorted(kwargs.items()))
    what = f"pushdown.{function} " + json.dumps(repr(settings))
    return conn.cached(where.name, where.source, where.mapping, what, _pushed, function, settings)


def _can_push(where: Source, function: str, kwargs: dict) -> bool:
    from ui import connection as conn

    if any(kwargs.get(k) is not None for k in _IN_MEMORY_ONLY):
        return False
    if function in _PER_CUSTOMER:
        customers = _run(where, "scorecard", {}).customers
        if customers > conn.MAX_CUSTOMERS_BACK:
            st.info(
                f"This source has {customers:,} customers, more than the "
                f"{conn.MAX_CUSTOMERS_BACK:,} whose rows this app brings back: the figures "
                "below are those of the sample.",
                icon=":material/info:",
            )
            return False
    return True


# Script runs (ids of their cursor dicts) in which a figure came from the sample after all:
# say_where then does not claim the page's figures are the whole table's.
_FELL_BACK: OrderedDict[int, None] = OrderedDict()


def _note_fallback() -> None:
    run = this_run()
    if run is not None:
        _FELL_BACK[id(run)] = None
        while len(_FELL_BACK) > 256:
            _FELL_BACK.popitem(last=False)


def _fell_back() -> bool:
    run = this_run()
    return run is not None and id(run) in _FELL_BACK


def compute(func: Callable, ds: Dataset, **kwargs) -> Any:
    """Run ``func`` in the connected source's engine on all its lines, or as :func:`ui.cache.compute`.

    Parameters
    ----------
    func : callable
        A public ``analysis`` function; those with a twin in :mod:`analysis.pushdown`
        (scorecard, compare_scorecards, new_vs_returning, top_breakdown and their in-period
        forms, date_bounds,
        rfm_table, customer_profile, cohort_sizes, cohort_report, segment_migration,
        rfm_clusters, association_rules; the value report, model comparison and churn model,
        whose per-customer inputs are computed there and the models fitted in memory) run in
        the engine when ``ds`` is a connected source and the settings allow it.
    ds : Dataset
        The session's dataset.
    **kwargs
        The function's settings (part of the cache key either way).

    Returns
    -------
    Any
        What ``func`` returns for the whole source (engine) or for ``ds.tx`` (in memory). When
        the engine fails, a warning names the error and the sample's figures are shown; what
        the data cannot support (``NotEnoughData``, ``DataError``) is raised as for a file.
    """
    where = connected_source(ds)
    function = _PUSHED.get(_name(func))
    if where is None or function is None:
        return _memory_compute(func, ds, **kwargs)
    from ui import connection as conn

    settings = {k: v for k, v in kwargs.items() if k not in _IN_MEMORY_ONLY}
    try:
        if _can_push(where, function, kwargs):
            return _run(where, function, settings)
        _note_fallback()
    except (NotEnoughData, DataError):  # the whole table's own limits in words (too short a
        raise  # history for the churn model...): the page explains them as it does for a file
    except Exception as error:  # each driver has its own error classes (duckdb.Error,
        # psycopg.Error, OSError for an unreachable host...) with no common base: the message
        # is shown with the connection's settings blanked, and the sample's figures instead
        why = conn.redact(str(error) or type(error).__name__, conn.connection_config(where.name))
        st.warning(
            inert(
                f"The database could not compute this on all lines ({why}); the figures below "
                "are those of the sample."
            ),
            icon=":material/warning:",
        )
        _note_fallback()
    return _memory_compute(func, ds, **kwargs)


def say_where(ds: Dataset, what: str = "These figures are") -> None:
    """Write "<what> computed in <engine> on all N lines" under a connected source's figures.

    Nothing when a figure of this run came from the sample after all (:func:`compute` then
    said why).
    """
    where = connected_source(ds)
    if where is None or _fell_back():
        return
    try:
        n = line_count(where)
        engine = engine_name(where)
    except Exception:  # a driver's own error (no common base): compute() says what failed
        return
    st.caption(f"{what} computed in {engine} on all {n:,} lines of the source.")


def _customers(con, source, mapping):
    return int(_canonical(con, source, mapping).select("customer_id").distinct().count().execute())


def say_sample(ds: Dataset, what: str = "These figures are") -> None:
    """Write "<what> computed on a sample ... (x%)" under figures the engine cannot give.

    For a connected source whose pages work on a customer sample: the figures that have no
    push-down twin come from the sample's lines, and this says which fraction of the customers
    that is. Nothing for other datasets, or when the sample holds every customer.
    """
    where = connected_source(ds)
    if where is None or ds.tx is None:
        return
    from ui import connection as conn

    try:
        total = conn.cached(where.name, where.source, where.mapping, "customers", _customers)
    except Exception:  # a driver's own error (no common base): the sample is all there is
        return
    n = int(ds.tx["customer_id"].nunique())
    if total <= n:
        return
    st.caption(
        f"{what} computed on a sample of the source: every line of {n:,} of its {total:,} "
        f"customers ({n / total:.1%}), chosen by a hash of the customer id."
    )


def in_sample(table: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
    """Return the rows of a per-customer ``table`` whose customer is in ``ds.tx``.

    On a connected source the engine's tables hold every customer while the page's lines
    (``ds.tx``) are a sample: a worked example or a customer's lines must come from the sample.
    For other datasets ``table`` is returned as it is.
    """
    if connected_source(ds) is None or ds.tx is None:
        return table
    return table[table.index.isin(ds.tx["customer_id"].unique())]
