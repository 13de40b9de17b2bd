"""One thread-pool controller for the process: limits without rescanning the libraries.

``threadpoolctl.threadpool_limits(...)`` looks up every loaded native library (BLAS, OpenMP)
on each call, milliseconds each time on a server with many libraries loaded. The controller
made here finds them once; :func:`one_thread` limits through it.
"""

from __future__ import annotations

from functools import cache

from threadpoolctl import ThreadpoolController

__all__ = ["one_thread", "threadpool_controller"]


@cache
def threadpool_controller() -> ThreadpoolController:
    """Return the process's thread-pool controller, made once (finding the libraries is slow)."""
    return ThreadpoolController()


def one_thread(user_api: str):
    """Return a context that holds the ``user_api`` libraries ("blas", "openmp") to one thread.

    The controller is made again when it knows no library of ``user_api`` (one loaded after
    it was made, such as scikit-learn's OpenMP runtime imported later).
    """
    controller = threadpool_controller()
    if not controller.select(user_api=user_api).lib_controllers:
        threadpool_controller.cache_clear()
        controller = threadpool_controller()
    return controller.limit(limits=1, user_api=user_api)
