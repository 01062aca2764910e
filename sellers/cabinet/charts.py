"""Line charts drawn on the server as inline SVG (the performance page): no script, no chart library,
no CDN. A chart is a series of values (None: nothing to count that day, a gap in the line) and a few
level lines (the platform's median, the warning and restriction levels), scaled to one viewBox the
browser stretches to the card's width."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 300, 110
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 30, 6, 6, 16


@dataclass(frozen=True)
class Level:
    value: Decimal | int | float
    label: str
    kind: str  # css class: median, warning, restriction


def _number(value) -> str:
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text or "0"


def scale_top(values, levels, *, percent: bool) -> float:
    """The value at the top of the chart: 100 for a rate that can reach it, else the largest value or
    level with a little room, never 0."""
    found = [float(v) for v in values if v is not None] + [float(level.value) for level in levels]
    top = max(found, default=0.0)
    if percent:
        return 100.0 if top > 50 else max(5.0, round(top * 1.25 + 0.5))
    return max(1.0, float(int(top * 1.25) + 1))


def line_chart(
    values: list,
    *,
    levels: list[Level] = (),
    percent: bool = True,
    title: str = "",
    first_label: str = "",
    last_label: str = "",
) -> SafeString:
    """An SVG line of `values` (oldest first, evenly spaced) with the level lines, as safe HTML."""
    top = scale_top(values, levels, percent=percent)
    inner_w, inner_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM
    step = inner_w / max(1, len(values) - 1)

    def y(value) -> float:
        return round(PAD_TOP + inner_h * (1 - min(float(value), top) / top), 1)

    def x(index: int) -> float:
        return round(PAD_LEFT + index * step, 1)

    segments, current = [], []
    for index, value in enumerate(values):
        if value is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(f"{x(index)},{y(value)}")
    if current:
        segments.append(current)
    lines = format_html_join(
        "",
        '<polyline class="series" points="{}"/>',
        ((" ".join(points),) for points in segments if len(points) > 1),
    )
    dots = format_html_join(
        "", '<circle class="series-dot" cx="{}" cy="{}" r="1.6"/>', ((*p.split(","),) for s in segments for p in s[-1:])
    )
    marks = format_html_join(
        "",
        '<line class="level level-{}" x1="{}" x2="{}" y1="{}" y2="{}"><title>{}: {}</title></line>',
        (
            (lv.kind, PAD_LEFT, WIDTH - PAD_RIGHT, y(lv.value), y(lv.value), lv.label, _number(lv.value))
            for lv in levels
        ),
    )
    unit = "%" if percent else ""
    axis = format_html(
        '<line class="axis" x1="{l}" x2="{r}" y1="{b}" y2="{b}"/>'
        '<text class="tick" x="{tx}" y="{ty}" text-anchor="end">{top}{unit}</text>'
        '<text class="tick" x="{tx}" y="{b}" text-anchor="end">0</text>'
        '<text class="tick" x="{l}" y="{lb}">{first}</text>'
        '<text class="tick" x="{r}" y="{lb}" text-anchor="end">{last}</text>',
        l=PAD_LEFT,
        r=WIDTH - PAD_RIGHT,
        b=HEIGHT - PAD_BOTTOM,
        tx=PAD_LEFT - 3,
        ty=PAD_TOP + 6,
        top=_number(top),
        unit=unit,
        lb=HEIGHT - 3,
        first=first_label,
        last=last_label,
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{title}">'
        "<title>{title}</title>{axis}{marks}{lines}{dots}</svg>",
        w=WIDTH,
        h=HEIGHT,
        title=title,
        axis=axis,
        marks=marks if levels else mark_safe(""),
        lines=lines,
        dots=dots,
    )
