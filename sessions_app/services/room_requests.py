"""Room requests: the dates to book in rooms someone books, emailed to each booking contact with signed links.

One email per contact address, holding one RoomRequest per room. Each date has its own link, and one link
answers every date in the email; the contact answers through them (services/room_answers.py).
"""
import dataclasses
import datetime
import smtplib
from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse

from ..models import AuditEntry, Room, RoomRequest, RoomRequestDate, Session, Site, User
from ..permissions import sites_for
from ..prose import listed
from .audit import audit_entry, session_snapshot
from .scheduling import booking_changed

VALID_FOR = datetime.timedelta(days=14)
SALT = "sessions_app.room_request"
# What a link's token names: one date, or every date of the email's requests.
ONE_DATE, EVERY_DATE = "date", "all"

NOTHING_TO_REQUEST = "There are no dates to request: every date in a room someone books has been asked for."
ADD_EMAIL = "Add the booking contact's email for {room} ({dates} date{s}), then send again."
NOT_SENT = ("The email to {address} could not be sent, so its dates are still to request. Try again in a few "
            "minutes, or tell your Drop-in administrator.")


def sessions_to_request(*, sites: Iterable[Site], now: datetime.datetime) -> QuerySet[Session]:
    """Return scheduled sessions still to come in a room someone books that has not been asked for yet."""
    return (Session.objects.scheduled()
            .filter(site__in=sites, starts_at__gt=now, room_booking=Session.RoomBooking.TO_REQUEST,
                    room__isnull=False)
            .select_related("site", "room", "supervisor").order_by("starts_at", "pk"))


def room_request_token(*, date: RoomRequestDate | None = None, requests: Iterable[RoomRequest] = ()) -> str:
    """Return a link's token: for one date, or for every date of the requests (one email's)."""
    if date is not None:
        return signing.dumps([ONE_DATE, date.pk], salt=SALT)
    return signing.dumps([EVERY_DATE, sorted(request.pk for request in requests)], salt=SALT)


def room_request_link(*, token: str, answer: str = "") -> str:
    """Return the page that answers a token's dates; `answer` only chooses which form the page shows first."""
    link = settings.DROPIN_BASE_URL.rstrip("/") + reverse("room_request_answer", args=[token])
    return f"{link}?answer={answer}" if answer else link


@dataclasses.dataclass
class RequestsSent:
    emails: int = 0
    dates: int = 0
    without_email: dict[Room, int] = dataclasses.field(default_factory=dict)  # rooms whose contact has no address
    failed: list[str] = dataclasses.field(default_factory=list)  # contacts the mail server did not take

    @property
    def sentences(self) -> list[str]:
        """Return what happened, in words for the page's message."""
        said = []
        if self.emails:
            said.append(f"Sent {self.emails} email{'s' if self.emails != 1 else ''} asking for {self.dates} "
                        f"date{'s' if self.dates != 1 else ''}. Each date shows its answer when it comes.")
        said += [NOT_SENT.format(address=address) for address in self.failed]
        said += [ADD_EMAIL.format(room=room.name, dates=count, s="s" if count != 1 else "")
                 for room, count in self.without_email.items()]
        return said or [NOTHING_TO_REQUEST]


class _NotSent(Exception):
    """The mail server did not take an email: its transaction keeps nothing."""


def room_requests_send(*, actor: User, sites: Iterable[Site], now: datetime.datetime) -> RequestsSent:
    """Email each booking contact the dates to book at the actor's sites, one email each; they are then requested."""
    mine = sites_for(actor).filter(pk__in=[site.pk for site in sites])
    sent = RequestsSent()
    by_address: dict[str, list[Session]] = {}
    for session in sessions_to_request(sites=mine, now=now):
        if session.room.booking_email:
            by_address.setdefault(session.room.booking_email.lower(), []).append(session)
        else:
            sent.without_email[session.room] = sent.without_email.get(session.room, 0) + 1
    for sessions in by_address.values():
        address = sessions[0].room.booking_email
        try:
            dates = _request(actor=actor, address=address, sessions=sessions, now=now)
        except _NotSent:
            sent.failed.append(address)
        else:
            sent.emails += bool(dates)
            sent.dates += dates
    return sent


def _request(*, actor: User, address: str, sessions: list[Session], now: datetime.datetime) -> int:
    """Ask one contact for the dates, and return how many were asked (another sending may have taken some)."""
    with transaction.atomic():
        # Locked and asked again, so two supervisors sending at once never send the same date twice.
        still = set(Session.objects.select_for_update().filter(
            pk__in=[s.pk for s in sessions], room_booking=Session.RoomBooking.TO_REQUEST).values_list("pk", flat=True))
        sessions = [s for s in sessions if s.pk in still]
        if not sessions:
            return 0
        asked = []
        for room in sorted({s.room for s in sessions}, key=lambda room: (room.name, room.pk)):
            request = RoomRequest.objects.create(room=room, sent_to=address, sent_by=actor)
            asked.append((request, RoomRequestDate.objects.bulk_create([
                RoomRequestDate(request=request, session=s, starts_at=s.starts_at, ends_at=s.ends_at)
                for s in sessions if s.room == room])))
        _requested(actor=actor, address=address, sessions=sessions, now=now)
        _email(actor=actor, address=address, asked=asked, now=now)
    return len(sessions)


def _requested(*, actor: User, address: str, sessions: list[Session], now: datetime.datetime) -> None:
    before = {s.pk: session_snapshot(s) for s in sessions}
    for session in sessions:
        booking_changed(session, status=Session.RoomBooking.REQUESTED, note="",
                        today=now.astimezone(session.site.zone).date())
        session.updated_at = now
    Session.objects.bulk_update(sessions, ["room_booking", "room_requested_on", "room_booking_note", "updated_at"])
    AuditEntry.objects.bulk_create([
        audit_entry(actor=actor, action="room_request", obj=s, before=before[s.pk], after=session_snapshot(s),
                    reason=f"Requested from {address}") for s in sessions])


def _email(*, actor: User, address: str, asked: list[tuple[RoomRequest, list[RoomRequestDate]]],
           now: datetime.datetime) -> None:
    """Send the contact the dates with their links; if the mail server refuses, raise, so nothing is kept.

    One contact may book rooms at several sites: the subject names each, and the service is called by its
    sites' own name only where they share it.
    """
    sites = sorted({date.session.site for _, dates in asked for date in dates}, key=lambda site: (site.name, site.pk))
    names = {site.service_called for site in sites}
    for _, dates in asked:
        for date in dates:
            token = room_request_token(date=date)
            date.confirm_link = room_request_link(token=token, answer=RoomRequestDate.Answer.CONFIRMED)
            date.decline_link = room_request_link(token=token, answer=RoomRequestDate.Answer.DECLINED)
    count = sum(len(dates) for _, dates in asked)
    rooms = "a room" if len(asked) == 1 else f"{len(asked)} rooms"
    subject = " ".join(f"Please book {rooms} for drop-in supervision: {count} date{'s' if count != 1 else ''} at "
                       f"{listed([site.name for site in sites])}".split())
    context = {"actor": actor, "asked": asked, "count": count, "subject": subject,
               "service_name": names.pop() if len(names) == 1 else settings.DROPIN_SERVICE_NAME,
               "all_link": room_request_link(token=room_request_token(requests=[r for r, _ in asked])),
               "expires_on": (now + VALID_FOR).astimezone(sites[0].zone)}
    message = EmailMultiAlternatives(
        subject, render_to_string("emails/room_request.txt", context).strip() + "\n", settings.DEFAULT_FROM_EMAIL,
        to=[address], reply_to=[actor.email] if actor.email else None)
    message.attach_alternative(render_to_string("emails/room_request.html", context), "text/html")
    try:
        message.send()
    except (smtplib.SMTPException, OSError, BadHeaderError):
        raise _NotSent(address)


def room_requests_for(*, session: Session) -> QuerySet[RoomRequestDate]:
    """Return what was asked of a session's booking contacts, and their answers, oldest first."""
    return session.room_requests.select_related("request__room").order_by("request__sent_at", "pk")
