from django.conf import settings

from .services.privacy import counts_hidden_for


def service(request):
    """Give every template the service's name, and whether small counts of people are hidden from its reader."""
    return {"service_name": settings.DROPIN_SERVICE_NAME, "counts_hidden": counts_hidden_for(request.user)}
