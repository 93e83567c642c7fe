"""Charts as PNG pictures for the Word reports, drawn by matplotlib with a Chinese font.

The font is looked for among the machine's fonts (Noto CJK on Linux, 微软雅黑 or 黑体 on
Windows). Without one, labels fall back to codes and numbers, which every font can draw,
rather than printing boxes.
"""
from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

CJK_FILES = ("notosanscjk", "notoserifcjk", "sourcehansans", "wqy", "msyh", "simhei", "simsun",
             "pingfang", "droidsansfallback")
MET, MISSED, TARGET = "#1a7f37", "#cf222e", "#8c959f"


@lru_cache(maxsize=1)
def cjk_font():
    """The FontProperties of a font that draws Chinese, or None."""
    from matplotlib import font_manager
    for path in sorted(font_manager.findSystemFonts()):
        name = Path(path).name.lower().replace("-", "").replace("_", "")
        if any(key in name for key in CJK_FILES) and "bold" not in name:
            return font_manager.FontProperties(fname=path)
    return None


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    figure = Figure(figsize=(width, height), dpi=150)
    FigureCanvasAgg(figure)
    return figure


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _text(label: str, fallback: str) -> str:
    return label if cjk_font() is not None else fallback


def achievement_bars(rows: list[tuple[str, str, float, float | None, bool | None]],
                     title: str, legend: tuple[str, str, str]) -> bytes | None:
    """Target beside actual for each indicator: rows of (code, name, target, actual, met);
    `legend` names the target, a met actual and a missed actual."""
    rows = [r for r in rows if r[2] is not None]
    if not rows:
        return None
    font = cjk_font()
    figure = _figure(7.5, 3.2 + 0.1 * len(rows))
    axes = figure.add_subplot()
    positions = range(len(rows))
    from matplotlib.patches import Patch
    axes.bar([p - 0.2 for p in positions], [r[2] for r in rows], width=0.4, color=TARGET)
    axes.bar([p + 0.2 for p in positions], [r[3] or 0 for r in rows], width=0.4,
             color=[MET if r[4] else MISSED for r in rows])
    axes.set_xticks(list(positions))
    axes.set_xticklabels([_text(f"{r[0]}\n{r[1][:8]}", r[0]) for r in rows], fontproperties=font,
                         fontsize=8)
    axes.set_title(_text(title, ""), fontproperties=font, fontsize=11)
    fallback = ("target", "actual, met", "actual, missed")
    axes.legend(handles=[Patch(color=colour, label=_text(text, plain)) for colour, text, plain
                         in zip((TARGET, MET, MISSED), legend, fallback)],
                prop=font, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def rates_by_unit(rows: list[tuple[str, str, float | None]], title: str) -> bytes | None:
    """A horizontal bar per unit: rows of (code, name, rate 0..1 or None for no data)."""
    rows = [r for r in rows if r[2] is not None]
    if not rows:
        return None
    font = cjk_font()
    figure = _figure(7.5, 1.2 + 0.35 * len(rows))
    axes = figure.add_subplot()
    names = [_text(r[1], r[0]) for r in rows]
    values = [r[2] * 100 for r in rows]
    axes.barh(names, values, color=[MET if v >= 80 else "#bf8700" if v >= 60 else MISSED
                                    for v in values])
    for y, v in enumerate(values):
        axes.text(v + 1, y, f"{v:.0f}%", va="center", fontsize=8)
    axes.set_xlim(0, 110)
    axes.invert_yaxis()
    for label in axes.get_yticklabels():
        label.set_fontproperties(font)
        label.set_fontsize(8)
    axes.set_title(_text(title, ""), fontproperties=font, fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def counts_over_time(labels: list[str], series: dict[str, list[int]], title: str
                     ) -> bytes | None:
    """Counts per period (e.g. warnings opened per month), one line per series."""
    if not labels or not any(any(v) for v in series.values()):
        return None
    font = cjk_font()
    figure = _figure(7.5, 3.0)
    axes = figure.add_subplot()
    from matplotlib.ticker import MaxNLocator
    palette = [MISSED, "#bf8700", "#1f6feb"]
    for n, (name, values) in enumerate(series.items()):
        axes.plot([label[5:] for label in labels], values, marker="o",
                  color=palette[n % len(palette)], label=_text(name, f"{n + 1}"))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(bottom=0)
    axes.set_title(_text(title, ""), fontproperties=font, fontsize=11)
    axes.legend(prop=font, fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    for label in axes.get_xticklabels():
        label.set_fontsize(8)
    return _png(figure)


def stage_bars(rows: list[tuple[str, list[tuple[str, int]]]], title: str) -> bytes | None:
    """Stage progress: one stacked bar per level, a segment per stage in order."""
    rows = [r for r in rows if any(n for _s, n in r[1])]
    if not rows:
        return None
    font = cjk_font()
    figure = _figure(7.5, 1.4 + 0.5 * len(rows))
    axes = figure.add_subplot()
    stages = list(dict.fromkeys(stage for _label, counts in rows for stage, _n in counts))
    palette = ["#d0d7de", "#afb8c1", "#8c959f", "#6e7781", "#57606a", "#bf8700", "#9a6700",
               "#4493f8", "#1f6feb", "#1a7f37", "#116329"]
    left = [0] * len(rows)
    from matplotlib.patches import Patch
    for i, stage in enumerate(stages):
        values = [dict(counts).get(stage, 0) for _label, counts in rows]
        axes.barh([_text(label, str(n)) for n, (label, _c) in enumerate(rows)], values,
                  left=left, color=palette[i % len(palette)])
        left = [a + b for a, b in zip(left, values)]
    from matplotlib.ticker import MaxNLocator
    axes.invert_yaxis()
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    for label in axes.get_yticklabels():
        label.set_fontproperties(font)
    figure.legend(handles=[Patch(color=palette[i % len(palette)], label=_text(s, str(i + 1)))
                           for i, s in enumerate(stages)], prop=font, fontsize=7, ncol=6,
                  loc="lower center")
    axes.set_title(_text(title, ""), fontproperties=font, fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout(rect=(0, 0.08 + 0.04 * (len(stages) // 6), 1, 1))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
