"""Each supervisor's private calendar address: signed, so the database holds nothing secret, and renewable.

The address carries her id and her `calendar_version`, signed with the project's secret key. Renewing
moves the version on, so every older address stops working; so does deactivating her account, or her
no longer supervising anywhere.
"""
from django.core import signing
from django.db import transaction
from django.db.models import Exists, F, OuterRef

from ..models import Site, User
from .audit import audit_record

SALT = "sessions_app.calendar_address"
LONGEST = 200  # far longer than any address made here: anything longer is refused unread
ADDRESS_UNKNOWN = "No calendar has this address."
ADDRESS_GONE = ("This calendar address no longer works: it was replaced by a new one, or its account was closed. "
                "The new address is on the Account page.")


class AddressRefused(Exception):
    """The address names no calendar, or (`gone`) one that was replaced or whose account was closed."""

    def __init__(self, *, gone: bool):
        super().__init__(ADDRESS_GONE if gone else ADDRESS_UNKNOWN)
        self.gone = gone


def calendar_token(*, user: User) -> str:
    """Return the token of her calendar's address: the same each time, until she renews it."""
    # Signer, not signing.dumps: no timestamp, so the page can show the same address again.
    return signing.Signer(salt=SALT).sign_object([user.pk, user.calendar_version])


def calendar_owner(*, token: str) -> User:
    """Return the supervisor whose current address this is, or raise AddressRefused."""
    if len(token) > LONGEST:
        raise AddressRefused(gone=False)
    try:
        pk, version = signing.Signer(salt=SALT).unsign_object(token)
        user = (User.objects.filter(pk=int(pk))
                .annotate(runs_sessions=Exists(Site.supervisors.through.objects.filter(user=OuterRef("pk")))).first())
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        raise AddressRefused(gone=False)
    if user is None or not user.is_active or version != user.calendar_version:
        raise AddressRefused(gone=True)
    if not user.runs_sessions:  # she no longer supervises anywhere: nothing to follow
        raise AddressRefused(gone=True)
    return user


@transaction.atomic
def calendar_address_renew(*, user: User) -> User:
    """Give her calendar a new address; the old one stops working at once."""
    before = user.calendar_version
    User.objects.filter(pk=user.pk).update(calendar_version=F("calendar_version") + 1)
    user.refresh_from_db(fields=["calendar_version"])
    audit_record(actor=user, action="calendar_address_renewed", obj=user, before={"calendar_version": before},
                 after={"calendar_version": user.calendar_version})
    return user
