import sklearn.ensemble  # noqa: F401  (loads the OpenMP runtime)
from threadpoolctl import threadpool_info

from analysis.core.threads import one_thread, threadpool_controller


def _openmp_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "openmp"]


def test_one_thread_limits_openmp_and_restores():
    before = _openmp_threads()
    assert before, "scikit-learn's OpenMP runtime should be loaded"
    with one_thread("openmp"):
        assert _openmp_threads() == [1] * len(before)
    assert _openmp_threads() == before


def test_controller_is_made_once():
    assert threadpool_controller() is threadpool_controller()


def test_controller_made_again_when_it_misses_the_api(monkeypatch):
    threadpool_controller.cache_clear()
    first = threadpool_controller()
    monkeypatch.setattr(first, "lib_controllers", [])
    with one_thread("openmp"):
        assert _openmp_threads() and set(_openmp_threads()) == {1}
    assert threadpool_controller() is not first
