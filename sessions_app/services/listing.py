"""What staff see: the upcoming drop-ins, grouped the way people read a calendar."""
import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet

from ..dates import week_of
from ..models import Feedback, Room, Session, Site, Team, User
from .tally import BUSY_AT, VERY_BUSY_AT
from .versioned import VersionedCache, aware, quoted_tables


@dataclass
class Day:
    date: datetime.date
    sessions: list[Session] = field(default_factory=list)


@dataclass
class Week:
    starts_on: datetime.date
    days: list[Day] = field(default_factory=list)


def sessions_upcoming(
    *, now: datetime.datetime, weeks: int, site: Site | None = None, team: Team | None = None
) -> QuerySet[Session]:
    """Return sessions not yet over that start within `weeks` weeks, cancelled ones included."""
    sessions = _audience(Session.objects.between(now, now + datetime.timedelta(weeks=weeks)), site=site, team=team)
    return sessions.for_display().order_by("starts_at", "pk")


def sessions_later(*, now: datetime.datetime, weeks: int, site: Site | None = None, team: Team | None = None) -> bool:
    """Return whether any session is published beyond the first `weeks` weeks."""
    later = Session.objects.filter(starts_at__gte=now + datetime.timedelta(weeks=weeks))
    return _audience(later, site=site, team=team).exists()


def _audience(sessions: QuerySet[Session], *, site: Site | None, team: Team | None) -> QuerySet[Session]:
    if team is not None:
        return sessions.for_team(team)
    if site is not None:
        return sessions.at_site(site)
    return sessions


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


# What a page shows, as one row the database gives cheaply: a built page is kept under it.


@dataclass(frozen=True)
class UpcomingVersion:
    site_slug: str | None
    weeks: int
    row: tuple

    @property
    def any_later(self) -> bool:
        """Whether a session at the site (or any) is published beyond `weeks`: those not over, less those within."""
        return self.row[0] > self.row[6]

    @property
    def any_quotes(self) -> bool:
        return bool(self.row[16])

    @property
    def site_known(self) -> bool:
        """Whether the site asked for exists: a page for a slug that doesn't (it shows every site) is not kept."""
        return bool(self.row[18])


def upcoming_version(*, site_slug: str | None, weeks: int, now: datetime.datetime) -> UpcomingVersion:
    """Return what the upcoming page shows, for one site or all, as one row from one plain SQL statement.

    It moves on with anything the page shows: a session added, changed, cancelled or deleted, its
    room, supervisor, site or audience teams renamed, how busy a session on now is (the word); time, as
    a session starts (“on now”), ends (it drops off) or comes within `weeks`; the sites and teams
    the filters offer; the approved comments. Every session not yet over at the site is counted,
    so one published beyond `weeks` moves it too (the “show more” link). Written out by hand for
    speed: the ORM spends longer building this than the database answering it.
    """
    session, site, room, team, feedback, audience, user = quoted_tables(
        Session, Site, Room, Team, Feedback, Session.audience_teams.through, User)
    stamp = connection.ops.adapt_datetimefield_value
    on_now_params = [*BUSYNESS_PARAMS, stamp(now), stamp(now)]
    at_site = labels_at_site = ""
    if site_slug is not None:
        labels_at_site = f"AND s2.site_id IN (SELECT id FROM {site} WHERE slug = %s)"
        at_site = "AND si.slug = %s"
        on_now_params.append(site_slug)
    params = [stamp(now), stamp(now + datetime.timedelta(weeks=weeks)), site_slug or "", *on_now_params, stamp(now),
              *([site_slug] if site_slug is not None else [])]
    # The sessions on now show how busy they are as a word: the page moves on when a word changes, and
    # never with a tally press that leaves every word as it was (a rebuilt page's time would count presses).
    sql = f"""
        SELECT COUNT(DISTINCT se.id), SUM(se.id), SUM(se.sequence), MAX(se.updated_at), 0,
               COUNT(DISTINCT CASE WHEN se.starts_at <= %s THEN se.id END),
               COUNT(DISTINCT CASE WHEN se.starts_at < %s THEN se.id END),
               MAX(si.updated_at), MAX(ro.updated_at), MAX(us.updated_at), COUNT(au.team_id), MAX(te.updated_at),
               (SELECT COUNT(*) FROM {site}), (SELECT MAX(updated_at) FROM {site}),
               (SELECT COUNT(*) FROM {team}), (SELECT MAX(updated_at) FROM {team}),
               (SELECT COUNT(*) FROM {feedback} WHERE approved), (SELECT SUM(id) FROM {feedback} WHERE approved),
               (SELECT COUNT(*) FROM {site} WHERE slug = %s), ({_busyness_words(session, labels_at_site)})
        FROM {session} se
        INNER JOIN {site} si ON si.id = se.site_id
        INNER JOIN {user} us ON us.id = se.supervisor_id
        LEFT OUTER JOIN {room} ro ON ro.id = se.room_id
        LEFT OUTER JOIN {audience} au ON au.session_id = se.id
        LEFT OUTER JOIN {team} te ON te.id = au.team_id
        WHERE se.ends_at > %s {at_site}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return UpcomingVersion(site_slug, weeks, tuple(cursor.fetchone()))


# The thresholds of the words staff see for a queue ("quiet", "busy", "very busy"), in the order the SQL asks.
BUSYNESS_PARAMS = [VERY_BUSY_AT, BUSY_AT]


def _busyness_word(column: str) -> str:
    """SQL for the word a session's queue shows, as 0, 1 or 2: never the number waiting."""
    return f"CASE WHEN {column} >= %s THEN 2 WHEN {column} >= %s THEN 1 ELSE 0 END"


def _busyness_words(session: str, at_site: str) -> str:
    """SQL for every session on now with its word, as one text: the same set of words gives the same text."""
    labels = (f"SELECT CAST(s2.id AS TEXT) || ':' || CAST({_busyness_word('s2.waiting')} AS TEXT) AS label "
              f"FROM {session} s2 WHERE s2.starts_at <= %s AND s2.ends_at > %s {at_site} ORDER BY s2.id")
    if connection.vendor == "postgresql":
        return f"SELECT string_agg(label, ',' ORDER BY label) FROM ({labels}) labels"
    return f"SELECT group_concat(label, ',') FROM ({labels}) labels"


BIGGEST_ID = 2**63 - 1


def session_version(*, pk: int, now: datetime.datetime) -> tuple | None:
    """Return what a session's page shows as one row, with where it stands in time; None for no such session."""
    if not 0 < pk <= BIGGEST_ID:
        return None
    session, site, room, team, audience, user = quoted_tables(
        Session, Site, Room, Team, Session.audience_teams.through, User)
    sql = f"""
        SELECT se.sequence, se.updated_at, se.status, {_busyness_word("se.waiting")}, se.starts_at, se.ends_at,
               si.updated_at, ro.updated_at, us.updated_at,
               (SELECT COUNT(*) FROM {audience} au WHERE au.session_id = se.id),
               (SELECT MAX(te.updated_at) FROM {audience} au INNER JOIN {team} te ON te.id = au.team_id
                WHERE au.session_id = se.id)
        FROM {session} se
        INNER JOIN {site} si ON si.id = se.site_id
        INNER JOIN {user} us ON us.id = se.supervisor_id
        LEFT OUTER JOIN {room} ro ON ro.id = se.room_id
        WHERE se.id = %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*BUSYNESS_PARAMS, pk])
        row = cursor.fetchone()
    if row is None:
        return None
    starts_at, ends_at = aware(row[4]), aware(row[5])
    phase = "finished" if ends_at <= now else "on now" if starts_at <= now else "to come"
    return (*row, phase)


# Built pages' main parts. Rendered without the request, so they can hold nothing of one visitor's:
# no CSP nonce, no CSRF token, nothing about who is signed in.
page_parts = VersionedCache()
