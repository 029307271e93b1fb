"""What needs a supervisor's attention: cover, rooms to book or chase, comments to approve, series ending."""
import dataclasses
import datetime

from django.db.models import QuerySet
from django.utils import timezone

from ..dates import working_days_before
from ..models import Series, Session, Site
from .cover import sessions_needing_cover
from .feedback import feedback_awaiting
from .room_requests import sessions_to_request

CONFIRM_ROOM_WITHIN = datetime.timedelta(days=7)
CHASE_AFTER_WORKING_DAYS = 3
SERIES_ENDING_WITHIN = datetime.timedelta(weeks=4)
NEEDS_COVER = "Needs cover: the supervisor is away"


def session_warnings(*, session: Session, now: datetime.datetime, clashes: set[int],
                     uncovered: set[int] = frozenset()) -> list[str]:
    """Return what needs the supervisor's attention before a session."""
    if session.is_cancelled:
        return []
    warnings = [NEEDS_COVER] if session.pk in uncovered else []
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


def sessions_warn(*, sessions: list[Session], now: datetime.datetime, uncovered: set[int] = frozenset()) -> None:
    """Give each session (in time order) its `warnings`, double-booking among them included."""
    clashes = supervisor_clashes(sessions=sessions)
    for session in sessions:
        session.warnings = session_warnings(session=session, now=now, clashes=clashes, uncovered=uncovered)


def rooms_to_chase(*, sites: QuerySet[Site], now: datetime.datetime) -> QuerySet[Session]:
    """Return sessions still to come whose room was requested more than 3 working days ago and not answered."""
    chase_before = working_days_before(timezone.localdate(now), CHASE_AFTER_WORKING_DAYS)
    return Session.objects.filter(
        site__in=sites, status=Session.Status.SCHEDULED, room_booking=Session.RoomBooking.REQUESTED,
        room_requested_on__lte=chase_before, ends_at__gt=now,
    ).for_display()


@dataclasses.dataclass
class NeedsAttention:
    cover: list[Session]
    to_request: list[Session]
    to_chase: list[Session]
    declined: list[Session]
    comments_waiting: int
    series_ending: list[Series]

    def __bool__(self) -> bool:
        return any([self.cover, self.to_request, self.to_chase, self.declined, self.comments_waiting,
                    self.series_ending])


def needs_attention(*, sites: QuerySet[Site] | list[Site], now: datetime.datetime) -> NeedsAttention:
    """Return what the workspace lists under "needs attention" for these sites (seven queries at most)."""
    today = timezone.localdate(now)
    coming = Session.objects.scheduled().filter(site__in=sites, ends_at__gt=now).for_display()
    return NeedsAttention(
        cover=sessions_needing_cover(sites=sites, now=now),
        to_request=list(sessions_to_request(sites=sites, now=now)),  # as the rooms page lists them, to send
        to_chase=list(rooms_to_chase(sites=sites, now=now)),
        declined=list(coming.filter(room_booking=Session.RoomBooking.DECLINED, room__isnull=True)),
        comments_waiting=feedback_awaiting(sites=sites).count(),
        series_ending=list(Series.objects.filter(site__in=sites, ends_on__gte=today,
                                                 ends_on__lte=today + SERIES_ENDING_WITHIN)
                           .select_related("site", "supervisor").order_by("ends_on", "pk")),
    )
