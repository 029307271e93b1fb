"""Publishing dates: ad hoc and extra sessions, cancelling and moving, with the audit kept."""
import contextlib
import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import AuditEntry, Room, Session, Site, TallyStep, Team, User
from ..models.sessions import CANCEL_REASON_NEEDED, IS_CANCELLED, NOT_SITE_SUPERVISOR
from .audit import audit_entry, audit_record, session_snapshot, snapshot

LUNCH_MARGIN = datetime.timedelta(minutes=30)
OVERLAP_MESSAGE = "This room or supervisor already has a session at that time. Choose another room or time."
DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE
ENDED_MESSAGE = ("This session has ended, so it cannot be cancelled or moved: its counts are part of its month's "
                 "figures. If the counts are wrong, correct the totals on the session's page and give a reason.")


def lunch_window(*, site: Site, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Return the default session for a day: 30 minutes before lunch to 30 minutes after, in the site's zone."""
    starts = datetime.datetime.combine(day, site.lunch_starts_at, tzinfo=site.zone) - LUNCH_MARGIN
    ends = datetime.datetime.combine(day, site.lunch_ends_at, tzinfo=site.zone) + LUNCH_MARGIN
    return starts, ends


def at_site(site: Site, day: datetime.date, time: datetime.time) -> datetime.datetime:
    """Return a day and time of day where the site is, as an aware moment."""
    return datetime.datetime.combine(day, time, tzinfo=site.zone)


def room_free(*, site: Site, starts_at: datetime.datetime, ends_at: datetime.datetime) -> Room | None:
    """Return the site's first suitable active room with nothing booked at that time, if any."""
    busy = Session.objects.scheduled().overlapping(starts_at, ends_at).filter(room__isnull=False).values("room")
    rooms = Room.objects.filter(site=site, is_active=True).exclude(pk__in=busy).order_by("name")
    return next((room for room in rooms if room.is_suitable), None)


@contextlib.contextmanager
def overlaps_refused():
    """Run writes in a savepoint; a clash the database catches (PostgreSQL, a race) gets the plain message.

    Two clashing sessions written at the same instant can each wait for the other's row. PostgreSQL
    then stops one writer with a deadlock error: the same clash, seen from the other side.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise ValidationError(OVERLAP_MESSAGE, code="overlap")
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) != DEADLOCK_DETECTED:
            raise
        raise ValidationError(OVERLAP_MESSAGE, code="overlap")


def save_checked(session: Session) -> None:
    """Validate and save, with the same plain message for a clash only the database sees."""
    session.full_clean()
    with overlaps_refused():
        session.save()


def refuse_ended(sessions: list[Session]) -> None:
    # A published month's figures change only through audited corrections.
    if any(session.ends_at <= timezone.now() for session in sessions):
        raise ValidationError(ENDED_MESSAGE, code="ended")


def refuse_unless_supervisor(*, site: Site, supervisor: User) -> None:
    """Refuse a supervisor who does not supervise at the site: staff would be told the wrong person."""
    if not site.supervisors.filter(pk=supervisor.pk, is_active=True).exists():
        raise ValidationError(NOT_SITE_SUPERVISOR, code="not_site_supervisor")


def _refuse_past(starts_at: datetime.datetime) -> None:
    if starts_at < timezone.now():
        raise ValidationError("A session cannot start in the past. Choose a later date or time.", code="past")


@transaction.atomic
def session_create(
    *, actor: User, site: Site, supervisor: User, starts_at: datetime.datetime, ends_at: datetime.datetime,
    room: Room | None, kind: str = Session.Kind.AD_HOC, audience_teams: list[Team] = (), public_note: str = "",
    room_booking: str | None = None,
) -> Session:
    """Publish one session, or raise ValidationError with a sentence a person can act on."""
    _refuse_past(starts_at)
    refuse_unless_supervisor(site=site, supervisor=supervisor)
    session = Session(site=site, supervisor=supervisor, starts_at=starts_at, ends_at=ends_at, room=room, kind=kind,
                      public_note=public_note,
                      room_booking=room_booking or Session.RoomBooking.to_start_with(room))
    save_checked(session)
    session.audience_teams.set(audience_teams)
    audit_record(actor=actor, action="create", obj=session, after=session_snapshot(session))
    return session


def session_add(
    *, actor: User, site: Site, supervisor: User, day: datetime.date, start_time: datetime.time | None = None,
    end_time: datetime.time | None = None, room: Room | None = None, kind: str = Session.Kind.AD_HOC,
    audience_teams: list[Team] = (), public_note: str = "",
) -> Session:
    """Publish a session on a day: by default from 30 minutes before lunch to 30 after, in the first suitable free room."""
    starts_at, ends_at = lunch_window(site=site, day=day)
    if start_time:
        starts_at = at_site(site, day, start_time)
    if end_time:
        ends_at = at_site(site, day, end_time)
    room = room or room_free(site=site, starts_at=starts_at, ends_at=ends_at)
    return session_create(actor=actor, site=site, supervisor=supervisor, starts_at=starts_at, ends_at=ends_at,
                          room=room, kind=kind, audience_teams=audience_teams, public_note=public_note)


@transaction.atomic
def session_cancel(*, actor: User, session: Session, reason: str) -> Session:
    """Cancel a session; it stays, so calendars and reports still see it."""
    if not reason.strip():
        raise ValidationError(CANCEL_REASON_NEEDED, code="reason")
    sessions_cancel(actor=actor, sessions=[session], reason=reason.strip())
    return session


def sessions_cancel(*, actor: User, sessions: list[Session], reason: str) -> None:
    """Cancel sessions in one statement, with one audit entry each; every row stays for calendars and reports."""
    refuse_ended(sessions)
    before = {s.pk: session_snapshot(s) for s in sessions}
    Session.objects.filter(pk__in=[s.pk for s in sessions]).update(
        status=Session.Status.CANCELLED, cancel_reason=reason[:200], waiting=0, in_session=0,
        sequence=F("sequence") + 1, updated_at=timezone.now(),
    )
    TallyStep.objects.filter(session__in=[s.pk for s in sessions]).delete()  # it can no longer be tallied
    for session in sessions:
        session.status, session.cancel_reason = Session.Status.CANCELLED, reason[:200]
        session.waiting = session.in_session = 0
        session.sequence += 1
    AuditEntry.objects.bulk_create([
        audit_entry(actor=actor, action="cancel", obj=s, before=before[s.pk], after=session_snapshot(s), reason=reason)
        for s in sessions
    ])


@transaction.atomic
def session_move(*, actor: User, session: Session, starts_at: datetime.datetime, ends_at: datetime.datetime,
                 room: Room | None, reason: str) -> Session:
    """Move a session to a new time or room, keeping its identity (calendars update, not duplicate)."""
    if session.is_cancelled:
        raise ValidationError(IS_CANCELLED, code="cancelled")
    refuse_ended([session])
    _refuse_past(starts_at)
    before = session_snapshot(session)
    if (starts_at, ends_at, room) != (session.starts_at, session.ends_at, session.room):
        # A booking was for that room at that time: a new time or room is asked for afresh.
        session.room_booking = Session.RoomBooking.to_start_with(room)
    session.starts_at, session.ends_at, session.room = starts_at, ends_at, room
    session.public_note = (f"Moved: {reason.strip()}" if reason.strip() else session.public_note)[:300]
    save_checked(session)
    audit_record(actor=actor, action="move", obj=session, before=before, after=session_snapshot(session),
                 reason=reason)
    return session


def booking_changed(session: Session, *, status: str, note: str, today: datetime.date) -> None:
    """Set a session's room booking, unsaved: requested keeps the day; declined leaves it needing a room."""
    session.room_booking = status
    if status == Session.RoomBooking.REQUESTED:
        session.room_requested_on = today
    if status == Session.RoomBooking.DECLINED:
        session.room = None
    session.room_booking_note = note.strip()


@transaction.atomic
def room_booking_set(*, actor: User, session: Session, status: str, note: str = "") -> Session:
    """Move a session's room booking on: requested → confirmed or declined. Declined leaves it needing a room."""
    before = session_snapshot(session)
    booking_changed(session, status=status, note=note, today=timezone.localdate())
    save_checked(session)
    audit_record(actor=actor, action="room_booking", obj=session, before=before, after=session_snapshot(session),
                 reason=note)
    return session


@transaction.atomic
def room_save(*, actor: User, room: Room) -> Room:
    """Save a room's details and record the change."""
    before = None
    if room.pk:
        stored = Room.objects.filter(pk=room.pk).first()
        before = snapshot(stored) if stored else None
    room.save()
    audit_record(actor=actor, action="edit" if before else "create", obj=room, before=before, after=snapshot(room))
    return room
