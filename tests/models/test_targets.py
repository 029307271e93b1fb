"""A site's target for a measure: each rule is in the database and says why in words."""
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from sessions_app.models import MeasureTarget
from tests.factories import make_site
from tests.rules import assert_refused

pytestmark = pytest.mark.django_db


def target(**changes) -> dict:
    return {"site": make_site(), "measure": MeasureTarget.Measure.SESSIONS_HELD, "value": Decimal("8"), **changes}


@pytest.mark.parametrize("measure, value", [("sessions_held", "0"), ("people_seen", "99999.99"),
                                            ("people_not_seen", "0"), ("pulse_mean", "1"), ("pulse_mean", "5"),
                                            ("sickness_rate", "0"), ("sickness_rate", "100")])
def test_valid_targets_save(measure, value):
    saved = MeasureTarget(**target(measure=measure, value=Decimal(value)))
    saved.full_clean()
    saved.save()
    assert saved.pk


def test_one_target_per_site_and_measure():
    existing = MeasureTarget.objects.create(**target())
    assert_refused(MeasureTarget, target(site=existing.site), "This site already has a target for that measure.")


def test_the_measure_is_one_of_the_list():
    fields = target(measure="hours_held")
    assert_refused(MeasureTarget, fields, "Value 'hours_held' is not a valid choice.")
    with pytest.raises(ValidationError) as caught:  # full_clean stops at the field's choices first
        MeasureTarget(**fields).validate_constraints()
    assert caught.value.messages == ["Choose a measure from the list."]


@pytest.mark.parametrize("measure", ["sessions_held", "people_seen", "people_not_seen", "sickness_rate"])
def test_a_target_cannot_be_negative(measure):
    assert_refused(MeasureTarget, target(measure=measure, value=Decimal("-0.01")), "A target cannot be below 0.")


@pytest.mark.parametrize("value", ["0.99", "5.01"])
def test_a_pulse_target_is_a_mean_score_from_1_to_5(value):
    assert_refused(MeasureTarget, target(measure="pulse_mean", value=Decimal(value)),
                   "A pulse target is a mean score from 1 to 5.")


def test_a_sickness_rate_target_is_a_percentage():
    assert_refused(MeasureTarget, target(measure="sickness_rate", value=Decimal("100.01")),
                   "A sickness rate target is a percentage from 0 to 100.")


def test_counts_may_be_above_100_and_the_pulse_rule_leaves_them_alone():
    MeasureTarget(**target(measure="people_seen", value=Decimal("250"))).full_clean()
    MeasureTarget(**target(measure="people_not_seen", value=Decimal("0.5"))).full_clean()
