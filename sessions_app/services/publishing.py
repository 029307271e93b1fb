"""Every channel from the same published sessions: calendar feeds, the poster, the handover note and email.

A change to a session (cancelled, moved) reaches them all at once because they all read the
sessions table; calendars see it through the session's never-changing UID and growing SEQUENCE.
"""
import dataclasses
import datetime
import hashlib
import io
import zoneinfo

import icalendar
import segno
from django.conf import settings
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from ..dates import week_of
from ..models import Session, Site, Team, User

FEED_PAST = datetime.timedelta(days=30)
FEED_AHEAD = datetime.timedelta(weeks=26)
CANCELLED_KEPT = datetime.timedelta(days=60)  # long enough for every subscribed calendar to remove it
SUMMARY = "Drop-in supervision"
NO_APPOINTMENT = "No appointment needed: drop in at any time during the session."


# Calendar feeds


def feed_sessions(*, site: Site | None = None, team: Team | None = None, supervisor: User | None = None,
                  now: datetime.datetime) -> QuerySet[Session]:
    """Return the sessions a feed carries: the past 30 days and the next 26 weeks, each once.

    A feed is a site's, a team's, or a supervisor's own (the sessions she runs, at all her sites).
    Cancelled sessions stay for 60 days after they were cancelled, marked cancelled, so calendars
    that already have them remove them.
    """
    if supervisor is not None:
        sessions = Session.objects.filter(supervisor=supervisor)
    else:
        sessions = Session.objects.for_team(team) if team is not None else Session.objects.at_site(site)
    return sessions.filter(_feed_window(now))


def _feed_window(now: datetime.datetime) -> Q:
    """The sessions of a site that its feed carries: `feed_sessions`, as a condition on the session's own columns."""
    return (Q(ends_at__gt=now - FEED_PAST, starts_at__lt=now + FEED_AHEAD)
            & ~Q(status=Session.Status.CANCELLED, updated_at__lt=now - CANCELLED_KEPT))


@dataclasses.dataclass(frozen=True)
class Feed:
    body: bytes
    etag: str
    last_modified: datetime.datetime
    good_until: datetime.datetime


def _feed_day(now: datetime.datetime) -> datetime.datetime:
    # The window moves once a day, so the file holds all day; its ETag, a digest of the file, survives a
    # rebuild that changes nothing a calendar sees.
    return now.astimezone(datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


def _feed(sessions: list[Session], *, changed: list[datetime.datetime], name: str, time_zone: str,
          day: datetime.datetime, absolute) -> Feed:
    """Return the feed of these sessions, dated by the newest of `changed` and of what each session shows."""
    for session in sessions:
        changed += [session.updated_at, session.supervisor.updated_at, session.room.updated_at if session.room else day]
    last_modified = max(changed)
    body = calendar_for(sessions, name=name, time_zone=time_zone, absolute=absolute, now=day, stamp=last_modified)
    return Feed(body, hashlib.sha256(body).hexdigest()[:32], last_modified, day + datetime.timedelta(days=1))


def feed_for(*, site_slug: str, team_slug: str | None, now: datetime.datetime, absolute) -> Feed | None:
    """Return a site's or team's feed as it stands today (UTC); None for no such site or team."""
    day = _feed_day(now)
    if team_slug is None:
        site, team = Site.objects.filter(slug=site_slug).first(), None
    else:
        team = Team.objects.select_related("site").filter(site__slug=site_slug, slug=team_slug).first()
        site = team.site if team else None
    if site is None:
        return None
    sessions = list(feed_sessions(site=site, team=team, now=day)
                    .select_related("site", "room", "supervisor").order_by("starts_at", "pk"))
    changed = [day, site.updated_at, team.updated_at if team else day]
    if team:  # a session that left the team's feed is no longer in it, but moved on when it left
        changed.append(Session.objects.filter(site=site).aggregate(newest=Max("updated_at"))["newest"] or day)
    name = f"Drop-in supervision: {site.name}" + (f", {team.name}" if team else "")
    return _feed(sessions, changed=changed, name=name, time_zone=site.time_zone, day=day, absolute=absolute)


def supervisor_feed_for(*, supervisor: User, now: datetime.datetime, absolute) -> Feed:
    """Return a supervisor's private feed as it stands today (UTC): the sessions she runs, at all her sites."""
    day = _feed_day(now)
    sessions = list(feed_sessions(supervisor=supervisor, now=day)
                    .select_related("site", "room", "supervisor").order_by("starts_at", "pk"))
    # A session handed to a colleague leaves her feed, but it moved on when it left: it stays at her site.
    newest = (Session.objects.filter(Q(supervisor=supervisor) | Q(site__supervisors=supervisor))
              .aggregate(newest=Max("updated_at"))["newest"])
    # Times are in UTC; the zone only tells her calendar how to show them.
    time_zone = (supervisor.supervised_sites.order_by("name").values_list("time_zone", flat=True).first()
                 or settings.TIME_ZONE)
    return _feed(sessions, changed=[day, supervisor.updated_at, newest or day],
                 name=f"Drop-in supervision: sessions {supervisor.public_name} runs", time_zone=time_zone, day=day,
                 absolute=absolute)


def site_page_path(site: Site) -> str:
    """The upcoming page for one site: where the poster's QR code and the emails send staff."""
    return f"{reverse('upcoming')}?site={site.slug}"


def webcal(url: str) -> str:
    """Return a feed's address as webcal://, which opens the calendar app to subscribe."""
    return "webcal://" + url.split("://", 1)[1]


def event_uid(session: Session) -> str:
    """The UID a session keeps for ever, whatever changes, so calendars update it rather than add another."""
    return f"session-{session.pk}@{settings.DROPIN_CALENDAR_DOMAIN}"


def session_location(session: Session) -> str:
    if session.room is None:
        return f"Room to be confirmed, {session.site.name}"
    directions = f": {session.room.directions}" if session.room.directions else ""
    return f"{session.room.name}, {session.site.name}{directions}"


def session_description(session: Session, *, contract_url: str) -> str:
    lines = [NO_APPOINTMENT]
    if session.is_cancelled:
        lines.insert(0, f"Cancelled: {session.cancel_reason}")
    lines.append(f"Supervisor: {session.supervisor.public_name}"
                 + (f", {session.supervisor.role_title}" if session.supervisor.role_title else ""))
    if session.public_note:
        lines.append(session.public_note)
    lines.append(f"What stays confidential: {contract_url}")
    return "\n".join(lines)


def calendar_for(sessions, *, name: str, time_zone: str, absolute, now: datetime.datetime | None = None,
                 stamp: datetime.datetime | None = None) -> bytes:
    """Return an iCalendar file of the sessions. `absolute(path)` turns a path into a full address.

    Every event's DTSTAMP is `stamp` (when the file's content last changed), or `now`.

    Times are in UTC; the VTIMEZONE of `time_zone` (the site's) is included so calendars can show the local
    time, and so that a feed with no sessions yet is still a valid calendar with one component.
    """
    now = now or timezone.now()
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Drop-in//Drop-in supervision//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    calendar.add("x-wr-timezone", time_zone)
    calendar.add_component(icalendar.Timezone.from_tzinfo(
        zoneinfo.ZoneInfo(time_zone), tzid=time_zone, first_date=(now - FEED_PAST).date(),
        last_date=(now + FEED_AHEAD).date(),
    ))
    contract_url = absolute(reverse("contract"))
    for session in sessions:
        event = icalendar.Event()
        event.add("uid", event_uid(session))
        event.add("dtstamp", (stamp or now).astimezone(datetime.timezone.utc))
        event.add("created", session.created_at.astimezone(datetime.timezone.utc))
        event.add("last-modified", session.updated_at.astimezone(datetime.timezone.utc))
        event.add("dtstart", session.starts_at.astimezone(datetime.timezone.utc))
        event.add("dtend", session.ends_at.astimezone(datetime.timezone.utc))
        # Outlook shows a subscribed event marked CANCELLED as if it were on: say it in the title too.
        event.add("summary", f"Cancelled: {SUMMARY}" if session.is_cancelled else SUMMARY)
        event.add("location", session_location(session))
        event.add("description", session_description(session, contract_url=contract_url))
        event.add("url", absolute(session.get_absolute_url()))
        event.add("sequence", session.sequence)
        event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT")  # a drop-in does not make anyone busy
        calendar.add_component(event)
    return calendar.to_ical()


# The poster and the handover note


def poster_sessions(*, site: Site, now: datetime.datetime, weeks: int) -> QuerySet[Session]:
    """Return the scheduled sessions a poster or an email lists: what staff can come to."""
    return (Session.objects.scheduled().at_site(site).between(now, now + datetime.timedelta(weeks=weeks))
            .select_related("site", "room", "supervisor").order_by("starts_at", "pk"))


def qr_svg(url: str) -> bytes:
    """Return a QR code of the address as SVG, dark on white, with a quiet zone."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=4, xmldecl=False,
                                     title="QR code: the drop-in dates on your phone")
    return out.getvalue()


def handover_texts(*, sites, now: datetime.datetime) -> dict[int, str]:
    """Return each site's handover note, from one query whatever the number of sites."""
    coming: dict[int, list[Session]] = {site.pk: [] for site in sites}
    sessions = (Session.objects.scheduled().filter(site__in=list(coming), ends_at__gt=now,
                                                   starts_at__lt=now + datetime.timedelta(weeks=2))
                .select_related("site", "room").order_by("starts_at", "pk"))
    for session in sessions:
        coming[session.site_id].append(session)
    return {site.pk: _handover_text(site, coming[site.pk], now=now) for site in sites}


def _handover_week(site: Site, coming: list[Session], *, now: datetime.datetime) -> tuple[str, list[Session]]:
    """Return which week the note speaks of (“this week”, or “next week” when none are left) and its sessions."""
    today = now.astimezone(site.zone).date()
    monday = week_of(today)
    for label, start in (("this week", monday), ("next week", monday + datetime.timedelta(weeks=1))):
        end = datetime.datetime.combine(start + datetime.timedelta(weeks=1), datetime.time(), tzinfo=site.zone)
        sessions = [s for s in coming if s.starts_at < end]
        if sessions:
            return label, sessions
    return "this week", []


def _handover_text(site: Site, coming: list[Session], *, now: datetime.datetime) -> str:
    """Return a short note to read out at handover, e.g. “Drop-in supervision this week: Tue 11:30–13:30 …”."""
    label, sessions = _handover_week(site, coming, now=now)
    if not sessions:
        return (f"Drop-in supervision at {site.name}: no sessions are published for this week or next. "
                "Check the drop-in page for new dates.")
    times = " and ".join(f"{s.local_starts_at:%a %H:%M}–{s.local_ends_at:%H:%M}" for s in sessions)
    rooms = {s.room_id for s in sessions}
    if len(rooms) == 1 and sessions[0].room is not None:
        room = sessions[0].room
        where = f", {room.name}" + (f" ({room.directions.rstrip('.')})" if room.directions else "")
    else:
        where = ", " + "; ".join(
            f"{s.local_starts_at:%a}: {s.room.name if s.room else 'room to be confirmed'}" for s in sessions)
    return f"Drop-in supervision {label}: {times}{where}. No appointment needed."
