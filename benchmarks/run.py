"""Run every benchmark case on synthetic data in one process and print a table of ratios.

Usage::

    pip install -r benchmarks/requirements.txt
    python benchmarks/run.py                      # 100k, 1M and 5M rows, every case
    python benchmarks/run.py --sizes 100k,1M --only rfm

Each ``benchmarks/bench_<name>.py`` module with a ``cases(tx)`` function is a case group: it
returns ``{label: callable}``, its first entry being ours and the rest baselines on the same
data. Times are the best of ``--repeat`` runs; peak memory is the growth of the process's peak
resident set (VmHWM, reset before each run), so it counts numpy, DuckDB and Polars alike.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import pkgutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.synth import synthetic_transactions  # noqa: E402

SIZES = {"100k": 100_000, "1M": 1_000_000, "5M": 5_000_000}


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def measure(fn, repeat: int) -> tuple[float, float]:
    """Best wall time in seconds and peak memory growth in MiB over ``repeat`` runs."""
    best = float("inf")
    peak = 0.0
    for _ in range(repeat):
        gc.collect()
        base = _rss_kib("VmRSS")
        _reset_peak()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
        peak = max(peak, (_rss_kib("VmHWM") - base) / 1024)
    return best, peak


def discover(only: set[str] | None) -> dict[str, object]:
    groups = {}
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if not info.name.startswith("bench_"):
            continue
        name = info.name.removeprefix("bench_")
        if only and name not in only:
            continue
        module = importlib.import_module(f"benchmarks.{info.name}")
        if hasattr(module, "cases"):
            groups[name] = module
    return groups


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100k,1M,5M")
    parser.add_argument("--only", default="", help="comma-separated case groups (e.g. rfm,cohorts)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    groups = discover(set(filter(None, args.only.split(","))) or None)
    print(
        f"{'rows':>6} {'group':<10} {'implementation':<34} {'seconds':>9} {'peak MiB':>9} {'ours vs':>8}"
    )
    for size_label in args.sizes.split(","):
        tx = synthetic_transactions(SIZES[size_label])
        for name, module in groups.items():
            cases = module.cases(tx)
            results = {}
            for label, fn in cases.items():
                results[label] = measure(fn, args.repeat)
            ours = next(iter(results.values()))[0]
            for label, (secs, peak) in results.items():
                ratio = secs / ours if ours > 0 else float("nan")
                print(
                    f"{size_label:>6} {name:<10} {label:<34} {secs:9.3f} {peak:9.1f} {ratio:7.1f}x",
                    flush=True,
                )
            if hasattr(module, "check"):
                module.check(tx)
        del tx
        gc.collect()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
