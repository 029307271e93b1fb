"""Whole staff pages kept for anonymous visitors, under the version their view read from the database.

A page is kept only when it is the same for anyone: a GET with no session cookie (not signed in) and
no messages cookie, whose rendering used nothing of the visitor's (no CSRF token, no CSP nonce). The
check is made on each page as it is built, so a template that starts using either is simply not kept.
"""
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from ..services.versioned import VersionedCache

pages_kept = VersionedCache(size=256)


def for_any_visitor(request) -> bool:
    """Whether the page asked for would be the same for anyone who asked."""
    return request.method == "GET" and not (
        {settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name} & request.COOKIES.keys())


def _used_the_visitors_own(request) -> bool:
    return bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or getattr(request, "_csp_nonce", None))


def kept_page(request, key, render_page) -> HttpResponse:
    """Serve the page kept under `key` (which holds its version), or render it and keep it if it may be."""
    if not for_any_visitor(request):
        return render_page()
    kept = pages_kept.get(key)
    if kept is not None:
        content, content_type = kept
        response = HttpResponse(content, content_type=content_type)
        patch_vary_headers(response, ["Cookie"])  # as a page rendered for this visitor would say
        return response
    response = render_page()
    if response.status_code == 200 and not response.streaming and not _used_the_visitors_own(request):
        pages_kept.put(key, (response.content, response["Content-Type"]))
    return response
