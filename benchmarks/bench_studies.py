"""What a study costs beside the runs it makes (issue 8's targets).

Not a test and never a timed assertion: a script that measures and prints

1. a 10-point sweep of ``scenarios/startup.toml``
   (``attract.paid.budget_per_month=500:3000:10``) at 200 runs a point
   against one ``flysim.simulate`` of the same 2,000 runs, on 1 and 2
   workers: the ratio is the study's overhead (target: at most 1.2);
2. the Sobol' study of notebook 04 with 8 parameters (the OAT ranking's top
   8 of the notebook's twelve ranges, ``mrr`` at month 18, 64 base samples:
   640 parameter sets) at 200 runs a set on all cores, beside one
   ``simulate`` of the same 128,000 runs (the issue's reference: 251 s
   before studies ran as one parameter table).

Each timing is one call's wall time, repeated ``--repeat`` times (the
median and the range are printed), after a warm-up that imports the engine.
Timings mean something only on an otherwise idle machine: the header shows
the load average.

Usage::

    python benchmarks/bench_studies.py             # the full benchmark (minutes)
    python benchmarks/bench_studies.py --quick     # a smoke test
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import flysim

ROOT = Path(__file__).resolve().parents[1]
STARTUP = ROOT / "scenarios" / "startup.toml"

#: Notebook 04's ranges.
RANGES = {
    "attract.paid.budget_per_month": (500, 1500),
    "attract.paid.conversion": (0.02, 0.06),
    "attract.organic.leads_per_month": (30, 90),
    "attract.organic.growth_per_month": (0.025, 0.075),
    "attract.organic.conversion": (0.025, 0.075),
    "engage.days_to_value": (7, 21),
    "engage.onboarding_churn_per_month": (0.04, 0.12),
    "engage.risk_per_month": (0.035, 0.105),
    "engage.churn_per_month.healthy": (0.01, 0.03),
    "engage.upsell_per_month": (0.015, 0.045),
    "delight.ask_accept": (0.2, 0.6),
    "delight.referrals_per_advocate_per_month": (0.075, 0.225),
}


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall times of ``repeat`` calls."""
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def show(label: str, times: list[float]) -> float:
    """Print a median and range; return the median."""
    med = statistics.median(times)
    print(f"  {label:<46} {med:8.2f} s   [{min(times):.2f} to {max(times):.2f}] x{len(times)}")
    return med


def sobol_design(scenario: flysim.Scenario, runs: int, n: int = 8) -> list[str]:
    """The Sobol' design of notebook 04: the ``n`` largest swings of an OAT study
    over :data:`RANGES` (``mrr`` at month 18, ``runs`` runs a set), as ranges."""
    oat = flysim.sensitivity(
        scenario,
        [f"{k}={lo}:{hi}" for k, (lo, hi) in RANGES.items()],
        "mrr",
        month=18,
        method="oat",
        runs=runs,
        seed=1,
    )
    return [f"{k}={RANGES[k][0]}:{RANGES[k][1]}" for k in oat.ranking()[:n]]


def sobol_study(
    scenario: flysim.Scenario,
    design: list[str],
    samples: int,
    runs: int,
    workers: int | None = None,
) -> flysim.SensitivityResult:
    """The Sobol' study of ``design`` (``samples x (k + 2)`` sets of ``runs`` runs):
    ``mrr`` at month 18, on ``workers`` workers (default: all cores)."""
    return flysim.sensitivity(
        scenario,
        design,
        "mrr",
        month=18,
        method="sobol",
        samples=samples,
        runs=runs,
        seed=1,
        workers=workers,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    ap.add_argument("--skip-sobol", action="store_true")
    opts = ap.parse_args()
    runs, points, samples = (40, 5, 4) if opts.quick else (200, 10, 64)
    repeat = 1 if opts.quick else opts.repeat
    cores = os.cpu_count() or 1
    print(
        f"flysim {flysim.__version__} · {platform.processor() or platform.machine()} · "
        f"{cores} cores · load average {os.getloadavg()[0]:.2f} at start"
    )
    scenario = flysim.load_scenario(STARTUP)
    flysim.simulate(scenario, runs=50, seed=1, months=2, workers=1)  # warm-up: imports

    print(f"\n1. sweep of {points} points x {runs} runs vs simulate of {points * runs} runs")
    param = [f"attract.paid.budget_per_month=500:3000:{points}"]
    for workers in sorted({1, min(2, cores)}):
        sweep_t = timed(
            lambda w=workers: flysim.sweep(scenario, param, "mrr", runs=runs, seed=1, workers=w),
            repeat,
        )
        sim_t = timed(
            lambda w=workers: flysim.simulate(scenario, runs=points * runs, seed=1, workers=w),
            repeat,
        )
        a = show(f"sweep, {workers} worker(s)", sweep_t)
        b = show(f"simulate, {workers} worker(s)", sim_t)
        print(f"  {'ratio (target <= 1.2)':<46} {a / b:8.2f}")

    if opts.skip_sobol:
        return
    design = sobol_design(scenario, runs)
    sets = samples * (len(design) + 2)
    print(f"\n2. Sobol', 8 parameters, {samples} base samples: {sets} sets x {runs} runs")
    print("  parameters: " + ", ".join(d.split("=")[0] for d in design))
    sobol_t = timed(lambda: sobol_study(scenario, design, samples, runs), max(1, repeat - 1))
    sim_t = timed(lambda: flysim.simulate(scenario, runs=sets * runs, seed=1), max(1, repeat - 1))
    a = show(f"sensitivity (sobol), {cores} workers", sobol_t)
    b = show(f"simulate of {sets * runs:,} runs, {cores} workers", sim_t)
    print(f"  {'ratio (target <= 1.2)':<46} {a / b:8.2f}")


if __name__ == "__main__":
    main()
