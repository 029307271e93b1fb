from decimal import Decimal

import pytest
from django.core.management import call_command

from django.utils import timezone

from sessions_app.models import (Attendance, Contract, MeasureTarget, Pulse, Room, Series, Session, SicknessRecord,
                                 Site, Team, User)
from sessions_app.services.demand import demand_suggestions
from sessions_app.services.series import series_describe

pytestmark = pytest.mark.django_db


def counts():
    return [model.objects.count() for model in (Site, Team, Room, Contract, User, Series, Session, Attendance, Pulse,
                                                SicknessRecord, MeasureTarget)]


def test_seed_demo_creates_the_case_study_site():
    call_command("seed_demo")
    site = Site.objects.get()
    assert (site.lunch_starts_at.hour, site.lunch_ends_at.hour) == (12, 13)
    assert sorted(site.teams.values_list("name", flat=True)) == [
        "Mental health in-reach", "Primary care", "Prison staff",
    ]
    assert [room.is_suitable for room in site.rooms.order_by("name")] == [False, True]
    assert not site.rooms.get(name="Healthcare office 2").is_private
    assert Contract.objects.current().version == 1
    series = Series.objects.get()
    assert series.sessions.count() == 24  # 4 weeks past and 8 to come, Tuesday and Thursday
    assert Session.objects.filter(status=Session.Status.CANCELLED).count() == 1
    assert series_describe(series) == "Every week on Tuesday and Thursday"
    beginnings = Session.objects.filter(series=None)
    assert beginnings.exists() and {s.kind for s in beginnings} == {"ad_hoc"}
    assert all(site.service_started_on <= s.local_starts_at.date() < series.starts_on for s in beginnings)
    finished = Session.objects.filter(ends_at__lte=timezone.now())
    assert finished.exists() and all(session.attendance.exists() for session in finished)
    assert not Attendance.objects.filter(session__ends_at__gt=timezone.now()).exists()
    [suggestion] = demand_suggestions(sites=Site.objects.all(), now=timezone.now(),
                                      viewer=User.objects.get(username="supervisor"))
    assert suggestion.site == site
    assert {(s.local_starts_at.hour, s.local_starts_at.minute, s.local_ends_at.hour) for s in Session.objects.all()} == {
        (11, 30, 13)
    }


def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo")
    before = counts()
    sessions = list(Session.objects.values_list("pk", "sequence", "status"))
    call_command("seed_demo")
    assert counts() == before
    assert list(Session.objects.values_list("pk", "sequence", "status")) == sessions


def test_demo_supervisor_cannot_sign_in_without_a_password():
    call_command("seed_demo")
    assert not User.objects.get(username="supervisor").has_usable_password()


def test_seed_demo_gives_insights_a_year_to_compare_before_and_after():
    from sessions_app.services.comparison import compare_before_after

    call_command("seed_demo")
    site = Site.objects.get()
    comparison = compare_before_after(sites=[site], team=None, now=timezone.now())
    assert comparison["sickness"].enough and comparison["sickness"].difference < 0
    assert comparison["pulse"].enough and comparison["pulse"].difference > 0
    assert User.objects.get(username="manager").manages_all_sites


def test_the_demo_sets_a_sickness_target_its_chart_and_board_say_whether_is_assured(client):
    call_command("seed_demo")
    site = Site.objects.get()
    assert list(MeasureTarget.objects.values_list("measure", "value")) == [("sickness_rate", Decimal("4.5"))]
    client.force_login(User.objects.get(username="manager"))
    for path in ("/insights/", "/insights/board/"):
        page = client.get(f"{path}?site={site.slug}").content.decode()
        assert "Target 4.5%: " in page, path


def test_seed_demo_again_keeps_a_target_a_manager_changed():
    call_command("seed_demo")
    MeasureTarget.objects.update(value=Decimal("5"))
    call_command("seed_demo")
    assert list(MeasureTarget.objects.values_list("measure", "value")) == [("sickness_rate", Decimal("5"))]
