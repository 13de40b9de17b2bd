"""Extreme amounts never make an analysis fail: the one rule for floating-point edge cases.

Amounts reach the analyses as finite float64 (the reader sets aside cells it cannot read, and
``inf``), but a file can still hold amounts like ``1e300``: their sums overflow to ``inf``, and
``inf - inf`` gives ``nan``. The analyses compute in float all the same (no amount is refused):
figures that overflow show as infinite or "n/a", and :func:`analysis.overview.scorecard_insights`
says why. What must never happen is an error, whatever ``np.seterr`` says; so every page-level
function runs with numpy's floating-point warnings off (:func:`float_safe`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import TypeVar

import numpy as np

__all__ = ["LARGEST_PLAUSIBLE_AMOUNT", "float_safe", "make_float_safe", "largest_amount"]

F = TypeVar("F", bound=Callable)

LARGEST_PLAUSIBLE_AMOUNT = 1e15
"""Amounts at least this large (in absolute value) are flagged: a float64 no longer holds cents
there, and a few of them can overflow a sum."""


def float_safe(func: F) -> F:
    """``func`` run with numpy's overflow, invalid, divide and underflow warnings off.

    Parameters
    ----------
    func : callable
        A function computing in float64.

    Returns
    -------
    callable
        The same function (name, docstring and signature kept), which never raises
        ``FloatingPointError`` nor warns because of ``inf``/``nan`` arithmetic, even under
        ``np.seterr(all="raise")``.
    """
    if getattr(func, "__float_safe__", False):
        return func

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with np.errstate(all="ignore"):
            return func(*args, **kwargs)

    wrapper.__float_safe__ = True
    return wrapper  # type: ignore[return-value]


def make_float_safe(namespace: dict, names: Iterable[str]) -> None:
    """Replace each function named in ``names`` by its :func:`float_safe` version.

    ``namespace`` is a module's ``globals()``; classes and constants are left alone.
    """
    for name in names:
        obj = namespace.get(name)
        if inspect.isfunction(obj):
            namespace[name] = float_safe(obj)


def largest_amount(amounts) -> float:
    """Largest absolute finite amount (0.0 when there is none).

    Parameters
    ----------
    amounts : array-like of float
        Line amounts, file's currency.
    """
    a = np.asarray(amounts, dtype=np.float64)
    a = np.abs(a[np.isfinite(a)])
    return float(a.max()) if len(a) else 0.0
