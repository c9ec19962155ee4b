"""Every shipped scenario, on both engines, gives the numbers it gave when pinned.

A fixed seed must give the same numbers run for run (MODEL.md), so a change
to an engine that is meant to be a pure refactor must leave every number of
every scenario unchanged. This module simulates each scenario of
``scenarios/`` and the reference scenario on both engines with a fixed seed
and compares a summary with the one stored in ``pinned/<scenario>-<engine>.json``:
per month, the mean and the count of missing values of every metric,
percentiles of the headline metrics, and the customers of each run at the
horizon. Values must agree within a relative 1e-9 (NaN equals NaN).

The stored values change only on purpose, when a change of the model or of a
scenario is meant to move them. Rewrite them with::

    FLYSIM_UPDATE_PINS=1 pytest -n0 tests/regression/test_pinned_summaries.py

Every test then fails, saying what it rewrote, so an update never passes
unnoticed; run it again without the variable to see it pass, and commit the
JSON files with the change that moved them. CI never sets the variable.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy

import flysim
from flysim.metrics.catalogue import metric_info
from flysim.metrics.names import FLOWS, MONEY, STOCKS
from flysim.scenario import scenario_hash
from tests.builders import REFERENCE_PATH, shipped_paths

PINNED = Path(__file__).resolve().parent / "pinned"

#: Set to "1" to rewrite the stored summaries from the current code.
UPDATE_VARIABLE = "FLYSIM_UPDATE_PINS"
UPDATE_COMMAND = f"{UPDATE_VARIABLE}=1 pytest -n0 tests/regression/test_pinned_summaries.py"

SEED = 20261201

#: Runs per engine: the numpy core's 200 runs of every shipped scenario take
#: about 10 s of one core, the agent model's 10 runs about 15 s. A pin holds
#: to 1e-9, so a few runs catch any change of a draw.
RUNS = {"mc": 200, "des": 10}

RTOL = 1e-9

#: Metrics whose spread is pinned besides their mean.
BANDED = (
    "customers",
    "mrr",
    "revenue",
    "new_customers",
    "churned",
    "spend_total",
    "cac",
    "nps",
    "advocates",
    "at_risk",
)
PERCENTILES = (5, 50, 95)

#: Shown for at most this many differing values, so a broken engine's failure stays readable.
SHOWN = 20

SCENARIO_PATHS = [*shipped_paths(), REFERENCE_PATH]
CASES = [
    pytest.param(
        path,
        engine,
        id=f"{path.stem}-{engine}",
        # The agent model's cases take a second or more each.
        marks=[pytest.mark.slow] if engine == "des" else [],
    )
    for path in SCENARIO_PATHS
    for engine in ("mc", "des")
]


def summary(result: flysim.SimulationResult) -> dict[str, Any]:
    """The pinned summary of a result: statistics across runs, month by month.

    Computed here with numpy rather than with ``flysim.metrics.summary`` so the
    pins hold the engines to their numbers even while the summary code changes.
    """
    with warnings.catch_warnings():
        # A month where no run has a value (CAC without a new customer) is NaN, not a warning.
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = {m: np.nanmean(result.metric(m), axis=0) for m in result.metrics}
        bands = {
            f"p{q}": {m: np.nanpercentile(result.metric(m), q, axis=0) for m in BANDED}
            for q in PERCENTILES
        }
    missing = {m: np.isnan(result.metric(m)).sum(axis=0) for m in result.metrics}
    p = result.provenance
    return {
        "scenario": p.scenario_name,
        "engine": p.engine,
        "seed": p.seed,
        "runs": p.runs,
        "months": p.months,
        # Not compared: hints, when the numbers differ, that the scenario file or the
        # random number generators (numpy) or expm (scipy) changed rather than the engine.
        "scenario_hash": p.scenario_hash,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "mean": _lists(mean),
        "missing": _lists(missing),
        **{name: _lists(values) for name, values in bands.items()},
        "customers_at_horizon": _list(result.metric("customers")[:, -1]),
    }


def _list(values: np.ndarray) -> list[float | int | None]:
    # JSON has no NaN; null stands for it.
    return [None if np.isnan(v) else v.item() for v in np.asarray(values)]


def _lists(by_metric: dict[str, np.ndarray]) -> dict[str, list[float | int | None]]:
    return {m: _list(v) for m, v in by_metric.items()}


def _array(values: list[float | int | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def dump(pin: dict[str, Any]) -> str:
    """The summary as JSON, one metric to a line, so a pin update's diff names what moved."""
    lines = ["{"]
    items = list(pin.items())
    for i, (key, value) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        if isinstance(value, dict):
            lines.append(f"  {json.dumps(key)}: {{")
            rows = [f"    {json.dumps(m)}: {json.dumps(v)}" for m, v in value.items()]
            lines.append(",\n".join(rows))
            lines.append(f"  }}{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def differences(pinned: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Every pinned value the actual summary does not reproduce, as readable lines."""
    out = []
    for key in ("scenario", "engine", "seed", "runs", "months"):
        if pinned[key] != actual[key]:
            out.append(f"{key}: pinned {pinned[key]!r}, now {actual[key]!r}")
    if out:
        return out
    for stat, by_metric in pinned.items():
        if stat == "customers_at_horizon":
            by_metric = {"customers": by_metric}
            now_by_metric = {"customers": actual[stat]}
        elif isinstance(by_metric, dict):
            now_by_metric = actual[stat]
        else:
            continue
        for metric, values in by_metric.items():
            if metric not in now_by_metric:
                out.append(f"{stat} {metric}: pinned, but the result has no such metric")
                continue
            want, got = _array(values), _array(now_by_metric[metric])
            if want.shape != got.shape:
                out.append(f"{stat} {metric}: pinned {want.size} values, now {got.size}")
                continue
            both_nan = np.isnan(want) & np.isnan(got)
            close = np.isclose(got, want, rtol=RTOL, atol=0.0) | both_nan
            where = "run" if stat == "customers_at_horizon" else "month"
            out += [
                f"{stat} {metric} {where} {i + (where == 'month')}: pinned {float(want[i])!r}, "
                f"now {float(got[i])!r}"
                for i in np.flatnonzero(~close)
            ]
    return out


def assert_sane(result: flysim.SimulationResult) -> None:
    """What any run of a shipped scenario must show, so a pin is never taken of a broken one.

    Customers in every run and month; no missing or negative stock, flow or
    money (but contribution, which may be); customers = onboarding + active =
    onboarding + healthy + at risk;
    MRR and revenue above zero.
    """
    assert np.all(result.metric("customers") > 0)
    for name in STOCKS + FLOWS + MONEY:
        values = result.metric(name)
        assert not np.isnan(values).any(), name
        if metric_info(name).nonnegative:  # contribution is money that may be negative
            assert np.all(values >= 0), name
    np.testing.assert_array_equal(
        result.metric("customers"), result.metric("onboarding") + result.metric("active")
    )
    np.testing.assert_array_equal(
        result.metric("active"), result.metric("healthy") + result.metric("at_risk")
    )
    assert np.all(result.metric("mrr") > 0)
    assert np.all(result.metric("revenue") > 0)


@pytest.mark.parametrize(("path", "engine"), CASES)
def test_fixed_seed_summary_matches_its_pin(path: Path, engine: str) -> None:
    """The scenario's fixed-seed summary on this engine equals the stored one within 1e-9.

    The run must first pass ``assert_sane``. With ``FLYSIM_UPDATE_PINS=1`` the
    stored summary is rewritten from this run and the test fails saying so.
    """
    scenario = flysim.load_scenario(path)
    result = flysim.simulate(scenario, runs=RUNS[engine], seed=SEED, engine=engine, workers=1)
    assert_sane(result)
    actual = summary(result)
    pin_path = PINNED / f"{path.stem}-{engine}.json"

    if os.environ.get(UPDATE_VARIABLE) == "1":
        before = json.loads(pin_path.read_text(encoding="utf-8")) if pin_path.exists() else None
        changed = "new" if before is None else f"{len(differences(before, actual))} values changed"
        PINNED.mkdir(exist_ok=True)
        pin_path.write_text(dump(actual), encoding="utf-8")
        pytest.fail(
            f"{UPDATE_VARIABLE}=1: rewrote {pin_path.name} ({changed}); "
            f"rerun without {UPDATE_VARIABLE} to check, and commit it on purpose",
            pytrace=False,
        )

    assert pin_path.exists(), f"no pinned summary {pin_path}; write it with: {UPDATE_COMMAND}"
    pinned = json.loads(pin_path.read_text(encoding="utf-8"))
    diff = differences(pinned, actual)
    if diff:
        hint = "".join(
            f"\n({what} changed: {str(pinned.get(key))[:12]} -> {now[:12]})"
            for what, key, now in [
                ("the scenario itself", "scenario_hash", scenario_hash(scenario)),
                ("numpy", "numpy", np.__version__),
                ("scipy", "scipy", scipy.__version__),
            ]
            if pinned.get(key) != now
        )
        pytest.fail(
            f"{path.name} on {engine}, seed {SEED}, {RUNS[engine]} runs: {len(diff)} pinned "
            f"values differ{hint}\n  "
            + "\n  ".join(diff[:SHOWN])
            + (f"\n  ... and {len(diff) - SHOWN} more" if len(diff) > SHOWN else "")
            + f"\nIf the change is meant to move them: {UPDATE_COMMAND}",
            pytrace=False,
        )


def test_every_scenario_and_engine_is_pinned_and_no_pin_is_stale() -> None:
    """The pinned folder holds exactly one summary per shipped scenario and engine."""
    expected = {f"{p.stem}-{e}.json" for p in SCENARIO_PATHS for e in RUNS}
    assert {p.name for p in PINNED.glob("*.json")} == expected
