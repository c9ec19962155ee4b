"""``flysim compare``, ``sweep`` and ``sensitivity``: thin shells over :mod:`flysim.study`.

Each command loads its scenarios, calls the library function a notebook
calls (``flysim.compare``, ``flysim.sweep``, ``flysim.sensitivity``), prints
its tables and saves the result. Bad input (unknown key or metric, a bad
range, fewer than two scenarios) is one line and exit status 2.
"""

from __future__ import annotations

import enum
import math
from pathlib import Path
from typing import Annotated

import typer

from flysim.provenance import Provenance
from flysim.study import sensitivity, sweep
from flysim.study.params import parse_param
from flysim.study.sensitivity import DEFAULT_SAMPLES

# run and validate register first, so they lead the command list.
from . import app as _run_commands  # noqa: F401
from . import compare_command as _compare_command  # noqa: F401
from . import metrics_command as _metrics_command  # noqa: F401
from . import report_command as _report_command  # noqa: F401
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
    load,
    print_header,
    save_folder,
    slug,
    stdout,
    workers_or_all,
)
from .options import Metric, Month, NoPlots, Out
from .study_tables import (
    sensitivity_table,
    sweep_table,
)

__all__ = ["Method", "sensitivity_command", "sweep_command"]


class Method(enum.StrEnum):
    """The sensitivity methods ``--method`` accepts (typer lists them as choices)."""

    oat = "oat"
    morris = "morris"
    sobol = "sobol"


#: Most Morris trajectories or Sobol' base samples (2^16: far more than any index needs).
MAX_SAMPLES = 65_536


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
    results/sweep-<scenario>-<metric>/. 'flysim metrics' lists the metrics.

    Examples:

      flysim sweep scenarios/startup.toml --metric cac --param attract.paid.conversion=0.02:0.06:5

      flysim sweep scenarios/startup.toml --metric mrr --param delight.ask_accept=0.2:0.6:5
    """
    configure_logging(verbose, quiet)
    base = load(scenario, overrides)
    with bad_input():
        grid = math.prod(parse_param(p, base, points=True).n or 1 for p in params)
    check_cost(base, runs=runs, months=None, workers=workers, points=grid, metrics=1)
    default = Path("results") / f"sweep-{slug(scenario.stem)}-{metric}"
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
        print_header(_header("sweep", scenario, result.provenance, len(result.grid)))
        stdout.print(sweep_table(result.to_frame(), keys, result.metric, result.month))
    save_folder(lambda folder: result.save(folder, figures=not no_plots), out, default, quiet)


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
    method: Annotated[
        Method,
        typer.Option(
            help="oat: each parameter to its low and high end (a tornado chart); morris: "
            "elementary effects; sobol: first-order and total indices (SALib)."
        ),
    ] = Method.oat,
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
    results/sensitivity-<scenario>-<metric>/. 'flysim metrics' lists the metrics.

    Examples:

      flysim sensitivity scenarios/startup.toml --metric mrr --param engage.risk_per_month=0.03:0.12

      (repeat --param for each parameter; --method morris or sobol for a global study)
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
    default = Path("results") / f"sensitivity-{slug(scenario.stem)}-{metric}"
    check_out_folder(out if out is not None else default, replace=False)
    with bad_input():
        result = sensitivity(
            base,
            params,
            metric,
            method=method.value,
            month=month,
            samples=samples,
            runs=runs,
            seed=seed,
            workers=workers_or_all(workers),
            progress=not quiet,
        )
    if not quiet:
        print_header(_header(result.method, scenario, result.provenance, len(result.samples)))
        stdout.print(sensitivity_table(result.indices, result.method, result.metric, result.month))
    save_folder(lambda folder: result.save(folder, figures=not no_plots), out, default, quiet)


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
