"""Uncertain inputs seen from the results: draws, common draws, bands, drivers and EVPPI (issue 10).

Everything here goes through ``flysim.simulate`` or ``flysim.compare`` and
reads ``result.inputs``; the draws' own laws are held to 20,000 draws in
``test_input_draws.py``. Tolerances are ``Z`` standard errors (``tests/stats.py``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import flysim
from flysim.scenario import load_scenario
from tests.stats import Z

pytestmark = pytest.mark.statistical

REPO = Path(__file__).resolve().parents[2]
STARTUP = (REPO / "scenarios" / "startup.toml").as_posix()
UNCERTAIN = REPO / "scenarios" / "uncertain.toml"

LAWS = (
    f'extends = "{STARTUP}"\n'
    "[attract.paid]\n"
    'conversion = { dist = "beta", mean = 0.04, sd = 0.01 }\n'
    'cost_per_lead = { dist = "triangular", low = 25, mode = 30, high = 45 }\n'
    "[engage]\n"
    'upsell_per_month = { dist = "gamma", mean = 0.03, sd = 0.01 }\n'
    "[[correlations]]\n"
    'keys = ["attract.paid.conversion", "attract.paid.cost_per_lead"]\n'
    "rank = -0.5\n"
)


def _scenario(tmp_path: Path, name: str, text: str) -> flysim.Scenario:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)


def test_realised_draws_match_their_laws_and_rank_correlation(tmp_path):
    scenario = _scenario(tmp_path, "laws", LAWS)
    n = 600
    result = flysim.simulate(scenario, runs=n, seed=11, months=1, workers=2)
    assert result.inputs is not None and len(result.inputs) == n
    for key, law in (
        ("attract.paid.conversion", stats.beta(*_beta(0.04, 0.01))),
        ("attract.paid.cost_per_lead", stats.triang(0.25, loc=25, scale=20)),
        ("engage.upsell_per_month", stats.gamma((0.03 / 0.01) ** 2, scale=0.01**2 / 0.03)),
    ):
        x = result.inputs[key].to_numpy()
        assert abs(x.mean() - law.mean()) < Z * law.std() / np.sqrt(n), key
        # The sd of a sample sd is about sd * sqrt((kurtosis - 1) / (4 n)); 2 bounds it here.
        assert abs(x.std(ddof=1) - law.std()) < Z * law.std() * np.sqrt(2 / (4 * n)) * 2, key
    rho = stats.spearmanr(
        result.inputs["attract.paid.conversion"], result.inputs["attract.paid.cost_per_lead"]
    ).statistic
    # SE of Spearman's rho is about (1 - rho^2) / sqrt(n - 3) under a normal copula; 1.2 for safety.
    assert abs(rho - -0.5) < Z * 1.2 * (1 - 0.25) / np.sqrt(n - 3)
    # The simulated scenario is each run's: the paid leads a run buys follow its drawn price.
    assert result.metric("leads_paid").shape == (n, 1)


def _beta(mean: float, sd: float) -> tuple[float, float]:
    k = mean * (1 - mean) / sd**2 - 1
    return mean * k, (1 - mean) * k


def test_compared_scenarios_draw_the_same_shared_inputs_run_by_run(tmp_path):
    a = _scenario(tmp_path, "a", LAWS)
    # b shares two keys, changes the law of the third and adds one of its own.
    b = _scenario(
        tmp_path,
        "b",
        LAWS.replace("mean = 0.03, sd = 0.01", "mean = 0.05, sd = 0.02")
        + '[attract.organic]\nconversion = { dist = "uniform", low = 0.03, high = 0.07 }\n'
        + '[scenario]\nname = "b"\n',
    )
    comparison = flysim.compare([a, b], runs=60, seed=5, months=1, workers=1)
    ia, ib = (r.inputs for r in comparison.results)
    assert ia is not None and ib is not None
    for key in ("attract.paid.conversion", "attract.paid.cost_per_lead"):
        np.testing.assert_array_equal(ia[key].to_numpy(), ib[key].to_numpy(), err_msg=key)
    # The changed law's draws differ, and the added key draws in b only.
    assert not np.allclose(ia["engage.upsell_per_month"], ib["engage.upsell_per_month"])
    assert "attract.organic.conversion" in ib and "attract.organic.conversion" not in ia


def test_changing_one_law_leaves_the_other_inputs_draws_alone(tmp_path):
    a = _scenario(tmp_path, "a", LAWS)
    b = _scenario(tmp_path, "b", LAWS.replace("mean = 0.03, sd = 0.01", "mean = 0.06, sd = 0.03"))
    ra = flysim.simulate(a, runs=40, seed=9, months=1, workers=1)
    rb = flysim.simulate(b, runs=40, seed=9, months=1, workers=1)
    assert ra.inputs is not None and rb.inputs is not None
    for key in ("attract.paid.conversion", "attract.paid.cost_per_lead"):
        np.testing.assert_array_equal(ra.inputs[key], rb.inputs[key], err_msg=key)
    # The changed law's own draws move with it (the same uniforms through another law).
    assert (rb.inputs["engage.upsell_per_month"] != ra.inputs["engage.upsell_per_month"]).all()


@pytest.fixture(scope="module")
def shipped() -> tuple[flysim.SimulationResult, flysim.SimulationResult]:
    scenario = load_scenario(UNCERTAIN)
    # 12 of the scenario's 18 months keep the tier quick; the spread is already there.
    drawn = flysim.simulate(scenario, runs=150, seed=3, months=12, workers=2)
    fixed = flysim.simulate(scenario, runs=150, seed=3, months=12, workers=2, fix_inputs=True)
    return drawn, fixed


def test_fix_inputs_narrows_the_band_of_a_kpi_the_inputs_drive(shipped):
    drawn, fixed = shipped
    assert fixed.inputs is None and drawn.inputs is not None
    # Customers at the horizon: organic conversion alone has a coefficient of
    # variation of 0.3, chance about 0.08 (startup.toml); at 150 runs the P90
    # widths are known to about 10 %, so half the width is far outside noise.
    width = {}
    for name, result in (("drawn", drawn), ("fixed", fixed)):
        p5, p95 = np.percentile(result.metric("customers")[:, -1], [5, 95])
        width[name] = p95 - p5
    assert width["fixed"] < 0.6 * width["drawn"], width
    # Whatever the inputs do, the medians sit in the same place.
    med = [np.median(r.metric("customers")[:, -1]) for r in (drawn, fixed)]
    assert abs(med[0] - med[1]) < 0.15 * med[1]


def test_drivers_rank_the_dominant_input_first(shipped):
    drawn, fixed = shipped
    table = drawn.drivers("customers")
    # By construction (scenarios/uncertain.toml): organic leads are most of the
    # new customers and their conversion's sd is 30 % of its mean.
    assert table["input"].iloc[0] == "attract.organic.conversion"
    assert table["ci_low"].iloc[0] > table["ci_high"].iloc[1:].max() - 0.1
    assert table.attrs["month"] == drawn.n_months
    with pytest.raises(ValueError, match="fixed at their medians"):
        fixed.drivers("customers")


def test_evppi_of_an_input_one_plan_depends_on_matches_its_closed_form(tmp_path):
    # Plan a pays 400 EUR a month for its tool stack; plan b's price is unknown,
    # uniform on 100 to 600. Everything else (a shared uncertain paid
    # conversion included) is the same in both, so run by run the difference in
    # cumulative contribution after m months is m * (400 - price), and
    #   EVPPI(price) = m * (E[max(0, 400 - price)] - max(0, E[400 - price]))
    #                = m * (90 - 50) = 40 m,
    # while the shared conversion cannot change the choice: EVPPI 0.
    months, runs = 2, 300
    base = (
        f'extends = "{STARTUP}"\n'
        '[attract.paid]\nconversion = { dist = "beta", mean = 0.04, sd = 0.01 }\n'
    )
    a = _scenario(tmp_path, "a", base + '[scenario]\nname = "a"\n[costs]\nstack_per_month = 400\n')
    b = _scenario(
        tmp_path,
        "b",
        base + '[scenario]\nname = "b"\n'
        '[costs]\nstack_per_month = { dist = "uniform", low = 100, high = 600 }\n',
    )
    comparison = flysim.compare([a, b], runs=runs, seed=21, months=months, workers=2)
    price = comparison.results[1].inputs["costs.stack_per_month"].to_numpy()
    nb = [r.metric("contribution_cumulative")[:, -1] for r in comparison.results]
    np.testing.assert_allclose(nb[1] - nb[0], months * (400 - price), rtol=0, atol=1e-6)
    table = comparison.value_of_information().set_index("input")
    value = table.loc["costs.stack_per_month", "evppi"]
    # The sample's own EVPI is what learning the price gives here (it is all the difference).
    assert value == pytest.approx(table.attrs["evpi"], rel=0.05)
    # Closed form within Monte Carlo error: sd of m * max(0, 400 - price) < m * 110.
    assert abs(value - 40 * months) < Z * months * 110 / np.sqrt(runs)
    assert table.loc["attract.paid.conversion", "evppi"] < 0.05 * value
