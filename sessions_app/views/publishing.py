"""Channels for staff, from the same published sessions: calendar feeds, the poster, the handover note."""
import datetime

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from ..forms import MAX_WEEKS
from ..models import Contract, Session, Site, Team, User
from ..services import calendar_addresses, publishing
from ..services.built import built

CALENDAR_TYPE = "text/calendar; charset=utf-8"
PLAIN_TYPE = "text/plain; charset=utf-8"
POSTER_WEEKS = 4
POSTER_MOST = 8  # as many as fit on one A4 page in large type
POSTER_ROOMS = 2  # rooms described in full; with more, each session names its room


def _feed(request, site: str | None = None, team: str | None = None, supervisor: User | None = None) -> publishing.Feed:
    """Return the feed asked for, once per request (its ETag, its date, its body); 404 for unknown sites or teams.

    A site's or team's feed by their slugs; a supervisor's own feed once her address has been checked.
    """
    if not hasattr(request, "_dropin_feed"):
        now = timezone.now()
        absolute = request.build_absolute_uri
        if supervisor is not None:
            def build():
                feed = publishing.supervisor_feed_for(supervisor=supervisor, now=now, absolute=absolute)
                return feed, feed.good_until

            name, parts = "supervisor-feed", (supervisor.pk, supervisor.calendar_version)
        else:
            def build():
                feed = publishing.feed_for(site_slug=site, team_slug=team, now=now, absolute=absolute)
                return feed, feed.good_until if feed else now

            name, parts = "feed", (site, team)
        # The addresses inside are built from the request's, so they are part of the key.
        feed = built(name, (*parts, request.scheme, request.get_host()), build, now=now)
        if feed is None:
            raise Http404("No such site.")
        request._dropin_feed = feed
    return request._dropin_feed


def _etag(request, **feed) -> str:
    return _feed(request, **feed).etag


def _last_modified(request, **feed) -> datetime.datetime:
    return _feed(request, **feed).last_modified


def _calendar_response(request, sessions, *, name: str, site: Site, filename: str) -> HttpResponse:
    body = publishing.calendar_for(sessions.select_related("site", "room", "supervisor").order_by("starts_at", "pk"),
                                   name=name, time_zone=site.time_zone, absolute=request.build_absolute_uri)
    return _calendar(body, filename=filename)


def _calendar(body: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CALENDAR_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-cache"  # calendars revalidate with the ETag: a 304 costs one query
    return response


def _feed_response(request, *, filename: str, **feed) -> HttpResponse:
    return _calendar(_feed(request, **feed).body, filename=filename)


@require_safe
@cache_control(no_cache=True)  # outside condition(), so a 304 says it too
@condition(etag_func=_etag, last_modified_func=_last_modified)
def calendar_site(request, site: str):
    """Who may see it: anyone. The site's subscription feed (a 304 when the calendar's copy is current)."""
    return _feed_response(request, site=site, filename=f"{site}.ics")


@require_safe
@cache_control(no_cache=True)
@condition(etag_func=_etag, last_modified_func=_last_modified)
def calendar_team(request, site: str, team: str):
    """Who may see it: anyone. A team's subscription feed: its sessions and those for everyone at the site."""
    return _feed_response(request, site=site, team=team, filename=f"{site}-{team}.ics")


@require_safe
def calendar_supervisor(request, token: str):
    """Who may see it: anyone with the address, which only its supervisor is shown. The sessions she runs."""
    try:
        supervisor = calendar_addresses.calendar_owner(token=token)
    except calendar_addresses.AddressRefused as refusal:
        # Plain words, not a page: a calendar app is asking. 410 tells it to stop asking.
        return HttpResponse(f"{refusal}\n", status=410 if refusal.gone else 404, content_type=PLAIN_TYPE)
    return _supervisor_feed(request, supervisor=supervisor)


@cache_control(no_cache=True)
@condition(etag_func=_etag, last_modified_func=_last_modified)
def _supervisor_feed(request, *, supervisor: User):
    return _feed_response(request, supervisor=supervisor, filename="drop-in-sessions-i-run.ics")


@require_safe
def calendar_session(request, pk: int):
    """Who may see it: anyone. One session as an .ics file, to add to a calendar."""
    session = get_object_or_404(Session.objects.select_related("site"), pk=pk)
    response = _calendar_response(request, Session.objects.filter(pk=session.pk), name=publishing.SUMMARY,
                                  site=session.site, filename=f"drop-in-{session.pk}.ics")
    response["Content-Disposition"] = f'attachment; filename="drop-in-{session.pk}.ics"'
    return response


def site_page_url(request, site: Site) -> str:
    return request.build_absolute_uri(publishing.site_page_path(site))


@require_safe
def poster(request, site: str):
    """Who may see it: anyone. One A4 page to print and pin up: the next sessions, the room and a QR code."""
    site = get_object_or_404(Site, slug=site)
    try:
        weeks = min(max(int(request.GET.get("weeks", POSTER_WEEKS)), 1), MAX_WEEKS)
    except ValueError:
        weeks = POSTER_WEEKS
    sessions = list(publishing.poster_sessions(site=site, now=timezone.now(), weeks=weeks)[:POSTER_MOST + 1])
    rooms = {s.room for s in sessions[:POSTER_MOST] if s.room is not None}
    return render(request, "public/poster.html", {
        "site": site,
        "sessions": sessions[:POSTER_MOST],
        "more": len(sessions) > POSTER_MOST,
        "weeks": weeks,
        "rooms": sorted(rooms, key=lambda room: room.name)[:POSTER_ROOMS],
        "more_rooms": len(rooms) > POSTER_ROOMS,
        "name_rooms": len(rooms) > 1,
        "page_url": site_page_url(request, site),
        "contract_address": request.build_absolute_uri(reverse("contract")),
        "pulse_address": request.build_absolute_uri(reverse("pulse", args=[site.slug])),
        "has_contract": Contract.objects.published().exists(),
    })


@require_safe
def poster_qr(request, site: str):
    """Who may see it: anyone. The poster's QR code (SVG): it opens the site's upcoming page."""
    site = get_object_or_404(Site, slug=site)
    response = HttpResponse(publishing.qr_svg(site_page_url(request, site)), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def handover(request, site: str):
    """Who may see it: anyone. This week's drop-ins as a line of plain text to read out at handover."""
    site = get_object_or_404(Site, slug=site)
    return HttpResponse(publishing.handover_texts(sites=[site], now=timezone.now())[site.pk] + "\n",
                        content_type=PLAIN_TYPE)


def feed_links(request, site: Site | None, team: Team | None = None) -> dict | None:
    """Return the subscription addresses (https and webcal) for a site's or a team's feed, if there is one."""
    if site is None:
        return None
    path = reverse("calendar_team", args=[site.slug, team.slug]) if team else reverse("calendar_site", args=[site.slug])
    return _links(request, path)


def supervisor_feed_links(request, supervisor: User) -> dict:
    """Return the addresses (https and webcal) of a supervisor's private feed, as it is now."""
    return _links(request, reverse("calendar_supervisor", args=[calendar_addresses.calendar_token(user=supervisor)]))


def _links(request, path: str) -> dict:
    https = request.build_absolute_uri(path)
    return {"https": https, "webcal": publishing.webcal(https)}
