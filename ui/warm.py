"""Load the app's code once per server process and keep it out of the garbage collector's way.

A full garbage collection walks every object the process tracks, and most of them are the code
of pandas, Altair, scikit-learn, SciPy, Ibis and this app: about 190,000 objects, 0.1 s of CPU
each time. Streamlit runs one after every script run (``runner.postScriptGC``, which
``.streamlit/config.toml`` switches off, since its cost also grows with every live session),
and Python runs them on its own as objects accumulate. Those objects live as long as the
process does, so :func:`preload` imports them on the first run and moves them to the permanent
generation (:func:`gc.freeze`): later collections skip them, while the garbage of visitors'
sessions is still collected.
"""

from __future__ import annotations

import gc
import importlib
import threading

__all__ = ["MODULES", "preload"]

#: What the pages import (page files are executed, not imported, so their imports run on the
#: first visit of each page): every analysis package, the chart builders, and the engines' layer
#: (Ibis), which "Connect your data" imports for every visitor who opens it.
MODULES = (
    "analysis.actions",
    "analysis.charts.cohorts",
    "analysis.charts.feedback",
    "analysis.charts.overview",
    "analysis.charts.patterns",
    "analysis.charts.rfm",
    "analysis.charts.value",
    "analysis.churn",
    "analysis.clv",
    "analysis.cohorts",
    "analysis.export",
    "analysis.feedback",
    "analysis.ingest",
    "analysis.nonproduct",
    "analysis.overview",
    "analysis.patterns",
    "analysis.profile",
    "analysis.pushdown",
    "analysis.reconcile",
    "analysis.report",
    "analysis.rfm",
    "ui.cache",
    "ui.connection",
    "ui.engine",
)

_lock = threading.Lock()
_done = False


def preload(modules: tuple[str, ...] = MODULES) -> bool:
    """Import ``modules`` and freeze every object alive, once per process.

    Parameters
    ----------
    modules : tuple of str
        Dotted module names to import first.

    Returns
    -------
    bool
        True on the call that did the work, False on every later call (which costs a flag test).
    """
    global _done
    if _done:
        return False
    with _lock:
        if _done:
            return False
        for name in modules:
            importlib.import_module(name)
        gc.collect()
        gc.freeze()
        _done = True
        return True
