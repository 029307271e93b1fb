"""Privacy rule 1 for the pulse, rule 3 for feedback, and the database rules of both."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import models

from sessions_app.models import Feedback, Pulse, User
from tests.factories import make_site, make_team
from tests.rules import assert_refused

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 23)
TUESDAY = MONDAY + datetime.timedelta(days=1)

# Adding a field here is a privacy decision: it needs a reason in DESIGN.md, not just a migration.
PULSE_FIELDS = {"id", "site", "team", "week", "score", "attended"}
FEEDBACK_FIELDS = {"id", "site", "comment", "shown_as", "week", "approved"}
NEVER_ON_A_PULSE = (
    models.DateTimeField, models.TimeField, models.GenericIPAddressField, models.EmailField, models.UUIDField,
    models.BinaryField, models.TextField,
)
NEVER_ON_FEEDBACK = (
    models.DateTimeField, models.TimeField, models.GenericIPAddressField, models.EmailField, models.UUIDField,
    models.BinaryField,
)


def pulse_fields(**fields) -> dict:
    return {"site": make_site(), "week": MONDAY, "score": 3, **fields}


def feedback_fields(**fields) -> dict:
    return {"site": make_site(), "week": MONDAY, "comment": "It helped to talk.", **fields}


def constraint_messages(instance) -> list[str]:
    """Return what the database rules alone say of an instance (full_clean stops at a field's choices first)."""
    with pytest.raises(ValidationError) as caught:
        instance.validate_constraints()
    return caught.value.messages


# What is kept


def test_pulse_has_only_anonymous_fields():
    assert {field.name for field in Pulse._meta.get_fields()} == PULSE_FIELDS


def test_pulse_has_no_time_address_text_or_person():
    for field in Pulse._meta.get_fields():
        assert not isinstance(field, NEVER_ON_A_PULSE), field.name
        assert getattr(field, "related_model", None) is not User, field.name


def test_feedback_has_only_the_comment_its_role_and_week():
    assert {field.name for field in Feedback._meta.get_fields()} == FEEDBACK_FIELDS


def test_feedback_has_no_time_address_person_or_link_to_a_pulse():
    for field in Feedback._meta.get_fields():
        assert not isinstance(field, NEVER_ON_FEEDBACK), field.name
        assert getattr(field, "related_model", None) not in (User, Pulse), field.name


# Pulse rules


def test_valid_pulse_saves():
    site = make_site()
    pulse = Pulse(**pulse_fields(site=site, team=make_team(site), score=5, attended="yes"))
    pulse.full_clean()
    pulse.save()
    assert pulse.pk


@pytest.mark.parametrize("score", [0, 6])
def test_score_is_from_1_to_5(score):
    fields = pulse_fields(score=score)
    assert_refused(Pulse, fields, f"Value {score} is not a valid choice.")
    assert constraint_messages(Pulse(**fields)) == ["Choose an answer from very low to very good."]


def test_week_is_a_monday():
    assert_refused(Pulse, pulse_fields(week=TUESDAY), "A pulse answer keeps only its week: the Monday it starts on.")


def test_attended_is_yes_no_or_prefer_not_to_say():
    fields = pulse_fields(attended="maybe")
    assert_refused(Pulse, fields, "Value 'maybe' is not a valid choice.")
    assert constraint_messages(Pulse(**fields)) == ["Choose yes, no or prefer not to say."]


def test_team_from_another_site_is_refused_by_clean():
    with pytest.raises(ValidationError) as caught:
        Pulse(**pulse_fields(team=make_team())).full_clean()
    assert caught.value.message_dict["team"] == ["This team is at another site. Choose a team at this site."]


# Feedback rules


def test_valid_feedback_saves_unapproved():
    feedback = Feedback(**feedback_fields(shown_as="nurse"))
    feedback.full_clean()
    feedback.save()
    assert feedback.pk and not feedback.approved


def test_shown_as_comes_from_the_list():
    fields = feedback_fields(shown_as="Jo on B wing")
    assert_refused(Feedback, fields, "Value 'Jo on B wing' is not a valid choice.")
    assert constraint_messages(Feedback(**fields)) == ["Choose how to be shown from the list."]


def test_comment_is_not_empty():
    fields = feedback_fields(comment="")
    assert_refused(Feedback, fields, "This field cannot be blank.")
    assert constraint_messages(Feedback(**fields)) == ["Write a comment, or leave feedback out."]


def test_feedback_week_is_a_monday():
    assert_refused(Feedback, feedback_fields(week=TUESDAY), "Feedback keeps only its week: the Monday it starts on.")
