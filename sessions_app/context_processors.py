from django.conf import settings


def service(request):
    """Give every template the service's name."""
    return {"service_name": settings.DROPIN_SERVICE_NAME}
