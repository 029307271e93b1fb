"""People: managers invite people to roles at their sites, change roles and deactivate accounts.

Answering an invitation needs no account: the link in the email is the proof.
"""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ..backends import PASSWORD_BACKEND
from ..forms.people import AcceptForm, InviteForm, RolesForm
from ..permissions import manages_everything, role_required, sites_managed_by
from ..services import invitations, people, sign_in_providers
from .sign_in_providers import start as start_provider_sign_in
from .form_errors import add_errors


@require_safe
@role_required("manager")
def people_list(request):
    """Who may see it: managers (of their sites' people) and service administrators (of everyone)."""
    return render(request, "people/list.html", {
        "people": people.people_for(actor=request.user),
        "invitations": people.invitations_for(actor=request.user),
    })


@require_http_methods(["GET", "POST"])
@role_required("manager")
def invite(request):
    """Who may see it: managers, to invite a person to a role at the sites they manage."""
    may_give_all_sites = manages_everything(request.user)
    form = InviteForm(request.POST if request.method == "POST" else None, sites=sites_managed_by(request.user).order_by("name"),
                      may_give_all_sites=may_give_all_sites)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = invitations.invitation_send(
                actor=request.user, email=data["email"], role=data["role"], sites=data["sites"],
                all_sites=data.get("all_sites", False), now=timezone.now())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}. The link works for 72 hours.")
            return redirect("people")
    return render(request, "people/invite.html", {"form": form,
                                                  "two_factor_required": settings.DROPIN_REQUIRE_2FA})


def _person(request, pk: int):
    return get_object_or_404(people.people_for(actor=request.user), pk=pk)


@require_http_methods(["GET", "POST"])
@role_required("manager")
def person(request, pk: int):
    """Who may see it: managers, for a person with a role at one of their sites. Their roles there."""
    person = _person(request, pk)
    may_give_all_sites = manages_everything(request.user)
    form = RolesForm(request.POST if request.method == "POST" else None, sites=sites_managed_by(request.user).order_by("name"), person=person,
                     may_give_all_sites=may_give_all_sites)
    if request.method == "POST" and form.is_valid():
        try:
            people.person_roles_change(actor=request.user, person=person, supervised=form.cleaned_data["supervised"],
                                       managed=form.cleaned_data["managed"], all_sites=form.all_sites)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{person.public_name}'s roles are saved.")
            return redirect("person", pk=person.pk)
    return render(request, "people/person.html", {
        "person": person, "form": form,
        "deactivation_refusal": people.deactivation_refusal(actor=request.user, person=person),
    })


@require_POST
@role_required("manager")
def person_active(request, pk: int):
    """Who may see it: managers of all the person's sites. Deactivate or reactivate the account (POST)."""
    person = _person(request, pk)
    change = people.person_reactivate if request.POST.get("active") == "yes" else people.person_deactivate
    try:
        change(actor=request.user, person=person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        state = "can sign in again" if person.is_active else "can no longer sign in"
        messages.success(request, f"{person.public_name} {state}.")
    return redirect("person", pk=person.pk)


@require_POST
@role_required("manager")
def invitation_resend(request, pk: int):
    """Who may see it: managers, for a pending invitation to their sites. Send it again with a new link (POST)."""
    return _invitation_action(request, pk, invitations.invitation_resend,
                              "Invitation sent again to {email}. Only the newest link works.")


@require_POST
@role_required("manager")
def invitation_revoke(request, pk: int):
    """Who may see it: managers, for a pending invitation to their sites. Withdraw it (POST)."""
    return _invitation_action(request, pk, invitations.invitation_revoke,
                              "Invitation to {email} withdrawn. Its link no longer works.")


def _invitation_action(request, pk: int, action, done: str):
    invitation = get_object_or_404(people.invitations_for(actor=request.user), pk=pk)
    try:
        action(actor=request.user, invitation=invitation, now=timezone.now())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done.format(email=invitation.email))
    return redirect("people")


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    """Who may see it: anyone with the link. The invited person chooses a password and joins."""
    try:
        invitation = invitations.invitation_for_token(token=token)
    except invitations.InvitationRefused as refusal:
        return render(request, "people/invitation_refused.html", {"reason": str(refusal)}, status=410)
    providers = sign_in_providers.providers()
    form = AcceptForm(request.POST if request.method == "POST" else None, email=invitation.email, providers=providers)
    if request.method == "POST" and form.is_valid() and form.provider_chosen:
        # Signing in with the organisation's account instead of a password: the provider's answer makes the account.
        return start_provider_sign_in(request, sign_in_providers.provider_named(form.provider_chosen), keep={
            "invitation": token, "display_name": form.cleaned_data["display_name"],
            "role_title": form.cleaned_data["role_title"]})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = invitations.invitation_accept(invitation=invitation, display_name=data["display_name"],
                                                 role_title=data["role_title"], password=data["password1"],
                                                 now=timezone.now())
        except invitations.InvitationRefused as refusal:
            return render(request, "people/invitation_refused.html", {"reason": str(refusal)}, status=410)
        except ValidationError as error:
            add_errors(form, error)
        else:
            login(request, user, backend=PASSWORD_BACKEND)
            messages.success(request, "Your account is ready.")
            return redirect("supervise_home")
    return render(request, "people/accept.html", {"form": form, "invitation": invitation, "providers": providers})
