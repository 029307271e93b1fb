"""Is it working? Month-by-month figures, before and after the service started, with privacy rule 2.

Every sum comes from the database, one query per measure whatever the number of months, teams or
sessions; Python only applies suppression to the aggregated rows and lays them out by month.
Attendance is counted per session, not per team (staff from any team come to a session), so
session figures are always for the whole site; the pulse and sickness follow a chosen team.
"""
import dataclasses
import datetime
import math
import statistics
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth

from ..models import Feedback, Pulse, Session, SicknessRecord, Site, Team, week_of
from .demand import with_attendance
from .privacy import HIDDEN, Figure, figure, pending, protect, threshold, total_of_small_cells, total_of_totals

COMPARE_MONTHS = 6  # up to this many months each side of the start
ENOUGH_MONTHS = 3  # fewer on either side and no comparison is made
# Student's t at 97.5% for 1 to 10 degrees of freedom: at most 6 + 6 months give at most 10.
T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228}
SCORES = [score for score, _ in Pulse.Score.choices]


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Return the first day of every month from `first`'s to `last`'s, both included."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def _zone(sites: list[Site]) -> zoneinfo.ZoneInfo:
    return sites[0].zone if len(sites) == 1 else zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _as_month(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


# Sessions and attendance


@dataclasses.dataclass
class SessionMonth:
    held: int = 0
    cancelled: int = 0
    minutes: float = 0
    seen: Figure = Figure(0)
    not_seen: Figure = Figure(0)
    seen_minutes: float = 0  # seen × the site's minutes per person, for utilisation

    @property
    def utilisation(self) -> float | None:
        """Time the people seen needed as a share of the time offered; None where seen is not published."""
        if not self.seen.shown or not self.minutes:
            return None
        return self.seen_minutes / self.minutes


def session_months(*, sites: list[Site], months: list[datetime.date],
                   now: datetime.datetime) -> dict[int, dict[datetime.date, SessionMonth]]:
    """Return, per site and month, sessions held and cancelled, minutes held, seen and not seen.

    Each site's months follow its own time zone, so a session near midnight counts in the same
    month whichever sites are shown with it: one query for each time zone among the sites.
    """
    table = {site.pk: {month: SessionMonth() for month in months} for site in sites}
    for zone_name in sorted({site.time_zone for site in sites}):
        in_zone = [site for site in sites if site.time_zone == zone_name]
        for site_id, month, figures in _session_rows(sites=in_zone, months=months, now=now):
            if month in table[site_id]:
                table[site_id][month] = figures
    return table


def _session_rows(*, sites: list[Site], months: list[datetime.date], now: datetime.datetime):
    zone = sites[0].zone
    start = datetime.datetime.combine(months[0], datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(add_months(months[-1], 1), datetime.time(), tzinfo=zone)
    held = Q(status=Session.Status.SCHEDULED, starts_at__lt=now)
    small = {measure: Q(held, **{f"{measure}__gt": 0, f"{measure}__lt": threshold()}) for measure in ("seen", "not_seen")}
    rows = (
        with_attendance(Session.objects.filter(site__in=sites, starts_at__gte=start, starts_at__lt=end))
        .values("site_id", "site__minutes_per_person", month=TruncMonth("starts_at", tzinfo=zone))
        .annotate(
            held=Count("pk", filter=held),
            cancelled=Count("pk", filter=Q(status=Session.Status.CANCELLED)),
            length=Sum(F("ends_at") - F("starts_at"), filter=held),
            **{f"{measure}_total": Sum(measure, filter=held) for measure in small},
            **{f"{measure}_small": Count("pk", filter=q) for measure, q in small.items()},
            **{f"{measure}_small_sum": Sum(measure, filter=q) for measure, q in small.items()},
        ).order_by()
    )
    this_month = month_start(now.astimezone(zone).date())
    for row in rows:
        month = _as_month(row["month"])
        published = {
            measure: pending(row[f"{measure}_total"] or 0) if month >= this_month else
            total_of_small_cells(total=row[f"{measure}_total"] or 0, small_count=row[f"{measure}_small"],
                                 small_sum=row[f"{measure}_small_sum"] or 0)
            for measure in small
        }
        yield row["site_id"], month, SessionMonth(
            held=row["held"], cancelled=row["cancelled"],
            minutes=row["length"].total_seconds() / 60 if row["length"] else 0,
            seen=published["seen"], not_seen=published["not_seen"],
            seen_minutes=(row["seen_total"] or 0) * row["site__minutes_per_person"],
        )


def combine_session_months(parts: list[SessionMonth]) -> SessionMonth:
    """Add up several sites' months: counts of people show only where every site's does."""
    return SessionMonth(
        held=sum(p.held for p in parts), cancelled=sum(p.cancelled for p in parts),
        minutes=sum(p.minutes for p in parts), seen_minutes=sum(p.seen_minutes for p in parts),
        seen=total_of_totals([p.seen for p in parts]), not_seen=total_of_totals([p.not_seen for p in parts]),
    )


# The morale pulse


@dataclasses.dataclass
class PulseCell:
    """One group's answers in one month: how many, their total score, and how many gave each score."""

    answers: int = 0
    score_sum: int = 0
    spread: tuple[int, ...] = (0,) * len(SCORES)

    def __add__(self, other: "PulseCell") -> "PulseCell":
        return PulseCell(self.answers + other.answers, self.score_sum + other.score_sum,
                         tuple(a + b for a, b in zip(self.spread, other.spread)))

    @property
    def mean_publishable(self) -> bool:
        """Whether the mean hides who gave other answers than the rest.

        Each answer above “very low” adds at least 1 to the total over all-lowest, so a total only
        a little above it says that fewer than 5 people answered anything else (a mean of 1.2 over
        5 answers: one “low”, four “very low”); the same at the top.
        """
        above_lowest = self.score_sum - self.answers * SCORES[0]
        below_highest = self.answers * SCORES[-1] - self.score_sum
        return all(gap == 0 or gap >= threshold() for gap in (above_lowest, below_highest))

    @property
    def spread_publishable(self) -> bool:
        """Every answer given by anyone was given by at least the threshold: else the spread and the mean give it away."""
        return all(count == 0 or count >= threshold() for count in self.spread)


@dataclasses.dataclass
class PulseMonth:
    answers: Figure = Figure(0)
    mean: float | None = None
    spread: list[Figure] | None = None  # None where it is not published


def _pulse_month(cell: PulseCell, published: Figure, spread_ok: bool) -> PulseMonth:
    shown = published.shown and cell.answers > 0
    return PulseMonth(
        answers=published,
        mean=cell.score_sum / cell.answers if shown and cell.mean_publishable else None,
        spread=[Figure(count) for count in cell.spread] if shown and spread_ok else None,
    )


def pulse_months(*, sites: list[Site], team: Team | None, months: list[datetime.date],
                 now: datetime.datetime) -> dict[datetime.date, PulseMonth]:
    """Return the pulse per month for the sites, or one team of them, with rule 2 applied across teams.

    Suppression is planned over every team of every site in one pass, so the same cell is hidden
    whichever view shows it, and no site total minus the other teams gives a small team away. A
    week counts in the month its Monday is in, so a month is published once its last week has ended.
    """
    this_week = week_of(now.astimezone(_zone(sites)).date())
    rows = (
        Pulse.objects.filter(site__in=sites, week__gte=months[0], week__lt=add_months(months[-1], 1))
        .values("site_id", "team_id", month=TruncMonth("week"))
        .annotate(answers=Count("pk"), score_sum=Sum("score"),
                  **{f"score_{score}": Count("pk", filter=Q(score=score)) for score in SCORES})
        .order_by()
    )
    cells: dict[datetime.date, dict[int, dict[int | None, PulseCell]]] = {}
    for row in rows:
        cells.setdefault(_as_month(row["month"]), {}).setdefault(row["site_id"], {})[row["team_id"]] = PulseCell(
            row["answers"], row["score_sum"], tuple(row[f"score_{score}"] for score in SCORES))
    result = {}
    for month in months:
        by_site = cells.get(month, {})
        if this_week <= week_of(add_months(month, 1) - datetime.timedelta(days=1)):
            result[month] = _pending_pulse(by_site, team)
            continue
        site_months = []
        for site in sites:
            teams = by_site.get(site.pk, {})
            team_figures, total_shown = protect({key: cell.answers for key, cell in teams.items()})
            site_cell = sum(teams.values(), PulseCell())
            site_figure = figure(site_cell.answers)
            if site_figure.shown and not total_shown:
                site_figure = Figure(site_cell.answers, HIDDEN)
            team_spreads_ok = all(team_figures[key].shown and cell.spread_publishable for key, cell in teams.items())
            if team is not None and team.site_id == site.pk:
                cell = teams.get(team.pk, PulseCell())
                result[month] = _pulse_month(cell, team_figures.get(team.pk, Figure(0)), cell.spread_publishable)
            site_months.append((site_cell, site_figure, team_spreads_ok and site_cell.spread_publishable))
        if team is None:
            total = sum((cell for cell, _, _ in site_months), PulseCell())
            published = site_months[0][1] if len(sites) == 1 else total_of_totals([f for _, f, _ in site_months])
            result[month] = _pulse_month(total, published, all(ok for _, _, ok in site_months))
    return result


def _pending_pulse(by_site: dict, team: Team | None) -> PulseMonth:
    cells = [cell for teams in by_site.values() for key, cell in teams.items() if team is None or key == team.pk]
    return PulseMonth(answers=pending(sum(cell.answers for cell in cells)))


# Sickness absence


@dataclasses.dataclass
class SicknessMonth:
    lost: Decimal
    available: Decimal

    @property
    def rate(self) -> float:
        return float(self.lost / self.available)


def sickness_months(*, sites: list[Site], team: Team | None,
                    months: list[datetime.date]) -> dict[datetime.date, SicknessMonth]:
    """Return FTE days lost and available per month, for the sites or one team (rate = lost / available)."""
    records = SicknessRecord.objects.filter(month__gte=months[0], month__lte=months[-1])
    records = records.filter(team=team) if team else records.filter(team__site__in=sites)
    rows = records.values("month").annotate(lost=Sum("fte_days_lost"), available=Sum("fte_days_available")).order_by()
    return {row["month"]: SicknessMonth(row["lost"], row["available"]) for row in rows if row["available"]}


# Month by month, and before and after


@dataclasses.dataclass
class MonthFigures:
    month: datetime.date
    sessions: SessionMonth
    pulse: PulseMonth
    sickness: SicknessMonth | None


def service_start(*, sites: list[Site], team: Team | None) -> datetime.date | None:
    """Return when drop-ins started for what is shown: the team's own date, else its site's; none across sites."""
    if team is not None and team.service_started_on:
        return team.service_started_on
    return sites[0].service_started_on if len(sites) == 1 else None


def insights_months(*, sites: list[Site], team: Team | None, months: list[datetime.date],
                    now: datetime.datetime) -> list[MonthFigures]:
    """Return every month's figures, in three queries whatever the period, teams or sessions."""
    by_site = session_months(sites=sites, months=months, now=now)
    pulse = pulse_months(sites=sites, team=team, months=months, now=now)
    sickness = sickness_months(sites=sites, team=team, months=months)
    return [
        MonthFigures(
            month=month,
            sessions=by_site[sites[0].pk][month] if len(sites) == 1
            else combine_session_months([by_site[site.pk][month] for site in sites]),
            pulse=pulse[month],
            sickness=sickness.get(month),
        )
        for month in months
    ]


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
    this_month = month_start(now.astimezone(_zone(sites)).date())
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


def approved_quotes(*, sites: list[Site], limit: int = 6) -> list[Feedback]:
    return list(Feedback.objects.filter(site__in=sites, approved=True).order_by("-week", "-pk")[:limit])



def service_start_save(*, actor, site: Site, started_on: datetime.date | None,
                       team_dates: dict[Team, datetime.date | None]) -> None:
    """Record when drop-ins started at a site and its teams, keeping the change in the audit log."""
    from django.db import transaction

    from .audit import audit_record

    with transaction.atomic():
        for obj, date in [(site, started_on), *team_dates.items()]:
            if obj.service_started_on == date:
                continue
            before = {"service_started_on": str(obj.service_started_on or "")}
            obj.service_started_on = date
            obj.save(update_fields=["service_started_on", "updated_at"])
            audit_record(actor=actor, action="edit", obj=obj, before=before,
                         after={"service_started_on": str(date or "")}, reason="Service start")
