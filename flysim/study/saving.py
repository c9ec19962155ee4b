"""How every study writes its results folder: data first, then the figures.

Every study saves like a run (:func:`flysim.io.write_folder`): an atomic
folder, a ``manifest.json`` with the provenance (flysim version, seed,
engine, runs, months, the scenarios' names and hashes, when and how long)
and the study's design, its raw values in ``runs.parquet``, its CSV tables,
then, when asked, its figures from :mod:`flysim.plots.output` (imported only
then). The savers read a study's public attributes only (its raw values,
provenance, parameters), not how its variants were run.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict
from functools import partial
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from flysim.io import (
    INPUTS_FILE,
    RUNS_FILE,
    FigureWriter,
    combine_writers,
    read_manifest,
    read_table,
    write_folder,
)
from flysim.provenance import Provenance
from flysim.result import SimulationResult
from flysim.scenario import Scenario, resolved_dict

if TYPE_CHECKING:
    from flysim.study.comparison import Comparison
    from flysim.study.sensitivity import SensitivityResult
    from flysim.study.sweep import SweepResult

__all__ = [
    "load_comparison",
    "parquet_metadata",
    "save_comparison",
    "save_sensitivity",
    "save_sweep",
    "scenario_entry",
    "study_manifest",
    "values_frames",
]


def scenario_entry(provenance: Provenance, scenario: Scenario | None = None) -> dict[str, Any]:
    """A scenario as a manifest lists it: name, path, sha256 and, when known, resolved."""
    entry: dict[str, Any] = {
        "name": provenance.scenario_name,
        "path": provenance.scenario_path,
        "sha256": provenance.scenario_hash,
    }
    if scenario is not None:
        entry["resolved"] = resolved_dict(scenario)
    return entry


def study_manifest(
    kind: str,
    provenance: Provenance,
    *,
    scenarios: Sequence[Mapping[str, Any]],
    metrics: Sequence[str],
    design: Mapping[str, Any],
) -> dict[str, Any]:
    """The manifest of a study's folder (``files`` and ``plots`` are added when written).

    Parameters
    ----------
    kind : {"compare", "sweep", "sensitivity"}
    provenance : Provenance
        Seed, engine, runs, months, version, creation and wall time, shared
        by every variant of the study.
    scenarios : sequence of mapping
        :func:`scenario_entry` of each scenario (the base of a sweep or
        sensitivity study).
    metrics : sequence of str
        The metrics in ``runs.parquet``.
    design : mapping
        What was varied and how: thresholds, parameters and ranges, method,
        samples; JSON values only.
    """
    p = provenance
    return {
        "kind": kind,
        "flysim_version": p.flysim_version,
        "seed": p.seed,
        "engine": p.engine,
        "runs": p.runs,
        "months": p.months,
        "created": p.created,
        "wall_time_s": p.wall_time_s,
        "n_events": p.n_events,
        "scenarios": [dict(s) for s in scenarios],
        "metrics": list(metrics),
        "design": dict(design),
    }


def parquet_metadata(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """What a study's parquet files carry of its manifest: all but timing and resolved scenarios.

    Without the time and duration the same seed writes byte-identical files.
    """
    kept = {k: v for k, v in manifest.items() if k not in ("created", "wall_time_s", "scenarios")}
    kept["scenarios"] = [
        {k: v for k, v in s.items() if k != "resolved"} for s in manifest.get("scenarios", ())
    ]
    return {"study": kept}


def values_frames(
    values: np.ndarray,
    metric: str,
    *,
    id_name: str,
    ids: pd.DataFrame | None = None,
) -> Iterator[pd.DataFrame]:
    """One variant's long frame at a time: ``id_name``, its parameters, ``run``, ``month``, metric.

    Parameters
    ----------
    values : numpy.ndarray
        ``variants x runs x months`` raw values of ``metric``.
    metric : str
        The value column's name.
    id_name : str
        The variant's column (``"point"``, ``"set"``), numbered from 0.
    ids : pandas.DataFrame, optional
        One row per variant: columns written after ``id_name`` (a sweep's
        parameter values).
    """
    _, runs, months = values.shape
    run = np.repeat(np.arange(runs, dtype=np.int64), months)
    month = np.tile(np.arange(1, months + 1, dtype=np.int64), runs)
    for i, block in enumerate(values):
        frame = pd.DataFrame({id_name: np.full(runs * months, i, dtype=np.int64)})
        if ids is not None:
            for column in ids.columns:
                frame[str(column)] = ids[column].iloc[i]
        frame["run"] = run
        frame["month"] = month
        frame[metric] = block.reshape(-1)
        yield frame


def save_comparison(
    comparison: Comparison,
    folder: str | PathLike[str],
    *,
    figures: bool,
    kpis: Sequence[str],
    extra: FigureWriter | None = None,
    voi: pd.DataFrame | None = None,
) -> Path:
    """Write a comparison's folder (see :meth:`flysim.Comparison.save`); ``kpis`` get fan charts.

    ``voi``, the value-of-information table, is written when given.
    """
    results = comparison.by_name()
    manifest = study_manifest(
        "compare",
        comparison.results[0].provenance,
        scenarios=[
            {"label": n, **scenario_entry(r.provenance, r.scenario)} for n, r in results.items()
        ],
        metrics=comparison.results[0].metrics,
        design={
            "baseline": comparison.names[0],
            "thresholds": asdict(comparison.thresholds),
            "report_months": comparison.report_months(),
            "kpis": list(kpis),
        },
    )
    writer: FigureWriter | None = None
    if figures:
        from flysim.plots.output import save_compare_figures

        changes = {name: r.changes for name, r in results.items()}
        writer = partial(save_compare_figures, results, metrics=kpis, changes=changes)
    csv = {"comparison.csv": comparison.table(), "decisions.csv": comparison.decisions()}
    parquet: dict[str, Any] = {RUNS_FILE: comparison.iter_frames()}
    if voi is not None:
        from flysim.study.voi import VOI_FILE

        csv[VOI_FILE] = voi
        manifest["design"]["value_of_information"] = {
            k: voi.attrs[k] for k in ("outcome", "month", "evpi") if k in voi.attrs
        }
    drawn = _inputs_frame(results)
    if drawn is not None:
        parquet[INPUTS_FILE] = drawn
    return write_folder(
        folder,
        manifest,
        csv=csv,
        parquet=parquet,
        metadata=parquet_metadata(manifest),
        figures=combine_writers(writer, extra),
    )


def _inputs_frame(results: Mapping[str, SimulationResult]) -> pd.DataFrame | None:
    """Every scenario's drawn inputs in one frame: ``scenario``, ``run``, a column per key."""
    parts = []
    for name, result in results.items():
        if result.inputs is not None:
            part = result.inputs.reset_index()
            part.insert(0, "scenario", name)
            parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else None


def save_sweep(sweep: SweepResult, folder: str | PathLike[str], *, figures: bool) -> Path:
    """Write a sweep's folder (see :meth:`flysim.SweepResult.save`)."""
    frame = sweep.to_frame()
    manifest = study_manifest(
        "sweep",
        sweep.provenance,
        scenarios=[scenario_entry(sweep.provenance, sweep.scenario)],
        metrics=[sweep.metric],
        design={
            "params": [
                {"key": p.key, "low": float(p.low), "high": float(p.high), "n": p.n}
                for p in sweep.params
            ],
            "points": len(sweep.grid),
            "metric": sweep.metric,
            "month": sweep.month,
        },
    )
    writer: FigureWriter | None = None
    if figures:
        from flysim.plots.output import save_sweep_figures

        keys = [p.key for p in sweep.params]
        writer = partial(save_sweep_figures, frame, keys, currency=sweep.currency)
    return write_folder(
        folder,
        manifest,
        csv={"sweep.csv": frame},
        parquet={
            RUNS_FILE: values_frames(sweep.values, sweep.metric, id_name="point", ids=sweep.grid)
        },
        metadata=parquet_metadata(manifest),
        figures=writer,
    )


def save_sensitivity(
    study: SensitivityResult,
    folder: str | PathLike[str],
    *,
    figures: bool,
    levels: int | None = None,
) -> Path:
    """Write a sensitivity study's folder (see :meth:`flysim.SensitivityResult.save`).

    ``levels`` is the Morris grid's, recorded in the design.
    """
    method, metric = study.method, study.metric
    samples = study.samples.copy()
    samples[f"mean_{metric}"] = study.output
    design = study.samples.copy()
    design.insert(0, "set", np.arange(len(design), dtype=np.int64))
    manifest = study_manifest(
        "sensitivity",
        study.provenance,
        scenarios=[scenario_entry(study.provenance, study.scenario)],
        metrics=[metric],
        design={
            "method": method,
            "params": [
                {"key": p.key, "low": float(p.low), "high": float(p.high)} for p in study.params
            ],
            "samples": study.sample_size,
            "sets": len(study.samples),
            "morris_levels": levels,
            "metric": metric,
            "month": study.month,
        },
    )
    writer: FigureWriter | None = None
    if figures:
        from flysim.plots.output import save_sensitivity_figures

        writer = partial(
            save_sensitivity_figures,
            study.indices,
            method=method,
            metric=metric,
            month=study.month,
            currency=study.currency,
        )
    return write_folder(
        folder,
        manifest,
        csv={f"sensitivity-{method}.csv": study.to_frame(), f"samples-{method}.csv": samples},
        parquet={
            "design.parquet": design,
            RUNS_FILE: values_frames(study.values, metric, id_name="set"),
        },
        metadata=parquet_metadata(manifest),
        figures=writer,
    )


def load_comparison(
    folder: str | PathLike[str],
) -> tuple[list[SimulationResult], list[str], dict[str, Any]]:
    """Read a comparison's folder back: each scenario's result, the names, the design.

    Raises
    ------
    ValueError
        If the folder is not a comparison, or its files do not agree.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest.get("kind") != "compare":
        raise ValueError(f"{folder} holds no comparison (kind {manifest.get('kind', 'run')!r})")
    frame, _ = read_table(folder / RUNS_FILE)
    drawn = None
    if INPUTS_FILE in manifest.get("files", ()):
        drawn, _ = read_table(folder / INPUTS_FILE)
    metrics = list(manifest["metrics"])
    runs, months = manifest["runs"], manifest["months"]
    results, names = [], []
    for entry in manifest["scenarios"]:
        scenario = Scenario.model_validate(entry["resolved"])
        scenario._source = entry["path"]  # the file it came from, as at simulation
        provenance = Provenance(
            scenario_name=entry["name"],
            scenario_hash=entry["sha256"],
            scenario_path=entry["path"],
            **{k: manifest[k] for k in ("seed", "engine", "runs", "months", "created")},
            flysim_version=manifest["flysim_version"],
            wall_time_s=manifest["wall_time_s"],
            n_events=manifest.get("n_events", 0),
        )
        part = frame[frame["scenario"] == entry["label"]].sort_values(["run", "month"])
        if len(part) != runs * months:
            raise ValueError(f"{folder / RUNS_FILE}: {entry['label']!r} lacks runs or months")
        data = part[metrics].to_numpy(np.float64).reshape(runs, months, len(metrics))
        inputs = None
        if drawn is not None and (drawn["scenario"] == entry["label"]).any():
            own = drawn[drawn["scenario"] == entry["label"]].drop(columns="scenario")
            inputs = own.set_index("run").sort_index().dropna(axis=1, how="all")
        results.append(
            SimulationResult(data, scenario, provenance, metrics=tuple(metrics), inputs=inputs)
        )
        names.append(entry["label"])
    return results, names, manifest["design"]
