"""Who may do what. Staff pages need no account; these guard the signed-in workspace.

Roles are held per site: a supervisor is one of a site's `supervisors`, a manager one of its `managers`, and
an area or trust lead `manages_all_sites`. A service administrator (superuser) may do everything.
"""
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from .models import Site
from .prose import listed

ROLES = ("supervisor", "manager")


def _site_ids(user, relation: str) -> set[int]:
    """Return the ids of the sites related to this person (read once per request)."""
    if not user.is_authenticated:
        return set()
    cache = user.__dict__.setdefault("_role_site_ids", {})
    if relation not in cache:
        cache[relation] = set(getattr(user, relation).values_list("pk", flat=True))
    return cache[relation]


def supervised_site_ids(user) -> set[int]:
    """Return the ids of the sites this person supervises at."""
    return _site_ids(user, "supervised_sites")


def managed_site_ids(user) -> set[int]:
    """Return the ids of the sites this person manages by name (not counting `manages_all_sites`)."""
    return _site_ids(user, "managed_sites")


def manages_everything(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.manages_all_sites)


def has_role(user, role: str) -> bool:
    """Return whether this person holds the role at any site."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if role == "manager":
        return user.manages_all_sites or bool(managed_site_ids(user))
    return bool(supervised_site_ids(user))


def role_required(*roles: str):
    """Let in signed-in users with one of the roles; send others to sign in, or refuse them."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(has_role(request.user, role) for role in roles):
                raise PermissionDenied(f"This page is for {listed([f'{role}s' for role in roles])}.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def supervises(user, site: Site) -> bool:
    """Return whether this person is one of the site's supervisors (a role held per site)."""
    return site.pk in supervised_site_ids(user)


def manages(user, site: Site) -> bool:
    """Return whether this person manages the site, by name or as a manager of all sites."""
    return manages_everything(user) or site.pk in managed_site_ids(user)


def sites_managed_by(user) -> QuerySet[Site]:
    """Return the sites this person manages: the pages only a manager uses offer these."""
    if manages_everything(user):
        return Site.objects.all()
    return Site.objects.filter(pk__in=managed_site_ids(user))


def sites_for(user) -> QuerySet[Site]:
    """Return the sites a person works on: those she supervises at or manages."""
    if manages_everything(user):
        return Site.objects.all()
    return Site.objects.filter(Q(pk__in=supervised_site_ids(user)) | Q(pk__in=managed_site_ids(user)))


NOT_YOUR_SITE = "You can only give roles at sites you manage."
NOT_ALL_SITES = "Only a manager of all sites can make someone a manager of all sites."


def grant_refusal(*, actor, role: str, site: Site | None) -> str:
    """Return why this person may not give the role at the site (None: all sites), or "" if she may."""
    if site is None:
        return "" if manages_everything(actor) and role == "manager" else NOT_ALL_SITES
    return "" if manages(actor, site) else NOT_YOUR_SITE
