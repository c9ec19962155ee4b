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
