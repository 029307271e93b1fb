"""Versions of the supervision contract: one draft at a time, previewed, then published for good."""
import hashlib

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from ..models import Contract, User
from ..models.contract import PublishedContractError
from .audit import audit_record

SECTION_FIELDS = [field for field, _ in Contract.SECTIONS]
ONE_DRAFT = "There is already a draft, version {version}. Change it or publish it before starting another."
STARTED_AT_ONCE = "Someone else started a draft at the same moment. Open it from the contract page."
NO_SUCH_DRAFT = "There is no draft version {version}. Open the draft from the contract page."
ALREADY_PUBLISHED = "Version {version} is already published. Staff see it now."
EMPTY_SECTIONS = "Fill in every section before publishing. Still empty: {sections}."
CHANGED_SINCE_PREVIEW = "The draft has changed since you previewed it. Check the preview again, then publish."


def contract_draft_find() -> Contract | None:
    """Return the draft being worked on, if any."""
    return Contract.objects.filter(published_at__isnull=True).order_by("-version").first()


def contract_fingerprint(contract: Contract) -> str:
    """Return a short digest of the draft's text, so what is published is what was previewed."""
    text = "\0".join(getattr(contract, field) for field in SECTION_FIELDS)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def contract_draft_start(*, actor: User) -> Contract:
    """Start the next version as a draft, with the current version's text to change."""
    try:
        with transaction.atomic():
            draft = contract_draft_find()
            if draft is not None:
                raise ValidationError(ONE_DRAFT.format(version=draft.version), code="one_draft")
            current = Contract.objects.current()
            number = (Contract.objects.aggregate(latest=Max("version"))["latest"] or 0) + 1
            text = {field: getattr(current, field) for field in SECTION_FIELDS} if current else {}
            # Two starts at once take the same number: the unique version refuses the second.
            draft = Contract.objects.create(version=number, **text)
            audit_record(actor=actor, action="contract_drafted", obj=draft,
                         after={"version": number, "copied_from": current.version if current else None})
    except IntegrityError:
        raise ValidationError(STARTED_AT_ONCE, code="one_draft")
    return draft


@transaction.atomic
def contract_draft_change(*, actor: User, version: int, sections: dict[str, str]) -> Contract:
    """Change the draft's sections. A published version refuses, in the model's own words."""
    contract = Contract.objects.select_for_update().filter(version=version).first()
    if contract is None:
        raise ValidationError(NO_SUCH_DRAFT.format(version=version), code="no_draft")
    contract.clean()
    before = {field: getattr(contract, field) for field in SECTION_FIELDS}
    for field, text in sections.items():
        setattr(contract, field, text)
    after = {field: getattr(contract, field) for field in SECTION_FIELDS}
    if after == before:
        return contract
    try:
        with transaction.atomic():
            contract.save()
    except (PublishedContractError, IntegrityError):
        contract.clean()  # published at this very moment: say so plainly
        raise
    audit_record(actor=actor, action="contract_draft_changed", obj=contract,
                 before={field: text for field, text in before.items() if text != after[field]},
                 after={field: text for field, text in after.items() if text != before[field]})
    return contract


@transaction.atomic
def contract_publish(*, actor: User, version: int, fingerprint: str) -> Contract:
    """Publish the draft that was previewed: from now on staff see it, and it never changes."""
    contract = Contract.objects.select_for_update().filter(version=version).first()
    if contract is None:
        raise ValidationError(NO_SUCH_DRAFT.format(version=version), code="no_draft")
    if contract.is_published:
        raise ValidationError(ALREADY_PUBLISHED.format(version=version), code="published")
    empty = [heading for field, heading in Contract.SECTIONS if not getattr(contract, field).strip()]
    if empty:
        raise ValidationError(EMPTY_SECTIONS.format(sections=", ".join(empty)), code="empty")
    if fingerprint != contract_fingerprint(contract):
        raise ValidationError(CHANGED_SINCE_PREVIEW, code="changed")
    contract.published_at = timezone.now()
    contract.save(update_fields=["published_at"])
    audit_record(actor=actor, action="contract_published", obj=contract, before={"published_at": None},
                 after={"version": contract.version, "published_at": contract.published_at.isoformat()})
    return contract
