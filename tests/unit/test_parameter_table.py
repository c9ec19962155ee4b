"""Parameters as data: a table of parameter sets, blocks mixing them, one run pipeline (exact)."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import flysim
from flysim.engines.des import AgentEngine
from flysim.engines.mc import MCEngine
from flysim.model import (
    Health,
    ParameterTable,
    active_hazards,
    compile_rates,
    compile_table,
    entrant_probability,
    expected_leads,
    hazard_probability,
    lead_rate,
    organic_integral,
    value_generator,
)
from flysim.pipeline import run_variants
from flysim.scenario import load_scenario

REPO = Path(__file__).resolve().parents[2]
STARTUP = REPO / "scenarios" / "startup.toml"


@pytest.fixture(scope="module")
def variants() -> list[flysim.Scenario]:
    """Three start-ups: two differing in values only, one in structure (no heterogeneity)."""
    return [
        load_scenario(STARTUP),
        load_scenario(
            STARTUP, overrides=["attract.paid.budget_per_month=3000", "delight.reward=80"]
        ),
        load_scenario(
            STARTUP, overrides=["engage.churn_heterogeneity=0", "engage.upsell_per_month=0"]
        ),
    ]


# --------------------------------------------------------------------------- the table


def test_columns_hold_one_value_per_row_and_runs_read_their_rows_value(variants) -> None:
    table = compile_table(variants)
    assert len(table) == 3
    np.testing.assert_array_equal(table.column("budget_paid"), [r.budget_paid for r in table.rows])
    assert table.column("budget_paid")[1] == 3000.0
    per_run = table.per_run(np.array([2, 0, 1, 1]))
    np.testing.assert_array_equal(per_run.reward, table.column("reward")[[2, 0, 1, 1]])
    assert per_run.conversion.shape == (4, 3)
    assert table.subset([2, 0]).rows == (table.rows[2], table.rows[0])


def test_an_unlimited_market_is_an_infinite_column() -> None:
    rates = compile_rates(load_scenario(STARTUP, overrides=["market.size=1000"]))
    table = ParameterTable((rates, replace(rates, market_size=None)))
    np.testing.assert_array_equal(table.column("market_size"), [1000.0, math.inf])


def test_an_empty_table_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one row"):
        ParameterTable(())


# --------------------------------------------------------------------------- blocks of mixed sets


@pytest.mark.parametrize("engine", [MCEngine(), AgentEngine()], ids=["mc", "des"])
def test_a_block_of_mixed_parameter_sets_reproduces_each_set_alone(variants, engine) -> None:
    """Run r of set s gives the same numbers alone or in a block with other sets and runs."""
    table = compile_table(variants)
    runs = 6 if engine.name == "mc" else 2
    months = 6
    sets = np.repeat(np.arange(3), runs)[::-1].copy()  # interleaved out of order on purpose
    run_ids = np.tile(np.arange(runs), 3)
    mixed = engine.run_block(table, 5, sets, run_ids, months)
    np.testing.assert_array_equal(mixed.sets, sets)
    for s in range(3):
        alone = engine.run_block(
            table.subset([s]), 5, np.zeros(runs, dtype=np.int64), np.arange(runs), months
        )
        rows = sets == s
        order = np.argsort(run_ids[rows])
        np.testing.assert_array_equal(mixed.raw[rows][order], alone.raw)


def test_sets_that_differ_change_the_numbers_and_share_the_random_numbers(variants) -> None:
    table = compile_table(variants[:2])
    block = MCEngine().run_block(table, 9, np.array([0, 1]), np.array([0, 0]), 6)
    assert not np.array_equal(block.raw[0], block.raw[1])  # a bigger budget does something


# --------------------------------------------------------------------------- one pipeline


def test_simulate_is_the_single_variant_case_of_the_pipeline(variants) -> None:
    result = flysim.simulate(variants[1], runs=40, seed=3, workers=1)
    batch = run_variants(variants, runs=40, seed=3, months=18, workers=1)
    np.testing.assert_array_equal(batch.data[1], result.data)
    assert batch.provenance(variants[1]).scenario_hash == result.provenance.scenario_hash


@pytest.mark.parametrize(("workers", "chunk_size"), [(1, 7), (2, 13), (2, None), (1, 500)])
def test_a_study_does_not_depend_on_chunks_or_workers(variants, workers, chunk_size) -> None:
    reference = run_variants(variants, runs=30, seed=4, months=6, workers=1, chunk_size=90)
    batch = run_variants(
        variants, runs=30, seed=4, months=6, workers=workers, chunk_size=chunk_size
    )
    np.testing.assert_array_equal(batch.data, reference.data)


def test_progress_counts_variants_for_a_study_and_runs_for_one(variants) -> None:
    done: list[int] = []
    run_variants(variants, runs=10, seed=1, months=2, workers=1, chunk_size=4, progress=done.append)
    assert sum(done) == 3
    done.clear()
    flysim.simulate(variants[0], runs=10, seed=1, months=2, workers=1, progress=done.append)
    assert sum(done) == 10


def test_an_engine_instance_is_used_as_it_is(variants) -> None:
    fine = MCEngine(steps_per_month=8)
    result = flysim.simulate(variants[0], runs=20, seed=2, months=3, engine=fine, workers=1)
    default = flysim.simulate(variants[0], runs=20, seed=2, months=3, workers=1)
    assert result.provenance.engine == "mc"
    assert not np.array_equal(result.data, default.data)  # a finer step is a different scheme


def test_an_object_that_is_not_an_engine_is_refused(variants) -> None:
    with pytest.raises(TypeError, match="lacks name, run_block"):
        flysim.simulate(variants[0], runs=2, engine=object())  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the model's maths


def test_expected_leads_is_the_lead_rate_integrated_over_the_step() -> None:
    rates = compile_rates(
        load_scenario(STARTUP, overrides=["attract.organic.growth_per_month=0.2"])
    )
    t0, dt = 40.0, 7.0
    state = (np.array([30.0]), np.array([4.0]), np.array([2.0]))
    for channel in range(3):
        grid = np.linspace(t0, t0 + dt, 20001)
        rate = [lead_rate(rates, channel, t, 30.0, 4.0, 2.0) for t in grid]
        integral = np.trapezoid(rate, grid)
        mean = expected_leads(rates, channel, t0, dt, *state)
        assert mean[0] == pytest.approx(integral, rel=1e-8)


def test_model_functions_take_one_value_per_run() -> None:
    """Arrays of parameters give, element by element, what each row gives alone."""
    rows = [
        compile_rates(load_scenario(STARTUP, overrides=[f"attract.organic.growth_per_month={g}"]))
        for g in (0.0, 0.1, 0.3)
    ]
    per_run = ParameterTable(tuple(rows)).per_run(np.array([0, 1, 2]))
    reached, promoters, advocates = np.array([5.0, 6.0, 7.0]), np.ones(3), np.zeros(3)
    together = expected_leads(per_run, 1, 12.0, 3.0, reached, promoters, advocates)
    for i, r in enumerate(rows):
        alone = expected_leads(r, 1, 12.0, 3.0, reached[i : i + 1], promoters[:1], advocates[:1])
        assert together[i] == alone[0]
    np.testing.assert_array_equal(
        organic_integral(per_run, 0.0, 1.0),
        [organic_integral(r, 0.0, 1.0) for r in rows],
    )


def test_the_chain_generator_is_built_from_the_customer_hazards() -> None:
    rates = compile_rates(load_scenario(STARTUP))
    tiers, mult = 3, 1.7
    q = value_generator(rates, mult, tiers)
    np.testing.assert_allclose(q.sum(axis=1), 0.0, atol=1e-15)
    for h in Health:
        for t in range(tiers):
            churn, flip, upsell = active_hazards(rates, h, t, tiers - 1, mult)
            s = h * tiers + t
            assert q[s, 2 * tiers + t] == churn
            assert q[s, (1 - h) * tiers + t] == flip
            assert (q[s, s + 1] if upsell else 0.0) == upsell


def test_hazard_probabilities_at_their_limits() -> None:
    np.testing.assert_array_equal(hazard_probability(np.array([0.0, math.inf]), 3.0), [0.0, 1.0])
    assert hazard_probability(0.1, 2.0) == pytest.approx(1 - math.exp(-0.2))
    np.testing.assert_array_equal(entrant_probability(np.array([0.0, math.inf]), 3.0), [0.0, 1.0])
    # A uniform entry time: the mean of 1 - exp(-r (dt - s)) over s.
    s = np.linspace(0.0, 2.0, 200001)
    expected = np.trapezoid(1 - np.exp(-0.3 * (2.0 - s)), s) / 2.0
    assert entrant_probability(0.3, 2.0) == pytest.approx(expected, rel=1e-9)


def test_no_engine_writes_its_own_hazard_to_probability() -> None:
    """The model owns such rules: engines call flysim.model.hazards."""
    for path in (REPO / "flysim" / "engines").rglob("*.py"):
        text = path.read_text()
        assert "expm1(" not in text and "1 - np.exp" not in text, path
