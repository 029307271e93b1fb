"""Regular sessions: a rule of weekdays every N weeks, previewed date by date before anything is published.

A plan is worked out in Python from two queries (the site's rooms and every session that could
clash), so a year of dates costs the same as a week. Publishing writes the sessions in bulk; on
PostgreSQL the exclusion constraints still refuse a clash that raced in after the preview.
"""
import dataclasses
import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ..dates import bank_holidays, week_of
from ..models import AuditEntry, Room, Series, Session, Team, User
from ..models.sessions import CANCEL_REASON_NEEDED, MAX_SERIES_DAYS, MAX_SESSION_LENGTH, ROOM_AT_ANOTHER_SITE
from ..prose import listed
from .audit import audit_entry, audit_record, session_snapshot, snapshot
from .cover import days_away
from .scheduling import lunch_window, overlaps_refused, refuse_unless_supervisor, sessions_cancel

WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
CHANGED_REASON = "The regular sessions changed"


def series_dates(series: Series) -> list[datetime.date]:
    """Return every date the rule gives: its weekdays, in every Nth week from the first date's week."""
    first_monday = week_of(series.starts_on)
    skip = {datetime.date.fromisoformat(day) for day in series.skip_dates}
    days = (series.starts_on + datetime.timedelta(days=n) for n in range((series.ends_on - series.starts_on).days + 1))
    return [day for day in days if day.weekday() in series.weekdays and day not in skip
            and ((day - first_monday).days // 7) % series.every_weeks == 0]


def series_times(series: Series, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    zone = series.site.zone
    return (datetime.datetime.combine(day, series.start_time, tzinfo=zone),
            datetime.datetime.combine(day, series.end_time, tzinfo=zone))


def default_times(site) -> tuple[datetime.time, datetime.time]:
    """Return the site's default session (lunch widened by 30 minutes each side) as times of day."""
    starts, ends = lunch_window(site=site, day=datetime.date(2000, 1, 3))
    return starts.time(), ends.time()


def series_check(series: Series) -> None:
    """Refuse a rule that cannot be published, with sentences a person can act on."""
    errors = []
    if not series.weekdays:
        errors.append(ValidationError("Choose at least one day of the week.", code="weekdays"))
    if series.ends_on < series.starts_on:
        errors.append(ValidationError("The last date must be on or after the first date.", code="order"))
    elif (series.ends_on - series.starts_on).days > MAX_SERIES_DAYS:
        last = series.starts_on + datetime.timedelta(days=MAX_SERIES_DAYS)
        errors.append(ValidationError(
            f"A series can run for at most a year. Choose a last date on or before {last:%-d %B %Y}.", code="year"
        ))
    if series.end_time <= series.start_time:
        errors.append(ValidationError("Sessions must end after they start.", code="times"))
    elif datetime.datetime.combine(series.starts_on, series.end_time) - datetime.datetime.combine(
            series.starts_on, series.start_time) > MAX_SESSION_LENGTH:
        errors.append(ValidationError("A session can be at most 4 hours long.", code="length"))
    if series.room_id and series.room.site_id != series.site_id:
        errors.append(ValidationError(ROOM_AT_ANOTHER_SITE, code="room_site"))
    if series.room_id and not series.room.is_active:
        errors.append(ValidationError("This room is no longer in use. Choose an active room.", code="room_inactive"))
    if errors:
        raise ValidationError(errors)


@dataclasses.dataclass
class Occurrence:
    """One date of a plan: what will happen to it, and why if it cannot."""

    date: datetime.date
    starts_at: datetime.datetime  # in the site's zone
    ends_at: datetime.datetime
    room: Room | None
    action: str  # "create", "update" (or bring back), "keep", "cancel"
    session: Session | None = None
    clash: str = ""

    @property
    def day(self) -> datetime.date:
        """The day it happens on (a date moved alone may be on another day than its series date)."""
        return self.starts_at.date()


@dataclasses.dataclass
class Plan:
    series: Series
    occurrences: list[Occurrence]
    teams: list[Team] = dataclasses.field(default_factory=list)

    def _where(self, action: str) -> list[Occurrence]:
        return [o for o in self.occurrences if o.action == action and not o.clash]

    @property
    def creates(self) -> list[Occurrence]:
        return self._where("create")

    @property
    def updates(self) -> list[Occurrence]:
        return self._where("update")

    @property
    def cancels(self) -> list[Occurrence]:
        return self._where("cancel")

    @property
    def clashes(self) -> list[Occurrence]:
        return [o for o in self.occurrences if o.clash]

    @property
    def fingerprint(self) -> str:
        """A digest of everything the preview showed, so a confirmation can prove it saw this plan."""
        shown = [self.series.public_note, sorted(team.pk for team in self.teams)] + [
            (o.date.isoformat(), o.starts_at.isoformat(), o.ends_at.isoformat(), o.action, o.clash,
             o.room.pk if o.room else None)
            for o in self.occurrences
        ]
        return hashlib.sha256(repr(shown).encode()).hexdigest()[:32]


def series_plan(series: Series, *, teams: list[Team] = (), now: datetime.datetime | None = None) -> Plan:
    """Work out what publishing (or editing) the series would do to each future date, without saving.

    Four queries whatever the length: the stored series and its sessions, every session that
    could clash, the site's rooms, and the supervisor's time away.
    """
    now = now or timezone.now()
    zone = series.site.zone
    series_check(series)
    if series.pk is None and series.starts_on < now.astimezone(zone).date():
        raise ValidationError("The first date cannot be in the past. Choose today or a later date.", code="past")
    dates = [day for day in series_dates(series) if series_times(series, day)[0] > now]
    existing, stored = {}, None
    if series.pk:
        stored = Series.objects.select_related("site").get(pk=series.pk)
        existing = {s.occurrence_date: s for s in Session.objects.filter(series=series).select_related("site", "room")}
    # Sessions of this series that will follow the rule are replaced by the plan; the rest can clash.
    follows = {s.pk for s in existing.values() if s.starts_at > now and _follows_the_series(s, stored)}
    times = [series_times(series, day) for day in dates]
    others = [
        other for other in Session.objects.scheduled().between(
            min((t[0] for t in times), default=now), max((t[1] for t in times), default=now)
        ).filter(Q(site=series.site) | Q(supervisor=series.supervisor)).select_related("site", "room")
        if other.pk not in follows
    ]
    rooms = [room for room in Room.objects.filter(site=series.site, is_active=True).order_by("name")
             if room.is_suitable]
    holidays = {} if series.on_bank_holidays else bank_holidays(
        region=series.site.bank_holidays, first=series.starts_on, last=series.ends_on)
    away = days_away(supervisors=[series.supervisor_id], first=series.starts_on,
                     last=series.ends_on).get(series.supervisor_id, set())
    occurrences = []
    for day, (starts_at, ends_at) in zip(dates, times):
        session = existing.get(day)
        if session is not None and session.pk not in follows:
            if session.starts_at > now:
                occurrences.append(_as_it_is(session, "keep"))
            continue  # under way or over: the past is not changed
        overlapping = [s for s in others if s.starts_at < ends_at and s.ends_at > starts_at]
        room = series.room if series.room_id else _free_room(rooms, overlapping, current=session)
        clash = (_clash(overlapping, room=room, supervisor_id=series.supervisor_id)
                 or _clock_change(starts_at, ends_at)
                 or (f"Bank holiday ({holidays[day]})" if day in holidays and session is None else "")
                 or (f"{series.supervisor.public_name} is away" if day in away and session is None else ""))
        if session is not None and clash:
            occurrences.append(_as_it_is(session, "keep", clash))  # an existing session stays as it is
            continue
        occurrences.append(Occurrence(day, starts_at, ends_at, room, "update" if session else "create", session,
                                      clash))
    wanted = set(dates)
    for day, session in existing.items():
        if session.pk in follows and day not in wanted and not session.is_cancelled:
            occurrences.append(_as_it_is(session, "cancel"))
    occurrences.sort(key=lambda o: (o.date, o.starts_at))
    return Plan(series, occurrences, list(teams))


def _as_it_is(session: Session, action: str, clash: str = "") -> Occurrence:
    return Occurrence(session.occurrence_date, session.local_starts_at, session.local_ends_at, session.room, action,
                      session, clash)


def _follows_the_series(session: Session, stored: Series) -> bool:
    """Return whether a session still follows its series: not moved, re-roomed or cancelled on its own.

    Sessions the series itself cancelled (a weekday dropped) follow it, so the dates can come back.
    """
    if session.is_cancelled:
        return session.cancel_reason == CHANGED_REASON
    if (session.starts_at, session.ends_at) != series_times(stored, session.occurrence_date):
        return False
    return not stored.room_id or session.room_id == stored.room_id


def _free_room(rooms: list[Room], overlapping: list[Session], *, current: Session | None) -> Room | None:
    """Return the session's own room if it is still free, else the first suitable free room."""
    busy = {s.room_id for s in overlapping}
    if current is not None and current.room_id and current.room_id not in busy:
        return current.room
    return next((room for room in rooms if room.pk not in busy), None)


def _clash(overlapping: list[Session], *, room: Room | None, supervisor_id: int) -> str:
    for other in overlapping:
        when = f"{other.local_starts_at:%H:%M} at {other.site.name}"
        if other.supervisor_id == supervisor_id:
            return f"You already have a session at {when}"
        if room is not None and other.room_id == room.pk:
            return f"{room.name} is already booked at {when}"
    return ""


def _clock_change(starts_at: datetime.datetime, ends_at: datetime.datetime) -> str:
    """Times that fall where the clocks change would not make a session of the chosen length."""
    length = ends_at.astimezone(datetime.timezone.utc) - starts_at.astimezone(datetime.timezone.utc)
    if datetime.timedelta(0) < length <= MAX_SESSION_LENGTH:
        return ""
    return "The clocks change during these times"


def _new_session(series: Series, occurrence: Occurrence) -> Session:
    return Session(
        site=series.site, series=series, occurrence_date=occurrence.date, supervisor=series.supervisor,
        starts_at=occurrence.starts_at, ends_at=occurrence.ends_at, room=occurrence.room,
        kind=Session.Kind.REGULAR, public_note=series.public_note,
        room_booking=Session.RoomBooking.to_start_with(occurrence.room),
    )


def _audit_all(actor: User, sessions: list[Session], action: str, reason: str, before: dict | None = None) -> None:
    AuditEntry.objects.bulk_create([
        audit_entry(actor=actor, action=action, obj=s, before=(before or {}).get(s.pk), after=session_snapshot(s),
                    reason=reason)
        for s in sessions
    ])


def _set_teams(sessions: list[Session], teams: list[Team]) -> None:
    through = Session.audience_teams.through
    through.objects.filter(session__in=sessions).delete()
    through.objects.bulk_create([through(session_id=s.pk, team_id=t.pk) for s in sessions for t in teams])



def _bulk_publish(series: Series, occurrences: list[Occurrence], teams: list[Team], actor: User) -> None:
    sessions = [_new_session(series, occurrence) for occurrence in occurrences]
    with overlaps_refused():
        Session.objects.bulk_create(sessions)
    _set_teams(sessions, teams)
    _audit_all(actor, sessions, "create", "Regular series")


def _bulk_follow(series: Series, occurrences: list[Occurrence], teams: list[Team], actor: User) -> None:
    """Move existing sessions to the series' new times, room and note, keeping their identity."""
    sessions, before, now = [], {}, timezone.now()
    for occurrence in occurrences:
        session = occurrence.session
        before[session.pk] = session_snapshot(session)
        if (occurrence.starts_at, occurrence.ends_at, occurrence.room) != (
                session.starts_at, session.ends_at, session.room):
            session.room_booking = Session.RoomBooking.to_start_with(occurrence.room)
        session.starts_at, session.ends_at = occurrence.starts_at, occurrence.ends_at
        session.room = occurrence.room
        session.status, session.cancel_reason = Session.Status.SCHEDULED, ""
        session.public_note, session.updated_at = series.public_note, now
        session.sequence = F("sequence") + 1  # calendars take the newest copy
        sessions.append(session)
    with overlaps_refused():
        Session.objects.bulk_update(sessions, [
            "starts_at", "ends_at", "room", "room_booking", "status", "cancel_reason", "public_note", "updated_at",
            "sequence",
        ])
    _set_teams(sessions, teams)
    _audit_all(actor, sessions, "edit", CHANGED_REASON, before)


def _save_series(*, actor: User, series: Series, audience_teams: list[Team], fingerprint: str,
                 before: dict | None) -> Plan:
    """Check the confirmation against a fresh plan, then save the series (its clashes skipped) and audit it."""
    refuse_unless_supervisor(site=series.site, supervisor=series.supervisor)
    plan = series_plan(series, teams=audience_teams)
    _confirm(plan, fingerprint)
    if before is None and not plan.creates:
        raise ValidationError("These choices give no dates to publish. Change the days or the dates.",
                              code="no_dates")
    left_out = {o.date.isoformat() for o in plan.clashes if o.action == "create"}
    series.skip_dates = sorted({*series.skip_dates, *left_out})  # the series says what happened to them
    series.full_clean()
    series.save()
    series.audience_teams.set(audience_teams)
    audit_record(actor=actor, action="edit" if before else "create", obj=series, before=before,
                 after=_series_snapshot(series))
    return plan


@transaction.atomic
def series_publish(*, actor: User, series: Series, audience_teams: list[Team], fingerprint: str) -> Plan:
    """Save a new series and publish every date that does not clash; `fingerprint` is the previewed plan's."""
    plan = _save_series(actor=actor, series=series, audience_teams=audience_teams, fingerprint=fingerprint,
                        before=None)
    _bulk_publish(series, plan.creates, list(audience_teams), actor)
    return plan


@transaction.atomic
def series_change(*, actor: User, series: Series, audience_teams: list[Team], fingerprint: str) -> Plan:
    """Change a series from now on: past sessions stay as they were, future ones follow the new rule."""
    before = _series_snapshot(Series.objects.select_for_update().get(pk=series.pk))
    plan = _save_series(actor=actor, series=series, audience_teams=audience_teams, fingerprint=fingerprint,
                        before=before)
    sessions_cancel(actor=actor, sessions=[o.session for o in plan.cancels], reason=CHANGED_REASON)
    _bulk_follow(series, plan.updates, list(audience_teams), actor)
    _bulk_publish(series, plan.creates, list(audience_teams), actor)
    return plan


@transaction.atomic
def series_cancel_rest(*, actor: User, series: Series, reason: str) -> int:
    """Cancel every future session of the series in one step; the series ends today. Return how many."""
    if not reason.strip():
        raise ValidationError(CANCEL_REASON_NEEDED, code="reason")
    sessions = list(Session.objects.scheduled().filter(series=series, starts_at__gt=timezone.now())
                    .select_related("site", "room"))
    sessions_cancel(actor=actor, sessions=sessions, reason=reason.strip())
    before = _series_snapshot(series)
    today = timezone.now().astimezone(series.site.zone).date()
    series.ends_on = max(series.starts_on, min(series.ends_on, today))
    series.save(update_fields=["ends_on"])
    audit_record(actor=actor, action="cancel", obj=series, before=before, after=_series_snapshot(series),
                 reason=reason)
    return len(sessions)


def _confirm(plan: Plan, fingerprint: str) -> None:
    if fingerprint != plan.fingerprint:
        raise ValidationError("The dates have changed since the preview. Check the new preview, then confirm.",
                              code="stale_preview")


def _series_snapshot(series: Series) -> dict:
    return snapshot(series, ["site", "room", "supervisor", "every_weeks", "starts_on", "ends_on", "on_bank_holidays",
                             "start_time",
                             "end_time", "public_note"]) | {"weekdays": list(series.weekdays),
                                                            "skip_dates": list(series.skip_dates)}


def series_describe(series: Series) -> str:
    """Return the rule in words, e.g. “Every 2 weeks on Tuesday and Thursday”."""
    days = [WEEKDAY_NAMES[day] for day in sorted(series.weekdays)]
    every = "Every week" if series.every_weeks == 1 else f"Every {series.every_weeks} weeks"
    return f"{every} on {listed(days)}"
