"""Charts drawn on the server as inline SVG: nothing to load from anywhere, and they print."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

COLOURS = ("#1f6feb", "#8250df", "#57606a", "#bf8700")
LINE_COLOURS = {"target": "#1a7f37", "warn": "#bf8700", "severe": "#cf222e"}


@dataclass
class Series:
    name: str
    points: list[tuple[str, Decimal | None]]  # (period label, value or None)


def line_chart(labels: list[str], series: list[Series], lines: dict[str, tuple[str, Decimal]],
               width: int = 640, height: int = 260, title: str = "", counts: bool = False,
               colours: list[str] | None = None) -> Markup:
    """Values by period, one polyline per series, with horizontal reference lines.

    `lines` maps a kind (target / warn / severe) to (its caption, its value). With `counts`,
    the axis starts at 0 and its ticks are whole numbers; `colours` colour the series in order.
    """
    left, right, top, bottom = 48, 120, 16, 32
    values = [float(v) for s in series for _p, v in s.points if v is not None]
    values += [float(v) for _c, v in lines.values()]
    if not labels or not values:
        return Markup("")
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    low, high = low - pad, high + pad
    if counts:  # ticks at 0, step, 2·step … with a whole step
        step = max(1, -(-int(max(values)) // 4))
        low, high = 0.0, float(step * 4)
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / len(labels))

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - low) / (high - low))

    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
             f'stroke="#d0d7de"/>']
    for step in range(5):
        v = low + (high - low) * step / 4
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" '
                     f'font-size="11" fill="#57606a">{_fmt(v)}</text>')
    for i, label in enumerate(labels):
        parts.append(f'<text x="{x(i):.1f}" y="{height - 10}" text-anchor="middle" '
                     f'font-size="12" fill="#24292f">{escape(label)}</text>')
    for kind, (caption, value) in lines.items():
        yy = y(float(value))
        colour = LINE_COLOURS.get(kind, "#57606a")
        parts.append(f'<line class="line-{kind}" x1="{left}" x2="{left + plot_w}" y1="{yy:.1f}" '
                     f'y2="{yy:.1f}" stroke="{colour}" stroke-dasharray="6 4"/>'
                     f'<text x="{left + plot_w + 6}" y="{yy + 4:.1f}" font-size="11" '
                     f'fill="{colour}">{escape(caption)} {_fmt(float(value))}</text>')
    for n, s in enumerate(series):
        colour = (colours or COLOURS)[n % len(colours or COLOURS)]
        at = {label: v for label, v in s.points}
        points = [(x(i), y(float(at[label]))) for i, label in enumerate(labels)
                  if at.get(label) is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f'<polyline class="series" points="{path}" fill="none" '
                         f'stroke="{colour}" stroke-width="2"/>')
        for (px, py), label in zip(points, [lb for lb in labels if at.get(lb) is not None]):
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{colour}">'
                         f'<title>{escape(s.name)} {escape(label)}: '
                         f'{_fmt(float(at[label]))}</title></circle>')
        parts.append(f'<text x="{left + 4}" y="{top + 14 + 14 * n}" font-size="12" '
                     f'fill="{colour}">● {escape(s.name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".") if abs(v) < 1e6 else f"{v:.3g}"


def bar_chart(rows: list[tuple[str, float | None]], width: int = 640, title: str = "",
              suffix: str = "%") -> Markup:
    """Horizontal bars, one per row of (label, value 0..100 or None for no data)."""
    rows = [(label, v) for label, v in rows if v is not None]
    if not rows:
        return Markup("")
    left, bar, gap, top = 160, 18, 8, 8
    height = top * 2 + len(rows) * (bar + gap)
    plot = width - left - 60
    parts = [f'<svg class="chart bars" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar + gap)
        colour = "#1a7f37" if value >= 80 else "#bf8700" if value >= 60 else "#cf222e"
        length = plot * max(0.0, min(float(value), 100.0)) / 100
        parts.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end" font-size="12" '
                     f'fill="#24292f">{escape(label)}</text>'
                     f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{bar}" '
                     f'fill="{colour}"><title>{escape(label)}: {_fmt(float(value))}{suffix}'
                     f'</title></rect><text x="{left + length + 6:.1f}" y="{y + 13}" '
                     f'font-size="11" fill="#57606a">{_fmt(float(value))}{suffix}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_bars(rows: list[tuple[str, list[tuple[str, int]]]], width: int = 640,
                 title: str = "") -> Markup:
    """One stacked bar per row of (label, [(segment, count), ...]), with a legend."""
    rows = [r for r in rows if any(n for _s, n in r[1])]
    if not rows:
        return Markup("")
    segments = list(dict.fromkeys(s for _label, counts in rows for s, _n in counts))
    palette = ["#d0d7de", "#afb8c1", "#8c959f", "#6e7781", "#57606a", "#bf8700", "#9a6700",
               "#4493f8", "#1f6feb", "#1a7f37", "#116329"]
    left, bar, gap, top = 90, 20, 8, 8
    legend_y = top + len(rows) * (bar + gap) + 10
    height = legend_y + 20 * (1 + len(segments) // 6)
    plot = width - left - 20
    parts = [f'<svg class="chart stacked" role="img" viewBox="0 0 {width} {height}" '
             f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, (label, counts) in enumerate(rows):
        y, x, total = top + i * (bar + gap), left, sum(n for _s, n in counts) or 1
        parts.append(f'<text x="{left - 8}" y="{y + 14}" text-anchor="end" font-size="12">'
                     f'{escape(label)}</text>')
        for segment, n in counts:
            w = plot * n / total
            colour = palette[segments.index(segment) % len(palette)]
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" '
                         f'fill="{colour}"><title>{escape(label)} · {escape(segment)}: {n}'
                         f'</title></rect>')
            x += w
    for j, segment in enumerate(segments):
        x, y = left + (j % 6) * 90, legend_y + 20 * (j // 6)
        parts.append(f'<rect x="{x}" y="{y}" width="10" height="10" '
                     f'fill="{palette[j % len(palette)]}"/><text x="{x + 14}" y="{y + 9}" '
                     f'font-size="11">{escape(segment)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
