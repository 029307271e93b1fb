"""Error pages in the NHS.UK look, for every audience."""
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.cache import add_never_cache_headers

# What psycopg raises, wrapped by Django, when PostgreSQL cannot be reached or the connection dropped.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    """Answer 503 while the database is unavailable, else 500: a friendly page either way, never a traceback."""
    # Django calls this inside its exception handling, so sys.exception() is what went wrong.
    if isinstance(sys.exception(), DATABASE_UNAVAILABLE):
        return service_unavailable(request)
    return HttpResponseServerError(_render_without_request("500.html"))


def service_unavailable(request):
    """Answer 503 with the friendly page, a time to try again, and nothing a cache or proxy may keep."""
    response = HttpResponse(_render_without_request("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def _render_without_request(template_name: str) -> str:
    # No request context and no database: these pages must render when something is broken.
    return loader.get_template(template_name).render({"service_name": settings.DROPIN_SERVICE_NAME})
