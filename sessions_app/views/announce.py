"""Announcing sessions by email from the workspace: preview, send, and send the changes later."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ..forms import AddressesForm, AnnounceForm
from ..models import Announcement
from ..permissions import role_required, sites_for
from ..services import announcements
from .form_errors import add_errors
from .supervise import ROLES


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


def _send(request, email, addresses_form) -> bool:
    """Save the addresses if they changed, then send; return whether it went. Errors land on the form."""
    if request.POST.get("shown") != email.digest:
        addresses_form.add_error(None, "The email has changed since you saw it (a session changed, or a new day "
                                       "began). Check it again below, then send.")
        return False
    try:
        record = announcements.email_send_to(email, actor=request.user,
                                             addresses=addresses_form.cleaned_data["addresses"],
                                             again=request.POST.get("action") == "again")
    except announcements.AlreadySent as error:
        addresses_form.already_sent = error.previous
        add_errors(addresses_form, error)
        return False
    except ValidationError as error:
        add_errors(addresses_form, error)
        return False
    messages.success(request, f"Sent to {record.recipients} address{'es' if record.recipients != 1 else ''}.")
    return True


def _email_page(request, *, build, changes_kind: bool):
    """Show the chosen site's email and send it on request. `build(site, weeks)` makes it (or None)."""
    sites = list(sites_for(request.user))
    choice = AnnounceForm(request.GET, sites=sites_for(request.user))
    email = addresses_form = None
    if sites and choice.is_valid():
        site = choice.cleaned_data["site"]
        email = build(site, choice.cleaned_data["weeks"])
        if email is not None:
            addresses_form = AddressesForm(request.POST or None, initial={"addresses": site.announcement_addresses})
            addresses_form.already_sent = None
            if request.method == "POST" and addresses_form.is_valid() and _send(request, email, addresses_form):
                return redirect(f"{reverse('supervise_announce')}?site={site.slug}&weeks={choice.cleaned_data['weeks']}")
    return render(request, "supervise/announce.html", {
        "choice": choice, "email": email, "form": addresses_form, "sites": sites, "changes_kind": changes_kind,
        "history": [] if changes_kind else
        Announcement.objects.filter(site__in=sites).select_related("site", "sent_by")[:10],
    })


@require_http_methods(["GET", "POST"])
@role_required(*ROLES)
def announce(request):
    """Who may use it: supervisors and managers, for their sites. Preview and send an email of the dates."""

    def build(site, weeks):
        starts_on, ends_on = announcements.period_for(site=site, weeks=weeks)
        return announcements.announcement_build(site=site, starts_on=starts_on, ends_on=ends_on,
                                                base_url=_base_url(request))

    return _email_page(request, build=build, changes_kind=False)


@require_http_methods(["GET", "POST"])
@role_required(*ROLES)
def announce_changes(request):
    """Who may use it: supervisors and managers, for their sites. Email what changed since the last email."""
    return _email_page(request, build=lambda site, weeks: announcements.changes_build(
        site=site, base_url=_base_url(request)), changes_kind=True)
