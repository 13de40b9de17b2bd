"""In memory versus push-down on DuckDB, at sizes from one million to hundreds of millions of lines.

Usage::

    python benchmarks/scale.py                         # 1M and 10M lines, DuckDB
    python benchmarks/scale.py --sizes 1M,10M,50M,200M --memory-limit 3GB
    python benchmarks/scale.py --sizes 1M --engines duckdb,postgres,spark
    # postgres needs CF_TEST_POSTGRES_URL (eval "$(.ci/start-postgres)"); spark needs pyspark, Java

The data are canonical transactions written as Parquet (ten lines per customer, about three lines
per order, three years of dates), generated in chunks of at most 10 million lines so that the
generator itself never needs more than about 1.5 GB. Each path runs in its own process, which
reports its wall time and peak resident memory (VmHWM): the in-memory path reads the Parquet
files into pandas and runs ``overview.scorecard``, ``rfm.rfm_table``,
``cohorts.retention_matrix`` and ``clv.clv_summary``; the push-down path hands the same files
to DuckDB (in place, with a memory limit and a spill directory) and runs the
``analysis.pushdown`` functions of the same names. A path that fails (for example runs out of
memory) is reported as such.

``--engines`` adds other engines to the push-down path. ``postgres`` copies the Parquet files
into a table of the server at ``CF_TEST_POSTGRES_URL`` (``COPY ... FROM STDIN`` of CSV written
in chunks, timed apart as "load"), then runs the same calls on that table. ``spark`` starts Spark
in local mode (``local[2]``) reading the Parquet files in place. Both get the table itself, as a
connected source does (no ``materialize``, which writes a temporary table).

The engine's own memory is a separate column: a background thread samples ``VmRSS`` in
``/proc/<pid>/status`` every 0.2 s and keeps the peak of the sum over the engine's processes.
For PostgreSQL these are the postmaster (the parent of the benchmark's backend,
``pg_backend_pid()``) and all its children (backends, checkpointer, writers), sampled while the
four figures are computed (the load has its own peak); the server must run on this machine.
For Spark it is the JVM the PySpark gateway started (every process below the benchmark's own),
from the session's start. RSS counts shared pages (PostgreSQL's shared buffers) once in every
process that touched them, so the PostgreSQL sum is an upper bound. DuckDB runs inside the
benchmark process: its memory is the process's peak.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SIZES = {"1M": 1_000_000, "10M": 10_000_000, "50M": 50_000_000, "200M": 200_000_000}
CHUNK = 10_000_000


def _peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _parent_pids() -> dict[int, int]:
    """Return pid -> parent pid for every process in ``/proc`` (those that vanish are skipped)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended while listing
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        parents[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    return parents


def process_tree(root: int) -> list[int]:
    """Return ``root`` and every process below it (children, their children, ...)."""
    children: dict[int, list[int]] = {}
    for pid, ppid in _parent_pids().items():
        children.setdefault(ppid, []).append(pid)
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def rss_kib(pid: int) -> int:
    """Return the resident memory (``VmRSS``) of ``pid`` in KiB; 0 when it is gone or has none."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # ended between listing and reading
        return 0
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0  # kernel threads and zombies have no VmRSS


class PeakTreeRss:
    """Peak of the summed RSS of a process tree, sampled in a background thread.

    Use as a context manager; ``peak_mib`` holds the largest sum seen (MiB). With
    ``include_root=False`` the root itself is left out (its children only: the JVM below the
    benchmark process).
    """

    def __init__(self, root: int, *, include_root: bool = True, interval: float = 0.2):
        self.root = root
        self.include_root = include_root
        self.interval = interval
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def peak_mib(self) -> float:
        return self.peak_kib / 1024

    def sample(self) -> int:
        """Return the tree's summed RSS now (KiB) and update the peak."""
        pids = process_tree(self.root)
        if not self.include_root:
            pids = [p for p in pids if p != self.root]
        total = sum(rss_kib(p) for p in pids)
        self.peak_kib = max(self.peak_kib, total)
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def start(self) -> PeakTreeRss:
        """Take a first sample and start sampling in the background."""
        self.sample()
        self._thread.start()
        return self

    def stop(self) -> float:
        """Stop sampling, take a last sample and return the peak (MiB)."""
        self._stop.set()
        self._thread.join()
        self.sample()
        return self.peak_mib

    def __enter__(self) -> PeakTreeRss:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def generate(n_rows: int, folder: Path) -> Path:
    """Write ``n_rows`` canonical lines as Parquet files in ``folder`` (cached by size)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    out = folder / f"tx_{n_rows}"
    done = out / "_done"
    if done.exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    start = np.datetime64("2022-01-01T00:00:00", "s")
    for i, lo in enumerate(range(0, n_rows, CHUNK)):
        n = min(CHUNK, n_rows - lo)
        rng = np.random.default_rng(i)
        n_customers = max(n // 10, 1)
        n_orders = max(n // 3, 1)
        weights = rng.gamma(0.6, 1.0, n_customers)
        order_customer = rng.choice(n_customers, size=n_orders, p=weights / weights.sum())
        first_day = rng.integers(0, 1095, n_customers)
        day = np.minimum(first_day[order_customer] + rng.exponential(120, n_orders), 1094)
        seconds = day.astype(np.int64) * 86400 + rng.integers(8 * 3600, 22 * 3600, n_orders)
        line_order = np.sort(rng.integers(0, n_orders, n))
        amount = np.round(rng.gamma(2.0, 12.0, n), 2)
        refund = rng.random(n) < 0.02
        amount[refund] = -amount[refund]
        cust = pa.array(order_customer[line_order] + lo // 10)
        order = pa.array(line_order + lo)
        table = pa.table(
            {
                "customer_id": pc.binary_join_element_wise("C", pc.cast(cust, pa.string()), ""),
                "order_id": pc.binary_join_element_wise("O", pc.cast(order, pa.string()), ""),
                "order_date": pa.array((start + seconds[line_order]).astype("datetime64[us]")),
                "amount": pa.array(amount),
            }
        )
        pq.write_table(table, out / f"part-{i:03d}.parquet", row_group_size=1_000_000)
        del table, cust, order, line_order, amount
    done.touch()
    return out


def run_in_memory(folder: str) -> dict:
    """The app's path today: everything in pandas."""
    import pandas as pd

    from analysis import clv, cohorts, overview, rfm

    t0 = time.perf_counter()
    tx = pd.read_parquet(folder)
    tx["customer_id"] = tx["customer_id"].astype("str")
    tx["order_id"] = tx["order_id"].astype("str")
    tx["order_date"] = tx["order_date"].astype("datetime64[ns]")
    overview.scorecard(tx)
    rfm.rfm_table(tx)
    cohorts.retention_matrix(tx, period="M")
    clv.clv_summary(tx)
    return {"seconds": time.perf_counter() - t0, "peak_mib": _peak_mib()}


def run_pushdown(folder: str, engine: str, memory_limit: str) -> dict:
    """The same figures computed by the engine; only small results come back."""
    import ibis

    from analysis import pushdown

    extra: dict = {}
    engine_rss = None
    t0 = time.perf_counter()
    if engine == "duckdb":
        spill = tempfile.mkdtemp(prefix="cf-duckdb-spill-")
        con = ibis.duckdb.connect(memory_limit=memory_limit, temp_directory=spill, threads=2)
        # The app owns this engine: compute the line-days once, then every figure reads them.
        table = pushdown.materialize(con.read_parquet(f"{folder}/*.parquet"))
    elif engine == "postgres":
        from urllib.parse import urlparse

        url = os.environ["CF_TEST_POSTGRES_URL"]
        postmaster = _postmaster_pid(url)
        with PeakTreeRss(postmaster) as load_rss:
            extra["load_seconds"] = _load_postgres(folder, url)
        extra["engine_load_peak_mib"] = load_rss.peak_mib
        engine_rss = PeakTreeRss(postmaster).start()
        t0 = time.perf_counter()  # loading is not part of the analysis
        parts = urlparse(url)
        con = ibis.postgres.connect(
            host=parts.hostname,
            port=parts.port or 5432,
            user=parts.username,
            password=parts.password,
            database=parts.path.lstrip("/") or "postgres",
        )
        table = con.table("cf_scale")
    elif engine == "spark":
        from pyspark.sql import SparkSession

        # every process below this one: the JVM the PySpark gateway starts
        engine_rss = PeakTreeRss(os.getpid(), include_root=False).start()
        spark = (
            SparkSession.builder.master("local[2]")
            .appName("customer-focus-scale")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.memory", "3g")
            .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="cf-spark-wh-"))
            .getOrCreate()
        )
        t0 = time.perf_counter()  # from a running session, as in the app
        con = ibis.pyspark.connect(spark)
        # Spark keeps timestamps in microseconds, as the files are written.
        spark.read.parquet(folder).createOrReplaceTempView("cf_scale")
        table = con.table("cf_scale")
    else:
        raise ValueError(f"unknown engine {engine!r}")
    pushdown.scorecard(table)
    pushdown.rfm_table(table)
    pushdown.retention_matrix(table, period="M")
    pushdown.clv_summary(table)
    result = {"seconds": time.perf_counter() - t0, "peak_mib": _peak_mib(), **extra}
    if engine_rss is not None:
        result["engine_peak_mib"] = engine_rss.stop()
    return result


def _postmaster_pid(url: str) -> int:
    """Return the pid of the PostgreSQL server at ``url`` (it must run on this machine)."""
    import psycopg

    with psycopg.connect(url) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        return _parent_pids()[backend]  # while the backend is still there


def _load_postgres(folder: str, url: str) -> float:
    """Copy the Parquet files into table ``cf_scale``; return the seconds it took."""
    import io

    import psycopg
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS cf_scale")
        conn.execute(
            "CREATE UNLOGGED TABLE cf_scale (customer_id text, order_id text,"
            " order_date timestamp, amount double precision)"
        )
        options = pacsv.WriteOptions(include_header=False)
        with conn.cursor() as cur, cur.copy("COPY cf_scale FROM STDIN (FORMAT csv)") as copy:
            for path in sorted(Path(folder).glob("*.parquet")):
                for batch in pq.ParquetFile(path).iter_batches(batch_size=500_000):
                    buffer = io.BytesIO()
                    pacsv.write_csv(batch, buffer, write_options=options)
                    copy.write(buffer.getvalue())
        conn.execute("ANALYZE cf_scale")
    return time.perf_counter() - t0


def _child(args: list[str]) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True
    )
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["killed"])[-1]
        return {"error": f"exit {proc.returncode}: {tail[:120]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _engine_memory(r: dict) -> str:
    """Return the engine's peak memory cell: its own processes', or "in process" (DuckDB)."""
    if "engine_peak_mib" not in r:
        return "in process"
    load = r.get("engine_load_peak_mib")
    return f"{r['engine_peak_mib']:,.0f}" + (f" (load {load:,.0f})" if load is not None else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1M,10M")
    parser.add_argument("--engines", default="duckdb")
    parser.add_argument("--memory-limit", default="3GB", help="DuckDB's memory_limit")
    parser.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "cf-scale"))
    parser.add_argument("--skip-in-memory-above", default="50M")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, folder, *rest = args.child
        result = run_in_memory(folder) if kind == "memory" else run_pushdown(folder, *rest)
        print(json.dumps(result))
        return

    folder = Path(args.dir)
    limit = SIZES[args.skip_in_memory_above]
    print("| lines | path | seconds | peak memory (MiB) | engine's peak memory (MiB) |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for label in args.sizes.split(","):
        n = SIZES[label]
        data = generate(n, folder)
        rows = []
        if n <= limit:
            rows.append(("in memory (pandas)", _child(["memory", str(data)])))
        else:
            rows.append(("in memory (pandas)", {"error": "not attempted (above the limit)"}))
        for engine in args.engines.split(","):
            rows.append(
                (f"push-down ({engine})", _child(["push", str(data), engine, args.memory_limit]))
            )
        for name, r in rows:
            if "error" in r:
                print(f"| {label} | {name} | {r['error']} | | |")
                continue
            load = f" (load {r['load_seconds']:.1f} s apart)" if "load_seconds" in r else ""
            print(
                f"| {label} | {name} | {r['seconds']:.1f}{load} | {r['peak_mib']:,.0f}"
                f" | {_engine_memory(r)} |"
            )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
