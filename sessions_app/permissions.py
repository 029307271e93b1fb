"""Who may do what. Staff pages need no account; these guard the signed-in workspace."""
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from .models import Site

SUPERVISORS = "Supervisors"
MANAGERS = "Managers"
ROLE_GROUPS = {"supervisor": SUPERVISORS, "manager": MANAGERS}


def has_role(user, role: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    names = getattr(user, "_role_names", None)
    if names is None:
        names = user._role_names = set(user.groups.values_list("name", flat=True))
    return ROLE_GROUPS[role] in names


def role_required(*roles: str):
    """Let in signed-in users with one of the roles; send others to sign in, or refuse them."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(has_role(request.user, role) for role in roles):
                raise PermissionDenied(f"This page is for {' and '.join(f'{role}s' for role in roles)}.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def supervised_site_ids(user) -> set[int]:
    """Return the ids of the sites this person supervises at (read once per request)."""
    if not user.is_authenticated:
        return set()
    ids = getattr(user, "_supervised_site_ids", None)
    if ids is None:
        ids = user._supervised_site_ids = set(user.supervised_sites.values_list("pk", flat=True))
    return ids


def supervises(user, site: Site) -> bool:
    """Return whether this person is one of the site's supervisors (a role held per site)."""
    return site.pk in supervised_site_ids(user)


def sites_for(user) -> QuerySet[Site]:
    """Return the sites a user works on: managers and superusers see every site."""
    if has_role(user, "manager") or user.is_superuser:
        return Site.objects.all()
    return Site.objects.filter(supervisors=user)
