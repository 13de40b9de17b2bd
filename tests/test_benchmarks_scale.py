"""benchmarks/scale.py: the /proc sampler that measures an engine's own memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.scale import PeakTreeRss, process_tree, rss_kib

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="reads /proc (Linux)"
)

HOLD_MIB = 64


@pytest.fixture
def child():
    """A child process holding HOLD_MIB of written memory until it is ended."""
    code = (
        f"import sys, time; b = b'x' * ({HOLD_MIB} * 2**20); print('ready', flush=True); "
        "time.sleep(60)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    yield proc
    proc.kill()
    proc.wait()


def test_the_tree_and_the_peak_hold_the_child(child) -> None:
    assert child.pid in process_tree(os.getpid())
    assert process_tree(child.pid) == [child.pid]  # it has no children of its own
    held = rss_kib(child.pid)
    assert held >= HOLD_MIB * 1024
    with PeakTreeRss(child.pid, interval=0.02) as own:
        time.sleep(0.1)
    assert HOLD_MIB <= own.peak_mib <= held / 1024 + 16  # the child's memory, nothing else
    # This process's children (the child, and whatever else the test run started, such as a
    # Spark JVM) without this process, then with it.
    with PeakTreeRss(os.getpid(), include_root=False, interval=0.02) as below:
        time.sleep(0.1)
    with PeakTreeRss(os.getpid(), interval=0.02) as whole:
        time.sleep(0.1)
    assert below.peak_kib >= held
    assert whole.peak_kib >= held + rss_kib(os.getpid()) // 2


def test_a_process_that_is_gone_counts_nothing(child) -> None:
    pid = child.pid
    child.kill()
    child.wait()
    assert rss_kib(pid) == 0
    sampler = PeakTreeRss(pid, interval=0.02).start()
    assert sampler.stop() == 0.0
