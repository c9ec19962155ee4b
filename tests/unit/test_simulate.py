"""flysim.simulate: argument checks that name the argument, defaults, progress, provenance."""

from __future__ import annotations

import numpy as np
import pytest

import flysim
from flysim.metrics.names import METRICS
from tests.builders import SCENARIOS_DIR

SCENARIO = SCENARIOS_DIR / "startup.toml"


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"runs": 0}, ValueError, ["runs", ">= 1", "0"]),
        ({"runs": 1.5}, TypeError, ["runs", "integer", "1.5"]),
        ({"months": 121}, ValueError, ["months", "1..120", "121"]),
        ({"months": 0}, ValueError, ["months", "1..120", "0"]),
        ({"seed": -1}, ValueError, ["seed", ">= 0", "-1"]),
        ({"workers": 0}, ValueError, ["workers", ">= 1", "0"]),
        ({"chunk_size": 0}, ValueError, ["chunk_size", ">= 1", "0"]),
        ({"engine": "warp"}, ValueError, ["engine", "des", "warp"]),
        ({"runs": True}, TypeError, ["runs", "integer", "True"]),
    ],
)
def test_bad_arguments_name_the_argument_value_and_range(startup, kwargs, error, words) -> None:
    with pytest.raises(error) as info:
        flysim.simulate(startup, **kwargs)
    for word in words:
        assert word in str(info.value)


def test_defaults_come_from_the_scenario_and_provenance_records_them(startup) -> None:
    short = startup.model_copy(
        update={"scenario": startup.scenario.model_copy(update={"runs": 2, "horizon_months": 3})}
    )
    result = flysim.simulate(short)
    assert result.data.shape == (2, 3, len(METRICS))
    p = result.provenance
    assert (p.runs, p.months, p.seed, p.engine) == (2, 3, startup.scenario.seed, "mc")
    assert p.scenario_hash == flysim.scenario.scenario_hash(short)
    assert p.flysim_version == flysim.__version__
    assert p.n_events > 0


def test_a_path_is_loaded_and_its_source_recorded() -> None:
    result = flysim.simulate(SCENARIO, runs=1, months=1, seed=3)
    assert result.provenance.scenario_path == str(SCENARIO)
    assert result.scenario.name == "startup"


def test_progress_callback_counts_every_run(startup) -> None:
    seen: list[int] = []
    flysim.simulate(startup, runs=5, months=1, seed=1, chunk_size=2, progress=seen.append)
    assert sorted(seen) == [1, 2, 2]  # chunks finish in any order over the workers


def test_a_missing_seed_is_drawn_and_recorded_so_the_run_can_be_repeated(startup) -> None:
    unseeded = startup.model_copy(
        update={"scenario": startup.scenario.model_copy(update={"seed": None})}
    )
    first = flysim.simulate(unseeded, runs=2, months=2)
    again = flysim.simulate(unseeded, runs=2, months=2, seed=first.provenance.seed)
    np.testing.assert_array_equal(first.data, again.data)


def test_a_metric_is_a_read_only_view_so_an_edit_cannot_change_the_result():
    result = flysim.simulate(SCENARIOS_DIR / "startup.toml", runs=20, months=3, seed=1, workers=1)
    mrr = result.metric("mrr")
    with pytest.raises(ValueError, match="read-only"):
        mrr[:] = 0.0
    assert np.shares_memory(mrr, result.data)  # a view, not a copy
    mine = mrr.copy()
    mine[:] = 0.0  # a copy is the caller's
    assert (result.metric("mrr") > 0).any()
