"""Charts drawn on the server as SVG: no JavaScript and nothing fetched, so they print and work anywhere.

A chart is a picture of the table beneath it; screen readers skip the picture and read the table.
Values that are not published (None) are left out of the picture, never drawn as zero.
"""
import dataclasses
import datetime
import math

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 34, 30
# NHS identity colours: blue, dark blue, aqua green, warm yellow, purple, grey.
COLOURS = ["#005eb8", "#330072", "#00a499", "#ffb81c", "#768692", "#d5281b"]


@dataclasses.dataclass
class Series:
    label: str
    values: list[float | None]


def _nice_top(value: float) -> float:
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def _tick(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f}%"
    return f"{value:g}"


def chart(*, months: list[datetime.date], series: list[Series], kind: str = "bar", start: datetime.date | None = None,
          percent: bool = False, top: float | None = None) -> SafeString:
    """Return an SVG chart of monthly values: grouped bars, stacked bars ("stack") or lines ("line")."""
    count = len(months)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / count
    if kind == "stack":
        totals = [sum(s.values[i] or 0 for s in series) for i in range(count)]
        highest = max(totals, default=0)
    else:
        highest = max((v for s in series for v in s.values if v is not None), default=0)
    top = top or _nice_top(highest)

    def y(value: float) -> float:
        return TOP + plot_height - min(value, top) / top * plot_height

    parts = []
    for fraction in (0, 0.5, 1):  # grid lines and their labels
        parts.append(format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#d8dde0"/>'
            '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#4c6272">{}</text>',
            LEFT, WIDTH - RIGHT, f"{y(top * fraction):.1f}", f"{y(top * fraction):.1f}",
            LEFT - 6, f"{y(top * fraction) + 4:.1f}", _tick(top * fraction, percent)))
    every = math.ceil(count / 12)
    for i, month in enumerate(months):  # month labels
        if i % every == 0:
            parts.append(format_html('<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#4c6272">{}</text>',
                                     f"{LEFT + slot * (i + 0.5):.1f}", HEIGHT - BOTTOM + 16, f"{month:%b %y}"))
    if kind == "line":
        for colour, line in zip(COLOURS, series):
            points = [(LEFT + slot * (i + 0.5), y(v)) for i, v in enumerate(line.values) if v is not None]
            if len(points) > 1:
                parts.append(format_html('<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>', colour,
                                         " ".join(f"{px:.1f},{py:.1f}" for px, py in points)))
            parts.extend(format_html('<circle cx="{}" cy="{}" r="3" fill="{}"/>', f"{px:.1f}", f"{py:.1f}", colour)
                         for px, py in points)
    else:
        width = slot * 0.8 / (1 if kind == "stack" else len(series))
        for i in range(count):
            base = 0.0
            for n, (colour, bars) in enumerate(zip(COLOURS, series)):
                value = bars.values[i]
                if value is None or value <= 0:
                    continue
                x = LEFT + slot * i + slot * 0.1 + (0 if kind == "stack" else n * width)
                low, high = (base, base + value) if kind == "stack" else (0, value)
                parts.append(format_html('<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>', f"{x:.1f}",
                                         f"{y(high):.1f}", f"{width:.1f}", f"{y(low) - y(high):.1f}", colour))
                base = high if kind == "stack" else 0
    if start is not None and months[0] <= start.replace(day=1) <= months[-1]:
        i = months.index(start.replace(day=1))
        x = LEFT + slot * i + slot * (start.day - 1) / 31
        parts.append(format_html(
            '<line x1="{x}" x2="{x}" y1="{}" y2="{}" stroke="#212b32" stroke-width="2" stroke-dasharray="4 3"/>'
            '<text x="{tx}" y="{}" font-size="11" fill="#212b32">Drop-ins started</text>',
            TOP - 4, TOP + plot_height, TOP + 8, x=f"{x:.1f}", tx=f"{x + 4:.1f}"))
    legend_x = LEFT
    for colour, line in zip(COLOURS, series):  # the legend, across the top
        parts.append(format_html('<rect x="{}" y="6" width="12" height="12" fill="{}"/>'
                                 '<text x="{}" y="16" font-size="12" fill="#212b32">{}</text>',
                                 legend_x, colour, legend_x + 16, line.label))
        legend_x += 24 + 7 * len(line.label)
    return format_html(
        '<svg class="dropin-chart" viewBox="0 0 {} {}" xmlns="http://www.w3.org/2000/svg" aria-hidden="true" '
        'focusable="false">{}</svg>', WIDTH, HEIGHT, mark_safe("".join(parts)))

