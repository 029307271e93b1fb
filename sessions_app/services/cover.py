"""Time away and cover: a supervisor's days away, the sessions in them that need cover, and handing one on."""
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ..models import Session, Site, TimeAway, User
from ..models.cover import AWAY_ENDS_BEFORE_START
from ..permissions import manages, sites_for, supervised_site_ids
from .audit import audit_record, session_snapshot, snapshot
from .scheduling import refuse_ended, refuse_unless_supervisor, save_checked

NOT_YOURS_TO_RECORD = "You can record time away for yourself, or for a supervisor at a site you manage."
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
    away = TimeAway(supervisor=supervisor, starts_on=starts_on, ends_on=ends_on, note=note.strip())
    away.full_clean()
    away.save()
    audit_record(actor=actor, action="create", obj=away, after=snapshot(away))
    return away


@transaction.atomic
def time_away_remove(*, actor: User, away: TimeAway) -> None:
    """Remove recorded time away (she came back early, or it was entered by mistake), with the audit kept."""
    if not may_record_for(actor, away.supervisor):
        raise ValidationError(NOT_YOURS_TO_RECORD, code="not_yours")
    audit_record(actor=actor, action="delete", obj=away, before=snapshot(away))
    away.delete()


def days_away(*, supervisors, first: datetime.date, last: datetime.date) -> dict[int, set[datetime.date]]:
    """Return, per supervisor id, the days between first and last she is away (one query)."""
    days: dict[int, set[datetime.date]] = {}
    for away in TimeAway.objects.filter(supervisor__in=supervisors, starts_on__lte=last, ends_on__gte=first):
        day = max(away.starts_on, first)
        while day <= min(away.ends_on, last):
            days.setdefault(away.supervisor_id, set()).add(day)
            day += datetime.timedelta(days=1)
    return days


def away_on(session: Session) -> TimeAway | None:
    """Return the session's supervisor's time away on its day, if she is away."""
    day = session.local_starts_at.date()
    return TimeAway.objects.filter(supervisor_id=session.supervisor_id, starts_on__lte=day, ends_on__gte=day).first()


def is_away(supervisor: User, day: datetime.date) -> bool:
    return TimeAway.objects.filter(supervisor=supervisor, starts_on__lte=day, ends_on__gte=day).exists()


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
    within = Q()
    for a in away:
        within |= Q(supervisor_id=a.supervisor_id,
                    starts_at__gte=datetime.datetime.combine(a.starts_on - margin, datetime.time(), tzinfo=datetime.UTC),
                    starts_at__lt=datetime.datetime.combine(a.ends_on + margin * 2, datetime.time(), tzinfo=datetime.UTC))
    candidates = Session.objects.scheduled().filter(within, site__in=sites, ends_at__gt=now).for_display()
    return [session for session in candidates
            if any(a.supervisor_id == session.supervisor_id and a.starts_on <= session.local_starts_at.date() <= a.ends_on
                   for a in away)]


@transaction.atomic
def session_hand_over(*, actor: User, session: Session, supervisor: User) -> Session:
    """Give a session to another of the site's supervisors; calendars update (SEQUENCE grows), staff see her name."""
    session = Session.objects.select_for_update().select_related("site", "supervisor").get(pk=session.pk)
    refuse_ended([session])
    if session.is_cancelled:
        raise ValidationError("This session is cancelled. Add a new session instead.", code="cancelled")
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
    away = TimeAway.objects.filter(starts_on__lte=day, ends_on__gte=day).values("supervisor")
    return list(session.site.supervisors.filter(is_active=True).exclude(pk=session.supervisor_id)
                .exclude(pk__in=away).order_by("display_name", "username"))

