"""Error pages in the NHS.UK look, for every audience."""
from django.conf import settings
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # No request context and no database: this page must render when something is broken.
    html = loader.get_template("500.html").render({"service_name": settings.DROPIN_SERVICE_NAME})
    return HttpResponseServerError(html)
