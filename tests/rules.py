"""Test a database rule three ways: the valid case saves, full_clean() says why, the database refuses."""
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction


def validation_messages(error: ValidationError) -> list[str]:
    return [message for messages in error.message_dict.values() for message in messages]


def assert_refused(model, fields: dict, message: str) -> None:
    """Assert that full_clean() gives `message` and that a direct create raises IntegrityError."""
    with pytest.raises(ValidationError) as caught:
        model(**fields).full_clean()
    assert message in validation_messages(caught.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(**fields)
