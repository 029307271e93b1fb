from django.conf import settings

from .permissions import has_role


def service(request):
    """Give every template the service's name, and whether the person signed in manages a site (asked lazily)."""
    return {"service_name": settings.DROPIN_SERVICE_NAME,
            "is_manager": lambda: has_role(request.user, "manager") if hasattr(request, "user") else False}
