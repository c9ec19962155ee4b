"""Fixtures of the statistical tests: every test runs once per engine."""

from __future__ import annotations

import pytest

#: Engines the statistical tier checks: the agent model and the numpy core.
ENGINES: list[str] = ["des", "mc"]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """The name of the engine under test, as ``flysim.simulate(engine=...)`` takes it."""
    return request.param


@pytest.fixture
def steps_per_month(engine: str) -> int | None:
    """The engine's time steps per month: None for the agent model (continuous time).

    Tests whose closed form the numpy core's fixed step shifts (revenue read
    as the trapezoid of MRR at step ends, second order) compute that shift
    exactly from its documented step scheme for this engine only;
    ``test_time_step.py`` measures the step's biases.
    """
    if engine == "mc":
        from flysim.engines.mc import DEFAULT_STEPS_PER_MONTH

        return DEFAULT_STEPS_PER_MONTH
    return None
