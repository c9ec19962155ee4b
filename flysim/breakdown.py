"""The per-channel breakdown of a scenario with several paid channels.

The metrics keep ``leads_paid``, ``new_customers_paid`` and ``spend_paid`` as
totals over the paid channels. A scenario with several (``[attract.paid.search]``,
``[attract.paid.social]``...) also gets each channel's monthly leads, new
customers and budget from the engines (``RawBlock.channels``), carried into
``SimulationResult.channels()`` as a tidy frame and saved as ``channels.parquet``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from flysim.engines.base import PAID_FIELDS
from flysim.scenario.schema import Scenario

__all__ = [
    "CHANNEL_COLUMNS",
    "channel_frame",
    "channel_summary",
    "scatter_channels",
    "totals_frame",
]

#: Columns of ``SimulationResult.channels()`` and ``channels.parquet``, in order.
CHANNEL_COLUMNS: tuple[str, ...] = ("run", "month", "channel", *PAID_FIELDS, "cac")


def scatter_channels(
    out: np.ndarray,
    runs: np.ndarray,
    block: np.ndarray,
    block_names: Sequence[str],
    names: Sequence[str],
) -> None:
    """Put a block's breakdown, ``(n, months, block channels, 3)``, into ``out`` by channel name.

    ``out`` is ``(runs, months, len(names), 3)``; a chunk of a study may hold
    fewer channels than the whole table, so columns go by name, not position.
    """
    cols = [list(names).index(n) for n in block_names]
    for j, col in enumerate(cols):
        out[runs, :, col] = block[:, :, j]


def channel_frame(by_channel: np.ndarray, names: Sequence[str]) -> pd.DataFrame:
    """The tidy breakdown: a row per run, month (1-based) and channel.

    ``cac`` is the channel's budget over its new customers in the month,
    missing (NaN) in a month without one.
    """
    runs, months, n, _ = by_channel.shape
    flat = by_channel.reshape(-1, len(PAID_FIELDS))
    frame = pd.DataFrame(
        {
            "run": np.repeat(np.arange(runs), months * n),
            "month": np.tile(np.repeat(np.arange(1, months + 1), n), runs),
            "channel": pd.Categorical(
                np.tile(np.asarray(names, dtype=object), runs * months), categories=list(names)
            ),
        }
    )
    for j, name in enumerate(PAID_FIELDS):
        frame[name] = flat[:, j]
    with np.errstate(divide="ignore", invalid="ignore"):
        won = frame["new_customers"].to_numpy()
        frame["cac"] = np.where(
            won > 0, frame["spend"].to_numpy() / np.where(won > 0, won, 1.0), np.nan
        )
    return frame


def totals_frame(scenario: Scenario, metric: Callable[[str], np.ndarray]) -> pd.DataFrame:
    """``channel_frame`` of a result kept without a breakdown: the paid totals.

    Under the name of its one paid channel (``"paid"`` for ``[attract.paid]``);
    no rows without one. ``metric`` is ``SimulationResult.metric``.
    """
    names = [n for n, _ in scenario.attract.paid_channels()][:1]
    fields = ("leads_paid", "new_customers_paid", "spend_paid")
    arr = np.stack([metric(f) for f in fields], axis=-1)[:, :, None, :]
    return channel_frame(arr[:, :, : len(names)], names)


def channel_summary(frame: pd.DataFrame, months: Sequence[int]) -> pd.DataFrame:
    """P5, P50 and P95 across runs of each channel's leads, new customers and CAC at ``months``.

    A row per channel and month; ``cac_missing`` counts the runs without a
    new customer from that channel in that month (their CAC is undefined).
    """
    rows = []
    for (channel, month), g in frame[frame["month"].isin(list(months))].groupby(
        ["channel", "month"], observed=True, sort=True
    ):
        row: dict[str, object] = {"channel": channel, "month": int(str(month))}
        for name in ("leads", "new_customers", "cac"):
            values = g[name].dropna().to_numpy()
            for q in (5, 50, 95):
                row[f"{name}_p{q}"] = float(np.percentile(values, q)) if values.size else np.nan
        row["cac_missing"] = int(g["cac"].isna().sum())
        rows.append(row)
    return pd.DataFrame(rows)
