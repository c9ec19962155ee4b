"""The report as one self-contained HTML page: inline CSS, figures as data URIs, no script.

Nothing is fetched when the page opens (no fonts, scripts or images from a
network), so it reads the same offline, attached to an e-mail or printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from flysim.report.content import ReportContent, Table
from flysim.report.figures import EmbeddedFigure

__all__ = ["render_html"]

_CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1f2933; margin: 0; background: #f5f7fa; }
main { max-width: 1180px; margin: 0 auto; padding: 28px 36px 48px; background: #fff; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 34px 0 8px; border-bottom: 2px solid #e4e7eb; padding-bottom: 4px; }
.subtitle { color: #52606d; margin: 0 0 16px; }
.question { font-size: 17px; background: #f0f4f8; border-left: 4px solid #2f6fb0;
            padding: 10px 14px; margin: 12px 0; }
table { border-collapse: collapse; margin: 6px 0; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
th { text-align: left; background: #f5f7fa; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
td:first-child { white-space: nowrap; }
td.key { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
.note { color: #52606d; font-size: 13px; margin: 4px 0 0; max-width: 1000px; }
.scroll { overflow-x: auto; }
figure { margin: 16px 0; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.pair figure { margin: 0; }
figure img { max-width: 100%; border: 1px solid #e4e7eb; }
figcaption { color: #52606d; font-size: 13px; }
footer { color: #7b8794; font-size: 12px; margin-top: 36px; }
@media print { body { background: #fff; } main { padding: 0; } h2 { break-after: avoid; }
               figure, table { break-inside: avoid; } }
"""


def _table(table: Table, *, table_id: str, key_column: bool = False) -> str:
    head = "".join(
        f'<th class="{"num" if i >= table.numeric_from else ""}">{escape(h)}</th>'
        for i, h in enumerate(table.headers)
    )
    body = []
    for row in table.rows:
        cells = []
        for i, cell in enumerate(row):
            cls = "num" if i >= table.numeric_from else ("key" if key_column and i == 0 else "")
            cells.append(f'<td class="{cls}">{escape(cell)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    return (
        f'<h2>{escape(table.title)}</h2><div class="scroll"><table id="{table_id}">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>{note}"
    )


def _figure(fig: EmbeddedFigure, index: int) -> str:
    caption = f"<figcaption>{escape(fig.caption)}</figcaption>" if fig.caption else ""
    return (
        f'<figure id="figure-{index}"><img src="{fig.uri}" alt="{escape(fig.title)}">'
        f"{caption}</figure>"
    )


def render_html(content: ReportContent, figures: Sequence[EmbeddedFigure], version: str) -> str:
    """The whole page as a string."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(content.title)} · flysim report</title>",
        f"<style>{_CSS}</style></head><body><main>",
        f"<h1>{escape(content.title)}</h1>",
        f'<p class="subtitle">{escape(content.subtitle)}</p>',
        f'<p class="question">{escape(content.question)}</p>',
        _table(content.scenarios, table_id="scenarios"),
    ]
    if content.changes is not None:
        parts.append(_table(content.changes, table_id="changes"))
    for i, kpis in enumerate(content.kpis):
        parts.append(_table(kpis, table_id=f"kpis-{i}"))
    parts.append(_table(content.decisions, table_id="decisions"))
    parts.append("<h2>Figures</h2>")
    small = [(i, f) for i, f in enumerate(figures) if f.title.startswith("fan-")]
    if small:  # the comparison's fan charts, two to a row
        parts.append('<div class="pair">' + "".join(_figure(f, i) for i, f in small) + "</div>")
    parts += [_figure(f, i) for i, f in enumerate(figures) if not f.title.startswith("fan-")]
    # What differs is the evidence behind the numbers: after them, before provenance.
    if content.differences.rows or len(content.differences.headers) > 2:
        parts.append(_table(content.differences, table_id="differences", key_column=True))
    parts.append(_table(content.provenance, table_id="provenance", key_column=False))
    parts.append(
        f"<footer>Made with flysim {escape(version)}. Every number is a statistic across "
        "Monte Carlo runs of the scenario files above; rerunning them with the same seed "
        "gives the same numbers.</footer>"
    )
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"
