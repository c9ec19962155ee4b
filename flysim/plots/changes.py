"""Markers of a plan's dated changes on time charts: a thin line at each change and its number.

A change written ``month = 4`` takes effect at the start of month 4, t = 3
months. On a chart whose month ``m`` is plotted at ``x = m`` (its stocks are
read at the month's end), that is ``x = 3``: the line stands on the last month
before the change, and the first month it affects is the next point. Each
line carries a small numbered badge at the top of the axes; the numbers are
explained in a footnote (:func:`change_footnote`), so long notes never sit on
the data and never overlap each other, however close the changes are.

Plot functions take the changes as plain data, ``[(0-based month, label),
...]`` as :func:`flysim.scenario.changes.change_months` gives them; nothing is
drawn when there are none.
"""

from __future__ import annotations

from collections.abc import Sequence
from textwrap import shorten

from matplotlib.axes import Axes
from matplotlib.text import Text

from flysim.plots.style import MUTED

__all__ = [
    "CHANGE_GID",
    "CHANGE_LABEL_GID",
    "CHANGE_NOTE_GID",
    "Changes",
    "change_footnote",
    "checked_changes",
    "mark_changes",
]

#: The changes a chart marks: ``(0-based month index, label)``, as ``change_months`` gives.
Changes = Sequence[tuple[int, str]]

#: Artist ids of the change lines, their number badges and the footnote.
CHANGE_GID = "flysim-change"
CHANGE_LABEL_GID = "flysim-change-label"
CHANGE_NOTE_GID = "flysim-change-note"

#: The longest label a footnote shows, in characters; longer ones end in "…".
_LABEL_CHARS = 70
#: Months within which two badges are staggered (put one lower) so they never overlap.
_STAGGER_MONTHS = 1.6


def checked_changes(changes: Changes | None) -> list[tuple[int, str]]:
    """``changes`` sorted by month, each as ``(int, str)``; an empty list for ``None``.

    Raises
    ------
    ValueError
        If a month index is negative.
    """
    out = []
    for month, label in changes or ():
        if int(month) < 0:
            raise ValueError(f"changes: a month index is 0-based and >= 0, got {month!r}")
        out.append((int(month), str(label)))
    return sorted(out, key=lambda c: c[0])


def _numbered(changes: Changes) -> list[tuple[int, list[int]]]:
    """Each distinct month with the 1-based numbers of its changes."""
    months: dict[int, list[int]] = {}
    for number, (month, _) in enumerate(changes, start=1):
        months.setdefault(month, []).append(number)
    return list(months.items())


def change_footnote(changes: Changes | None, *, width: int = 110) -> str:
    """The key to the numbered badges: ``"Changes: 1 month 4: note · 2 month 6: note"``.

    Entries are packed into lines of at most ``width`` characters (an entry is
    never split); the empty string when there are no changes.
    """
    checked = checked_changes(changes)
    if not checked:
        return ""
    entries = [
        f"{i} {shorten(label, _LABEL_CHARS, placeholder='…')}"
        for i, (_, label) in enumerate(checked, start=1)
    ]
    lines: list[str] = []
    line = "Changes: " + entries[0]
    for entry in entries[1:]:
        if len(line) + 3 + len(entry) > width:
            lines.append(line + " ·")
            line = entry
        else:
            line = f"{line} · {entry}"
    lines.append(line)
    return "\n".join(lines)


def mark_changes(
    ax: Axes,
    changes: Changes | None,
    *,
    footnote: bool = True,
    color: str = MUTED,
) -> Axes:
    """Draw a thin vertical line at each change's time, with its number at the top.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        A time chart whose month ``m`` is at ``x = m``.
    changes : sequence of (int, str) or None
        ``(0-based month, label)`` of each change; a change at index ``i``
        takes effect at ``t = i`` months, drawn at ``x = i``. Changes outside
        the x range drawn so far are left out of the lines (not the footnote).
        ``None`` or empty draws nothing.
    footnote : bool, optional
        Write the key to the numbers under the axes (the dashboard writes one
        for the whole figure instead).
    color : str, optional
        Colour of lines and badges.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.
    """
    checked = checked_changes(changes)
    if not checked:
        return ax
    left, right = sorted(ax.get_xlim())
    transform = ax.get_xaxis_transform()  # x in data, y in axes fraction
    previous: tuple[float, int] | None = None
    for month, numbers in _numbered(checked):
        x = float(month)
        if not left <= x <= right:
            continue
        line = ax.axvline(x, color=color, linewidth=0.8, alpha=0.8, zorder=2.5, label="_change")
        line.set_gid(CHANGE_GID)
        # A badge close to the previous one goes one step lower, so none overlap.
        level = 0
        if previous is not None and x - previous[0] < _STAGGER_MONTHS * (right - left) / 18:
            level = 1 - previous[1]
        previous = (x, level)
        badge = ax.text(
            x,
            0.985 - 0.085 * level,
            ",".join(str(n) for n in numbers),
            transform=transform,
            ha="center",
            va="top",
            fontsize=7.5,
            color=color,
            zorder=5,
            bbox={
                "boxstyle": "round,pad=0.18",
                "facecolor": "white",
                "edgecolor": color,
                "linewidth": 0.6,
            },
        )
        badge.set_gid(CHANGE_LABEL_GID)
    if footnote:
        _footnote(ax, change_footnote(checked))
    return ax


def _footnote(ax: Axes, text: str) -> Text:
    """The key under the x-axis label, left-aligned with the axes; constrained layout makes room."""
    note = ax.annotate(
        text,
        xy=(0.0, 0.0),
        xycoords=("axes fraction", ax.xaxis.label),
        xytext=(0.0, -4.0),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=8,
        color=MUTED,
    )
    note.set_gid(CHANGE_NOTE_GID)
    return note
