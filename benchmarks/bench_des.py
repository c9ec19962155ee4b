"""Throughput of the agent model (engine "des") on the shipped scenarios.

Not a test: prints runs per second and simulation events per second, measured
in one process on one core. Usage::

    python benchmarks/bench_des.py [--runs 100] [SCENARIO ...]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import flysim

ROOT = Path(__file__).resolve().parents[1]


def measure(path: Path, runs: int, seed: int) -> dict[str, float]:
    """Simulate ``runs`` runs of a scenario on one worker and time it."""
    scenario = flysim.load_scenario(path)
    started = time.perf_counter()
    result = flysim.simulate(scenario, runs=runs, seed=seed, engine="des", workers=1)
    wall = time.perf_counter() - started
    customers = result.metric("customers")[:, -1].mean()
    return {
        "runs_per_s": runs / wall,
        "events_per_s": result.provenance.n_events / wall,
        "events_per_run": result.provenance.n_events / runs,
        "customers_end": float(customers),
        "wall_s": wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    paths = args.scenarios or sorted((ROOT / "scenarios").glob("*.toml"))
    header = (
        f"{'scenario':<16}{'runs/s':>10}{'events/s':>12}{'events/run':>12}{'customers@end':>15}"
    )
    print(header)  # a benchmark script owns its terminal
    print("-" * len(header))
    for path in paths:
        m = measure(path, args.runs, args.seed)
        print(
            f"{path.stem:<16}{m['runs_per_s']:>10.1f}{m['events_per_s']:>12,.0f}"
            f"{m['events_per_run']:>12,.0f}{m['customers_end']:>15,.0f}"
        )


if __name__ == "__main__":
    main()
