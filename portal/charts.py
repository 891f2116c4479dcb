"""Accessible charts rendered on the server as SVG: no JavaScript, no CDN.

Every chart is a :class:`Chart`: the SVG markup (``role="img"`` named by its
``<title>`` and described by its ``<desc>``, with a native tooltip on every
point, bar and cell) plus the same figures as a table (``headers``, ``rows``)
that ``templates/_charts.html`` shows beside it for screen readers and for
anyone who wants the numbers. Domains pass plain numbers and labels and know
nothing about drawing::

    chart = charts.line_chart("Searches per day", labels, [charts.Series("Searches", counts)],
                              description="...")
    {% from "_charts.html" import chart_figure %}{{ chart_figure(chart) }}

Three kinds: :func:`line_chart` (trends; ``None`` values leave a gap),
:func:`bar_chart` (grouped bars, e.g. tickets and deflections per week) and
:func:`heatmap` (e.g. tickets by weekday and hour). Series are told apart by
colour *and* by dash pattern or position, never by colour alone.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 260
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 52, 16, 28, 44
#: Colours with at least 4.5:1 contrast on white, and dash patterns to go with them.
PALETTE = ("#1f5fbf", "#0f7b5f", "#b04a00", "#6b3fa0")
DASHES = ("", "6 4", "2 3", "10 3 2 3")
MAX_X_LABELS = 8
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    """One named row of values, one per label (``None``: no value there)."""

    name: str
    values: list


@dataclass(frozen=True)
class Chart:
    """What a template needs: the SVG and the same data as a table."""

    title: str
    description: str
    svg: Markup
    headers: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    #: Names and colours of the series, for a visible legend.
    legend: list = field(default_factory=list)


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above ``value`` (an axis maximum)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude  # unreachable: 10 × magnitude is always enough


def _number(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return str(int(value))


def _open_svg(title: str, description: str, width: int = WIDTH, height: int = HEIGHT) -> tuple[list[str], str]:
    uid = f"chart-{next(_ids)}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{uid}-title {uid}-desc" '
        f'preserveAspectRatio="xMidYMid meet" font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="{uid}-title">{escape(title)}</title>',
        f'<desc id="{uid}-desc">{escape(description)}</desc>',
    ]
    return parts, uid


def _x_label_positions(count: int) -> set[int]:
    if count <= MAX_X_LABELS:
        return set(range(count))
    step = math.ceil(count / MAX_X_LABELS)
    return set(range(count - 1, -1, -step))  # always label the latest


def _intervals(top: float) -> int:
    """How many steps the y axis has: whole steps for a whole maximum (counts
    never get a "0.25" tick), else four."""
    if float(top).is_integer():
        for count in (4, 5, 2, 1):
            if (top / count).is_integer():
                return count
    return 4


def _tick(value: float) -> str:
    """A tick label (at most two decimals) in the page's number format."""
    text = f"{value:.2f}".rstrip("0").rstrip(".") if not float(value).is_integer() else str(int(value))
    try:
        from flask_babel import format_decimal

        return format_decimal(float(text) if "." in text else int(text))
    except (RuntimeError, KeyError):  # outside a request (tests, scripts): plain digits
        return text


def _y_axis(parts: list[str], top: float, unit: str) -> None:
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    steps = _intervals(top)
    for i in range(steps + 1):
        value = top * i / steps
        y = MARGIN_TOP + plot_height * (1 - i / steps)
        parts.append(f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#d5dae1" stroke-width="1"/>')
        parts.append(f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#4a5464">'
                     f'{escape(_tick(value))}{escape(unit)}</text>')


def _x_labels(parts: list[str], labels: list[str], centre) -> None:
    shown = _x_label_positions(len(labels))
    for index, label in enumerate(labels):
        if index in shown:
            parts.append(f'<text x="{centre(index):.1f}" y="{HEIGHT - MARGIN_BOTTOM + 18}" text-anchor="middle" '
                         f'fill="#4a5464">{escape(label)}</text>')


def _table(labels: list[str], series: list[Series], label_header: str, unit: str) -> tuple[list, list]:
    headers = [label_header] + [s.name for s in series]
    rows = [[label] + [None if s.values[i] is None else f"{_number(s.values[i])}{unit}" for s in series]
            for i, label in enumerate(labels)]
    return headers, rows


def _check(labels: list[str], series: list[Series]) -> None:
    for one in series:
        if len(one.values) != len(labels):
            raise ValueError(f"series {one.name!r} has {len(one.values)} values for {len(labels)} labels")


def _legend(series: list[Series], shape: str = "line") -> list[dict]:
    """``shape`` "line" (with the series' dash pattern) or "box" (bars)."""
    return [{"name": s.name, "color": PALETTE[i % len(PALETTE)], "dash": DASHES[i % len(DASHES)], "shape": shape}
            for i, s in enumerate(series)]


def line_chart(title: str, labels: list[str], series: list[Series], *, description: str = "",
               label_header: str = "", unit: str = "", y_max: float | None = None) -> Chart:
    """Lines over ``labels`` (e.g. days or weeks); a ``None`` value breaks the line."""
    _check(labels, series)
    values = [v for s in series for v in s.values if v is not None]
    top = y_max if y_max is not None else nice_ceiling(max(values, default=0))
    parts, _uid = _open_svg(title, description)
    _y_axis(parts, top, unit)
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

    def x_of(index: int) -> float:
        return MARGIN_LEFT + (plot_width * index / (len(labels) - 1) if len(labels) > 1 else plot_width / 2)

    def y_of(value: float) -> float:
        return MARGIN_TOP + plot_height * (1 - min(value, top) / top)

    _x_labels(parts, labels, x_of)
    for number, one in enumerate(series):
        colour, dash = PALETTE[number % len(PALETTE)], DASHES[number % len(DASHES)]
        segment: list[str] = []
        segments = []
        for index, value in enumerate(one.values):
            if value is None:
                segments.append(segment)
                segment = []
            else:
                segment.append(f"{x_of(index):.1f},{y_of(value):.1f}")
        segments.append(segment)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for points in segments:
            if len(points) > 1:
                parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr} '
                             f'points="{" ".join(points)}"/>')
        for index, value in enumerate(one.values):
            if value is not None:
                parts.append(f'<circle cx="{x_of(index):.1f}" cy="{y_of(value):.1f}" r="3.5" fill="{colour}">'
                             f'<title>{escape(one.name)}, {escape(labels[index])}: '
                             f'{escape(_number(value))}{escape(unit)}</title></circle>')
    parts.append("</svg>")
    headers, rows = _table(labels, series, label_header, unit)
    return Chart(title, description, Markup("".join(parts)), headers, rows, _legend(series))


def bar_chart(title: str, labels: list[str], series: list[Series], *, description: str = "",
              label_header: str = "", unit: str = "") -> Chart:
    """Grouped bars: one group per label, one bar per series (``None`` counts as 0)."""
    _check(labels, series)
    top = nice_ceiling(max((v or 0 for s in series for v in s.values), default=0))
    parts, _uid = _open_svg(title, description)
    _y_axis(parts, top, unit)
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    group = plot_width / max(1, len(labels))
    bar = group * 0.8 / max(1, len(series))

    def centre(index: int) -> float:
        return MARGIN_LEFT + group * (index + 0.5)

    _x_labels(parts, labels, centre)
    for number, one in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        for index, value in enumerate(one.values):
            height = plot_height * (value or 0) / top
            x = MARGIN_LEFT + group * index + group * 0.1 + bar * number
            parts.append(f'<rect x="{x:.1f}" y="{MARGIN_TOP + plot_height - height:.1f}" width="{max(bar - 1, 1):.1f}" '
                         f'height="{height:.1f}" fill="{colour}"><title>{escape(one.name)}, {escape(labels[index])}: '
                         f'{escape(_number(value or 0))}{escape(unit)}</title></rect>')
    parts.append("</svg>")
    headers, rows = _table(labels, series, label_header, unit)
    return Chart(title, description, Markup("".join(parts)), headers, rows, _legend(series, "box"))


def _shade(share: float) -> str:
    """White to the first palette colour: darker is more."""
    base = tuple(int(PALETTE[0][i:i + 2], 16) for i in (1, 3, 5))
    mixed = (round(255 + (channel - 255) * share) for channel in base)
    return "#" + "".join(f"{channel:02x}" for channel in mixed)


def heatmap(title: str, row_labels: list[str], column_labels: list[str], values: list[list[int]], *,
            description: str = "", corner_header: str = "", unit: str = "") -> Chart:
    """A grid of counts (e.g. weekdays × hours); each cell's shade is its share of the largest."""
    if len(values) != len(row_labels) or any(len(row) != len(column_labels) for row in values):
        raise ValueError("values must have one row per row label and one value per column label")
    left, top_margin, cell_height = 44, 8, 24
    width = WIDTH
    cell_width = (width - left - MARGIN_RIGHT) / max(1, len(column_labels))
    height = top_margin + cell_height * len(row_labels) + 28
    parts, _uid = _open_svg(title, description, width, height)
    largest = max((v for row in values for v in row), default=0)
    for r, (label, row) in enumerate(zip(row_labels, values)):
        y = top_margin + r * cell_height
        parts.append(f'<text x="{left - 6}" y="{y + cell_height / 2 + 4:.1f}" text-anchor="end" fill="#4a5464">'
                     f'{escape(label)}</text>')
        for c, value in enumerate(row):
            share = value / largest if largest else 0
            parts.append(f'<rect x="{left + c * cell_width:.1f}" y="{y}" width="{cell_width - 1:.1f}" '
                         f'height="{cell_height - 1}" fill="{_shade(share)}" stroke="#e3e7ec" stroke-width="0.5">'
                         f'<title>{escape(label)} {escape(column_labels[c])}: {escape(_number(value))}{escape(unit)}'
                         f'</title></rect>')
    label_every = max(1, math.ceil(len(column_labels) / 12))
    for c, label in enumerate(column_labels):
        if c % label_every == 0:
            parts.append(f'<text x="{left + (c + 0.5) * cell_width:.1f}" y="{height - 10}" text-anchor="middle" '
                         f'fill="#4a5464">{escape(label)}</text>')
    parts.append("</svg>")
    headers = [corner_header] + list(column_labels)
    rows = [[label] + [f"{_number(v)}{unit}" for v in row] for label, row in zip(row_labels, values)]
    return Chart(title, description, Markup("".join(parts)), headers, rows, [])
