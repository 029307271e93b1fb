import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from sessions_app.models import Contract
from sessions_app.models.contract import PublishedContractError
from tests.factories import CONTRACT_TEXT, make_contract
from tests.marks import postgres_only
from tests.rules import assert_refused

pytestmark = pytest.mark.django_db


def test_valid_draft_saves_and_is_not_published():
    contract = Contract(version=1, **CONTRACT_TEXT)
    contract.full_clean()
    contract.save()
    assert not contract.is_published


def test_version_number_is_unique():
    make_contract(version=3)
    assert_refused(Contract, {"version": 3, **CONTRACT_TEXT}, "There is already a contract with this version number.")


def test_version_numbers_start_at_one():
    assert_refused(Contract, {"version": 0, **CONTRACT_TEXT}, "Version numbers start at 1.")


def test_every_section_is_required():
    contract = Contract(version=1, **{**CONTRACT_TEXT, "limits": ""})
    with pytest.raises(ValidationError) as caught:
        contract.full_clean()
    assert caught.value.message_dict == {"limits": ["This field cannot be blank."]}


def test_draft_can_be_edited_and_then_published():
    draft = make_contract(version=1, published=False)
    draft.purpose = "Revised purpose."
    draft.save()
    Contract.objects.filter(pk=draft.pk).update(published_at=timezone.now())
    draft.refresh_from_db()
    assert draft.is_published and draft.purpose == "Revised purpose."


def test_published_contract_cannot_be_saved_with_changes():
    contract = make_contract(version=1)
    contract.confidentiality = "Everything is shared with your manager."
    with pytest.raises(PublishedContractError):
        contract.save()
    contract.refresh_from_db()
    assert contract.confidentiality == CONTRACT_TEXT["confidentiality"]


def test_published_contract_full_clean_says_make_a_new_version():
    contract = make_contract(version=1)
    with pytest.raises(ValidationError) as caught:
        contract.full_clean()
    assert caught.value.messages == [
        "This version is published and cannot be changed. Make a new draft version instead."
    ]


def test_database_refuses_to_update_a_published_contract():
    contract = make_contract(version=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(limits="No limits.")
    contract.refresh_from_db()
    assert contract.limits == CONTRACT_TEXT["limits"]


def test_database_refuses_to_unpublish_a_contract():
    contract = make_contract(version=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(published_at=None)


def test_published_contract_cannot_be_deleted():
    contract = make_contract(version=1)
    with pytest.raises(PublishedContractError):
        contract.delete()
    assert Contract.objects.filter(pk=contract.pk).exists()


def test_current_is_the_highest_published_version_never_a_draft():
    make_contract(version=1)
    current = make_contract(version=2)
    make_contract(version=3, published=False)
    assert Contract.objects.current() == current


def test_no_current_contract_until_one_is_published():
    make_contract(version=1, published=False)
    assert Contract.objects.current() is None


@postgres_only
def test_database_refuses_to_delete_a_published_contract():
    contract = make_contract(version=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).delete()
    assert Contract.objects.filter(pk=contract.pk).exists()


def test_draft_contract_can_be_deleted():
    draft = make_contract(version=1, published=False)
    Contract.objects.filter(pk=draft.pk).delete()
    assert not Contract.objects.exists()
