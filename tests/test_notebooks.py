"""The teaching notebooks in ``notebooks/`` run from top to bottom without an error.

Each notebook is executed with nbclient in a fresh ``python3`` kernel (the Python running the
tests, which ipykernel registers), with the notebook's own folder as the working directory, the
way JupyterLab and VS Code open it. The stored copies are checked too: executed, free of error
outputs, small, and using only the public names of the ``analysis`` package.

Refresh the stored outputs after changing a notebook (or the analysis it shows) with
``python tests/test_notebooks.py`` (all of them) or ``python tests/test_notebooks.py 02_rfm``.
"""

from __future__ import annotations

import ast
import asyncio
import importlib
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
EXPECTED = [
    "01_importing_a_messy_file",
    "02_rfm_segments",
    "03_cohort_retention",
    "04_customer_value",
    "05_feedback_nps_and_themes",
    "06_baskets_and_recommendations",
]
CELL_TIMEOUT = 300  # seconds per cell: generous, the CI machine may be shared and loaded
MAX_NOTEBOOK_BYTES = 1_000_000


def notebook_paths() -> list[Path]:
    return sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def _client(nb: nbformat.NotebookNode, path: Path) -> NotebookClient:
    return NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        startup_timeout=180,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )


def execute(path: Path) -> nbformat.NotebookNode:
    """Run every cell of the notebook at ``path`` in a new kernel; return the executed copy."""
    nb = nbformat.read(path, as_version=4)
    _client(nb, path).execute()
    return nb


async def _execute_all(paths: list[Path], workers: int) -> dict[Path, object]:
    """Execute the notebooks, ``workers`` kernels at a time; an executed copy or the error each.

    One extra cell runs after each notebook's own: it prints the kernel's Python, which must be
    this test's (a kernel from another environment could pass or fail for reasons of its own).
    """
    slots = asyncio.Semaphore(workers)

    async def run(path: Path) -> object:
        nb = nbformat.read(path, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.executable)"))
        async with slots:
            try:
                await _client(nb, path).async_execute()
            except Exception as err:  # reported by the test of that notebook
                return err
        return nb

    results = await asyncio.gather(*(run(p) for p in paths))
    return dict(zip(paths, results, strict=True))


@pytest.fixture(scope="module")
def executed(request) -> dict[Path, object]:
    """Every selected notebook executed once, in parallel kernels (the CI machine has 2 cores)."""
    selected = [
        item.callspec.params["path"]
        for item in request.session.items
        if item.originalname == "test_notebook_runs_without_error"
    ]
    # In a thread of its own: another fixture of the session may hold an event loop in this one
    # (Playwright's sync API does, for the browser tests).
    work = _execute_all(selected, workers=min(2, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, work).result()


def test_every_method_has_a_notebook():
    assert [p.stem for p in notebook_paths()] == EXPECTED


@pytest.mark.slow
@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_notebook_runs_without_error(path, executed):
    result = executed[path]
    if isinstance(result, CellExecutionError):  # its message holds the cell and the traceback
        pytest.fail(f"{path.name} failed:\n{result}")
    if isinstance(result, Exception):
        raise result
    kernel_python = result.cells[-1].outputs[0]["text"].strip()
    assert Path(kernel_python).resolve() == Path(sys.executable).resolve()


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_stored_notebook_is_executed_small_and_error_free(path):
    assert path.stat().st_size < MAX_NOTEBOOK_BYTES
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and [c.execution_count for c in code] == list(range(1, len(code) + 1))
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []
    assert sum(c.cell_type == "markdown" for c in nb.cells) >= len(code) / 2  # it teaches


def _public_names_used(source: str) -> list[tuple[str, str]]:
    """(module, attribute) pairs for ``from analysis import m`` followed by ``m.attribute``."""
    tree = ast.parse(source)
    modules: dict[str, str] = {}
    pairs = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("analysis"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                try:
                    importlib.import_module(full)
                except ImportError:  # a name from the module, not a submodule
                    pairs.append((node.module, alias.name))
                else:
                    modules[alias.asname or alias.name] = full
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            pairs.append((modules[node.value.id], node.attr))
    return pairs


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_notebook_uses_only_the_public_api(path):
    nb = nbformat.read(path, as_version=4)
    source = "\n".join(
        c.source for c in nb.cells if c.cell_type == "code" and not c.source.startswith("%")
    )
    pairs = _public_names_used(source)
    assert pairs, "the notebook should use the analysis package"
    private = []
    for module_name, attr in pairs:
        module = importlib.import_module(module_name)
        public = getattr(module, "__all__", None)
        if attr.startswith("_") or (public is not None and attr not in public):
            private.append(f"{module_name}.{attr}")
    assert private == []


def _refresh(names: list[str]) -> None:
    """Execute the notebooks (all, or those whose names start with one of ``names``) in place."""
    for path in notebook_paths():
        if names and not any(path.stem.startswith(n) for n in names):
            continue
        start = time.perf_counter()
        nb = execute(path)
        nbformat.write(nb, path)
        print(f"{path.name}: {time.perf_counter() - start:.1f} s, {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    _refresh(sys.argv[1:])
