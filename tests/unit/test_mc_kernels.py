"""Unit tests of the compiled customer step: conservation, layout of counters, run independence.

Exact: every count the step moves is accounted for (nobody appears or
vanishes), the two customer arrays keep holding the same customers, and a
run's numbers depend only on its key and its counters, not on the other runs
of its block.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import flysim
from flysim.engines.mc import MCEngine, cell_draws, customers, kernels, warm
from flysim.engines.mc.plan import (
    DEFAULT_CLASSES,
    DEFAULT_STEPS_PER_MONTH,
    Plans,
    make_plan,
    stack_plans,
)
from flysim.engines.mc.state import State, initial_state
from flysim.engines.mc.uniforms import Stream
from flysim.model.params import ParameterTable
from flysim.model.rates import compile_rates
from flysim.scenario import load_scenario
from flysim.units import DAYS_PER_MONTH
from tests.builders import SCENARIOS_DIR


def _setup(name: str, runs: int) -> tuple[Plans, State, np.ndarray]:
    rates = compile_rates(load_scenario(SCENARIOS_DIR / name))
    plan = stack_plans(
        ParameterTable((rates,)),
        [make_plan(rates, DAYS_PER_MONTH / DEFAULT_STEPS_PER_MONTH, DEFAULT_CLASSES)],
    )
    keys = np.random.default_rng(3).integers(0, 2**64, size=runs, dtype=np.uint64)
    state = initial_state(plan, np.zeros(runs, dtype=np.int64), Stream(keys))
    return plan, state, keys


def _people(state: State) -> np.ndarray:
    return state.onboard.sum(axis=(1, 2)) + state.value.sum(axis=(1, 2, 3, 4))


@pytest.mark.parametrize("name", ["startup.toml", "flywheel.toml", "enterprise.toml"])
def test_engage_conserves_customers_and_keeps_the_arrays_in_step(name: str) -> None:
    plan, state, keys = _setup(name, 40)
    stream = Stream(keys)
    converted = np.random.default_rng(1).integers(0, 30, size=(40, 3)).astype(float)
    if plan.groups == 1:
        converted[:, 2] = 0.0
    flows = {f: np.zeros(40) for f in customers._KERNEL_FLOWS}
    total_churned = np.zeros(40)
    for _ in range(12):
        before = _people(state)
        flows["churned"][:] = 0.0
        customers.engage(plan, state, converted, stream, flows)
        np.testing.assert_array_equal(
            _people(state) + flows["churned"], before + converted.sum(axis=1)
        )
        total_churned += flows["churned"]
        assert np.all(state.value >= 0) and np.all(state.onboard >= 0)
        if state.delight is not None:
            assert np.all(state.delight >= 0)
            # the delight cells hold the active customers, by class and health
            np.testing.assert_array_equal(
                state.delight.sum(axis=(3, 4)), state.value.sum(axis=(1, 4))
            )
    assert total_churned.sum() > 0


def test_engage_consumes_the_same_counters_whatever_the_state() -> None:
    plan, state, keys = _setup("flywheel.toml", 5)
    empty = State(
        leads=state.leads * 0,
        onboard=state.onboard * 0,
        onboard_age=state.onboard_age * 0,
        value=state.value * 0,
        delight=None if state.delight is None else state.delight * 0,
        uplift=state.uplift.copy(),
        exposure=state.exposure.copy(),
        sets=state.sets,
        paid_leads=state.paid_leads,
    )
    a, b = Stream(keys), Stream(keys)
    flows = {f: np.zeros(5) for f in customers._KERNEL_FLOWS}
    customers.engage(plan, state, np.full((5, 3), 4.0), a, flows)
    customers.engage(plan, empty, np.zeros((5, 3)), b, flows)
    assert a.position == b.position > 0


@pytest.mark.parametrize(("n_triggers", "nps_on"), [(0, True), (2, False), (2, True)])
def test_check_consumes_its_whole_layout_whatever_the_state(n_triggers: int, nps_on: bool) -> None:
    """The counters a check reserves: a rescue per at-risk cell, then per class an
    allocation over the 9 delight cells and 3 NPS redraws; none without triggers."""
    g, k, tiers = 2, 3, 2
    rng = np.random.default_rng(5)
    keys, sets = rng.integers(0, 2**64, size=4, dtype=np.uint64), np.zeros(4, dtype=np.int64)
    full = rng.integers(0, 40, size=(4, g, k, 2, tiers)).astype(float)
    delight = np.zeros((4, k, 2, 3, 3))
    delight[..., 0, 0] = full.sum(axis=(1, 4))  # every active customer a promoter, not asked
    nps = np.full((1, 2, 3), 1.0 / 3.0)
    per_9, per_3 = cell_draws.PER_9, cell_draws.PER_3
    layout = g * k * tiers + (k * per_9 + k * 3 * per_3 if nps_on else 0) if n_triggers else 0
    for value in (full, full * 0.0):
        used = kernels.check_step(
            keys,
            0,
            sets,
            value.copy(),
            delight * (value.sum() > 0),
            nps_on,
            np.zeros((4, 2)),
            n_triggers,
            np.full(1, 0.5),
            nps,
            np.zeros((0, 10)),
            False,
        )
        assert used == layout


@pytest.mark.parametrize("name", ["startup.toml", "flywheel.toml"])
def test_a_check_keeps_the_last_tally_current(name: str) -> None:
    """The tally counted before a check, moved by the check, equals a recount after it."""
    plan, state, keys = _setup(name, 30)
    stream = Stream(keys)
    flows = {f: np.zeros(30) for f in customers._KERNEL_FLOWS}
    conv = np.full((30, 3), 6.0)
    rescued = 0.0
    for step in range(8):
        stream.at_step(step + 1)
        customers.engage(plan, state, conv, stream, flows)
        state.tally(plan.tier_mrr)
        at_risk = state.value[..., 1, :].sum()
        customers.check(plan, state, stream)
        rescued += at_risk - state.value[..., 1, :].sum()
        kept = state.counted()
        assert kept is not None
        kept = kept.copy()
        state.touched()
        np.testing.assert_array_equal(kept, state.tally(plan.tier_mrr))
    assert rescued > 0  # the checks moved customers: the tally had something to follow


def test_a_runs_step_does_not_depend_on_the_other_runs() -> None:
    """Run 2 alone and inside a block of 6 (the others different) gets the same numbers."""
    plan, state, keys = _setup("flywheel.toml", 6)
    conv = np.arange(18, dtype=float).reshape(6, 3)
    flows = {f: np.zeros(6) for f in customers._KERNEL_FLOWS}
    one = State(
        leads=state.leads[2:3].copy(),
        onboard=state.onboard[2:3].copy(),
        onboard_age=state.onboard_age[2:3].copy(),
        value=state.value[2:3].copy(),
        delight=None if state.delight is None else state.delight[2:3].copy(),
        uplift=state.uplift[2:3].copy(),
        exposure=state.exposure[2:3].copy(),
        sets=state.sets[2:3],
        paid_leads=state.paid_leads[2:3],
    )
    flows_one = {f: np.zeros(1) for f in customers._KERNEL_FLOWS}
    many, alone = Stream(keys), Stream(keys[2:3])
    for _ in range(5):
        customers.engage(plan, state, conv, many, flows)
        customers.engage(plan, one, conv[2:3], alone, flows_one)
        customers.check(plan, state, many)
        customers.check(plan, one, alone)
    np.testing.assert_array_equal(state.value[2:3], one.value)
    np.testing.assert_array_equal(state.onboard[2:3], one.onboard)
    if state.delight is not None:
        np.testing.assert_array_equal(state.delight[2:3], one.delight)
    for f in flows:
        assert flows[f][2] == pytest.approx(flows_one[f][0], rel=1e-15)


def _signatures() -> dict[str, int]:
    from flysim.engines.mc import sampling, uniforms
    from flysim.engines.mc import tally as stocks

    compiled = {
        "binomial": sampling._binomial_loop,
        "poisson": sampling._poisson_loop,
        "split": sampling._split_loop,
        "allocate": sampling._allocate_loop,
        "fill": uniforms._fill,
        "fill_at": uniforms._fill_at,
        "engage": kernels.engage_step,
        "check": kernels.check_step,
        "tally": stocks.tally,
    }
    return {name: len(f.signatures) for name, f in compiled.items()}


def test_warm_up_compiles_every_signature_a_simulation_uses() -> None:
    """After ``prepare``, simulating compiles nothing new: the workers inherit it all."""
    MCEngine().prepare()
    before = _signatures()
    assert all(n >= 1 for n in before.values()), before
    for name in ("startup.toml", "flywheel.toml", "funnel.toml"):
        flysim.simulate(SCENARIOS_DIR / name, runs=20, seed=1, engine="mc", workers=1)
    assert _signatures() == before


def test_a_helper_compiles_the_customer_step_only_when_no_cache_holds_it(tmp_path: Path) -> None:
    """The helper process starts only for a function neither compiled here nor on disk."""
    MCEngine().prepare()
    assert not warm._cold(kernels.engage_step)  # compiled in this process
    # Where this numba keeps its index: with another layout the helper would never start.
    assert Path(kernels.engage_step._cache._cache_file._index_path).is_file()
    index = tmp_path / "kernels.engage_step-1.py311.nbi"
    fake = SimpleNamespace(signatures=[])
    assert not warm._cold(fake)  # no cache layout known: everything compiles in-process
    fake._cache = SimpleNamespace(_cache_file=SimpleNamespace(_index_path=str(index)))
    assert warm._cold(fake)
    index.write_text("index")
    assert not warm._cold(fake)


def test_the_spinner_says_compiling_only_when_the_cache_is_cold(
    tmp_path: Path, monkeypatch
) -> None:
    MCEngine().prepare()
    assert warm.compiled_state() == "loaded" and MCEngine().preparing is None
    index = tmp_path / "kernels.engage_step-1.py311.nbi"
    fake = SimpleNamespace(
        signatures=[], _cache=SimpleNamespace(_cache_file=SimpleNamespace(_index_path=str(index)))
    )
    monkeypatch.setattr(kernels, "engage_step", fake)
    assert warm.compiled_state() == "cold"
    assert str(MCEngine().preparing).startswith("Compiling the numpy core with numba")
    index.write_text("index")
    assert MCEngine().preparing == "Loading the numpy core's compiled code"


def test_every_module_with_compiled_functions_is_in_the_cache_check() -> None:
    """Every compiled module is in the cache check: one left out whose compiled functions
    another calls would let the caller load code compiled against the old callee."""
    from flysim.engines import mc

    here = Path(mc.__file__).parent
    compiled = {p.stem for p in here.glob("*.py") if "@njit" in p.read_text(encoding="utf-8")}
    assert compiled and compiled == set(mc._COMPILED)


def test_a_changed_compiled_source_drops_the_whole_numba_cache(tmp_path: Path) -> None:
    """numba checks only a cached function's own file; a change to any compiled module
    must drop every entry (kernels compiled with old samplers would load otherwise)."""
    from flysim.engines import mc

    for name in mc._COMPILED:
        (tmp_path / f"{name}.py").write_text(f"# {name}\n")
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    mc._drop_stale_cache(tmp_path)
    (cache / "kernels.engage_step-1.py311.nbi").write_text("index")
    mc._drop_stale_cache(tmp_path)
    assert (cache / "kernels.engage_step-1.py311.nbi").exists()
    (tmp_path / "quantiles.py").write_text("# quantiles, changed\n")
    mc._drop_stale_cache(tmp_path)
    assert not list(cache.glob("*.nbi"))
