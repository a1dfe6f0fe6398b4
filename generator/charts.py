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

WIDTH = 520
ROW_H = 30
BAR_H = 18
PAD = 8
CHAR_W = 15  # width of one CJK character at the chart font size (ASCII counts as half)

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


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


def _open(cid: str, title: str, desc: str, height: int) -> list[str]:
    return [
        f'<svg class="sec-chart" id="{_e(cid)}" role="img" aria-labelledby="{_e(cid)}-t {_e(cid)}-d" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="14">',
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
    """Horizontal bars, one per (label, value), the value written after each bar."""
    label_w = min(220, max([_text_width(lbl) for lbl, _ in rows] + [28]) + PAD)
    value_w = max([_text_width(_fmt(v) + unit) for _, v in rows] + [20]) + PAD
    plot_w = WIDTH - label_w - value_w - 2 * PAD
    top = max((v for _, v in rows), default=0) or 1
    height = max(1, len(rows)) * ROW_H + 2 * PAD
    out = _open(cid, title, desc, height)
    for i, (label, value) in enumerate(rows):
        y = PAD + i * ROW_H
        w = round(plot_w * (value / top), 1) if value > 0 else 0
        out.append(
            f'<text x="{label_w - 4}" y="{y + BAR_H - 4}" text-anchor="end" fill="currentColor">{_e(label)}</text>'
        )
        out.append(f'<rect x="{label_w}" y="{y}" width="{w}" height="{BAR_H}" fill="{_PATTERNS[0][0]}"/>')
        out.append(
            f'<text x="{label_w + w + 4}" y="{y + BAR_H - 4}" fill="currentColor">{_e(_fmt(value) + unit)}</text>'
        )
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
    label_w = min(220, max([_text_width(lbl) for lbl, _ in bars] + [28]) + PAD)
    totals = [sum(v) for _, v in bars]
    value_w = max([_text_width(f"n={_fmt(t)}") for t in totals] + [20]) + PAD
    plot_w = WIDTH - label_w - value_w - 2 * PAD
    top = max(totals, default=0) or 1
    # legend: one row of swatches, wrapped by width
    legend: list[tuple[int, int, int, str]] = []
    lx, ly = PAD, 0
    for i, name in enumerate(series):
        w = 18 + _text_width(name) + 16
        if lx + w > WIDTH - PAD and lx > PAD:
            lx, ly = PAD, ly + 22
        legend.append((i, lx, ly, name))
        lx += w
    legend_h = ly + 22 + PAD
    height = legend_h + max(1, len(bars)) * ROW_H + PAD
    out = _open(cid, title, desc, height)
    out.extend(_pattern_defs(cid, list(styles) if styles is not None else list(range(len(series)))))
    for i, x, y, name in legend:
        out.append(
            f'<rect x="{x}" y="{PAD + y}" width="14" height="14" fill="url(#{_e(cid)}-p{i})" stroke="currentColor" stroke-width="0.5"/>'
        )
        out.append(f'<text x="{x + 18}" y="{PAD + y + 12}" fill="currentColor">{_e(name)}</text>')
    for b, (label, values) in enumerate(bars):
        y = legend_h + b * ROW_H
        total = totals[b]
        scale = (plot_w / total if total else 0) if normalise else plot_w / top
        out.append(
            f'<text x="{label_w - 4}" y="{y + BAR_H - 4}" text-anchor="end" fill="currentColor">{_e(label)}</text>'
        )
        x = float(label_w)
        for i, v in enumerate(values):
            if v <= 0:
                continue
            w = round(v * scale, 1)
            out.append(
                f'<rect x="{round(x, 1)}" y="{y}" width="{w}" height="{BAR_H}" fill="url(#{_e(cid)}-p{i})">'
                f"<title>{_e(label)}：{_e(series[i])} {_e(_fmt(v))}</title></rect>"
            )
            txt = _fmt(v)
            if w >= _text_width(txt) + 6:
                out.append(
                    f'<text class="sec-chart-in" x="{round(x + w / 2, 1)}" y="{y + BAR_H - 4}" text-anchor="middle" '
                    f'fill="#fff" stroke="#000" stroke-width="2.5" paint-order="stroke">{_e(txt)}</text>'
                )
            x += w
        end = label_w + (plot_w if normalise and total else round(total * scale, 1))
        out.append(f'<text x="{end + 4}" y="{y + BAR_H - 4}" fill="currentColor">{_e("n=" + _fmt(total))}</text>')
    out.append("</svg>")
    return "".join(out)
