"""Invitations: a manager asks a person by email to take a role at her sites; the person answers once."""
import datetime
import smtplib
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse

from ..models import Invitation, Role, Site, User
from ..permissions import grant_refusal
from .audit import audit_record

VALID_FOR = datetime.timedelta(hours=72)
USERNAME_LENGTH = User._meta.get_field("username").max_length
SALT = "sessions_app.invitation"

HAS_ACCOUNT = "%(email)s already has an account. Give them a role from their page in People."
EMAIL_FAILED = "The invitation email could not be sent, so nothing was saved. Try again in a few minutes."
ADDRESS_TOO_LONG = "Enter an address of 150 characters or fewer: people sign in with it."
INVITER_CANNOT = ("The person who invited you can no longer give this role. Ask a manager of the site to invite you "
                  "again.")
NOT_PENDING = "This invitation has already been accepted or withdrawn."
LINK_BROKEN = "This link does not work. Check it was copied whole, or ask for a new invitation."
LINK_EXPIRED = "This invitation has expired: links work for 72 hours. Ask the person who invited you to resend it."
LINK_USED = "This invitation has already been used. Sign in instead, or reset your password if you have forgotten it."
LINK_WITHDRAWN = "This invitation was withdrawn. Ask the person who invited you if you think that is wrong."
LINK_REPLACED = "A newer invitation was sent to you: use the link in the latest email."


class InvitationRefused(Exception):
    """A link that cannot be used; the message says why, in words a person can act on."""


def invitation_token(*, invitation: Invitation) -> str:
    """Return the link's token: it names the invitation and when it was sent, so a resend retires older links."""
    return signing.dumps([invitation.pk, invitation.sent_at.timestamp()], salt=SALT)


def invitation_link(*, invitation: Invitation) -> str:
    return settings.DROPIN_BASE_URL.rstrip("/") + reverse("invitation_accept", args=[invitation_token(
        invitation=invitation)])


def invitation_for_token(*, token: str) -> Invitation:
    """Return the pending invitation a token names, or raise InvitationRefused saying why not."""
    try:
        pk, sent = signing.loads(token, salt=SALT, max_age=VALID_FOR)
        invitation = Invitation.objects.prefetch_related("sites").select_related("invited_by").get(pk=int(pk))
    except signing.SignatureExpired:
        raise InvitationRefused(LINK_EXPIRED)
    except (signing.BadSignature, ValueError, TypeError, Invitation.DoesNotExist):
        raise InvitationRefused(LINK_BROKEN)
    if invitation.accepted_at is not None:
        raise InvitationRefused(LINK_USED)
    if invitation.revoked_at is not None:
        raise InvitationRefused(LINK_WITHDRAWN)
    if sent != invitation.sent_at.timestamp():
        raise InvitationRefused(LINK_REPLACED)
    return invitation


def _refuse_grants(*, actor: User, role: str, sites: Iterable[Site], all_sites: bool) -> None:
    for site in ([None] if all_sites else []) + list(sites):
        refusal = grant_refusal(actor=actor, role=role, site=site)
        if refusal:
            raise ValidationError(refusal, code="not_yours")


def invitation_send(*, actor: User, email: str, role: str, sites: Iterable[Site], all_sites: bool = False,
                    now: datetime.datetime) -> Invitation:
    """Invite a person to a role at some sites, and email them the link."""
    sites = list(sites)
    if role not in Role.values:
        raise ValidationError("Choose supervisor or manager.", code="role")
    if not sites and not all_sites:
        raise ValidationError("Choose at least one site.", code="no_site")
    _refuse_grants(actor=actor, role=role, sites=sites, all_sites=all_sites)
    email = email.strip()
    refuse_address(email=email)
    with transaction.atomic():
        invitation = Invitation(email=email, role=role, all_sites=all_sites, invited_by=actor, sent_at=now)
        invitation.validate_constraints()
        try:
            with transaction.atomic():
                invitation.save()
        except IntegrityError:  # the same address invited at the same moment by someone else
            raise ValidationError(Invitation._meta.constraints[0].violation_error_message, code="pending")
        invitation.sites.set(sites)
        audit_record(actor=actor, action="invitation_sent", obj=invitation, after=_described(invitation, sites))
        _email(invitation=invitation, sites=sites)
    return invitation


def refuse_address(*, email: str) -> None:
    """Refuse an address that cannot become a new account: one already used, or too long to sign in with."""
    if len(email) > USERNAME_LENGTH:
        raise ValidationError(ADDRESS_TOO_LONG, code="too_long")
    if User.objects.annotate(address=Lower("email")).filter(
            Q(address=email.lower()) | Q(username=email.lower())).exists():
        raise ValidationError(HAS_ACCOUNT, code="has_account", params={"email": email})


def _locked_pending(invitation: Invitation) -> Invitation:
    """Return the invitation's row, locked, if it is still pending; else refuse (it was answered meanwhile)."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.is_pending:
        raise ValidationError(NOT_PENDING, code="not_pending")
    return locked


def invitation_resend(*, actor: User, invitation: Invitation, now: datetime.datetime) -> None:
    """Send a pending invitation again with a new link; the older links stop working."""
    with transaction.atomic():
        locked = _locked_pending(invitation)
        locked.sent_at = invitation.sent_at = now
        locked.save(update_fields=["sent_at"])
        audit_record(actor=actor, action="invitation_resent", obj=invitation)
        _email(invitation=invitation, sites=list(invitation.sites.all()))


def invitation_revoke(*, actor: User, invitation: Invitation, now: datetime.datetime) -> None:
    """Withdraw a pending invitation: its link stops working."""
    with transaction.atomic():
        locked = _locked_pending(invitation)
        locked.revoked_at = invitation.revoked_at = now
        locked.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="invitation_revoked", obj=invitation)


def invitation_accept(*, invitation: Invitation, display_name: str, role_title: str, password: str | None,
                      now: datetime.datetime) -> User:
    """Make the invited person's account with the roles offered; the invitation is then used.

    No password (None) for someone who signs in through a provider instead (services/provider_accounts.py).
    """
    user = User(username=invitation.email.lower(), email=invitation.email, display_name=display_name,
                role_title=role_title, manages_all_sites=invitation.all_sites)
    if password is None:
        user.set_unusable_password()
    else:
        password_validation.validate_password(password, user)
        user.set_password(password)
    with transaction.atomic():
        # Locked, so two presses of "Create account" make one account.
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not locked.is_pending:
            raise InvitationRefused(LINK_USED)
        if locked.sent_at != invitation.sent_at:
            raise InvitationRefused(LINK_REPLACED)
        invitation = locked
        sites = list(invitation.sites.all())
        # The role is the inviter's to give when it is taken, not only when it was offered.
        if not invitation.invited_by.is_active or any(
                grant_refusal(actor=invitation.invited_by, role=invitation.role, site=site)
                for site in ([None] if invitation.all_sites else sites)):
            raise InvitationRefused(INVITER_CANNOT)
        user.full_clean(exclude=["password"])
        user.save()
        if invitation.role == Role.SUPERVISOR:
            user.supervised_sites.set(sites)
        else:
            user.managed_sites.set(sites)
        invitation.accepted_at, invitation.accepted_by = now, user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit_record(actor=user, action="invitation_accepted", obj=invitation, after=_described(invitation, sites))
    return user


def _described(invitation: Invitation, sites: list[Site]) -> dict:
    return {"email": invitation.email, "role": invitation.role, "all_sites": invitation.all_sites,
            "sites": sorted(site.slug for site in sites)}


def _email(*, invitation: Invitation, sites: list[Site]) -> None:
    """Send the link; if the mail server refuses, raise, so the transaction around it keeps nothing."""
    context = {"invitation": invitation, "sites": sites, "link": invitation_link(invitation=invitation),
               "expires_at": invitation.sent_at + VALID_FOR, "service_name": settings.DROPIN_SERVICE_NAME}
    try:
        send_mail(f"You are invited to {settings.DROPIN_SERVICE_NAME}",
                  render_to_string("emails/invitation.txt", context), None, [invitation.email])
    except (OSError, smtplib.SMTPException, BadHeaderError):
        raise ValidationError(EMAIL_FAILED, code="email_failed")
