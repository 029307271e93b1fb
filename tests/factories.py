"""Small make_* helpers that fill sensible defaults; tests name only what matters to them."""
import datetime
import itertools
import zoneinfo

from django.utils import timezone

from sessions_app.models import Attendance, Contract, Room, Series, Session, Site, Team, User

LONDON = zoneinfo.ZoneInfo("Europe/London")
_counter = itertools.count(1)


def local(year, month, day, hour=11, minute=30, zone=LONDON) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=zone)


def make_site(**fields) -> Site:
    n = next(_counter)
    fields.setdefault("name", f"HMP Test {n}")
    fields.setdefault("slug", f"hmp-test-{n}")
    return Site.objects.create(**fields)


def make_team(site: Site | None = None, **fields) -> Team:
    n = next(_counter)
    fields.setdefault("name", f"Team {n}")
    fields.setdefault("slug", f"team-{n}")
    return Team.objects.create(site=site or make_site(), **fields)


def make_room(site: Site | None = None, **fields) -> Room:
    fields.setdefault("name", f"Room {next(_counter)}")
    fields.setdefault("directions", "Healthcare corridor, second door on the left.")
    fields.setdefault("is_private", True)
    fields.setdefault("is_comfortable", True)
    fields.setdefault("is_not_working_office", True)
    return Room.objects.create(site=site or make_site(), **fields)


def make_user(**fields) -> User:
    n = next(_counter)
    fields.setdefault("username", f"user{n}")
    fields.setdefault("display_name", f"Supervisor {n}")
    fields.setdefault("role_title", "Senior Staff Nurse")
    return User.objects.create_user(**fields)


def session_fields(site=None, room=None, supervisor=None, starts_at=None, **fields) -> dict:
    """Return valid keyword arguments for a session, for tests that save in their own way."""
    site = site or (room.site if room else make_site())
    starts_at = starts_at or timezone.now() + datetime.timedelta(days=next(_counter))
    fields.setdefault("ends_at", starts_at + datetime.timedelta(hours=2))
    return {
        "site": site,
        "room": room if room is not None else make_room(site),
        "supervisor": supervisor or make_user(),
        "starts_at": starts_at,
        **fields,
    }


def make_session(site=None, room=None, supervisor=None, starts_at=None, audience=(), **fields) -> Session:
    session = Session.objects.create(**session_fields(site, room, supervisor, starts_at, **fields))
    if audience:
        session.audience_teams.set(audience)
    return session


CONTRACT_TEXT = {field: f"The text of {heading.lower()}." for field, heading in Contract.SECTIONS}


def make_contract(version=None, published=True, **fields) -> Contract:
    fields = {**CONTRACT_TEXT, **fields}
    if published:
        fields.setdefault("published_at", timezone.now())
    return Contract.objects.create(version=version or next(_counter), **fields)


def make_attendance(session=None, **fields) -> Attendance:
    return Attendance.objects.create(session=session or make_session(), **fields)


def make_supervisor(site: Site | None = None, **fields) -> User:
    """Return a supervisor of the site (of a new one if none is given)."""
    user = make_user(**fields)
    (site or make_site()).supervisors.add(user)
    return user


def make_manager(*sites: Site, **fields) -> User:
    """Return a manager of the sites named, or of all sites if none is."""
    user = make_user(manages_all_sites=not sites, **fields)
    for site in sites:
        site.managers.add(user)
    return user


def make_series_session(site=None, room=None, supervisor=None, **fields) -> Session:
    """Return a future session that is one date of a weekly series (the series holds only that date)."""
    site = site or (room.site if room else make_site())
    supervisor = supervisor or make_user()
    starts_at = fields.pop("starts_at", None) or lunchtime_in_days(next(_counter), site.zone)
    local_start = starts_at.astimezone(site.zone)
    # A series' times are times of day, so its end must fall on the same date as its start.
    local_end = min(local_start + datetime.timedelta(hours=2),
                    datetime.datetime.combine(local_start.date(), datetime.time(23, 59), tzinfo=site.zone))
    series = Series.objects.create(
        site=site, room=room, supervisor=supervisor, weekdays=[local_start.weekday()], starts_on=local_start.date(),
        ends_on=local_start.date(), start_time=local_start.time(), end_time=local_end.time(),
    )
    return make_session(site=site, room=room, supervisor=supervisor, starts_at=starts_at, ends_at=local_end,
                        series=series, occurrence_date=local_start.date(), kind=Session.Kind.REGULAR, **fields)


def noon_offset(day: datetime.date, zone=LONDON) -> datetime.timedelta:
    """Return how far ahead of UTC the zone's clocks are at midday on the day."""
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=zone).utcoffset()


def lunchtime_in_days(days: int, zone) -> datetime.datetime:
    """Return 12:30 at the site, `days` days from today there, so a test never depends on the hour it runs."""
    date = timezone.now().astimezone(zone).date() + datetime.timedelta(days=days)
    return datetime.datetime.combine(date, datetime.time(12, 30), tzinfo=zone)
