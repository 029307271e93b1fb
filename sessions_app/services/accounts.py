"""A person's own account: name and email, passwords, authenticator apps and recovery codes.

Every change is audited with the person as its actor. The audit never holds a password, a secret key or a code.
"""
import re
from base64 import b32encode

import segno
from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..models import User
from ..models.people import EMAIL_TAKEN
from .audit import audit_record, snapshot

ACCOUNT_FIELDS = ["display_name", "role_title", "email"]
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"
RECOVERY_CODES_COUNT = 10
# The pages that finish signing in: code_page for a person with an authenticator app, setup_page for one without.
CODE_PAGE, SETUP_PAGE = "two_factor_code", "two_factor_setup"
# Where a sign-in through a provider keeps which provider it came through, and whether it gave more than one
# factor there (then it needs no Drop-in code).
PROVIDER_SESSION_KEY = "dropin_provider"


class CodeThrottled(Exception):
    """Every device that could check the code is waiting after wrong codes in a row (django-otp's throttle)."""


# Name, role title and email


def account_update(*, user: User, display_name: str, role_title: str, email: str) -> User:
    """Change what staff see of a person and the address their resets go to."""
    before = snapshot(user, ACCOUNT_FIELDS)
    user.display_name, user.role_title, user.email = display_name, role_title, email
    after = snapshot(user, ACCOUNT_FIELDS)
    if after == before:
        return user
    try:
        user.validate_constraints()
        with transaction.atomic():
            user.save(update_fields=[*ACCOUNT_FIELDS, "updated_at"])
            audit_record(actor=user, action="account_updated", obj=user, before=before, after=after)
    except (ValidationError, IntegrityError):
        # Another account took the address (the unique-email constraint), perhaps a moment ago.
        user.refresh_from_db(fields=ACCOUNT_FIELDS)
        raise ValidationError({"email": EMAIL_TAKEN}, code="taken")
    return user


# Passwords


def password_change(*, user: User, password: str) -> User:
    """Set a signed-in person's new password (they gave the current one)."""
    return _password_set(user=user, password=password, action="password_changed")


def password_reset(*, user: User, password: str) -> User:
    """Set a new password chosen through an emailed link, and lift any sign-in lock-out on the account."""
    user = _password_set(user=user, password=password, action="password_reset")
    # The link proves the person holds the account's email: the lock-out page sends them here to get back in.
    axes_reset(username=user.get_username())
    return user


def _password_set(*, user: User, password: str, action: str) -> User:
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(actor=user, action=action, obj=user)
    return user


# Two-factor sign-in


def two_factor_step(*, user, verified: bool) -> str | None:
    """Return the page that must finish this person's sign-in, or None if none must.

    Anyone with an authenticator app gives its code, whether or not the service requires it: they chose it.
    """
    if not user.is_authenticated or verified:
        return None
    if authenticators(user=user).exists():
        return CODE_PAGE
    return SETUP_PAGE if settings.DROPIN_REQUIRE_2FA else None


def provider_sign_in_keep(*, session, provider: str, multi_factor: bool) -> None:
    """Keep, in a sign-in just made through a provider, which provider and whether it gave more than one factor."""
    session[PROVIDER_SESSION_KEY] = {"provider": provider, "multi_factor": multi_factor}


def signed_in_through(session) -> dict:
    """Return how this sign-in came through a provider ({"provider": key, "multi_factor": bool}), or {}."""
    through = session.get(PROVIDER_SESSION_KEY)
    return through if isinstance(through, dict) else {}


def second_step_given(*, user, session) -> bool:
    """Return whether this sign-in gave more than one factor: a Drop-in code (django-otp says), or at the provider."""
    return user.is_verified() or signed_in_through(session).get("multi_factor") is True


def authenticators(*, user: User):
    """Return a person's set-up authenticator apps, oldest first."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk")


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def two_factor_verify(*, user: User, code: str) -> Device | None:
    """Return the device that accepts the code (6 digits: an app; else a recovery code, used up), or None."""
    kind = TOTPDevice if re.fullmatch(r"[0-9]{6}", code) else StaticDevice
    with transaction.atomic():
        devices = list(kind.objects.devices_for_user(user, confirmed=True).select_for_update())
        allowed = [device for device in devices if device.verify_is_allowed()[0]]
        if devices and not allowed:
            raise CodeThrottled
        device = next((device for device in allowed if device.verify_token(code)), None)
    if device is not None:
        # Only a whole sign-in clears the failures: a right password alone must not wipe out wrong codes.
        axes_reset(username=user.get_username())
    return device


def sign_in_finished(sender, *, request, user, **kwargs) -> None:
    """Clear the sign-in failures of a person who needs no second step (connected to user_logged_in)."""
    if two_factor_step(user=user, verified=False) is None:
        axes_reset(username=user.get_username())


def two_factor_pending(*, user: User) -> TOTPDevice:
    """Return the authenticator app being set up: its key stays the same until the person confirms a code."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def two_factor_confirm(*, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm a new authenticator app by its first code; return a fresh set of recovery codes, or None if wrong."""
    with transaction.atomic():
        if device.user_id != user.pk or device.confirmed or not device.verify_token(code):
            return None
        before = _two_factor_counts(user)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_make(user)
        audit_record(actor=user, action="two_factor_added", obj=user, before=before, after=_two_factor_counts(user))
    return codes


def two_factor_remove(*, user: User, device: TOTPDevice) -> None:
    """Remove one of a person's authenticator apps; with the last one go the recovery codes that stood in for it."""
    with transaction.atomic():
        before = _two_factor_counts(user)
        device.delete()
        if not authenticators(user=user).exists():
            StaticDevice.objects.filter(user=user).delete()
        audit_record(actor=user, action="two_factor_removed", obj=user, before=before,
                     after=_two_factor_counts(user))


def recovery_codes_replace(*, user: User) -> list[str]:
    """Make a new set of recovery codes for a person with an authenticator app; the old ones stop working."""
    with transaction.atomic():
        before = _two_factor_counts(user)
        codes = _recovery_codes_make(user)
        audit_record(actor=user, action="recovery_codes_replaced", obj=user, before=before,
                     after=_two_factor_counts(user))
    return codes


def _recovery_codes_make(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_CODES_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _two_factor_counts(user: User) -> dict:
    """Return what the audit keeps of a person's two-factor sign-in: how many apps and codes, never what they are."""
    return {"authenticator_apps": authenticators(user=user).count(),
            "recovery_codes": recovery_codes_left(user=user)}


# What the set-up page shows


def secret_in_groups(*, device: TOTPDevice) -> str:
    """Return the app's secret key as people type it into an app: base32, in groups of 4."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_geometry(*, data: str, border: int = 4) -> dict:
    """Return a QR code's size and its dark modules as an SVG path of runs, for templates/accounts/qr_code.svg."""
    matrix = segno.make(data, error="m").matrix
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f"M{start + border} {y + border}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return {"size": len(matrix) + 2 * border, "path": "".join(runs)}
