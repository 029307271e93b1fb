"""Answers to room requests: the booking contact confirms or declines dates through a signed link, once each.

The link needs no account: its signature is the proof. Reading it changes nothing (mail scanners open links);
only the answer, posted from its page, does.
"""
import dataclasses
import datetime
import logging
import smtplib

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, send_mail
from django.db import transaction
from django.db.models import Max, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse

from ..models import AuditEntry, RoomRequestDate, Session
from .audit import audit_entry, session_snapshot
from .room_requests import EVERY_DATE, ONE_DATE, SALT, VALID_FOR
from .scheduling import booking_changed

logger = logging.getLogger(__name__)

LINK_BROKEN = "This link does not work. Check it was copied whole from the email."
LINK_EXPIRED = ("This link has expired: room request links work for 14 days. Ask the supervisor who sent it for a "
                "new request.")
LINK_USED = "This link has already been used: each date is answered once. Nothing was changed."
DATE_CHANGED = "This date has changed since it was requested: nothing was recorded."
DATE_PASSED = "This date has passed: nothing was recorded."
ANSWERED_ELSEWHERE = ("The booking for this date was settled since this email (by the supervisor, or through a newer "
                      "request): nothing was recorded.")
MAX_ID = 2**63 - 1
CHOOSE_ANSWER = "Choose whether to confirm or decline the booking."
DECLINE_NEEDS_REASON = next(c.violation_error_message for c in RoomRequestDate._meta.constraints
                            if c.name.endswith("_decline_has_a_reason"))
ANSWERS = {RoomRequestDate.Answer.CONFIRMED: Session.RoomBooking.CONFIRMED,
           RoomRequestDate.Answer.DECLINED: Session.RoomBooking.DECLINED}


class RoomAnswerRefused(Exception):
    """A link that cannot be used; the message says why, and `status` is the page's (400 broken, 410 gone)."""

    def __init__(self, message: str, *, status: int = 410):
        super().__init__(message)
        self.status = status


@dataclasses.dataclass
class Asked:
    """What a link asks: the dates it can still answer, and those it cannot, with why."""

    contact: str
    dates: list[RoomRequestDate]
    closed: list[tuple[RoomRequestDate, str]]
    every_date: bool  # the email's link for all its dates

    @property
    def declined(self) -> bool:
        return any(date.answer == RoomRequestDate.Answer.DECLINED for date in self.dates)


def _token_read(token: str) -> tuple[str, list[int]]:
    """Return what a token names (one date, or every date of some requests), or refuse it."""
    try:
        kind, named = signing.loads(token, salt=SALT, max_age=VALID_FOR)
        ids = [int(named)] if kind == ONE_DATE else [int(pk) for pk in named] if kind == EVERY_DATE else None
    except signing.SignatureExpired:
        raise RoomAnswerRefused(LINK_EXPIRED)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        raise RoomAnswerRefused(LINK_BROKEN, status=400)
    if not ids or any(not 0 < pk <= MAX_ID for pk in ids):
        raise RoomAnswerRefused(LINK_BROKEN, status=400)
    return kind, ids


def _dates(kind: str, ids: list[int]) -> QuerySet[RoomRequestDate]:
    named = {"pk__in": ids} if kind == ONE_DATE else {"request__in": ids}
    return (RoomRequestDate.objects.filter(**named)
            .select_related("request__room", "request__sent_by", "session__site", "session__room",
                            "session__supervisor")
            .order_by("starts_at", "pk"))


def _closed_because(date: RoomRequestDate, now: datetime.datetime, newest: dict[int, int]) -> str:
    """Return why a date can no longer be answered through its link, or "" if it can.

    Only the newest request for a session, while it waits for an answer, is answered: a link from an
    older email must not undo what the supervisor recorded by hand, or what a newer request settled.
    """
    session = date.session
    if date.answer:
        return LINK_USED
    if session.is_cancelled or (session.starts_at, session.ends_at, session.room_id) != (
            date.starts_at, date.ends_at, date.request.room_id):
        return DATE_CHANGED
    if session.starts_at <= now:
        return DATE_PASSED
    if session.room_booking != Session.RoomBooking.REQUESTED or newest.get(session.pk) != date.request_id:
        return ANSWERED_ELSEWHERE
    return ""


def _newest_requests(dates: list[RoomRequestDate]) -> dict[int, int]:
    """Return, for each session of these dates, the id of the newest request that asked for it (one query)."""
    return dict(RoomRequestDate.objects.filter(session__in={date.session_id for date in dates})
                .values("session").annotate(newest=Max("request")).values_list("session", "newest"))


def _asked(kind: str, dates: list[RoomRequestDate], now: datetime.datetime) -> Asked:
    if not dates:
        raise RoomAnswerRefused(LINK_BROKEN, status=400)
    newest = _newest_requests(dates)
    why = {date.pk: _closed_because(date, now, newest) for date in dates}
    for date in dates:
        date.asked_starts_at = date.starts_at.astimezone(date.session.site.zone)  # as asked, even if moved since
    open_dates = [date for date in dates if not why[date.pk]]
    if not open_dates:
        reasons = set(why.values())
        raise RoomAnswerRefused(LINK_USED if reasons == {LINK_USED} else
                                next(reason for reason in why.values() if reason != LINK_USED))
    return Asked(contact=dates[0].request.sent_to, dates=open_dates,
                 closed=[(date, why[date.pk]) for date in dates if why[date.pk]], every_date=kind == EVERY_DATE)


def room_request_read(*, token: str, now: datetime.datetime) -> Asked:
    """Return what a link asks, or raise RoomAnswerRefused saying why it cannot be used. Changes nothing."""
    kind, ids = _token_read(token)
    return _asked(kind, list(_dates(kind, ids)), now)


def room_request_answer(*, token: str, answer: str, reason: str, now: datetime.datetime) -> Asked:
    """Confirm or decline (with a reason) the dates a link names that are still open; return them answered.

    A declined date leaves its session needing a room, and its supervisor is told by email.
    """
    if answer not in ANSWERS:
        raise ValidationError(CHOOSE_ANSWER, code="answer")
    reason = reason.strip()[:300] if answer == RoomRequestDate.Answer.DECLINED else ""
    if answer == RoomRequestDate.Answer.DECLINED and not reason:
        raise ValidationError(DECLINE_NEEDS_REASON, code="reason")
    kind, ids = _token_read(token)
    with transaction.atomic():
        # Locked (the dates and their sessions), so a double click or a second reader answers nothing twice.
        asked = _asked(kind, list(_dates(kind, ids).select_for_update(of=("self", "session"))), now)
        entries = []
        for date in asked.dates:
            session = date.session
            before = session_snapshot(session)
            booking_changed(session, status=ANSWERS[answer], note=reason,
                            today=now.astimezone(session.site.zone).date())
            session.save(update_fields=["room_booking", "room", "room_booking_note"])
            date.answer, date.reason, date.answered_at = answer, reason, now
            entries.append(audit_entry(actor=None, actor_address=asked.contact, action="room_answer", obj=session,
                                       before=before, after=session_snapshot(session),
                                       reason=reason or date.get_answer_display()))
        RoomRequestDate.objects.bulk_update(asked.dates, ["answer", "reason", "answered_at"])
        AuditEntry.objects.bulk_create(entries)
    if asked.declined:
        _tell_supervisors(asked)
    return asked


def _tell_supervisors(asked: Asked) -> None:
    """Email each supervisor the dates declined; the answer stands if the mail server fails (the page shows it)."""
    base = settings.DROPIN_BASE_URL.rstrip("/")
    by_supervisor: dict = {}
    for date in asked.dates:
        date.session_link = base + reverse("supervise_session", args=[date.session_id])
        by_supervisor.setdefault(date.session.supervisor, []).append(date)
    for supervisor, dates in by_supervisor.items():
        if not supervisor.email:
            continue
        context = {"supervisor": supervisor, "dates": dates, "contact": asked.contact}
        subject = f"Room declined for {len(dates)} date{'s' if len(dates) != 1 else ''}: find another room"
        try:
            send_mail(subject, render_to_string("emails/room_declined.txt", context), None,
                      [supervisor.email])
        except (OSError, smtplib.SMTPException, BadHeaderError):
            logger.warning("room_declined_email_failed", extra={"session_ids": [d.session_id for d in dates]})
