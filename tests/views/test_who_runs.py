"""Who runs each session and where: the site's supervisors, the person adding it by default; rooms that pass the checklist."""

import pytest
from django.core.exceptions import ValidationError

from sessions_app.models import Series, Session
from sessions_app.models.sessions import CHOOSE_SUPERVISOR, NOT_SITE_SUPERVISOR
from sessions_app.services.scheduling import session_add
from tests.factories import make_manager, make_room, make_supervisor
from tests.helpers import next_weekday, series_data, text

pytestmark = pytest.mark.django_db


def add(client, site, **extra):
    return client.post("/supervise/sessions/add/", {"site": site.pk, "date": next_weekday(1).isoformat(),
                                                    "kind": "ad_hoc", **extra})


def test_a_supervisor_adding_a_session_runs_it_unless_she_chooses_a_colleague(client, site, supervisor):
    colleague = make_supervisor(site, display_name="Ada Obi", role_title="Clinical Lead")
    client.force_login(supervisor)
    page = client.get("/supervise/sessions/add/").content.decode()
    assert f'<option value="{supervisor.pk}" selected>' in page and "Ada Obi, Clinical Lead" in page
    add(client, site)
    add(client, site, supervisor=colleague.pk, date=next_weekday(2).isoformat())
    assert [s.supervisor for s in Session.objects.order_by("starts_at")] == [supervisor, colleague]
    assert "Ada Obi" in text(client.get("/?weeks=3"))


def test_a_manager_must_choose_who_runs_it(client, site, supervisor):
    make_room(site)
    client.force_login(make_manager(site))
    response = add(client, site, public_note="Typed note")
    assert response.status_code == 200 and CHOOSE_SUPERVISOR in text(response)
    assert "Typed note" in response.content.decode() and not Session.objects.exists()
    assert add(client, site, supervisor=supervisor.pk, public_note="Typed note").status_code == 302
    assert Session.objects.get().supervisor == supervisor


def test_someone_who_does_not_supervise_the_site_is_refused(client, site, supervisor, other_supervisor):
    client.force_login(make_manager())
    response = add(client, site, supervisor=other_supervisor.pk)
    assert response.status_code == 200 and NOT_SITE_SUPERVISOR in text(response)
    assert not Session.objects.exists()


def test_the_service_refuses_a_supervisor_of_another_site(site, other_supervisor):
    with pytest.raises(ValidationError) as refused:
        session_add(actor=other_supervisor, site=site, supervisor=other_supervisor, day=next_weekday(1))
    assert refused.value.messages == [NOT_SITE_SUPERVISOR]
    assert not Session.objects.exists()


def test_a_deactivated_supervisor_is_not_offered_or_accepted(client, site, supervisor):
    gone = make_supervisor(site, display_name="Left the trust", is_active=False)
    client.force_login(supervisor)
    assert "Left the trust" not in client.get("/supervise/sessions/add/").content.decode()
    assert add(client, site, supervisor=gone.pk).status_code == 200
    with pytest.raises(ValidationError):
        session_add(actor=supervisor, site=site, supervisor=gone, day=next_weekday(1))
    assert not Session.objects.exists()


def test_a_manager_sets_up_a_series_for_a_supervisor(client, site, supervisor):
    client.force_login(make_manager(site))
    data = series_data(site=site.pk, supervisor=supervisor.pk)
    fingerprint = client.post("/supervise/series/add/", {**data, "action": "preview"}).context["plan"].fingerprint
    response = client.post("/supervise/series/add/", {**data, "action": "confirm", "fingerprint": fingerprint})
    assert response.status_code == 302
    series = Series.objects.get()
    assert series.supervisor == supervisor
    assert set(Session.objects.filter(series=series).values_list("supervisor", flat=True)) == {supervisor.pk}


def test_a_series_without_a_choice_from_a_manager_is_refused(client, site, supervisor):
    client.force_login(make_manager(site))
    response = client.post("/supervise/series/add/", {**series_data(site=site.pk), "action": "preview"})
    assert CHOOSE_SUPERVISOR in text(response) and not Series.objects.exists()
    assert not Session.objects.exists()


def test_an_unsuitable_room_is_used_only_when_the_supervisor_says_so(client, site, supervisor):
    office = make_room(site, name="Healthcare office 2", is_private=False, is_not_working_office=False)
    client.force_login(supervisor)
    assert 'type="checkbox" name="use_anyway"' not in client.get("/supervise/sessions/add/").content.decode()
    refused = add(client, site, room=office.pk)
    page = text(refused)
    assert refused.status_code == 200 and not Session.objects.exists()
    assert "Healthcare office 2 is not private and is a working office: staff may not feel safe there." in page
    assert 'name="use_anyway"' in refused.content.decode() and "Use this room anyway" in page
    assert add(client, site, room=office.pk, use_anyway="on").status_code == 302
    assert Session.objects.get().room == office


def test_moving_into_an_unsuitable_room_asks_first(client, site, supervisor):
    from tests.factories import lunchtime_in_days, make_session

    office = make_room(site, name="Working office", is_not_working_office=False)
    session = make_session(site=site, supervisor=supervisor, starts_at=lunchtime_in_days(3, site.zone))
    client.force_login(supervisor)
    local = session.local_starts_at
    move = {"date": local.date().isoformat(), "start_time": local.strftime("%H:%M"),
            "end_time": session.ends_at.astimezone(site.zone).strftime("%H:%M"), "room": office.pk,
            "reason": "The usual room is flooded"}
    response = client.post(f"/supervise/sessions/{session.pk}/move/", move)
    assert response.status_code == 200 and "Working office is a working office" in text(response)
    session.refresh_from_db()
    assert session.room != office
    client.post(f"/supervise/sessions/{session.pk}/move/", {**move, "use_anyway": "on"})
    session.refresh_from_db()
    assert session.room == office
