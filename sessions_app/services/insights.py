"""Is it working? Month-by-month figures for sessions, people seen and sickness, with privacy rule 2.

Every sum comes from the database, one query per measure whatever the number of months, teams or
sessions; Python only applies suppression to the aggregated rows and lays them out by month.
Attendance is counted per session, not per team (staff from any team come to a session), so
session figures are always for the whole site; the pulse and sickness follow a chosen team.
"""
import dataclasses
import datetime
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Sum
from django.db.models.functions import TruncMonth

from ..dates import add_months, month_start
from ..models import AttendanceCorrection, Feedback, Pulse, Session, SicknessRecord, Site, Team
from .audit import audit_record
from .monthly_sums import SESSIONS_SETTLE, pulse_month_ended, session_sums, sessions_settled_month
from .privacy import Figure, is_small, pending, total_of_small_cells, total_of_totals
from .pulse_figures import PulseMonth, pulse_months
from .rows import row_month



def site_zone(sites: list[Site]) -> zoneinfo.ZoneInfo:
    return sites[0].zone if len(sites) == 1 else zoneinfo.ZoneInfo(settings.TIME_ZONE)


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
    """Yield each site's months, with privacy rule 2 applied to the sums of people seen and not seen."""
    zone = sites[0].zone
    start = datetime.datetime.combine(months[0], datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(add_months(months[-1], 1), datetime.time(), tzinfo=zone)
    minutes_per_person = {site.pk: site.minutes_per_person for site in sites}
    corrected = _corrected_small(sites=sites, start=start, end=end, zone=zone)
    this_month = sessions_settled_month(sites[0], now)  # the sites share one time zone
    for site_id, month, held, cancelled, held_seconds, *measures in session_sums(sites=sites, months=months, now=now):
        totals = {"seen": measures[0:3], "not_seen": measures[3:6]}
        published = {
            measure: pending() if month >= this_month else
            total_of_small_cells(total=total, small_count=small_count, small_sum=small_sum,
                                 corrected_small=(site_id, month, measure) in corrected)
            for measure, (total, small_count, small_sum) in totals.items()
        }
        yield site_id, month, SessionMonth(
            held=held, cancelled=cancelled, minutes=held_seconds / 60,
            seen=published["seen"], not_seen=published["not_seen"],
            seen_minutes=totals["seen"][0] * minutes_per_person[site_id],
        )


def _corrected_small(*, sites: list[Site], start: datetime.datetime, end: datetime.datetime,
                     zone: zoneinfo.ZoneInfo) -> set[tuple]:
    """Return (site, month, measure) wherever a correction set a session's count from or to a small one."""
    rows = (AttendanceCorrection.objects
            .filter(session__site__in=sites, session__starts_at__gte=start, session__starts_at__lt=end)
            .values_list("session__site_id", TruncMonth("session__starts_at", tzinfo=zone),
                         "seen_before", "seen_after", "not_seen_before", "not_seen_after"))
    corrected = set()
    for site_id, month, *counts in rows:
        for measure, before, after in (("seen", *counts[:2]), ("not_seen", *counts[2:])):
            if is_small(before) or is_small(after):
                corrected.add((site_id, row_month(month), measure))
    return corrected


def combine_session_months(parts: list[SessionMonth]) -> SessionMonth:
    """Add up several sites' months: counts of people show only where every site's does."""
    return SessionMonth(
        held=sum(p.held for p in parts), cancelled=sum(p.cancelled for p in parts),
        minutes=sum(p.minutes for p in parts), seen_minutes=sum(p.seen_minutes for p in parts),
        seen=total_of_totals([p.seen for p in parts]), not_seen=total_of_totals([p.not_seen for p in parts]),
    )


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


def insights_time(*, sites: list[Site], now: datetime.datetime) -> tuple:
    """Return what, of the time, the figures for these sites depend on: a key for them holds it.

    In each site's zone: the date (what has ended, and which weeks' pulse answers are published) and the
    date a month's sessions have settled by (which months' counts are published).
    """
    zones = [zoneinfo.ZoneInfo(zone) for zone in sorted({site.time_zone for site in sites})]
    return tuple((now.astimezone(zone).date(), (now - SESSIONS_SETTLE).astimezone(zone).date()) for zone in zones)


def from_first_data(*, sites: list[Site], team: Team | None, months: list[datetime.date],
                    now: datetime.datetime) -> list[datetime.date]:
    """Return the months from the first with a session, sickness figures or published pulse answers on.

    The report starts there rather than with months of nothing before the service existed. A pulse
    answer counts only in a month that has ended: one still running is not published, nor hinted at.
    """
    first = Session.objects.filter(site__in=sites).order_by("starts_at").values_list("starts_at", "site__time_zone")[:1]
    starts = [month_start(at.astimezone(zoneinfo.ZoneInfo(zone)).date()) for at, zone in first]
    sickness = SicknessRecord.objects.filter(team=team) if team else SicknessRecord.objects.filter(team__site__in=sites)
    starts += [month for month in [sickness.aggregate(first=Min("month"))["first"]] if month]
    pulse = Pulse.objects.filter(team=team) if team else Pulse.objects.filter(site__in=sites)
    week = pulse.aggregate(first=Min("week"))["first"]
    if week and all(pulse_month_ended(site, month_start(week), now) for site in sites):
        starts.append(month_start(week))
    kept = [month for month in months if starts and month >= min(starts)]
    return kept or months


def next_start(*, sites: list[Site], now: datetime.datetime) -> datetime.datetime | None:
    """Return when the next session at these sites starts: a month's sessions held count it from then."""
    return Session.objects.filter(site__in=sites, starts_at__gt=now).aggregate(first=Min("starts_at"))["first"]


def approved_quotes(*, sites: list[Site], limit: int = 6) -> list[Feedback]:
    return list(Feedback.objects.filter(site__in=sites, approved=True).order_by("-week", "-pk")[:limit])



def service_start_save(*, actor, site: Site, started_on: datetime.date | None,
                       team_dates: dict[Team, datetime.date | None]) -> None:
    """Record when drop-ins started at a site and its teams, keeping the change in the audit log."""
    with transaction.atomic():
        for obj, date in [(site, started_on), *team_dates.items()]:
            if obj.service_started_on == date:
                continue
            before = {"service_started_on": str(obj.service_started_on or "")}
            obj.service_started_on = date
            obj.save(update_fields=["service_started_on", "updated_at"])
            audit_record(actor=actor, action="edit", obj=obj, before=before,
                         after={"service_started_on": str(date or "")}, reason="Service start")
