import datetime
import re

import pytest
from django.utils import timezone

from sessions_app.models import Session
from sessions_app.templatetags.dropin import nhs_date
from tests.factories import (
    LONDON, local, make_contract, make_room, make_session, make_site, make_team, make_user, noon_offset,
)
from tests.helpers import text

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def soon(days=1, hour=11, minute=30):
    """Return a local time a number of days ahead, at a lunchtime hour."""
    date = timezone.localdate() + datetime.timedelta(days=days)
    return local(date.year, date.month, date.day, hour, minute)


# The upcoming page


def test_upcoming_page_lists_a_session_with_everything_staff_need(client):
    supervisor = make_user(display_name="Sam Okafor", role_title="Senior Staff Nurse")
    room = make_room(name="Wellbeing room", directions="Healthcare corridor, past the pharmacy hatch")
    make_session(room=room, supervisor=supervisor, starts_at=soon(days=2))
    page = text(client.get("/"))
    assert "11:30am to 1:30pm" in page
    assert "Wellbeing room" in page
    assert "Healthcare corridor, past the pharmacy hatch" in page
    assert "Sam Okafor, Senior Staff Nurse" in page
    assert "No appointment needed. Just drop in." in page


def test_upcoming_page_explains_drop_in_and_links_to_the_contract(client, site):
    response = client.get("/")
    assert "There is no appointment and no booking" in text(response)
    assert 'href="/contract/"' in response.content.decode()


def test_upcoming_page_groups_the_sessions_after_the_next_by_week_and_day(client):
    today = timezone.localdate()
    monday = today + datetime.timedelta(days=7 - today.weekday())  # next week's Monday
    tuesday, thursday, next_tuesday = (monday + datetime.timedelta(days=n) for n in (1, 3, 8))
    make_session(starts_at=timezone.now() + datetime.timedelta(hours=1))  # the next: it leads, above the weeks
    for day in (tuesday, thursday, next_tuesday):
        make_session(starts_at=local(day.year, day.month, day.day))
    page = text(client.get("/?weeks=4"))
    week_one, week_two = (f"Week beginning {nhs_date(day)}" for day in (monday, monday + datetime.timedelta(weeks=1)))
    day_heading = lambda day: f"{day:%A} {day.day} {day:%B}"  # noqa: E731
    assert page.index(week_one) < page.index(day_heading(tuesday)) < page.index(day_heading(thursday))
    assert page.index(day_heading(thursday)) < page.index(week_two) < page.index(day_heading(next_tuesday))


def test_the_next_session_leads_the_page_and_is_not_repeated_below(client):
    room = make_room(name="Wellbeing room")
    first, second = (make_session(room=room, starts_at=soon(days=days)) for days in (2, 3))
    html = client.get("/").content.decode()
    leading = html[html.index('id="leading-heading"'):html.index("Week beginning")]
    assert ">Next drop-in</h2>" in leading
    day = first.local_starts_at
    assert f"{day:%A} {day.day} {day:%B}" in leading and "11:30am to 1:30pm" in leading and "Wellbeing room" in leading
    assert html.count(f'href="/sessions/{first.pk}/"') == 1 and html.count(f'href="/sessions/{second.pk}/"') == 1


def test_the_session_on_now_leads_the_page_as_on_now(client):
    make_session(starts_at=soon(days=2))
    on_now = make_session(starts_at=timezone.now() - datetime.timedelta(minutes=20))
    html = client.get("/").content.decode()
    assert re.search(r'id="leading-heading">On now</h2>.*?' + re.escape(f'href="/sessions/{on_now.pk}/"'), html, re.S)
    assert html.index(f'href="/sessions/{on_now.pk}/"') < html.index("Week beginning")


def test_a_cancelled_session_never_leads_and_stays_in_its_week(client):
    cancelled = make_session(starts_at=soon(days=1), status=Session.Status.CANCELLED, cancel_reason="Lockdown")
    running = make_session(starts_at=soon(days=2))
    html = client.get("/").content.decode()
    leading_end = html.index("Week beginning")
    assert html.index(f'href="/sessions/{running.pk}/"') < leading_end < html.index(f'href="/sessions/{cancelled.pk}/"')


def test_one_session_alone_leads_and_the_page_says_nothing_is_missing(client):
    make_session(starts_at=soon(days=2))
    page = text(client.get("/"))
    assert "Next drop-in" in page and "No drop-ins are published after these yet." in page
    assert "No drop-in sessions are published" not in page and "Week beginning" not in page


def test_each_rooms_directions_appear_once_a_week_not_on_every_card(client):
    make_session(room=make_room(name="Chapel side room", directions="Past the chapel, first left"), starts_at=soon())
    corridor = make_room(name="Wellbeing room", directions="Healthcare corridor, past the pharmacy hatch")
    today = timezone.localdate()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    for day in (monday + datetime.timedelta(days=n) for n in (1, 2, 3, 8)):
        make_session(room=corridor, starts_at=local(day.year, day.month, day.day, 12, 0))
    html = client.get("/?weeks=4").content.decode()
    leading, *weeks = html.split('<h2 class="dropin-week">')
    assert [week.count("Healthcare corridor, past the pharmacy hatch") for week in weeks] == [1, 1]
    assert "Past the chapel, first left" in leading and "Past the chapel" not in "".join(weeks)
    assert all(week.count('class="nhsuk-card dropin-session') == count for week, count in zip(weeks, (3, 1)))


def test_empty_state_when_nothing_is_published(client, site):
    response = client.get("/")
    assert response.status_code == 200
    assert "No drop-in sessions are published for the next 8 weeks." in text(response)


def test_sessions_beyond_eight_weeks_wait_for_show_more(client):
    make_session(starts_at=soon(days=7 * 9))
    assert "No drop-in sessions are published" in text(client.get("/"))
    response = client.get("/?weeks=16")
    assert "No appointment needed" in text(response)
    assert 'href="?weeks=16"' in client.get("/").content.decode()


def test_finished_sessions_leave_the_list(client):
    make_session(starts_at=timezone.now() - datetime.timedelta(hours=3))
    assert "No drop-in sessions are published" in text(client.get("/"))


def test_session_happening_now_is_marked_on_now(client):
    make_session(starts_at=timezone.now() - datetime.timedelta(minutes=20))
    assert "On now" in text(client.get("/"))


def test_cancelled_session_shows_as_cancelled_with_its_reason(client):
    make_session(starts_at=soon(), status=Session.Status.CANCELLED, cancel_reason="Supervisor needed on the wing")
    page = text(client.get("/"))
    assert "Cancelled" in page
    assert "This session is cancelled: Supervisor needed on the wing" in page
    assert "No appointment needed. Just drop in." not in page


def test_extra_session_is_marked(client):
    make_session(starts_at=soon(), kind=Session.Kind.EXTRA)
    assert "Extra session" in text(client.get("/"))


def test_site_filter_shows_one_site(client):
    north, south = make_site(name="HMP North", slug="hmp-north"), make_site(name="HMP South", slug="hmp-south")
    make_session(site=north, room=make_room(north, name="North room"), starts_at=soon())
    make_session(site=south, room=make_room(south, name="South room"), starts_at=soon())
    page = text(client.get("/?site=hmp-south"))
    assert "South room" in page and "North room" not in page


def test_team_filter_shows_sessions_for_that_team_and_for_everyone(client):
    site = make_site(slug="hmp-north")
    primary, officers = make_team(site, name="Primary care", slug="primary-care"), make_team(site, slug="officers")
    make_session(site=site, room=make_room(site, name="Everyone room"), starts_at=soon(1))
    make_session(site=site, room=make_room(site, name="Primary room"), starts_at=soon(2), audience=[primary])
    make_session(site=site, room=make_room(site, name="Officers room"), starts_at=soon(3), audience=[officers])
    page = text(client.get("/?team=primary-care"))
    assert "Everyone room" in page and "Primary room" in page
    assert "Officers room" not in page


def test_one_site_with_one_team_hides_the_filter(client):
    make_team(make_site())
    assert "Show drop-ins for" not in text(client.get("/"))


def test_two_sites_show_the_site_filter(client):
    make_site(), make_site()
    assert 'name="site"' in client.get("/").content.decode()


def test_one_site_with_several_teams_shows_only_the_team_filter(client):
    site = make_site()
    make_team(site), make_team(site)
    html = client.get("/").content.decode()
    assert 'name="team"' in html and 'name="site"' not in html


@pytest.mark.parametrize("query, message", [
    ("?site=%00", "Choose a site from the list."),
    ("?site=nowhere", "Choose a site from the list."),
    ("?weeks=-1", "Enter a number of weeks from 1 to 52."),
    ("?weeks=0", "Enter a number of weeks from 1 to 52."),
    ("?weeks=99999", "You can look up to 52 weeks ahead."),
    ("?weeks=abc", "Enter a number of weeks from 1 to 52."),
    ("?weeks=1e9", "Enter a number of weeks from 1 to 52."),
])
def test_junk_filters_give_a_message_and_the_default_list(client, query, message):
    north = make_site(slug="hmp-north")
    make_site(slug="hmp-south")
    make_session(site=north, room=make_room(north), starts_at=soon())
    response = client.get("/" + query)
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page and message in page
    assert "No appointment needed" in page
    html = response.content.decode()
    for target in re.findall(r'<a href="#([^"]+)"', html):
        assert f'id="{target}"' in html, f"the error summary links to a missing #{target}"


def test_unknown_team_at_the_only_site_gives_a_message(client):
    site = make_site()
    make_team(site), make_team(site)
    assert "Choose a team from the list." in text(client.get("/?team=nobody"))


def test_team_from_another_site_is_dropped_quietly_when_the_site_changes(client):
    north, south = make_site(slug="hmp-north"), make_site(slug="hmp-south")
    make_team(north, slug="primary-care"), make_team(south, slug="officers"), make_team(south)
    make_session(site=south, room=make_room(south, name="South room"), starts_at=soon())
    page = text(client.get("/?site=hmp-south&team=primary-care"))
    assert "There is a problem" not in page and "South room" in page


def test_team_without_a_site_when_there_are_several_sites_asks_for_the_site(client):
    make_team(make_site()), make_team(make_site())
    assert "Choose a site before choosing a team." in text(client.get("/?team=anything"))


def test_repeated_and_huge_parameters_never_fail(client):
    response = client.get("/", {"site": ["a", "b" * 5000], "weeks": "9" * 400, "junk": "\u202e<script>"})
    assert response.status_code == 200


def test_upcoming_page_query_count_does_not_grow_with_sessions(client, django_assert_max_num_queries):
    site = make_site()
    teams = [make_team(site), make_team(site)]
    supervisor = make_user()
    rooms = [make_room(site) for _ in range(5)]

    def add_sessions(count, offset):
        for n in range(count):
            make_session(site=site, room=rooms[n % 5], supervisor=supervisor,
                         starts_at=timezone.now() + datetime.timedelta(hours=3 * (n + offset) + 1),
                         audience=teams[: n % 3])

    add_sessions(10, 0)
    with django_assert_max_num_queries(7) as small:
        assert client.get("/?weeks=52").status_code == 200
    add_sessions(490, 10)
    with django_assert_max_num_queries(7) as large:
        response = client.get("/?weeks=52")
    assert response.content.decode().count("dropin-session") >= 500
    assert len(small.captured_queries) == len(large.captured_queries)


@pytest.mark.parametrize("date, utc_hour", [
    (datetime.date(2027, 3, 30), 11),  # British Summer Time: 12:00 London is 11:00 UTC
    (datetime.date(2026, 11, 24), 12),  # Greenwich Mean Time: 12:00 London is 12:00 UTC
])
def test_times_show_in_the_sites_time_zone_on_both_sides_of_the_clock_change(client, date, utc_hour):
    session = make_session(starts_at=local(date.year, date.month, date.day, 12, 0),
                           ends_at=local(date.year, date.month, date.day, 13, 0))
    assert session.starts_at.astimezone(datetime.UTC).hour == utc_hour
    page = text(client.get(f"/sessions/{session.pk}/"))
    assert "midday to 1pm" in page


def next_date_at_offset(hours: int) -> datetime.date:
    """Return the first day from tomorrow whose midday in London is `hours` ahead of UTC."""
    day = timezone.localdate() + DAY
    while noon_offset(day) != datetime.timedelta(hours=hours):
        day += DAY
    return day


@pytest.mark.parametrize("offset, utc_hour", [(1, 11), (0, 12)])  # British Summer Time, then Greenwich Mean Time
def test_upcoming_page_shows_midday_london_in_summer_and_winter_whatever_the_server_zone(
    client, settings, offset, utc_hour
):
    settings.TIME_ZONE = "UTC"
    day = next_date_at_offset(offset)
    session = make_session(starts_at=local(day.year, day.month, day.day, 12, 0),
                           ends_at=local(day.year, day.month, day.day, 13, 0))
    assert session.starts_at.astimezone(datetime.UTC).hour == utc_hour
    assert "midday to 1pm" in text(client.get("/?weeks=52"))


def test_sessions_in_two_time_zones_keep_one_heading_per_day(client):
    day = timezone.localdate() + 2 * DAY
    london, new_york = make_site(), make_site(time_zone="America/New_York")
    make_session(site=london, room=make_room(london), starts_at=local(day.year, day.month, day.day, 9, 0))
    make_session(site=new_york, room=make_room(new_york),
                 starts_at=local(day.year, day.month, day.day, 12, 0, zone=new_york.zone))
    make_session(site=london, room=make_room(london), starts_at=local(day.year, day.month, day.day, 18, 0))
    html = client.get("/").content.decode()
    assert re.findall(r'<h3 class="dropin-day">([^<]*)</h3>', html) == [f"{day:%A} {day.day} {day:%B}"]


def test_upcoming_page_shows_a_lunchtime_session_in_local_time(client):
    session = make_session(starts_at=soon(days=3, hour=12, minute=0))
    assert "midday to 2pm" in text(client.get("/"))
    assert session.local_starts_at.hour == 12


# One session


def test_session_page_has_all_the_details(client):
    team = make_team(name="Primary care")
    session = make_session(site=team.site, room=make_room(team.site, name="Chapel side room"),
                           starts_at=soon(), audience=[team], public_note="Tea and biscuits")
    page = text(client.get(f"/sessions/{session.pk}/"))
    for expected in ["Chapel side room", "How to get there", "Primary care", "Tea and biscuits",
                     "No appointment needed", "Read the supervision contract"]:
        assert expected in page


def test_session_page_for_everyone_says_so(client):
    session = make_session(starts_at=soon())
    assert f"Everyone at {session.site.name}" in text(client.get(f"/sessions/{session.pk}/"))


def test_cancelled_session_page_says_it_is_cancelled(client):
    session = make_session(starts_at=soon(), status=Session.Status.CANCELLED, cancel_reason="Lockdown on the wing")
    page = text(client.get(f"/sessions/{session.pk}/"))
    assert "This session is cancelled" in page and "Lockdown on the wing" in page


def test_past_session_page_says_it_has_finished(client):
    session = make_session(starts_at=timezone.now() - 3 * DAY)
    assert "This session has finished." in text(client.get(f"/sessions/{session.pk}/"))


def test_session_on_now_says_so(client):
    session = make_session(starts_at=timezone.now() - datetime.timedelta(minutes=5))
    assert "This session is on now" in text(client.get(f"/sessions/{session.pk}/"))


@pytest.mark.parametrize("path", [
    "/sessions/999999/", "/sessions/99999999999999999999999/", "/sessions/abc/", "/sessions/-1/",
])
def test_unknown_session_gives_the_not_found_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in text(response)


def test_session_page_refuses_post(client):
    session = make_session()
    assert client.post(f"/sessions/{session.pk}/").status_code == 405


# The contract


def test_contract_page_shows_the_current_version_and_its_limits(client):
    make_contract(version=1)
    make_contract(version=2, limits="Risk of harm to self or others, safeguarding, fitness to practise.")
    page = text(client.get("/contract/"))
    assert "Version 2, published" in page
    assert "The limits of confidentiality" in page
    assert "Risk of harm to self or others, safeguarding, fitness to practise." in page
    assert "This is an earlier version" not in page


def test_contract_page_has_every_section(client):
    make_contract(version=1)
    page = text(client.get("/contract/"))
    for heading in ["What restorative supervision is for", "What to expect in a drop-in", "What stays confidential",
                    "The limits of confidentiality", "What is and is not written down", "Your part",
                    "The supervisor’s part", "How to raise a concern"]:
        assert heading in page


def test_older_published_version_is_public_and_marked_earlier(client):
    make_contract(version=1, purpose="The first purpose.")
    make_contract(version=2)
    page = text(client.get("/contract/v1/"))
    assert "The first purpose." in page and "This is an earlier version" in page


def test_draft_contract_is_never_public(client):
    make_contract(version=1)
    make_contract(version=2, published=False, purpose="Secret draft wording.")
    assert client.get("/contract/v2/").status_code == 404
    assert "Secret draft wording." not in text(client.get("/contract/"))


def test_no_published_contract_gives_not_found(client):
    make_contract(version=1, published=False)
    assert client.get("/contract/").status_code == 404


@pytest.mark.parametrize("path", ["/contract/v0/", "/contract/v99999999999999999999999/", "/contract/vx/", "/contract/v-1/"])
def test_unknown_contract_versions_give_not_found(client, path):
    make_contract(version=1)
    assert client.get(path).status_code == 404


# Error pages


def test_not_found_page_is_in_the_service_look(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "nhsuk-header" in response.content.decode() and "Page not found" in text(response)


def test_server_error_page_renders_without_a_database(rf):
    from sessions_app.views.errors import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


def test_show_more_appears_only_when_later_sessions_exist(client):
    make_session(starts_at=soon(days=3))
    page = text(client.get("/"))
    assert "Show more" not in page and "No drop-ins are published after these yet." in page
    make_session(starts_at=soon(days=7 * 10))
    assert "Show more: the next 16 weeks" in text(client.get("/"))


def test_todays_session_is_marked_today(client):
    soon_today = min(timezone.now() + datetime.timedelta(minutes=1),
                     datetime.datetime.combine(timezone.localdate(), datetime.time(23, 59, 59), tzinfo=LONDON))
    make_session(starts_at=soon_today, ends_at=soon_today + datetime.timedelta(hours=1))
    assert "Today" in text(client.get("/"))


def test_cancelled_session_link_says_cancelled_to_screen_readers(client):
    make_session(starts_at=soon(), status=Session.Status.CANCELLED, cancel_reason="Lockdown")
    assert "(cancelled)" in client.get("/").content.decode()


def test_heading_names_the_only_site_and_the_chosen_team(client):
    site = make_site(name="HMP Northgate")
    team = make_team(site, name="Primary care", slug="primary-care")
    make_team(site)
    assert "Drop-in supervision for Primary care at HMP Northgate" in text(client.get(f"/?team={team.slug}"))
