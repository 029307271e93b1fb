"""Pages for staff. Anyone may see them: staff never sign in and never book.

The upcoming and session pages are built once for each data generation (services/built.py): the main part
for anyone, and the whole page for anonymous visitors (views/pages_for_anyone.py).
"""
import datetime
import re
import zoneinfo

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_safe

from ..forms import MAX_WEEKS, UpcomingFilterForm
from ..models import Contract, Session, Site
from ..services.built import built, data_generation, earliest
from ..services.feedback import feedback_quotes
from ..services.upcoming import first_later_start, session_leading, sessions_by_week, sessions_upcoming
from ..templatetags.dropin import nhs_date
from .pages_for_anyone import page_for_anyone
from .publishing import feed_links

MORE_WEEKS_STEP = 8
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")
WEEKS = re.compile(r"[0-9]{1,3}")


def _ordinary(request) -> bool:
    """Whether the query string is one a link makes: anything else (junk, a mistyped link) is never kept."""
    site, team, weeks = (request.GET.get(name, "") for name in ("site", "team", "weeks"))
    return not (set(request.GET) - {"site", "team", "weeks"}) and all(
        not value or SLUG.fullmatch(value) for value in (site, team)) and (not weeks or WEEKS.fullmatch(weeks))


@require_safe
def upcoming(request):
    """Who may see it: anyone. The next drop-ins, grouped by week and day."""
    now = timezone.now()
    if not _ordinary(request):
        page, _ = _upcoming_page(request, now=now)
        return render(request, "public/upcoming.html", {"page": page})
    generation = data_generation()
    # Feed links are full addresses, built from the request's.
    parts = ("upcoming", tuple(sorted(request.GET.items())), request.scheme, request.get_host())

    def render_page():
        page = built("upcoming", parts, lambda: _upcoming_page(request, now=now), now=now, generation=generation)
        return render(request, "public/upcoming.html", {"page": page}), page["good_until"]

    return page_for_anyone(request, parts, render_page, now=now, generation=generation)


def _next_midnight(now: datetime.datetime) -> datetime.datetime:
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    tomorrow = now.astimezone(zone).date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(tomorrow, datetime.time(), tzinfo=zone)


def _upcoming_page(request, *, now) -> tuple[dict, datetime.datetime | None]:
    """Return the page's main part, and until when it holds: the next start, end, arrival in the weeks shown, or midnight."""
    form = UpcomingFilterForm(request.GET, sites=list(Site.objects.all()))
    if not form.sites:
        # A new deployment: say what to do next, not "no sessions" (a site added changes the generation).
        main = render_to_string("public/no_sites_main.html", {"service_name": settings.DROPIN_SERVICE_NAME})
        return {"main": main, "errors": False, "team_name": None, "site_name": None, "good_until": None}, None
    site, team, weeks = form.value("site"), form.value("team"), form.weeks_ahead
    sessions = list(sessions_upcoming(now=now, weeks=weeks, site=site, team=team))
    leading = session_leading(sessions=sessions)
    later = first_later_start(now=now, weeks=weeks, site=site, team=team)
    more_weeks = min(weeks + MORE_WEEKS_STEP, MAX_WEEKS) if later and weeks < MAX_WEEKS else None
    one_site = site or form.site_for_teams
    heading_site = site or (form.site_for_teams if not form.show_site_filter else None)
    main = render_to_string("public/upcoming_main.html", {
        "form": form,
        "site": site,
        "team": team,
        "heading_site": heading_site,
        "feed": feed_links(request, one_site, team),
        "pulse_site": one_site,
        "quotes": feedback_quotes(site=one_site),
        "today": timezone.localdate(now),
        "weeks": weeks,
        "more_weeks": more_weeks,
        # The session on now or next leads the page; the weeks hold the rest.
        "leading": leading,
        "calendar": sessions_by_week(sessions=[session for session in sessions if session is not leading]),
        "now": now,
    })
    changes = [moment for session in sessions for moment in (session.starts_at, session.ends_at) if moment > now]
    good_until = earliest(_next_midnight(now), *changes, later - datetime.timedelta(weeks=weeks) if later else None)
    if form.errors or (request.GET.get("site") and site is None) or (request.GET.get("team") and team is None):
        good_until = now  # a site or team that doesn't exist, or no longer does: not kept, so junk fills no cache
    page = {"main": main, "errors": bool(form.errors), "team_name": team.name if team else None,
            "site_name": heading_site.name if heading_site else None, "good_until": good_until}
    return page, good_until


@require_safe
def session_detail(request, pk: int):
    """Who may see it: anyone. One session with everything staff need to find it."""
    now = timezone.now()
    generation = data_generation()

    def build():
        session = Session.objects.for_display().filter(pk=pk).first()
        if session is None:
            return None, now  # not kept: any number can be asked for
        main = render_to_string("public/session_detail_main.html", {"session": session, "now": now})
        good_until = next((moment for moment in (session.starts_at, session.ends_at) if moment > now), None)
        return {"title": f"Drop-in supervision on {nhs_date(session.local_starts_at)}", "main": main,
                "good_until": good_until}, good_until

    def render_page():
        page = built("session", (pk,), build, now=now, generation=generation)
        if page is None:
            raise Http404("No such session.")
        return render(request, "public/session_detail.html", {"page": page}), page["good_until"]

    return page_for_anyone(request, ("session", pk), render_page, now=now, generation=generation)


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
