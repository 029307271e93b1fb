"""Time away and cover. Who may use them: supervisors and managers, for their sites."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ..forms import HandOverForm, TimeAwayForm
from ..models import User
from ..permissions import role_required, sites_for
from ..services import cover
from .form_errors import add_errors
from .supervise import ROLES, my_session


@require_http_methods(["GET", "POST"])
@role_required(*ROLES)
def time_away(request):
    """Who may use it: supervisors (their own) and managers (their sites' supervisors). Record time away."""
    people = cover.people_recorded_by(request.user)
    form = TimeAwayForm(request.POST or None, people=User.objects.filter(pk__in=[p.pk for p in people]),
                        initial={"supervisor": request.user.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cover.time_away_add(actor=request.user, supervisor=data["supervisor"], starts_on=data["starts_on"],
                                ends_on=data["ends_on"], note=data["note"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Time away recorded. Sessions in it show as needing cover to everyone "
                                      "at the sites.")
            return redirect("supervise_time_away")
    sites = sites_for(request.user)
    now = timezone.now()
    return render(request, "supervise/time_away.html", {
        "form": form if people else None,
        "away": cover.time_away_for(viewer=request.user, sites=sites, now=now),
        "needing_cover": cover.sessions_needing_cover(sites=sites, now=now),
        "may_remove": {p.pk for p in people},
    })


@require_POST
@role_required(*ROLES)
def time_away_remove(request, pk: int):
    """Who may use it: the supervisor herself, or a manager of her sites. Remove time away."""
    away = get_object_or_404(cover.time_away_for(viewer=request.user, sites=sites_for(request.user),
                                                 now=timezone.now()), pk=pk)
    try:
        cover.time_away_remove(actor=request.user, away=away)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Time away removed.")
    return redirect("supervise_time_away")


@require_http_methods(["GET", "POST"])
@role_required(*ROLES)
def session_cover(request, pk: int):
    """Who may use it: supervisors and managers of the site. Hand a session to another supervisor."""
    session = my_session(request, pk)
    people = cover.cover_choices(session=session)
    form = HandOverForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        try:
            cover.session_hand_over(actor=request.user, session=session, supervisor=form.cleaned_data["supervisor"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{form.cleaned_data['supervisor'].public_name} runs it now. Staff pages and "
                                      "calendars show the change.")
            return redirect("supervise_session", pk=session.pk)
    return render(request, "supervise/session_cover.html", {
        "session": session, "form": form, "people": people,
        "away": cover.away_on(session),
    })
