"""Regular sessions: a rule of weekdays every N weeks, previewed date by date before anything is published.

A plan is worked out in Python from two queries (the site's rooms and every session that could
clash), so a year of dates costs the same as a week. Publishing writes the sessions in bulk; on
PostgreSQL the exclusion constraints still refuse a clash that raced in after the preview.
"""
import dataclasses
import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ..models import AuditEntry, Room, Series, Session, Team, User
from ..models.sessions import MAX_SERIES_DAYS
from .audit import audit_record, session_snapshot, snapshot
from .scheduling import LUNCH_MARGIN, OVERLAP_MESSAGE

WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
CHANGED_REASON = "The regular sessions changed"


def series_dates(series: Series) -> list[datetime.date]:
    """Return every date the rule gives: its weekdays, in every Nth week from the first date's week."""
    first_monday = series.starts_on - datetime.timedelta(days=series.starts_on.weekday())
    skip = {datetime.date.fromisoformat(day) for day in series.skip_dates}
    dates, day = [], series.starts_on
    while day <= series.ends_on:
        week = (day - first_monday).days // 7
        if day.weekday() in series.weekdays and week % series.every_weeks == 0 and day not in skip:
            dates.append(day)
        day += datetime.timedelta(days=1)
    return dates


def series_times(series: Series, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    zone = series.site.zone
    return (datetime.datetime.combine(day, series.start_time, tzinfo=zone),
            datetime.datetime.combine(day, series.end_time, tzinfo=zone))


def default_times(site) -> tuple[datetime.time, datetime.time]:
    """Return the site's lunch window widened by 30 minutes each side, as times of day."""
    day = datetime.date(2000, 1, 3)
    starts = datetime.datetime.combine(day, site.lunch_starts_at) - LUNCH_MARGIN
    ends = datetime.datetime.combine(day, site.lunch_ends_at) + LUNCH_MARGIN
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
            series.starts_on, series.start_time) > datetime.timedelta(hours=4):
        errors.append(ValidationError("A session can be at most 4 hours long.", code="length"))
    if series.room_id and series.room.site_id != series.site_id:
        errors.append(ValidationError("This room is at another site. Choose a room at this site.", code="room_site"))
    if series.room_id and not series.room.is_active:
        errors.append(ValidationError("This room is no longer in use. Choose an active room.", code="room_inactive"))
    if errors:
        raise ValidationError(errors)


@dataclasses.dataclass
class Occurrence:
    """One date of a plan: what will happen to it, and why if it cannot."""

    date: datetime.date
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    room: Room | None
    action: str  # "create", "update", "keep", "cancel"
    session: Session | None = None
    clash: str = ""

    @property
    def publishes(self) -> bool:
        return self.action in ("create", "update") and not self.clash


@dataclasses.dataclass
class Plan:
    series: Series
    occurrences: list[Occurrence]

    @property
    def creates(self) -> list[Occurrence]:
        return [o for o in self.occurrences if o.action == "create" and not o.clash]

    @property
    def updates(self) -> list[Occurrence]:
        return [o for o in self.occurrences if o.action == "update" and not o.clash]

    @property
    def cancels(self) -> list[Occurrence]:
        return [o for o in self.occurrences if o.action == "cancel"]

    @property
    def clashes(self) -> list[Occurrence]:
        return [o for o in self.occurrences if o.clash]

    @property
    def fingerprint(self) -> str:
        """A short text naming every change, so a confirmation can prove it saw this plan."""
        return ";".join(f"{o.date:%Y%m%d}{o.action[0]}{'x' if o.clash else ''}{o.room.pk if o.room else ''}"
                        for o in self.occurrences)


def series_plan(series: Series, *, now: datetime.datetime | None = None) -> Plan:
    """Work out what publishing (or editing) the series would do to each future date, without saving."""
    now = now or timezone.now()
    series_check(series)
    if series.pk is None and series.starts_on < now.astimezone(series.site.zone).date():
        raise ValidationError("The first date cannot be in the past. Choose today or a later date.", code="past")
    dates = [day for day in series_dates(series) if series_times(series, day)[0] > now]
    existing, stored = {}, None
    if series.pk:
        stored = Series.objects.select_related("site").get(pk=series.pk)
        existing = {s.occurrence_date: s for s in
                    Session.objects.filter(series=series).select_related("site", "room")}
    starts = [series_times(series, day)[0] for day in dates]
    ends = [series_times(series, day)[1] for day in dates]
    others = Session.objects.scheduled().between(min(starts, default=now), max(ends, default=now)).filter(
        Q(site=series.site) | Q(supervisor=series.supervisor)
    ).select_related("site", "room")
    if series.pk:
        others = others.exclude(series=series.pk)
    others = list(others)
    rooms = [room for room in Room.objects.filter(site=series.site, is_active=True).order_by("name")
             if room.is_suitable]
    occurrences = []
    for day in dates:
        starts_at, ends_at = series_times(series, day)
        session = existing.get(day)
        if session is not None and session.starts_at <= now:
            continue  # moved into the past, or under way: the past is not changed
        if session is not None and (session.is_cancelled or _changed_alone(session, stored)):
            occurrences.append(Occurrence(day, session.starts_at, session.ends_at, session.room, "keep", session))
            continue
        overlapping = [s for s in others if s.starts_at < ends_at and s.ends_at > starts_at]
        room = series.room if series.room_id else _free_room(rooms, overlapping, current=session)
        clash = _clash(overlapping, room=room, supervisor_id=series.supervisor_id)
        if session is not None and clash:
            # An existing session the new rule would make clash stays as it is.
            occurrences.append(Occurrence(day, session.starts_at, session.ends_at, session.room, "keep", session,
                                          clash))
            continue
        occurrences.append(Occurrence(day, starts_at, ends_at, room, "create" if session is None else "update",
                                      session, clash))
    wanted = set(dates)
    for day, session in existing.items():
        if day not in wanted and not session.is_cancelled and session.starts_at > now:
            occurrences.append(Occurrence(day, session.starts_at, session.ends_at, session.room, "cancel", session))
    occurrences.sort(key=lambda o: o.date)
    return Plan(series, occurrences)


def _changed_alone(session: Session, stored: Series) -> bool:
    """A session moved, or re-roomed, on its own keeps its change when the series is edited."""
    if (session.starts_at, session.ends_at) != series_times(stored, session.occurrence_date):
        return True
    return bool(stored.room_id) and session.room_id != stored.room_id


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


def _new_session(series: Series, occurrence: Occurrence) -> Session:
    return Session(
        site=series.site, series=series, occurrence_date=occurrence.date, supervisor=series.supervisor,
        starts_at=occurrence.starts_at, ends_at=occurrence.ends_at, room=occurrence.room,
        kind=Session.Kind.REGULAR, public_note=series.public_note,
    )


def _bulk_publish(series: Series, occurrences: list[Occurrence], teams: list[Team], actor: User) -> list[Session]:
    sessions = [_new_session(series, occurrence) for occurrence in occurrences]
    try:
        with transaction.atomic():
            Session.objects.bulk_create(sessions)
    except IntegrityError:
        raise ValidationError(OVERLAP_MESSAGE, code="overlap")
    Through = Session.audience_teams.through
    Through.objects.bulk_create([Through(session_id=s.pk, team_id=t.pk) for s in sessions for t in teams])
    AuditEntry.objects.bulk_create([
        AuditEntry(actor=actor, action="create", session=s, object_type="session", object_id=s.pk,
                   after=session_snapshot(s), reason="Regular series")
        for s in sessions
    ])
    return sessions


@transaction.atomic
def series_publish(*, actor: User, series: Series, audience_teams: list[Team], fingerprint: str) -> Plan:
    """Save a new series and publish every date that does not clash; `fingerprint` is the previewed plan's."""
    plan = series_plan(series)
    _confirm(plan, fingerprint)
    if not plan.creates:
        raise ValidationError("These choices give no dates to publish. Change the days or the dates.",
                              code="no_dates")
    _skip_clashes(series, plan)
    series.full_clean()
    series.save()
    series.audience_teams.set(audience_teams)
    audit_record(actor=actor, action="create", obj=series, after=_series_snapshot(series))
    _bulk_publish(series, plan.creates, list(audience_teams), actor)
    return plan


@transaction.atomic
def series_change(*, actor: User, series: Series, audience_teams: list[Team], fingerprint: str) -> Plan:
    """Change a series from now on: past sessions stay as they were, future ones follow the new rule."""
    stored = Series.objects.select_for_update().get(pk=series.pk)
    before = _series_snapshot(stored)
    plan = series_plan(series)
    _confirm(plan, fingerprint)
    _skip_clashes(series, plan)
    series.full_clean()
    series.save()
    series.audience_teams.set(audience_teams)
    audit_record(actor=actor, action="edit", obj=series, before=before, after=_series_snapshot(series))
    for occurrence in plan.cancels:
        _cancel(actor, occurrence.session, CHANGED_REASON)
    for occurrence in plan.updates:
        session = occurrence.session
        session_before = session_snapshot(session)
        session.starts_at, session.ends_at = occurrence.starts_at, occurrence.ends_at
        if occurrence.room != session.room:
            session.room, session.room_booking = occurrence.room, Session.RoomBooking.NOT_NEEDED
        session.public_note = series.public_note
        session.full_clean()
        try:
            with transaction.atomic():
                session.save()
        except IntegrityError:
            raise ValidationError(OVERLAP_MESSAGE, code="overlap")
        session.audience_teams.set(audience_teams)
        audit_record(actor=actor, action="edit", obj=session, before=session_before,
                     after=session_snapshot(session), reason=CHANGED_REASON)
    _bulk_publish(series, plan.creates, list(audience_teams), actor)
    return plan


@transaction.atomic
def series_cancel_rest(*, actor: User, series: Series, reason: str) -> int:
    """Cancel every future session of the series in one step; the series ends today. Return how many."""
    if not reason.strip():
        raise ValidationError("Give a reason for cancelling, so staff know why.", code="reason")
    sessions = list(Session.objects.scheduled().filter(series=series, starts_at__gt=timezone.now())
                    .select_related("site", "room"))
    for session in sessions:
        _cancel(actor, session, reason.strip())
    before = _series_snapshot(series)
    series.ends_on = max(series.starts_on, min(series.ends_on, timezone.localdate()))
    series.save(update_fields=["ends_on"])
    audit_record(actor=actor, action="cancel", obj=series, before=before, after=_series_snapshot(series),
                 reason=reason)
    return len(sessions)


def _cancel(actor: User, session: Session, reason: str) -> None:
    before = session_snapshot(session)
    session.status, session.cancel_reason = Session.Status.CANCELLED, reason[:200]
    session.save(update_fields=["status", "cancel_reason"])
    audit_record(actor=actor, action="cancel", obj=session, before=before, after=session_snapshot(session),
                 reason=reason)


def _skip_clashes(series: Series, plan: Plan) -> None:
    """Dates left out because they clash become skipped dates, so the series says what happened."""
    left_out = {o.date.isoformat() for o in plan.clashes if o.action == "create"}
    series.skip_dates = sorted({*series.skip_dates, *left_out})


def _confirm(plan: Plan, fingerprint: str) -> None:
    if fingerprint != plan.fingerprint:
        raise ValidationError("The dates have changed since the preview. Check the new preview, then confirm.",
                              code="stale_preview")


def _series_snapshot(series: Series) -> dict:
    return snapshot(series, ["site", "room", "supervisor", "every_weeks", "starts_on", "ends_on", "start_time",
                             "end_time", "public_note"]) | {"weekdays": list(series.weekdays),
                                                            "skip_dates": list(series.skip_dates)}


def series_describe(series: Series) -> str:
    """Return the rule in words, e.g. “Every 2 weeks on Tuesday and Thursday”."""
    days = [WEEKDAY_NAMES[day] for day in sorted(series.weekdays)]
    joined = days[0] if len(days) == 1 else ", ".join(days[:-1]) + " and " + days[-1]
    every = "Every week" if series.every_weeks == 1 else f"Every {series.every_weeks} weeks"
    return f"{every} on {joined}"
