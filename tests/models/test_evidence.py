"""Privacy rule 1: attendance never identifies anyone."""
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from sessions_app.models import Attendance, User
from tests.factories import make_attendance, make_session
from tests.rules import assert_refused

pytestmark = pytest.mark.django_db

# Adding a field here is a privacy decision: it needs a reason in DESIGN.md, not just a migration.
ALLOWED_FIELDS = {"id", "session", "staff_group", "seen", "not_seen"}
IDENTIFYING_TYPES = (
    models.EmailField, models.GenericIPAddressField, models.DateTimeField, models.DateField,
    models.TimeField, models.UUIDField, models.BinaryField, models.TextField,
)


def test_attendance_has_only_anonymous_fields():
    assert {field.name for field in Attendance._meta.get_fields()} == ALLOWED_FIELDS


def test_attendance_has_no_identifying_field_type_or_link_to_a_person():
    for field in Attendance._meta.get_fields():
        assert not isinstance(field, IDENTIFYING_TYPES), field.name
        assert getattr(field, "related_model", None) is not User, field.name


def test_valid_attendance_saves():
    attendance = Attendance(session=make_session(), staff_group="nurse", seen=4, not_seen=1)
    attendance.full_clean()
    attendance.save()
    assert attendance.pk


def test_seen_cannot_be_negative():
    assert_refused(Attendance, {"session": make_session(), "seen": -1}, "The number seen cannot be negative.")


def test_not_seen_cannot_be_negative():
    assert_refused(Attendance, {"session": make_session(), "not_seen": -1}, "The number not seen cannot be negative.")


def test_one_row_per_session_and_staff_group():
    existing = make_attendance(staff_group="nurse", seen=2)
    assert_refused(
        Attendance, {"session": existing.session, "staff_group": "nurse", "seen": 1},
        "This session already has counts for this staff group.",
    )


def test_staff_group_must_come_from_the_fixed_list():
    fields = {"session": make_session(), "staff_group": "Jo from B wing"}
    with pytest.raises(ValidationError) as caught:
        Attendance(**fields).full_clean()
    assert caught.value.message_dict["staff_group"] == ["Value 'Jo from B wing' is not a valid choice."]
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(**fields)
