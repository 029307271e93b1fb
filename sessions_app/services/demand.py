"""Did supply meet demand? Seen, not seen and utilisation per session, and when to add an extra session.

Utilisation = time needed (seen × the site's minutes per person) / the session's length. Sums come
from the database; the rule over the last four sessions of each site reads at most four rows a site.
"""
import dataclasses
import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce, RowNumber, TruncWeek
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from ..dates import bank_holidays
from ..models import Attendance, Session, Site, User
from . import cover
from .audit import audit_record
from .privacy import counts_hidden_for, outgrew_shown, utilisation_shown
from .tally import CLOSES_AFTER

RECENT = 4
OUTGROWN_AT = 2  # of the last RECENT sessions
FULL_UTILISATION = 0.9
LOOK_AHEAD = datetime.timedelta(weeks=8)  # how far ahead an extra session is looked for


def _attendance_sum(field: str) -> Coalesce:
    sums = (Attendance.objects.filter(session=OuterRef("pk")).order_by().values("session")
            .annotate(total=Sum(field)).values("total"))
    return Coalesce(Subquery(sums, output_field=IntegerField()), Value(0))


def with_attendance(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """Annotate each session with `seen` and `not_seen`, summed in the database."""
    return sessions.annotate(seen=_attendance_sum("seen"), not_seen=_attendance_sum("not_seen"))


def utilisation(session: Session) -> float:
    """Time needed for the people seen, as a share of the session's length."""
    minutes = (session.ends_at - session.starts_at).total_seconds() / 60
    return session.seen * session.site.minutes_per_person / minutes


def outgrew_supply(session: Session) -> bool:
    return session.not_seen > 0 or utilisation(session) > FULL_UTILISATION


def _seen_by(session: Session, viewer: User) -> Session:
    """Mark what this viewer may see of the session's counts (privacy rule 2, decided in privacy.py)."""
    session.counts_hidden = counts_hidden_for(viewer, session.site)
    session.utilisation = utilisation(session)
    session.utilisation_shown = utilisation_shown(seen=session.seen, hidden=session.counts_hidden)
    session.outgrew_shown = outgrew_shown(seen=session.seen, not_seen=session.not_seen,
                                          outgrew=outgrew_supply(session), hidden=session.counts_hidden)
    return session


def past_sessions(*, sites: QuerySet[Site], now: datetime.datetime, weeks: int, viewer: User) -> list[Session]:
    """Return the sessions of the last `weeks` weeks whose tally has closed, newest first, as the viewer may see them.

    Counts still taking presses are not shown: watching one change would time a person's visit.
    """
    sessions = with_attendance(
        Session.objects.scheduled().filter(site__in=sites, ends_at__lte=now - CLOSES_AFTER,
                                           starts_at__gte=now - datetime.timedelta(weeks=weeks))
    ).select_related("site", "room", "supervisor").order_by("-starts_at", "-pk")
    return [_seen_by(session, viewer) for session in sessions]


@dataclasses.dataclass
class Suggestion:
    site: Site
    outgrown: int
    of: int
    extra_on: datetime.date | None

    @property
    def message(self) -> str:
        return (f"Demand outgrew supply at {self.outgrown} of the last {self.of} sessions — "
                "add an extra session?")

    @property
    def add_url(self) -> str:
        query = {"kind": Session.Kind.EXTRA, "site": self.site.slug}
        if self.extra_on:
            query["date"] = self.extra_on.isoformat()
        return f"{reverse('supervise_session_add')}?{urlencode(query)}"


def demand_suggestions(*, sites: QuerySet[Site] | list[Site], now: datetime.datetime,
                       viewer: User) -> list[Suggestion]:
    """Suggest an extra session where at least 2 of a site's last 4 sessions had people not seen or ran full.

    Counted from what the viewer is shown of each session, so the card tells her nothing the tags don't.
    """
    closed = Session.objects.scheduled().filter(site__in=sites, ends_at__lte=now - CLOSES_AFTER)
    recent = with_attendance(closed).annotate(
        recency=Window(RowNumber(), partition_by=[F("site_id")], order_by=[F("starts_at").desc(), F("pk").desc()])
    ).filter(recency__lte=RECENT).select_related("site")
    by_site: dict[int, list[Session]] = {}
    for session in recent:
        by_site.setdefault(session.site_id, []).append(_seen_by(session, viewer))
    outgrown_sites = {site_id: sessions for site_id, sessions in by_site.items()
                      if sum(s.outgrew_shown for s in sessions) >= OUTGROWN_AT}
    if not outgrown_sites:
        return []
    busy_days = _days_with_sessions(site_ids=outgrown_sites, now=now)
    away = _days_nobody_runs(site_ids=outgrown_sites, viewer=viewer, now=now)
    suggestions = []
    for site_id, sessions in sorted(outgrown_sites.items(), key=lambda item: item[1][0].site.name):
        site = sessions[0].site
        weekdays = {s.local_starts_at.weekday() for s in sessions}
        today = now.astimezone(site.zone).date()
        # Never a bank holiday, a date that already has a session or had one cancelled (for a reason),
        # nor a day its supervisor is away.
        busy = busy_days.get(site_id, set()) | away.get(site_id, set()) | set(
            bank_holidays(region=site.bank_holidays, first=today, last=today + LOOK_AHEAD))
        suggestions.append(Suggestion(
            site=site, outgrown=sum(s.outgrew_shown for s in sessions), of=len(sessions),
            extra_on=_next_free_day(site=site, weekdays=weekdays, busy=busy, now=now),
        ))
    return suggestions


def _days_with_sessions(*, site_ids, now: datetime.datetime) -> dict[int, set[datetime.date]]:
    """Return, per site, the dates (in the site's own zone) that have a session, scheduled or cancelled."""
    days: dict[int, set[datetime.date]] = {}
    rows = (Session.objects.filter(site_id__in=site_ids, starts_at__gte=now,
                                               starts_at__lt=now + LOOK_AHEAD + datetime.timedelta(days=2))
            .select_related("site").only("site__time_zone", "starts_at"))
    for session in rows:
        days.setdefault(session.site_id, set()).add(session.local_starts_at.date())
    return days


def _days_nobody_runs(*, site_ids, viewer: User, now: datetime.datetime) -> dict[int, set[datetime.date]]:
    """Return, per site, the days the session would have no supervisor: the viewer's own days away where she
    supervises, else the days every supervisor of the site is away (two queries)."""
    first = timezone.localdate(now)
    pairs = list(Site.supervisors.through.objects.filter(site_id__in=site_ids, user__is_active=True)
                 .values_list("site_id", "user_id"))
    away = cover.days_away(supervisors={user for _, user in pairs}, first=first, last=first + LOOK_AHEAD)
    days: dict[int, set[datetime.date]] = {}
    for site_id in site_ids:
        people = {user for site, user in pairs if site == site_id}
        runners = {viewer.pk} if viewer.pk in people else people
        every = [away.get(user, set()) for user in runners]
        days[site_id] = set.intersection(*every) if every else set()
    return days


def _next_free_day(*, site: Site, weekdays: set[int], busy: set[datetime.date], now: datetime.datetime):
    """Return the first day from tomorrow on the same weekdays with no session yet, within eight weeks."""
    day = now.astimezone(site.zone).date()
    for _ in range(LOOK_AHEAD.days):
        day += datetime.timedelta(days=1)
        if day.weekday() in weekdays and day not in busy:
            return day
    return None


@dataclasses.dataclass
class WeekHours:
    starts_on: datetime.date
    hours: float
    target: float | None

    @property
    def over_target(self) -> bool:
        return self.target is not None and self.hours > self.target


def hours_off_the_floor(*, supervisors: list[User], first_week: datetime.date, weeks: int) -> dict[int, list[WeekHours]]:
    """Return each supervisor's hours of scheduled sessions per Monday-to-Sunday week, summed in the database."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(first_week, datetime.time(), tzinfo=zone)
    end = start + datetime.timedelta(weeks=weeks)
    rows = (Session.objects.scheduled().filter(supervisor__in=supervisors, starts_at__gte=start, starts_at__lt=end)
            .annotate(week=TruncWeek("starts_at", tzinfo=zone)).values("supervisor", "week")
            .annotate(length=Sum(F("ends_at") - F("starts_at"))).order_by())
    hours = {(row["supervisor"], row["week"].astimezone(zone).date()): row["length"].total_seconds() / 3600
             for row in rows}
    mondays = [first_week + datetime.timedelta(weeks=n) for n in range(weeks)]
    return {
        person.pk: [WeekHours(monday, hours.get((person.pk, monday), 0.0),
                              float(person.weekly_target_hours) if person.weekly_target_hours is not None else None)
                    for monday in mondays]
        for person in supervisors
    }


@transaction.atomic
def supervisor_target_save(*, actor: User, person: User, hours: Decimal | None) -> None:
    """Set a supervisor's weekly target of hours off the floor, with the change in the audit."""
    before = {"weekly_target_hours": str(person.weekly_target_hours)}
    person.weekly_target_hours = hours
    person.save(update_fields=["weekly_target_hours"])
    audit_record(actor=actor, action="edit", obj=person, before=before,
                 after={"weekly_target_hours": str(person.weekly_target_hours)}, reason="Weekly target")
