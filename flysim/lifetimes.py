"""Survival data from the agent model's event log: one row per customer, and cohorts.

The event log (``simulate(..., engine="des", events=True)``) has a start
record for every customer (``start`` at t = 0 for initial customers,
``convert`` for won ones), a ``churn`` row for those who leave, and records the
horizon, which is the censoring time of everyone still there at the end.
``lifetimes`` turns it into the table survival libraries take (duration and
event flag per customer); ``cohorts`` into customers and MRR by month of
acquisition and age. Neither needs any library beyond pandas; docs/lifetimes.md
shows how to feed them to lifelines and PyMC-Marketing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from flysim.events import ATTRS_KEY, read_events
from flysim.units import DAYS_PER_MONTH

if TYPE_CHECKING:
    from flysim.result import SimulationResult

__all__ = ["COHORT_COLUMNS", "LIFETIME_COLUMNS", "cohorts", "lifetimes"]

#: Columns of ``lifetimes``' table, in order.
LIFETIME_COLUMNS: tuple[str, ...] = (
    "run",
    "customer",
    "channel",
    "initial",
    "referral",
    "cohort",
    "start",
    "end",
    "duration_days",
    "duration_months",
    "churned",
    "onboarded",
    "upsells",
    "tier",
    "mrr",
    "health",
    "nps",
)

#: Columns of ``cohorts``' table (``by_run=True`` adds ``run`` first and drops ``retention``).
COHORT_COLUMNS: tuple[str, ...] = (
    "cohort",
    "age",
    "month",
    "acquired",
    "customers",
    "retention",
    "mrr",
)

# Events that start a customer's life, and those that set its MRR.
_STARTS = ("start", "convert")
_MRR_EVENTS = ("start", "convert", "upsell", "churn")


def _load(
    source: SimulationResult | pd.DataFrame | str | os.PathLike[str],
    horizon_months: int | None,
) -> tuple[pd.DataFrame, int, int | None]:
    """The event log, the horizon in months and the number of runs (None if unknown)."""
    meta: dict[str, Any] = {}
    if isinstance(source, pd.DataFrame):
        events = source
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        if path.is_dir():
            from flysim import io

            events = read_events(path / io.EVENTS_FILE)
            if "horizon_months" not in events.attrs.get(ATTRS_KEY, {}):
                # A folder saved before event files carried their metadata.
                manifest = io.read_manifest(path)
                meta = {"horizon_months": manifest["months"], "runs": manifest["runs"]}
        else:
            events = read_events(path)
    else:
        if source.events is None:
            raise ValueError(
                "this result has no event log; simulate with engine='des', events=True "
                "(CLI: --engine des --events FILE)"
            )
        events = source.events
        meta = {"horizon_months": source.n_months, "runs": source.n_runs}
    meta = {**meta, **events.attrs.get(ATTRS_KEY, {})}
    if horizon_months is None:
        horizon_months = meta.get("horizon_months")
    if horizon_months is None:
        raise ValueError(
            "the event log does not say its horizon (an older file, or a CSV without its "
            "sidecar .json); pass horizon_months"
        )
    runs = meta.get("runs")
    return events, int(horizon_months), None if runs is None else int(runs)


def _customer_rows(events: pd.DataFrame) -> pd.DataFrame:
    """The rows of customers' lives, from their start record on, in log order."""
    run = events["run"].to_numpy(np.int64)
    customer = events["customer"].to_numpy(np.int64)
    # One integer per (run, customer), to select rows without a merge (which
    # could reorder them: the order of a customer's rows is its history).
    key = run * (int(customer.max(initial=0)) + 2) + customer
    starts = events["event"].isin(_STARTS).to_numpy()
    # A lead's own rows (lead, lost) share its id; they are not a customer's life.
    own = ~events["event"].isin(("lead", "lost")).to_numpy() & (customer >= 0)
    return events[own & np.isin(key, key[starts])]


def lifetimes(
    source: SimulationResult | pd.DataFrame | str | os.PathLike[str],
    *,
    horizon_months: int | None = None,
) -> pd.DataFrame:
    """One row per customer: when it started, when it churned or was censored, and how.

    Parameters
    ----------
    source : SimulationResult, pandas.DataFrame or path
        A result with an event log (``simulate(..., engine="des",
        events=True)``, or ``SimulationResult.load`` of a saved one), an event
        log frame (``read_events``), an event file (``.parquet`` or ``.csv``
        with its sidecar) or a saved result folder (only its event file and,
        for an older folder, its manifest are read).
    horizon_months : int, optional
        The censoring time in months; defaults to the horizon the log records.

    Returns
    -------
    pandas.DataFrame
        Columns ``LIFETIME_COLUMNS``, sorted by run and customer: ``run``,
        ``customer`` (the agent's id); ``channel`` (``initial``, ``paid``,
        ``organic``, ``referral``); ``initial`` and ``referral`` (won through
        a referral) flags; ``cohort`` (month of acquisition, 1-based; 0 for
        initial customers); ``start`` and ``end`` in days (``end`` is the churn
        time, or the horizon for a customer still there: right-censored);
        ``duration_days`` and ``duration_months`` (``end - start``);
        ``churned``; ``onboarded`` (reached value; initial customers have);
        ``upsells``; ``tier``, ``mrr``, ``health`` and ``nps`` at the end (at
        churn, for one who churned).

    Raises
    ------
    ValueError
        If the result has no event log, or the log does not record its horizon
        and ``horizon_months`` is not given.
    """
    events, horizon, _ = _load(source, horizon_months)
    horizon_days = horizon * DAYS_PER_MONTH
    rows = _customer_rows(events)
    keys = ["run", "customer"]
    first = rows[rows["event"].isin(_STARTS)].drop_duplicates(keys)
    table = first[[*keys, "channel", "time", "event"]].rename(columns={"time": "start"})
    table["initial"] = table.pop("event") == "start"
    table["referral"] = table["channel"] == "referral"
    start_month = np.floor(table["start"].to_numpy() / DAYS_PER_MONTH).astype(np.int64) + 1
    table["cohort"] = np.where(table["initial"], 0, np.minimum(start_month, horizon))

    churn = rows.loc[rows["event"] == "churn", [*keys, "time"]].drop_duplicates(keys)
    table = table.merge(churn.rename(columns={"time": "churn_time"}), on=keys, how="left")
    table["churned"] = table["churn_time"].notna()
    table["end"] = table.pop("churn_time").fillna(horizon_days)
    table["duration_days"] = table["end"] - table["start"]
    table["duration_months"] = table["duration_days"] / DAYS_PER_MONTH

    activated = rows.loc[rows["event"] == "activate", keys].drop_duplicates()
    activated["_activated"] = True
    table = table.merge(activated, on=keys, how="left")
    table["onboarded"] = table["initial"] | table.pop("_activated").notna().to_numpy()
    upsells = rows[rows["event"] == "upsell"].groupby(keys).size().rename("upsells")
    table = table.merge(upsells, on=keys, how="left")
    table["upsells"] = table["upsells"].fillna(0).astype(np.int64)

    # The state at the end is the last row's; the MRR the last row that sets it.
    last = rows.drop_duplicates(keys, keep="last")[[*keys, "tier", "health", "nps"]]
    mrr = rows[rows["event"].isin(_MRR_EVENTS)].drop_duplicates(keys, keep="last")
    table = table.merge(last, on=keys, how="left")
    table = table.merge(mrr[[*keys, "amount"]].rename(columns={"amount": "mrr"}), on=keys)
    table = table.sort_values(keys, kind="stable", ignore_index=True)
    # Fixed dtypes, even for a log without rows (whose columns are objects).
    kinds: dict[str, str] = {name: "int64" for name in ("run", "customer", "cohort", "upsells")}
    kinds |= {name: "float64" for name in ("start", "end", "duration_days", "duration_months")}
    kinds |= {name: "bool" for name in ("initial", "referral", "churned", "onboarded")}
    kinds["mrr"] = "float64"
    return table[list(LIFETIME_COLUMNS)].astype(kinds)


def cohorts(
    source: SimulationResult | pd.DataFrame | str | os.PathLike[str],
    *,
    by_run: bool = False,
    horizon_months: int | None = None,
) -> pd.DataFrame:
    """Customers and MRR by month of acquisition (cohort) and age.

    Parameters
    ----------
    source : SimulationResult, pandas.DataFrame or path
        As for ``lifetimes``.
    by_run : bool
        One set of rows per run (counts) instead of means across runs.
    horizon_months : int, optional
        As for ``lifetimes``.

    Returns
    -------
    pandas.DataFrame
        One row per cohort and age, sorted by cohort then age (and run first
        with ``by_run``): ``cohort`` (month of acquisition, 1-based; 0 for the
        initial customers), ``age`` (months since: 0 is the cohort's own
        month), ``month`` (``cohort + age``; stocks are read at that month's
        end, month 0 being t = 0), ``acquired`` (customers the cohort won),
        ``customers`` (of them, still customers), ``mrr`` (their MRR). Without
        ``by_run`` these are means across runs (a run that won no one in a
        month counts as 0) and ``retention`` is ``customers / acquired``
        (NaN for a cohort no run won anyone in).

    Raises
    ------
    ValueError
        As for ``lifetimes``.
    """
    events, horizon, n_runs = _load(source, horizon_months)
    rows = _customer_rows(events)
    rows = rows[rows["event"].isin(_MRR_EVENTS)]
    run_ids = np.unique(rows["run"].to_numpy()) if n_runs is None else np.arange(n_runs)
    if n_runs is not None and rows["run"].ge(n_runs).any():
        run_ids = np.union1d(run_ids, rows["run"].to_numpy())
    n = horizon + 1  # month ends 0 (t = 0) .. horizon

    event = rows["event"].to_numpy()
    time = rows["time"].to_numpy(np.float64)
    # A stock at the end of month e sees every event before e * D; the start
    # records at t = 0 are the stock at "the end of month 0".
    month_end = np.floor(time / DAYS_PER_MONTH).astype(np.int64) + 1
    end_index = np.where(event == "start", 0, np.minimum(month_end, horizon))
    keys = ["run", "customer"]
    frame = pd.DataFrame({"run": rows["run"].to_numpy(), "customer": rows["customer"].to_numpy()})
    frame["level"] = np.where(event == "churn", 0.0, rows["amount"].to_numpy(np.float64))
    frame["end_index"] = end_index
    is_start = np.isin(event, _STARTS)
    frame["cohort"] = np.where(is_start, end_index, -1)
    by_customer = frame.groupby(keys, sort=False)
    # MRR changes by the step between consecutive levels; a customer's cohort is its start's.
    mrr_step = frame["level"] - by_customer["level"].shift(fill_value=0.0)
    cohort = by_customer["cohort"].transform("max").to_numpy()
    count_step = np.where(is_start, 1.0, np.where(event == "churn", -1.0, 0.0))

    run_pos = np.searchsorted(run_ids, frame["run"].to_numpy())
    customers = np.zeros((run_ids.size, n, n))
    mrr = np.zeros((run_ids.size, n, n))
    acquired = np.zeros((run_ids.size, n))
    np.add.at(customers, (run_pos, cohort, end_index), count_step)
    np.add.at(mrr, (run_pos, cohort, end_index), mrr_step.to_numpy())
    np.add.at(acquired, (run_pos[is_start], cohort[is_start]), 1.0)
    customers = np.cumsum(customers, axis=2)
    mrr = np.cumsum(mrr, axis=2)

    c_idx, e_idx = np.nonzero(np.triu(np.ones((n, n), dtype=bool)))  # month >= cohort
    if by_run:
        r = np.repeat(np.arange(run_ids.size), c_idx.size)
        c, e = np.tile(c_idx, run_ids.size), np.tile(e_idx, run_ids.size)
        return pd.DataFrame(
            {
                "run": run_ids[r],
                "cohort": c,
                "age": e - c,
                "month": e,
                "acquired": acquired[r, c],
                "customers": customers[r, c, e],
                "mrr": mrr[r, c, e],
            }
        )
    size = max(run_ids.size, 1)
    won = acquired.sum(axis=0)[c_idx]
    left = customers.sum(axis=0)[c_idx, e_idx]
    retention = np.full(c_idx.size, np.nan)
    np.divide(left, won, out=retention, where=won > 0)
    return pd.DataFrame(
        {
            "cohort": c_idx,
            "age": e_idx - c_idx,
            "month": e_idx,
            "acquired": won / size,
            "customers": left / size,
            "retention": retention,
            "mrr": mrr.sum(axis=0)[c_idx, e_idx] / size,
        },
        columns=list(COHORT_COLUMNS),
    )
