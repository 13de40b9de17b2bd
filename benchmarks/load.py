"""Proof under load: many visitors at once, each with their own upload, in real headless Chromium.

Starts the app on a loopback port and, for 1, 5, 10 and 25 concurrent browser sessions (one
Chromium, a context per visitor), has every visitor open the app, upload its own 50,000-row file
and visit every page. It reports, per level:

- time from upload to the last page rendered (p50, p95) and errors;
- the server's CPU time (user + system, all its threads, from ``/proc/<pid>/stat``) spent on
  the level, in total and per visitor: on a loaded machine the wall times vary, the CPU a
  visitor costs much less;
- the health endpoint's response time while the others parse (p50, p95, max);
- whether every visitor saw its own data (its customer count on the overview, after visiting
  every page);
- the server's resident memory after all sessions closed and their time-to-live passed, per
  round: it must not keep growing.

Loopback only, bounded in count and time. Usage::

    python benchmarks/load.py                  # levels 1,5,10,25, 2 rounds
    python benchmarks/load.py --levels 1,5 --rounds 1 --rows 20000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, serve_app  # noqa: E402
from ui.navigation import available_pages  # noqa: E402

SESSION_TTL = 5  # seconds a disconnected session is kept (server.disconnectedSessionTTL)
CACHE_TTL = 20  # seconds a cached result lives (CUSTOMER_FOCUS_CACHE_TTL)
VISITOR_TIMEOUT = 600  # seconds one visitor may take at most


def visitor_file(path: Path, visitor: int, n_rows: int) -> int:
    """Write a shop export with a customer count unique to this visitor; return that count."""
    rng = np.random.default_rng(visitor)
    n_customers = 2_000 + 37 * visitor
    customers = np.concatenate(
        [np.arange(n_customers), rng.integers(0, n_customers, n_rows - n_customers)]
    )
    days = np.datetime64("2023-01-01") + rng.integers(0, 730, n_rows)
    amounts = rng.gamma(2.0, 15.0, n_rows)
    categories = np.array(["Coffee", "Tea", "Gifts", "Accessories"])[rng.integers(0, 4, n_rows)]
    channels = np.array(["Web", "App", "Marketplace"])[customers % 3]
    with path.open("w") as f:
        f.write("Customer;Date;Order;Category;Channel;Product;Amount\n")
        for i in range(n_rows):
            f.write(
                f"V{visitor}-{customers[i]};{days[i]};O{i};{categories[i]};{channels[i]};"
                f"P{i % 50};{amounts[i]:.2f}\n"
            )
    return n_customers


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system, every thread) the process ``pid`` has used so far."""
    # /proc/<pid>/stat: the fields after the command name "(...)"; utime and stime are the
    # 14th and 15th fields, in clock ticks.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


async def run_visitor(
    browser, url: str, csv: Path, expected: int, pages: list[str], verbose: bool = False
) -> dict:
    context = await browser.new_context(viewport={"width": 1300, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(VISITOR_TIMEOUT * 1000)
    result = {"ok": False, "error": None, "seconds": None}
    try:
        await page.goto(url)
        await page.wait_for_selector("h1")  # the app is up (its default page)
        await page.get_by_role("link", name="Overview").first.click()
        await page.wait_for_selector('h1:has-text("Overview")')
        await page.get_by_text("Use your own data").click()
        start = time.perf_counter()
        await page.locator('input[type="file"]').first.set_input_files(str(csv))
        value = page.locator('[data-testid="stMetric"]').filter(has_text="Customers").first
        await page.wait_for_function(
            "n => [...document.querySelectorAll('[data-testid=stMetric]')].some("
            "m => m.innerText.includes('Customers') && m.innerText.includes(n))",
            arg=f"{expected:,}",
        )
        for title in pages:
            before = page.url
            await page.get_by_role("link", name=title).first.click()
            await page.wait_for_function("u => location.href !== u", arg=before)
            await page.wait_for_function(
                "() => document.querySelector('h1') && !document.querySelector("
                "'[data-testid=stStatusWidget]')"
            )
            await (
                page.locator(
                    '[data-testid="stMetric"], .vega-embed, [data-testid="stDataFrame"], '
                    '[data-testid="stAlert"], [data-testid="stButton"]'
                )
                .locator("visible=true")
                .first.wait_for()
            )
            if verbose:
                print(f"      {title}: {time.perf_counter() - start:.1f} s", flush=True)
            if await page.locator('[data-testid="stException"]').count():
                raise RuntimeError(f"exception box on {title}")
        result["seconds"] = time.perf_counter() - start
        # Back on the overview: still this visitor's own data?
        await page.get_by_role("link", name="Overview").first.click()
        text = await value.inner_text()
        result["ok"] = f"{expected:,}" in text
        if not result["ok"]:
            result["error"] = f"saw {text!r}, expected {expected:,} customers"
    except Exception as exc:  # a load test reports failures, it does not stop at the first
        result["error"] = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        await context.close()
    return result


async def probe_health(url: str, stop: asyncio.Event, samples: list[float]) -> None:
    loop = asyncio.get_running_loop()

    def one() -> float:
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=30) as r:
                r.read()
        except (TimeoutError, urllib.error.URLError):  # no answer in 30 s: counted as 30 s+
            pass
        return time.perf_counter() - start

    while not stop.is_set():
        samples.append(await loop.run_in_executor(None, one))
        await asyncio.sleep(0.25)


async def run_level(browser, url, files, expected, pages, n, pid: int) -> dict:
    stop = asyncio.Event()
    cpu_start = cpu_seconds(pid)
    health: list[float] = []
    prober = asyncio.create_task(probe_health(url, stop, health))
    start = time.perf_counter()
    results = await asyncio.wait_for(
        asyncio.gather(
            *(run_visitor(browser, url, files[i], expected[i], pages) for i in range(n))
        ),
        timeout=VISITOR_TIMEOUT + 60,
    )
    wall = time.perf_counter() - start
    cpu = cpu_seconds(pid) - cpu_start
    stop.set()
    await prober
    times = [r["seconds"] for r in results if r["seconds"] is not None]
    return {
        "n": n,
        "wall": wall,
        "cpu": cpu,
        "p50": pct(times, 50),
        "p95": pct(times, 95),
        "errors": [r["error"] for r in results if r["error"]],
        "own_data": sum(r["ok"] for r in results),
        "health_p50": pct(health, 50) * 1000,
        "health_p95": pct(health, 95) * 1000,
        "health_max": max(health) * 1000 if health else float("nan"),
    }


async def main_async(args) -> int:
    from playwright.async_api import async_playwright

    levels = [int(x) for x in args.levels.split(",")]
    pages = [p.title for p in available_pages() if p.path != "app_pages/overview.py"]
    tmp = Path(tempfile.mkdtemp(prefix="cf-load-"))
    files, expected = [], []
    for i in range(max(levels)):
        path = tmp / f"visitor_{i}.csv"
        expected.append(visitor_file(path, i, args.rows))
        files.append(path)
    print(f"{max(levels)} visitor files of {args.rows:,} rows each; pages: {', '.join(pages)}")
    env = {"CUSTOMER_FOCUS_CACHE_TTL": str(args.cache_ttl)}
    extra = ("--server.disconnectedSessionTTL", str(SESSION_TTL))
    failed = False
    with serve_app(*extra, env=env) as (url, proc, _log):
        baseline = rss_mib(proc.pid)
        print(f"server RSS at start: {baseline:.0f} MiB")
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            header = (
                f"{'round':>5} {'visitors':>8} {'p50 s':>7} {'p95 s':>7} {'wall s':>7} "
                f"{'errors':>6} {'own data':>8} {'health p50/p95/max ms':>22} {'RSS after MiB':>13} "
                f"{'server CPU s':>12} {'CPU s/visitor':>13}"
            )
            print(header)
            after_rounds = []
            for rnd in range(1, args.rounds + 1):
                for n in levels:
                    r = await run_level(browser, url, files, expected, pages, n, proc.pid)
                    await asyncio.sleep(SESSION_TTL + args.cache_ttl + 5)
                    rss = rss_mib(proc.pid)
                    print(
                        f"{rnd:>5} {n:>8} {r['p50']:7.1f} {r['p95']:7.1f} {r['wall']:7.1f} "
                        f"{len(r['errors']):>6} {r['own_data']:>4}/{n:<3} "
                        f"{r['health_p50']:7.0f}/{r['health_p95']:5.0f}/{r['health_max']:6.0f} "
                        f"{rss:13.0f} {r['cpu']:12.1f} {r['cpu'] / n:13.1f}",
                        flush=True,
                    )
                    for e in r["errors"][:3]:
                        print(f"      error: {e}")
                    failed |= bool(r["errors"]) or r["own_data"] != n
                after_rounds.append(rss_mib(proc.pid))
            await browser.close()
    growth = after_rounds[-1] - after_rounds[0] if len(after_rounds) > 1 else 0.0
    print(
        "server RSS after each round (MiB): "
        + ", ".join(f"{x:.0f}" for x in after_rounds)
        + f"; growth from first to last round: {growth:+.0f} MiB"
    )
    if len(after_rounds) > 1 and growth > 0.25 * statistics.mean(after_rounds):
        print("memory kept growing between rounds")
        failed = True
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,5,10,25")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument(
        "--cache-ttl",
        type=int,
        default=CACHE_TTL,
        help="seconds a cached result lives (short, to see the memory come back after a level; "
        "a visit longer than this computes expired results again)",
    )
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
