"""Regular series in the workspace: preview every date, confirm, edit from now on, cancel the rest."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Min, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from ..forms import SeriesCancelForm, SeriesForm
from ..models import Series
from ..permissions import role_required, sites_for
from ..services import series as series_service
from .form_errors import add_errors
from .supervise import ROLES

STALE_PREVIEW = "The dates have changed since the preview. Check the new preview, then confirm."


def _my_series(request, pk: int) -> Series:
    """Return a series at one of the user's sites, or 404."""
    return get_object_or_404(Series.objects.select_related("site", "room", "supervisor"), pk=pk,
                             site__in=sites_for(request.user))


def _plan_and_publish(request, form: SeriesForm, publish):
    """Return (plan, published): the preview of what was posted, published only if confirmed unchanged."""
    if request.method != "POST" or not form.is_valid():
        return None, False
    series = form.build()
    teams = list(form.cleaned_data["audience_teams"])
    try:
        plan = series_service.series_plan(series, teams=teams)
    except ValidationError as error:
        add_errors(form, error)
        return None, False
    if request.POST.get("action") != "confirm":
        return plan, False
    if request.POST.get("fingerprint") != plan.fingerprint:
        form.add_error(None, STALE_PREVIEW)
        return plan, False
    try:
        return publish(actor=request.user, series=series, audience_teams=teams, fingerprint=plan.fingerprint), True
    except ValidationError as error:
        add_errors(form, error)
        return plan, False


@require_safe
@role_required(*ROLES)
def series_list(request):
    """Who may see it: supervisors and managers. The regular series at their sites."""
    coming = Q(sessions__status="scheduled", sessions__starts_at__gt=timezone.now())
    all_series = list(
        Series.objects.filter(site__in=sites_for(request.user)).select_related("site", "supervisor")
        .annotate(coming=Count("sessions", filter=coming), next_at=Min("sessions__starts_at", filter=coming))
        .order_by("site__name", "-ends_on", "pk")
    )
    for series in all_series:
        series.description = series_service.series_describe(series)
    return render(request, "supervise/series_list.html", {"all_series": all_series})


@require_http_methods(["GET", "POST"])
@role_required(*ROLES)
def series_add(request):
    """Who may use it: supervisors and managers, for their sites. Preview a regular series, then publish it."""
    form = SeriesForm(request.POST or None, sites=sites_for(request.user), actor=request.user)
    plan, published = _plan_and_publish(request, form, series_service.series_publish)
    if published:
        messages.success(request, f"{len(plan.creates)} sessions published. Staff can see them now.")
        return redirect("supervise_series", pk=plan.series.pk)
    return render(request, "supervise/series_form.html", {"form": form, "plan": plan, "series": None})


@require_http_methods(["GET", "POST"])
@role_required(*ROLES)
def series_edit(request, pk: int):
    """Who may use it: supervisors and managers of the site. Change a series from now on; the past stays."""
    series = _my_series(request, pk)
    description = series_service.series_describe(series)
    form = SeriesForm(request.POST or None, sites=sites_for(request.user), series=series,
                      initial=SeriesForm.initial_for(series))
    plan, published = _plan_and_publish(request, form, series_service.series_change)
    if published:
        messages.success(request, "Series changed. Future sessions follow it; past ones are as they were.")
        return redirect("supervise_series", pk=series.pk)
    return render(request, "supervise/series_form.html", {
        "form": form, "plan": plan, "series": series, "description": description,
        "sessions": series.sessions.select_related("site", "room").order_by("starts_at")[:400],
    })


@require_http_methods(["GET", "POST"])
@role_required(*ROLES)
def series_cancel(request, pk: int):
    """Who may use it: supervisors and managers of the site. Cancel every future date of a series at once."""
    series = _my_series(request, pk)
    form = SeriesCancelForm(request.POST or None)
    coming = series.sessions.scheduled().filter(starts_at__gt=timezone.now()).count()
    if request.method == "POST" and form.is_valid():
        count = series_service.series_cancel_rest(actor=request.user, series=series,
                                                  reason=form.cleaned_data["reason"])
        messages.success(request, f"{count} session{'s' if count != 1 else ''} cancelled. Staff see your reason.")
        return redirect("supervise_series", pk=series.pk)
    series.description = series_service.series_describe(series)
    return render(request, "supervise/series_cancel.html", {"series": series, "form": form, "coming": coming})
