"""Management commands: purge_old_data."""
import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from sessions_app.models import Feedback, Pulse

pytestmark = pytest.mark.django_db

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 7, 15, 10, 0, tzinfo=UTC)
CUTOFF = datetime.date(2024, 7, 1)  # 24 months before July 2026; a Monday
WEEK = datetime.timedelta(weeks=1)


@pytest.fixture(autouse=True)
def now(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)


@pytest.fixture
def rows(site):
    """Two old pulse answers and one old comment; one of each on the cutoff."""
    for week in (CUTOFF - 2 * WEEK, CUTOFF - WEEK, CUTOFF):
        Pulse.objects.create(site=site, week=week, score=3)
    for week in (CUTOFF - WEEK, CUTOFF):
        Feedback.objects.create(site=site, week=week, comment="It helped.")


def purge(*args) -> str:
    out = io.StringIO()
    call_command("purge_old_data", *args, stdout=out)
    return out.getvalue().strip()


def test_purge_deletes_what_is_older_than_the_retention_setting_and_says_so(rows):
    assert purge() == "Deleted 2 pulse answers and 1 comment older than 1 July 2024; 0 records of time away over for more than 30 days, and 0 tally steps of finished sessions."
    assert list(Pulse.objects.values_list("week", flat=True)) == [CUTOFF]
    assert list(Feedback.objects.values_list("week", flat=True)) == [CUTOFF]


def test_the_setting_is_respected(rows, settings):
    settings.DROPIN_RETENTION_MONTHS = 12
    assert purge() == "Deleted 3 pulse answers and 2 comments older than 1 July 2025; 0 records of time away over for more than 30 days, and 0 tally steps of finished sessions."
    assert not Pulse.objects.exists() and not Feedback.objects.exists()


def test_months_overrides_the_setting(rows, settings):
    settings.DROPIN_RETENTION_MONTHS = 12
    assert purge("--months", "25") == "Deleted 0 pulse answers and 0 comments older than 1 June 2024; 0 records of time away over for more than 30 days, and 0 tally steps of finished sessions."
    assert (Pulse.objects.count(), Feedback.objects.count()) == (3, 2)


def test_a_dry_run_says_what_would_go_and_deletes_nothing(rows):
    assert purge("--dry-run") == (
        "Dry run: would delete 2 pulse answers and 1 comment older than 1 July 2024; 0 records of time away over for more than 30 days. Nothing was deleted.")
    assert (Pulse.objects.count(), Feedback.objects.count()) == (3, 2)


@pytest.mark.parametrize("months", ["0", "-3"])
def test_fewer_than_one_month_is_refused_and_nothing_goes(rows, months):
    with pytest.raises(CommandError) as refused:
        purge("--months", months)
    assert str(refused.value) == f"--months must be 1 or more, not {months}: it is how many whole months to keep."
    assert (Pulse.objects.count(), Feedback.objects.count()) == (3, 2)


def test_a_setting_of_fewer_than_one_month_is_refused(rows, settings):
    settings.DROPIN_RETENTION_MONTHS = 0
    with pytest.raises(CommandError) as refused:
        purge()
    assert str(refused.value) == "DROPIN_RETENTION_MONTHS is 0: set it to 1 or more (the default is 24)."
    assert Pulse.objects.count() == 3


def test_months_that_are_not_a_number_are_refused(rows):
    with pytest.raises(CommandError, match="--months: invalid int value: 'two years'"):
        purge("--months", "two years")


def test_the_command_explains_itself():
    from sessions_app.management.commands.purge_old_data import Command

    assert "DROPIN_RETENTION_MONTHS" in Command.help and "--months" in Command.help
