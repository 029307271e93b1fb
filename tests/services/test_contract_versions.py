"""Contract versions: one draft at a time, changed, then published for good."""
import pytest
from django.core.exceptions import ValidationError

from sessions_app.models import AuditEntry, Contract
from sessions_app.services import contract as service
from tests.factories import make_contract, make_manager

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(db):
    return make_manager(display_name="Area lead")


def test_a_draft_starts_from_the_current_version_with_the_next_number(lead):
    make_contract(version=1, purpose="Old.")
    make_contract(version=2, purpose="Current.")
    draft = service.contract_draft_start(actor=lead)
    assert (draft.version, draft.purpose, draft.is_published) == (3, "Current.", False)


def test_a_second_draft_is_refused_while_one_is_open(lead):
    service.contract_draft_start(actor=lead)
    with pytest.raises(ValidationError, match="There is already a draft, version 1."):
        service.contract_draft_start(actor=lead)
    assert Contract.objects.count() == 1


def test_changing_the_draft_records_only_what_changed(lead):
    make_contract(version=1)
    draft = service.contract_draft_start(actor=lead)
    service.contract_draft_change(actor=lead, version=draft.version, sections={"records": "Nothing is written down."})
    entry = AuditEntry.objects.get(action="contract_draft_changed")
    assert entry.after == {"records": "Nothing is written down."} and list(entry.before) == ["records"]


def test_a_published_version_refuses_a_change_in_the_models_words(lead):
    make_contract(version=1, purpose="Agreed.")
    with pytest.raises(ValidationError) as refused:
        service.contract_draft_change(actor=lead, version=1, sections={"purpose": "Rewritten."})
    assert refused.value.messages == [
        "This version is published and cannot be changed. Make a new draft version instead."]
    assert Contract.objects.get(version=1).purpose == "Agreed."


def test_publishing_makes_the_draft_current_and_is_audited(lead):
    make_contract(version=1)
    draft = service.contract_draft_start(actor=lead)
    service.contract_publish(actor=lead, version=draft.version, fingerprint=service.contract_fingerprint(draft))
    assert Contract.objects.current().version == 2
    assert AuditEntry.objects.get(action="contract_published").object_id == draft.pk
    assert service.contract_draft_find() is None


def test_publishing_refuses_an_empty_section(lead):
    draft = service.contract_draft_start(actor=lead)  # nothing published before: every section is empty
    with pytest.raises(ValidationError, match="Still empty: What restorative supervision is for"):
        service.contract_publish(actor=lead, version=draft.version, fingerprint=service.contract_fingerprint(draft))


def test_publishing_refuses_text_other_than_what_was_previewed(lead):
    draft = make_contract(version=1, published=False)
    shown = service.contract_fingerprint(draft)
    service.contract_draft_change(actor=lead, version=1, sections={"limits": "Changed after the preview."})
    with pytest.raises(ValidationError, match="changed since you previewed it"):
        service.contract_publish(actor=lead, version=1, fingerprint=shown)


def test_a_version_that_does_not_exist_is_refused_plainly(lead):
    with pytest.raises(ValidationError, match="There is no draft version 7."):
        service.contract_publish(actor=lead, version=7, fingerprint="x")


def test_a_draft_published_while_it_was_being_changed_refuses_plainly(lead, monkeypatch):
    make_contract(version=1, purpose="Agreed.")
    checked = Contract.clean
    calls = []

    def published_only_after_the_first_look(contract):
        calls.append(contract.version)
        if len(calls) > 1:  # the first look saw a draft; by the save, someone had published it
            checked(contract)

    monkeypatch.setattr(Contract, "clean", published_only_after_the_first_look)
    with pytest.raises(ValidationError, match="This version is published and cannot be changed."):
        service.contract_draft_change(actor=lead, version=1, sections={"purpose": "Rewritten."})
    assert Contract.objects.get(version=1).purpose == "Agreed." and not AuditEntry.objects.exists()
