"""Time away and cover: a supervisor's days away, the sessions in them that need cover, and handing one on."""
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ..models import Session, Site, TimeAway, User
from ..models.cover import AWAY_ENDS_BEFORE_START
from ..models.sessions import IS_CANCELLED
from ..permissions import manages, sites_for, supervised_site_ids
from .audit import audit_record, session_snapshot, snapshot
from .scheduling import refuse_ended, refuse_unless_supervisor, save_checked

NOT_YOURS_TO_RECORD = "You can record time away for yourself, or for a supervisor at a site you manage."
NOT_YOURS_TO_REMOVE = "You can remove your own time away, or that of a supervisor at a site you manage."
ALREADY_AWAY = "{name} already has time away recorded on some of these days. Remove it first, or choose other days."
AWAY_THAT_DAY = "{name} is away that day. Choose someone who is in."
SAME_SUPERVISOR = "{name} already runs this session. Choose someone else."
MAX_AWAY = datetime.timedelta(days=366)


def people_recorded_by(user: User) -> list[User]:
    """Return whose time away this person may record: herself if she supervises, and her sites' supervisors."""
    sites = [site for site in sites_for(user).prefetch_related("supervisors") if manages(user, site)]
    people = {person.pk: person for site in sites for person in site.supervisors.all() if person.is_active}
    if supervised_site_ids(user):
        people[user.pk] = user
    return sorted(people.values(), key=lambda person: person.public_name.lower())


def may_record_for(actor: User, supervisor: User) -> bool:
    """Return whether the actor may record (or remove) this supervisor's time away: her own, or her manager."""
    if actor.pk == supervisor.pk:
        return True
    return any(manages(actor, site) for site in supervisor.supervised_sites.all())


@transaction.atomic
def time_away_add(*, actor: User, supervisor: User, starts_on: datetime.date, ends_on: datetime.date,
                  note: str = "") -> TimeAway:
    """Record days away; her sessions in them then show as needing cover to everyone at her sites."""
    if not may_record_for(actor, supervisor):
        raise ValidationError(NOT_YOURS_TO_RECORD, code="not_yours")
    if ends_on < starts_on:
        raise ValidationError(AWAY_ENDS_BEFORE_START, code="ends_before_start")
    if ends_on - starts_on > MAX_AWAY:
        raise ValidationError("Record at most a year away at a time.", code="too_long")
    if TimeAway.objects.filter(supervisor=supervisor).overlapping(starts_on, ends_on).exists():
        raise ValidationError(ALREADY_AWAY.format(name=supervisor.public_name), code="overlaps")
    away = TimeAway(supervisor=supervisor, starts_on=starts_on, ends_on=ends_on, note=note.strip())
    away.full_clean()
    away.save()
    audit_record(actor=actor, action="create", obj=away, after=_kept(away))
    return away


@transaction.atomic
def time_away_remove(*, actor: User, away: TimeAway) -> None:
    """Remove recorded time away (she came back early, or it was entered by mistake), with the audit kept."""
    if not may_record_for(actor, away.supervisor):
        raise ValidationError(NOT_YOURS_TO_REMOVE, code="not_yours")
    audit_record(actor=actor, action="delete", obj=away, before=_kept(away))
    away.delete()


def _kept(away: TimeAway) -> dict:
    """What the audit keeps of time away: who and which days, never the note (it may say more than it should)."""
    return snapshot(away, ["supervisor", "starts_on", "ends_on"]) | {"had_a_note": bool(away.note)}


def days_away(*, supervisors, first: datetime.date, last: datetime.date) -> dict[int, set[datetime.date]]:
    """Return, per supervisor id, the days between first and last she is away (one query)."""
    days: dict[int, set[datetime.date]] = {}
    for away in TimeAway.objects.filter(supervisor__in=supervisors).overlapping(first, last):
        day = max(away.starts_on, first)
        while day <= min(away.ends_on, last):
            days.setdefault(away.supervisor_id, set()).add(day)
            day += datetime.timedelta(days=1)
    return days


def away_on(session: Session) -> TimeAway | None:
    """Return the session's supervisor's time away on its day, if she is away."""
    day = session.local_starts_at.date()
    return TimeAway.objects.filter(supervisor_id=session.supervisor_id).overlapping(day).first()


def is_away(supervisor: User, day: datetime.date) -> bool:
    """Return whether she has time away recorded on that day."""
    return TimeAway.objects.filter(supervisor=supervisor).overlapping(day).exists()


def time_away_for(*, viewer: User, sites: QuerySet[Site], now: datetime.datetime) -> QuerySet[TimeAway]:
    """Return time away not yet over of the supervisors at the viewer's sites (colleagues see each other's)."""
    today = timezone.localdate(now)
    people = Site.supervisors.through.objects.filter(site__in=sites).values("user_id")
    return (TimeAway.objects.filter(Q(supervisor__in=people) | Q(supervisor=viewer), ends_on__gte=today)
            .select_related("supervisor"))


def sessions_needing_cover(*, sites: QuerySet[Site] | list[Site], now: datetime.datetime) -> list[Session]:
    """Return scheduled sessions still to come at the sites whose supervisor is away that day (two queries)."""
    today = timezone.localdate(now)
    away = list(TimeAway.objects.filter(ends_on__gte=today - datetime.timedelta(days=1),
                                        supervisor__supervised_sites__in=sites).distinct())
    if not away:
        return []
    margin = datetime.timedelta(days=1)  # a day's bounds differ by zone: the local date is checked below
    first = datetime.datetime.combine(min(a.starts_on for a in away) - margin, datetime.time(), tzinfo=datetime.UTC)
    last = datetime.datetime.combine(max(a.ends_on for a in away) + 2 * margin, datetime.time(), tzinfo=datetime.UTC)
    within = Q(supervisor_id__in={a.supervisor_id for a in away}, starts_at__gte=first, starts_at__lt=last)
    candidates = Session.objects.scheduled().filter(within, site__in=sites, ends_at__gt=now).for_display()
    return [session for session in candidates if any(
        a.supervisor_id == session.supervisor_id and a.starts_on <= session.local_starts_at.date() <= a.ends_on
        for a in away)]


@transaction.atomic
def session_hand_over(*, actor: User, session: Session, supervisor: User) -> Session:
    """Give a session to another of the site's supervisors; calendars update (SEQUENCE grows), staff see her name."""
    session = Session.objects.select_for_update().select_related("site", "supervisor").get(pk=session.pk)
    refuse_ended([session])
    if session.is_cancelled:
        raise ValidationError(IS_CANCELLED, code="cancelled")
    if supervisor.pk == session.supervisor_id:
        raise ValidationError(SAME_SUPERVISOR.format(name=supervisor.public_name), code="same_supervisor")
    refuse_unless_supervisor(site=session.site, supervisor=supervisor)
    if is_away(supervisor, session.local_starts_at.date()):
        raise ValidationError(AWAY_THAT_DAY.format(name=supervisor.public_name), code="away")
    before = session_snapshot(session)
    session.supervisor = supervisor
    save_checked(session)
    audit_record(actor=actor, action="hand_over", obj=session, before=before, after=session_snapshot(session))
    return session


def cover_choices(*, session: Session) -> list[User]:
    """Return the site's other active supervisors who are not away that day (two queries)."""
    day = session.local_starts_at.date()
    away = TimeAway.objects.overlapping(day).values("supervisor")
    return list(session.site.supervisors.filter(is_active=True).exclude(pk=session.supervisor_id)
                .exclude(pk__in=away).order_by("display_name", "username"))

