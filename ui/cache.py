"""Cached wrappers around the analysis functions.

``compute(func, ds, **kwargs)`` caches ``func``'s result across reruns and sessions, keyed by
the function's dotted name, the dataset's key (a sha256 of the full data and import settings)
and the keyword arguments. The data itself is passed unhashed (``_payload``): Streamlit would
otherwise hash a sample of large frames, and two different uploads could collide.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

import streamlit as st

from ui.data import Dataset

# Bounded: at most this many results, each dropped an hour after it was made (the load benchmark
# shortens the time-to-live through the environment to watch memory come back).
CACHE_ENTRIES = 128
CACHE_TTL_SECONDS = int(os.environ.get("CUSTOMER_FOCUS_CACHE_TTL", "3600"))


def _resolve(name: str) -> Callable:
    module, _, qualname = name.rpartition(":")
    if not module.startswith("analysis."):
        raise ValueError(f"Only analysis functions can be cached, not {name!r}")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


@st.cache_data(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def _compute(name: str, key: str, data: str, kwargs: dict, _payload: tuple) -> Any:
    return _resolve(name)(*_payload, **kwargs)


def compute(func: Callable, ds: Dataset, *, data: str = "tx", **kwargs) -> Any:
    """Run ``func`` on the dataset's table(s) through a bounded cross-session cache.

    Parameters
    ----------
    func : callable
        A public function of the ``analysis`` package.
    ds : Dataset
        The session's dataset; ``ds.key`` identifies its full content and settings.
    data : {"tx", "responses", "both"}
        Which table(s) to pass as positional arguments.
    **kwargs
        Settings; they are part of the cache key.
    """
    payload = {
        "tx": (ds.tx,),
        "responses": (ds.responses,),
        "both": (ds.tx, ds.responses),
    }[data]
    name = f"{func.__module__}:{func.__qualname__}"
    return _compute(name, ds.key, data, kwargs, _payload=payload)
