"""Before and after: the mean monthly sickness rate and pulse score either side of the service's start."""
import dataclasses
import datetime
import math
import statistics

from ..dates import add_months, month_start, months_between
from ..models import Site, Team
from .insights import service_start, sickness_months, site_zone
from .pulse_figures import pulse_months

COMPARE_MONTHS = 6  # up to this many months each side of the start
ENOUGH_MONTHS = 3  # fewer on either side and no comparison is made
# Student's t at 97.5% for 1 to 10 degrees of freedom: at most 6 + 6 months give at most 10.
T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228}


@dataclasses.dataclass
class Comparison:
    """One measure's monthly values before and after the service started, and their difference."""

    measure: str
    before: list[float]
    after: list[float]

    @property
    def enough(self) -> bool:
        return len(self.before) >= ENOUGH_MONTHS and len(self.after) >= ENOUGH_MONTHS

    @property
    def before_mean(self) -> float | None:
        return statistics.fmean(self.before) if self.enough else None

    @property
    def after_mean(self) -> float | None:
        return statistics.fmean(self.after) if self.enough else None

    @property
    def difference(self) -> float | None:
        return self.after_mean - self.before_mean if self.enough else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """Return the 95% interval of the difference (Welch's t, for unequal variances)."""
        if not self.enough:
            return None
        a = statistics.variance(self.before) / len(self.before)
        b = statistics.variance(self.after) / len(self.after)
        if a + b == 0:
            return self.difference, self.difference
        freedom = (a + b) ** 2 / (a ** 2 / (len(self.before) - 1) + b ** 2 / (len(self.after) - 1))
        half = T_975[max(1, min(10, math.floor(freedom)))] * math.sqrt(a + b)
        return self.difference - half, self.difference + half


def compare_before_after(*, sites: list[Site], team: Team | None, now: datetime.datetime) -> dict | None:
    """Return the mean monthly sickness rate and pulse score for up to 6 whole months each side of the start.

    The month the service started in belongs to neither side; only months that have ended count,
    and a pulse month counts only where its mean may be published.
    """
    started = service_start(sites=sites, team=team)
    if started is None:
        return None
    start_month = month_start(started)
    this_month = month_start(now.astimezone(site_zone(sites)).date())
    before = months_between(add_months(start_month, -COMPARE_MONTHS), add_months(start_month, -1))
    after = [m for m in months_between(add_months(start_month, 1), add_months(start_month, COMPARE_MONTHS))
             if m < this_month]
    window = before + after
    pulse = pulse_months(sites=sites, team=team, months=window, now=now)
    sickness = sickness_months(sites=sites, team=team, months=window)

    def values(months, read):
        return [value for value in (read(month) for month in months) if value is not None]

    pulse_mean = lambda month: pulse[month].mean  # noqa: E731
    sickness_rate = lambda month: sickness[month].rate if month in sickness else None  # noqa: E731
    return {
        "started": started,
        "before": (before[0], before[-1]),
        "after": (after[0], after[-1]) if after else None,
        "sickness": Comparison("Sickness absence rate", values(before, sickness_rate), values(after, sickness_rate)),
        "pulse": Comparison("Mean pulse score", values(before, pulse_mean), values(after, pulse_mean)),
    }
