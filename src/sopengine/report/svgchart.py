"""Bar charts as SVG text, drawn on the server: the HTML report needs no charting library and no network.

Every label is data (rule ids, clause ids from the rules; counts) and is escaped
for XML; bars carry ``data-filter``/``data-value`` so that the report's script
can turn a click on a bar into a filter of the records table.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["SEVERITY_COLOURS", "Bar", "bar_chart"]

SEVERITY_COLOURS = {"error": "#c0392b", "warning": "#d68910", "info": "#2e86c1", "none": "#7f8c8d"}

Bar = tuple[str, Sequence[tuple[str, int]]]  # label, then (severity, count) segments, stacked


def bar_chart(bars: Sequence[Bar], *, title: str, filter_name: str, more: str = "", width: int = 560) -> str:
    """Horizontal stacked bars, one per label, longest first as given; ``more`` is a note under the chart."""
    row, label_w, pad = 22, 190, 6
    top = 8
    height = top + row * len(bars) + (row if more else 0) + pad
    scale_max = max((sum(c for _, c in segs) for _, segs in bars), default=0) or 1
    bar_w = width - label_w - 60
    out = [(f'<svg class="chart" role="img" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}"><title>{escape(title)}</title>')]
    for n, (label, segs) in enumerate(bars):
        y = top + n * row
        total = sum(c for _, c in segs)
        out.append(f'<g class="bar" data-filter="{escape(filter_name)}" data-value="{escape(label)}" tabindex="0">'
                   f'<title>{escape(label)}: {total}</title>'
                   f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(_clip(label, 28))}</text>')
        x = float(label_w)
        for sev, count in segs:
            w = bar_w * count / scale_max
            if w > 0:
                out.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{max(w, 1.0):.1f}" height="{row - 6}" '
                           f'fill="{SEVERITY_COLOURS.get(sev, SEVERITY_COLOURS["none"])}"/>')
                x += w
        out.append(f'<text class="count" x="{x + 4:.1f}" y="{y + 15}">{total}</text></g>')
    if more:
        out.append(f'<text class="more" x="{label_w}" y="{top + row * len(bars) + 15}">{escape(more)}</text>')
    out.append("</svg>")
    return "".join(out)


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
