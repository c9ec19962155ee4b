"""Issue 11's measurement harness: flysim's mc core beside a plain numpy baseline, and its targets.

Not a test and never a timed assertion: one script that measures, in one run,
and prints a markdown table (``--json`` also writes every figure), each target
marked pass or fail for information only:

1. **peer core, one core**: ``benchmarks/peer-core.toml`` at 10,000 runs,
   ``flysim.simulate(..., engine="mc", workers=1)`` against the numpy
   compartment model ``benchmarks/numpy_baseline.py`` on the same scenario;
   runs per second of each and their ratio (target: flysim at least 5x the
   baseline). The two alternate within each repeat, so a change of load hits
   both; the ratio is taken per repeat. BLAS and numba thread pools are held
   to one thread for this section.
2. **startup, two cores**: ``scenarios/startup.toml``, 10,000 runs,
   ``workers=2``, wall time of ``simulate`` (target under 2 s).
3. **startup, 100,000 runs, peak memory** in a fresh subprocess on two
   workers (target at most 2 GB), measured as ``bench_engines.py`` does (its
   ``measure_size``): the peak of the process tree's PSS, read from ``/proc``
   every 20 ms while it runs, which counts a page the workers share with the
   parent once. Where ``/proc`` does not say, the bound ``self + workers x
   largest child`` of ``ru_maxrss``, which counts shared pages in each
   process (the note gives it too). Once, not repeated.
4. **100x the population**: ``startup.toml`` with market size, initial
   customers and advocates, paid budget, content cost and organic leads
   multiplied by 100 (``bench_engines.scaled``), one worker: time per run
   against 1x (target ratio at most 1.5), per repeat.
5. **the Sobol' study of notebook 04** with 8 parameters (64 base samples,
   640 sets x 200 runs, ``mrr`` at month 18; ``bench_studies.sobol_design``
   and ``sobol_study``) on two workers (target under 20 s). The OAT study
   that picks the 8 parameters runs once, untimed.
6. **first-run compile cost**: ``flysim run scenarios/startup.toml`` in a
   fresh subprocess with ``NUMBA_CACHE_DIR`` pointed at a new empty
   directory (cold), then again with that directory (warm); wall time of
   each process (target: cold under 15 s). The number of files numba wrote
   to the cache says whether the engine compiled anything at all.

Every in-process timing is the wall time of one call, after a warm-up run of
both models in this process (imports and any compilation are not timed), and
is repeated ``--repeat`` times: the table shows the median, min and max. The
header gives the CPU model, the cores and the load average at the start and
the end; timings mean something only on an otherwise idle machine.

Usage::

    python benchmarks/bench_core.py                     # everything, 5 repeats (minutes)
    python benchmarks/bench_core.py --quick             # a smoke run, small counts, < 1 min
    python benchmarks/bench_core.py --only peer --repeat 3 --json core.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

import flysim

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_engines  # a sibling script, not a package
import bench_studies
import numpy_baseline

ROOT = Path(__file__).resolve().parents[1]
PEER_CORE = numpy_baseline.PEER_CORE
STARTUP = ROOT / "scenarios" / "startup.toml"
SECTIONS = ("peer", "startup", "memory", "scaling", "sobol", "compile")

#: Run counts of the full run and of ``--quick``.
FULL = {
    "peer_runs": 10_000,
    "startup_runs": 10_000,
    "memory_runs": 100_000,
    "scaling_runs": 2_000,
    "sobol_samples": 64,
    "sobol_runs": 200,
    "compile_runs": None,  # the scenario's own (1,000)
}
QUICK = {
    "peer_runs": 500,
    "startup_runs": 1_000,
    "memory_runs": 2_000,
    "scaling_runs": 100,
    "sobol_samples": 4,
    "sobol_runs": 10,
    "compile_runs": 100,
}


# -- measuring -------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """CPU model, cores and versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "load_start": os.getloadavg(),
        "flysim": flysim.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def timed(fn: Callable[[], object]) -> float:
    """Wall time of one call."""
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def spread(values: list[float]) -> dict[str, Any]:
    """Median, min and max of a list of figures (and the list)."""
    return {
        "values": values,
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
    }


@contextmanager
def one_thread() -> Any:
    """Hold BLAS/OpenMP pools and, when loaded, numba's threads to one thread."""
    numba = sys.modules.get("numba")
    before = numba.get_num_threads() if numba is not None else None
    with threadpool_limits(1):
        if numba is not None:
            numba.set_num_threads(1)
        try:
            yield
        finally:
            if numba is not None:
                numba.set_num_threads(before)


def row(
    section: str,
    name: str,
    unit: str,
    figures: dict[str, Any] | None,
    target: str = "",
    check: Callable[[float], bool] | None = None,
    note: str = "",
) -> dict[str, Any]:
    """One line of the table; ``passed`` is judged on the median (None: no target)."""
    passed = None if figures is None or check is None else bool(check(figures["median"]))
    return {
        "section": section,
        "name": name,
        "unit": unit,
        "target": target,
        "passed": passed,
        "note": note,
        **(figures or {}),
    }


# -- the sections ----------------------------------------------------------------------------


def peer(opts: argparse.Namespace) -> list[dict[str, Any]]:
    """Section 1: peer-core, one core, flysim mc against the numpy baseline."""
    scenario = flysim.load_scenario(PEER_CORE)
    runs = opts.peer_runs
    fly, base, ratio = [], [], []
    with one_thread():
        for _ in range(opts.repeat):
            t_fly = timed(
                lambda: flysim.simulate(scenario, runs=runs, engine="mc", workers=1, seed=opts.seed)
            )
            t_base = timed(lambda: numpy_baseline.simulate(scenario, runs, opts.seed))
            fly.append(runs / t_fly)
            base.append(runs / t_base)
            ratio.append(t_base / t_fly)
    what = f"peer-core, {runs:,} runs, 1 core"
    return [
        row("1", f"{what}: flysim mc", "runs/s", spread(fly)),
        row("1", f"{what}: numpy baseline", "runs/s", spread(base)),
        row("1", f"{what}: flysim / baseline", "x", spread(ratio), ">= 5", lambda x: x >= 5),
    ]


def startup(opts: argparse.Namespace) -> list[dict[str, Any]]:
    """Section 2: startup.toml, 10,000 runs on two workers."""
    scenario = flysim.load_scenario(STARTUP)
    runs, workers = opts.startup_runs, opts.workers
    walls = [
        timed(
            lambda: flysim.simulate(
                scenario, runs=runs, engine="mc", workers=workers, seed=opts.seed
            )
        )
        for _ in range(opts.repeat)
    ]
    return [
        row(
            "2",
            f"startup, {runs:,} runs, {workers} workers: wall",
            "s",
            spread(walls),
            "< 2",
            lambda x: x < 2.0,
        )
    ]


def memory(opts: argparse.Namespace) -> list[dict[str, Any]]:
    """Section 3: startup.toml, 100,000 runs in a fresh process, peak memory (bench_engines)."""
    runs, workers = opts.memory_runs, opts.workers
    r = bench_engines.measure_size(runs, workers, opts.seed, None)
    what = f"startup, {runs:,} runs, {workers} workers, fresh process"
    if "error" in r:
        return [row("3", f"{what}: peak memory", "MB", None, note=f"failed: {r['error']}")]
    # The tree's sampled PSS where /proc has it; else the ru_maxrss bound, which
    # counts every page a worker shares with the parent (a fork's, or the
    # shared result array's) in both.
    measured = r["peak_pss"] if r.get("peak_pss") else r["peak_bound"]
    how = "sampled PSS of the process tree" if r.get("peak_pss") else "bound"
    note = (
        f"ru_maxrss: self {r['maxrss_self'] / 1e6:,.0f} + largest worker "
        f"{r['maxrss_children'] / 1e6:,.0f} MB (bound {r['peak_bound'] / 1e6:,.0f} MB); "
        f"simulate {r['wall_s']:.1f} s, process {r['process_s']:.1f} s"
    )
    return [
        row(
            "3",
            f"{what}: peak memory ({how})",
            "MB",
            spread([measured / 1e6]),
            "<= 2,000",
            lambda x: x <= 2000,
            note,
        )
    ]


def scaling(opts: argparse.Namespace) -> list[dict[str, Any]]:
    """Section 4: startup.toml at 1x and 100x the population, one worker, time per run."""
    base = flysim.load_scenario(STARTUP)
    big = bench_engines.scaled(base, 100)
    runs = opts.scaling_runs
    per_run: dict[int, list[float]] = {1: [], 100: []}
    ratio = []
    with one_thread():
        for _ in range(opts.repeat):
            for factor, scenario in ((1, base), (100, big)):
                wall = timed(
                    lambda s=scenario: flysim.simulate(
                        s, runs=runs, engine="mc", workers=1, seed=opts.seed
                    )
                )
                per_run[factor].append(wall / runs * 1e3)
            ratio.append(per_run[100][-1] / per_run[1][-1])
    what = f"startup, {runs:,} runs, 1 worker"
    return [
        row("4", f"{what}, 1x population: time per run", "ms", spread(per_run[1])),
        row("4", f"{what}, 100x population: time per run", "ms", spread(per_run[100])),
        row(
            "4", "startup, 100x / 1x time per run", "x", spread(ratio), "<= 1.5", lambda x: x <= 1.5
        ),
    ]


def sobol(opts: argparse.Namespace) -> list[dict[str, Any]]:
    """Section 5: notebook 04's Sobol' study, 8 parameters, on two workers."""
    scenario = flysim.load_scenario(STARTUP)
    design = bench_studies.sobol_design(scenario, opts.sobol_runs)  # untimed
    samples, runs, workers = opts.sobol_samples, opts.sobol_runs, opts.workers
    sets = samples * (len(design) + 2)
    walls = [
        timed(lambda: bench_studies.sobol_study(scenario, design, samples, runs, workers))
        for _ in range(opts.repeat)
    ]
    return [
        row(
            "5",
            f"Sobol' (notebook 04), {sets} sets x {runs} runs, {workers} workers: wall",
            "s",
            spread(walls),
            "< 20",
            lambda x: x < 20.0,
            "parameters: " + ", ".join(d.split("=")[0] for d in design),
        )
    ]


def compile_cost(opts: argparse.Namespace) -> list[dict[str, Any]]:
    """Section 6: ``flysim run`` in a fresh process, empty numba cache, then warm."""
    exe = Path(sys.executable).with_name("flysim")
    cli = [str(exe)] if exe.exists() else [sys.executable, "-m", "flysim"]
    cold, warm, cached = [], [], []
    for _ in range(opts.repeat):
        with tempfile.TemporaryDirectory(prefix="bench-core-") as tmp:
            env = {**os.environ, "NUMBA_CACHE_DIR": str(Path(tmp) / "numba")}
            cmd = [*cli, "run", str(STARTUP), "--no-plots", "--out", str(Path(tmp) / "out")]
            if opts.compile_runs is not None:
                cmd += ["--runs", str(opts.compile_runs)]
            for walls in (cold, warm):
                started = time.perf_counter()
                done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
                walls.append(time.perf_counter() - started)
                if done.returncode != 0:
                    tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
                    return [row("6", "flysim run startup.toml", "s", None, note=f"failed: {tail}")]
            cache = Path(env["NUMBA_CACHE_DIR"])
            cached.append(sum(1 for p in cache.rglob("*") if p.is_file()) if cache.exists() else 0)
    runs = f"{opts.compile_runs:,} runs" if opts.compile_runs else "its runs"
    note = f"numba cache files after the first run: {max(cached)}" + (
        "" if max(cached) else " (the engine compiled nothing with numba)"
    )
    return [
        row(
            "6",
            f"`flysim run startup.toml` ({runs}), fresh process, empty numba cache",
            "s",
            spread(cold),
            "< 15",
            lambda x: x < 15.0,
            note,
        ),
        row("6", "the same, second run, warm numba cache", "s", spread(warm)),
    ]


# -- printing --------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.2f}" if abs(x) >= 1 else f"{x:.3f}"


def markdown(meta: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """The results as a markdown table under a header that says where they ran."""
    load = ", ".join(f"{x:.2f}" for x in meta["load_start"])
    load_end = ", ".join(f"{x:.2f}" for x in meta["load_end"])
    lines = [
        f"flysim {meta['flysim']}, numpy {meta['numpy']}, Python {meta['python']}; "
        f"{meta['cpu']}, {meta['cores']} cores ({meta['cores_usable']} usable); "
        f"load average {load} at start, {load_end} at the end; "
        f"{meta['repeat']} repeat(s){' (quick)' if meta['quick'] else ''}; {meta['date']}"
        + (
            " **(machine busy at the start: timings unreliable)**"
            if meta["load_start"][0] > 0.5 * (meta["cores"] or 1)
            else ""
        ),
        "",
        "| # | measure | unit | median | min | max | n | target | (information only) |",
        "|---|---|---|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        mark = {True: "pass", False: "FAIL", None: ""}[r["passed"]]
        if "median" in r:
            figures = [_fmt(r["median"]), _fmt(r["min"]), _fmt(r["max"]), str(len(r["values"]))]
        else:
            figures = ["—"] * 4
        lines.append(
            f"| {r['section']} | {r['name']} | {r['unit']} | "
            + " | ".join(figures)
            + f" | {r['target']} | {mark} |"
        )
    notes = [f"- {r['section']}. {r['note']}" for r in rows if r["note"]]
    if meta["quick"]:
        notes.insert(
            0, "- Quick run: smaller counts than the targets', so its marks are a smoke test."
        )
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


# -- command line ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a smoke run: small counts, 1 repeat")
    p.add_argument("--repeat", type=int, help="repeats of each timing (5; quick 1)")
    p.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections to run, of {','.join(SECTIONS)} (all)",
    )
    p.add_argument("--workers", type=int, default=2, help="workers of sections 2, 3, 5 (2)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", type=Path, help="also write every figure as JSON here")
    for key in FULL:
        p.add_argument(f"--{key.replace('_', '-')}", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.repeat is None:
        args.repeat = 1 if args.quick else 5
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(args.only) - set(SECTIONS)
    if unknown:
        p.error(f"unknown section(s) {sorted(unknown)}; known: {', '.join(SECTIONS)}")
    return args


def main(argv: list[str] | None = None) -> None:
    opts = parse_args(argv)
    meta = machine() | {"repeat": opts.repeat, "quick": opts.quick, "sections": opts.only}
    print(
        f"{meta['cpu']}, {meta['cores']} cores, load average {meta['load_start'][0]:.2f}",
        file=sys.stderr,
    )
    # Warm-up: imports, first calls and any compilation of both models, untimed.
    for path in (PEER_CORE, STARTUP):
        flysim.simulate(flysim.load_scenario(path), runs=20, engine="mc", workers=1, seed=1)
    numpy_baseline.simulate(flysim.load_scenario(PEER_CORE), 20, 1, months=2)
    sections = {
        "peer": peer,
        "startup": startup,
        "memory": memory,
        "scaling": scaling,
        "sobol": sobol,
        "compile": compile_cost,
    }
    rows: list[dict[str, Any]] = []
    for name in SECTIONS:
        if name in opts.only:
            print(f"measuring: {name}", file=sys.stderr)
            rows += sections[name](opts)
    meta["load_end"] = os.getloadavg()
    print(markdown(meta, rows))
    if opts.json is not None:
        opts.json.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
        print(f"\nresults written to {opts.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
