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

from ..dates import month_start
from ..rounding import rounded
from . import spc

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


# XmR charts: Making Data Count's picture of one measure (services/spc.py works out what it shows).

XMR_HEIGHT, XMR_TOP = 262, 52
MARKS = {  # colour passes 3:1 on white; the shape says the same without colour (WCAG 1.4.1)
    spc.COMMON: ("circle", "#768692"), spc.UNJUDGED: ("circle", "#768692"),
    spc.IMPROVEMENT: ("square", "#005eb8"), spc.CONCERN: ("triangle", "#c24e00"),
    spc.HIGH: ("diamond", "#330072"), spc.LOW: ("diamond", "#330072"),
}
KEYS = {spc.UP: [spc.COMMON, spc.IMPROVEMENT, spc.CONCERN], spc.DOWN: [spc.COMMON, spc.IMPROVEMENT, spc.CONCERN],
        spc.NEUTRAL: [spc.COMMON, spc.HIGH]}
KEY_WORDS = {spc.COMMON: "Common cause", spc.IMPROVEMENT: "Improvement", spc.CONCERN: "Concern",
             spc.HIGH: "Special cause"}


@dataclasses.dataclass(frozen=True)
class Xmr:
    """An XmR chart and the sentence that says what it shows."""

    svg: SafeString
    words: str


def _mark(kind: str, x: float, y: float) -> dict:
    shape, colour = MARKS[kind]
    size = 3 if kind in (spc.COMMON, spc.UNJUDGED) else 5
    corners = {"triangle": [(0, -6), (6, 5), (-6, 5)], "diamond": [(0, -6), (6, 0), (0, 6), (-6, 0)]}.get(shape, [])
    return {"shape": shape, "colour": colour, "x": f"{x:.1f}", "y": f"{y:.1f}", "r": size,
            "corner_x": f"{x - size:.1f}", "corner_y": f"{y - size:.1f}", "side": size * 2,
            "points": " ".join(f"{x + dx:.1f},{y + dy:.1f}" for dx, dy in corners)}


def xmr_chart(*, label: str, measure: str, months: list[datetime.date], values: list[float | None],
              start: datetime.date | None, direction: str, percent: bool = False, top: float | None = None,
              target: float | None = None) -> Xmr:
    """Return an XmR chart of monthly values, its limits stepping where drop-ins started, and its words.

    A target is drawn as a line with a key of its own, and said to be assured or not; it leaves the scale
    and everything else drawn as they are (a target above the scale is said in words, not drawn).
    """
    step = month_start(start) if start else None
    result = spc.spc_compute(months=months, values=values, steps=(step,) if step else (), direction=direction)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, XMR_HEIGHT - XMR_TOP - BOTTOM
    slot = plot_width / len(months)
    judged = [s for s in result.segments if s.judged]
    highest = max([v for v in values if v is not None] + [s.upper for s in judged], default=0)
    top = top or _nice_top(highest)

    def y(value: float) -> float:
        return XMR_TOP + plot_height - value / top * plot_height

    def middle(i: int) -> float:
        return LEFT + slot * (i + 0.5)

    grid = [{"y": f"{y(top * f):.1f}", "text_y": f"{y(top * f) + 4:.1f}", "label": _tick(top * f, percent)}
            for f in (0, 0.5, 1)]
    every = math.ceil(len(months) / 12)
    labels = [{"x": f"{middle(i):.1f}", "text": f"{month:%b %y}"} for i, month in enumerate(months) if i % every == 0]
    limits = []
    for segment in judged:
        x1, x2 = f"{LEFT + slot * segment.first:.1f}", f"{LEFT + slot * (segment.last + 1):.1f}"
        for value, kind in ((segment.mean, "mean"), (segment.lower, "limit"), (segment.upper, "limit")):
            if 0 <= value <= top:  # a lower limit below nought is left off: no value can be below it
                limits.append({"x1": x1, "x2": x2, "y": f"{y(value):.1f}", "kind": kind})
    runs = [[]]  # the line breaks at each missing month: a gap, never a zero
    for i, point in enumerate(result.points):
        if point.value is None:
            runs.append([])
        else:
            runs[-1].append(f"{middle(i):.1f},{y(point.value):.1f}")
    runs = [" ".join(run) for run in runs if len(run) > 1]
    marks = [_mark(p.kind, middle(i), y(p.value)) for i, p in enumerate(result.points) if p.value is not None]
    marker = None
    if step is not None and months[0] <= step <= months[-1]:
        x = LEFT + slot * months.index(step)
        marker = {"x": f"{x:.1f}", "text_x": f"{x + 4:.1f}"}
    key, key_x = [], LEFT
    for kind in KEYS[direction]:
        key.append({**_mark(kind, key_x + 6, 36), "label": KEY_WORDS[kind], "text_x": key_x + 16})
        key_x += 28 + 7 * len(KEY_WORDS[kind])
    words = xmr_words(result=result, measure=measure, start=step)
    target_line = None
    if target is not None and direction != spc.NEUTRAL:  # neither way better: nothing to meet
        words += " " + assurance_words(result=result, target=target, percent=percent)
        if 0 <= target <= top:
            target_line = {"y": f"{y(target):.1f}", "key_x": key_x + 188, "text_x": key_x + 214}
    svg = mark_safe(render_to_string("components/xmr_chart.svg", {
        "width": WIDTH, "height": XMR_HEIGHT, "left": LEFT, "right": WIDTH - RIGHT, "top": XMR_TOP,
        "plot_bottom": XMR_TOP + plot_height, "label_y": XMR_HEIGHT - BOTTOM + 16, "tick_x": LEFT - 6,
        "title": label, "words": words, "grid": grid, "labels": labels, "limits": limits, "runs": runs,
        "marks": marks, "marker": marker, "marker_top": XMR_TOP - 4, "marker_text_y": XMR_TOP + 8,
        "key": key, "line_key_x": key_x, "line_text_x": key_x + 26, "limit_key_x": key_x + 66,
        "limit_text_x": key_x + 92, "target": target_line,
    }).strip())
    return Xmr(svg=svg, words=words)


def xmr_words(*, result: spc.Spc, measure: str, start: datetime.date | None) -> str:
    """Return, in a sentence, what the chart's latest month shows (Making Data Count's variation icon in words)."""
    point = result.latest
    if point is None:
        return f"No months with {measure} to show yet."
    segment = result.segments[point.segment]
    since = start is not None and point.month >= start
    if not segment.judged:
        if point.segment and result.segments[point.segment - 1].count:
            counted = f"{result.segments[point.segment - 1].count} before drop-ins started and {segment.count} since"
        else:
            counted = f"{segment.count}{' since drop-ins started' if since else ''}"
        longer = " A longer period may have enough." if result.points[0].value is not None else ""
        return (f"Too few months for process limits ({counted}): Making Data Count needs 12, "
                f"so the months are drawn without limits.{longer}")
    variation = result.variation[0].upper() + result.variation[1:]
    after = ", since drop-ins started" if since else ""
    if point.kind == spc.COMMON:
        sentence = f"{variation}: no signal in {measure} in {point.month:%B %Y}{after}."
    else:
        above, rule = point.side > 0, next(r for r in spc.RANKED if r in point.rules)
        if rule == spc.BEYOND:
            limit = "rose above its upper" if above else "fell below its lower"
            reason = f"{limit} process limit in {point.month:%B %Y}"
        elif rule == spc.SHIFT:
            reason = f"has been {'above' if above else 'below'} its mean for 7 months or more in a row"
        elif rule == spc.TREND:
            reason = f"has {'risen' if spc.RISING in point.rules else 'fallen'} for 7 months or more in a row"
        else:
            reason = f"was near its {'upper' if above else 'lower'} process limit in 2 of the last 3 months"
        sentence = f"{variation}: {measure} {reason}{after}."
    if segment.borrowed:
        sentence += " With fewer than 12 months since drop-ins started, the limits are those from before."
    return sentence


ASSURANCE_WORDS = {
    spc.HIT: "the target lies outside the process limits on the side that meets it, so every month can be "
             "expected to meet it while the process stays as it is.",
    spc.FAIL: "the target lies outside the process limits on the side that misses it, so no month can be "
              "expected to meet it unless the process changes.",
    spc.HIT_AND_MISS: "the process limits straddle the target, so it will be met in some months and not others.",
}


def target_text(value: float, percent: bool) -> str:
    """Return a target as the page would say it, rounded half up: 6%, 3.5, 12345."""
    shown = rounded(value * 100 if percent else value, 2).normalize()
    return f"{shown:f}%" if percent else f"{shown:f}"


def assurance_words(*, result: spc.Spc, target: float, percent: bool) -> str:
    """Return, in a sentence, whether the process will meet the target (Making Data Count's assurance icon)."""
    said = target_text(target, percent)
    point = result.latest
    if point is not None and result.segments[point.segment].borrowed:
        return (f"Target {said}: not yet assured — with fewer than 12 months since drop-ins started, the limits "
                f"are those from before, which cannot say whether the process now meets it.")
    assured = spc.assurance(result.limits, target, result.direction)
    if assured is None:
        return (f"Target {said}: not yet assured — without process limits, Making Data Count cannot say "
                f"whether it will be met.")
    return f"Target {said}: {assured} — {ASSURANCE_WORDS[assured]}"
