"""Fixtures of the statistical tests: every test runs once per engine."""

from __future__ import annotations

import pytest

#: Engines the statistical tier checks; the numpy engine joins this list.
ENGINES: list[str] = ["des"]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """The name of the engine under test, as ``flysim.simulate(engine=...)`` takes it."""
    return request.param
