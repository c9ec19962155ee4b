"""Two-sample comparisons of two engines' metrics, with a time-step allowance.

The engine agreement suite (``tests/statistical/test_agreement.py``) compares
the agent model ("des", the reference) with the numpy core ("mc") at its
default time step ``dt``. The numpy core is also run at ``dt / 4`` so that its
step bias can be estimated rather than guessed. Three samples of one metric in
one month enter every comparison, each from its own seed (so they are
independent):

- ``x``: des, ``n_x`` runs; ``c``: mc at ``dt``, ``n_c`` runs; ``f``: mc at
  ``dt / 4``, ``n_f`` runs.

**Means.** The numpy core's approximations (rates held at a step's start,
first-order transitions per step) give it a bias ``b(dt) = E[c] - E[x]`` that
is first order in ``dt``, so ``b(dt) ~ (4/3) (E[c] - E[f])`` (Richardson). With
``D = mean(x) - mean(c)`` and the estimate ``b = (4/3) (mean(c) - mean(f))``,
``D + b = mean(x) - mean(r)`` where ``r = (4 f - c) / 3`` is the Richardson
extrapolant, and its standard error is exact from the three samples:

    s**2 = var(x)/n_x + var(c)/(9 n_c) + 16 var(f)/(9 n_f).

The rule is ``|D| <= |b| + t * s``, with ``t = tests.stats.critical_value(df)``
at the Welch-Satterthwaite degrees of freedom of ``s``. ``|b|`` is the
time-step allowance; it is derived from data, not picked. Because
``|D| <= |D + b| + |b|``, the rule fails a correct engine no more often than
the plain test of des against the extrapolant (the two-sided tail of
``tests.stats.Z``) does; yet it never blames the numpy core for a step bias
that lies between its own mean and its extrapolation to ``dt -> 0``, whichever
side of it the agent model is. It is sharper than adding a separate
confidence bound on ``b`` to a Welch bound on ``D`` (the brief's suggestion),
because that counts the noise of ``mean(c)`` twice, in ``D`` and in ``b``, and
adds two ``Z``-sized margins where one suffices. A bias that is not first
order in ``dt`` (for example the discretisation of churn heterogeneity into
classes, which no step size removes) is not allowed for: it shows as a
failure, which is the point.

A metric and month is skipped where either engine has fewer than
``MIN_PRESENT`` non-missing runs (a mean and its SE would mean little). Where
both engines' values are constant (fixed spends, a stock that nothing moves)
there is no variance to scale a bound, so the two constants must be equal.

**Missing values.** A ratio is missing where its denominator is 0, so the
count of missing runs is a binomial count; the shares must agree. Where
``min(n_x, n_c) p (1 - p) >= MIN_NPQ`` (pooled ``p``), the shares are compared
like means, with the binomial SE under equal shares and the same Richardson
allowance; in the far tail, where the normal approximation fails, Fisher's
exact test of des against mc at ``dt`` must not reject at the two-sided tail
of ``Z``.

**Quantiles.** P5 and P95 of the main counts are compared with
distribution-free confidence intervals (``scipy.stats.quantile_test``: order
statistics, exact binomial coverage, conservative for the ties of integer
counts): each engine's interval has coverage ``1 - alpha/2`` with ``alpha``
the two-sided tail of ``Z``, so two intervals for one true quantile miss each
other with probability at most ``alpha``. The numpy core's interval is widened
by the Richardson allowance of its quantile, ``(4/3) |Q(c) - Q(f)|``. This
tests exactly the quantiles the issue names; a Kolmogorov-Smirnov or
Anderson-Darling test would test the whole distribution, weigh the middle
(already covered by the means) more than the tails, and admit no step
allowance.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from tests.stats import MIN_NPQ, Z, critical_value

__all__ = [
    "ALPHA",
    "MIN_PRESENT",
    "Check",
    "Report",
    "compare_engines",
    "compare_mean",
    "compare_missing",
    "compare_quantile",
]

log = logging.getLogger("flysim.tests.agreement")

#: Two-sided tail probability of one comparison (that of ``Z`` under the normal).
ALPHA: float = float(2.0 * stats.norm.sf(Z))

#: Non-missing runs each engine needs for its mean of a metric to be compared.
MIN_PRESENT: int = 30

#: Richardson factor for a first-order bias and a step ratio of 4: b(dt) = (4/3)(m(dt) - m(dt/4)).
RICHARDSON: float = 4.0 / 3.0


@dataclass(frozen=True)
class Check:
    """One comparison of the two engines.

    Attributes
    ----------
    kind : str
        ``"mean"``, ``"equal"`` (both constant), ``"missing"`` (share of
        missing runs), ``"P5"`` or ``"P95"``.
    metric : str
        Metric name.
    month : int
        1-based month.
    des, mc : float
        The estimates (mean, constant, missing share or quantile) of des and
        of mc at its default step.
    allowance : float
        The Richardson time-step allowance ``|b|``.
    se : float
        Standard error the bound scales (0 for ``equal`` and quantiles).
    z : float
        Plain two-sample z of ``des - mc`` (des against mc at ``dt``, no
        allowance); NaN where no SE applies.
    excess : float
        ``(|des - mc| - allowance) / se``, the statistic compared with
        ``crit`` (for Fisher's test, the normal quantile of its p-value; for
        quantiles, the gap between the intervals, 0 when they overlap).
    crit : float
        The critical value ``excess`` may reach.
    ok : bool
        Whether the engines agree.
    detail : str
        What else the failure message should say.
    """

    kind: str
    metric: str
    month: int
    des: float
    mc: float
    allowance: float
    se: float
    z: float
    excess: float
    crit: float
    ok: bool
    detail: str = ""

    def describe(self) -> str:
        """One line for a failure message."""
        return (
            f"{self.kind} {self.metric} month {self.month}: des {self.des:.6g}, "
            f"mc {self.mc:.6g}, se {self.se:.3g}, allowance {self.allowance:.3g}, "
            f"z {self.z:.2f}, excess {self.excess:.2f} > {self.crit:.2f}"
            + (f" ({self.detail})" if self.detail else "")
        )


@dataclass
class Report:
    """Every comparison of one scenario, and what was skipped and why."""

    scenario: str
    checks: list[Check] = field(default_factory=list)
    skipped: list[tuple[str, int, str]] = field(default_factory=list)

    @property
    def failures(self) -> list[Check]:
        """The comparisons that failed."""
        return [c for c in self.checks if not c.ok]

    def max_abs_z(self, kind: str = "mean") -> tuple[float, Check | None]:
        """Largest plain ``|z|`` among comparisons of one kind, and that comparison."""
        rows = [c for c in self.checks if c.kind == kind and np.isfinite(c.z)]
        if not rows:
            return 0.0, None
        worst = max(rows, key=lambda c: abs(c.z))
        return abs(worst.z), worst

    def max_excess(self, kinds: Iterable[str] = ("mean", "missing")) -> tuple[float, Check | None]:
        """Largest test statistic (after the allowance) among some kinds."""
        kinds = tuple(kinds)
        rows = [c for c in self.checks if c.kind in kinds and np.isfinite(c.excess)]
        if not rows:
            return 0.0, None
        worst = max(rows, key=lambda c: c.excess)
        return worst.excess, worst

    def message(self, limit: int = 40) -> str:
        """A failure message listing the failed comparisons."""
        bad = self.failures
        lines = [f"{self.scenario}: {len(bad)} of {len(self.checks)} comparisons failed"]
        lines += [f"  {c.describe()}" for c in bad[:limit]]
        if len(bad) > limit:
            lines.append(f"  ... and {len(bad) - limit} more")
        return "\n".join(lines)


def _satterthwaite(variances: Sequence[float], dfs: Sequence[int]) -> float:
    """Welch-Satterthwaite degrees of freedom of a sum of independent variance terms."""
    total = sum(variances)
    denom = sum(v * v / d for v, d in zip(variances, dfs, strict=True) if v > 0)
    return float(total * total / denom) if denom > 0 else float("inf")


def compare_mean(
    x: np.ndarray, c: np.ndarray, f: np.ndarray, *, metric: str, month: int
) -> Check | str:
    """Compare the means of des (``x``) and mc (``c`` at dt, ``f`` at dt/4).

    NaNs are dropped: a ratio's mean is over the runs where it is present.

    Returns
    -------
    Check or str
        The comparison, or the reason it was skipped.
    """
    x, c, f = (a[~np.isnan(a)] for a in (x, c, f))
    # Skipped: with so few values neither the mean nor its SE means much (the
    # share of missing runs is still compared, by compare_missing).
    if min(len(x), len(c), len(f)) < MIN_PRESENT:
        return f"fewer than {MIN_PRESENT} runs with a value (des {len(x)}, mc {len(c)}/{len(f)})"
    mx, mc_, mf = float(x.mean()), float(c.mean()), float(f.mean())
    vx, vc, vf = (float(a.var(ddof=1)) / len(a) for a in (x, c, f))
    if vx == 0.0 and vc == 0.0:
        # No variance to scale a bound: the constants themselves must agree.
        ok = bool(np.isclose(mx, mc_, rtol=1e-9, atol=1e-9))
        return Check(
            "equal",
            metric,
            month,
            des=mx,
            mc=mc_,
            allowance=0.0,
            se=0.0,
            z=np.nan,
            excess=0.0 if ok else np.inf,
            crit=0.0,
            ok=ok,
        )
    diff = mx - mc_
    allowance = abs(RICHARDSON * (mc_ - mf))
    terms = (vx, vc / 9.0, 16.0 * vf / 9.0)
    se = float(np.sqrt(sum(terms)))
    crit = critical_value(_satterthwaite(terms, (len(x) - 1, len(c) - 1, len(f) - 1)))
    excess = (abs(diff) - allowance) / se
    z = diff / float(np.sqrt(vx + vc))
    return Check(
        "mean",
        metric,
        month,
        des=mx,
        mc=mc_,
        allowance=allowance,
        se=se,
        z=z,
        excess=excess,
        crit=crit,
        ok=excess <= crit,
    )


def compare_missing(
    x: np.ndarray, c: np.ndarray, f: np.ndarray, *, metric: str, month: int
) -> Check | None:
    """Compare the shares of runs in which a metric is missing; None if none is, anywhere."""
    n = np.array([len(x), len(c), len(f)], dtype=float)
    k = np.array([np.isnan(a).sum() for a in (x, c, f)], dtype=float)
    if k.sum() == 0:
        return None
    p = k / n
    pooled = float(k.sum() / n.sum())
    diff = float(p[0] - p[1])
    if min(n[0], n[1]) * pooled * (1.0 - pooled) >= MIN_NPQ:
        allowance = abs(RICHARDSON * float(p[1] - p[2]))
        se = float(np.sqrt(pooled * (1.0 - pooled) * (1 / n[0] + 1 / (9 * n[1]) + 16 / (9 * n[2]))))
        z = diff / float(np.sqrt(pooled * (1.0 - pooled) * (1 / n[0] + 1 / n[1])))
        excess = (abs(diff) - allowance) / se
        return Check(
            "missing",
            metric,
            month,
            des=float(p[0]),
            mc=float(p[1]),
            allowance=allowance,
            se=se,
            z=z,
            excess=excess,
            crit=Z,
            ok=excess <= Z,
        )
    # Far tail: the normal approximation is poor; Fisher's exact test instead.
    table = [[k[0], n[0] - k[0]], [k[1], n[1] - k[1]]]
    pvalue = float(stats.fisher_exact(np.asarray(table, dtype=np.int64)).pvalue)
    excess = float(stats.norm.isf(pvalue / 2.0))
    return Check(
        "missing",
        metric,
        month,
        des=float(p[0]),
        mc=float(p[1]),
        allowance=0.0,
        se=np.nan,
        z=np.nan,
        excess=excess,
        crit=Z,
        ok=pvalue >= ALPHA,
        detail=f"Fisher exact p = {pvalue:.2g}",
    )


def _quantile_interval(a: np.ndarray, p: float) -> tuple[float, float]:
    ci = stats.quantile_test(a, q=float(np.quantile(a, p)), p=p).confidence_interval(
        confidence_level=1.0 - ALPHA / 2.0
    )
    # quantile_test gives NaN for an end no order statistic reaches: unbounded.
    low = -np.inf if np.isnan(ci.low) else float(ci.low)
    high = np.inf if np.isnan(ci.high) else float(ci.high)
    return low, high


def compare_quantile(
    x: np.ndarray, c: np.ndarray, f: np.ndarray, p: float, *, metric: str, month: int
) -> Check | str:
    """Compare the ``p`` quantile of des and mc by distribution-free confidence intervals."""
    x, c, f = (a[~np.isnan(a)] for a in (x, c, f))
    if min(len(x), len(c), len(f)) < MIN_PRESENT:
        return f"fewer than {MIN_PRESENT} runs with a value"
    qx, qc, qf = (float(np.quantile(a, p, method="inverted_cdf")) for a in (x, c, f))
    allowance = abs(RICHARDSON * (qc - qf))
    lx, hx = _quantile_interval(x, p)
    lc, hc = _quantile_interval(c, p)
    lc, hc = lc - allowance, hc + allowance
    gap = max(lx - hc, lc - hx, 0.0)
    kind = f"P{round(100 * p)}"
    detail = f"des CI [{lx:.6g}, {hx:.6g}], mc CI widened [{lc:.6g}, {hc:.6g}]"
    return Check(
        kind,
        metric,
        month,
        des=qx,
        mc=qc,
        allowance=allowance,
        se=0.0,
        z=np.nan,
        excess=gap,
        crit=0.0,
        ok=gap == 0.0,
        detail=detail,
    )


def compare_engines(
    scenario: str,
    des: np.ndarray,
    mc: np.ndarray,
    fine: np.ndarray,
    *,
    metrics: Sequence[str],
    months: Sequence[int],
    quantile_metrics: Sequence[str],
    quantiles: Sequence[float] = (0.05, 0.95),
) -> Report:
    """Every comparison of the module docstring, for the given metrics and months.

    Parameters
    ----------
    scenario : str
        Name used in messages.
    des, mc, fine : numpy.ndarray
        ``runs x months x len(metrics)`` metric arrays of des, mc at its
        default step and mc at a quarter of it.
    metrics : sequence of str
        Names of the last axis.
    months : sequence of int
        1-based months to compare.
    quantile_metrics : sequence of str
        Metrics whose quantiles are compared too.
    quantiles : sequence of float
        The quantiles.
    """
    report = Report(scenario)
    for j, name in enumerate(metrics):
        for month in months:
            cols = (des[:, month - 1, j], mc[:, month - 1, j], fine[:, month - 1, j])
            mean = compare_mean(*cols, metric=name, month=month)
            if isinstance(mean, str):
                report.skipped.append((name, month, mean))
            else:
                report.checks.append(mean)
            missing = compare_missing(*cols, metric=name, month=month)
            if missing is not None:
                report.checks.append(missing)
            if name in quantile_metrics:
                for p in quantiles:
                    q = compare_quantile(*cols, p, metric=name, month=month)
                    if isinstance(q, str):
                        report.skipped.append((f"{name} P{round(100 * p)}", month, q))
                    else:
                        report.checks.append(q)
    for kind in ("mean", "missing"):
        value, worst = report.max_abs_z(kind)
        if worst is not None:
            log.info(
                "%s: max |z| of %s = %.2f at %s month %d",
                scenario,
                kind,
                value,
                worst.metric,
                worst.month,
            )
    value, worst = report.max_excess()
    if worst is not None:
        log.info(
            "%s: max excess over the allowance = %.2f (%s %s month %d)",
            scenario,
            value,
            worst.kind,
            worst.metric,
            worst.month,
        )
    for name, month, why in report.skipped:
        log.debug("%s: skipped %s month %d: %s", scenario, name, month, why)
    return report
