"""Charts drawn on the server as SVG: no JavaScript and nothing fetched, so they print and work anywhere.

A chart is a picture of the table beneath it; screen readers skip the picture and read the table.
Values that are not published (None) are left out of the picture, never drawn as zero. This module
works out the geometry; templates/components/chart.svg draws it.
"""
import dataclasses
import datetime
import math

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 34, 30
# NHS identity colours: blue, dark blue, aqua green, warm yellow, purple, grey.
COLOURS = ["#005eb8", "#330072", "#00a499", "#ffb81c", "#768692", "#d5281b"]


@dataclasses.dataclass
class Line:
    """One measure drawn across the months: a line, or bars."""

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


def _points(values, x, y) -> list[tuple[str, str]]:
    return [(f"{x(i):.1f}", f"{y(v):.1f}") for i, v in enumerate(values) if v is not None]


def chart(*, months: list[datetime.date], series: list[Line], kind: str = "bar", start: datetime.date | None = None,
          percent: bool = False, top: float | None = None) -> SafeString:
    """Return an SVG chart of monthly values: grouped bars, stacked bars ("stack") or lines ("line")."""
    count = len(months)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / count
    if kind == "stack":
        highest = max((sum(s.values[i] or 0 for s in series) for i in range(count)), default=0)
    else:
        highest = max((v for s in series for v in s.values if v is not None), default=0)
    top = top or _nice_top(highest)

    def y(value: float) -> float:
        return TOP + plot_height - min(value, top) / top * plot_height

    def middle(i: int) -> float:
        return LEFT + slot * (i + 0.5)

    grid = [{"y": f"{y(top * f):.1f}", "text_y": f"{y(top * f) + 4:.1f}", "label": _tick(top * f, percent)}
            for f in (0, 0.5, 1)]
    every = math.ceil(count / 12)
    labels = [{"x": f"{middle(i):.1f}", "text": f"{month:%b %y}"} for i, month in enumerate(months) if i % every == 0]
    lines, bars = [], []
    if kind == "line":
        for colour, line in zip(COLOURS, series):
            points = _points(line.values, middle, y)
            lines.append({"colour": colour, "points": " ".join(f"{px},{py}" for px, py in points),
                          "joined": len(points) > 1, "dots": points})
    else:
        width = slot * 0.8 / (1 if kind == "stack" else len(series))
        for i in range(count):
            base = 0.0
            for n, (colour, line) in enumerate(zip(COLOURS, series)):
                value = line.values[i]
                if value is None or value <= 0:
                    continue
                low, high = (base, base + value) if kind == "stack" else (0, value)
                bars.append({"x": f"{LEFT + slot * i + slot * 0.1 + (0 if kind == 'stack' else n * width):.1f}",
                             "y": f"{y(high):.1f}", "width": f"{width:.1f}", "height": f"{y(low) - y(high):.1f}",
                             "colour": colour})
                base = high if kind == "stack" else 0
    marker = None
    if start is not None and months[0] <= start.replace(day=1) <= months[-1]:
        x = LEFT + slot * months.index(start.replace(day=1)) + slot * (start.day - 1) / 31
        marker = {"x": f"{x:.1f}", "text_x": f"{x + 4:.1f}"}
    legend, legend_x = [], LEFT
    for colour, line in zip(COLOURS, series):  # across the top
        legend.append({"x": legend_x, "text_x": legend_x + 16, "colour": colour, "label": line.label})
        legend_x += 24 + 7 * len(line.label)
    return mark_safe(render_to_string("components/chart.svg", {
        "width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT, "top": TOP,
        "plot_bottom": TOP + plot_height, "label_y": HEIGHT - BOTTOM + 16, "tick_x": LEFT - 6,
        "grid": grid, "labels": labels, "lines": lines, "bars": bars, "marker": marker, "legend": legend,
        "marker_top": TOP - 4, "marker_text_y": TOP + 8,
    }).strip())
