"""Inline SVG charts, drawn at build time: no script, no chart library, nothing loaded from
elsewhere.

Every chart is an `<svg role="img">` with an escaped `<title>` and `<desc>`, and every value is
written as text next to its bar, so nothing is told by colour alone; series in stacked bars
also differ by fill pattern. Pages always put a table or a sentence with the same numbers next
to the chart. Output is a pure function of the arguments (ids come from the caller), so two
builds are byte-identical.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

# Layout for a phone first: the viewBox is about as wide as a 360 px screen's content box, so
# the 14-unit text renders at about 13 CSS px there (SVG text shrinks with the chart) and the
# chart is capped at 480 px on wider screens (sections.css). Labels sit above their bar, so the
# bars keep the full width at any label length. 大字模式 raises the font to 18 units
# (a11y.css); widths are measured at that size so the larger text still fits.
WIDTH = 360
FONT = 14
LABEL_H = 22  # label line above a bar
BAR_H = 20
GAP = 10  # between one bar and the next label
ROW_H = LABEL_H + BAR_H + GAP
PAD = 6
CHAR_W = 18  # width of one CJK character at the largest (大字模式) font size; ASCII counts as half
LEGEND_H = 26

# Fill patterns per series: a base colour plus a texture, so two neighbours differ even in
# greyscale. Colours pass WCAG 3:1 against white for graphical objects.
_PATTERNS = (
    ("#1f5f99", None),
    ("#b35900", "hatch"),
    ("#2e7d32", "dots"),
    ("#8e24aa", "cross"),
    ("#5d6d7e", "hlines"),
    ("#c62828", "vlines"),
)


def _e(s: object) -> str:
    return escape(str(s), quote=True)


def _text_width(s: str) -> int:
    return sum(CHAR_W if ord(ch) > 0x2E80 else CHAR_W // 2 + 1 for ch in s)


def _label(x: float, y: float, label: str) -> str:
    """A bar's label, left-aligned above it; squeezed to the chart's width if it is longer."""
    fit = f' textLength="{WIDTH - x}" lengthAdjust="spacingAndGlyphs"' if x + _text_width(label) > WIDTH else ""
    return f'<text x="{x}" y="{y}"{fit} fill="currentColor">{_e(label)}</text>'


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


def _open(cid: str, title: str, desc: str, height: int) -> list[str]:
    return [
        f'<svg class="sec-chart" id="{_e(cid)}" role="img" aria-labelledby="{_e(cid)}-t {_e(cid)}-d" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="{FONT}">',
        f'<title id="{_e(cid)}-t">{_e(title)}</title>',
        f'<desc id="{_e(cid)}-d">{_e(desc)}</desc>',
    ]


def _pattern_defs(cid: str, styles: Sequence[int]) -> list[str]:
    out = ["<defs>"]
    for i, style in enumerate(styles):
        colour, texture = _PATTERNS[style % len(_PATTERNS)]
        pid = f"{_e(cid)}-p{i}"
        out.append(f'<pattern id="{pid}" patternUnits="userSpaceOnUse" width="8" height="8">')
        out.append(f'<rect width="8" height="8" fill="{colour}"/>')
        if texture == "hatch":
            out.append('<path d="M0,8 L8,0 M-2,2 L2,-2 M6,10 L10,6" stroke="#fff" stroke-width="1.6"/>')
        elif texture == "dots":
            out.append('<circle cx="4" cy="4" r="1.6" fill="#fff"/>')
        elif texture == "cross":
            out.append('<path d="M0,0 L8,8 M8,0 L0,8" stroke="#fff" stroke-width="1.2"/>')
        elif texture == "hlines":
            out.append('<path d="M0,4 L8,4" stroke="#fff" stroke-width="1.6"/>')
        elif texture == "vlines":
            out.append('<path d="M4,0 L4,8" stroke="#fff" stroke-width="1.6"/>')
        out.append("</pattern>")
    out.append("</defs>")
    return out


def bar_chart(cid: str, title: str, desc: str, rows: Sequence[tuple[str, float]], unit: str = "") -> str:
    """Horizontal bars, one per (label, value): the label above the bar, the value after it."""
    value_w = max([_text_width(_fmt(v) + unit) for _, v in rows] + [20]) + PAD
    plot_w = WIDTH - value_w - PAD
    top = max((v for _, v in rows), default=0) or 1
    height = max(1, len(rows)) * ROW_H + PAD
    out = _open(cid, title, desc, height)
    for i, (label, value) in enumerate(rows):
        y = PAD + i * ROW_H
        bar_y = y + LABEL_H
        w = round(plot_w * (value / top), 1) if value > 0 else 0
        out.append(_label(0, bar_y - 6, label))
        out.append(f'<rect x="0" y="{bar_y}" width="{w}" height="{BAR_H}" fill="{_PATTERNS[0][0]}"/>')
        out.append(f'<text x="{w + 4}" y="{bar_y + BAR_H - 5}" fill="currentColor">{_e(_fmt(value) + unit)}</text>')
    out.append("</svg>")
    return "".join(out)


def stacked_bar_chart(
    cid: str,
    title: str,
    desc: str,
    series: Sequence[str],
    bars: Sequence[tuple[str, Sequence[float]]],
    normalise: bool = True,
    styles: Sequence[int] | None = None,
) -> str:
    """One horizontal bar per (label, values), split into `series` segments. With `normalise`,
    every bar spans the full width (shares); the counts are written in the segments that are
    wide enough and always in the total after the bar. A legend names every pattern.
    `styles` picks a fill per series (index into the palette: 0 solid blue, 1 orange hatch,
    2 green dots, 3 purple cross, 4 grey lines, 5 red bars), so a meaning keeps its look."""
    totals = [sum(v) for _, v in bars]
    value_w = max([_text_width(f"n={_fmt(t)}") for t in totals] + [20]) + PAD
    plot_w = WIDTH - value_w - PAD
    top = max(totals, default=0) or 1
    # legend: swatches in rows, wrapped by width
    legend: list[tuple[int, int, int, str]] = []
    lx, ly = 0, 0
    for i, name in enumerate(series):
        w = 20 + _text_width(name) + 12
        if lx + w > WIDTH and lx > 0:
            lx, ly = 0, ly + LEGEND_H
        legend.append((i, lx, ly, name))
        lx += w
    legend_h = ly + LEGEND_H + PAD
    height = legend_h + max(1, len(bars)) * ROW_H + PAD
    out = _open(cid, title, desc, height)
    out.extend(_pattern_defs(cid, list(styles) if styles is not None else list(range(len(series)))))
    for i, x, y, name in legend:
        out.append(
            f'<rect x="{x}" y="{PAD + y}" width="16" height="16" fill="url(#{_e(cid)}-p{i})" stroke="currentColor" stroke-width="0.5"/>'
        )
        out.append(f'<text x="{x + 20}" y="{PAD + y + 14}" fill="currentColor">{_e(name)}</text>')
    for b, (label, values) in enumerate(bars):
        y = legend_h + b * ROW_H
        bar_y = y + LABEL_H
        total = totals[b]
        scale = (plot_w / total if total else 0) if normalise else plot_w / top
        out.append(_label(0, bar_y - 6, label))
        x = 0.0
        for i, v in enumerate(values):
            if v <= 0:
                continue
            w = round(v * scale, 1)
            out.append(
                f'<rect x="{round(x, 1)}" y="{bar_y}" width="{w}" height="{BAR_H}" fill="url(#{_e(cid)}-p{i})">'
                f"<title>{_e(label)}：{_e(series[i])} {_e(_fmt(v))}</title></rect>"
            )
            txt = _fmt(v)
            if w >= _text_width(txt) + 6:
                out.append(
                    f'<text class="sec-chart-in" x="{round(x + w / 2, 1)}" y="{bar_y + BAR_H - 5}" text-anchor="middle" '
                    f'fill="#fff" stroke="#000" stroke-width="2.5" paint-order="stroke">{_e(txt)}</text>'
                )
            x += w
        end = plot_w if normalise and total else round(total * scale, 1)
        out.append(f'<text x="{end + 4}" y="{bar_y + BAR_H - 5}" fill="currentColor">{_e("n=" + _fmt(total))}</text>')
    out.append("</svg>")
    return "".join(out)
