"""Pages for staff. Anyone may see them: staff never sign in and never book.

The upcoming and session pages keep what they built under the version the database gives
(services/listing.py, remembered while no change is heard: services/changes.py): the main part for
anyone, and the whole page for anonymous visitors (views/kept.py).
"""
import re

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_safe

from ..forms import MAX_WEEKS, UpcomingFilterForm
from ..models import Contract, Session, Site
from ..services.changes import version_remembered
from ..services.feedback import feedback_quotes
from ..services.listing import (UpcomingVersion, page_parts, session_version, sessions_by_week, sessions_later,
                                sessions_upcoming, upcoming_version)
from ..templatetags.dropin import nhs_date
from .kept import kept_page
from .publishing import feed_links

MORE_WEEKS_STEP = 8


@require_safe
def upcoming(request):
    """Who may see it: anyone. The next drop-ins, grouped by week and day."""
    now = timezone.now()
    version = _upcoming_version(request, now=now)
    if version is None:
        return render(request, "public/upcoming.html", {"page": _upcoming_page(request, now=now)})
    # Feed links are full addresses, built from the request's; the day decides “Today” and week headings.
    key = ("upcoming", tuple(sorted(request.GET.items())), request.scheme, request.get_host(),
           timezone.localdate(now), version)

    def render_page():
        page = page_parts.get_or_build(key, lambda: _upcoming_page(request, now=now, version=version))
        return render(request, "public/upcoming.html", {"page": page})

    return kept_page(request, key, render_page)


SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")
WEEKS = re.compile(r"[0-9]{1,3}")


def _upcoming_version(request, *, now) -> UpcomingVersion | None:
    """The version of the page asked for, from the database now; None when the page is not kept.

    Only ordinary requests are kept: anything else in the query string (junk, a mistyped link) is
    built every time, and never reaches this query.
    """
    site, team, weeks = (request.GET.get(name, "") for name in ("site", "team", "weeks"))
    if set(request.GET) - {"site", "team", "weeks"} or any(
            value and not SLUG.fullmatch(value) for value in (site, team)) or (weeks and not WEEKS.fullmatch(weeks)):
        return None
    ahead = int(weeks) if weeks and 1 <= int(weeks) <= MAX_WEEKS else settings.DROPIN_UPCOMING_WEEKS
    version = version_remembered(("upcoming", site or None, ahead),
                                 lambda: upcoming_version(site_slug=site or None, weeks=ahead, now=now))
    # An old or mistyped site shows every site, which this version does not follow: built every time.
    return None if site and not version.site_known else version


def _upcoming_page(request, *, now, version: UpcomingVersion | None = None) -> dict:
    form = UpcomingFilterForm(request.GET, sites=list(Site.objects.all()))
    site, team, weeks = form.value("site"), form.value("team"), form.weeks_ahead
    sessions = list(sessions_upcoming(now=now, weeks=weeks, site=site, team=team))
    # The version already knows, when it counted the same sessions: the same site (or all), every team.
    known = (version is not None and team is None and version.weeks == weeks
             and version.site_slug == (site.slug if site else None))
    # Asked only when its answer is used: at the furthest reach there is no "show more".
    later = weeks < MAX_WEEKS and (version.any_later if known else
                                   sessions_later(now=now, weeks=weeks, site=site, team=team))
    more_weeks = min(weeks + MORE_WEEKS_STEP, MAX_WEEKS) if later else None
    one_site = site or form.site_for_teams
    heading_site = site or (form.site_for_teams if not form.show_site_filter else None)
    main = render_to_string("public/upcoming_main.html", {
        "form": form,
        "site": site,
        "team": team,
        "heading_site": heading_site,
        "feed": feed_links(request, one_site, team),
        "pulse_site": one_site,
        "quotes": feedback_quotes(site=one_site) if version is None or version.any_quotes else [],
        "today": timezone.localdate(now),
        "weeks": weeks,
        "more_weeks": more_weeks,
        "calendar": sessions_by_week(sessions=sessions),
        "now": now,
    })
    return {"main": main, "errors": bool(form.errors), "team_name": team.name if team else None,
            "site_name": heading_site.name if heading_site else None}


@require_safe
def session_detail(request, pk: int):
    """Who may see it: anyone. One session with everything staff need to find it."""
    now = timezone.now()
    version = version_remembered(("session", pk), lambda: session_version(pk=pk, now=now))
    if version is None:
        raise Http404("No such session.")

    def build() -> dict:
        session = get_object_or_404(Session.objects.for_display(), pk=pk)
        return {"title": f"Drop-in supervision on {nhs_date(session.local_starts_at)}",
                "main": render_to_string("public/session_detail_main.html", {"session": session, "now": now})}

    key = ("session", pk, version)
    return kept_page(request, key, lambda: render(request, "public/session_detail.html",
                                                  {"page": page_parts.get_or_build(key, build)}))


@require_safe
def contract_current(request):
    """Who may see it: anyone. The current published supervision contract."""
    contract = Contract.objects.current()
    if contract is None:
        raise Http404("No supervision contract has been published yet.")
    return _render_contract(request, contract)


@require_safe
def contract_version(request, version: int):
    """Who may see it: anyone. An earlier published version; drafts are never public."""
    contract = get_object_or_404(Contract.objects.published(), version=version)
    return _render_contract(request, contract)


def _render_contract(request, contract: Contract):
    versions = Contract.objects.published().only("version", "published_at")
    current = versions.first()
    return render(request, "public/contract.html", {
        "contract": contract,
        "is_current": current is not None and current.pk == contract.pk,
        "versions": versions,
    })
