"""seed_scale: an estate's data in bulk, in the shape the pages expect and within every rule of the models."""
import datetime
import random

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from sessions_app.models import Attendance, Pulse, Room, Series, Session, SicknessRecord, Site, Team, User
from sessions_app.permissions import has_role, sites_for
from sessions_app.services.scale import ScaleError, scale_seed
from tests.factories import make_site

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 18, 15, 0, tzinfo=datetime.timezone.utc)  # a Wednesday afternoon
FIRST_DAY = datetime.date(2025, 3, 1)  # 12 whole months before March 2026


@pytest.fixture
def estate():
    return scale_seed(sites=3, years=1, now=NOW, password="scale-test-password")


def tuesdays_to_thursdays(first: datetime.date, last: datetime.date) -> int:
    return sum((first + datetime.timedelta(days=n)).weekday() in (1, 2, 3) for n in range((last - first).days + 1))


def test_three_sites_hold_25_teams_with_rooms_supervisors_and_a_manager_of_every_site(estate):
    assert [site.teams.count() for site in Site.objects.order_by("slug")] == [9, 8, 8]
    assert (Team.objects.count(), Room.objects.count()) == (25, 6)
    manager = User.objects.get(username="manager")
    assert has_role(manager, "manager") and sites_for(manager).count() == 3
    assert manager.check_password("scale-test-password")
    supervisor = User.objects.get(username="supervisor-scale-003")
    assert has_role(supervisor, "supervisor") and list(sites_for(supervisor)) == [Site.objects.get(slug="scale-003")]
    assert estate == {"sites": 3, "teams": 25, "rooms": 6, "users": 4, "series": 6,
                      "sessions": Session.objects.count(), "attendance": Attendance.objects.count(),
                      "pulse": 1_250, "sickness": 300}


def test_sessions_run_tuesday_to_thursday_at_lunchtime_in_the_sites_time_zone_and_8_weeks_ahead(estate):
    last_day = datetime.date(2026, 3, 18) + datetime.timedelta(weeks=8)
    assert Session.objects.count() == 3 * tuesdays_to_thursdays(FIRST_DAY, last_day)
    jersey = Site.objects.get(time_zone="Europe/Jersey")
    for site in Site.objects.all():
        shapes = {(s.local_starts_at.weekday(), s.local_starts_at.time(), s.local_ends_at.time())
                  for s in Session.objects.filter(site=site).select_related("site")}
        lunch = datetime.datetime.combine(FIRST_DAY, site.lunch_starts_at)
        start, end = (lunch - datetime.timedelta(minutes=30)).time(), (lunch + datetime.timedelta(minutes=90)).time()
        assert shapes == {(day, start, end) for day in (1, 2, 3)}
    assert jersey.sessions.order_by("starts_at").first().local_starts_at.date() == datetime.date(2025, 3, 4)
    assert Session.objects.latest("starts_at").local_starts_at.date() == datetime.date(2026, 5, 13)
    assert 0 < Session.objects.filter(status=Session.Status.CANCELLED).count() < Session.objects.count() * 0.05


def test_attendance_is_counted_for_held_sessions_that_are_over_and_no_others(estate):
    over = Session.objects.filter(status=Session.Status.SCHEDULED, ends_at__lte=NOW)
    assert not Attendance.objects.exclude(session__in=over).exists()
    totals = over.annotate(rows=Count("attendance"), people=Sum("attendance__seen"))
    assert not totals.filter(rows=0).exists()
    assert totals.filter(people__gt=0, people__lt=5).exists()  # small ones, so suppression has work
    assert totals.filter(people__gte=5).exists()


def test_pulse_weeks_are_mondays_and_every_team_has_a_months_sickness_figures(estate):
    weeks = set(Pulse.objects.values_list("week", flat=True))
    assert {week.weekday() for week in weeks} == {0}
    assert min(weeks) == datetime.date(2025, 3, 3) and max(weeks) == datetime.date(2026, 3, 9)
    months = SicknessRecord.objects.values("team").annotate(months=Count("month"))
    assert {row["months"] for row in months} == {12} and months.count() == 25
    assert set(SicknessRecord.objects.values_list("month__day", flat=True)) == {1}


def test_five_years_give_60_months_of_sickness_per_team():
    scale_seed(sites=1, years=5, now=NOW)
    months = sorted(set(SicknessRecord.objects.values_list("month", flat=True)))
    assert (len(months), months[0], months[-1]) == (60, datetime.date(2021, 3, 1), datetime.date(2026, 2, 1))
    assert SicknessRecord.objects.count() == 60 * Team.objects.count()


def test_a_sample_of_every_kind_of_row_passes_the_models_rules(estate):
    rng = random.Random(1)
    for model in (Site, Team, Room, Series, Session, Attendance, Pulse, SicknessRecord):
        pks = list(model.objects.values_list("pk", flat=True))
        for row in model.objects.filter(pk__in=rng.sample(pks, min(len(pks), 20))):
            row.full_clean()


def test_the_factor_multiplies_sessions_attendance_and_answers_but_not_sites_teams_or_months():
    one = scale_seed(sites=1, years=1, now=NOW)
    Site.objects.update(slug="first")  # so the second run may go beside it
    User.objects.filter(username="supervisor-scale-001").update(username="first-supervisor")
    two = scale_seed(sites=1, years=1, factor=2, now=NOW, allow_existing=True)
    assert (two["sessions"], two["rooms"]) == (2 * one["sessions"], 3)
    assert abs(two["pulse"] - 2 * one["pulse"]) <= 1  # each is rounded to a whole answer
    assert (two["teams"], two["sickness"]) == (one["teams"], one["sickness"])
    assert two["users"] == 2  # a supervisor for each room; the manager already exists


def test_it_refuses_a_database_that_already_has_sites():
    make_site()
    with pytest.raises(ScaleError, match="already has 1 site"):
        scale_seed(sites=1, years=1, now=NOW)
    with pytest.raises(CommandError, match="pass --allow-existing"):
        call_command("seed_scale", "--sites", "1", "--years", "1")
    assert Site.objects.count() == 1


def test_the_command_refuses_a_factor_it_cannot_mean():
    with pytest.raises(CommandError, match="Give a --factor from 1 to 100."):
        call_command("seed_scale", "--factor", "0")
