import datetime

import pytest

from sessions_app.models import Room, Site, Team
from tests.factories import make_room, make_site, make_team
from tests.rules import assert_refused

pytestmark = pytest.mark.django_db


def site_fields(**fields):
    return {"name": "HMP Example", "slug": "hmp-example", **fields}


def test_valid_site_saves_with_the_lunch_window_from_the_case_study():
    site = Site(**site_fields())
    site.full_clean()
    site.save()
    assert (site.lunch_starts_at, site.lunch_ends_at, site.minutes_per_person) == (
        datetime.time(12, 0), datetime.time(13, 0), 15,
    )


def test_site_slug_is_unique():
    make_site(slug="hmp-example")
    assert_refused(Site, site_fields(), "Another site already uses this short name. Choose a different one.")


def test_site_lunch_must_end_after_it_starts():
    fields = site_fields(lunch_starts_at=datetime.time(13, 0), lunch_ends_at=datetime.time(12, 0))
    assert_refused(Site, fields, "Lunch must end after it starts.")


@pytest.mark.parametrize("minutes", [0, 241])
def test_site_minutes_per_person_in_range(minutes):
    assert_refused(Site, site_fields(minutes_per_person=minutes), "Minutes per person must be between 1 and 240.")


def test_site_time_zone_must_be_real():
    site = Site(**site_fields(time_zone="Mars/Olympus_Mons"))
    with pytest.raises(Exception) as caught:
        site.full_clean()
    assert "Enter a time zone such as Europe/London." in str(caught.value)


def test_team_slug_unique_per_site_but_free_across_sites():
    site, other = make_site(), make_site()
    make_team(site, slug="primary-care")
    valid = Team(site=other, name="Primary care", slug="primary-care")
    valid.full_clean()
    valid.save()
    assert_refused(
        Team, {"site": site, "name": "Primary care 2", "slug": "primary-care"},
        "Another team at this site already uses this short name.",
    )


def test_room_name_unique_per_site():
    site = make_site()
    make_room(site, name="Wellbeing room")
    assert_refused(Room, {"site": site, "name": "Wellbeing room"}, "This site already has a room with this name.")


def test_room_needs_a_seat():
    assert_refused(Room, {"site": make_site(), "name": "Cupboard", "seats": 0}, "A room needs at least 1 seat.")


def test_room_is_suitable_only_when_private_comfortable_and_not_an_office():
    assert make_room().is_suitable
    assert not make_room(is_private=False).is_suitable
    assert not make_room(is_not_working_office=False).is_suitable
