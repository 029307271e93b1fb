"""Whole pages served from the cache to anonymous visitors, when the page is the same for anyone who asks.

A page is kept only for a GET with no session cookie (not signed in) and no messages cookie, whose rendering
used nothing of the visitor's (no CSRF token, no CSP nonce). The check is made on each page as it is built,
so a template that starts using either is simply not kept. Pages for signed-in people are never kept.
"""
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from ..services.built import built


def for_any_visitor(request) -> bool:
    """Whether the page asked for would be the same for anyone who asked."""
    return request.method == "GET" and not (
        {settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name} & request.COOKIES.keys())


def _used_the_visitors_own(request) -> bool:
    return bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or getattr(request, "_csp_nonce", None))


def page_for_anyone(request, parts: tuple, render_page, *, now, generation) -> HttpResponse:
    """Serve the page kept for `parts`, or render it (and keep it, if it may be): render_page() gives (page, good until)."""
    if not for_any_visitor(request):
        return render_page()[0]
    rendered = []

    def build():
        response, good_until = render_page()
        rendered.append(response)
        keep = response.status_code == 200 and not response.streaming and not _used_the_visitors_own(request)
        return (response.content, response["Content-Type"]), (good_until if keep else now)

    content, content_type = built("page", parts, build, now=now, generation=generation)
    if rendered:
        return rendered[0]
    response = HttpResponse(content, content_type=content_type)
    patch_vary_headers(response, ["Cookie"])  # as a page rendered for this visitor would say
    return response
