"""Fixtures every test tier shares: the scenario builders of ``tests/builders.py``.

This file sits at the repository root so that pytest puts the root on
``sys.path`` whichever folder it is asked to run (``pytest tests/unit``), and
``from tests.stats import ...`` works everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from flysim.scenario import Scenario, load_scenario
from tests import builders


@pytest.fixture(scope="session")
def reference_path() -> Path:
    """The in-repo copy of the reference scenario file."""
    return builders.REFERENCE_PATH


@pytest.fixture(scope="session")
def reference_scenario() -> Scenario:
    """The reference scenario, loaded from its file (frozen, so one serves every test)."""
    return builders.reference_scenario()


@pytest.fixture(scope="session")
def startup() -> Scenario:
    """The shipped ``scenarios/startup.toml``."""
    return load_scenario(builders.SCENARIOS_DIR / "startup.toml")


@pytest.fixture(scope="session")
def tiny_scenario() -> Scenario:
    """``builders.tiny()`` validated: every stage on, six months, runs in milliseconds."""
    return builders.scenario(builders.tiny())


@pytest.fixture
def scenario_file(tmp_path: Path) -> Callable[..., Path]:
    """Write a scenario dict (or text) to ``tmp_path/name`` and return its path."""

    def write(data: Mapping[str, Any] | str, name: str = "scenario.toml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = data if isinstance(data, str) else builders.toml_text(data)
        path.write_text(text, encoding="utf-8")
        return path

    return write


#: Test files whose tests take seconds to a minute each (the engine agreement
#: suite, the notebooks, the statistical tier), in that order.
_SLOW_FIRST: tuple[str, ...] = (
    "tests/statistical/test_agreement.py",
    "tests/functional/test_notebooks.py",
    "tests/statistical/",
    "tests/functional/",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the long tests first, so that the two workers finish together.

    With ``--dist worksteal`` (pyproject's addopts) a worker that runs out
    steals the other's pending tests; long tests scheduled last would leave
    one worker waiting on the other's final minute instead.
    """

    def rank(item: pytest.Item) -> int:
        path = item.nodeid
        for i, prefix in enumerate(_SLOW_FIRST):
            if path.startswith(prefix):
                return i
        return len(_SLOW_FIRST)

    items.sort(key=rank)
