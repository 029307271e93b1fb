"""Email announcements: the poster's content, with links, sent to a site's distribution lists.

Every sending is recorded with the sessions it listed (id and sequence), so a short "changes"
email can later say exactly what was cancelled, moved or added since.
"""
import dataclasses
import datetime
import hashlib
import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ..models import Announcement, AuditEntry, Room, Session, Site, User
from .audit import audit_record
from .publishing import site_page_path, webcal

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
    listed: dict[str, dict]  # every session the email describes: when and where
    changes: list = dataclasses.field(default_factory=list)

    @property
    def digest(self) -> str:
        """A short fingerprint of what the preview showed, so sending can prove it is the same email."""
        return hashlib.sha256(f"{self.subject}\n{self.text}".encode()).hexdigest()[:24]


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
        "page_url": base + site_page_path(site),
        "feed_url": feed,
        "webcal_url": webcal(feed),
        "contract_url": base + reverse("contract"),
        "base_url": base,
    }


def _one_line(text: str) -> str:
    """An email header is one line: whitespace of any kind (a newline in a site's name) becomes a space."""
    return " ".join(text.split())


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
    subject = _one_line(f"Drop-in supervision at {site.name}: {starts_on:%-d %B} to {ends_on:%-d %B}")
    return Email(site, Announcement.Kind.ANNOUNCEMENT, starts_on, ends_on, subject, text, html, _listing(sessions))


def _listing(sessions) -> dict[str, dict]:
    """What an email told staff about each session: when and where, to compare with later."""
    return {str(s.pk): {"starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat(), "room": s.room_id,
                        "booking": s.room_booking}
            for s in sessions}


def _moved(session: Session, before: dict) -> bool:
    return (session.starts_at.isoformat(), session.ends_at.isoformat(), session.room_id) != (
        before.get("starts_at"), before.get("ends_at"), before.get("room"))


def _room_to_confirm(session: Session, before: dict) -> bool:
    """Return whether the session lost its room since (cleared, or declined by whoever books it)."""
    cleared = session.room_id is None and before.get("room") is not None
    declined = session.room_booking == Session.RoomBooking.DECLINED and before.get("booking") != session.room_booking
    return cleared or declined


@dataclasses.dataclass
class Change:
    session: Session
    what: str  # "cancelled", "moved", "room to confirm", "added"
    was: Session | None = None  # for a move: where and when it was (not saved)
    reason: str = ""


def _moves(site: Site, moved: list[tuple[Session, dict]]) -> list[Change]:
    """Return the moves with where and when each session was, and the reason given (two queries in all)."""
    rooms = Room.objects.in_bulk([before["room"] for _, before in moved if before.get("room")])
    reasons = dict(AuditEntry.objects.filter(session__in=[s for s, _ in moved], action="move")
                   .order_by("session_id", "at", "pk").values_list("session_id", "reason"))  # the latest wins
    return [Change(session, "moved", Session(
        site=site, starts_at=datetime.datetime.fromisoformat(before["starts_at"]),
        ends_at=datetime.datetime.fromisoformat(before["ends_at"]), room=rooms.get(before.get("room"))),
        reasons.get(session.pk, "")) for session, before in moved]


def changes_build(*, site: Site, base_url: str, now: datetime.datetime | None = None) -> Email | None:
    """Build a short email of what changed since the site's last email, or None when nothing was sent yet.

    It compares what the last email said of each session (when and where) with the sessions now:
    those cancelled, those moved (even out of the period), and new ones in the period. A change
    staff would not notice, such as a room booking confirmed, is not news.
    """
    now = now or timezone.now()
    last = site.announcements.first()
    if last is None:
        return None
    in_period = list(_sessions_in(site, last.starts_on, last.ends_on, now=now))
    told = (Session.objects.filter(pk__in=[int(pk) for pk in last.sessions], ends_at__gt=now)
            .exclude(pk__in=[s.pk for s in in_period]).select_related("site", "room", "supervisor"))
    changes, moved = [], []
    for session in sorted([*in_period, *told], key=lambda s: (s.starts_at, s.pk)):
        before = last.sessions.get(str(session.pk))
        if before is None:
            if not session.is_cancelled:
                changes.append(Change(session, "added"))
        elif session.is_cancelled:
            changes.append(Change(session, "cancelled"))
        elif _room_to_confirm(session, before) and (
                session.starts_at.isoformat(), session.ends_at.isoformat()) == (before["starts_at"], before["ends_at"]):
            changes.append(Change(session, "room to confirm"))
        elif _moved(session, before):
            moved.append((session, before))
    changes = sorted([*changes, *_moves(site, moved)], key=lambda c: (c.session.starts_at, c.session.pk))
    context = {"site": site, "changes": changes, "starts_on": last.starts_on, "ends_on": last.ends_on,
               "last": last, **_links(site, base_url)}
    text, html = _render("changes", context)
    subject = _one_line(f"Changes to drop-in supervision at {site.name}")
    listed = _listing([s for s in in_period if not s.is_cancelled])
    return Email(site, Announcement.Kind.CHANGES, last.starts_on, last.ends_on, subject, text, html, listed, changes)


def changes_send_now(*, session: Session, actor: User, base_url: str) -> str:
    """Send the site's changes email straight after a session is cancelled or moved; say what happened.

    The session is already changed. Nothing is sent unless the email tells staff about this session (a
    date the last email never listed is not news to them), nor when the mail server refuses it: the
    change stays made, to be announced later from "Announce".
    """
    email = changes_build(site=session.site, base_url=base_url)
    if email is None:
        return ("No email was sent: this site has had no announcement yet to say what changed since. "
                "Announce the dates from “Announce”.")
    if not any(change.session.pk == session.pk for change in email.changes):
        return ("No email was sent: the last email to staff did not list this date, so there is no change to "
                "tell them. Announce the dates from “Announce” to include it.")
    try:
        record = email_send(email, actor=actor)
    except ValidationError as error:
        return "No email was sent: " + " ".join(error.messages)
    others = len(email.changes) - 1
    return (f"The changes email went to {record.recipients} address{'es' if record.recipients != 1 else ''}"
            + (f", with {others} other change{'s' if others != 1 else ''} since the last email." if others else "."))


def sent_before(email: Email) -> Announcement | None:
    """Return an earlier sending of the same kind, site and period, if any."""
    return Announcement.objects.filter(site=email.site, kind=email.kind, starts_on=email.starts_on,
                                       ends_on=email.ends_on).select_related("site", "sent_by").first()


class AlreadySent(ValidationError):
    def __init__(self, previous: Announcement):
        when = previous.sent_at.astimezone(previous.site.zone)
        super().__init__(
            f"This was already sent on {when:%-d %B at %H:%M} to {previous.recipients} "
            f"address{'es' if previous.recipients != 1 else ''}. Send it again only if you mean to.",
            code="already_sent",
        )
        self.previous = previous


def site_addresses_save(*, actor: User, site: Site, addresses: str) -> None:
    """Keep a site's distribution addresses (one a line), with the change in the audit."""
    if addresses == site.announcement_addresses.strip():
        return
    before = {"announcement_addresses": site.announcement_addresses}
    site.announcement_addresses = addresses
    site.save(update_fields=["announcement_addresses"])
    audit_record(actor=actor, action="edit", obj=site, before=before, after={"announcement_addresses": addresses},
                 reason="Distribution addresses")


@transaction.atomic
def email_send_to(email: Email, *, actor: User, addresses: str, again: bool = False) -> Announcement:
    """Save the site's addresses if they changed, then send; an email that does not go keeps neither."""
    site_addresses_save(actor=actor, site=email.site, addresses=addresses)
    return email_send(email, actor=actor, again=again)


@transaction.atomic
def email_send(email: Email, *, actor: User | None, again: bool = False) -> Announcement:
    """Send an announcement or changes email to the site's distribution addresses and record it.

    A second sending of the same kind, site and period needs `again`; a changes email with
    no changes is not sent.
    """
    Site.objects.select_for_update().filter(pk=email.site.pk).first()  # one sending at a time per site
    addresses = email.site.addresses
    if not addresses:
        raise ValidationError("This site has no distribution addresses yet. Add them, then send.", code="no_addresses")
    if email.kind == Announcement.Kind.CHANGES and not email.changes:
        raise ValidationError("Nothing has changed since the last email.", code="no_changes")
    previous = sent_before(email) if email.kind == Announcement.Kind.ANNOUNCEMENT else None
    if previous is not None and not again:
        raise AlreadySent(previous)
    # Recipients in Bcc: a list of people's own addresses must not be shown to everyone on it.
    message = EmailMultiAlternatives(email.subject, email.text, settings.DEFAULT_FROM_EMAIL, bcc=addresses)
    message.attach_alternative(email.html, "text/html")
    record = Announcement.objects.create(site=email.site, kind=email.kind, starts_on=email.starts_on,
                                         ends_on=email.ends_on, sent_by=actor, recipients=len(addresses),
                                         sessions=email.listed)
    try:
        message.send()
    except (smtplib.SMTPException, OSError, BadHeaderError) as error:
        # Nothing is recorded (the transaction rolls back), so trying again is safe.
        raise ValidationError(f"The email could not be sent: the mail server did not take it ({error.__class__.__name__})."
                              " Nothing was sent or recorded. Try again later, or tell your Drop-in administrator.",
                              code="send_failed")
    return record
