"""Sickness absence for managers: a site's figures by team and month, entered by hand or imported from CSV."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ..forms import SicknessConfirmForm, SicknessForm, SicknessSiteForm, SicknessUploadForm
from ..models import SicknessRecord
from ..permissions import role_required, sites_managed_by
from ..services import sickness as service
from ..services import sickness_import as importing

TYPED_IN_LINKS = ("team", "month", "fte_days_lost", "fte_days_available")


def _page(site) -> str:
    return f"{reverse('insights_sickness')}?site={site.slug}"


@require_http_methods(["GET", "POST"])
@role_required("manager")
def sickness(request):
    """Who may use it: managers. A site's sickness figures by team and month; enter or correct one by hand."""
    sites = list(sites_managed_by(request.user))
    choice = SicknessSiteForm(request.GET, sites=sites)
    if not choice.is_valid():
        return render(request, "insights/sickness.html", {"choice": choice, "sites": sites})
    site = choice.cleaned_data["site"]
    # A "Change" link in the table fills the form from its query string: shown only, checked when saved.
    initial = {name: request.GET[name][:40] for name in TYPED_IN_LINKS if name in request.GET}
    teams = list(site.teams.order_by("name"))
    form = SicknessForm(request.POST if request.method == "POST" else None, site=site, teams=teams,
                        initial=initial) if teams else None
    existing = None
    if form is not None and form.is_bound and form.is_valid():
        figures = form.cleaned_data
        existing = SicknessRecord.objects.filter(team=figures["team"], month=figures["month"]).first()
        if existing is None or request.POST.get("replace") == "yes":
            record, replaced = service.sickness_save(actor=request.user, **figures)
            line = service.SicknessLine(record)
            messages.success(request, f"{'Replaced' if replaced else 'Saved'} the figures for {record.team.name}, "
                                      f"{line.month_label}: {line.lost} FTE days lost of {line.available} available "
                                      f"({line.rate}).")
            return redirect(_page(site))
        existing = service.SicknessLine(existing)
    return render(request, "insights/sickness.html", {
        "choice": choice, "sites": sites, "site": site, "form": form, "existing": existing,
        "lines": service.sickness_recent(site=site),
    })


def _upload_page(request, form):
    return render(request, "insights/sickness_import.html", {"form": form})


def _preview_page(request, parsed, form, confirm=None):
    confirm = confirm or SicknessConfirmForm(sites=[parsed.site])
    return render(request, "insights/sickness_preview.html", {"parsed": parsed, "form": form, "confirm": confirm})


@require_http_methods(["GET", "POST"])
@role_required("manager")
def sickness_import(request):
    """Who may use it: managers. Upload a CSV file, see every row checked, then confirm; nothing is saved before."""
    sites = list(sites_managed_by(request.user))
    if request.method == "POST" and request.POST.get("action") == "confirm":
        return _confirm(request, sites)
    bound = request.method == "POST"
    form = SicknessUploadForm(request.POST if bound else None, request.FILES if bound else None, sites=sites,
                              initial={"site": request.GET.get("site", "")})
    if not (bound and form.is_valid()):
        return _upload_page(request, form)
    site = form.cleaned_data["site"]
    try:
        parsed = importing.sickness_preview(site=site, text=form.cleaned_data["file"])
    except ValidationError as error:
        form.add_error("file", error)
        return _upload_page(request, form)
    return _preview_page(request, parsed, SicknessUploadForm(sites=sites, initial={"site": site.slug}))


def _confirm(request, sites):
    form = SicknessConfirmForm(request.POST, sites=sites)
    site = None
    try:
        if not form.is_valid():
            raise ValidationError(importing.NOT_CHECKED)
        site = form.cleaned_data["site"]
        parsed = importing.sickness_confirm(site=site, payload=form.cleaned_data["payload"],
                                          signature=form.cleaned_data["signature"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(f"{reverse('insights_sickness_import')}" + (f"?site={site.slug}" if site else ""))
    if parsed.changed_since_preview or not parsed.can_import:
        # Teams or saved figures changed since the preview: show what the file would do now.
        messages.error(request, importing.CHANGED_SINCE_PREVIEW)
        return _preview_page(request, parsed, SicknessUploadForm(sites=sites, initial={"site": site.slug}))
    try:
        imported = importing.sickness_import(actor=request.user, parsed=parsed,
                                             month_not_ended=form.cleaned_data["month_not_ended"])
    except ValidationError as error:
        if error.code != "month_not_ended":
            raise
        form.add_error("month_not_ended", error)  # months still running, not confirmed: ask again
        return _preview_page(request, parsed, SicknessUploadForm(sites=sites, initial={"site": site.slug}), form)
    messages.success(request, f"Imported {imported.saved} team-month{'s' if imported.saved != 1 else ''} "
                              f"({imported.replaced} replaced).")
    return redirect(_page(site))

