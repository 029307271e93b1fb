"""The rules of a remembered provider identity, each tried by breaking it."""
import pytest
from django.db import IntegrityError, transaction

from sessions_app.models import ProviderIdentity
from tests.factories import make_user

pytestmark = pytest.mark.django_db
ISSUER = "https://nhsmail.example"


def test_one_subject_at_a_provider_opens_one_account():
    ProviderIdentity.objects.create(user=make_user(), issuer=ISSUER, subject="sub-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProviderIdentity.objects.create(user=make_user(), issuer=ISSUER, subject="sub-1")
    # The same subject at another provider is another person.
    ProviderIdentity.objects.create(user=make_user(), issuer="https://hmpps.example", subject="sub-1")


def test_an_account_has_one_subject_per_provider():
    user = make_user()
    ProviderIdentity.objects.create(user=user, issuer=ISSUER, subject="sub-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProviderIdentity.objects.create(user=user, issuer=ISSUER, subject="sub-2")
    ProviderIdentity.objects.create(user=user, issuer="https://hmpps.example", subject="sub-2")


@pytest.mark.parametrize("fields", [{"issuer": "", "subject": "sub-1"}, {"issuer": ISSUER, "subject": ""}])
def test_an_identity_names_its_issuer_and_subject(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProviderIdentity.objects.create(user=make_user(), **fields)


def test_an_identity_goes_with_its_account():
    user = make_user()
    ProviderIdentity.objects.create(user=user, issuer=ISSUER, subject="sub-1")
    user.delete()
    assert not ProviderIdentity.objects.exists()
