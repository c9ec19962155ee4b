"""``flysim compare``, ``sweep`` and ``sensitivity``: thin shells over :mod:`flysim.study`.

Each command loads its scenarios, calls the library function a notebook
calls (``flysim.compare``, ``flysim.sweep``, ``flysim.sensitivity``), prints
its tables and saves the result. Bad input (unknown key or metric, a bad
range, fewer than two scenarios) is one line and exit status 2.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from flysim.result import Provenance
from flysim.study import Thresholds, compare, sensitivity, sweep
from flysim.study.params import parse_param
from flysim.study.sensitivity import DEFAULT_SAMPLES

# run and validate register first, so they lead the command list.
from . import app as _run_commands  # noqa: F401
from .common import (
    Overrides,
    Quiet,
    Runs,
    Seed,
    Verbose,
    Workers,
    app,
    bad_input,
    check_cost,
    check_out_folder,
    configure_logging,
    fail,
    interrupted,
    load,
    stdout,
    workers_or_all,
)
from .study_tables import compare_table, decisions_table, sensitivity_table, sweep_table

__all__ = ["compare_command", "sensitivity_command", "sweep_command"]

#: Most Morris trajectories or Sobol' base samples (2^16: far more than any index needs).
MAX_SAMPLES = 65_536

Out = Annotated[Path | None, typer.Option("--out", help="Output folder.", show_default=False)]
NoPlots = Annotated[bool, typer.Option("--no-plots", help="Skip the PNG charts.")]
Metric = Annotated[
    str, typer.Option("--metric", help="The metric to study, e.g. ltv_cac, clv, mrr.")
]
Month = Annotated[
    int | None, typer.Option(min=1, help="Month to read the metric at (default: the horizon).")
]


@app.command("compare")
def compare_command(
    scenarios: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="SCENARIO...",
            help="Two or more scenario files; the first is the baseline.",
            show_default=False,
        ),
    ] = None,
    runs: Runs = None,
    seed: Seed = None,
    months: Annotated[
        int | None, typer.Option(min=1, max=120, help="Months (default: the first's horizon).")
    ] = None,
    overrides: Overrides = None,
    ltv_cac: Annotated[
        float, typer.Option("--ltv-cac", help="Threshold of P(LTV:CAC >= X).")
    ] = Thresholds.ltv_cac,
    break_even: Annotated[
        int, typer.Option("--break-even", help="Threshold of P(break-even by month M).")
    ] = Thresholds.break_even_month,
    payback: Annotated[
        float, typer.Option("--payback", help="Threshold of P(payback <= M months).")
    ] = Thresholds.payback_months,
    out: Out = None,
    workers: Workers = None,
    no_plots: NoPlots = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Run every SCENARIO with the same seed and compare them run by run.

    Prints each KPI's P50 [P5 to P95] at month 12 and the horizon, the paired
    difference to the first scenario with its 95 % interval, P(better), and
    the decision probabilities; writes the table (CSV), overlaid fan charts
    and the flow diagrams side by side to results/compare-<names>/.
    """
    configure_logging(verbose, quiet)
    paths = scenarios or []
    if len(paths) < 2:
        fail(f"compare needs at least two scenarios, got {len(paths)}")
    loaded = [load(p, overrides) for p in paths]
    check_cost(loaded[0], runs=runs, months=months, workers=workers, points=len(loaded))
    # The studies write their files into the folder, replacing nothing else in it.
    default = Path("results") / f"compare-{'-'.join(_slug(s.name) for s in loaded)}"
    check_out_folder(out if out is not None else default, replace=False)
    with bad_input():
        thresholds = Thresholds(
            ltv_cac=ltv_cac, break_even_month=break_even, payback_months=payback
        )
        comparison = compare(
            loaded,
            runs=runs,
            seed=seed,
            months=months,
            thresholds=thresholds,
            workers=workers_or_all(workers),
            progress=not quiet,
        )
    if not quiet:
        p = comparison.results[0].provenance
        stdout.print(
            Text(
                f"{' vs '.join(comparison.names)} · {comparison.runs:,} runs each · "
                f"{comparison.months} months · seed {comparison.seed} · common random numbers · "
                f"{p.wall_time_s:.1f} s",
                style="bold",
            ),
            soft_wrap=True,
        )
        frame = comparison.table()
        for month in comparison.report_months():
            stdout.print(compare_table(frame, month, comparison.names))
        stdout.print(decisions_table(comparison.decisions()))
    _save(
        lambda folder: comparison.save(folder, figures=not no_plots),
        out,
        comparison.default_folder(),
        quiet,
    )


@app.command("sweep")
def sweep_command(
    scenario: Annotated[
        Path, typer.Argument(metavar="SCENARIO", help="Scenario file (TOML).", show_default=False)
    ],
    params: Annotated[
        list[str],
        typer.Option(
            "--param",
            metavar="KEY=LOW:HIGH:N",
            help="A parameter and its grid, e.g. attract.paid.budget_per_month=500:3000:6 "
            "(once or twice).",
        ),
    ],
    metric: Metric,
    month: Month = None,
    runs: Runs = None,
    seed: Seed = None,
    overrides: Overrides = None,
    out: Out = None,
    workers: Workers = None,
    no_plots: NoPlots = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Sweep one or two parameters of SCENARIO over a grid, the same seed at every point.

    Prints the metric's P50 [P5 to P95] at each point; writes sweep.csv and a
    line chart with bands (one parameter) or heatmaps of P50 and P5 (two) to
    results/sweep-<scenario>-<metric>/.
    """
    configure_logging(verbose, quiet)
    base = load(scenario, overrides)
    with bad_input():
        grid = math.prod(parse_param(p, base, points=True).n or 1 for p in params)
    check_cost(base, runs=runs, months=None, workers=workers, points=grid, metrics=1)
    default = Path("results") / f"sweep-{_slug(scenario.stem)}-{metric}"
    check_out_folder(out if out is not None else default, replace=False)
    with bad_input():
        result = sweep(
            base,
            params,
            metric,
            month=month,
            runs=runs,
            seed=seed,
            workers=workers_or_all(workers),
            progress=not quiet,
        )
    if not quiet:
        keys = [p.key for p in result.params]
        stdout.print(
            Text(_header("sweep", scenario, result.provenance, len(result.grid)), style="bold"),
            soft_wrap=True,
        )
        stdout.print(sweep_table(result.to_frame(), keys, result.metric, result.month))
    _save(lambda folder: result.save(folder, figures=not no_plots), out, default, quiet)


@app.command("sensitivity")
def sensitivity_command(
    scenario: Annotated[
        Path, typer.Argument(metavar="SCENARIO", help="Scenario file (TOML).", show_default=False)
    ],
    params: Annotated[
        list[str],
        typer.Option(
            "--param",
            metavar="KEY=LOW:HIGH",
            help="A parameter and its range, e.g. engage.risk_per_month=0.03:0.12 (repeatable).",
        ),
    ],
    metric: Metric,
    method: Annotated[str, typer.Option(help="oat (tornado), morris or sobol (SALib).")] = "oat",
    month: Month = None,
    samples: Annotated[
        int | None,
        typer.Option(
            min=2,
            max=MAX_SAMPLES,
            help="Morris trajectories (10) or Sobol' base samples, a power of two (64).",
        ),
    ] = None,
    runs: Runs = None,
    seed: Seed = None,
    overrides: Overrides = None,
    out: Out = None,
    workers: Workers = None,
    no_plots: NoPlots = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Rank the parameters of SCENARIO by their effect on a metric.

    oat moves each parameter to its low and high end (a tornado chart);
    morris and sobol use SALib's samplers and analysers, with their 95 %
    intervals as error bars. Writes the indices (CSV) and the chart to
    results/sensitivity-<scenario>-<metric>/.
    """
    configure_logging(verbose, quiet)
    base = load(scenario, overrides)
    check_cost(
        base,
        runs=runs,
        months=None,
        workers=workers,
        points=_sensitivity_points(method, len(params), samples),
        metrics=1,
    )
    default = Path("results") / f"sensitivity-{_slug(scenario.stem)}-{metric}"
    check_out_folder(out if out is not None else default, replace=False)
    with bad_input():
        result = sensitivity(
            base,
            params,
            metric,
            method=method,  # type: ignore[arg-type]  # checked by sensitivity
            month=month,
            samples=samples,
            runs=runs,
            seed=seed,
            workers=workers_or_all(workers),
            progress=not quiet,
        )
    if not quiet:
        stdout.print(
            Text(
                _header(result.method, scenario, result.provenance, len(result.samples)),
                style="bold",
            ),
            soft_wrap=True,
        )
        stdout.print(sensitivity_table(result.indices, result.method, result.metric, result.month))
    _save(lambda folder: result.save(folder, figures=not no_plots), out, default, quiet)


def _sensitivity_points(method: str, n_params: int, samples: int | None) -> int:
    """Parameter sets a sensitivity study simulates (see ``flysim.sensitivity``)."""
    if method == "oat":
        return 2 * n_params + 1
    n = samples if samples is not None else DEFAULT_SAMPLES.get(method, 1)
    return n * (n_params + (1 if method == "morris" else 2))


def _header(what: str, path: Path, p: Provenance, points: int) -> str:
    return (
        f"{what} of {path.name} · {points} parameter sets x {p.runs:,} runs · "
        f"seed {p.seed} (common to every set) · {p.wall_time_s:.1f} s"
    )


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]+", "_", text).strip("_")


def _save(save: Callable[[Path], Path], out: Path | None, default: Path, quiet: bool) -> None:
    try:
        folder = save(out if out is not None else default)
    except OSError as exc:
        fail(f"cannot write results: {exc}")
    except KeyboardInterrupt:
        interrupted()
    if not quiet:
        stdout.print(Text(f"wrote {folder}"), soft_wrap=True)
