"""A team's sickness absence for a month: each rule is in the database and says why in words."""
import datetime
from decimal import Decimal

import pytest

from sessions_app.models import SicknessRecord
from tests.factories import make_team
from tests.rules import assert_refused

pytestmark = pytest.mark.django_db
MARCH = datetime.date(2026, 3, 1)


def figures(**changes) -> dict:
    return {"team": make_team(), "month": MARCH, "fte_days_lost": Decimal("12.5"),
            "fte_days_available": Decimal("400"), **changes}


def test_valid_figures_save():
    record = SicknessRecord(**figures())
    record.full_clean()
    record.save()
    assert record.pk


def test_the_rate_is_days_lost_over_days_available():
    assert SicknessRecord(**figures()).rate == 0.03125


def test_lost_may_be_zero_or_all_of_available():
    for lost in ("0", "400"):
        SicknessRecord(**figures(fte_days_lost=Decimal(lost))).full_clean()


def test_one_record_per_team_and_month():
    existing = SicknessRecord.objects.create(**figures())
    assert_refused(SicknessRecord, figures(team=existing.team),
                   "This team already has sickness figures for that month.")


def test_the_month_is_stored_as_its_first_day():
    assert_refused(SicknessRecord, figures(month=datetime.date(2026, 3, 2)), "A month is stored as its first day.")


def test_days_lost_cannot_be_negative():
    assert_refused(SicknessRecord, figures(fte_days_lost=Decimal("-0.5")), "FTE days lost cannot be negative.")


@pytest.mark.parametrize("available", ["0", "-1"])
def test_days_available_must_be_more_than_zero(available):
    assert_refused(SicknessRecord, figures(fte_days_lost=Decimal("0"), fte_days_available=Decimal(available)),
                   "FTE days available must be more than 0.")


def test_days_lost_cannot_be_more_than_days_available():
    assert_refused(SicknessRecord, figures(fte_days_lost=Decimal("400.01")),
                   "FTE days lost cannot be more than FTE days available.")
