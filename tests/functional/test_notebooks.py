"""The notebooks in ``notebooks/`` run top to bottom and are committed with their outputs.

Each notebook reads ``FLYSIM_NOTEBOOK_RUNS`` for its number of runs (and the
sensitivity notebook shrinks its samples when it is small), so the suite runs
every one in a real Jupyter kernel in quick mode: a cell that raises fails the
test with that cell's traceback (nbclient's ``CellExecutionError``). The
committed files are read, executed in memory and never written back.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.functional

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
#: Runs per scenario in quick mode; the notebooks read it from the environment.
QUICK_RUNS = 20
#: Every cell gets this long; a quick-mode notebook takes seconds in total.
CELL_TIMEOUT_S = 300
#: The notebooks the issues ask for, by a word of their file names.
KINDS = (
    "quickstart",
    "three-stacks",
    "funnel-vs-flywheel",
    "sensitivity",
    "budget-shift",
    "uncertain-inputs",
)
#: Committed notebooks embed PNGs; keep them readable on a code host.
MAX_BYTES = 1_500_000


def _ids(path: Path) -> str:
    return path.stem


def _code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def _snapshot(*folders: Path) -> set[Path]:
    return {p for folder in folders if folder.is_dir() for p in folder.rglob("*")}


def test_there_is_a_notebook_of_each_kind():
    names = [path.stem for path in NOTEBOOKS]
    missing = [kind for kind in KINDS if not any(kind in name for name in names)]
    assert not missing, f"no notebook named after {missing} in {NOTEBOOK_DIR} (found {names})"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_notebook_runs_in_quick_mode(path: Path, monkeypatch: pytest.MonkeyPatch):
    # The kernel inherits this process's environment.
    monkeypatch.setenv("FLYSIM_NOTEBOOK_RUNS", str(QUICK_RUNS))
    nb = nbformat.read(path, as_version=4)
    before = _snapshot(NOTEBOOK_DIR, REPO / "results")
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on the first error

    setup_output = "".join(o.get("text", "") for o in _code_cells(nb)[0].outputs)
    assert f"{QUICK_RUNS} runs" in setup_output, "the setup cell did not read FLYSIM_NOTEBOOK_RUNS"
    created = _snapshot(NOTEBOOK_DIR, REPO / "results") - before
    assert not created, f"running {path.name} wrote into the repository: {sorted(created)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_committed_notebook_has_its_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), (
        f"{path.name} should open with a markdown title"
    )
    code = _code_cells(nb)
    assert "FLYSIM_NOTEBOOK_RUNS" in code[0].source, f"{path.name}: the setup cell sets RUNS"

    counts = [cell.execution_count for cell in code]
    assert counts == list(range(1, len(code) + 1)), (
        f"{path.name} was not committed after one run top to bottom: execution counts {counts}"
    )
    errors = [o.ename for cell in code for o in cell.outputs if o.output_type == "error"]
    assert not errors, f"{path.name} was committed with errors: {errors}"
    figures = [o for cell in code for o in cell.outputs if "image/png" in o.get("data", {})]
    assert figures, f"{path.name} was committed without its figures"

    # Committed in full mode: quick-mode numbers would not match the prose.
    setup_output = "".join(o.get("text", "") for o in code[0].outputs)
    runs = re.search(r"(\d+) runs per scenario", setup_output)
    assert runs and int(runs.group(1)) >= 100, (
        f"{path.name} was committed from a quick run: {setup_output!r}"
    )
    assert path.stat().st_size < MAX_BYTES, f"{path.name} is {path.stat().st_size:,} bytes"
