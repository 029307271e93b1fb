"""Demand in the workspace: the suggestion, its one-step extra session, the past sessions and the targets."""
import datetime

import pytest
from django.utils import timezone

from sessions_app.models import Session
from tests.factories import make_supervisor
from tests.helpers import past, text

pytestmark = pytest.mark.django_db


def test_the_suggestions_one_step_extra_session_lands_in_the_public_list(client, site, supervisor):
    for days_ago, not_seen in [(7, 2), (14, 1), (21, 0), (28, 0)]:
        past(site, days_ago, seen=4, not_seen=not_seen)
    client.force_login(supervisor)
    home = client.get("/supervise/")
    assert "Demand outgrew supply at 2 of the last 4 sessions — add an extra session?" in text(home)
    [suggestion] = home.context["suggestions"]
    expected_day = timezone.localdate() + datetime.timedelta(days=7)
    assert suggestion.extra_on == expected_day

    form = client.get(suggestion.add_url).context["form"]  # the one step: a pre-filled form to check and save
    assert (form["kind"].value(), form["date"].value(), form["site"].value()) == (
        "extra", expected_day.isoformat(), site.pk)
    response = client.post("/supervise/sessions/add/", {
        name: form[name].value() for name in ("site", "date", "kind") } | {"public_note": "Extra: it has been busy"})
    assert response.status_code == 302
    extra = Session.objects.get(kind="extra")
    assert extra.local_starts_at.date() == expected_day
    public = text(client.get("/"))
    assert "Extra session" in public and "Extra: it has been busy" in public


def test_no_suggestion_on_the_home_page_when_supply_kept_up(client, site, supervisor):
    for days_ago in (7, 14, 21, 28):
        past(site, days_ago, seen=2)
    client.force_login(supervisor)
    home = client.get("/supervise/")
    assert home.context["suggestions"] == [] and "Demand outgrew supply" not in text(home)


def test_the_demand_page_shows_each_past_sessions_seen_not_seen_and_utilisation(client, site, supervisor):
    past(site, 2, seen=7, not_seen=3)  # 7 × 15 minutes of a 2-hour session
    client.force_login(supervisor)
    page = text(client.get("/supervise/demand/"))
    assert "Seen 7 Not seen 3 Utilisation 88% Outgrew supply" in page


def test_a_manager_sets_a_supervisors_weekly_target(client, site, supervisor, manager):
    client.force_login(manager)
    response = client.post(f"/supervise/demand/targets/{supervisor.pk}/", {"weekly_target_hours": "2.5"}, follow=True)
    assert "Weekly target for Sam Okafor saved." in text(response)
    supervisor.refresh_from_db()
    assert str(supervisor.weekly_target_hours) == "2.5"
    response = client.post(f"/supervise/demand/targets/{supervisor.pk}/", {"weekly_target_hours": "lots"}, follow=True)
    assert "Enter a number of hours, for example 2.5." in text(response)
    supervisor.refresh_from_db()
    assert str(supervisor.weekly_target_hours) == "2.5"


def test_a_supervisor_sees_her_own_hours_and_a_manager_sees_everyones(client, site, supervisor, manager):
    colleague = make_supervisor(site, display_name="Jo Adeyemi")
    client.force_login(supervisor)
    page = text(client.get("/supervise/demand/"))
    assert "Sam Okafor" in page and "Jo Adeyemi" not in page and "Save the target" not in page
    client.force_login(manager)
    page = text(client.get("/supervise/demand/"))
    assert "Sam Okafor" in page and colleague.public_name in page and "Save the target" in page
