"""Cost of compiling one parameter row's step plans (``make_plans``), per row.

Not a test and never a timed assertion: a script that times
``flysim.engines.mc.plan.make_plans`` for one row of a scenario over the step
lengths of its default schedule (18 months, 4 steps a month, weekly checks:
36 distinct lengths for ``scenarios/startup.toml``), single-threaded
(``threadpoolctl.threadpool_limits(1)``). Each repeat times ``--inner``
compiles and reports the time per compile; the script prints the median and
the spread (min, max, interquartile range) over ``--repeat`` repeats.

``make_plans`` keeps a row's weekly-check constants (scipy distribution
calls on the health signals) per health table; a run whose uncertain inputs
include the health signals misses that cache. ``--cold`` clears it before
every compile, to time that case too.

Usage::

    python benchmarks/bench_compile.py
    python benchmarks/bench_compile.py scenarios/funnel.toml --repeat 20 --inner 10
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

from flysim.engines.mc import plan
from flysim.engines.mc.engine import _step_lengths
from flysim.engines.mc.plan import DEFAULT_CLASSES, make_plans
from flysim.engines.mc.schedule import schedule
from flysim.model.rates import compile_rates
from flysim.scenario.loader import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="scenarios/startup.toml")
    parser.add_argument("--months", type=int, default=18)
    parser.add_argument("--steps-per-month", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--inner", type=int, default=10, help="compiles per repeat")
    parser.add_argument(
        "--cold", action="store_true", help="clear the weekly-check constants' cache per compile"
    )
    args = parser.parse_args()

    rates = compile_rates(load_scenario(args.scenario))
    lengths = _step_lengths(schedule(args.months, args.steps_per_month, True))
    # Absent before the cache existed: the script then times the old code as is.
    clear = getattr(getattr(plan, "_health_constants", None), "cache_clear", None)
    with threadpool_limits(1):
        make_plans(rates, lengths, DEFAULT_CLASSES)  # warm-up: imports, caches
        per_row = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            for _ in range(args.inner):
                if args.cold and clear is not None:
                    clear()
                make_plans(rates, lengths, DEFAULT_CLASSES)
            per_row.append((time.perf_counter() - start) / args.inner * 1e3)
    q1, _, q3 = np.percentile(per_row, [25, 50, 75])
    print(f"scenario      {args.scenario}")
    print(f"step lengths  {len(lengths)}")
    print(f"load average  {os.getloadavg()[0]:.2f}")
    print(f"repeats       {args.repeat} x {args.inner} compiles" + (" (cold)" if args.cold else ""))
    print(
        f"per row (ms)  median {statistics.median(per_row):.3f}  "
        f"min {min(per_row):.3f}  max {max(per_row):.3f}  IQR {q1:.3f}-{q3:.3f}"
    )


if __name__ == "__main__":
    main()
