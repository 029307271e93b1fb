"""Pages for staff. Anyone may see them: staff never sign in and never book."""
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from ..forms import MAX_WEEKS, UpcomingFilterForm
from ..models import Contract, Session, Site
from ..services.feedback import feedback_quotes
from ..services.listing import sessions_by_week, sessions_later, sessions_upcoming
from .publishing import feed_links

MORE_WEEKS_STEP = 8


@require_safe
def upcoming(request):
    """Who may see it: anyone. The next drop-ins, grouped by week and day."""
    now = timezone.now()
    form = UpcomingFilterForm(request.GET, sites=list(Site.objects.all()))
    site, team, weeks = form.value("site"), form.value("team"), form.weeks_ahead
    sessions = list(sessions_upcoming(now=now, weeks=weeks, site=site, team=team))
    # Asked only when its answer is used: at the furthest reach there is no "show more".
    later = weeks < MAX_WEEKS and sessions_later(now=now, weeks=weeks, site=site, team=team)
    more_weeks = min(weeks + MORE_WEEKS_STEP, MAX_WEEKS) if later else None
    one_site = site or form.site_for_teams
    return render(request, "public/upcoming.html", {
        "form": form,
        "site": site,
        "team": team,
        "heading_site": site or (form.site_for_teams if not form.show_site_filter else None),
        "feed": feed_links(request, one_site, team),
        "pulse_site": one_site,
        "quotes": feedback_quotes(site=one_site),
        "today": timezone.localdate(),
        "weeks": weeks,
        "more_weeks": more_weeks,
        "calendar": sessions_by_week(sessions=sessions),
        "now": now,
    })


@require_safe
def session_detail(request, pk: int):
    """Who may see it: anyone. One session with everything staff need to find it."""
    session = get_object_or_404(Session.objects.for_display(), pk=pk)
    return render(request, "public/session_detail.html", {"session": session, "now": timezone.now()})


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
