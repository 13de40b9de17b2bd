"""Load benchmark of the one door data comes in by: the full Online Retail file as plain CSV.

Usage::

    python benchmarks/bench_ingest.py [--repeat 3] [--limit 8]

Decompresses ``sample_data/online_retail.csv.gz`` (541,909 rows, ~45 MB as CSV) to a temporary
file, then times, in this one process and best of ``--repeat`` runs each:

* baseline: ``pd.read_csv(path, dtype=str)``
* ours: ``read_table(path)`` followed by ``prepare_transactions(raw)`` (detection included)

and prints the ratio (the goal: at most ``--limit``, 8 by default; the exit code is 1 above it),
the peak resident memory of each measured in a fresh subprocess (``ru_maxrss``), and the
counts the load produced (rows, used, rejected by reason). No ``cases()`` function, so
``benchmarks/run.py`` (synthetic-data cases) skips this module.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "sample_data" / "online_retail.csv.gz"

_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
import pandas as pd
from analysis.ingest import prepare_transactions, read_table


def peak_kib():
    # VmHWM is reset by exec; ru_maxrss would include the parent's peak at fork time
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


path, which = sys.argv[2], sys.argv[3]
base = peak_kib()
t = time.perf_counter()
if which == "baseline":
    pd.read_csv(path, dtype=str)
else:
    prepare_transactions(read_table(path))
secs = time.perf_counter() - t
peak = peak_kib()
print(json.dumps({"peak_mib": peak / 1024, "growth_mib": (peak - base) / 1024, "secs": secs}))
"""


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _peak(path: Path, which: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(ROOT), str(path), which],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=float, default=8.0)
    args = parser.parse_args(argv)
    if not SOURCE.exists():
        print(f"{SOURCE} is missing; nothing to benchmark.")
        return 2
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import pandas as pd

    from analysis.ingest import prepare_transactions, read_table

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "online_retail.csv"
        with gzip.open(SOURCE, "rb") as src, open(path, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        size_mb = path.stat().st_size / 1e6

        result = {}

        def ours() -> None:
            raw = read_table(path)
            result["prepared"] = prepare_transactions(raw)

        def baseline() -> None:
            pd.read_csv(path, dtype=str)

        ours()  # warm-up (imports, page cache)
        baseline()
        t_base = _best(baseline, args.repeat)
        t_ours = _best(ours, args.repeat)
        t_read = _best(lambda: read_table(path), args.repeat)
        ratio = t_ours / t_base
        mem_base = _peak(path, "baseline")
        mem_ours = _peak(path, "ours")

    p = result["prepared"]
    rep = p.report
    print(f"file: online_retail.csv ({size_mb:.1f} MB, {rep['rows_read']:,} rows)")
    print(f"pd.read_csv(path, dtype=str)               {t_base:7.3f} s  (best of {args.repeat})")
    print(f"read_table(path)                           {t_read:7.3f} s")
    print(f"read_table + prepare_transactions          {t_ours:7.3f} s")
    print(f"ratio (ours / read_csv)                    {ratio:7.2f} x  (limit {args.limit:g} x)")
    print(
        f"peak RSS (fresh processes, after imports -> peak): read_csv "
        f"+{mem_base['growth_mib']:.0f} MiB (peak {mem_base['peak_mib']:.0f}), ours "
        f"+{mem_ours['growth_mib']:.0f} MiB (peak {mem_ours['peak_mib']:.0f})"
    )
    print(
        f"rows read {rep['rows_read']:,}, used {rep['rows_used']:,}, "
        f"rejected {rep['rows_rejected']:,} {rep['rejected_by_reason']}"
    )
    print(
        f"customers {rep['customers']:,}, orders {rep['orders']:,}, refund lines "
        f"{rep['refund_lines']:,}, zero-amount lines {rep['zero_amount_lines']:,}, "
        f"duplicate lines {rep['duplicate_lines']:,}"
    )
    print(f"mapping: {p.mapping}")
    return 0 if ratio <= args.limit else 1


if __name__ == "__main__":
    raise SystemExit(main())
