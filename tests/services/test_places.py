"""Sites and teams are set up by services that audit each change and delete nothing."""
import datetime

import pytest
from django.core.exceptions import ValidationError

from sessions_app.models import AuditEntry, Site, Team
from sessions_app.services import places
from tests.factories import make_manager, make_session, make_site, make_team

pytestmark = pytest.mark.django_db


def test_site_add_names_a_manager_of_named_sites_as_its_manager(site):
    person = make_manager(site)
    added = places.site_add(actor=person, site=Site(name="HMP Southfield", slug="hmp-southfield"))
    assert list(added.managers.all()) == [person]
    assert AuditEntry.objects.get(action="site_added").after["slug"] == "hmp-southfield"


def test_a_short_name_taken_since_the_form_checked_is_a_field_error_not_a_crash(site):
    with pytest.raises(ValidationError) as refused:
        places.site_add(actor=make_manager(), site=Site(name="Copy", slug="hmp-northgate"))
    assert refused.value.message_dict == {
        "slug": ["Another site already uses this short name. Choose a different one."]}
    assert Site.objects.count() == 1 and not AuditEntry.objects.exists()


def test_site_change_records_before_and_after(site):
    site.lunch_starts_at = datetime.time(11, 45)
    places.site_change(actor=make_manager(), site=site)
    entry = AuditEntry.objects.get(action="site_changed")
    assert (entry.before["lunch_starts_at"], entry.after["lunch_starts_at"]) == ("12:00:00", "11:45:00")


def test_site_change_with_nothing_changed_records_nothing(site):
    places.site_change(actor=make_manager(), site=site)
    assert not AuditEntry.objects.exists()


def test_site_change_refuses_a_new_address_once_the_site_has_sessions(site):
    make_session(site=site, room=site.rooms.get())
    site.slug = "moved"
    with pytest.raises(ValidationError, match="on its posters and in staff calendars"):
        places.site_change(actor=make_manager(), site=site)
    assert Site.objects.get(pk=site.pk).slug == "hmp-northgate"


def test_team_add_and_change_are_audited(site):
    person = make_manager()
    team = places.team_add(actor=person, team=Team(site=site, name="Healthcare", slug="healthcare"))
    team.name = "Healthcare and pharmacy"
    places.team_change(actor=person, team=team)
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == ["team_added", "team_changed"]


def test_a_team_short_name_taken_at_the_site_is_a_field_error(site):
    make_team(site, slug="healthcare")
    with pytest.raises(ValidationError) as refused:
        places.team_add(actor=make_manager(), team=Team(site=site, name="Healthcare", slug="healthcare"))
    assert refused.value.message_dict == {"slug": ["Another team at this site already uses this short name."]}


def test_team_change_refuses_a_new_address_once_the_team_is_in_use(site):
    team = make_team(site, slug="healthcare")
    make_session(site=site, room=site.rooms.get(), audience=[team])
    team.slug = "moved"
    with pytest.raises(ValidationError, match="stays as it is"):
        places.team_change(actor=make_manager(), team=team)


def test_team_retire_is_idempotent_and_never_deletes(site):
    team = make_team(site)
    person = make_manager()
    places.team_retire(actor=person, team=team, retire=True)
    places.team_retire(actor=person, team=team, retire=True)
    assert Team.objects.get(pk=team.pk).is_active is False
    assert AuditEntry.objects.filter(action="team_retired").count() == 1


def test_the_slug_locks_follow_use(site):
    team = make_team(site)
    other = make_site()
    assert not places.site_slug_locked(site=other) and not places.team_slug_locked(team=team)
    make_session(site=site, room=site.rooms.get(), audience=[team])
    assert places.site_slug_locked(site=site) and places.team_slug_locked(team=team)
