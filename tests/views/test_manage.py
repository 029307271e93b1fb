"""A manager sets up sites, teams, rooms and the supervision contract in the app, without the Django admin."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions_app.forms import PulseForm, SeriesForm, SessionForm
from sessions_app.models import AuditEntry, Contract, Pulse, Room, Site, Team
from sessions_app.services.contract import contract_draft_find
from tests.factories import (make_contract, make_manager, make_room, make_series_session, make_session, make_site,
                             make_team)
from tests.helpers import text

pytestmark = pytest.mark.django_db

SITE_DATA = {"name": "HMP Southfield", "slug": "", "time_zone": "Europe/London", "bank_holidays": "ENG", "lunch_starts_at": "12:15",
             "lunch_ends_at": "13:15", "minutes_per_person": "20", "announcement_addresses": "wing@example.nhs.uk",
             "service_name": "Wellbeing drop-in", "supervisor_described": "a psychologist",
             "time_described": "after the morning briefing"}


def site_data(site: Site, **changes) -> dict:
    return {"name": site.name, "slug": site.slug, "time_zone": site.time_zone, "bank_holidays": site.bank_holidays, "lunch_starts_at": "12:00",
            "lunch_ends_at": "13:00", "minutes_per_person": "15", "announcement_addresses": "",
            "service_name": "", "supervisor_described": site.supervisor_described,
            "time_described": site.time_described, **changes}


@pytest.fixture
def named_manager(site):
    """A manager of HMP Northgate alone."""
    return make_manager(site, display_name="Nia Jones")


@pytest.fixture
def team(site):
    return make_team(site, name="Primary care", slug="primary-care")


# Sites


def test_a_manager_sees_only_the_sites_she_manages(client, site, named_manager):
    make_site(name="HMP Elsewhere")
    client.force_login(named_manager)
    page = text(client.get("/manage/sites/"))
    assert "HMP Northgate" in page and "HMP Elsewhere" not in page


def test_a_manager_of_all_sites_sees_every_site_and_the_contract_link(client, site, manager):
    make_site(name="HMP Elsewhere")
    client.force_login(manager)
    response = client.get("/manage/sites/")
    assert "HMP Northgate" in text(response) and "HMP Elsewhere" in text(response)
    assert 'href="/manage/contract/"' in response.content.decode()


def test_adding_a_site_makes_her_its_manager_and_is_audited(client, site, named_manager):
    client.force_login(named_manager)
    response = client.post("/manage/sites/add/", SITE_DATA)
    added = Site.objects.get(name="HMP Southfield")
    assert response.status_code == 302 and response.url == "/manage/sites/hmp-southfield/"
    assert (added.slug, added.lunch_starts_at, added.minutes_per_person) == (
        "hmp-southfield", datetime.time(12, 15), 20)
    assert list(added.managers.all()) == [named_manager]
    entry = AuditEntry.objects.get(action="site_added")
    assert (entry.actor, entry.object_id, entry.after["service_name"]) == (named_manager, added.pk, "Wellbeing drop-in")


def test_a_manager_of_all_sites_adding_one_is_not_named_as_its_manager(client, manager):
    client.force_login(manager)
    client.post("/manage/sites/add/", SITE_DATA)
    assert not Site.objects.get(name="HMP Southfield").managers.exists()


def test_a_failed_site_form_keeps_everything_typed(client, manager):
    client.force_login(manager)
    response = client.post("/manage/sites/add/", {**SITE_DATA, "lunch_ends_at": "11:00", "minutes_per_person": "0"})
    page, html = text(response), response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert "Lunch must end after it starts." in page and "Minutes per person must be between 1 and 240." in page
    for typed in ('value="HMP Southfield"', 'value="12:15"', 'value="11:00"', 'value="0"', "wing@example.nhs.uk",
                  'value="Wellbeing drop-in"', '<option value="Europe/London" selected>'):
        assert typed in html, typed
    assert not Site.objects.filter(name="HMP Southfield").exists()


def test_a_short_name_another_site_uses_is_a_plain_field_error(client, site, manager):
    client.force_login(manager)
    response = client.post("/manage/sites/add/", {**SITE_DATA, "slug": "hmp-northgate"})
    assert response.status_code == 200
    assert 'href="#id_slug">Another site already uses this short name. Choose a different one.' in (
        response.content.decode())


def test_a_time_zone_that_is_not_in_the_list_is_refused(client, manager):
    client.force_login(manager)
    response = client.post("/manage/sites/add/", {**SITE_DATA, "time_zone": "Mars/Olympus_Mons"})
    assert "Choose a time zone from the list." in text(response)


def test_changing_a_site_is_audited_with_before_and_after(client, site, manager):
    client.force_login(manager)
    response = client.post("/manage/sites/hmp-northgate/", site_data(site, name="HMP Northgate (North)",
                                                                       service_name="Time to talk"))
    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.name, site.service_name) == ("HMP Northgate (North)", "Time to talk")
    entry = AuditEntry.objects.get(action="site_changed")
    assert (entry.before["name"], entry.after["name"]) == ("HMP Northgate", "HMP Northgate (North)")


def test_a_failed_change_keeps_what_was_typed_and_the_page_its_name(client, site, manager):
    client.force_login(manager)
    response = client.post("/manage/sites/hmp-northgate/", site_data(site, name="Renamed", minutes_per_person="x"))
    assert "Enter a whole number of minutes." in text(response) and 'value="Renamed"' in response.content.decode()
    assert "<title>Error: HMP Northgate: settings" in response.content.decode()
    site.refresh_from_db()
    assert site.name == "HMP Northgate"


def test_a_site_with_sessions_keeps_its_address_and_says_why(client, site, manager):
    make_session(site=site, room=site.rooms.get())
    client.force_login(manager)
    page = client.get("/manage/sites/hmp-northgate/")
    assert 'name="slug"' not in page.content.decode()
    assert "on its posters and in staff calendars" in text(page)
    client.post("/manage/sites/hmp-northgate/", site_data(site, slug="moved", name="Renamed"))
    site.refresh_from_db()
    assert (site.slug, site.name) == ("hmp-northgate", "Renamed")


def test_a_site_without_sessions_may_take_a_new_address(client, site, manager):
    client.force_login(manager)
    response = client.post("/manage/sites/hmp-northgate/", site_data(site, slug="hmp-northgate-east"))
    assert response.url == "/manage/sites/hmp-northgate-east/"


def test_the_site_page_lists_active_teams_then_retired_ones_and_links_to_its_rooms(client, site, manager):
    make_team(site, name="Administration", is_active=False)
    make_team(site, name="Mental health in-reach")
    client.force_login(manager)
    response = client.get("/manage/sites/hmp-northgate/")
    page = text(response)
    assert page.index("Mental health in-reach") < page.index("Administration Retired")
    assert 'href="/supervise/rooms/?site=hmp-northgate"' in response.content.decode()


@pytest.mark.parametrize("path", ["/manage/sites/hmp-northgate/", "/manage/sites/hmp-northgate/teams/add/"])
def test_a_manager_of_another_site_does_not_find_this_ones_settings(client, site, path):
    client.force_login(make_manager(make_site(name="HMP Elsewhere")))
    assert client.get(path).status_code == 404
    assert client.post(path, site_data(site, name="Taken")).status_code == 404
    site.refresh_from_db()
    assert site.name == "HMP Northgate" and not Team.objects.exists()


def test_a_manager_of_another_site_does_not_find_this_ones_teams(client, site, team):
    client.force_login(make_manager(make_site(name="HMP Elsewhere")))
    assert client.get(f"/manage/sites/hmp-northgate/teams/{team.pk}/").status_code == 404
    assert client.post(f"/manage/sites/hmp-northgate/teams/{team.pk}/retire/",
                       {"action": "retire"}).status_code == 404
    team.refresh_from_db()
    assert team.is_active


def test_a_team_is_found_only_under_its_own_site(client, site, manager):
    other = make_team(make_site(slug="hmp-elsewhere"))
    client.force_login(manager)
    assert client.get(f"/manage/sites/hmp-northgate/teams/{other.pk}/").status_code == 404


# Teams


def test_adding_a_team_makes_its_short_name_from_its_name_and_is_audited(client, site, manager):
    client.force_login(manager)
    response = client.post("/manage/sites/hmp-northgate/teams/add/", {"name": "Prison officers", "slug": ""})
    assert response.url == "/manage/sites/hmp-northgate/"
    added = Team.objects.get(site=site)
    assert (added.name, added.slug, added.is_active) == ("Prison officers", "prison-officers", True)
    assert AuditEntry.objects.get(action="team_added").object_id == added.pk


def test_a_team_short_name_used_at_the_site_is_a_plain_field_error_that_keeps_the_typing(client, site, team,
                                                                                          manager):
    client.force_login(manager)
    response = client.post("/manage/sites/hmp-northgate/teams/add/", {"name": "Primary care 2",
                                                                       "slug": "primary-care",
                                                                       "service_started_on": "2026-13-01"})
    html = response.content.decode()
    assert 'href="#id_slug">Another team at this site already uses this short name.' in html
    assert "Enter a real date, for example 1/12/2026." in text(response)
    assert 'value="Primary care 2"' in html and 'value="2026-13-01"' in html


def test_the_same_team_short_name_is_fine_at_another_site(client, site, team, manager):
    make_site(slug="hmp-elsewhere")
    client.force_login(manager)
    client.post("/manage/sites/hmp-elsewhere/teams/add/", {"name": "Primary care", "slug": "primary-care"})
    assert Team.objects.filter(slug="primary-care").count() == 2


def test_changing_a_team_is_audited(client, site, team, manager):
    client.force_login(manager)
    client.post(f"/manage/sites/hmp-northgate/teams/{team.pk}/", {"name": "Primary care and pharmacy",
                                                                 "slug": "primary-care",
                                                                 "service_started_on": "2026-03-02"})
    team.refresh_from_db()
    assert (team.name, team.service_started_on) == ("Primary care and pharmacy", datetime.date(2026, 3, 2))
    entry = AuditEntry.objects.get(action="team_changed")
    assert (entry.before["name"], entry.after["name"]) == ("Primary care", "Primary care and pharmacy")


@pytest.mark.parametrize("use", ["session", "series", "pulse", "sickness"])
def test_a_team_in_use_keeps_its_short_name(client, site, team, manager, use):
    from sessions_app.models import SicknessRecord

    if use == "session":
        make_session(site=site, room=site.rooms.get(), audience=[team])
    elif use == "series":
        make_series_session(site=site, room=site.rooms.get()).series.audience_teams.add(team)
    elif use == "pulse":
        Pulse.objects.create(site=site, team=team, week=datetime.date(2026, 3, 2), score=4)
    else:
        SicknessRecord.objects.create(team=team, month=datetime.date(2026, 3, 1), fte_days_lost=1,
                                      fte_days_available=20)
    client.force_login(manager)
    page = client.get(f"/manage/sites/hmp-northgate/teams/{team.pk}/")
    assert 'name="slug"' not in page.content.decode() and "stays as it is" in text(page)
    client.post(f"/manage/sites/hmp-northgate/teams/{team.pk}/", {"name": "Renamed", "slug": "moved"})
    team.refresh_from_db()
    assert (team.name, team.slug) == ("Renamed", "primary-care")


def test_retiring_a_team_and_bringing_it_back_are_audited_and_never_delete_it(client, site, team, manager):
    client.force_login(manager)
    path = f"/manage/sites/hmp-northgate/teams/{team.pk}/retire/"
    response = client.post(path, {"action": "retire"}, follow=True)
    assert "Team “Primary care” retired. Its figures are kept" in text(response)
    assert "Bring it back" in text(response)
    client.post(path, {"action": "retire"})  # pressed twice: nothing more happens
    team.refresh_from_db()
    assert not team.is_active
    client.post(path, {"action": "bring_back"})
    team.refresh_from_db()
    assert team.is_active
    assert list(AuditEntry.objects.filter(object_type="team").order_by("pk").values_list("action", flat=True)) == [
        "team_retired", "team_brought_back"]


def test_an_empty_retire_press_changes_nothing_and_says_why(client, site, team, manager):
    client.force_login(manager)
    response = client.post(f"/manage/sites/hmp-northgate/teams/{team.pk}/retire/", {}, follow=True)
    assert "Choose whether to retire the team or bring it back." in text(response)
    team.refresh_from_db()
    assert team.is_active and not AuditEntry.objects.exists()


def test_a_retired_team_is_not_offered_for_new_sessions_series_or_the_pulse(site, team, manager):
    make_team(site, name="Healthcare")
    team.is_active = False
    team.save()
    sites = Site.objects.filter(pk=site.pk)
    offered = {
        "session": SessionForm(sites=sites).fields["audience_teams"].queryset,
        "series": SeriesForm(sites=sites).fields["audience_teams"].queryset,
    }
    for form, teams in offered.items():
        assert [t.name for t in teams] == ["Healthcare"], form
    pulse = PulseForm(site=site, teams=list(site.teams.order_by("name")))
    assert [label for _, label in pulse.fields["team"].choices] == ["Healthcare", "Prefer not to say"]


def test_the_pulse_page_offers_no_retired_team(client, site, team):
    make_team(site, name="Healthcare")
    Team.objects.filter(pk=team.pk).update(is_active=False)
    page = text(client.get("/pulse/hmp-northgate/"))
    assert "Healthcare" in page and "Primary care" not in page


def test_a_series_already_for_a_retired_team_keeps_it_when_edited(site, team):
    series = make_series_session(site=site, room=site.rooms.get()).series
    series.audience_teams.add(team)
    Team.objects.filter(pk=team.pk).update(is_active=False)
    form = SeriesForm(sites=Site.objects.filter(pk=site.pk), series=series, initial=SeriesForm.initial_for(series))
    assert list(form.fields["audience_teams"].queryset) == [team]


def test_a_retired_team_keeps_its_figures(client, site, team, manager):
    Pulse.objects.create(site=site, team=team, week=datetime.date(2026, 3, 2), score=4)
    client.force_login(manager)
    client.post(f"/manage/sites/hmp-northgate/teams/{team.pk}/retire/", {"action": "retire"})
    assert team.pulses.count() == 1
    assert "Primary care" in text(client.get("/insights/?site=hmp-northgate"))  # still a team to filter by


# Rooms


def test_a_manager_adds_a_room_at_a_site_she_manages(client, site, named_manager):
    client.force_login(named_manager)
    page = client.get("/supervise/rooms/add/?site=hmp-northgate").content.decode()
    assert f'<option value="{site.pk}" selected>' in page
    client.post("/supervise/rooms/add/", {"site": site.pk, "name": "Chapel side room", "seats": 3, "owner": "prison",
                                          "is_private": "on", "is_active": "on"})
    assert Room.objects.filter(site=site, name="Chapel side room").exists()


def test_a_manager_of_another_site_does_not_find_this_sites_room(client, site):
    room = site.rooms.get()
    client.force_login(make_manager(make_site(name="HMP Elsewhere")))
    assert client.get(f"/supervise/rooms/{room.pk}/").status_code == 404
    assert client.post(f"/supervise/rooms/{room.pk}/", {"site": site.pk, "name": "Taken", "seats": 2,
                                                        "owner": "prison"}).status_code == 404
    assert "Wellbeing room" not in text(client.get("/supervise/rooms/"))


def test_a_room_is_retired_by_unticking_in_use_and_stays_listed(client, site, named_manager):
    room = site.rooms.get()
    client.force_login(named_manager)
    response = client.post(f"/supervise/rooms/{room.pk}/", {"site": site.pk, "name": room.name, "seats": 2,
                                                            "owner": "prison"}, follow=True)
    assert "saved and retired" in text(response) and "Wellbeing room Retired" in text(response)
    room.refresh_from_db()
    assert not room.is_active


def test_a_room_name_the_site_already_has_is_a_plain_field_error(client, site, named_manager):
    client.force_login(named_manager)
    response = client.post("/supervise/rooms/add/", {"site": site.pk, "name": "Wellbeing room", "seats": 0,
                                                     "owner": "prison", "directions": "Past the chapel"})
    html = response.content.decode()
    assert 'href="#id_name">This site already has a room with this name.' in html
    assert 'href="#id_seats">A room needs at least 1 seat.' in html
    assert "Past the chapel" in html and Room.objects.count() == 1


def test_the_rooms_page_shows_one_site_when_asked(client, site, manager):
    make_room(make_site(name="HMP Elsewhere"), name="Elsewhere room")
    client.force_login(manager)
    page = text(client.get("/supervise/rooms/?site=hmp-northgate"))
    assert "Rooms at HMP Northgate" in page and "Wellbeing room" in page and "Elsewhere room" not in page


# The supervision contract


@pytest.mark.parametrize("path", ["/manage/contract/", "/manage/contract/draft/", "/manage/contract/draft/preview/"])
def test_a_manager_of_named_sites_is_refused_the_contract(client, named_manager, path):
    client.force_login(named_manager)
    assert client.get(path).status_code == 403


def test_a_manager_of_named_sites_cannot_start_or_publish_a_draft(client, named_manager):
    make_contract(version=1)
    make_contract(version=2, published=False)
    client.force_login(named_manager)
    assert client.post("/manage/contract/draft/start/").status_code == 403
    assert client.post("/manage/contract/draft/publish/", {"version": 2, "fingerprint": "x"}).status_code == 403
    assert Contract.objects.published().count() == 1


def test_starting_a_draft_copies_the_current_text_into_the_next_version(client, manager):
    make_contract(version=1, purpose="First purpose.")
    client.force_login(manager)
    response = client.post("/manage/contract/draft/start/")
    assert response.url == "/manage/contract/draft/"
    draft = contract_draft_find()
    assert (draft.version, draft.purpose, draft.is_published) == (2, "First purpose.", False)
    assert "First purpose." in client.get("/manage/contract/draft/").content.decode()
    assert AuditEntry.objects.get(action="contract_drafted").after == {"version": 2, "copied_from": 1}


def test_only_one_draft_at_a_time(client, manager):
    make_contract(version=1)
    client.force_login(manager)
    client.post("/manage/contract/draft/start/")
    response = client.post("/manage/contract/draft/start/", follow=True)
    assert "There is already a draft, version 2." in text(response)
    assert Contract.objects.count() == 2


def test_the_contract_page_lists_versions_with_dates_and_the_draft(client, manager):
    make_contract(version=1, published_at=timezone.make_aware(datetime.datetime(2026, 1, 5)))
    make_contract(version=2, published=False)
    client.force_login(manager)
    page = text(client.get("/manage/contract/"))
    assert "Version 1 , published 5 January 2026" in page and "Version 2, started" in page
    assert "Start a new draft" not in page


def draft_data(draft: Contract, **changes) -> dict:
    return {"version": draft.version, **{field: getattr(draft, field) for field, _ in Contract.SECTIONS}, **changes}


def test_changing_the_draft_then_previewing_shows_it_as_staff_will(client, manager):
    make_contract(version=1)
    client.force_login(manager)
    client.post("/manage/contract/draft/start/")
    draft = contract_draft_find()
    response = client.post("/manage/contract/draft/", draft_data(draft, limits="Risk of harm, safeguarding."))
    assert response.url == "/manage/contract/draft/preview/"
    preview = client.get("/manage/contract/draft/preview/")
    page = text(preview)
    assert "Supervision contract" in page and "Version 2, published" in page and "Risk of harm, safeguarding." in page
    assert "This is an earlier version" not in page and "Publish version 2" in page
    assert AuditEntry.objects.get(action="contract_draft_changed").after == {"limits": "Risk of harm, safeguarding."}
    assert "Risk of harm, safeguarding." not in text(client.get("/contract/"))  # not public until published


def test_a_failed_draft_keeps_what_was_typed(client, manager):
    make_contract(version=1, published=False)
    client.force_login(manager)
    response = client.post("/manage/contract/draft/", draft_data(Contract.objects.get(), purpose="",
                                                                 limits="New limits typed here."))
    assert "Enter the section “What restorative supervision is for”." in text(response)
    assert "New limits typed here." in response.content.decode()
    assert Contract.objects.get().limits != "New limits typed here."


def test_publishing_shows_staff_the_new_version_and_keeps_the_old_at_its_address(client, manager):
    make_contract(version=1, purpose="Old purpose.")
    client.force_login(manager)
    client.post("/manage/contract/draft/start/")
    client.post("/manage/contract/draft/", draft_data(contract_draft_find(), purpose="New purpose."))
    preview = client.get("/manage/contract/draft/preview/")
    form = preview.context["form"]
    response = client.post("/manage/contract/draft/publish/", {"version": form["version"].value(),
                                                               "fingerprint": form["fingerprint"].value()},
                           follow=True)
    assert "Version 2 is published. Staff see it now" in text(response)
    client.logout()
    assert "New purpose." in text(client.get("/contract/")) and "Old purpose." not in text(client.get("/contract/"))
    assert "Old purpose." in text(client.get("/contract/v1/"))
    entry = AuditEntry.objects.get(action="contract_published")
    assert entry.actor == manager and entry.after["version"] == 2


def test_a_draft_changed_after_its_preview_is_not_published(client, manager):
    make_contract(version=1)
    draft = make_contract(version=2, published=False)
    client.force_login(manager)
    response = client.post("/manage/contract/draft/publish/", {"version": 2, "fingerprint": "not-what-was-shown"},
                           follow=True)
    assert "The draft has changed since you previewed it." in text(response)
    draft.refresh_from_db()
    assert not draft.is_published


def test_a_tampered_post_to_a_published_version_gets_a_plain_message_and_changes_nothing(client, manager):
    published = make_contract(version=1, purpose="What staff agreed to.")
    client.force_login(manager)
    response = client.post("/manage/contract/draft/", draft_data(published, purpose="Rewritten."))
    assert response.status_code == 200
    assert "This version is published and cannot be changed. Make a new draft version instead." in text(response)
    assert "Rewritten." in response.content.decode()
    published.refresh_from_db()
    assert published.purpose == "What staff agreed to."


def test_publishing_a_published_version_again_is_refused_plainly(client, manager):
    make_contract(version=1)
    client.force_login(manager)
    response = client.post("/manage/contract/draft/publish/", {"version": 1, "fingerprint": "x"}, follow=True)
    assert response.status_code == 200 and "Version 1 is already published." in text(response)


def test_a_draft_with_an_empty_section_is_not_published(client, manager):
    client.force_login(manager)
    client.post("/manage/contract/draft/start/")  # nothing published yet: the sections start empty
    form = client.get("/manage/contract/draft/preview/").context["form"]
    response = client.post("/manage/contract/draft/publish/",
                           {"version": 1, "fingerprint": form["fingerprint"].value()}, follow=True)
    assert "Fill in every section before publishing." in text(response)
    assert not Contract.objects.published().exists()


def test_without_a_draft_the_draft_pages_say_how_to_start_one(client, manager):
    make_contract(version=1)
    client.force_login(manager)
    for path in ("/manage/contract/draft/", "/manage/contract/draft/preview/"):
        assert "There is no draft of the supervision contract." in text(client.get(path)), path


# What the service is called at a site


def test_the_poster_and_the_sites_page_use_the_name_the_service_has_there(client, site):
    Site.objects.filter(pk=site.pk).update(service_name="Time to talk")
    assert "Time to talk — no appointment needed" in text(client.get("/poster/hmp-northgate/"))
    assert "Time to talk at HMP Northgate" in text(client.get("/?site=hmp-northgate"))


def test_without_its_own_name_a_site_uses_the_services(client, site, settings):
    settings.DROPIN_SERVICE_NAME = "Restorative supervision"
    assert "Restorative supervision — no appointment needed" in text(client.get("/poster/hmp-northgate/"))


# Queries: the pages that list things run as many queries however much there is


def grow(site, n: int) -> None:
    for _ in range(n):
        other = make_site()
        other.managers.add(*site.managers.all())
        for where in (site, other):
            make_team(where)
            make_team(where, is_active=False)
            make_room(where)
    for version in range(Contract.objects.count() + 1, Contract.objects.count() + n + 1):
        make_contract(version=version)


@pytest.mark.parametrize("who", ["named", "all"])
def test_the_manage_pages_run_a_fixed_number_of_queries(client, site, named_manager, manager, who,
                                                         django_assert_max_num_queries):
    team = make_team(site)
    make_session(site=site, room=site.rooms.get(), audience=[team])
    person = named_manager if who == "named" else manager
    client.force_login(person)
    pages = ["/manage/sites/", "/manage/sites/hmp-northgate/", f"/manage/sites/hmp-northgate/teams/{team.pk}/",
             "/supervise/rooms/?site=hmp-northgate"]
    if who == "all":
        pages += ["/manage/contract/", "/manage/contract/draft/", "/manage/contract/draft/preview/"]
    grow(site, 2)
    make_contract(version=Contract.objects.count() + 1, published=False)
    small = {}
    for path in pages:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200, path
        small[path] = len(queries)
    grow(site, 20)
    for path in pages:
        with django_assert_max_num_queries(small[path], info=path):
            client.get(path)
