"""What staff see: the upcoming drop-ins, grouped the way people read a calendar."""
import datetime
from dataclasses import dataclass, field

from django.db.models import Min, QuerySet

from ..dates import week_of
from ..models import Room, Session, Site, Team


@dataclass
class Day:
    date: datetime.date
    sessions: list[Session] = field(default_factory=list)


@dataclass
class Place:
    room: Room
    site: Site


@dataclass
class Week:
    starts_on: datetime.date
    days: list[Day] = field(default_factory=list)

    @property
    def places(self) -> list[Place]:
        """Return the rooms with directions that this week's running sessions use, once each, first used first."""
        places: dict[int, Place] = {}
        for day in self.days:
            for session in day.sessions:
                if session.room is not None and session.room.directions and not session.is_cancelled:
                    # The session's site, already fetched: the room's own would cost a query per room.
                    places.setdefault(session.room_id, Place(room=session.room, site=session.site))
        return list(places.values())


def sessions_upcoming(
    *, now: datetime.datetime, weeks: int, site: Site | None = None, team: Team | None = None
) -> QuerySet[Session]:
    """Return sessions not yet over that start within `weeks` weeks, cancelled ones included."""
    sessions = _audience(Session.objects.between(now, now + datetime.timedelta(weeks=weeks)), site=site, team=team)
    return sessions.for_display().order_by("starts_at", "pk")


def first_later_start(*, now: datetime.datetime, weeks: int, site: Site | None = None,
                      team: Team | None = None) -> datetime.datetime | None:
    """Return when the first session published beyond the first `weeks` weeks starts; None if there is none."""
    later = Session.objects.filter(starts_at__gte=now + datetime.timedelta(weeks=weeks))
    return _audience(later, site=site, team=team).aggregate(first=Min("starts_at"))["first"]


def _audience(sessions: QuerySet[Session], *, site: Site | None, team: Team | None) -> QuerySet[Session]:
    if team is not None:
        return sessions.for_team(team)
    if site is not None:
        return sessions.at_site(site)
    return sessions


def session_leading(*, sessions: list[Session]) -> Session | None:
    """Return the session on now or next among these, in start order: the first not cancelled."""
    return next((session for session in sessions if not session.is_cancelled), None)


def sessions_by_week(*, sessions: list[Session]) -> list[Week]:
    """Group sessions by the Monday-to-Sunday week and day of their site's local date."""
    weeks: list[Week] = []
    # Sites may be in different time zones: order by local date first, so each day has one heading.
    for session in sorted(sessions, key=lambda session: (session.local_starts_at.date(), session.starts_at)):
        local_date = session.local_starts_at.date()
        monday = week_of(local_date)
        if not weeks or weeks[-1].starts_on != monday:
            weeks.append(Week(starts_on=monday))
        days = weeks[-1].days
        if not days or days[-1].date != local_date:
            days.append(Day(date=local_date))
        days[-1].sessions.append(session)
    return weeks
