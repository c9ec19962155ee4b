"""The weekly health signals, the health score and its four triggers.

Each active customer emits four signals a week, independent given its health
state: logins (Poisson), feature-usage share (Beta, from a mean and a
concentration), support tickets a month (Poisson) and a delayed payment
(Bernoulli). The agent model draws them (``draw_signals``); the numpy core uses
the exact per-state firing probability of each trigger
(``fire_probabilities``). Both use ``fires`` / ``health_score`` on the same
definitions, so their rates agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from flysim.model.states import Health
from flysim.scenario.schema import TRIGGER_NAMES, Triggers
from flysim.scenario.schema import Health as HealthTable

__all__ = [
    "AT_RISK",
    "HEALTHY",
    "SCORE_WEIGHTS",
    "HealthParams",
    "Signals",
    "TriggerParams",
    "compile_health",
    "draw_signals",
    "expected_score",
    "fire_probabilities",
    "fires",
    "health_score",
    "recovery_probability",
    "score_variance",
]

#: Health state indices used by both engines (``flysim.model.states.Health``).
HEALTHY, AT_RISK = Health.HEALTHY, Health.AT_RISK

#: The article's weights: logins, feature usage, tickets, payment.
SCORE_WEIGHTS: tuple[float, float, float, float] = (0.25, 0.30, 0.20, 0.25)
#: Logins a week that count as full engagement (a login every working day).
LOGINS_FULL: float = 5.0
#: Tickets a month at which the ticket component reaches 0.
TICKETS_WORST: float = 6.0


@dataclass(frozen=True)
class TriggerParams:
    """One enabled trigger: its threshold, action cost and success probability."""

    name: str
    threshold: float
    cost: float
    success: float


@dataclass(frozen=True)
class HealthParams:
    """Signal distributions per health state (index HEALTHY, AT_RISK) and the triggers."""

    logins: tuple[float, float]
    usage_mean: tuple[float, float]
    usage_concentration: float
    tickets: tuple[float, float]
    payment_delay: tuple[float, float]
    triggers: tuple[TriggerParams, ...]

    def beta_ab(self, state: int) -> tuple[float, float]:
        """Beta parameters of the usage share in a health state."""
        m, c = self.usage_mean[state], self.usage_concentration
        return m * c, (1.0 - m) * c


@dataclass(frozen=True)
class Signals:
    """One week's signals of a group of customers (arrays of equal length)."""

    logins: np.ndarray
    usage: np.ndarray
    tickets: np.ndarray
    delayed: np.ndarray


def compile_health(health: HealthTable, triggers: Triggers | None) -> HealthParams:
    """Gather the ``[engage.health]`` and ``[engage.triggers]`` tables into arrays."""
    enabled = triggers.enabled() if triggers is not None else {}
    thresholds = {
        "risk_alert": lambda t: t.logins_below,
        "education": lambda t: t.usage_below,
        "escalation": lambda t: t.tickets_above,
        "retention": lambda t: 0.5,
    }
    params = tuple(
        TriggerParams(name, float(thresholds[name](t)), t.cost, t.success)
        for name, t in enabled.items()
    )

    def pair(by_state: object) -> tuple[float, float]:
        return (by_state.healthy, by_state.at_risk)  # type: ignore[attr-defined]

    return HealthParams(
        logins=pair(health.logins_per_week),
        usage_mean=pair(health.feature_usage),
        usage_concentration=health.feature_usage_concentration,
        tickets=pair(health.tickets_per_month),
        payment_delay=pair(health.payment_delay),
        triggers=params,
    )


def draw_signals(params: HealthParams, state: int, n: int, rng: np.random.Generator) -> Signals:
    """Draw one week's signals for ``n`` customers in a health state."""
    a, b = params.beta_ab(state)
    return Signals(
        logins=rng.poisson(params.logins[state], n),
        usage=rng.beta(a, b, n),
        tickets=rng.poisson(params.tickets[state], n),
        delayed=rng.random(n) < params.payment_delay[state],
    )


def fires(trigger: TriggerParams, s: Signals) -> np.ndarray:
    """Which customers' signals fire a trigger (boolean array)."""
    if trigger.name == "risk_alert":
        return s.logins < trigger.threshold
    if trigger.name == "education":
        return s.usage < trigger.threshold
    if trigger.name == "escalation":
        return s.tickets > trigger.threshold
    if trigger.name == "retention":
        return s.delayed
    raise ValueError(f"unknown trigger {trigger.name!r}; known: {TRIGGER_NAMES}")


# The Poisson law as scipy.stats computes it, from scipy.special: scipy.stats
# takes most of a second to import, which every command line would pay.
def _poisson_pmf(k: np.ndarray, mu: float) -> np.ndarray:
    return np.exp(special.xlogy(k, mu) - special.gammaln(k + 1) - mu)


def _poisson_cdf(k: int, mu: float) -> float:
    return 0.0 if k < 0 else float(special.pdtr(k, mu))


def _poisson_sf(k: int, mu: float) -> float:
    return 1.0 if k < 0 else float(special.pdtrc(k, mu))


def fire_probabilities(params: HealthParams, state: int) -> np.ndarray:
    """Exact probability that each enabled trigger fires on one weekly check.

    For example ``P(Poisson(mean_logins) < 2)`` for the risk alert. Order
    follows ``params.triggers``.
    """
    out = []
    for t in params.triggers:
        if t.name == "risk_alert":
            # P(X < k) for integer X is P(X <= ceil(k) - 1).
            p = _poisson_cdf(math.ceil(t.threshold) - 1, params.logins[state])
        elif t.name == "education":
            a, b = params.beta_ab(state)
            p = special.betainc(a, b, min(max(t.threshold, 0.0), 1.0))  # the Beta cdf
        elif t.name == "escalation":
            p = _poisson_sf(math.floor(t.threshold), params.tickets[state])
        else:
            p = params.payment_delay[state]
        out.append(float(p))
    return np.asarray(out, dtype=float)


def recovery_probability(params: HealthParams) -> float:
    """Probability that one weekly check's actions bring an at-risk customer back.

    Triggers fire independently given the state, and each fired action
    succeeds independently, so the customer stays at risk only if every
    trigger either does not fire or fails.
    """
    p_fire = fire_probabilities(params, 1)
    success = np.array([t.success for t in params.triggers], dtype=float)
    return float(1.0 - np.prod(1.0 - p_fire * success))


def health_score(s: Signals) -> np.ndarray:
    """The 0 to 100 health score of each customer's weekly signals.

    Components, each in [0, 1]: logins ``min(logins / 5, 1)``; feature usage
    share as is; tickets ``max(0, 1 - tickets / 6)``; payment 0 if delayed
    else 1; weighted 25/30/20/25 %.
    """
    w = SCORE_WEIGHTS
    return 100.0 * (
        w[0] * np.minimum(s.logins / LOGINS_FULL, 1.0)
        + w[1] * s.usage
        + w[2] * np.maximum(0.0, 1.0 - s.tickets / TICKETS_WORST)
        + w[3] * (~s.delayed)
    )


def expected_score(params: HealthParams, state: int) -> float:
    """Expected health score of one customer in a health state (closed form)."""
    lam = params.logins[state]
    # E[min(X/5, 1)] = sum_{k<5} P(k) k/5 + P(X >= 5)
    ks = np.arange(int(LOGINS_FULL))
    logins = float(
        np.sum(_poisson_pmf(ks, lam) * ks / LOGINS_FULL) + _poisson_sf(int(LOGINS_FULL) - 1, lam)
    )
    mu = params.tickets[state]
    kt = np.arange(int(TICKETS_WORST))
    tickets = float(np.sum(_poisson_pmf(kt, mu) * (1.0 - kt / TICKETS_WORST)))
    w = SCORE_WEIGHTS
    return 100.0 * (
        w[0] * logins
        + w[1] * params.usage_mean[state]
        + w[2] * tickets
        + w[3] * (1.0 - params.payment_delay[state])
    )


def score_variance(params: HealthParams, state: int) -> float:
    """Variance of one customer's weekly health score in a health state (closed form).

    The four components are independent given the state, so the variance is
    the weighted sum of theirs: the capped login share and the ticket
    component from the Poisson pmf, the Beta share's ``m (1 - m) / (c + 1)``
    and the Bernoulli payment's ``p (1 - p)``.
    """
    lam = params.logins[state]
    ks = np.arange(int(LOGINS_FULL))
    pk = _poisson_pmf(ks, lam)
    tail = _poisson_sf(int(LOGINS_FULL) - 1, lam)
    share = ks / LOGINS_FULL
    l1 = float(np.sum(pk * share) + tail)
    l2 = float(np.sum(pk * share**2) + tail)
    mu = params.tickets[state]
    kt = np.arange(int(TICKETS_WORST))
    pt = _poisson_pmf(kt, mu)
    comp = 1.0 - kt / TICKETS_WORST
    t1, t2 = float(np.sum(pt * comp)), float(np.sum(pt * comp**2))
    m, c = params.usage_mean[state], params.usage_concentration
    d = params.payment_delay[state]
    w = SCORE_WEIGHTS
    var = (
        w[0] ** 2 * (l2 - l1**2)
        + w[1] ** 2 * m * (1.0 - m) / (c + 1.0)
        + w[2] ** 2 * (t2 - t1**2)
        + w[3] ** 2 * d * (1.0 - d)
    )
    return 100.0**2 * var
