"""Speed of the numpy Monte Carlo core (engine "mc") beside the agent model (engine "des").

Not a test and never a timed assertion: a script that measures, in one process,
and prints four tables beside the targets of issue 3 (each marked pass or fail,
for information only):

1. runs per second of both engines on ``scenarios/startup.toml``,
   ``scaleup.toml`` and ``enterprise.toml``, one worker, and the ratio mc/des;
2. the mc engine's wall time for 1,000, 10,000 and 100,000 runs of
   ``startup.toml`` on all cores (``workers=os.cpu_count()``), each size in a
   fresh subprocess, with its peak memory;
3. the time per run (mc, and des with few runs) when the market size, initial
   customers and advocates, paid budget, content cost and base organic lead
   rate are scaled 10x and 100x, with the ratio to 1x and mc/des at each scale;
4. the same row as (1) for the reference scenario (``tests/data``): mc with one
   worker and 10,000 runs, and des.

Every timing is the wall time of one ``flysim.simulate`` call (engine, metric
derivation and, for several workers, the process pool), the best of
``--repeat``, after a small warm-up run of each engine in this process so that
imports are not timed. The subprocess sizes (2) are cold: each is a fresh
interpreter that imports flysim and the engine, then times ``simulate``;
"process s" is that subprocess's whole life, interpreter start included.

Peak memory (2) is read two ways. While the subprocess runs, this process
reads the proportional set size (PSS) of it and its workers from ``/proc``
every 20 ms and keeps the largest sum ("tree PSS"): PSS divides a page among
the processes that map it, so the pages a forked worker shares with the parent
and the result array the workers write into (shared memory) count once; it is
the tree's memory at that instant (Linux only; a spike shorter than 20 ms can
be missed). And with ``resource.getrusage`` in the subprocess after
``simulate`` returns: ``ru_maxrss`` of ``RUSAGE_SELF`` (the parent, which holds
the assembled ``runs x months`` arrays) and of ``RUSAGE_CHILDREN`` (on Linux,
the largest single worker, once the pool has been joined), and from them the
bound ``self + workers x largest child``, which counts every shared page in
each process that maps it: since the workers write the results into memory
they share with the parent, it counts the result array about twice. The 2 GB
target is held against the tree PSS where there is one, else the bound.

Scaling (3) multiplies ``market.size``, ``initial.customers``,
``initial.advocates``, ``attract.paid.budget_per_month``,
``attract.organic.cost_per_month`` and ``attract.organic.leads_per_month``
(the content spend buys the organic leads; scaling its cost alone would
change the spend, not the population). des runs ``--des-runs / scale``
runs at each scale (at least one).

Usage::

    python benchmarks/bench_engines.py                 # the full benchmark (minutes)
    python benchmarks/bench_engines.py --quick         # a smoke test (small run counts)
    python benchmarks/bench_engines.py --skip-des --sizes 1000,10000 --json results.json

Timings mean something only on an otherwise idle machine: the header shows the
load average at the start.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

import flysim
from flysim.scenario import Scenario, apply_overrides

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = [ROOT / "scenarios" / f"{name}.toml" for name in ("startup", "scaleup", "enterprise")]
STARTUP = SHIPPED[0]
REFERENCE = ROOT / "tests" / "data" / "scenario-reference.toml"

#: Integer keys and money/rate keys multiplied by the population scale.
SCALED_INT_KEYS = ("market.size", "initial.customers", "initial.advocates")
SCALED_FLOAT_KEYS = (
    "attract.paid.budget_per_month",
    "attract.organic.cost_per_month",
    "attract.organic.leads_per_month",
)

#: The issue's targets (2-core machine).
TARGET_10K_S = 5.0
TARGET_PEAK_BYTES = 2e9
TARGET_REFERENCE_RUNS_PER_S = 1500.0
TARGET_RATIO_SHIPPED = 100.0
TARGET_RATIO_100X = 1000.0
TARGET_COST_100X = 2.0

FULL = {"mc_runs": 2000, "des_runs": 50, "sizes": [1000, 10000, 100000], "reference_runs": 10000}
QUICK = {"mc_runs": 200, "des_runs": 3, "sizes": [1000], "reference_runs": 1000}

# A piped or redirected run (README regeneration, logs) is not cut at 80 columns.
console = Console(width=None if sys.stdout.isatty() else 150)


# -- measuring -------------------------------------------------------------------------------


def scaled(scenario: Scenario, factor: int) -> Scenario:
    """The scenario with its population and budgets multiplied by ``factor``."""
    if factor == 1:
        return scenario
    data = scenario.model_dump()
    overrides: dict[str, Any] = {}
    for key in (*SCALED_INT_KEYS, *SCALED_FLOAT_KEYS):
        value: Any = data
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:  # an absent channel or an unlimited market stays so
            continue
        overrides[key] = int(value) * factor if key in SCALED_INT_KEYS else float(value) * factor
    return apply_overrides(scenario, overrides)


def time_simulate(
    scenario: Scenario,
    engine: str,
    runs: int,
    *,
    seed: int,
    workers: int = 1,
    repeat: int = 1,
    chunk_size: int | None = None,
) -> dict[str, float]:
    """Best wall time of ``repeat`` ``flysim.simulate`` calls, and what they give."""
    best = float("inf")
    customers = float("nan")
    for _ in range(repeat):
        started = time.perf_counter()
        result = flysim.simulate(
            scenario, runs=runs, seed=seed, engine=engine, workers=workers, chunk_size=chunk_size
        )
        best = min(best, time.perf_counter() - started)
        customers = float(result.metric("customers")[:, -1].mean())
    return {"runs": runs, "wall_s": best, "runs_per_s": runs / best, "customers_end": customers}


def warm_up(engines: list[str], seed: int) -> None:
    """Import each engine and run it once, so that imports and first calls are not timed."""
    scenario = flysim.load_scenario(STARTUP)
    for engine in engines:
        flysim.simulate(scenario, runs=2, seed=seed, engine=engine, workers=1, months=2)


def _maxrss_bytes(who: int) -> int:
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    rss = resource.getrusage(who).ru_maxrss
    return int(rss) if sys.platform == "darwin" else int(rss) * 1024


def child(args: argparse.Namespace) -> None:
    """Run one size in this (fresh) process and print its figures as one JSON line."""
    started = time.perf_counter()
    # Imported before the clock starts: its import (scipy) is not the engine's speed.
    import flysim.engines.mc

    scenario = flysim.load_scenario(args.child_scenario)
    imported = time.perf_counter() - started
    started = time.perf_counter()
    result = flysim.simulate(
        scenario,
        runs=args.child,
        seed=args.seed,
        engine="mc",
        workers=args.workers,
        chunk_size=args.chunk_size,
    )
    wall = time.perf_counter() - started
    figures = {
        "runs": args.child,
        "workers": args.workers,
        "import_s": imported,
        "wall_s": wall,
        "runs_per_s": args.child / wall,
        "customers_end": float(result.metric("customers")[:, -1].mean()),
        "maxrss_self": _maxrss_bytes(resource.RUSAGE_SELF),
        "maxrss_children": _maxrss_bytes(resource.RUSAGE_CHILDREN),
    }
    print(json.dumps(figures))


#: How often ``measure_size`` reads the process tree's memory.
PSS_EVERY_S = 0.02


def tree_pss(pid: int) -> int | None:
    """The proportional set size of a process and all its descendants, in bytes (Linux).

    PSS divides each page among the processes that map it, so the sum over a
    tree counts pages shared by a fork or by shared memory once: the tree's
    memory at that instant. None where ``/proc`` does not say (not Linux).
    """
    pids, total, seen = [pid], 0, False
    for p in pids:  # grows as children are found: the whole tree
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    pids.extend(int(c) for c in f.read().split())
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        seen = True
                        break
        except (OSError, ValueError):
            continue  # the process ended meanwhile
    return total if seen else None


def measure_size(runs: int, workers: int, seed: int, chunk_size: int | None) -> dict[str, Any]:
    """Time one size of startup.toml in a fresh subprocess; see :func:`child`."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        str(runs),
        "--child-scenario",
        str(STARTUP),
        "--workers",
        str(workers),
        "--seed",
        str(seed),
    ]
    if chunk_size is not None:
        cmd += ["--chunk-size", str(chunk_size)]
    started = time.perf_counter()
    with (
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc,
        ThreadPoolExecutor(1) as pool,
    ):
        # Read the pipes meanwhile: a child blocked on a full pipe would wait forever.
        output = pool.submit(proc.communicate)
        peak_pss = 0
        while proc.poll() is None:
            peak_pss = max(peak_pss, tree_pss(proc.pid) or 0)
            time.sleep(PSS_EVERY_S)
        stdout, stderr = output.result()
    process_s = time.perf_counter() - started
    if proc.returncode != 0:
        tail = stderr.strip().splitlines()[-1:] or ["(no output)"]
        return {"runs": runs, "workers": workers, "error": tail[0]}
    figures = json.loads(stdout.strip().splitlines()[-1])
    figures["process_s"] = process_s
    figures["peak_pss"] = peak_pss or None
    # Workers actually used: simulate runs in-process when there is one chunk.
    pool = workers if figures["maxrss_children"] > 0 else 0
    figures["peak_sum"] = figures["maxrss_self"] + figures["maxrss_children"]
    figures["peak_bound"] = figures["maxrss_self"] + pool * figures["maxrss_children"]
    return figures


# -- the four sections -----------------------------------------------------------------------


def engine_row(
    path: Path, scenario: Scenario, opts: argparse.Namespace, mc_runs: int, des_runs: int
) -> dict[str, Any]:
    """mc and des, one worker, on one scenario, and their speed ratio."""
    row: dict[str, Any] = {"scenario": path.stem}
    common = {"seed": opts.seed, "repeat": opts.repeat, "chunk_size": opts.chunk_size}
    row["mc"] = time_simulate(scenario, "mc", mc_runs, **common)
    row["des"] = None if opts.skip_des else time_simulate(scenario, "des", des_runs, **common)
    row["ratio"] = row["mc"]["runs_per_s"] / row["des"]["runs_per_s"] if row["des"] else None
    return row


def scaling_rows(opts: argparse.Namespace) -> list[dict[str, Any]]:
    """startup.toml at 1x and each of ``opts.scales``, both engines, one worker."""
    base = flysim.load_scenario(STARTUP)
    rows: list[dict[str, Any]] = []
    for factor in [1, *opts.scales]:
        des_runs = max(1, opts.des_runs // factor)
        row = engine_row(STARTUP, scaled(base, factor), opts, opts.mc_runs, des_runs)
        row["scale"] = factor
        rows.append(row)
    for row in rows:
        for engine in ("mc", "des"):
            if row[engine] is not None and rows[0][engine] is not None:
                # Time per run, so des rows with fewer runs compare fairly.
                base_speed = rows[0][engine]["runs_per_s"]
                row[engine]["cost_vs_1x"] = base_speed / row[engine]["runs_per_s"]
    return rows


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets beside what was measured; ``passed`` is None when not measured."""
    out: list[dict[str, Any]] = []

    def add(name: str, goal: str, value: float | None, passed: bool | None, fmt: str) -> None:
        shown = "not measured" if value is None else format(value, fmt)
        out.append(
            {"target": name, "goal": goal, "measured": value, "shown": shown, "passed": passed}
        )

    size = {r["runs"]: r for r in results["sizes"] if "error" not in r}
    r10k = size.get(10000)
    add(
        "startup, 10,000 runs, all cores",
        f"< {TARGET_10K_S:g} s",
        r10k and r10k["wall_s"],
        r10k and r10k["wall_s"] < TARGET_10K_S,
        ".2f",
    )
    r100k = size.get(100000)
    peak = r100k and (r100k.get("peak_pss") or r100k["peak_bound"])
    add(
        "startup, 100,000 runs, peak memory ("
        + ("tree PSS" if r100k and r100k.get("peak_pss") else "bound")
        + ")",
        "<= 2 GB",
        peak and peak / 1e6,
        peak and peak <= TARGET_PEAK_BYTES,
        ",.0f",
    )
    ref = results["reference"]
    if ref is not None:
        label = f"reference, 1 worker, {ref['mc']['runs']:,} runs, mc runs/s"
        value = ref["mc"]["runs_per_s"]
        add(
            label,
            f">= {TARGET_REFERENCE_RUNS_PER_S:,.0f}",
            value,
            value >= TARGET_REFERENCE_RUNS_PER_S,
            ",.0f",
        )
    for row in results["engines"]:
        add(
            f"{row['scenario']}: mc/des runs/s",
            f">= {TARGET_RATIO_SHIPPED:g}x",
            row["ratio"],
            None if row["ratio"] is None else row["ratio"] >= TARGET_RATIO_SHIPPED,
            ",.0f",
        )
    at100 = next((r for r in results["scaling"] if r["scale"] == 100), None)
    ratio = at100 and at100["ratio"]
    add(
        "startup 100x: mc/des runs/s",
        f">= {TARGET_RATIO_100X:g}x",
        ratio,
        None if ratio is None else ratio >= TARGET_RATIO_100X,
        ",.0f",
    )
    cost = at100 and at100["mc"].get("cost_vs_1x")
    add(
        "startup 100x: mc time per run vs 1x",
        f"<= {TARGET_COST_100X:g}x",
        cost,
        None if cost is None else cost <= TARGET_COST_100X,
        ".2f",
    )
    return out


# -- printing --------------------------------------------------------------------------------


def _f(value: float | None, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


def _get(d: dict[str, Any] | None, key: str) -> float | None:
    return None if d is None else d.get(key)


def _mark(passed: bool | None) -> str:
    return {True: "[green]PASS[/]", False: "[red]FAIL[/]", None: "[dim]—[/]"}[passed]


def table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    t = Table(title=title, title_justify="left")
    for i, col in enumerate(columns):
        t.add_column(col, justify="left" if i == 0 else "right")
    for row in rows:
        t.add_row(*row)
    console.print(t)


def engine_cells(row: dict[str, Any]) -> list[str]:
    mc, des = row["mc"], row["des"]
    return [
        _f(mc["runs"], ","),
        _f(mc["runs_per_s"], ",.0f"),
        _f(mc["customers_end"], ",.1f"),
        _f(_get(des, "runs"), ","),
        _f(_get(des, "runs_per_s"), ",.2f"),
        _f(_get(des, "customers_end"), ",.1f"),
        _f(row["ratio"], ",.0f"),
    ]


ENGINE_COLUMNS = [
    "mc runs",
    "mc runs/s",
    "mc cust@end",
    "des runs",
    "des runs/s",
    "des cust@end",
    "mc/des",
]


def report(results: dict[str, Any]) -> None:
    """Print the four tables and the targets."""
    meta = results["meta"]
    console.print(
        f"flysim {meta['flysim']}  numpy {meta['numpy']}  Python {meta['python']}  "
        f"{meta['cpu_count']} cores  load average at start {meta['load_start']:.2f}"
        + (
            "  [yellow](machine busy: timings unreliable)[/]"
            if meta["load_start"] > 0.5 * meta["cpu_count"]
            else ""
        )
    )
    table(
        "1. Shipped scenarios, one worker",
        ["scenario", *ENGINE_COLUMNS],
        [[r["scenario"], *engine_cells(r)] for r in results["engines"]],
    )
    size_rows = []
    for r in results["sizes"]:
        if "error" in r:
            size_rows.append([f"{r['runs']:,}", str(r["workers"]), f"[red]{r['error']}[/]"])
            continue
        size_rows.append(
            [
                f"{r['runs']:,}",
                str(r["workers"]),
                f"{r['wall_s']:.2f}",
                f"{r['runs_per_s']:,.0f}",
                f"{r['process_s']:.2f}",
                f"{r['maxrss_self'] / 1e6:,.0f}",
                f"{r['maxrss_children'] / 1e6:,.0f}",
                f"{r['peak_sum'] / 1e6:,.0f}",
                f"{r['peak_bound'] / 1e6:,.0f}",
                "n/a" if r.get("peak_pss") is None else f"{r['peak_pss'] / 1e6:,.0f}",
            ]
        )
    table(
        "2. mc on startup.toml, all cores, fresh process per size (memory in MB)",
        [
            "runs",
            "workers",
            "simulate s",
            "runs/s",
            "process s",
            "RSS self",
            "RSS child",
            "self+child",
            "bound",
            "tree PSS",
        ],
        size_rows,
    )
    scale_rows = [
        [
            f"{r['scale']}x",
            *engine_cells(r)[:3],
            _f(r["mc"].get("cost_vs_1x"), ".2f"),
            *engine_cells(r)[3:6],
            _f(_get(r["des"], "cost_vs_1x"), ".2f"),
            engine_cells(r)[6],
        ]
        for r in results["scaling"]
    ]
    table(
        "3. startup.toml scaled (population and budgets), one worker; cost = time per run / 1x",
        ["scale", *ENGINE_COLUMNS[:3], "mc cost", *ENGINE_COLUMNS[3:6], "des cost", "mc/des"],
        scale_rows,
    )
    if results["reference"] is not None:
        r = results["reference"]
        table(
            "4. the reference scenario, one worker",
            ["scenario", *ENGINE_COLUMNS],
            [[r["scenario"], *engine_cells(r)]],
        )
    table(
        "Targets of issue 3 (informational)",
        ["target", "goal", "measured", ""],
        [[t["target"], t["goal"], t["shown"], _mark(t["passed"])] for t in results["targets"]],
    )


# -- command line ----------------------------------------------------------------------------


def _int_list(text: str) -> list[int]:
    return [int(x) for x in text.replace(",", " ").split()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small run counts, for a smoke test")
    p.add_argument("--skip-des", action="store_true", help="do not run the agent model")
    p.add_argument("--mc-runs", type=int, help="mc runs in sections 1 and 3 (2000; quick 200)")
    p.add_argument("--des-runs", type=int, help="des runs at 1x (50; quick 3)")
    p.add_argument("--reference-runs", type=int, help="mc runs in section 4 (10000; quick 1000)")
    p.add_argument(
        "--sizes", type=_int_list, help="mc run counts of section 2 (1000,10000,100000; quick 1000)"
    )
    p.add_argument(
        "--scales",
        type=_int_list,
        default=[10, 100],
        help="population scales of section 3 (10,100)",
    )
    p.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="workers of section 2 (all cores)"
    )
    p.add_argument(
        "--chunk-size",
        type=int,
        default=None,
        help="runs per chunk (default: the library's choice)",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="time each in-process figure N times, keep the best (1)",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-reference", action="store_true", help="skip section 4")
    p.add_argument("--json", type=Path, help="also write the results as JSON here")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    p.add_argument("--child-scenario", type=Path, default=STARTUP, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    defaults = QUICK if args.quick else FULL
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child is not None:
        child(args)
        return
    meta = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "flysim": flysim.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "load_start": os.getloadavg()[0],
        "options": {
            k: str(v) if isinstance(v, Path) else v
            for k, v in vars(args).items()
            if not k.startswith("child")
        },
    }
    engines = ["mc"] if args.skip_des else ["mc", "des"]
    results: dict[str, Any] = {"meta": meta}
    with console.status("warming up") as status:
        warm_up(engines, args.seed)
        rows = []
        for path in SHIPPED:
            status.update(f"1. {path.stem}")
            rows.append(
                engine_row(path, flysim.load_scenario(path), args, args.mc_runs, args.des_runs)
            )
        results["engines"] = rows
        results["sizes"] = []
        for runs in args.sizes:
            status.update(f"2. {runs:,} runs in a subprocess")
            results["sizes"].append(measure_size(runs, args.workers, args.seed, args.chunk_size))
        status.update("3. scaled populations")
        results["scaling"] = scaling_rows(args)
        results["reference"] = None
        if not args.no_reference:
            status.update("4. scenario-reference.toml")
            results["reference"] = engine_row(
                REFERENCE, flysim.load_scenario(REFERENCE), args, args.reference_runs, args.des_runs
            )
    meta["load_end"] = os.getloadavg()[0]
    results["targets"] = targets(results)
    report(results)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        console.print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
