"""People with roles: who holds which role at a manager's sites, changing roles, deactivating accounts."""
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.db.models import Prefetch, Q, QuerySet

from ..models import Invitation, Site, User
from ..permissions import grant_refusal, managed_site_ids, manages_everything
from .audit import audit_record
from .invitations import refuse_address

NOT_YOURSELF = "You cannot change your own roles or account here. Ask another manager."
ADMINISTRATOR = "Only a service administrator can deactivate a service administrator."
OTHER_SITES = ("%(name)s also has roles at sites you do not manage, so only a manager of all sites can deactivate "
               "the account. Remove their roles at your sites instead.")


def people_for(*, actor: User) -> QuerySet[User]:
    """Return the people a manager sees: everyone for a manager of all sites, else those with roles at her sites.

    Each person's sites are fetched once (prefetched), limited to the sites the manager may see.
    """
    sites = Site.objects.all() if manages_everything(actor) else Site.objects.filter(pk__in=managed_site_ids(actor))
    people = User.objects.all()
    if not manages_everything(actor):
        people = people.filter(Q(supervised_sites__in=sites) | Q(managed_sites__in=sites)).distinct()
    return people.order_by("-is_active", "display_name", "username", "pk").prefetch_related(
        Prefetch("supervised_sites", queryset=sites.order_by("name"), to_attr="supervised_here"),
        Prefetch("managed_sites", queryset=sites.order_by("name"), to_attr="managed_here"),
    )


def invitations_for(*, actor: User) -> QuerySet[Invitation]:
    """Return the pending invitations wholly to the manager's sites (every one, for a manager of all sites)."""
    pending = Invitation.objects.pending().select_related("invited_by").prefetch_related("sites")
    if manages_everything(actor):
        return pending
    # Only invitations wholly to her sites: one also to another site is that site's managers' business too.
    return pending.filter(all_sites=False, sites__in=managed_site_ids(actor)).exclude(
        sites__in=Site.objects.exclude(pk__in=managed_site_ids(actor))).distinct()


def person_roles_change(*, actor: User, person: User, supervised: Iterable[Site], managed: Iterable[Site],
                        all_sites: bool | None = None) -> None:
    """Set a person's roles at the sites the manager manages; roles elsewhere stay as they are.

    `all_sites` None leaves "manager of all sites" as it is (only a manager of all sites may change it).
    """
    if person.pk == actor.pk:
        raise ValidationError(NOT_YOURSELF, code="yourself")
    supervised, managed = set(supervised), set(managed)
    for role, sites in (("supervisor", supervised), ("manager", managed)):
        for site in sites:
            if refusal := grant_refusal(actor=actor, role=role, site=site):
                raise ValidationError(refusal, code="not_yours")
    if all_sites is not None and all_sites != person.manages_all_sites:
        if refusal := grant_refusal(actor=actor, role="manager", site=None):
            raise ValidationError(refusal, code="not_all_sites")
    mine = set(Site.objects.all()) if manages_everything(actor) else set(
        Site.objects.filter(pk__in=managed_site_ids(actor)))
    with transaction.atomic():
        before = roles_of(person)
        person.supervised_sites.remove(*(mine - supervised))
        person.supervised_sites.add(*supervised)
        person.managed_sites.remove(*(mine - managed))
        person.managed_sites.add(*managed)
        if all_sites is not None and all_sites != person.manages_all_sites:
            person.manages_all_sites = all_sites
            person.save(update_fields=["manages_all_sites", "updated_at"])
        after = roles_of(person)
        if after != before:
            audit_record(actor=actor, action="roles_changed", obj=person, before=before, after=after)


def roles_of(person: User) -> dict:
    """Return a person's roles as the audit records them: site short names by role."""
    return {"supervisor": sorted(person.supervised_sites.values_list("slug", flat=True)),
            "manager": sorted(person.managed_sites.values_list("slug", flat=True)),
            "manager_of_all_sites": person.manages_all_sites}


def deactivation_refusal(*, actor: User, person: User) -> str:
    """Return why the manager may not deactivate or reactivate this account, or "" if she may."""
    if person.pk == actor.pk:
        return NOT_YOURSELF
    if person.is_superuser and not actor.is_superuser:
        return ADMINISTRATOR
    if manages_everything(actor):
        return ""
    elsewhere = (person.supervised_sites.exclude(pk__in=managed_site_ids(actor)).exists()
                 or person.managed_sites.exclude(pk__in=managed_site_ids(actor)).exists() or person.manages_all_sites)
    return OTHER_SITES % {"name": person.public_name} if elsewhere else ""


def person_deactivate(*, actor: User, person: User) -> None:
    """Stop an account signing in. It is never deleted: sessions and the audit keep who did what."""
    _set_active(actor=actor, person=person, active=False)


def person_reactivate(*, actor: User, person: User) -> None:
    _set_active(actor=actor, person=person, active=True)


def _set_active(*, actor: User, person: User, active: bool) -> None:
    if refusal := deactivation_refusal(actor=actor, person=person):
        raise ValidationError(refusal, code="refused")
    if person.is_active == active:
        return
    with transaction.atomic():
        person.is_active = active
        person.save(update_fields=["is_active", "updated_at"])
        audit_record(actor=actor, action="account_reactivated" if active else "account_deactivated", obj=person,
                     before={"is_active": not active}, after={"is_active": active})


def administrator_create(*, email: str) -> User:
    """Make a service administrator with no password yet: she chooses one through password_set_link."""
    email = email.strip()
    validate_email(email)
    refuse_address(email=email)
    with transaction.atomic():
        user = User(username=email.lower(), email=email, is_staff=True, is_superuser=True)
        user.set_unusable_password()
        user.validate_constraints()
        user.save()
        audit_record(actor=user, action="administrator_created", obj=user, after={"email": email})
    return user


def password_set_link(*, user: User) -> str:
    """Return a one-time link to choose a password (Django's reset token: it dies once the password changes)."""
    path = reverse("password_reset_confirm", args=[urlsafe_base64_encode(force_bytes(user.pk)),
                                                   default_token_generator.make_token(user)])
    return settings.DROPIN_BASE_URL.rstrip("/") + path
