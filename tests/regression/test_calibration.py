"""The funnel / flywheel pair stays calibrated to the flywheel article.

``scenarios/funnel.toml`` and ``scenarios/flywheel.toml`` are the article's
"before" and "after". Their means across runs over months 16 to 18 must land
within 15 % of the article's figures (MODEL.md, "What the source articles
say"): CAC 800 -> 200 EUR, referral rate 5 % -> 35 %, annual churn 15 % -> 3 %,
time to value 28 -> 7 days.

The mean is over runs and months 16, 17, 18 together, skipping missing
values. With ``RUNS`` runs at ``SEED`` the standard error of every figure is
at most ~4 % of its target (the flywheel's annual churn, the noisiest: about
one churn a month among ~600 customers); the scenarios are calibrated so that
1,000-run means sit within ~5 % of the targets (most within 2 %), so the band
holds by about 3 standard errors or more, not by luck. A guard fails the test
if the band ever gets narrower than 3 standard errors (too few runs).

Since ``churn_rate`` counts the month's new customers in its denominator
(MODEL.md; issue 14), annual churn reads lower than the scenarios were
calibrated for: at ``RUNS`` and ``SEED`` on the numpy core, funnel 14.1 %
(-5.7 % from the article's 15 %) and flywheel 2.70 % (-10 % from 3 %, SE
0.043 points: about 3 SE inside the band). The scenarios were not retuned;
the margin of the flywheel's figure is the thinnest.

The pair runs on the numpy core (1,000 runs, about 8 s on one core), which
the agreement suite holds to the agent model's distribution; the agent model
took 32 s for 130 runs, with three times the standard errors.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import flysim

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

#: Runs per scenario: ~8 s for the pair on one core with the numpy core.
RUNS = 1000
SEED = 20240601

#: The article's figures, as (scenario, metric, target).
TARGETS: list[tuple[str, str, float]] = [
    ("funnel", "cac", 800.0),
    ("funnel", "referral_rate", 0.05),
    ("funnel", "churn_rate_annual", 0.15),
    ("funnel", "time_to_value", 28.0),
    ("flywheel", "cac", 200.0),
    ("flywheel", "referral_rate", 0.35),
    ("flywheel", "churn_rate_annual", 0.03),
    ("flywheel", "time_to_value", 7.0),
]

#: Allowed relative distance from the article's figure.
BAND = 0.15

#: Months 16 to 18 as zero-based columns.
WINDOW = slice(15, 18)

#: The band must be at least this many standard errors wide, or a pass could
#: be luck (and a fail noise) rather than calibration.
MIN_SE_IN_BAND = 3.0


@pytest.fixture(scope="module")
def results() -> dict[str, flysim.SimulationResult]:
    """Both scenarios, simulated once for every figure."""
    return {
        name: flysim.simulate(
            flysim.load_scenario(SCENARIOS / f"{name}.toml"), runs=RUNS, seed=SEED, engine="mc"
        )
        for name in ("funnel", "flywheel")
    }


def window_mean_and_se(values: np.ndarray) -> tuple[float, float]:
    """Mean over runs and months of the window, and its standard error.

    The standard error comes from the runs' own window means (months within a
    run are correlated; runs are independent).
    """
    window = values[:, WINDOW]
    per_run = np.nanmean(window, axis=1)
    per_run = per_run[~np.isnan(per_run)]
    return float(np.nanmean(window)), float(np.std(per_run, ddof=1) / np.sqrt(per_run.size))


@pytest.mark.slow
@pytest.mark.parametrize(("scenario", "metric", "target"), TARGETS, ids=lambda v: str(v))
def test_within_band_of_article(
    results: dict[str, flysim.SimulationResult], scenario: str, metric: str, target: float
) -> None:
    mean, se = window_mean_and_se(results[scenario].metric(metric))
    assert se * MIN_SE_IN_BAND <= BAND * target, (
        f"{scenario} {metric}: SE {se:.4g} is too large for a {BAND:.0%} band around "
        f"{target:g}; raise RUNS"
    )
    assert abs(mean / target - 1) <= BAND, (
        f"{scenario} {metric}: mean over months 16-18 is {mean:.4g} (SE {se:.2g}), "
        f"{mean / target - 1:+.1%} from the article's {target:g}; allowed {BAND:.0%}"
    )


def test_pair_is_the_same_company() -> None:
    """The pair differs in the flywheel's levers, not in the market or the product's price."""
    funnel = flysim.load_scenario(SCENARIOS / "funnel.toml")
    flywheel = flysim.load_scenario(SCENARIOS / "flywheel.toml")
    for part in ("market", "initial", "revenue"):
        assert getattr(funnel, part) == getattr(flywheel, part), part
    assert funnel.engage.churn_per_month == flywheel.engage.churn_per_month
    assert funnel.engage.health == flywheel.engage.health
    assert funnel.horizon_months == flywheel.horizon_months == 18
