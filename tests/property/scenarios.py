"""Hypothesis strategies: scenario documents, valid and near-valid, and their books.

Scenarios are built from a complete base document (every section present) by
mutations a user could make: a numeric value changed (within a plausible
range, or to an extreme: 0, negative, subnormal, up to 1e12, NaN, infinity),
optional sections dropped or added, triggers, tiers, delight and evolve
toggled. ``check_books`` holds a result to the accounting identities of
MODEL.md's metrics.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

import flysim
from flysim.metrics.names import FLOWS, MONEY, SPEND_LINES, STOCKS

#: A complete scenario: every optional section, two tiers, all four triggers.
BASE: dict[str, Any] = {
    "scenario": {"name": "prop", "horizon_months": 2, "runs": 2, "seed": 3},
    "market": {"size": 5000},
    "initial": {"customers": 20, "advocates": 2},
    "revenue": {
        "gross_margin": 0.8,
        "tiers": [{"name": "basic", "mrr": 50.0}, {"name": "pro", "mrr": 150.0}],
    },
    "attract": {
        "paid": {
            "budget_per_month": 1000.0,
            "cost_per_lead": 20.0,
            "conversion": 0.1,
            "days_to_decide": 5.0,
        },
        "organic": {
            "leads_per_month": 20.0,
            "growth_per_month": 0.05,
            "leads_per_promoter_per_month": 0.1,
            "cost_per_month": 200.0,
            "conversion": 0.05,
            "days_to_decide": 10.0,
        },
        "referral": {"conversion": 0.3, "days_to_decide": 3.0},
    },
    "engage": {
        "days_to_value": 10.0,
        "onboarding_churn_per_month": 0.1,
        "risk_per_month": 0.05,
        "recovery_per_month": 0.2,
        "churn_per_month": {"healthy": 0.02, "at_risk": 0.1},
        "churn_heterogeneity": 0.5,
        "upsell_per_month": 0.03,
        "health": {
            "logins_per_week": {"healthy": 4.0, "at_risk": 1.2},
            "feature_usage": {"healthy": 0.65, "at_risk": 0.35},
            "feature_usage_concentration": 10.0,
            "tickets_per_month": {"healthy": 0.8, "at_risk": 2.5},
            "payment_delay": {"healthy": 0.01, "at_risk": 0.08},
        },
        "triggers": {
            "risk_alert": {"logins_below": 2, "cost": 5.0, "success": 0.3},
            "education": {"usage_below": 0.5, "cost": 1.0, "success": 0.2},
            "escalation": {"tickets_above": 3, "cost": 20.0, "success": 0.4},
            "retention": {"cost": 50.0, "success": 0.5},
        },
    },
    "delight": {
        "nps": {
            "healthy": {"promoter": 0.5, "passive": 0.3, "detractor": 0.2},
            "at_risk": {"promoter": 0.1, "passive": 0.4, "detractor": 0.5},
        },
        "ask_after_days": 30.0,
        "ask_accept": 0.5,
        "referrals_per_advocate_per_month": 0.2,
        "reward": 25.0,
    },
    "evolve": {
        "experiments_per_month": 2.0,
        "win_rate": 0.3,
        "uplift_per_win": 0.05,
        "cost_per_experiment": 100.0,
    },
    "costs": {"stack_per_month": 100.0, "onboarding_per_customer": 10.0},
}

#: Sections a scenario may leave out, as key paths.
OPTIONAL: tuple[tuple[str, ...], ...] = (
    ("market",),
    ("market", "size"),
    ("initial",),
    ("initial", "advocates"),
    ("attract", "paid"),
    ("attract", "organic"),
    ("attract", "referral"),
    ("engage", "health"),
    ("engage", "triggers"),
    ("engage", "triggers", "risk_alert"),
    ("engage", "triggers", "education"),
    ("engage", "triggers", "escalation"),
    ("engage", "triggers", "retention"),
    ("delight",),
    ("evolve",),
    ("costs",),
)


def numeric_paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Key paths (list indices included) of every number in a document."""
    if isinstance(doc, dict):
        return [p for k, v in doc.items() for p in numeric_paths(v, (*prefix, k))]
    if isinstance(doc, list):
        return [p for i, v in enumerate(doc) for p in numeric_paths(v, (*prefix, i))]
    if isinstance(doc, bool):
        return []
    return [prefix] if isinstance(doc, int | float) else []


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(doc, path[:-1])[path[-1]] = value


def _drop(doc: dict[str, Any], path: tuple[str, ...]) -> None:
    try:
        parent = _get(doc, path[:-1])
    except (KeyError, TypeError):
        return
    if isinstance(parent, dict):
        parent.pop(path[-1], None)


#: Values of any size a user might type, up to 1e12 (plus NaN and infinities,
#: which TOML can spell and the schema must refuse).
EXTREME = st.one_of(
    st.sampled_from([0, 0.0, -1.0, 1, 5e-324, 1e-300, 1e12, -1e12, math.nan, math.inf, -math.inf]),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
)


def _plausible(value: float) -> st.SearchStrategy[float]:
    """A value near a base one: 0, or the base scaled by up to 10x either way."""
    scaled = st.floats(min_value=0.1, max_value=10.0).map(lambda f: value * f)
    if isinstance(value, int) and not isinstance(value, bool):
        scaled = scaled.map(round)
    return st.one_of(st.just(type(value)(0)), scaled)


@st.composite
def scenario_docs(draw: st.DrawFn, *, extreme: bool) -> dict[str, Any]:
    """A scenario document: the base, some sections dropped, some numbers changed.

    With ``extreme`` numbers may take any value of ``EXTREME``; without, they
    stay within a plausible range of the base (so that the run is cheap and
    its books can be checked), except probabilities, which take any value in
    [0, 1].
    """
    doc = copy.deepcopy(BASE)
    for path in draw(st.lists(st.sampled_from(OPTIONAL), max_size=5, unique=True)):
        _drop(doc, path)
    n_tiers = draw(st.integers(min_value=1, max_value=4))
    doc["revenue"]["tiers"] = [
        {"name": f"t{i}", "mrr": 50.0 * (i + 1) ** 2} for i in range(n_tiers)
    ]
    paths = numeric_paths(doc)
    for i, path in enumerate(draw(st.lists(st.sampled_from(paths), max_size=6, unique=True))):
        base = _get(doc, path)
        if extreme and i < 2:
            # One or two extremes at most: more and nearly every file is refused
            # for one of them, and the others are never computed.
            value = draw(EXTREME)
        elif path == ("scenario", "horizon_months"):
            continue
        elif 0.0 <= base <= 1.0 and isinstance(base, float) and path[-1] != "growth_per_month":
            value = draw(st.floats(min_value=0.0, max_value=1.0))
        else:
            value = draw(_plausible(base))
        _set(doc, path, value)
    return doc


def is_small_for_agents(result: flysim.SimulationResult, budget: float = 20_000.0) -> bool:
    """Whether the agent model would process at most ``budget`` events a run.

    Estimated from the numpy core's result of the same scenario (same
    distribution): leads and their decisions, customers' transitions and the
    weekly health checks, in the run with the most.
    """
    m = {name: np.nan_to_num(result.metric(name), nan=np.inf) for name in result.metrics}
    per_month = (
        2 * (m["leads_paid"] + m["leads_organic"] + m["leads_referral"])
        + 6 * m["customers"]
        + 4 * m["new_customers"]
        + m["trigger_actions"]
        + m["experiments_won"]
    )
    total = per_month.sum(axis=1).max()
    return bool(np.isfinite(total) and total <= budget)


def check_books(result: flysim.SimulationResult, scenario: flysim.Scenario) -> None:
    """The accounting identities every result must satisfy, run by run, month by month."""
    m = {name: result.metric(name) for name in result.metrics}
    what = f"{result.provenance.engine}: "
    for name in (*FLOWS, *STOCKS, *MONEY):
        assert np.isfinite(m[name]).all(), what + f"{name} has NaN or inf"
    for name in (*FLOWS, *STOCKS):
        assert (m[name] >= 0).all(), what + f"{name} < 0"
    for name in result.metrics:
        # a ratio may be missing (NaN), never infinite (MODEL.md)
        assert not np.isinf(m[name]).any(), what + f"{name} is infinite"

    def equal(a: np.ndarray, b: np.ndarray, name: str) -> None:
        scale = np.maximum(np.abs(a), np.abs(b))
        assert (np.abs(a - b) <= 1e-9 * scale + 1e-9).all(), what + name

    equal(m["customers"], m["onboarding"] + m["active"], "customers = onboarding + active")
    equal(m["active"], m["healthy"] + m["at_risk"], "active = healthy + at_risk")
    if scenario.delight is not None:
        nps = m["promoters"] + m["passives"] + m["detractors"]
        equal(nps, m["active"], "promoters + passives + detractors = active")
    assert (m["advocates"] <= m["promoters"]).all(), what + "advocates <= promoters"
    equal(m["spend_total"], sum(m[s] for s in SPEND_LINES), "spend_total = sum of spend lines")
    by_channel = m["new_customers_paid"] + m["new_customers_organic"] + m["new_customers_referral"]
    equal(m["new_customers"], by_channel, "new customers = sum by channel")
    before = np.concatenate(
        [np.full((result.n_runs, 1), float(scenario.initial.customers)), m["customers"][:, :-1]],
        axis=1,
    )
    equal(
        m["customers"],
        before + m["new_customers"] - m["churned"],
        "customers(m) = customers(m-1) + new - churned",
    )
    churn = m["churn_rate"][~np.isnan(m["churn_rate"])]
    assert ((churn >= 0) & (churn <= 1)).all(), what + "churn_rate within [0, 1]"
    annual = m["churn_rate_annual"][~np.isnan(m["churn_rate_annual"])]
    assert ((annual >= 0) & (annual <= 1)).all(), what + "churn_rate_annual within [0, 1]"
