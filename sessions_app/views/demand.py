"""Demand in the workspace: did supply meet it, where to add an extra session, and hours off the floor."""
import datetime

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from ..dates import week_of
from ..forms import TargetForm
from ..models import User
from ..permissions import has_role, role_required, sites_for, sites_managed_by
from ..services import demand as demand_service
from .form_errors import errors_sentence
from .supervise import ROLES

PAST_WEEKS = 12
HOURS_WEEKS_BEFORE, HOURS_WEEKS_AFTER = 4, 4


def _supervisors_shown(user) -> list[User]:
    """Managers see every supervisor at their sites; a supervisor sees her own hours."""
    if has_role(user, "manager"):
        return list(User.objects.filter(supervised_sites__in=sites_managed_by(user)).distinct().order_by("display_name", "pk"))
    return [user]


@require_safe
@role_required(*ROLES)
def demand(request):
    """Who may see it: supervisors and managers. Past sessions' demand, suggestions, hours off the floor."""
    now = timezone.now()
    sites = sites_for(request.user)
    this_monday = week_of(timezone.localdate())
    supervisors = _supervisors_shown(request.user)
    past = demand_service.past_sessions(sites=sites, now=now, weeks=PAST_WEEKS, viewer=request.user)
    hours = demand_service.hours_off_the_floor(
        supervisors=supervisors, first_week=this_monday - datetime.timedelta(weeks=HOURS_WEEKS_BEFORE),
        weeks=HOURS_WEEKS_BEFORE + HOURS_WEEKS_AFTER,
    )
    return render(request, "supervise/demand.html", {
        "suggestions": demand_service.demand_suggestions(sites=sites, now=now, viewer=request.user),
        "past": past,
        "past_weeks": PAST_WEEKS,
        "hours": [(person, hours[person.pk]) for person in supervisors],
        "this_monday": this_monday,
        "can_set_targets": has_role(request.user, "manager"),
    })


@require_POST
@role_required("manager")
def supervisor_target(request, pk: int):
    """Who may use it: managers. Set a supervisor's weekly target of hours off the floor."""
    person = get_object_or_404(User.objects.filter(supervised_sites__in=sites_managed_by(request.user)).distinct(), pk=pk)
    form = TargetForm(request.POST)
    if form.is_valid():
        demand_service.supervisor_target_save(actor=request.user, person=person,
                                              hours=form.cleaned_data["weekly_target_hours"])
        messages.success(request, f"Weekly target for {person.public_name} saved.")
    else:
        messages.error(request, errors_sentence(form))
    return redirect("supervise_demand")
