"""Which Drop-in account a provider's sign-in opens: a provider proves who someone is; invitations and roles
decide what she may do. Nobody gets an account or a role just by having an account at a provider.

The first sign-in through a provider finds the active account with the provider's verified email, or accepts
the invitation being answered, and remembers the provider's subject identifier; every later sign-in finds the
account by that identifier alone. Each sign-in, and each refusal of someone the provider vouched for, is
audited; a refusal before that (which anyone can cause) is logged. Never with a token.
"""
import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ..models import ProviderIdentity, User
from . import invitations
from .audit import audit_record
from .sign_in_providers import Identity, Provider, SignInRefused, identity_from_answer, providers

logger = logging.getLogger(__name__)

# Each refusal: the words the person reads (with {name}, the provider's name, {email} and {invited}), and the
# page's status.
REASONS = {
    "not_invited": ("There is no Drop-in account for {email}. Drop-in accounts are by invitation: ask a manager of "
                    "your site to invite you, then use the link in the invitation email.", 403),
    "deactivated": ("This Drop-in account has been deactivated. Ask a manager of your site if you think that is "
                    "wrong.", 403),
    "email_not_verified": ("{name} has not confirmed that {email} is your address, so Drop-in cannot tell whose "
                           "account this is. Confirm your address with {name}, or sign in with your Drop-in password, "
                           "if you have one.", 403),
    "domain_not_allowed": ("Drop-in takes sign-in with {name} only for the addresses of the organisations it "
                           "serves, and {email} is not one. Sign in with your Drop-in password, if you have one.", 403),
    "linked_to_another": ("This Drop-in account signs in with a different {name} account. Sign in with that one, "
                          "or ask a manager of your site to help.", 403),
    "invitation_for_another": ("This invitation is for {invited}, but you signed in to {name} as {email}. Sign "
                               "in to {name} with the account for {invited}, or choose a password instead.", 403),
    "account_exists": ("There is already a Drop-in account for {email}, so this invitation is not needed. Sign "
                       "in instead.", 403),
    "invitation_not_usable": ("This invitation can no longer be used: it has expired, was withdrawn or replaced, "
                              "or was used already. Ask the person who invited you to send it again.", 403),
    "provider_account_taken": ("Your {name} account already signs in to another Drop-in account. Sign in with it, "
                               "or ask a manager of your site to help.", 403),
    "cancelled": ("You stopped signing in at {name}, so you are not signed in. Nothing was changed.", 400),
    "bad_state": ("This sign-in could not be finished: the answer from {name} did not belong to it, or had "
                  "already been used. Start again from the sign-in page.", 400),
    "bad_nonce": ("This sign-in could not be finished: the answer from {name} was not made for it. Start again "
                  "from the sign-in page.", 400),
    "wrong_audience": ("This sign-in could not be finished: the answer from {name} was meant for another "
                       "service. Start again from the sign-in page.", 400),
    "expired_token": ("This sign-in could not be finished: the answer from {name} had expired. Check your "
                      "computer's clock is right, then start again from the sign-in page.", 400),
    "bad_token": ("This sign-in could not be finished: the answer from {name} could not be checked. Start again "
                  "from the sign-in page.", 400),
    "code_refused": ("This sign-in could not be finished: {name} did not accept it. It may have been used already, "
                     "or taken too long. Start again from the sign-in page.", 400),
    "provider_error": ("{name} could not sign you in. Start again from the sign-in page, or sign in with your "
                       "Drop-in password, if you have one.", 400),
    "unreachable": ("{name} could not be reached. Try again in a few minutes, or sign in with your Drop-in "
                    "password, if you have one.", 503),
}

# The audit's words for what happened.
SIGNED_IN = "signed_in_with_provider"
REFUSED = "sign_in_refused"


def sign_in(*, provider: Provider, session, answer, now: datetime.datetime) -> tuple[User, Identity, dict]:
    """Return the account the provider's answer signs in to, who the provider said it was, and what the start
    kept (where to go next); or raise SignInRefused, recorded in the audit or, before the provider vouched for
    anyone, in the log.
    """
    identity = None
    try:
        identity, kept = identity_from_answer(provider=provider, session=session, answer=answer)
        if kept.get("invitation"):
            user = _accepted(provider, identity, kept, now)
        else:
            user = _found(provider, identity)
        with transaction.atomic():
            ProviderIdentity.objects.filter(issuer=identity.issuer, subject=identity.subject).update(
                last_signed_in_at=now)
            audit_record(actor=user, action=SIGNED_IN, obj=user,
                         after={"provider": provider.key, "multi_factor": identity.multi_factor})
    except SignInRefused as refusal:
        refusal.email = refusal.email or (identity.email if identity else "")
        if identity is not None:
            # The provider vouched for someone (a verified ID token): the audit keeps who was refused, and why.
            audit_record(actor=None, action=REFUSED, obj=refusal.user, actor_address=_address(refusal.email),
                         after={"provider": provider.key}, reason=refusal.reason)
        else:
            # Refused before the provider vouched for anyone (a cancel, a replay, a made-up or stale answer):
            # anyone can send one, so it is logged (without its query), never audited: nobody can fill the
            # audit trail from outside.
            logger.warning("sign-in answer refused", extra={"provider": provider.key, "reason": refusal.reason})
        raise
    return user, identity, kept


def _address(email: str) -> str:
    """Return the address as the audit may keep it: only a well-formed one, not too long for its column."""
    return email if 3 <= len(email) <= 254 and email.count("@") == 1 else ""


def _checked_address(provider: Provider, identity: Identity) -> None:
    if not identity.email or not identity.email_verified:
        raise SignInRefused("email_not_verified")
    if not provider.allows(identity.email):
        raise SignInRefused("domain_not_allowed")


def _found(provider: Provider, identity: Identity) -> User:
    """Return the account for this identity: by the remembered subject, else by the verified email (and link it)."""
    linked = ProviderIdentity.objects.select_related("user").filter(
        issuer=identity.issuer, subject=identity.subject).first()
    if linked is not None:
        if not linked.user.is_active:
            raise SignInRefused("deactivated", user=linked.user)
        return linked.user
    _checked_address(provider, identity)
    # The database's case-blind match may fold look-alikes ("alıce" is "ALICE" to PostgreSQL): Python's must agree.
    matches = [user for user in User.objects.filter(email__iexact=identity.email)
               if user.email.lower() == identity.email.lower()]
    if len(matches) != 1:
        raise SignInRefused("not_invited")
    user = matches[0]
    if not user.is_active:
        raise SignInRefused("deactivated", user=user)
    _link(user, identity)
    return user


def _link(user: User, identity: Identity) -> None:
    """Remember the provider's subject for this account; an account has one subject per provider."""
    try:
        with transaction.atomic():
            ProviderIdentity.objects.create(user=user, issuer=identity.issuer, subject=identity.subject)
    except IntegrityError:
        # The account already signs in with another account at this provider (or, at the same moment, this one).
        raise SignInRefused("linked_to_another", user=user)


def _accepted(provider: Provider, identity: Identity, kept: dict, now: datetime.datetime) -> User:
    """Accept the invitation being answered, as the person the provider vouches for, and link the new account."""
    try:
        invitation = invitations.invitation_for_token(token=kept["invitation"])
    except invitations.InvitationRefused:
        raise SignInRefused("invitation_not_usable")
    _checked_address(provider, identity)
    if identity.email.lower() != invitation.email.lower():
        raise SignInRefused("invitation_for_another", invited=invitation.email)
    if ProviderIdentity.objects.filter(issuer=identity.issuer, subject=identity.subject).exists():
        raise SignInRefused("provider_account_taken")
    with transaction.atomic():
        try:
            user = invitations.invitation_accept(
                invitation=invitation, display_name=str(kept.get("display_name") or identity.name)[:100],
                role_title=str(kept.get("role_title") or "")[:100], password=None, now=now)
        except invitations.InvitationRefused:
            raise SignInRefused("invitation_not_usable")
        except ValidationError:
            # Someone made an account with the invited address after the invitation was sent.
            raise SignInRefused("account_exists")
        _link(user, identity)
    return user


def providers_of(*, user: User) -> list[Provider]:
    """Return the providers set that this person has signed in through (her account remembers her there)."""
    issuers = set(user.provider_identities.values_list("issuer", flat=True))
    return [provider for provider in providers() if provider.issuer in issuers]


def refusal_words(*, refusal: SignInRefused, provider: Provider) -> tuple[str, int]:
    """Return what the person reads about a refusal, and the page's status."""
    words, status = REASONS[refusal.reason]
    return words.format(name=provider.name, email=refusal.email or "this address", invited=refusal.invited), status
