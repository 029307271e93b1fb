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
from django.db import connections
from django.db.models import Case, Count, DateField, DurationField, ExpressionWrapper, F, Max, Q, Sum, When
from django.db.models.functions import Cast, Coalesce, TruncMonth

from ..dates import add_months, month_start, months_between, week_of
from ..models import Attendance, AttendanceCorrection, Feedback, Pulse, Session, SicknessRecord, Site, Team
from ..models.sessions import MAX_SESSION_LENGTH
from .privacy import (HIDDEN, Figure, figure, mean_publishable, pending, plan_means, protect, spread_publishable,
                      threshold, total_of_small_cells, total_of_totals)
from .tally import CLOSES_AFTER
from .versioned import VersionedCache, quoted_tables

COMPARE_MONTHS = 6  # up to this many months each side of the start
# A month's sessions can still be tallied after midnight: the last may end 4 hours into the next month and
# take presses for an hour more. Its counts are published only once that is over.
SESSIONS_SETTLE = MAX_SESSION_LENGTH + CLOSES_AFTER
ENOUGH_MONTHS = 3  # fewer on either side and no comparison is made
# Student's t at 97.5% for 1 to 10 degrees of freedom: at most 6 + 6 months give at most 10.
T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228}
SCORES = [score for score, _ in Pulse.Score.choices]


def _zone(sites: list[Site]) -> zoneinfo.ZoneInfo:
    return sites[0].zone if len(sites) == 1 else zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _as_month(value) -> datetime.date:
    if isinstance(value, str):  # SQLite, read without the ORM's converters
        return datetime.date.fromisoformat(value[:10])
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
    """Yield each site's months in one query: sessions summed per session first, then per month.

    A month's total is withheld when the small sessions in it could be worked out, so the query needs
    each session's own total before it adds up the month. Django cannot group over a grouped query,
    so the per-session query is built with the ORM and wrapped in a plain GROUP BY. (Summing with a
    subquery per session instead made PostgreSQL run it once for every place the total is used: 12
    index look-ups per session, over 4 s for the estate's 5 years.)
    """
    zone = sites[0].zone
    start = datetime.datetime.combine(months[0], datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(add_months(months[-1], 1), datetime.time(), tzinfo=zone)
    held = Q(status=Session.Status.SCHEDULED, starts_at__lt=now)
    # One group per session: its own fields are read through Max, so the rows group by its id alone
    # (grouping by each expression too made PostgreSQL sort on all of them).
    per_session = (
        Session.objects.filter(site__in=sites, starts_at__gte=start, starts_at__lt=end)
        .values("pk", "site_id")
        .annotate(month=TruncMonth(Max("starts_at"), tzinfo=zone),
                  held=Max(Case(When(held, then=1), default=0)),
                  cancelled=Max(Case(When(status=Session.Status.CANCELLED, then=1), default=0)),
                  length=Max(ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())),
                  seen=Coalesce(Sum("attendance__seen"), 0), not_seen=Coalesce(Sum("attendance__not_seen"), 0))
        .order_by()
    )
    inner_sql, inner_params = per_session.query.sql_with_params()
    small = " AND ".join(["held = 1", "{0} > 0", "{0} < %s"])
    sql = (
        "SELECT site_id, month, SUM(held), SUM(cancelled), SUM(CASE WHEN held = 1 THEN length END), "
        + ", ".join(f"SUM(CASE WHEN held = 1 THEN {m} END), SUM(CASE WHEN {small.format(m)} THEN 1 ELSE 0 END), "
                    f"SUM(CASE WHEN {small.format(m)} THEN {m} END)" for m in ("seen", "not_seen"))
        + f" FROM ({inner_sql}) per_session GROUP BY site_id, month"
    )
    with connections[per_session.db].cursor() as cursor:
        cursor.execute(sql, [threshold()] * 4 + list(inner_params))
        rows = cursor.fetchall()
    minutes_per_person = {site.pk: site.minutes_per_person for site in sites}
    this_month = month_start((now - SESSIONS_SETTLE).astimezone(zone).date())
    for site_id, month, held_count, cancelled, length, *measures in rows:
        month = _as_month(month)
        # PostgreSQL sums integers as numeric: read every count back as an int.
        totals = dict(zip(("seen", "not_seen"), zip(*[iter(int(value or 0) for value in measures)] * 3)))
        published = {
            measure: pending() if month >= this_month else
            total_of_small_cells(total=total, small_count=small_count, small_sum=small_sum)
            for measure, (total, small_count, small_sum) in totals.items()
        }
        yield site_id, month, SessionMonth(
            held=int(held_count or 0), cancelled=int(cancelled or 0),
            minutes=_as_duration(length).total_seconds() / 60,
            seen=published["seen"], not_seen=published["not_seen"],
            seen_minutes=totals["seen"][0] * minutes_per_person[site_id],
        )


def _plain_rows(queryset) -> list[tuple]:
    """Return a values_list query's rows as the database driver gives them.

    The estate's pulse is a row for every team and month (60,000 over 5 years): Django's
    converters, run on every value, took longer than the query. Counts come back as ints;
    dates as dates, or as text on SQLite, which _as_month reads.
    """
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _as_duration(value) -> datetime.timedelta:
    """Read a summed duration: PostgreSQL gives an interval, SQLite a number of microseconds."""
    if value is None:
        return datetime.timedelta()
    return value if isinstance(value, datetime.timedelta) else datetime.timedelta(microseconds=int(value))


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

    @staticmethod
    def total(cells) -> "PulseCell":
        return _cell((cell.answers, cell.score_sum, *cell.spread) for cell in cells)

    @property
    def mean_publishable(self) -> bool:
        return self.answers > 0 and mean_publishable(self.answers, self.score_sum)

    @property
    def spread_publishable(self) -> bool:
        return spread_publishable(self.spread)


@dataclasses.dataclass
class PulseMonth:
    answers: Figure = Figure(0)
    mean: float | None = None
    spread: list[Figure] | None = None  # None where it is not published


def _pulse_month(cell: PulseCell, published: Figure, *, mean_shown: bool, spread_shown: bool) -> PulseMonth:
    shown = published.shown and cell.answers > 0 and mean_shown
    return PulseMonth(
        answers=published,
        mean=cell.score_sum / cell.answers if shown else None,
        spread=[Figure(count) for count in cell.spread] if shown and spread_shown else None,
    )


@dataclasses.dataclass
class SitePulse:
    """One site's month of answers, with one plan of what may show, used by every view of it."""

    teams: dict  # team id (None: preferred not to say) -> PulseCell
    counts: dict  # team id -> Figure
    total: PulseCell
    total_count: Figure
    means_shown: set
    total_mean_shown: bool

    @classmethod
    def plan(cls, rows: dict) -> "SitePulse":
        teams = {key: _cell([figures]) for key, figures in rows.items()}
        counts, total_shown = protect({key: cell.answers for key, cell in teams.items()})
        total = PulseCell.total(teams.values())
        total_count = figure(total.answers)
        if total_count.shown and not total_shown:
            total_count = Figure(total.answers, HIDDEN)
        # Those who preferred not to say are never shown alone: their figures are the site's less the teams'.
        alone = {key for key, cell in teams.items() if key is not None and counts[key].shown and cell.mean_publishable}
        means_shown, total_mean_shown = plan_means(
            {key: (cell.answers, cell.score_sum) for key, cell in teams.items()}, alone=alone,
            total_shown=total_count.shown and total.mean_publishable)
        return cls(teams, counts, total, total_count, means_shown, total_mean_shown)

    @property
    def total_spread_shown(self) -> bool:
        """Every team shown, and no score given by fewer than the threshold in any team (or in the whole)."""
        return (self.total_mean_shown and all(count.shown for count in self.counts.values())
                and all(cell.spread_publishable for cell in self.teams.values()) and self.total.spread_publishable)

    @property
    def mean_known(self) -> bool:
        return self.total.answers == 0 or self.total_mean_shown

    def team_month(self, team_id: int) -> PulseMonth:
        if team_id not in self.teams:
            return PulseMonth()
        cell = self.teams[team_id]
        mean_shown = team_id in self.means_shown
        return _pulse_month(cell, self.counts[team_id], mean_shown=mean_shown,
                            spread_shown=mean_shown and cell.spread_publishable)

    def site_month(self) -> PulseMonth:
        return _pulse_month(self.total, self.total_count, mean_shown=self.total_mean_shown,
                            spread_shown=self.total_spread_shown)


def _sites_month(parts: list[SitePulse]) -> PulseMonth:
    """Add up several sites' months: a figure shows only where every site's does, so it adds nothing."""
    total = PulseCell.total(part.total for part in parts)
    return _pulse_month(total, total_of_totals([part.total_count for part in parts]),
                        mean_shown=all(part.mean_known for part in parts),
                        spread_shown=all(part.total.answers == 0 or part.total_spread_shown for part in parts))


def pulse_months(*, sites: list[Site], team: Team | None, months: list[datetime.date],
                 now: datetime.datetime) -> dict[datetime.date, PulseMonth]:
    """Return the pulse per month for the sites, or one team of them, with rule 2 applied across teams.

    Suppression is planned over every team of a site in one pass (SitePulse), so the same cell is hidden
    whichever view shows it, and no site total less the other teams gives a small team or a withheld
    mean away. A week counts in the month its Monday is in, so a month is published once its last week
    has ended at every site shown, each in its own time zone.
    """
    this_week = {site.pk: week_of(now.astimezone(site.zone).date()) for site in sites}
    shown_sites = sites if team is None else [site for site in sites if site.pk == team.site_id]
    scores = [f"score_{score}" for score in SCORES]
    rows = (
        Pulse.objects.filter(site__in=sites, week__gte=months[0], week__lt=add_months(months[-1], 1))
        # A date, not the timestamp PostgreSQL truncates to: far cheaper to read back 60,000 times.
        .values("site_id", "team_id", month=Cast(TruncMonth("week"), DateField()))
        .annotate(answers=Count("pk"), score_sum=Sum("score"),
                  **{name: Count("pk", filter=Q(score=score)) for name, score in zip(scores, SCORES)})
        .order_by()
        .values_list("site_id", "team_id", "month", "answers", "score_sum", *scores)
    )
    # The estate reads a row for every team and month (60,000 over 5 years): they stay plain
    # tuples (answers, score sum, then each score's count) until a site's month adds them up.
    cells: dict[datetime.date, dict[int, dict[int | None, tuple]]] = {}
    months_read: dict = {}
    for site_id, team_id, month, *figures in _plain_rows(rows):
        if month not in months_read:
            months_read[month] = _as_month(month)
        cells.setdefault(months_read[month], {}).setdefault(site_id, {})[team_id] = figures
    result = {}
    for month in months:
        last_week = week_of(add_months(month, 1) - datetime.timedelta(days=1))
        if any(this_week[site.pk] <= last_week for site in shown_sites):
            result[month] = PulseMonth(answers=pending())
            continue
        by_site = cells.get(month, {})
        plans = [SitePulse.plan(by_site.get(site.pk, {})) for site in shown_sites]
        if team is not None:
            result[month] = plans[0].team_month(team.pk)
        elif len(plans) == 1:
            result[month] = plans[0].site_month()
        else:
            result[month] = _sites_month(plans)
    return result


def _cell(rows) -> PulseCell:
    """Add up rows of (answers, score sum, each score's count) into one cell."""
    rows = list(rows)
    if not rows:
        return PulseCell()
    sums = [sum(column) for column in zip(*rows)]
    return PulseCell(sums[0], sums[1], tuple(sums[2:]))


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


# Built figures, kept in each worker under the version of what they are made of.

figures_kept = VersionedCache(size=64)
FEW_SITES = 10


def insights_version(*, sites: list[Site], now: datetime.datetime) -> tuple:
    """Return, in one query, a version of everything the figures for these sites are made of.

    It moves with any session at the sites added, changed, cancelled, deleted or started; with the
    attendance of any session before this month and any correction, and any pulse answer before this week (later ones
    are not published yet, so a tally on now or this week's answers leave it alone); with any
    sickness record, site or team; and with the date in each site's zone, and the date a month's sessions
    have settled by, which decide what has ended.
    """
    zones = sorted({site.time_zone for site in sites})
    days = tuple(now.astimezone(zoneinfo.ZoneInfo(zone)).date() for zone in zones)
    settled = tuple((now - SESSIONS_SETTLE).astimezone(zoneinfo.ZoneInfo(zone)).date() for zone in zones)
    # Counted generously: from the latest month start in any of the zones, plus a day.
    month_starts = [datetime.datetime.combine(month_start(day), datetime.time(), tzinfo=zoneinfo.ZoneInfo(zone))
                    for zone, day in zip(zones, days)]
    attendance_before = max(month_starts) + datetime.timedelta(days=1)
    this_week = min(week_of(day) for day in days)
    session, attendance, correction, pulse, sickness, site, team = quoted_tables(
        Session, Attendance, AttendanceCorrection, Pulse, SicknessRecord, Site, Team)
    ids = [site.pk for site in sites]
    at = ", ".join(["%s"] * len(ids))
    stamp = connections["default"].ops.adapt_datetimefield_value
    if len(sites) <= FEW_SITES:
        # A few sites: each session's attendance and each team's sickness by their indexes.
        of_session = f"FROM {attendance} a WHERE a.session_id = s.id"
        attendance_sql = (f"SELECT SUM((SELECT COUNT(*) {of_session})), SUM((SELECT SUM(a.seen) {of_session})), "
                          f"SUM((SELECT SUM(a.not_seen) {of_session})) FROM {session} s "
                          f"WHERE s.site_id IN ({at}) AND s.starts_at < %s")
        sickness_where = f"WHERE team_id IN (SELECT id FROM {team} WHERE site_id IN ({at}))"
    else:
        # Many: one pass over each table is cheaper than a look-up per session.
        attendance_sql = (f"SELECT COUNT(*), SUM(a.seen), SUM(a.not_seen) FROM {attendance} a "
                          f"INNER JOIN {session} s ON s.id = a.session_id WHERE s.site_id IN ({at}) AND s.starts_at < %s")
        sickness_where = ""
    sql = f"""
        SELECT * FROM
          (SELECT COUNT(*), SUM(sequence), MAX(updated_at), SUM(CASE WHEN starts_at < %s THEN 1 ELSE 0 END),
                  SUM(CASE WHEN status = %s THEN 1 ELSE 0 END)
           FROM {session} WHERE site_id IN ({at})) se,
          ({attendance_sql}) at,
          (SELECT COUNT(*), MAX(id) FROM {correction}) co,
          (SELECT COUNT(*), MAX(id) FROM {pulse} WHERE site_id IN ({at}) AND week < %s) pu,
          (SELECT COUNT(*), SUM(fte_days_lost), SUM(fte_days_available), MAX(id), MAX(updated_at)
           FROM {sickness} {sickness_where}) si,
          (SELECT COUNT(*), MAX(updated_at) FROM {site}) st,
          (SELECT COUNT(*), MAX(updated_at) FROM {team}) te
    """
    params = [stamp(now), Session.Status.CANCELLED.value, *ids, *ids, stamp(attendance_before),
              *ids, connections["default"].ops.adapt_datefield_value(this_week),
              *(ids if sickness_where else [])]
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return (days, settled, this_week, *(str(value) for value in row))


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
