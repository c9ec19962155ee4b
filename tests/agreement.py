"""Two-sample comparisons of two engines' metrics, within their Monte Carlo errors alone.

The engine agreement suite (``tests/statistical/test_agreement.py``) compares
the agent model ("des", the reference) with the numpy core ("mc") at its
default time step. Two samples of one metric in one month enter every
comparison, each from its own seed (so they are independent): ``x``, des,
``n_x`` runs, and ``c``, mc, ``n_c`` runs.

**No time-step allowance.** The numpy core's step scheme has no first-order
error left: customers move with their chain's exact step probabilities,
arrivals read their drivers at the step's midpoint (second order: the Bass
oracle holds at 1,000 runs with no allowance, ``test_time_step.py``), every
count is drawn from its exact law. An earlier suite ran the core again at a
quarter of the step and allowed for the difference (Richardson); that
allowance is gone, so a step bias shows as a failure like any other.

**Means.** With ``D = mean(x) - mean(c)`` and ``s**2 = var(x)/n_x +
var(c)/n_c``, the rule is ``|D| <= t * s``, with ``t =
tests.stats.critical_value(df)`` at the Welch-Satterthwaite degrees of
freedom of ``s``.

A metric and month is skipped where either engine has fewer than
``MIN_PRESENT`` non-missing runs (a mean and its SE would mean little). Where
both engines' values are constant (fixed spends, a stock that nothing moves)
there is no variance to scale a bound, so the two constants must be equal.

**Missing values.** A ratio is missing where its denominator is 0, so the
count of missing runs is a binomial count; the shares must agree. Where
``min(n_x, n_c) p (1 - p) >= MIN_NPQ`` (pooled ``p``), the shares are compared
like means, with the binomial SE under equal shares; in the far tail, where
the normal approximation fails, Fisher's exact test must not reject at the
two-sided tail of ``Z``.

**Quantiles.** P5 and P95 of the main counts are compared with
distribution-free confidence intervals (``scipy.stats.quantile_test``: order
statistics, exact binomial coverage, conservative for the ties of integer
counts): each engine's interval has coverage ``1 - alpha/2`` with ``alpha``
the two-sided tail of ``Z``, so two intervals for one true quantile miss each
other with probability at most ``alpha``. This tests exactly the quantiles the
issue names; a Kolmogorov-Smirnov or Anderson-Darling test would test the
whole distribution and weigh the middle (already covered by the means) more
than the tails.
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
        of mc.
    se : float
        Standard error the bound scales (0 for ``equal`` and quantiles).
    z : float
        Two-sample z of ``des - mc``; NaN where no SE applies.
    excess : float
        ``|des - mc| / se``, the statistic compared with ``crit`` (for
        Fisher's test, the normal quantile of its p-value; for quantiles,
        the gap between the intervals, 0 when they overlap).
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
            f"mc {self.mc:.6g}, se {self.se:.3g}, "
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
        """Largest test statistic among some kinds."""
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


def compare_mean(x: np.ndarray, c: np.ndarray, *, metric: str, month: int) -> Check | str:
    """Compare the means of des (``x``) and mc (``c``).

    NaNs are dropped: a ratio's mean is over the runs where it is present.

    Returns
    -------
    Check or str
        The comparison, or the reason it was skipped.
    """
    x, c = (a[~np.isnan(a)] for a in (x, c))
    # Skipped: with so few values neither the mean nor its SE means much (the
    # share of missing runs is still compared, by compare_missing).
    if min(len(x), len(c)) < MIN_PRESENT:
        return f"fewer than {MIN_PRESENT} runs with a value (des {len(x)}, mc {len(c)})"
    mx, mc_ = float(x.mean()), float(c.mean())
    vx, vc = (float(a.var(ddof=1)) / len(a) for a in (x, c))
    if vx == 0.0 and vc == 0.0:
        # No variance to scale a bound: the constants themselves must agree.
        ok = bool(np.isclose(mx, mc_, rtol=1e-9, atol=1e-9))
        return Check(
            "equal",
            metric,
            month,
            des=mx,
            mc=mc_,
            se=0.0,
            z=np.nan,
            excess=0.0 if ok else np.inf,
            crit=0.0,
            ok=ok,
        )
    se = float(np.sqrt(vx + vc))
    crit = critical_value(_satterthwaite((vx, vc), (len(x) - 1, len(c) - 1)))
    z = (mx - mc_) / se
    return Check(
        "mean",
        metric,
        month,
        des=mx,
        mc=mc_,
        se=se,
        z=z,
        excess=abs(z),
        crit=crit,
        ok=abs(z) <= crit,
    )


def compare_missing(x: np.ndarray, c: np.ndarray, *, metric: str, month: int) -> Check | None:
    """Compare the shares of runs in which a metric is missing; None if none is, anywhere."""
    n = np.array([len(x), len(c)], dtype=float)
    k = np.array([np.isnan(a).sum() for a in (x, c)], dtype=float)
    if k.sum() == 0:
        return None
    p = k / n
    pooled = float(k.sum() / n.sum())
    diff = float(p[0] - p[1])
    if min(n) * pooled * (1.0 - pooled) >= MIN_NPQ:
        se = float(np.sqrt(pooled * (1.0 - pooled) * (1 / n[0] + 1 / n[1])))
        z = diff / se
        return Check(
            "missing",
            metric,
            month,
            des=float(p[0]),
            mc=float(p[1]),
            se=se,
            z=z,
            excess=abs(z),
            crit=Z,
            ok=abs(z) <= Z,
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
    x: np.ndarray, c: np.ndarray, p: float, *, metric: str, month: int
) -> Check | str:
    """Compare the ``p`` quantile of des and mc by distribution-free confidence intervals."""
    x, c = (a[~np.isnan(a)] for a in (x, c))
    if min(len(x), len(c)) < MIN_PRESENT:
        return f"fewer than {MIN_PRESENT} runs with a value"
    qx, qc = (float(np.quantile(a, p, method="inverted_cdf")) for a in (x, c))
    lx, hx = _quantile_interval(x, p)
    lc, hc = _quantile_interval(c, p)
    gap = max(lx - hc, lc - hx, 0.0)
    kind = f"P{round(100 * p)}"
    detail = f"des CI [{lx:.6g}, {hx:.6g}], mc CI [{lc:.6g}, {hc:.6g}]"
    return Check(
        kind,
        metric,
        month,
        des=qx,
        mc=qc,
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
    des, mc : numpy.ndarray
        ``runs x months x len(metrics)`` metric arrays of des and mc.
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
            cols = (des[:, month - 1, j], mc[:, month - 1, j])
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
            "%s: max excess = %.2f (%s %s month %d)",
            scenario,
            value,
            worst.kind,
            worst.metric,
            worst.month,
        )
    for name, month, why in report.skipped:
        log.debug("%s: skipped %s month %d: %s", scenario, name, month, why)
    return report
