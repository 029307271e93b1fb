"""Email announcements: the poster's content, with links, sent to a site's distribution lists.

Every sending is recorded with the sessions it listed (id and sequence), so a short "changes"
email can later say exactly what was cancelled, moved or added since.
"""
import dataclasses
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ..models import Announcement, Session, Site, User

MAX_WEEKS = 12


@dataclasses.dataclass
class Email:
    site: Site
    kind: str
    starts_on: datetime.date
    ends_on: datetime.date
    subject: str
    text: str
    html: str
    listed: dict[str, int]  # every session the email describes, with its sequence
    changes: list = dataclasses.field(default_factory=list)


def period_for(*, site: Site, weeks: int, now: datetime.datetime | None = None) -> tuple[datetime.date, datetime.date]:
    """Return the dates an announcement of `weeks` weeks from today covers, in the site's zone."""
    today = (now or timezone.now()).astimezone(site.zone).date()
    return today, today + datetime.timedelta(weeks=weeks, days=-1)


def _sessions_in(site: Site, starts_on: datetime.date, ends_on: datetime.date, *, now: datetime.datetime):
    start = max(now, datetime.datetime.combine(starts_on, datetime.time(), tzinfo=site.zone))
    end = datetime.datetime.combine(ends_on + datetime.timedelta(days=1), datetime.time(), tzinfo=site.zone)
    return (Session.objects.at_site(site).between(start, end).select_related("site", "room", "supervisor")
            .order_by("starts_at", "pk"))


def _links(site: Site, base_url: str) -> dict[str, str]:
    base = base_url.rstrip("/")
    feed = base + reverse("calendar_site", args=[site.slug])
    return {
        "page_url": f"{base}{reverse('upcoming')}?site={site.slug}",
        "feed_url": feed,
        "webcal_url": "webcal://" + feed.split("://", 1)[1],
        "contract_url": base + reverse("contract"),
        "base_url": base,
    }


def _render(kind: str, context: dict) -> tuple[str, str]:
    return (render_to_string(f"emails/{kind}.txt", context).strip() + "\n",
            render_to_string(f"emails/{kind}.html", context))


def announcement_build(*, site: Site, starts_on: datetime.date, ends_on: datetime.date, base_url: str,
                       now: datetime.datetime | None = None) -> Email:
    """Build the announcement of a period's scheduled sessions, as plain text and HTML."""
    now = now or timezone.now()
    sessions = [s for s in _sessions_in(site, starts_on, ends_on, now=now) if not s.is_cancelled]
    rooms = sorted({s.room for s in sessions if s.room is not None}, key=lambda room: room.name)
    context = {"site": site, "sessions": sessions, "rooms": rooms, "starts_on": starts_on, "ends_on": ends_on,
               **_links(site, base_url)}
    text, html = _render("announcement", context)
    subject = f"Drop-in supervision at {site.name}: {starts_on:%-d %B} to {ends_on:%-d %B}"
    return Email(site, Announcement.Kind.ANNOUNCEMENT, starts_on, ends_on, subject, text, html,
                 {str(s.pk): s.sequence for s in sessions})


@dataclasses.dataclass
class Change:
    session: Session
    what: str  # "cancelled", "changed", "added"


def changes_build(*, site: Site, base_url: str, now: datetime.datetime | None = None) -> Email | None:
    """Build a short email of what changed since the site's last email, or None when nothing was sent yet."""
    now = now or timezone.now()
    last = site.announcements.first()
    if last is None:
        return None
    changes = []
    listed = {}
    for session in _sessions_in(site, last.starts_on, last.ends_on, now=now):
        before = last.sessions.get(str(session.pk))
        if not session.is_cancelled:
            listed[str(session.pk)] = session.sequence
        if before is None and not session.is_cancelled:
            changes.append(Change(session, "added"))
        elif before is not None and session.is_cancelled:
            changes.append(Change(session, "cancelled"))
        elif before is not None and session.sequence > before:
            changes.append(Change(session, "changed"))
    context = {"site": site, "changes": changes, "starts_on": last.starts_on, "ends_on": last.ends_on,
               "last": last, **_links(site, base_url)}
    text, html = _render("changes", context)
    subject = f"Changes to drop-in supervision at {site.name}"
    return Email(site, Announcement.Kind.CHANGES, last.starts_on, last.ends_on, subject, text, html, listed, changes)


def sent_before(email: Email) -> Announcement | None:
    """Return an earlier sending of the same kind, site and period, if any."""
    return Announcement.objects.filter(site=email.site, kind=email.kind, starts_on=email.starts_on,
                                       ends_on=email.ends_on).select_related("sent_by").first()


class AlreadySent(ValidationError):
    def __init__(self, previous: Announcement):
        when = timezone.localtime(previous.sent_at)
        super().__init__(
            f"This was already sent on {when:%-d %B at %H:%M} to {previous.recipients} "
            f"address{'es' if previous.recipients != 1 else ''}. Send it again only if you mean to.",
            code="already_sent",
        )
        self.previous = previous


@transaction.atomic
def email_send(email: Email, *, actor: User | None, again: bool = False) -> Announcement:
    """Send an announcement or changes email to the site's distribution addresses and record it.

    A second sending of the same kind, site and period needs `again`; a changes email with
    no changes is not sent.
    """
    addresses = email.site.addresses
    if not addresses:
        raise ValidationError("This site has no distribution addresses yet. Add them, then send.", code="no_addresses")
    if email.kind == Announcement.Kind.CHANGES and not email.changes:
        raise ValidationError("Nothing has changed since the last email.", code="no_changes")
    previous = sent_before(email) if email.kind == Announcement.Kind.ANNOUNCEMENT else None
    if previous is not None and not again:
        raise AlreadySent(previous)
    message = EmailMultiAlternatives(email.subject, email.text, settings.DEFAULT_FROM_EMAIL, to=addresses)
    message.attach_alternative(email.html, "text/html")
    record = Announcement.objects.create(site=email.site, kind=email.kind, starts_on=email.starts_on,
                                         ends_on=email.ends_on, sent_by=actor, recipients=len(addresses),
                                         sessions=email.listed)
    message.send()
    return record
