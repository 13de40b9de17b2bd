"""Connected sources: an Ibis-backed ``st.connection``, configured only in secrets.toml.

A connection is a ``[connections.<name>]`` section of ``.streamlit/secrets.toml`` with either a
``url`` (``"postgres://user:pw@host/db"``, ``"duckdb:///path/file.duckdb"``, any URL
``ibis.connect`` understands) or a ``backend`` (``"duckdb"``, ``"postgres"``, ``"bigquery"``,
``"snowflake"``, ``"databricks"``, ``"pyspark"``, ...) whose other keys are passed to
``ibis.<backend>.connect``. Visitors never type connection details into a page.

Safety (the app only reads):

- DuckDB database files are opened ``read_only``; DuckDB gets a ``memory_limit`` and a
  ``temp_directory`` to spill to, and file access is switched off (``enable_external_access``)
  once the configured Parquet/CSV views exist (it cannot be switched back on).
- PostgreSQL sessions get a ``statement_timeout``; DuckDB queries are interrupted after the same
  timeout. Other engines use the timeouts their administrators set.
- SQL typed on the page must be one SELECT (or UNION/INTERSECT/EXCEPT of SELECTs), checked by
  :func:`check_select` with sqlglot: no DDL/DML anywhere in it (data-modifying CTEs, ``SELECT
  INTO``, ``FOR UPDATE``, ``COPY``, ``ATTACH``, ``PRAGMA``, ``SET`` ...), no table functions
  (``read_csv``, ``dblink`` ...), no file paths as tables, no functions that change settings or
  read server files.
- Rows come back only as a sample of at most :data:`MAX_ROWS` (:data:`DETECTION_ROWS` to
  recognise the columns); everything else is an aggregate computed in the engine.

Admins should still connect with a role that can only SELECT the tables meant for the app.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import ibis
import ibis.expr.types as ir
import pandas as pd
import sqlglot
import streamlit as st
from sqlglot import exp
from streamlit.connections import BaseConnection

__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "DEFAULT_TIMEOUT_SECONDS",
    "MAX_CUSTOMERS_BACK",
    "MAX_ROWS",
    "IbisConnection",
    "UnsafeQuery",
    "check_select",
    "config_digest",
    "connected_dataset",
    "customer_sample",
    "dataset_key",
    "configured_connections",
    "connection_config",
    "engines",
    "get_connection",
    "open_backend",
    "redact",
    "SESSION_SOURCES",
    "session_source",
    "stop_using_source",
    "use_source",
]

#: Rows at most brought back for a preview or a typed query's result.
MAX_ROWS = 10_000
#: Most customers whose per-customer rows (RFM values) the page brings back from an engine.
MAX_CUSTOMERS_BACK = 2_000_000
#: Statement timeout in seconds (``timeout_seconds`` in the section overrides it).
DEFAULT_TIMEOUT_SECONDS = 120
#: DuckDB's memory bound (``memory_limit`` in the section overrides it).
DEFAULT_MEMORY_LIMIT = "2GB"

# Keys of a [connections.<name>] section the app reads itself; the rest go to the backend.
_APP_KEYS = {"type", "url", "backend", "timeout_seconds", "parquet", "csv", "label", "allow_sql"}

T = TypeVar("T")


class UnsafeQuery(ValueError):
    """The SQL given is not a single read-only SELECT; the message says why."""


_FORBIDDEN_NODES = tuple(
    getattr(exp, name)
    for name in (
        "Insert",
        "Update",
        "Delete",
        "Merge",
        "Create",
        "Drop",
        "Alter",
        "Command",
        "Copy",
        "Into",
        "Lock",
        "Set",
        "Pragma",
        "Attach",
        "Detach",
        "Use",
        "TruncateTable",
        "Transaction",
        "Commit",
        "Rollback",
        "LoadData",
        "Grant",
        "Revoke",
        "Install",
        "Export",
        "Analyze",
        "Describe",
    )
    if hasattr(exp, name)
)

# Functions that read or write server files, reach other servers, change settings or sequences.
_FORBIDDEN_FUNCTIONS = {
    "set_config",
    "nextval",
    "setval",
    "pg_read_file",
    "pg_read_binary_file",
    "pg_ls_dir",
    "pg_stat_file",
    "pg_terminate_backend",
    "pg_cancel_backend",
    "pg_reload_conf",
    "pg_rotate_logfile",
    "lo_import",
    "lo_export",
    "lo_get",
    "lo_put",
    "dblink",
    "dblink_exec",
    "dblink_connect",
    "query",
    "query_table",
    "getenv",
    "glob",
    "load_extension",
    "load_file",
    "sys_exec",
    "xp_cmdshell",
}
_FORBIDDEN_PREFIXES = ("read_", "parquet_", "sniff_", "pg_read", "dblink", "lo_", "write")
_PATH_CHARACTERS = set("./\\:*?")


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower()


def check_select(sql: str, dialect: str | None = None) -> str:
    """Check that ``sql`` is one read-only SELECT and return it without a trailing ``;``.

    Parameters
    ----------
    sql : str
        The query typed by a user.
    dialect : str or None
        sqlglot dialect of the engine (``"duckdb"``, ``"postgres"``, ...); None for generic SQL.

    Returns
    -------
    str
        The query as given, stripped of surrounding blanks and trailing semicolons.

    Raises
    ------
    UnsafeQuery
        Not exactly one statement, not a SELECT/UNION, or anything in it that could write,
        change a setting, read server files or reach another server.
    """
    text = (sql or "").strip()
    if not text:
        raise UnsafeQuery("The query is empty: type one SELECT statement.")
    try:
        statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    except sqlglot.errors.ParseError as error:
        first = str(error).splitlines()[0] if str(error) else "syntax error"
        raise UnsafeQuery(f"The query could not be read as SQL ({first}).") from None
    if len(statements) != 1:
        raise UnsafeQuery(
            f"Give exactly one SELECT statement (found {len(statements)} statements)."
        )
    statement = statements[0]
    set_operation = getattr(exp, "SetOperation", exp.Union)
    if not isinstance(statement, (exp.Select, set_operation)):
        raise UnsafeQuery(
            f"Only a SELECT can be run here, not {statement.key.upper()}: "
            "the app never changes a connected source."
        )
    for node in statement.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            raise UnsafeQuery(
                f"The query contains {node.key.upper()}, which is not allowed: only reading "
                "with SELECT is."
            )
        if isinstance(node, exp.Table):
            if not isinstance(node.this, exp.Identifier):
                raise UnsafeQuery(
                    "Reading from a table function is not allowed: select from tables or views."
                )
            if _PATH_CHARACTERS & set(node.name):
                raise UnsafeQuery(
                    f"'{node.name}' looks like a file path: select from tables or views only."
                )
        if isinstance(node, exp.Func):
            name = _function_name(node)
            if name in _FORBIDDEN_FUNCTIONS or name.startswith(_FORBIDDEN_PREFIXES):
                raise UnsafeQuery(f"The function {name}() is not allowed in a query here.")
    return re.sub(r"[\s;]+$", "", text)


def configured_connections(secrets: Mapping | None = None) -> list[str]:
    """Names of the connections configured in secrets.toml, sorted.

    A section of ``[connections]`` counts when it has a ``url`` or a ``backend`` and no other
    connection ``type`` (Streamlit's own ``sql`` or ``snowflake`` connections are left out).

    Parameters
    ----------
    secrets : mapping or None
        The secrets (default ``st.secrets``).
    """
    secrets = st.secrets if secrets is None else secrets
    try:
        sections = secrets.get("connections", {}) or {}
    except FileNotFoundError:  # no secrets.toml at all (StreamlitSecretNotFoundError)
        return []
    names = []
    for name, section in sections.items():
        if not isinstance(section, Mapping):
            continue
        kind = str(section.get("type", "ibis")).lower()
        if ("url" in section or "backend" in section) and kind in ("ibis", "ui.connection"):
            names.append(str(name))
        elif kind.endswith("ibisconnection"):
            names.append(str(name))
    return sorted(names)


#: Session-state key of this session's own sources (a large upload's database, see
#: :mod:`ui.large_upload`): name -> an object with ``config`` and IbisConnection's methods.
#: Being in session state, another session can never reach them.
SESSION_SOURCES = "_session_sources"


def session_source(name: str) -> Any | None:
    """Return this session's own source ``name`` (a large upload), or None."""
    return st.session_state.get(SESSION_SOURCES, {}).get(name)


def connection_config(name: str, secrets: Mapping | None = None) -> dict[str, Any]:
    """Return the ``[connections.<name>]`` section as a plain dict (nested tables included).

    For this session's own source (:func:`session_source`), its settings.
    """
    own = session_source(name) if secrets is None else None
    if own is not None:
        return dict(own.config)
    secrets = st.secrets if secrets is None else secrets
    section = (secrets.get("connections", {}) or {}).get(name)
    if section is None:
        raise KeyError(f"No connection named '{name}' in secrets.toml.")
    return _plain(section)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def config_digest(config: Mapping[str, Any]) -> str:
    """sha256 of a connection's settings: part of cache keys, never shown (holds secrets)."""
    return hashlib.sha256(
        json.dumps(_plain(config), sort_keys=True, default=str).encode()
    ).hexdigest()


def _backend_name(config: Mapping[str, Any]) -> str:
    if config.get("backend"):
        return str(config["backend"]).lower()
    url = str(config.get("url", ""))
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    return {"postgresql": "postgres", "pg": "postgres", "spark": "pyspark"}.get(scheme, scheme)


def _duckdb_files(config: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    files: dict[str, tuple[str, str]] = {}
    for kind in ("parquet", "csv"):
        for view, path in (config.get(kind) or {}).items():
            files[str(view)] = (kind, str(path))
    return files


def open_backend(config: Mapping[str, Any]) -> ibis.BaseBackend:
    """Open the Ibis backend a connection section describes, read-only and bounded.

    Parameters
    ----------
    config : mapping
        A ``[connections.<name>]`` section: ``url`` or ``backend`` plus the backend's
        ``connect`` keyword arguments; optional ``timeout_seconds``; for DuckDB optional
        ``memory_limit``, ``temp_directory`` and ``parquet``/``csv`` tables of view name ->
        path or glob read in place.

    Returns
    -------
    ibis.BaseBackend
    """
    config = _plain(config)
    backend = _backend_name(config)
    kwargs = {k: v for k, v in config.items() if k not in _APP_KEYS}
    timeout_ms = int(float(config.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)) * 1000)
    if backend == "duckdb":
        return _open_duckdb(config, kwargs)
    if backend == "postgres":
        options = str(kwargs.get("options", ""))
        if "statement_timeout" not in options:
            kwargs["options"] = f"{options} -c statement_timeout={timeout_ms}".strip()
    if backend == "snowflake":
        # Ibis would otherwise create its helper UDFs in the database on connecting.
        kwargs.setdefault("create_object_udfs", False)
        params = dict(kwargs.get("session_parameters") or {})
        params.setdefault("STATEMENT_TIMEOUT_IN_SECONDS", max(1, timeout_ms // 1000))
        kwargs["session_parameters"] = params
    if backend == "pyspark" and not config.get("url"):
        return _open_spark(kwargs)
    if config.get("url"):
        return ibis.connect(str(config["url"]), **kwargs)
    if not backend:
        raise ValueError("A connection needs a 'url' or a 'backend' in secrets.toml.")
    module = getattr(ibis, backend, None)
    if module is None or not hasattr(module, "connect"):
        raise ValueError(f"Ibis has no backend named '{backend}' (is its extra installed?).")
    return module.connect(**kwargs)


def _fixed_directory(path: str) -> str:
    """Return the directory of ``path`` above its first glob character (absolute, ending /)."""
    fixed = re.split(r"[*?\[{]", path, maxsplit=1)[0]
    directory = Path(fixed) if fixed.endswith(("/", "\\")) else Path(fixed).parent
    return str(directory.resolve()) + "/"


def _open_duckdb(config: dict[str, Any], kwargs: dict[str, Any]) -> ibis.BaseBackend:
    database = kwargs.pop("database", None)
    if database is None and config.get("url"):
        url = urlparse(str(config["url"]))  # as ibis.connect reads duckdb:// URLs
        parts = [p for p in (url.netloc, url.path[bool(url.netloc) :]) if p]
        database = str(Path(*parts)) if parts else None
    database = database or ":memory:"
    in_memory = str(database) == ":memory:"
    kwargs.pop("read_only", None)  # files are always opened read-only
    kwargs.setdefault("memory_limit", DEFAULT_MEMORY_LIMIT)
    kwargs.setdefault("temp_directory", str(Path(st_temp_root()) / "duckdb-spill"))
    con = ibis.duckdb.connect(database, read_only=not in_memory, **kwargs)
    files = _duckdb_files(config)
    remote = any("://" in path for _, path in files.values())
    if files and not remote:
        allowed = sorted({_fixed_directory(p) for _, p in files.values()})
        con.raw_sql(f"SET allowed_directories = {allowed!r}")
    for view, (kind, path) in files.items():
        reader = "read_parquet" if kind == "parquet" else "read_csv_auto"
        con.raw_sql(
            f"CREATE OR REPLACE TEMP VIEW {sqlglot.exp.to_identifier(view).sql('duckdb')} AS "
            f"SELECT * FROM {reader}({sqlglot.exp.Literal.string(path).sql('duckdb')})"
        )
    if not remote:
        con.raw_sql("SET enable_external_access = false")
    return con


def _open_spark(kwargs: dict[str, Any]) -> ibis.BaseBackend:
    """Open a Spark session and Ibis on it.

    The session comes from ``remote`` (Spark Connect, ``"sc://host:15002"``) or ``master``
    (``"local[2]"``, ``"spark://host:7077"``) and optional ``conf`` settings.
    """
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(str(kwargs.pop("app_name", "customer-focus")))
    if "remote" in kwargs:
        builder = builder.remote(str(kwargs.pop("remote")))
    elif "master" in kwargs:
        builder = builder.master(str(kwargs.pop("master")))
    for key, value in (kwargs.pop("conf", None) or {}).items():
        builder = builder.config(str(key), str(value))
    return ibis.pyspark.connect(builder.getOrCreate(), **kwargs)


def st_temp_root() -> str:
    """Directory for DuckDB to spill to (the system's temporary directory)."""
    import tempfile

    return tempfile.gettempdir()


class IbisConnection(BaseConnection[ibis.BaseBackend]):
    """``st.connection`` to any Ibis backend, configured in ``[connections.<name>]``.

    Examples
    --------
    >>> con = st.connection("warehouse", type=IbisConnection)  # doctest: +SKIP
    >>> con.list_tables()  # doctest: +SKIP
    """

    def _connect(self, **kwargs: Any) -> ibis.BaseBackend:
        config = {**self._secrets.to_dict(), **kwargs}
        self._config = config
        return open_backend(config)

    @property
    def backend(self) -> ibis.BaseBackend:
        """The Ibis backend (reconnected after a reset)."""
        return self._instance

    @property
    def dialect(self) -> str | None:
        """The engine's sqlglot dialect, for :func:`check_select`."""
        name = getattr(self._instance, "name", None)
        return {"postgres": "postgres", "duckdb": "duckdb", "pyspark": "spark"}.get(
            name, getattr(self._instance, "dialect", None) and str(self._instance.name)
        )

    @property
    def timeout_seconds(self) -> float:
        """The longest a query may run, in seconds (the connection's ``timeout_seconds``)."""
        return float(getattr(self, "_config", {}).get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS))

    @property
    def lock(self) -> threading.RLock:
        """The lock held while this connection is used.

        One connection object is shared by every session (``st.connection`` is global) and
        DuckDB's Python connection is not thread-safe.
        """
        return self.__dict__.setdefault("_use_lock", threading.RLock())

    def list_tables(self) -> list[str]:
        """Tables and views the connection can read, sorted."""
        with self.lock:
            return sorted(self._instance.list_tables())

    def table(self, name: str) -> ir.Table:
        """Return a table or view by name (one of :meth:`list_tables`)."""
        if name not in self.list_tables():
            raise KeyError(f"There is no table or view named '{name}'.")
        with self.lock:
            return self._instance.table(name)

    def query(self, sql: str) -> ir.Table:
        """Return a typed SELECT as an Ibis table, after :func:`check_select`."""
        safe = check_select(sql, self.dialect)
        with self.lock:
            return self._instance.sql(safe)

    def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call ``fn`` (which runs queries on this connection) under the statement timeout.

        DuckDB has no statement timeout, so its running query is interrupted when the timeout
        passes; PostgreSQL enforces its own ``statement_timeout``.
        """
        with self.lock:
            raw = getattr(self._instance, "con", None)
            if getattr(self._instance, "name", "") != "duckdb" or raw is None:
                return fn(*args, **kwargs)
            timer = threading.Timer(self.timeout_seconds, raw.interrupt)
            timer.daemon = True
            timer.start()
            try:
                return fn(*args, **kwargs)
            finally:
                timer.cancel()


# Ibis backend -> (what to call it, the driver module it needs).
ENGINES = {
    "duckdb": ("DuckDB (files, Parquet, CSV)", "duckdb"),
    "postgres": ("PostgreSQL", "psycopg"),
    "mysql": ("MySQL / MariaDB", "MySQLdb"),
    "sqlite": ("SQLite", "sqlite3"),
    "bigquery": ("Google BigQuery", "google.cloud.bigquery"),
    "snowflake": ("Snowflake", "snowflake.connector"),
    "databricks": ("Databricks", "databricks.sql"),
    "trino": ("Trino", "trino"),
    "pyspark": ("Spark (local or Spark Connect)", "pyspark"),
    "mssql": ("SQL Server", "pyodbc"),
    "oracle": ("Oracle", "oracledb"),
}


def redact(text: str, config: Mapping[str, Any]) -> str:
    """Return ``text`` with every setting of a connection (and a URL's password) as ``***``.

    Cut to its first line and 300 characters: safe to show in an error message.
    """
    text = str(text).splitlines()[0] if str(text) else ""
    secrets_ = []
    for value in _plain(config).values():
        if isinstance(value, str) and len(value) >= 4:
            secrets_.append(value)
            if "://" in value:
                password = urlparse(value).password
                if password:
                    secrets_.append(password)
    for value in sorted(secrets_, key=len, reverse=True):
        text = text.replace(value, "***")
    return text[:300]


def engines() -> pd.DataFrame:
    """Which engines this server can reach: ``backend``, ``engine``, ``driver_installed``."""
    import importlib.util

    rows = []
    for backend, (label, module) in ENGINES.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        rows.append({"backend": backend, "engine": label, "driver_installed": found})
    return pd.DataFrame(rows)


def get_connection(name: str) -> IbisConnection:
    """Return the configured connection ``name`` (one per server process and settings).

    This session's own source (:func:`session_source`) comes first.
    """
    own = session_source(name)
    if own is not None:
        return own
    config = {k: v for k, v in connection_config(name).items() if k != "type"}
    return st.connection(name, type=IbisConnection, **config)


# --- A source on a connection, mapped to the canonical columns -------------------------------

#: Roles a connected table can map (the ones push-down and the sample need).
SOURCE_ROLES = (
    "customer_id",
    "order_date",
    "amount",
    "order_id",
    "quantity",
    "unit_price",
    "product",
    "category",
    "channel",
    "country",
)
#: Line attributes a connected source may carry along (as text): breakdowns, basket items.
ATTRIBUTE_ROLES = ("product", "category", "channel", "country")
#: Rows read for column detection.
DETECTION_ROWS = 1000


def source_table(con: IbisConnection, source: tuple[str, str]) -> ir.Table:
    """Return the Ibis table of ``("table", name)`` or ``("sql", select)`` on ``con``."""
    kind, value = source
    if kind == "table":
        return con.table(value)
    if kind == "sql":
        return con.query(value)
    raise ValueError(f"Unknown source kind {kind!r}.")


def detection_sample(table: ir.Table, n: int = DETECTION_ROWS) -> pd.DataFrame:
    """Return the first ``n`` rows as text cells ("" for missing), like ``ingest.read_table``.

    Timestamps are written ISO (``2024-03-01 10:00:00``), numbers with a ``.`` decimal point.
    """
    sample = table.head(min(int(n), MAX_ROWS)).execute()
    out = {}
    for column in sample.columns:
        values = sample[column]
        text = values.astype(str)
        out[str(column)] = text.where(values.notna(), "").astype(object)
    return pd.DataFrame(out, columns=[str(c) for c in sample.columns])


def check_mapping(table: ir.Table, mapping: Mapping[str, str]) -> list[str]:
    """Problems with a role -> column mapping, in plain words (empty when usable)."""
    problems = []
    if "customer_id" not in mapping:
        problems.append("Pick the column that holds the customer.")
    if "order_date" not in mapping:
        problems.append("Pick the column that holds the order date.")
    if "amount" not in mapping and not {"quantity", "unit_price"} <= set(mapping):
        problems.append("Pick the amount column (or both quantity and unit price).")
    used = [c for c in mapping.values()]
    if len(set(used)) != len(used):
        problems.append("Each column can play one role only.")
    for role, column in mapping.items():
        if column not in table.columns:
            problems.append(f"There is no column '{column}' in this source.")
            continue
        dtype = table[column].type()
        if role == "order_date" and not (dtype.is_temporal() or dtype.is_string()):
            problems.append(f"'{column}' is {dtype}, not a date: pick a date or timestamp column.")
        if role in ("amount", "quantity", "unit_price") and not dtype.is_numeric():
            problems.append(
                f"'{column}' is {dtype}, not a number: pick a numeric column or give a SELECT "
                "that converts it (CAST(... AS DOUBLE))."
            )
    return problems


def canonical_table(table: ir.Table, mapping: Mapping[str, str]) -> ir.Table:
    """Return the source's lines as the canonical columns, computed in the engine.

    Parameters
    ----------
    table : ibis Table
        The connected table or query.
    mapping : mapping
        Role -> column name (see :func:`check_mapping`).

    Returns
    -------
    ibis Table
        ``customer_id`` (trimmed text), ``order_id`` (text; when unmapped or empty
        ``"<customer_id>|<timestamp>"``, one order per customer per timestamp, as for files),
        ``order_date`` (timestamp), ``amount`` (float64; ``quantity * unit_price`` rounded to 8
        decimals without an amount column), and the mapped :data:`ATTRIBUTE_ROLES` as text.
        Lines without a customer, date or amount are left out (:func:`health` counts them).
    """
    cid = table[mapping["customer_id"]].cast("string").strip()
    date = table[mapping["order_date"]]
    if not date.type().is_timestamp():
        date = date.cast("timestamp")
    if "amount" in mapping:
        amount = table[mapping["amount"]].cast("float64")
    else:
        q = table[mapping["quantity"]].cast("float64")
        amount = (q * table[mapping["unit_price"]].cast("float64")).round(8)
    synthetic = cid.concat("|", date.cast("string"))
    if "order_id" in mapping:
        oid = table[mapping["order_id"]].cast("string").strip()
        oid = (oid.isnull() | (oid == "")).ifelse(synthetic, oid)
    else:
        oid = synthetic
    attributes = {r: table[mapping[r]].cast("string") for r in ATTRIBUTE_ROLES if r in mapping}
    out = table.select(customer_id=cid, order_id=oid, order_date=date, amount=amount, **attributes)
    return out.filter(
        out.customer_id.notnull(),
        out.customer_id != "",
        out.order_date.notnull(),
        out.amount.notnull(),
    )


def health(table: ir.Table, canon: ir.Table) -> dict[str, Any]:
    """Data-health counts computed in the engine (one small query).

    Returns
    -------
    dict
        ``rows`` (lines in the source), ``rows_used`` (lines with a customer, date and amount),
        ``rows_set_aside``, ``customers`` (distinct ids among used lines), ``orders`` (distinct
        customer + order pairs), ``refund_lines`` (negative amounts), ``first_date``,
        ``last_date``.
    """
    rows = int(table.count().execute())
    agg = canon.aggregate(
        rows_used=canon.count(),
        customers=canon.customer_id.nunique(),
        refund_lines=(canon.amount < 0).ifelse(1, 0).sum(),
        first_date=canon.order_date.min(),
        last_date=canon.order_date.max(),
    )
    row = agg.execute().iloc[0].to_dict()
    pairs = canon.select("customer_id", "order_id").distinct().count().execute()
    used = int(row["rows_used"] or 0)
    return {
        "rows": rows,
        "rows_used": used,
        "rows_set_aside": rows - used,
        "customers": int(row["customers"] or 0),
        "orders": int(pairs or 0),
        "refund_lines": int(row["refund_lines"] or 0),
        "first_date": row["first_date"],
        "last_date": row["last_date"],
    }


def cached(
    name: str, source: tuple[str, str], mapping: Mapping[str, str] | None, what: str, fn, *args
):
    """``fn(con, source, mapping, *args)`` on connection ``name``, cached across reruns.

    The cache key is the connection's name, a digest of its settings, the table or query, the
    column mapping and ``what`` (the computation's name); ``fn`` runs under the connection's
    timeout.
    """
    digest = config_digest(connection_config(name))
    mapping_key = json.dumps(dict(mapping or {}), sort_keys=True)
    return _cached(name, digest, tuple(source), mapping_key, what, args, _fn=fn)


@st.cache_data(ttl=3600, max_entries=128, show_spinner=False)
def _cached(name, digest, source, mapping_key, what, args, _fn):
    con = get_connection(name)
    return con.run(_fn, con, source, json.loads(mapping_key), *args)


# --- A connected source as every page's data: a bounded customer sample -----------------------

#: Customers at most pulled from a connected source for the pages that work in memory.
SAMPLE_CUSTOMERS = 50_000
#: Session-state key of the connected source in use (set on "Connect your data").
SESSION_KEY = "connected_source"


def customer_sample(canon: ir.Table, n: int = SAMPLE_CUSTOMERS) -> tuple[pd.DataFrame, int]:
    """All lines of up to ``n`` customers, chosen by a hash of their id, and the total count.

    Parameters
    ----------
    canon : ibis Table
        Canonical lines (:func:`canonical_table`).
    n : int
        Most customers to bring back.

    Returns
    -------
    (DataFrame, int)
        The lines (canonical columns and mapped attributes, sorted by date, customer and
        order) and the number of distinct customers in the whole source. The choice depends only on the ids and the
        engine's hash function, so it is the same on every run; every line of a chosen customer
        is included, so per-customer figures of the sample are exact.
    """
    ids = canon.select("customer_id").distinct()
    total = int(ids.count().execute())
    lines = canon
    if total > n:
        chosen = (
            ids.mutate(_h=ids.customer_id.hash())
            .order_by(["_h", "customer_id"])
            .limit(int(n))
            .select("customer_id")
        )
        lines = canon.semi_join(chosen, "customer_id")
    frame = lines.order_by(["order_date", "customer_id", "order_id"]).execute()
    frame = pd.DataFrame(
        {
            "customer_id": frame["customer_id"].astype(str),
            "order_id": frame["order_id"].astype(str),
            "order_date": pd.to_datetime(frame["order_date"]).astype("datetime64[ns]"),
            "amount": frame["amount"].astype("float64"),
            **{c: frame[c].astype("str") for c in ATTRIBUTE_ROLES if c in frame.columns},
        }
    )
    return frame, total


def _sample(con, source, mapping, n):
    lines, total = customer_sample(canonical_table(source_table(con, source), mapping), n)
    return lines, total


def use_source(name: str, source: tuple[str, str], mapping: Mapping[str, str]) -> None:
    """Make a connected source this session's data on every page."""
    st.session_state[SESSION_KEY] = {
        "name": name,
        "source": list(source),
        "mapping": dict(mapping),
    }


def stop_using_source() -> None:
    """Go back to the examples or uploads on every page."""
    st.session_state.pop(SESSION_KEY, None)


def source_label(name: str, source: tuple[str, str]) -> str:
    """How pages name a connected source: the connection and the table (or "a query")."""
    kind, value = source
    return f"{name}: {value}" if kind == "table" else f"{name}: a SELECT query"


def dataset_key(name: str, source: tuple[str, str], mapping: Mapping[str, str]) -> str:
    """Return the key of the :class:`ui.data.Dataset` a connected source gives.

    A digest of the connection's settings, the table or query, the mapping and the sample
    size: it keys every cache of the pages, and :mod:`ui.engine` recognises the dataset by it.
    """
    digest = config_digest({"c": config_digest(connection_config(name)), "s": list(source)})
    return config_digest({"d": digest, "m": dict(mapping), "n": SAMPLE_CUSTOMERS})


def connected_dataset():
    """Return the session's connected source as a :class:`ui.data.Dataset` (None: no source).

    Its transactions are :func:`customer_sample` (all lines of up to :data:`SAMPLE_CUSTOMERS`
    customers); the label says which fraction of the customers that is, so every page's "Data:"
    caption states it.
    """
    from analysis import ingest
    from ui.data import Dataset, FileResult

    chosen = st.session_state.get(SESSION_KEY)
    if not chosen:
        return None
    name, source, mapping = chosen["name"], tuple(chosen["source"]), chosen["mapping"]
    if name not in configured_connections():
        stop_using_source()
        return None
    key = dataset_key(name, source, mapping)
    label = source_label(name, source)
    result = FileResult(kind="transactions", filename=label, digest=key, detected=dict(mapping))
    try:
        lines, total = cached(name, source, mapping, "customer sample", _sample, SAMPLE_CUSTOMERS)
    except Exception as error:  # each driver has its own error classes (duckdb.Error,
        # psycopg.Error, OSError for an unreachable host...) with no common base: the
        # message is shown with the connection's settings blanked
        why = redact(str(error) or type(error).__name__, connection_config(name))
        result.error = f"Could not read the connected source {label}: {why}"
        return Dataset(key, label, False, {"transactions": result})
    customers = int(lines["customer_id"].nunique())
    if customers < total:
        share = customers / total if total else 1.0
        label += f" (a sample: {customers:,} of {total:,} customers, {share:.1%})"
        note = (
            f"This is a sample of the connected source: every line of {customers:,} of its "
            f"{total:,} customers ({share:.1%}), chosen by a hash of the customer id. "
            "The Overview, RFM segments and Cohorts show the whole source's figures, computed "
            "in the database ('Connect your data' too)."
        )
    else:
        label += " (all customers)"
        note = ""
    result.filename = label
    result.columns = list(lines.columns)
    result.prepared = ingest.Prepared(
        data=lines,
        rejected=pd.DataFrame({"row": pd.Series(dtype="int64"), "reason": pd.Series(dtype=str)}),
        warnings=[note] if note else [],
        mapping=dict(mapping),
        report={
            "rows_read": len(lines),
            "rows_used": len(lines),
            "rows_rejected": 0,
            "customers": customers,
            "orders": int(lines[["customer_id", "order_id"]].drop_duplicates().shape[0]),
            "refund_lines": int((lines["amount"] < 0).sum()),
            "date_min": lines["order_date"].min() if len(lines) else None,
            "date_max": lines["order_date"].max() if len(lines) else None,
        },
    )
    return Dataset(key, label, False, {"transactions": result})
