"""Setting up sites and teams: every change is audited with before and after, and nothing is deleted."""
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from ..models import Site, Team, User
from ..permissions import manages_everything
from .audit import audit_record, snapshot

SITE_FIELDS = ["name", "slug", "time_zone", "bank_holidays", "lunch_starts_at", "lunch_ends_at", "minutes_per_person",
               "announcement_addresses", "service_name", "supervisor_described", "time_described"]
TEAM_FIELDS = ["name", "slug", "service_started_on", "is_active"]
SITE_SLUG_LOCKED = ("This site's web address is on its posters and in staff calendars, so it stays as it is "
                    "now that the site has sessions.")
TEAM_SLUG_LOCKED = ("This team's web address is in staff calendars and names its figures, so it stays as it is "
                    "now that the team has sessions, regular sessions, pulse answers or sickness records.")


def site_slug_locked(*, site: Site) -> bool:
    """Return whether the site's address is out in the world: once it has any session or series."""
    return site.pk is not None and (site.sessions.exists() or site.series.exists())


def team_slug_locked(*, team: Team) -> bool:
    """Return whether the team's address is in use: by any session or series audience, pulse or sickness record."""
    return team.pk is not None and any(
        related.exists() for related in (team.sessions, team.series, team.pulses, team.sickness))


def _save_with_unique_slug(obj: Site | Team, *, taken: QuerySet) -> None:
    """Save; if another row took the slug since the form checked it, say so in the constraint's words."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        if not taken.filter(slug=obj.slug).exclude(pk=obj.pk).exists():
            raise
        constraint = next(c for c in type(obj)._meta.constraints if "unique_slug" in c.name)
        raise ValidationError({"slug": constraint.get_violation_error_message()}, code="unique")


@transaction.atomic
def site_add(*, actor: User, site: Site) -> Site:
    """Add a site. The person adding it manages it, unless she manages every site already."""
    _save_with_unique_slug(site, taken=Site.objects.all())
    if not manages_everything(actor):
        site.managers.add(actor)
    audit_record(actor=actor, action="site_added", obj=site, after=snapshot(site, SITE_FIELDS))
    return site


@transaction.atomic
def site_change(*, actor: User, site: Site) -> Site:
    """Save a site's changed settings; its address stays once it has sessions."""
    return _change(actor=actor, obj=site, fields=SITE_FIELDS, locked=lambda stored: site_slug_locked(site=stored),
                   locked_because=SITE_SLUG_LOCKED, taken=Site.objects.all(), action="site_changed")


@transaction.atomic
def team_add(*, actor: User, team: Team) -> Team:
    """Add a team to its site."""
    _save_with_unique_slug(team, taken=Team.objects.filter(site=team.site_id))
    audit_record(actor=actor, action="team_added", obj=team, after=snapshot(team, TEAM_FIELDS))
    return team


@transaction.atomic
def team_change(*, actor: User, team: Team) -> Team:
    """Save a team's changed name, address or start date; its address stays once it is in use."""
    return _change(actor=actor, obj=team, fields=TEAM_FIELDS, locked=lambda stored: team_slug_locked(team=stored),
                   locked_because=TEAM_SLUG_LOCKED, taken=Team.objects.filter(site=team.site_id),
                   action="team_changed")


def _change(*, actor: User, obj: Site | Team, fields: list[str], locked, locked_because: str, taken,
            action: str) -> Site | Team:
    """Save a site's or team's changes, audited; its short name stays once addresses carry it."""
    stored = type(obj).objects.select_for_update().get(pk=obj.pk)
    if obj.slug != stored.slug and locked(stored):
        raise ValidationError(locked_because, code="slug_locked")
    before, after = snapshot(stored, fields), snapshot(obj, fields)
    if before != after:
        _save_with_unique_slug(obj, taken=taken)
        audit_record(actor=actor, action=action, obj=obj, before=before, after=after)
    return obj


@transaction.atomic
def team_retire(*, actor: User, team: Team, retire: bool) -> Team:
    """Retire a team (it keeps its figures, and is offered for nothing new), or bring it back."""
    stored = Team.objects.select_for_update().get(pk=team.pk)
    if stored.is_active != retire:
        return stored  # already as asked: a second press changes nothing
    before = snapshot(stored, TEAM_FIELDS)
    stored.is_active = not retire
    stored.save(update_fields=["is_active", "updated_at"])
    audit_record(actor=actor, action="team_retired" if retire else "team_brought_back", obj=stored, before=before,
                 after=snapshot(stored, TEAM_FIELDS))
    return stored
