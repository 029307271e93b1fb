"""What needs a supervisor's attention: rooms not booked in time, double-booked supervisors, bookings to chase."""
import datetime

from django.db.models import QuerySet
from django.utils import timezone

from ..dates import working_days_before
from ..models import Session, Site

CONFIRM_ROOM_WITHIN = datetime.timedelta(days=7)
CHASE_AFTER_WORKING_DAYS = 3


def session_warnings(*, session: Session, now: datetime.datetime, clashes: set[int]) -> list[str]:
    """Return what needs the supervisor's attention before a session."""
    if session.is_cancelled:
        return []
    warnings = []
    if session.room_id is None:
        warnings.append("No room yet" if session.room_booking != Session.RoomBooking.DECLINED
                        else "The room was declined: find another room")
    elif session.room_booking != Session.RoomBooking.CONFIRMED and session.starts_at - now <= CONFIRM_ROOM_WITHIN:
        if session.room_booking != Session.RoomBooking.NOT_NEEDED:
            warnings.append("Room not confirmed and the session is within 7 days")
    if session.pk in clashes:
        warnings.append("The supervisor is double-booked")
    return warnings


def supervisor_clashes(*, sessions: list[Session]) -> set[int]:
    """Return ids of scheduled sessions whose supervisor has another overlapping one in the list (in time order)."""
    clashes = set()
    scheduled = [s for s in sessions if not s.is_cancelled]
    for i, first in enumerate(scheduled):
        for second in scheduled[i + 1:]:
            if second.starts_at >= first.ends_at:
                break
            if second.supervisor_id == first.supervisor_id:
                clashes.update({first.pk, second.pk})
    return clashes


def sessions_warn(*, sessions: list[Session], now: datetime.datetime) -> None:
    """Give each session (in time order) its `warnings`, double-booking among them included."""
    clashes = supervisor_clashes(sessions=sessions)
    for session in sessions:
        session.warnings = session_warnings(session=session, now=now, clashes=clashes)


def rooms_to_chase(*, sites: QuerySet[Site], now: datetime.datetime) -> QuerySet[Session]:
    """Return sessions still to come whose room was requested more than 3 working days ago and not answered."""
    chase_before = working_days_before(timezone.localdate(now), CHASE_AFTER_WORKING_DAYS)
    return Session.objects.filter(
        site__in=sites, status=Session.Status.SCHEDULED, room_booking=Session.RoomBooking.REQUESTED,
        room_requested_on__lte=chase_before, ends_at__gt=now,
    ).for_display()
