"""Managers set up their sites, teams and the supervision contract in the app, without the Django admin.

Who may use it: managers, for the sites they manage (another site's pages are not found); the contract is the
whole service's, so only managers of all sites and service administrators change it.
"""
import copy
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ..forms.contract import ContractDraftForm, ContractPublishForm
from ..forms.places import SiteForm, TeamForm, TeamRetireForm
from ..models import Contract, Site, Team
from ..permissions import manages_everything, role_required, sites_managed_by
from ..services import contract as contract_service
from ..services import places
from .form_errors import add_errors, errors_sentence

CONTRACT_IS_SERVICE_WIDE = ("The supervision contract is the same at every site, so only a manager of all sites "
                            "or a service administrator can change it.")


def manages_every_site(view):
    """Let in only those who manage every site (after role_required has let in managers)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not manages_everything(request.user):
            raise PermissionDenied(CONTRACT_IS_SERVICE_WIDE)
        return view(request, *args, **kwargs)

    return wrapped


def _my_site(request, slug: str) -> Site:
    """Return a site this person manages, or 404: other sites' settings are not hers to see."""
    return get_object_or_404(sites_managed_by(request.user), slug=slug)


def _my_team(request, slug: str, pk: int) -> Team:
    return get_object_or_404(Team.objects.select_related("site"), pk=pk, site=_my_site(request, slug))


@require_safe
@role_required("manager")
def sites(request):
    """Who may see it: managers and service administrators. The sites she manages, each linking to its settings."""
    listed = sites_managed_by(request.user).annotate(
        teams_active=Count("teams", filter=Q(teams__is_active=True), distinct=True),
        rooms_active=Count("rooms", filter=Q(rooms__is_active=True), distinct=True),
    )
    return render(request, "manage/sites.html", {
        "sites": listed, "may_change_contract": manages_everything(request.user),
    })


@require_http_methods(["GET", "POST"])
@role_required("manager")
def site_add(request):
    """Who may use it: managers and service administrators. Add a site; she then manages it."""
    form = SiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            site = places.site_add(actor=request.user, site=form.save(commit=False))
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{site.name} added. Add its teams and rooms next.")
            return redirect("manage_site", site=site.slug)
    return render(request, "manage/site_add.html", {"form": form})


@require_http_methods(["GET", "POST"])
@role_required("manager")
def site(request, site: str):
    """Who may use it: managers of the site. Change its settings; see its teams and rooms."""
    site = _my_site(request, site)
    slug_locked = places.site_slug_locked(site=site)
    # The form works on a copy: a failed form must not rename the page it is on.
    form = SiteForm(request.POST or None, instance=copy.copy(site), slug_locked=slug_locked)
    if request.method == "POST" and form.is_valid():
        try:
            changed = places.site_change(actor=request.user, site=form.save(commit=False))
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Settings for {changed.name} saved.")
            return redirect("manage_site", site=changed.slug)
    return render(request, "manage/site.html", {
        "site": site, "form": form, "slug_locked": slug_locked, "slug_locked_because": places.SITE_SLUG_LOCKED,
        "teams": site.teams.order_by("-is_active", "name"),
    })


@require_http_methods(["GET", "POST"])
@role_required("manager")
def team_add(request, site: str):
    """Who may use it: managers of the site. Add a team there."""
    site = _my_site(request, site)
    form = TeamForm(request.POST or None, site=site)
    if request.method == "POST" and form.is_valid():
        try:
            team = places.team_add(actor=request.user, team=form.save(commit=False))
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Team “{team.name}” added to {site.name}.")
            return redirect("manage_site", site=site.slug)
    return render(request, "manage/team.html", {"site": site, "form": form})


@require_http_methods(["GET", "POST"])
@role_required("manager")
def team(request, site: str, pk: int):
    """Who may use it: managers of the team's site. Change the team, or retire it or bring it back."""
    team = _my_team(request, site, pk)
    slug_locked = places.team_slug_locked(team=team)
    form = TeamForm(request.POST or None, instance=copy.copy(team), site=team.site, slug_locked=slug_locked)
    if request.method == "POST" and form.is_valid():
        try:
            changed = places.team_change(actor=request.user, team=form.save(commit=False))
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Team “{changed.name}” saved.")
            return redirect("manage_site", site=team.site.slug)
    return render(request, "manage/team.html", {
        "site": team.site, "team": team, "form": form, "slug_locked": slug_locked,
        "slug_locked_because": places.TEAM_SLUG_LOCKED,
    })


@require_POST
@role_required("manager")
def team_retire(request, site: str, pk: int):
    """Who may use it: managers of the team's site. Retire the team (never deleted), or bring it back."""
    team = _my_team(request, site, pk)
    form = TeamRetireForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_sentence(form))
    elif places.team_retire(actor=request.user, team=team, retire=form.cleaned_data["action"]).is_active:
        messages.success(request, f"Team “{team.name}” is back: it is offered for new sessions again.")
    else:
        messages.success(request, f"Team “{team.name}” retired. Its figures are kept; it is not offered for new "
                                  "sessions or in the pulse.")
    return redirect("manage_team", site=team.site.slug, pk=team.pk)


@require_safe
@role_required("manager")
@manages_every_site
def contract(request):
    """Who may see it: managers of all sites and service administrators. Every version, and the draft if any."""
    versions = list(Contract.objects.only("version", "published_at", "created_at"))
    return render(request, "manage/contract.html", {
        "published": [version for version in versions if version.is_published],
        "draft": next((version for version in versions if not version.is_published), None),
    })


@require_POST
@role_required("manager")
@manages_every_site
def contract_draft_start(request):
    """Who may use it: managers of all sites and service administrators. Start a draft from the current text."""
    try:
        draft = contract_service.contract_draft_start(actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("manage_contract")
    messages.success(request, f"Draft version {draft.version} started from the current text. Change what needs to "
                              "change, then preview it.")
    return redirect("manage_contract_draft")


@require_http_methods(["GET", "POST"])
@role_required("manager")
@manages_every_site
def contract_draft(request):
    """Who may use it: managers of all sites and service administrators. Change the draft's sections."""
    draft = contract_service.contract_draft_find()
    if request.method == "POST":
        form = ContractDraftForm(request.POST)
        if form.is_valid():
            try:
                changed = contract_service.contract_draft_change(
                    actor=request.user, version=form.cleaned_data["version"], sections=form.sections())
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, f"Draft version {changed.version} saved. Check it as staff will see it, "
                                          "then publish it.")
                return redirect("manage_contract_preview")
    else:
        form = ContractDraftForm(initial=ContractDraftForm.initial_for(draft)) if draft else None
    return render(request, "manage/contract_draft.html", {"draft": draft, "form": form})


@require_safe
@role_required("manager")
@manages_every_site
def contract_preview(request):
    """Who may see it: managers of all sites and service administrators. The draft exactly as staff will see it."""
    draft = contract_service.contract_draft_find()
    form = None
    if draft is not None:
        form = ContractPublishForm(initial={"version": draft.version,
                                            "fingerprint": contract_service.contract_fingerprint(draft)})
    return render(request, "manage/contract_preview.html", {"draft": draft, "form": form, "today": timezone.now()})


@require_POST
@role_required("manager")
@manages_every_site
def contract_publish(request):
    """Who may use it: managers of all sites and service administrators. Publish the previewed draft for good."""
    form = ContractPublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_sentence(form))
        return redirect("manage_contract")
    try:
        published = contract_service.contract_publish(actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("manage_contract_preview")
    messages.success(request, f"Version {published.version} is published. Staff see it now on the contract page.")
    return redirect("manage_contract")
