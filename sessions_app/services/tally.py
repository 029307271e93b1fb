"""Counting during a session: anonymous, one hand, and safe when two devices press at once.

Every count changes with F() in a conditional UPDATE, so concurrent presses add up and a
count can never go below zero. The tally is open only around the session and only to the site's
supervisors; afterwards counts change only by an audited correction, so a published month cannot
be probed by pressing and watching its total.
"""
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from ..models import Attendance, AttendanceCorrection, Session, TallyStep, User
from ..permissions import supervises
from .audit import audit_record

Action = TallyStep.Action
BUSY_AT, VERY_BUSY_AT = 2, 5
OPENS_BEFORE = datetime.timedelta(minutes=30)
CLOSES_AFTER = datetime.timedelta(minutes=60)
TALLY_CLOSED = ("The tally is open from 30 minutes before the session starts until an hour after it ends. "
                "To change the counts after that, correct the totals and give a reason.")
NOT_SUPERVISOR = "Only the site's supervisors can count people at its sessions."
CORRECT_AFTER_END = "Totals can be corrected once the session has ended."


def tally_is_open(*, session: Session, now: datetime.datetime) -> bool:
    """Return whether presses are taken now: from 30 minutes before the start to an hour after the end."""
    return (not session.is_cancelled
            and session.starts_at - OPENS_BEFORE <= now < session.ends_at + CLOSES_AFTER)


def tally_may_press(*, actor: User, session: Session, now: datetime.datetime) -> bool:
    """Return whether this person may press the tally of this session now."""
    return supervises(actor, session.site) and tally_is_open(session=session, now=now)


def tally_may_correct(*, actor: User, session: Session, now: datetime.datetime) -> bool:
    """Return whether this person may correct the session's totals now: its own supervisors, once it has ended."""
    return supervises(actor, session.site) and session.ends_at <= now


def _refuse_unless_open(*, actor: User, session: Session, now: datetime.datetime) -> None:
    if not supervises(actor, session.site):
        raise ValidationError(NOT_SUPERVISOR, code="not_supervisor")
    if session.is_cancelled:
        raise ValidationError("This session is cancelled.", code="cancelled")
    if not tally_is_open(session=session, now=now):
        raise ValidationError(TALLY_CLOSED, code="closed")


def tally_steps_forget(*, now: datetime.datetime) -> int:
    """Delete the steps of sessions that can no longer be tallied: their order of presses is not kept."""
    closed = Q(session__ends_at__lte=now - CLOSES_AFTER) | Q(session__status=Session.Status.CANCELLED)
    deleted, _ = TallyStep.objects.filter(closed).delete()
    return deleted


def _bump_attendance(session: Session, staff_group: str, field: str, by: int) -> None:
    Attendance.objects.get_or_create(session=session, staff_group=staff_group)
    updated = Attendance.objects.filter(session=session, staff_group=staff_group, **{f"{field}__gte": -by}).update(
        **{field: F(field) + by}
    )
    if not updated:
        raise ValidationError("There is nothing to undo for that count.", code="nothing")


def _bump_session(session: Session, **changes: int) -> bool:
    guards = {f"{field}__gte": -by for field, by in changes.items() if by < 0}
    return bool(Session.objects.filter(pk=session.pk, **guards).update(
        **{field: F(field) + by for field, by in changes.items()}
    ))


@transaction.atomic
def tally_press(*, actor: User, session: Session, action: str, staff_group: str = "",
                now: datetime.datetime | None = None) -> None:
    """Apply one press; raise ValidationError when it is refused or makes no sense (nobody waiting)."""
    now = now or timezone.now()
    _refuse_unless_open(actor=actor, session=session, now=now)
    tally_steps_forget(now=now)
    if action == Action.ARRIVED:
        _bump_session(session, waiting=1)
    elif action == Action.STARTED:
        if not _bump_session(session, waiting=-1, in_session=1):
            raise ValidationError("Nobody is waiting.", code="nobody_waiting")
    elif action == Action.FINISHED:
        if not _bump_session(session, in_session=-1):
            raise ValidationError("Nobody is being seen. Press “Start seeing the next person” first.", code="nobody_seen")
        _bump_attendance(session, staff_group, "seen", 1)
    elif action == Action.LEFT:
        if not _bump_session(session, waiting=-1):
            raise ValidationError("Nobody is waiting.", code="nobody_waiting")
        _bump_attendance(session, "", "not_seen", 1)
    else:
        raise ValidationError("Choose one of the buttons.", code="unknown_action")
    TallyStep.objects.create(session=session, action=action, staff_group=staff_group if action == Action.FINISHED else "")


@transaction.atomic
def tally_undo(*, actor: User, session: Session, now: datetime.datetime | None = None) -> TallyStep | None:
    """Reverse the last press, if any; return it."""
    _refuse_unless_open(actor=actor, session=session, now=now or timezone.now())
    step = TallyStep.objects.select_for_update().filter(session=session).order_by("-pk").first()
    if step is None:
        return None
    if step.action == Action.ARRIVED:
        _bump_session(session, waiting=-1)
    elif step.action == Action.STARTED:
        _bump_session(session, waiting=1, in_session=-1)
    elif step.action == Action.FINISHED:
        _bump_session(session, in_session=1)
        _bump_attendance(session, step.staff_group, "seen", -1)
    elif step.action == Action.LEFT:
        _bump_session(session, waiting=1)
        _bump_attendance(session, "", "not_seen", -1)
    TallyStep.objects.filter(pk=step.pk).delete()
    return step


def tally_totals(*, session: Session) -> dict[str, int]:
    totals = session.attendance.aggregate(seen=Sum("seen"), not_seen=Sum("not_seen"))
    return {"seen": totals["seen"] or 0, "not_seen": totals["not_seen"] or 0}


@transaction.atomic
def tally_correct(*, actor: User, session: Session, seen: int, not_seen: int, reason: str,
                  now: datetime.datetime | None = None) -> None:
    """Set a finished session's totals by hand, keeping the reason and the numbers before."""
    if not tally_may_correct(actor=actor, session=session, now=now or timezone.now()):
        raise ValidationError(NOT_SUPERVISOR if not supervises(actor, session.site) else CORRECT_AFTER_END,
                              code="not_allowed")
    if not reason.strip():
        raise ValidationError("Give a reason for the correction.", code="reason")
    if seen < 0 or not_seen < 0:
        raise ValidationError("Counts cannot be negative.", code="negative")
    before = tally_totals(session=session)
    # Corrections replace the group breakdown with one ungrouped row: the totals are what was checked.
    Attendance.objects.filter(session=session).delete()
    TallyStep.objects.filter(session=session).delete()
    Attendance.objects.create(session=session, seen=seen, not_seen=not_seen)
    AttendanceCorrection.objects.create(
        session=session, seen_before=before["seen"], not_seen_before=before["not_seen"],
        seen_after=seen, not_seen_after=not_seen, reason=reason.strip(),
    )
    audit_record(actor=actor, action="tally_correct", obj=session, before=before,
                 after={"seen": seen, "not_seen": not_seen}, reason=reason)


def busyness(waiting: int) -> str:
    """Return what staff see of the queue: never the number of people waiting."""
    if waiting >= VERY_BUSY_AT:
        return "very busy"
    if waiting >= BUSY_AT:
        return "busy"
    return "quiet"
