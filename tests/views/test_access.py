"""Every URL the project resolves, tried by each of the cast. A new URL must be added to the table."""
import pytest
from django.urls import reverse

from tests.factories import make_contract, make_series_session, make_session, make_user
from tests.url_walk import named_patterns, url_paths

pytestmark = pytest.mark.django_db

ANON, NO_ROLE, SUPERVISOR, OTHER_SUPERVISOR, MANAGER = "anonymous", "no role", "supervisor", "other site", "manager"
CAST = [ANON, NO_ROLE, SUPERVISOR, OTHER_SUPERVISOR, MANAGER]
SIGN_IN = "sign in"  # a redirect to the sign-in page

PUBLIC = {who: 200 for who in CAST}
WORKSPACE = {ANON: SIGN_IN, NO_ROLE: 403, SUPERVISOR: 200, OTHER_SUPERVISOR: 200, MANAGER: 200}
THIS_SITE = {ANON: SIGN_IN, NO_ROLE: 403, SUPERVISOR: 200, OTHER_SUPERVISOR: 404, MANAGER: 200}
POST_ONLY = {who: 405 for who in CAST}  # a GET is refused before anything else
MANAGERS_ONLY = {ANON: SIGN_IN, NO_ROLE: 403, SUPERVISOR: 403, OTHER_SUPERVISOR: 403, MANAGER: 200}
POSTED = {ANON: SIGN_IN, NO_ROLE: 403, SUPERVISOR: 302, OTHER_SUPERVISOR: 404, MANAGER: 302}

# What a GET gives each of the cast, for every named URL outside the admin.
EXPECTED = {
    "upcoming": PUBLIC,
    "session_detail": PUBLIC,
    "contract": PUBLIC,
    "contract_version": PUBLIC,
    "calendar_session": PUBLIC,
    "calendar_site": PUBLIC,
    "calendar_team": PUBLIC,
    "poster": PUBLIC,
    "poster_qr": PUBLIC,
    "handover": PUBLIC,
    "pulse_sites": PUBLIC,
    "pulse": PUBLIC,
    "pulse_thanks": PUBLIC,
    "sign_in": PUBLIC,
    "sign_out": {who: 405 for who in CAST},
    "supervise_home": WORKSPACE,
    "supervise_session_add": WORKSPACE,
    "supervise_rooms": WORKSPACE,
    "supervise_room_add": WORKSPACE,
    "supervise_session": THIS_SITE,
    "supervise_cancel": THIS_SITE,
    "supervise_move": THIS_SITE,
    "supervise_room_edit": THIS_SITE,
    "supervise_series_list": WORKSPACE,
    "supervise_series_add": WORKSPACE,
    "supervise_series": THIS_SITE,
    "supervise_series_cancel": THIS_SITE,
    "supervise_demand": WORKSPACE,
    "supervise_announce": WORKSPACE,
    "supervise_announce_changes": WORKSPACE,
    "supervise_feedback": WORKSPACE,
    "supervise_feedback_review": POST_ONLY,
    "insights": WORKSPACE,
    "insights_csv": WORKSPACE,
    "insights_return_csv": WORKSPACE,
    "insights_report": WORKSPACE,
    "insights_service_start": MANAGERS_ONLY,
    "insights_sickness": MANAGERS_ONLY,
    "insights_sickness_import": MANAGERS_ONLY,
    "supervise_target": POST_ONLY,
    "supervise_tally": POST_ONLY,
    "supervise_room_booking": POST_ONLY,
    "supervise_correct": POST_ONLY,
}


@pytest.fixture
def cast(site, supervisor, manager, other_supervisor):
    return {ANON: None, NO_ROLE: make_user(), SUPERVISOR: supervisor, OTHER_SUPERVISOR: other_supervisor,
            MANAGER: manager}


def test_every_url_is_in_the_table():
    assert {pattern.name for pattern in named_patterns()} == set(EXPECTED)


@pytest.mark.parametrize("who", CAST)
def test_every_url_answers_each_role_as_the_table_says(client, site, cast, who):
    session = make_series_session(site=site, room=site.rooms.first(), supervisor=cast[SUPERVISOR])
    if cast[who] is not None:
        client.force_login(cast[who])
    for name, path in url_paths(session=session, contract=make_contract(version=1)).items():
        response = client.get(path)
        expected = EXPECTED[name][who]
        if expected == SIGN_IN:
            assert response.status_code == 302 and response.url.startswith("/sign-in/?next="), (name, who)
        else:
            assert response.status_code == expected, (name, who, response.status_code)


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("name, data", [
    ("supervise_tally", {"action": "arrived"}),
    ("supervise_room_booking", {"room_booking": "requested"}),
    ("supervise_correct", {"seen": 1, "not_seen": 0, "reason": "Miscounted"}),
])
def test_posting_changes_answers_each_role_as_the_table_says(client, site, cast, who, name, data):
    session = make_session(site=site, room=site.rooms.first())
    if cast[who] is not None:
        client.force_login(cast[who])
    response = client.post(reverse(name, args=[session.pk]), data)
    expected = POSTED[who]
    if expected == SIGN_IN:
        assert response.status_code == 302 and response.url.startswith("/sign-in/?next=")
    else:
        assert response.status_code == expected
    session.refresh_from_db()
    changed = session.waiting == 1 or session.room_booking == "requested" or session.attendance.exists()
    assert changed == (expected == 302)


@pytest.mark.parametrize("name", ["supervise_tally", "supervise_cancel", "supervise_room_booking"])
def test_posts_without_a_csrf_token_are_refused(site, supervisor, name):
    from django.test import Client

    session = make_session(site=site, room=site.rooms.first())
    client = Client(enforce_csrf_checks=True)
    client.force_login(supervisor)
    response = client.post(reverse(name, args=[session.pk]), {"action": "arrived", "reason": "x"})
    assert response.status_code == 403
    session.refresh_from_db()
    assert session.waiting == 0 and not session.is_cancelled


@pytest.mark.parametrize("who, expected", [
    (ANON, SIGN_IN), (NO_ROLE, 403), (SUPERVISOR, 403), (OTHER_SUPERVISOR, 403), (MANAGER, 302),
])
def test_only_managers_set_weekly_targets(client, site, cast, who, expected):
    person = cast[SUPERVISOR]
    if cast[who] is not None:
        client.force_login(cast[who])
    response = client.post(reverse("supervise_target", args=[person.pk]), {"weekly_target_hours": "3.5"})
    if expected == SIGN_IN:
        assert response.status_code == 302 and response.url.startswith("/sign-in/?next=")
    else:
        assert response.status_code == expected
    person.refresh_from_db()
    assert (person.weekly_target_hours is not None) == (expected == 302)


@pytest.mark.parametrize("who", CAST)
def test_cancelling_the_rest_of_a_series_answers_each_role_as_the_table_says(client, site, cast, who):
    session = make_series_session(site=site, room=site.rooms.first(), supervisor=cast[SUPERVISOR])
    if cast[who] is not None:
        client.force_login(cast[who])
    response = client.post(reverse("supervise_series_cancel", args=[session.series_id]), {"reason": "Ward closed"})
    expected = POSTED[who]
    if expected == SIGN_IN:
        assert response.status_code == 302 and response.url.startswith("/sign-in/?next=")
    else:
        assert response.status_code == expected
    session.refresh_from_db()
    assert session.is_cancelled == (expected == 302)
