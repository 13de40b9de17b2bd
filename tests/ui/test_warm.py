"""ui.warm: the app's code is loaded once and kept out of every later garbage collection."""

import subprocess
import sys

from tests.paths import ROOT

SCRIPT = """
import gc, time
import ui.warm as warm
for name in warm.MODULES:
    __import__(name)
def collect_cpu():
    best = float("inf")
    for _ in range(5):
        t = time.process_time(); gc.collect(2); best = min(best, time.process_time() - t)
    return best
before = collect_cpu()
first, second = warm.preload(), warm.preload()
after = collect_cpu()
print(first, second, gc.get_freeze_count() > 100_000, after / before)
"""


def test_preload_freezes_the_loaded_code_once_and_collections_get_cheap():
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    first, second, many_frozen, ratio = out[0], out[1], out[2], float(out[3])
    assert (first, second, many_frozen) == ("True", "False", "True")
    # A full collection walked every module's objects before; now it skips them.
    assert ratio < 0.2
