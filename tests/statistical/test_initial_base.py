"""Starting from today's business: both engines start the same base, and it starts where it stays.

- The engines agree (means within Monte Carlo error alone, as in the
  agreement suite) over the first three months of a scenario that uses every
  ``[initial]`` key.
- Given at the chain's stationary share, the at-risk share no longer climbs
  from 0: month 1's share is month 6's, within Monte Carlo error.
- A tenured base churns as the posterior Gamma says: the agent model against
  the closed form, the numpy core against its reweighted classes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import flysim
from flysim.engines.des.engine import AgentEngine
from flysim.engines.mc.engine import MCEngine
from flysim.engines.mc.plan import DEFAULT_CLASSES
from flysim.metrics.names import METRICS
from flysim.model.hazards import gamma_classes
from flysim.model.initial import class_weights, posterior_gamma
from flysim.scenario import load_scenario
from flysim.scenario.schema import Scenario
from tests.agreement import compare_engines
from tests.stats import Z

STARTUP = Path(__file__).resolve().parents[2] / "scenarios" / "startup.toml"

#: Every [initial] key, on the start-up scenario without weekly checks (which
#: cost the agent model most and are not what this tests).
TODAY: dict[str, Any] = {
    "scenario.horizon_months": 3,
    "initial.customers": 120,
    "initial.advocates": 10,
    "initial.customers_per_tier": [70, 35, 15],
    "initial.at_risk_share": 0.2,
    "initial.nps_shares": {"promoter": 0.4, "passive": 0.4, "detractor": 0.2},
    "initial.asked": 0.5,
    "initial.onboarding": 8,
    "initial.open_leads": {"paid": 4, "organic": 8, "referral": 4},
    "initial.tenure_months": 12.0,
}

COMPARED = (
    "customers",
    "healthy",
    "at_risk",
    "promoters",
    "passives",
    "detractors",
    "advocates",
    "onboarding",
    "open_leads",
    "mrr",
    "churned",
    "new_customers",
    "upsells",
)


def _without_checks(scenario: Scenario, **engage: Any) -> Scenario:
    data = scenario.model_dump()
    data["engage"].update(health=None, triggers=None, **engage)
    return Scenario.model_validate(data)


def _data(scenario: Scenario, engine: Any, runs: int, seed: int) -> np.ndarray:
    return flysim.simulate(scenario, runs, seed, engine=engine, workers=1).data


@pytest.mark.statistical
def test_engines_agree_on_todays_business() -> None:
    scenario = _without_checks(load_scenario(STARTUP, TODAY))
    cols = [METRICS.index(m) for m in COMPARED]
    des = _data(scenario, AgentEngine(), 400, 101)[..., cols]
    mc = _data(scenario, MCEngine(), 2000, 102)[..., cols]
    report = compare_engines(
        "today's business",
        des,
        mc,
        metrics=COMPARED,
        months=[1, 2, 3],
        quantile_metrics=(),
    )
    assert sum(c.kind == "mean" for c in report.checks) >= 30
    worst, check = report.max_abs_z()
    print(f"worst |z| {worst:.2f}: {check.describe() if check else ''}")
    assert not report.failures, report.message()


def _share(data: np.ndarray, month: int) -> np.ndarray:
    at_risk, active = METRICS.index("at_risk"), METRICS.index("active")
    return data[:, month - 1, at_risk] / data[:, month - 1, active]


@pytest.mark.statistical
def test_at_risk_share_starts_where_it_stays() -> None:
    """startup.toml's chain (300 customers, no acquisition, no checks, no heterogeneity).

    Its quasi-stationary at-risk share, the left eigenvector of the
    transient generator's leading eigenvalue, is kept by survival: given at
    t = 0, the share of month 1 is that of month 6 within Monte Carlo error;
    omitted, the share climbs from 0.
    """
    base = load_scenario(STARTUP, {"initial.customers": 300, "scenario.horizon_months": 6})
    data = base.model_dump()
    data["attract"] = {}
    data["delight"]["referrals_per_advocate_per_month"] = 0.0
    scenario = _without_checks(Scenario.model_validate(data), churn_heterogeneity=0.0)
    e = scenario.engage
    r, rho = e.risk_per_month, e.recovery_per_month
    q = np.array([[-(r + e.churn_per_month.healthy), r], [rho, -(rho + e.churn_per_month.at_risk)]])
    values, vectors = np.linalg.eig(q.T)
    stationary = np.abs(vectors[:, np.argmax(values.real)])
    share = float(stationary[1] / stationary.sum())
    assert 0.15 < share < 0.3

    runs = 2000
    fresh = _data(scenario, "mc", runs, 7)
    climb = _share(fresh, 6) - _share(fresh, 1)
    assert climb.mean() > 20 * climb.std() / np.sqrt(runs)  # the artefact the key removes

    data = scenario.model_dump()
    data["initial"]["at_risk_share"] = share
    started = _data(Scenario.model_validate(data), "mc", runs, 7)
    first, sixth = _share(started, 1), _share(started, 6)
    diff = sixth - first
    z = diff.mean() / (diff.std(ddof=1) / np.sqrt(runs))
    assert abs(z) < Z, (first.mean(), sixth.mean(), z)
    assert abs(first.mean() - share) < Z * first.std(ddof=1) / np.sqrt(runs) + 1.0 / 300


@pytest.mark.statistical
@pytest.mark.parametrize("engine", ["des", "mc"])
def test_a_tenured_base_churns_as_its_posterior(engine: str) -> None:
    """Month-1 churn of a base that survived T months: no risk, no acquisition.

    Survival over t months of a customer whose multiplier is Gamma(k, rate
    k + hT) is ``((k + hT) / (k + hT + ht))^k``; the numpy core's classes give
    ``sum_k w_k exp(-m_k h t)`` with the reweighted class weights.
    """
    cv, h, tenure, n = 1.0, 0.05, 24.0, 200
    base = load_scenario(STARTUP, {"scenario.horizon_months": 1})
    data = base.model_dump()
    data["attract"] = {}
    data["delight"] = None
    data["initial"] = {"customers": n, "tenure_months": tenure}
    scenario = _without_checks(
        Scenario.model_validate(data),
        churn_heterogeneity=cv,
        risk_per_month=0.0,
        churn_per_month={"healthy": h, "at_risk": 0.2},
    )
    runs = 400 if engine == "des" else 4000
    churned = _data(scenario, engine, runs, 17)[:, 0, METRICS.index("churned")]
    shape, scale = (float(x) for x in posterior_gamma(cv, h * tenure))
    rate = 1.0 / scale
    exact = n * (1.0 - (rate / (rate + h)) ** shape)
    if engine == "mc":
        m, p = gamma_classes(cv, DEFAULT_CLASSES)
        exact = n * (1.0 - float(class_weights(m, p, h * tenure) @ np.exp(-m * h)))
    untenured = n * (1.0 - (shape / (shape + h)) ** shape)
    assert exact < 0.8 * untenured  # the survivors are visibly less frail
    se = churned.std(ddof=1) / np.sqrt(runs)
    assert abs(churned.mean() - exact) < Z * se, (churned.mean(), exact, se)
