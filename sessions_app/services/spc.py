"""XmR (statistical process control) charts as NHS England's Making Data Count draws them.

The rules follow the NHS-R community's NHSRplotthedots package, which implements Making Data Count:

- Limits. Each segment (the months from one step to the next) has its own mean of the values shown,
  and its mean moving range (the mean of |this month − last month|). Moving ranges of at least 3.267 ×
  that mean are screened out and the mean is taken again, as NHSRplotthedots does by default. The
  process limits are mean ± 2.66 × mean moving range (three sigma, sigma being 2.66 / 3 of it).
- A point beyond a limit (strictly above the upper or below the lower) is special cause.
- A shift: 7 or more months in a row on the same side of the mean; a month on the mean breaks it.
- A trend: 7 or more months in a row each strictly higher (or lower) than the one before: 6 rises
  (or falls) in a row, so 7 points; a month equal to the one before breaks it.
- Two of three: in 3 months in a row all on the same side of the mean, at least 2 are beyond two
  sigma (two-thirds of the way to a limit) without being beyond the limit; those are flagged.
- A flagged point is improvement or concern by the way it departs: a point in a trend by the trend's
  direction (a rise is improvement where up is better, even below the mean), any other by the side of
  the mean it is on. This is NHSRplotthedots since its 2023 fix (issue 171, matching NHS England's own
  tool); rules rank beyond a limit, trend, two of three, shift. Where neither way is better, a point is
  high or low.
- The chart's variation is the latest point's, as the Making Data Count icon is.

Missing months (None: not published, or no figures) are gaps. NHSRplotthedots asks for no gaps; its
arithmetic gives a missing value no moving range either side, and no run may contain one. So here:
no moving range across a gap, and a gap breaks a shift, a trend and a two-of-three window. The limits
use only the values shown, so nothing drawn depends on a value that is not published.

Making Data Count wants 12 or more points before limits mean much. A segment with fewer has no
mean, limits or signals of its own: it is drawn as points only. After a step, a segment too short
for its own limits is judged against the limits of the segment before (when that has them), as
fixed baseline limits are, until it has 12 months of its own. Rules look within one segment only.

Assurance (Making Data Count's second icon) compares a target with the latest point's process limits,
as NHSRplotthedots' ptd_calculate_assurance_type does: a target beyond the limits on the failing side
will be failed every month; beyond them on the passing side, met every month; between them, or exactly
on a limit (the comparisons are strict), met in some months and not others. A measure where neither
way is better has no assurance.
"""
import dataclasses
import datetime
import statistics

from ..dates import add_months, months_between
from ..models import Measure

LIMIT = 2.66  # × mean moving range: three sigma
NEAR = 2 * LIMIT / 3  # two sigma, for two of three
SCREEN = 3.267  # moving ranges this many times the mean or more are left out of it
RUN = 7  # points in a shift or a trend
ENOUGH = 12  # points a segment needs for limits of its own

UP, DOWN, NEUTRAL = "up", "down", "neutral"  # which way is improvement
BEYOND, SHIFT, TREND, TWO_OF_THREE = "beyond a limit", "shift", "trend", "two of three"
RANKED = (BEYOND, TREND, TWO_OF_THREE, SHIFT)  # which rule a point is described by, when it breaks several
RISING, FALLING = "rising", "falling"  # beside TREND: which way the trend runs
IMPROVEMENT, CONCERN, HIGH, LOW, COMMON, UNJUDGED = "improvement", "concern", "high", "low", "common", "unjudged"
HIT, FAIL, HIT_AND_MISS = "consistently hit", "consistently fail", "hit and miss"  # assurance against a target

# Which way is improvement for each measure the insights judge, said here only: the charts colour a special
# cause by it, the board judges its totals by it, and the targets form asks for "at least" or "at most" by it.
# Sessions cancelled and hours held are judged on the board alone and take no target, so they are not Measures.
SESSIONS_CANCELLED, HOURS_HELD = "sessions_cancelled", "hours_held"
BETTER = {
    Measure.SESSIONS_HELD: UP,
    Measure.PEOPLE_SEEN: UP,
    Measure.PEOPLE_NOT_SEEN: DOWN,  # came but could not be seen: demand the sessions did not meet
    Measure.PULSE_MEAN: UP,
    Measure.SICKNESS_RATE: DOWN,
    SESSIONS_CANCELLED: DOWN,
    HOURS_HELD: UP,
}


@dataclasses.dataclass(frozen=True)
class Segment:
    """Months from one step to the next, with the limits they are judged against (None with too few)."""

    first: int
    last: int
    count: int  # months with a value
    mean: float | None = None
    lower: float | None = None
    upper: float | None = None
    borrowed: bool = False  # the limits are the segment before's

    @property
    def judged(self) -> bool:
        return self.mean is not None


@dataclasses.dataclass(frozen=True)
class Point:
    month: datetime.date
    value: float | None
    segment: int
    moving_range: float | None
    rules: frozenset[str]
    kind: str  # IMPROVEMENT, CONCERN, HIGH, LOW (special cause), COMMON, or UNJUDGED (no limits, or no value)
    side: int  # 1 above the mean, -1 below, 0 on it or unjudged


@dataclasses.dataclass(frozen=True)
class Spc:
    points: list[Point]
    segments: list[Segment]
    direction: str

    @property
    def latest(self) -> Point | None:
        return next((p for p in reversed(self.points) if p.value is not None), None)

    @property
    def variation(self) -> str | None:
        """Return the latest point's variation in words, as the Making Data Count icon shows it; None if unjudged."""
        point = self.latest
        if point is None or point.kind == UNJUDGED:
            return None
        if point.kind == COMMON:
            return "common cause variation"
        if point.kind in (HIGH, LOW):
            return f"special cause variation ({'higher' if point.kind == HIGH else 'lower'})"
        return f"special cause {point.kind}"

    @property
    def limits(self) -> tuple[float, float] | None:
        """Return the latest point's process limits (lower, upper): those a target is assured against."""
        point = self.latest
        segment = self.segments[point.segment] if point is not None else None
        return (segment.lower, segment.upper) if segment is not None and segment.judged else None


def assurance(limits: tuple[float, float] | None, target: float | None, better: str) -> str | None:
    """Return whether the process will meet the target: HIT, FAIL or HIT_AND_MISS; None without both."""
    if limits is None or target is None or better == NEUTRAL:
        return None
    lower, upper = limits
    if target > upper:
        return FAIL if better == UP else HIT
    if target < lower:
        return HIT if better == UP else FAIL
    return HIT_AND_MISS


def baseline_months(*, months: list[datetime.date], step: datetime.date | None) -> list[datetime.date]:
    """Return the months a chart of `months` draws before them, for limits of 12 months or more: at most 12.

    They start 12 months before the step (the month drop-ins started), or 12 before the period when that is
    later: a period chosen after the service's first year is then judged against the year before it, so
    the default twelve months (one still running) are never too few, and the chart never grows with age.
    """
    if step is None or step > months[-1]:
        return []
    first = max(add_months(step, -ENOUGH), add_months(months[0], -ENOUGH))
    return months_between(first, add_months(months[0], -1)) if first < months[0] else []


def spc_compute(*, months: list[datetime.date], values: list[float | None], steps: tuple[datetime.date, ...] = (),
                direction: str = NEUTRAL) -> Spc:
    """Return each month's moving range, segment limits, rules broken and kind of variation."""
    bounds = [0] + [months.index(step) for step in sorted(steps) if step in months and step != months[0]]
    bounds.append(len(months))
    segments, ranges = [], [None] * len(months)
    for first, end in zip(bounds, bounds[1:]):
        segment, segment_ranges = _segment(values, first, end, before=segments[-1] if segments else None)
        segments.append(segment)
        ranges[first:end] = segment_ranges
    points = []
    for n, segment in enumerate(segments):
        part = values[segment.first:segment.last + 1]
        rules = _rules(part, segment) if segment.judged else [frozenset()] * len(part)
        for offset, (value, broken) in enumerate(zip(part, rules)):
            i = segment.first + offset
            side = _sign(value - segment.mean) if segment.judged and value is not None else 0
            points.append(Point(month=months[i], value=value, segment=n, moving_range=ranges[i], rules=broken,
                                kind=_kind(value, segment, broken, side, direction), side=side))
    return Spc(points=points, segments=segments, direction=direction)


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _segment(values: list, first: int, end: int, before: Segment | None) -> tuple[Segment, list]:
    """Return the segment's limits, and its moving ranges (none for a segment's first month or beside a gap)."""
    part = values[first:end]
    ranges = [None] + [abs(b - a) if a is not None and b is not None else None for a, b in zip(part, part[1:])]
    shown = [v for v in part if v is not None]
    kept = [r for r in ranges if r is not None]
    if len(shown) < ENOUGH or not kept:
        if before is not None and before.judged:
            return Segment(first, end - 1, len(shown), before.mean, before.lower, before.upper, borrowed=True), ranges
        return Segment(first, end - 1, len(shown)), ranges
    mean_range = statistics.fmean(kept)
    kept = [r for r in kept if r < SCREEN * mean_range] or kept
    mean_range = statistics.fmean(kept)
    mean = statistics.fmean(shown)
    return Segment(first, end - 1, len(shown), mean, mean - LIMIT * mean_range, mean + LIMIT * mean_range), ranges


def _rules(part: list, segment: Segment) -> list[frozenset[str]]:
    """Return the rules each point of the segment breaks."""
    count = len(part)
    broken = [set() for _ in range(count)]
    near = (segment.upper - segment.mean) * NEAR / LIMIT
    side = [None if v is None else _sign(v - segment.mean) for v in part]
    for i, value in enumerate(part):
        if value is not None and (value > segment.upper or value < segment.lower):
            broken[i].add(BEYOND)
    for end in range(RUN - 1, count):
        window = range(end - RUN + 1, end + 1)
        if None not in (part[j] for j in window):
            if side[end] != 0 and all(side[j] == side[end] for j in window):
                for j in window:
                    broken[j].add(SHIFT)
            steps = {_sign(part[j] - part[j - 1]) for j in window if j > window.start}
            if steps in ({1}, {-1}):
                for j in window:
                    broken[j].update((TREND, RISING if steps == {1} else FALLING))
    close = [v is not None and BEYOND not in broken[i] and abs(v - segment.mean) > near for i, v in enumerate(part)]
    for start in range(count - 2):
        window = range(start, start + 3)
        if None in (side[j] for j in window) or abs(sum(side[j] for j in window)) != 3:
            continue
        if sum(close[j] for j in window) >= 2:
            for j in window:
                if close[j]:
                    broken[j].add(TWO_OF_THREE)
    return [frozenset(rules) for rules in broken]


def _kind(value, segment: Segment, rules: frozenset, side: int, direction: str) -> str:
    if value is None or not segment.judged:
        return UNJUDGED
    if not rules:
        return COMMON
    if direction == NEUTRAL:
        return HIGH if side > 0 else LOW
    if BEYOND not in rules and TREND in rules:  # a trend is judged by the way it runs, not where it is
        side = 1 if RISING in rules else -1
    return IMPROVEMENT if side == (1 if direction == UP else -1) else CONCERN
