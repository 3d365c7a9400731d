"""Charts as inline SVG, drawn at build time: no JavaScript, no fonts to load.

Three shapes cover the metrics page: vertical stacked bars (incidents per
month by severity), lines (a metric per month) and horizontal bars (a value
per component). Every chart is a standalone, valid XML ``<svg>`` element
with a ``<title>`` and ``<desc>``, text labels for every value that matters
(so it reads without colour, and each series also differs in shape: hatch
patterns, dashes, marker shapes) and a ``<title>`` on each mark for a
tooltip. Text and axes use ``currentColor``, so the page's light or dark
colours apply. Numbers are rounded to one decimal: the same data gives the
same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from .xml_text import escape

#: A background-coloured outline behind text that may cross a line (the page's
#: card colour inside HTML, white in a standalone file).
HALO = 'style="paint-order:stroke;stroke:var(--card,#fff);stroke-width:4px;stroke-linejoin:round"'
FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\""


def num(value: float) -> str:
    """A coordinate: at most one decimal, no trailing ``.0``."""
    text = f"{round(value, 1):.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def nice_ceiling(value: float, ticks: int = 4) -> tuple[float, float]:
    """An axis maximum at or above ``value`` and its tick step (1, 2, 2.5 or 5
    times a power of ten)."""
    if value <= 0:
        return 1.0, 1.0 / ticks
    raw = value / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * power
        if step * ticks >= value - 1e-9:
            return step * ticks, step
    return value, raw  # pragma: no cover - the loop always returns


@dataclass(frozen=True, slots=True)
class Style:
    """How a series looks: a fill or stroke colour, a hatch pattern name (bars),
    a dash pattern and a marker shape (lines)."""

    colour: str
    pattern: str | None = None  # "diagonal", "cross", "dots" or None
    dash: str | None = None
    marker: str = "circle"  # "circle", "square", "diamond"


def _pattern_defs(prefix: str, styles: Mapping[str, Style]) -> list[str]:
    out = []
    for key, style in styles.items():
        if style.pattern is None:
            continue
        pid = f"{prefix}-p-{key}"
        inner = {
            "diagonal": (
                '<path d="M0 6L6 0M-1 1L1 -1M5 7L7 5" '
                'stroke="#fff" stroke-opacity="0.55" stroke-width="1.2"/>'
            ),
            "cross": (
                '<path d="M0 0L6 6M6 0L0 6" '
                'stroke="#fff" stroke-opacity="0.55" stroke-width="1.1"/>'
            ),
            "dots": '<circle cx="3" cy="3" r="1.1" fill="#fff" fill-opacity="0.6"/>',
        }[style.pattern]
        out.append(
            f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse">'
            f'<rect width="6" height="6" fill="{style.colour}"/>{inner}</pattern>'
        )
    return out


def _fill(prefix: str, key: str, style: Style) -> str:
    return f"url(#{prefix}-p-{key})" if style.pattern else style.colour


def _svg(chart_id: str, width: int, height: int, title: str, desc: str, body: list[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" '
        f'id="{chart_id}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'{FONT} font-size="12">'
    )
    lines = [
        head,
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    lines += body
    lines.append("</svg>")
    return "\n".join(lines)


def _legend(
    prefix: str, entries: Sequence[tuple[str, str, Style, str]], x: float, y: float
) -> list[str]:
    """``(key, label, style, kind)`` with kind "box" or "line"; laid out in a row."""
    out = ['<g class="c-legend">']
    cursor = x
    for key, label, style, kind in entries:
        if kind == "box":
            out.append(
                f'<rect x="{num(cursor)}" y="{num(y - 9)}" width="12" '
                f'height="12" fill="{_fill(prefix, key, style)}" '
                f'stroke="currentColor" stroke-opacity="0.4"/>'
            )
            cursor += 16
        else:
            dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
            out.append(
                f'<line x1="{num(cursor)}" y1="{num(y - 3)}" '
                f'x2="{num(cursor + 22)}" y2="{num(y - 3)}" '
                f'stroke="{style.colour}" stroke-width="2"{dash}/>'
            )
            out.append(_marker(style, cursor + 11, y - 3, style.colour))
            cursor += 26
        out.append(
            f'<text x="{num(cursor)}" y="{num(y)}" fill="currentColor">{escape(label)}</text>'
        )
        cursor += 8 + 6.6 * len(label) + 10
    out.append("</g>")
    return out


def _marker(style: Style, x: float, y: float, colour: str, title: str | None = None) -> str:
    tip = f"<title>{escape(title)}</title>" if title else ""
    close = f">{tip}</" if tip else "/>"
    if style.marker == "square":
        shape = f'<rect x="{num(x - 3.5)}" y="{num(y - 3.5)}" width="7" height="7" fill="{colour}"'
        return shape + (f"{close}rect>" if tip else close)
    if style.marker == "diamond":
        points = (
            f"{num(x)},{num(y - 4.5)} {num(x + 4.5)},{num(y)} "
            f"{num(x)},{num(y + 4.5)} {num(x - 4.5)},{num(y)}"
        )
        shape = f'<polygon points="{points}" fill="{colour}"'
        return shape + (f"{close}polygon>" if tip else close)
    shape = f'<circle cx="{num(x)}" cy="{num(y)}" r="3.5" fill="{colour}"'
    return shape + (f"{close}circle>" if tip else close)


def _reference_line_h(x1: float, x2: float, y: float, label: str) -> list[str]:
    """A horizontal target line with its label above the right end."""
    return [
        f'<g class="c-target"><line x1="{num(x1)}" y1="{num(y)}" '
        f'x2="{num(x2)}" y2="{num(y)}" stroke="currentColor" '
        f'stroke-width="1.5" stroke-dasharray="6 4"/>'
        f'<text x="{num(x2)}" y="{num(y - 4)}" text-anchor="end" '
        f'fill="currentColor" font-weight="600">{escape(label)}</text></g>'
    ]


# -- vertical stacked bars --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StackedBar:
    label: str  # under the bar, e.g. "Oct"
    long_label: str  # in tooltips, e.g. "October 2026"
    values: Mapping[str, int]  # series key -> count
    group_label: str = ""  # a second line under the bar (the year, when it changes)


def stacked_bars(
    chart_id: str,
    *,
    title: str,
    desc: str,
    bars: Sequence[StackedBar],
    series: Sequence[tuple[str, str]],  # (key, label), bottom first
    styles: Mapping[str, Style],
    unit: tuple[str, str] = ("incident", "incidents"),
    width: int = 720,
    height: int = 280,
) -> str:
    left, right, top, bottom = 36, 12, 34, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    total_max = max((sum(b.values.values()) for b in bars), default=0)
    axis_max, step = nice_ceiling(max(total_max, 1))
    if step < 1:  # whole counts only
        axis_max, step = float(max(math.ceil(axis_max), 1)), 1.0
    body = ["<defs>", *_pattern_defs(chart_id, styles), "</defs>"]
    body += _legend(chart_id, [(k, label, styles[k], "box") for k, label in series], left, 16)
    body += _y_axis(left, top, plot_w, plot_h, axis_max, step, lambda v: num(v))
    slot = plot_w / max(len(bars), 1)
    bar_w = min(slot * 0.7, 48)
    every = max(1, math.ceil(len(bars) / 16))
    body.append('<g class="c-stack">')
    for index, bar in enumerate(bars):
        x = left + slot * index + (slot - bar_w) / 2
        total = sum(bar.values.values())
        parts = ", ".join(
            f"{bar.values.get(k, 0)} {label}" for k, label in series if bar.values.get(k, 0)
        )
        noun = unit[0] if total == 1 else unit[1]
        bar_title = f"{bar.long_label}: {total} {noun}" + (f" ({parts})" if parts else "")
        body.append(f"<g><title>{escape(bar_title)}</title>")
        y: float = top + plot_h
        for key, label in series:
            count = bar.values.get(key, 0)
            if not count:
                continue
            h = plot_h * count / axis_max
            y -= h
            body.append(
                f'<rect x="{num(x)}" y="{num(y)}" width="{num(bar_w)}" '
                f'height="{num(h)}" fill="{_fill(chart_id, key, styles[key])}" '
                f'stroke="currentColor" stroke-opacity="0.25">'
                f"<title>{escape(f'{bar.long_label}: {count} {label}')}</title></rect>"
            )
            if h >= 14 and bar_w >= 14:
                body.append(
                    f'<text x="{num(x + bar_w / 2)}" y="{num(y + h / 2 + 4)}" '
                    f'text-anchor="middle" font-size="10" '
                    f'fill="#fff" stroke="#000" stroke-opacity="0.35" '
                    f'stroke-width="2" paint-order="stroke">{count}</text>'
                )
        if total:
            body.append(
                f'<text x="{num(x + bar_w / 2)}" y="{num(y - 4)}" text-anchor="middle" '
                f'fill="currentColor" font-weight="600">{total}</text>'
            )
        body.append("</g>")
        if index % every == 0 or bar.group_label:
            cx = x + bar_w / 2
            body.append(
                f'<text x="{num(cx)}" y="{num(top + plot_h + 16)}" '
                f'text-anchor="middle" fill="currentColor">{escape(bar.label)}</text>'
            )
            if bar.group_label:
                body.append(
                    f'<text x="{num(cx)}" y="{num(top + plot_h + 31)}" '
                    f'text-anchor="middle" fill="currentColor" '
                    f'fill-opacity="0.75">{escape(bar.group_label)}</text>'
                )
    body.append("</g>")
    return _svg(chart_id, width, height, title, desc, body)


def _y_axis(
    left: float,
    top: float,
    plot_w: float,
    plot_h: float,
    axis_max: float,
    step: float,
    fmt: Callable[[float], str],
) -> list[str]:
    out = ['<g class="c-axis">']
    ticks = int(round(axis_max / step))
    for n in range(ticks + 1):
        value = step * n
        y = top + plot_h - plot_h * value / axis_max
        out.append(
            f'<line x1="{num(left)}" y1="{num(y)}" '
            f'x2="{num(left + plot_w)}" y2="{num(y)}" stroke="currentColor" '
            f'stroke-opacity="{"0.45" if n == 0 else "0.12"}"/>'
        )
        out.append(
            f'<text x="{num(left - 6)}" y="{num(y + 4)}" text-anchor="end" '
            f'fill="currentColor" fill-opacity="0.8">{escape(fmt(value))}</text>'
        )
    out.append("</g>")
    return out


# -- lines ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineSeries:
    key: str
    label: str
    values: Sequence[float | None]  # one per x label; None: no data (a gap)
    style: Style
    tooltips: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class Reference:
    value: float
    label: str


def line_chart(
    chart_id: str,
    *,
    title: str,
    desc: str,
    labels: Sequence[tuple[str, str]],  # (label, second line) per x position
    series: Sequence[LineSeries],
    unit_seconds: float,
    unit_label: str,
    references: Sequence[Reference] = (),
    width: int = 720,
    height: int = 260,
) -> str:
    """Values in seconds, drawn in ``unit_seconds`` (60: minutes, 3600: hours)."""
    left, right, top, bottom = 44, 12, 34, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    known = [v for s in series for v in s.values if v is not None] + [r.value for r in references]
    axis_max, step = nice_ceiling(max(known, default=0) / unit_seconds * 1.08)
    body = _legend(chart_id, [(s.key, s.label, s.style, "line") for s in series], left, 16)
    body += _y_axis(left, top, plot_w, plot_h, axis_max, step, lambda v: f"{num(v)} {unit_label}")
    n = max(len(labels), 1)
    slot = plot_w / n

    def xy(index: int, seconds: float) -> tuple[float, float]:
        return left + slot * index + slot / 2, top + plot_h - plot_h * (
            seconds / unit_seconds
        ) / axis_max

    every = max(1, math.ceil(len(labels) / 16))
    for index, (label, second) in enumerate(labels):
        x = left + slot * index + slot / 2
        if index % every == 0 or second:
            body.append(
                f'<text x="{num(x)}" y="{num(top + plot_h + 16)}" '
                f'text-anchor="middle" fill="currentColor">{escape(label)}</text>'
            )
            if second:
                body.append(
                    f'<text x="{num(x)}" y="{num(top + plot_h + 31)}" text-anchor="middle" '
                    f'fill="currentColor" fill-opacity="0.75">{escape(second)}</text>'
                )
    for reference in references:
        _, y = xy(0, reference.value)
        body += _reference_line_h(left, left + plot_w, y, reference.label)
    for line in series:
        dash = f' stroke-dasharray="{line.style.dash}"' if line.style.dash else ""
        body.append(f'<g class="c-series"><title>{escape(line.label)}</title>')
        run: list[str] = []
        for index, value in enumerate([*line.values, None]):
            if value is None:
                if len(run) > 1:
                    body.append(
                        f'<polyline points="{" ".join(run)}" fill="none" '
                        f'stroke="{line.style.colour}" stroke-width="2"{dash}/>'
                    )
                run = []
                continue
            x, y = xy(index, value)
            run.append(f"{num(x)},{num(y)}")
        for index, value in enumerate(line.values):
            if value is None:
                continue
            x, y = xy(index, value)
            tip = (
                line.tooltips[index]
                if index < len(line.tooltips)
                else f"{line.label}: {num(value / unit_seconds)} {unit_label}"
            )
            body.append(_marker(line.style, x, y, line.style.colour, tip))
        body.append("</g>")
    return _svg(chart_id, width, height, title, desc, body)


# -- horizontal bars --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HBar:
    label: str
    value: float | None  # in axis units; None: no bar, only the text
    text: str  # shown right of the bar
    tooltip: str = ""
    meets: bool | None = None  # against the reference: drawn as a mark in the text


@dataclass(frozen=True, slots=True)
class Axis:
    low: float
    high: float
    ticks: Sequence[float] = field(default_factory=tuple)
    fmt: Callable[[float], str] = num


def hbar_chart(
    chart_id: str,
    *,
    title: str,
    desc: str,
    rows: Sequence[HBar],
    axis: Axis,
    style: Style,
    reference: Reference | None = None,
    width: int = 720,
    label_width: int = 150,
    text_width: int = 190,
) -> str:
    row_h, top, bottom = 26, 22 if reference else 8, 24
    height = top + row_h * max(len(rows), 1) + bottom
    left = label_width
    plot_w = width - left - text_width
    span = axis.high - axis.low or 1.0

    def x_of(value: float) -> float:
        return left + plot_w * (min(max(value, axis.low), axis.high) - axis.low) / span

    body = ["<defs>", *_pattern_defs(chart_id, {"bar": style}), "</defs>", '<g class="c-axis">']
    base_y = top + row_h * max(len(rows), 1)
    for tick in axis.ticks:
        x = x_of(tick)
        body.append(
            f'<line x1="{num(x)}" y1="{num(top)}" x2="{num(x)}" '
            f'y2="{num(base_y)}" stroke="currentColor" stroke-opacity="0.12"/>'
        )
        body.append(
            f'<text x="{num(x)}" y="{num(base_y + 16)}" text-anchor="middle" '
            f'fill="currentColor" fill-opacity="0.8">{escape(axis.fmt(tick))}</text>'
        )
    body.append(
        f'<line x1="{num(left)}" y1="{num(top)}" x2="{num(left)}" '
        f'y2="{num(base_y)}" stroke="currentColor" stroke-opacity="0.45"/>'
    )
    body.append("</g>")
    if reference is not None:  # under the bars and their text
        x = x_of(reference.value)
        body.append(
            f'<g class="c-target"><line x1="{num(x)}" y1="{num(top - 4)}" '
            f'x2="{num(x)}" y2="{num(base_y)}" stroke="currentColor" '
            f'stroke-width="1.5" stroke-dasharray="6 4"/><text '
            f'x="{num(x)}" y="{num(top - 8)}" text-anchor="middle" '
            f'fill="currentColor" font-weight="600">{escape(reference.label)}</text></g>'
        )
    for index, row in enumerate(rows):
        y = top + row_h * index
        tip = escape(row.tooltip or f"{row.label}: {row.text}")
        body.append(f"<g><title>{tip}</title>")
        body.append(
            f'<text x="{num(left - 8)}" y="{num(y + row_h / 2 + 4)}" text-anchor="end" '
            f'fill="currentColor">{escape(_clip(row.label, label_width))}</text>'
        )
        end: float = left
        if row.value is not None:
            end = x_of(row.value)
            body.append(
                f'<rect x="{num(left)}" y="{num(y + 5)}" '
                f'width="{num(max(end - left, 1))}" height="{num(row_h - 10)}" '
                f'fill="{_fill(chart_id, "bar", style)}"/>'
            )
        mark = "" if row.meets is None else (" ✓" if row.meets else " ✗")
        body.append(
            f'<text x="{num(end + 6)}" y="{num(y + row_h / 2 + 4)}" '
            f'fill="currentColor" {HALO}>{escape(row.text + mark)}</text>'
        )
        body.append("</g>")
    return _svg(chart_id, width, height, title, desc, body)


def _clip(text: str, width: int) -> str:
    limit = max(int(width / 6.8) - 1, 4)
    return text if len(text) <= limit else text[: limit - 1] + "…"
