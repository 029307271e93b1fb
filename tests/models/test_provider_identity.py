"""The rules of a remembered provider identity, each tried by breaking it: full_clean says why, the database refuses."""
import pytest

from sessions_app.models import ProviderIdentity
from tests.factories import make_user
from tests.rules import assert_refused

pytestmark = pytest.mark.django_db
ISSUER = "https://nhsmail.example"


def test_one_subject_at_a_provider_opens_one_account():
    ProviderIdentity.objects.create(user=make_user(), issuer=ISSUER, subject="sub-1")
    assert_refused(ProviderIdentity, {"user": make_user(), "issuer": ISSUER, "subject": "sub-1"},
                   "This account at the provider already signs in to another Drop-in account.")
    # The same subject at another provider is another person.
    ProviderIdentity(user=make_user(), issuer="https://hmpps.example", subject="sub-1").full_clean()


def test_an_account_has_one_subject_per_provider():
    user = make_user()
    ProviderIdentity.objects.create(user=user, issuer=ISSUER, subject="sub-1")
    assert_refused(ProviderIdentity, {"user": user, "issuer": ISSUER, "subject": "sub-2"},
                   "This Drop-in account already signs in with another account there.")
    ProviderIdentity(user=user, issuer="https://hmpps.example", subject="sub-2").full_clean()


@pytest.mark.parametrize("fields", [{"issuer": "", "subject": "sub-1"}, {"issuer": ISSUER, "subject": ""}])
def test_an_identity_names_its_issuer_and_subject(fields):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():  # full_clean says "This field cannot be blank."
        ProviderIdentity.objects.create(user=make_user(), **fields)


def test_an_identity_goes_with_its_account():
    user = make_user()
    ProviderIdentity.objects.create(user=user, issuer=ISSUER, subject="sub-1")
    user.delete()
    assert not ProviderIdentity.objects.exists()
