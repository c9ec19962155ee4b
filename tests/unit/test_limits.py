"""A job's cost is estimated before it runs, and an impossible one refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from flysim.limits import MAX_DES_EVENTS, JobTooLargeError, check_job, estimate_job
from flysim.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
GB = 10**9


@pytest.fixture(scope="module")
def startup():
    return load_scenario(SCENARIOS / "startup.toml")


def test_memory_grows_with_runs_months_and_points(startup):
    one = estimate_job(startup, runs=1000, months=18).memory_bytes
    assert estimate_job(startup, runs=2000, months=18).memory_bytes > 1.9 * one - 1e8
    assert estimate_job(startup, runs=1000, months=36).memory_bytes > one
    assert estimate_job(startup, runs=1000, months=18, points=10).memory_bytes > 4 * one


def test_100000_runs_of_startup_are_a_few_copies_of_their_results(startup):
    # 100,000 x 18 x 48 metrics x 8 bytes = 0.69 GB; the summary's copies on top.
    assert 1 * GB < estimate_job(startup, runs=100_000, months=18).memory_bytes < 3 * GB


def test_shipped_scenarios_are_possible_on_both_engines():
    for path in SCENARIOS.glob("*.toml"):
        s = load_scenario(path)
        for engine in ("mc", "des"):
            check_job(s, runs=1000, months=s.horizon_months, engine=engine, memory=4 * GB)


def test_too_many_runs_for_the_memory(startup):
    with pytest.raises(JobTooLargeError, match=r"--runs 10,000,000 .* GB of memory .*fewer runs"):
        check_job(startup, runs=10_000_000, months=18, memory=24 * GB)


def test_agent_model_names_the_numpy_core(startup):
    cost = estimate_job(startup, runs=100_000, months=120, engine="des")
    assert cost.events > MAX_DES_EVENTS
    with pytest.raises(JobTooLargeError, match="--engine mc"):
        check_job(startup, runs=100_000, months=120, engine="des", memory=10**15)


def test_a_compounding_loop_without_a_market_is_refused(tmp_path):
    text = (SCENARIOS / "startup.toml").read_text().replace("[market]", "[costs_unused]")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("[costs_unused]"))
    text = text.replace("size = 20000", "")
    (tmp_path / "s.toml").write_text(text)
    s = load_scenario(
        tmp_path / "s.toml",
        [
            "delight.referrals_per_advocate_per_month=100",
            "attract.referral.conversion=1",
            "delight.ask_accept=1",
        ],
    )
    assert s.market.size is None
    with pytest.raises(JobTooLargeError, match=r"\[market\] size"):
        check_job(s, runs=10, months=120)


def test_points_are_bounded(startup):
    with pytest.raises(JobTooLargeError, match="parameter sets"):
        check_job(startup, runs=1, months=18, points=10**8)
