"""Health checks for the load balancer and the orchestrator: plain text, never cached, no sign-in."""
import logging

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@require_safe
@never_cache
def healthz(request):
    """Who may see it: anyone (infrastructure). Liveness: the process answers. It touches no database,
    so a database outage never gets healthy app processes restarted."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@require_safe
@never_cache
def readyz(request):
    """Who may see it: anyone (infrastructure). Readiness: the database answers, so pages can be served."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        # One line, no traceback: the load balancer asks every few seconds for as long as the outage lasts.
        logger.warning("Readiness check failed: the database is unavailable: %s", error)
        return HttpResponse("database unavailable", status=503, content_type="text/plain; charset=utf-8")
    return HttpResponse("ready", content_type="text/plain; charset=utf-8")
