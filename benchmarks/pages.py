"""Every page of the app, for every example dataset and an uploaded 50,000-line file, timed.

Drives the app the way the page tests do (Streamlit's AppTest, ``app.py`` as entry point, pages
switched with ``at.switch_page``) and prints one table: per dataset, the time to load it (read,
prepare and render the default page, cold), then per page

- **first**: the first visit with the analysis caches cold (the data already loaded), i.e. the
  page as the first one a visitor opens after the data;
- **rerun**: the same page run again with nothing changed (what every click on a widget costs
  at least).

Every time is also given as a ratio to ``pd.read_csv(sample_data/online_retail.csv.gz,
dtype=str)`` measured in the same run (the median of several reads spread over the run), so
figures from a loaded machine stay comparable. The first visit's CPU time (user + system,
every thread of the process) is printed too: on a loaded machine it varies much less than the
wall time. It also counts how many order tables were really built during each visit
(``analysis.orders.order_tables_built``; an order table built again and again is shared work
not shared).

Usage::

    python benchmarks/pages.py                       # every dataset, every page
    python benchmarks/pages.py --datasets retail --pages value,patterns
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.runtime.pages_manager import PagesManager  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from benchmarks.load import visitor_file  # noqa: E402
from ui.data import EXAMPLES  # noqa: E402
from ui.navigation import available_pages  # noqa: E402

RETAIL = ROOT / "sample_data" / "online_retail.csv.gz"
TIMEOUT = 900
UPLOAD = "upload50k"

_pm_init = PagesManager.__init__


def _served_like(self, *args, **kwargs):
    # As in tests/conftest.py: run switched-to pages through app.py, like a served app does.
    _pm_init(self, *args, **kwargs)
    PagesManager.uses_pages_directory = False


PagesManager.__init__ = _served_like


class BuildCounter:
    """Counts the order tables really built (``analysis.orders.order_tables_built``)."""

    def __init__(self) -> None:
        self._seen = 0

    def install(self) -> None:
        from analysis.orders import order_tables_built

        self._seen = order_tables_built()

    def take(self) -> int:
        from analysis.orders import order_tables_built

        now = order_tables_built()
        n, self._seen = now - self._seen, now
        return n


def read_baseline() -> float:
    start = time.perf_counter()
    pd.read_csv(RETAIL, dtype=str)
    return time.perf_counter() - start


def cpu_seconds() -> float:
    """Return the CPU time (user + system, every thread) this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed_run(at: AppTest) -> tuple[float, str | None]:
    start = time.perf_counter()
    at.run(timeout=TIMEOUT)
    seconds = time.perf_counter() - start
    error = None
    if at.exception:
        error = str(at.exception[0].value)[:120]
    return seconds, error


def clear_analysis_caches() -> None:
    st.cache_data.clear()
    try:
        from ui import cache as ui_cache

        clear = getattr(ui_cache, "clear_shared", None)
        if clear is not None:
            clear()
    except ImportError:
        pass


def bench_dataset(name: str, pages: list, counter: BuildCounter, upload_path: Path | None):
    rows = []
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if name == UPLOAD:
        at.run(timeout=TIMEOUT)  # the default example first, as a visitor sees it
        at.file_uploader(key="upload_tx").set_value(
            (upload_path.name, upload_path.read_bytes(), "text/csv")
        )
    elif name != "shop":
        at.run(timeout=TIMEOUT)
        at.selectbox(key="dataset").set_value(name)
    counter.take()
    seconds, error = timed_run(at)
    rows.append((name, "(load + default page)", seconds, None, counter.take(), None, error, None))
    for spec in pages:
        clear_analysis_caches()
        at.switch_page(spec.path)
        counter.take()
        cpu_start = cpu_seconds()
        first, err1 = timed_run(at)
        prepare = next((b for b in at.button if b.key == "report_prepare"), None)
        if prepare is not None and not err1:
            # The report is computed when the visitor asks for it: time that click too.
            prepare.click()
            more, err1 = timed_run(at)
            first += more
        cpu = cpu_seconds() - cpu_start
        builds = counter.take()
        rerun, err2 = timed_run(at)
        rebuilds = counter.take()
        rows.append((name, spec.title, first, rerun, builds, rebuilds, err1 or err2, cpu))
        print(
            f"  {name:>10} {spec.title:<20} first {first:6.2f} s ({cpu:5.2f} s CPU), "
            f"rerun {rerun:6.2f} s, "
            f"order tables {builds}/{rebuilds}"
            + (f"  ERROR {err1 or err2}" if err1 or err2 else ""),
            flush=True,
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join([*EXAMPLES, UPLOAD]))
    parser.add_argument("--pages", default="", help="page file stems, e.g. value,patterns")
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args(argv)

    wanted = [p for p in args.pages.split(",") if p]
    pages = [p for p in available_pages() if not wanted or Path(p.path).stem in wanted]
    datasets = [d for d in args.datasets.split(",") if d]
    upload_path = None
    if UPLOAD in datasets:
        upload_path = Path(tempfile.mkdtemp(prefix="cf-pages-")) / "upload_50k.csv"
        visitor_file(upload_path, 0, args.rows)

    counter = BuildCounter()
    counter.install()

    reads = [read_baseline() for _ in range(3)]
    rows = []
    for name in datasets:
        st.cache_resource.clear()
        rows.extend(bench_dataset(name, pages, counter, upload_path))
        reads.append(read_baseline())
    base = statistics.median(reads)

    print()
    print(
        f"Baseline pd.read_csv(online_retail.csv.gz, dtype=str): median {base:.3f} s "
        f"of {len(reads)} reads ({min(reads):.3f}-{max(reads):.3f} s)"
    )
    print()
    print(
        "| Dataset | Page | First visit s | x read | First visit CPU s | Rerun s | x read "
        "| Order tables built |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    worst_rerun, worst_first_retail = 0.0, 0.0
    failed = False
    for name, title, first, rerun, builds, rebuilds, error, cpu in rows:
        rr = "" if rerun is None else f"{rerun:.2f}"
        rx = "" if rerun is None else f"{rerun / base:.1f}"
        built = f"{builds}" if rebuilds is None else f"{builds} / {rebuilds}"
        note = f" ERROR: {error}" if error else ""
        print(
            f"| {name} | {title} | {first:.2f} | {first / base:.1f} | "
            f"{'' if cpu is None else f'{cpu:.2f}'} | {rr} | {rx} | {built}{note} |"
        )
        failed |= error is not None
        if rerun is not None:
            worst_rerun = max(worst_rerun, rerun / base)
            if name == "retail":
                worst_first_retail = max(worst_first_retail, first / base)
    print()
    print(
        f"Worst rerun: {worst_rerun:.2f} reads (target <= 1); worst first visit on Online "
        f"Retail: {worst_first_retail:.2f} reads (target <= 4)."
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
