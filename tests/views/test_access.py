"""Every URL the project resolves, the admin's too, tried by each of the cast. A new URL must be added to the table."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_contract, make_series_session, make_session
from tests.helpers import (ADMINISTRATOR, ANON, CAST, MANAGER, NO_ROLE, OTHER_MANAGER, OTHER_SUPERVISOR, SUPERVISOR,
                           the_cast)
from tests.url_walk import admin_paths, named_patterns, url_paths

pytestmark = pytest.mark.django_db

SIGN_IN = "sign in"  # a redirect to the sign-in page

PUBLIC = {who: 200 for who in CAST}
# A service administrator passes every role check (as a manager does) but supervises no site.
WORKSPACE = {ANON: SIGN_IN, NO_ROLE: 403, SUPERVISOR: 200, OTHER_SUPERVISOR: 200, MANAGER: 200, OTHER_MANAGER: 200,
             ADMINISTRATOR: 200}
THIS_SITE = {ANON: SIGN_IN, NO_ROLE: 403, SUPERVISOR: 200, OTHER_SUPERVISOR: 404, MANAGER: 200, OTHER_MANAGER: 404,
             ADMINISTRATOR: 200}
POST_ONLY = {who: 405 for who in CAST}  # a GET is refused before anything else
# A manager of another site is let in, and offered only her own sites.
MANAGERS_ONLY = {ANON: SIGN_IN, NO_ROLE: 403, SUPERVISOR: 403, OTHER_SUPERVISOR: 403, MANAGER: 200,
                 OTHER_MANAGER: 200, ADMINISTRATOR: 200}
POSTED = {ANON: SIGN_IN, NO_ROLE: 403, SUPERVISOR: 302, OTHER_SUPERVISOR: 404, MANAGER: 302, OTHER_MANAGER: 404,
          ADMINISTRATOR: 302}
# The tally and corrections: the site's own supervisors only (privacy rule 2 against insiders).
SUPERVISORS_OF_THE_SITE = {**POSTED, MANAGER: 403, ADMINISTRATOR: 403}

# What an empty POST (with a valid CSRF token) gives each of the cast: a form with its errors (200),
# an action sent back with a message (302), or refused before anything is read.
GET_ONLY = {who: 405 for who in CAST}
PUBLIC_FORM = {who: 200 for who in CAST}
WORKSPACE_FORM = WORKSPACE
THIS_SITE_FORM = THIS_SITE
WORKSPACE_ACTION = {**WORKSPACE, **{who: 302 for who, outcome in WORKSPACE.items() if outcome == 200}}
THIS_SITE_ACTION = POSTED
MANAGERS_FORM = MANAGERS_ONLY
MANAGERS_ACTION = {**MANAGERS_ONLY, MANAGER: 302, OTHER_MANAGER: 404, ADMINISTRATOR: 302}
# A site's settings and teams: its managers only; a manager of another site does not find them.
MANAGERS_OF_THE_SITE = {**MANAGERS_ONLY, OTHER_MANAGER: 404}
# The supervision contract is the whole service's: managers of all sites and service administrators.
SERVICE_WIDE = {**MANAGERS_ONLY, OTHER_MANAGER: 403}
SERVICE_WIDE_ACTION = {**SERVICE_WIDE, MANAGER: 302, ADMINISTRATOR: 302}

# A person with a role at this site, as her managers see her; other sites' managers do not.
PEOPLE_OF_THIS_SITE = {**MANAGERS_ONLY, OTHER_MANAGER: 404}
PEOPLE_ACTION = {**MANAGERS_ACTION, OTHER_MANAGER: 404}

# Each person's own account: any signed-in person, for herself alone.
OWN_ACCOUNT = {**{who: 200 for who in CAST}, ANON: SIGN_IN}
OWN_ACCOUNT_ACTION = {**{who: 302 for who in CAST}, ANON: SIGN_IN}  # sent on: no code is due, no app to back up
NOT_HERS = {**{who: 404 for who in CAST}, ANON: SIGN_IN}  # another person's authenticator app
NOT_FOUND = {who: 404 for who in CAST}

EXPECTED_POST = {
    "two_factor_code": OWN_ACCOUNT_ACTION, "two_factor_setup": OWN_ACCOUNT, "account": OWN_ACCOUNT,
    "two_factor_remove": NOT_HERS, "recovery_codes": OWN_ACCOUNT_ACTION, "password_change": OWN_ACCOUNT,
    "calendar_address_renew": OWN_ACCOUNT_ACTION, "calendar_supervisor": GET_ONLY,
    "password_change_done": {**GET_ONLY, ANON: SIGN_IN}, "password_reset": PUBLIC_FORM, "password_reset_done": GET_ONLY,
    "password_reset_confirm": PUBLIC_FORM, "password_reset_complete": GET_ONLY,
    "people": GET_ONLY, "people_invite": MANAGERS_FORM, "person": PEOPLE_ACTION, "person_active": PEOPLE_ACTION,
    "invitation_resend": PEOPLE_ACTION, "invitation_revoke": PEOPLE_ACTION, "invitation_accept": PUBLIC_FORM,
    "room_request_answer": PUBLIC_FORM,  # an empty answer: the page again, saying to choose
    "upcoming": GET_ONLY, "session_detail": GET_ONLY, "contract": GET_ONLY, "contract_version": GET_ONLY,
    "calendar_session": GET_ONLY, "calendar_site": GET_ONLY, "calendar_team": GET_ONLY, "poster": GET_ONLY,
    "poster_qr": GET_ONLY, "handover": GET_ONLY, "pulse_sites": GET_ONLY, "pulse_thanks": GET_ONLY,
    "accessibility": GET_ONLY, "privacy": GET_ONLY, "cookies": GET_ONLY,
    "pulse": PUBLIC_FORM,
    "healthz": GET_ONLY, "readyz": GET_ONLY,
    "sign_in": PUBLIC_FORM,
    "sign_out": {who: 302 for who in CAST},
    "sign_in_with": GET_ONLY, "sign_in_provider_answer": GET_ONLY,
    "supervise_home": GET_ONLY, "supervise_session": GET_ONLY, "supervise_series_list": GET_ONLY,
    "supervise_demand": GET_ONLY, "supervise_feedback": GET_ONLY, "supervise_rooms": GET_ONLY,
    "insights": GET_ONLY, "insights_csv": GET_ONLY, "insights_return_csv": GET_ONLY, "insights_report": GET_ONLY,
    "insights_board": GET_ONLY,
    "supervise_session_add": WORKSPACE_FORM,
    "supervise_series_add": WORKSPACE_FORM,
    "supervise_announce": WORKSPACE_FORM,
    "supervise_announce_changes": WORKSPACE_FORM,
    "supervise_room_add": WORKSPACE_FORM,
    "supervise_room_requests": WORKSPACE_ACTION,
    "supervise_cancel": THIS_SITE_FORM,
    "supervise_move": THIS_SITE_FORM,
    "supervise_series": THIS_SITE_FORM,
    "supervise_series_cancel": THIS_SITE_FORM,
    "supervise_room_edit": THIS_SITE_FORM,
    "supervise_tally": SUPERVISORS_OF_THE_SITE,
    "supervise_room_booking": THIS_SITE_ACTION,
    "supervise_correct": SUPERVISORS_OF_THE_SITE,
    "supervise_cover": THIS_SITE_FORM,
    "supervise_time_away": WORKSPACE_FORM,
    "supervise_time_away_remove": POSTED,  # her own, or as her manager; others do not find it
    "supervise_feedback_review": THIS_SITE_ACTION,
    "supervise_target": MANAGERS_ACTION,
    "insights_service_start": MANAGERS_FORM,
    "insights_targets": MANAGERS_FORM,
    "insights_sickness": MANAGERS_FORM,
    "insights_sickness_import": MANAGERS_FORM,
    "manage_sites": GET_ONLY,
    "manage_site_add": MANAGERS_FORM,
    "manage_site": MANAGERS_OF_THE_SITE,
    "manage_team_add": MANAGERS_OF_THE_SITE,
    "manage_team": MANAGERS_OF_THE_SITE,
    "manage_team_retire": MANAGERS_ACTION,
    "manage_contract": GET_ONLY,
    "manage_contract_draft_start": SERVICE_WIDE_ACTION,
    "manage_contract_draft": SERVICE_WIDE,
    "manage_contract_preview": GET_ONLY,
    "manage_contract_publish": SERVICE_WIDE_ACTION,
}

# What a GET gives each of the cast, for every named URL outside the admin.
EXPECTED = {
    "two_factor_code": OWN_ACCOUNT_ACTION,
    "two_factor_setup": OWN_ACCOUNT,
    "account": OWN_ACCOUNT,
    "two_factor_remove": POST_ONLY,
    "recovery_codes": POST_ONLY,
    "calendar_address_renew": POST_ONLY,
    "password_change": OWN_ACCOUNT,
    "password_change_done": OWN_ACCOUNT,
    "password_reset": PUBLIC,  # the same page whether or not an account has the address
    "password_reset_done": PUBLIC,
    "password_reset_confirm": PUBLIC,  # walked with a link that does not work: a plain page saying so
    "password_reset_complete": PUBLIC,
    "people": MANAGERS_ONLY, "people_invite": MANAGERS_ONLY, "person": PEOPLE_OF_THIS_SITE,
    "person_active": POST_ONLY, "invitation_resend": POST_ONLY, "invitation_revoke": POST_ONLY,
    "invitation_accept": PUBLIC,  # the link is the proof; the page asks no account
    "room_request_answer": PUBLIC,  # walked with a link sent for the session's date: the booking contact's page
    "upcoming": PUBLIC,
    "accessibility": PUBLIC,
    "privacy": PUBLIC,
    "cookies": PUBLIC,
    "session_detail": PUBLIC,
    "contract": PUBLIC,
    "contract_version": PUBLIC,
    "calendar_session": PUBLIC,
    "calendar_site": PUBLIC,
    "calendar_team": PUBLIC,
    "calendar_supervisor": PUBLIC,  # walked with the session's supervisor's address: whoever holds it may read it
    "poster": PUBLIC,
    "poster_qr": PUBLIC,
    "handover": PUBLIC,
    "pulse_sites": PUBLIC,
    "pulse": PUBLIC,
    "pulse_thanks": PUBLIC,
    "healthz": PUBLIC,  # for the load balancer: liveness, and readiness (the database answers)
    "readyz": PUBLIC,
    "sign_in": PUBLIC,
    "sign_out": {who: 405 for who in CAST},
    # With no provider set, as here, neither is found; tests/views/test_sign_in_providers.py walks them with one.
    "sign_in_with": NOT_FOUND, "sign_in_provider_answer": NOT_FOUND,
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
    "insights_board": WORKSPACE,
    "insights_service_start": MANAGERS_ONLY,
    "insights_targets": MANAGERS_ONLY,
    "insights_sickness": MANAGERS_ONLY,
    "insights_sickness_import": MANAGERS_ONLY,
    "supervise_target": POST_ONLY,
    "supervise_tally": POST_ONLY,
    "supervise_room_booking": POST_ONLY,
    "supervise_room_requests": POST_ONLY,
    "supervise_correct": POST_ONLY,
    "supervise_cover": THIS_SITE,
    "supervise_time_away": WORKSPACE,
    "supervise_time_away_remove": POST_ONLY,
    "manage_sites": MANAGERS_ONLY,
    "manage_site_add": MANAGERS_ONLY,
    "manage_site": MANAGERS_OF_THE_SITE,
    "manage_team_add": MANAGERS_OF_THE_SITE,
    "manage_team": MANAGERS_OF_THE_SITE,
    "manage_team_retire": POST_ONLY,
    "manage_contract": SERVICE_WIDE,
    "manage_contract_draft_start": POST_ONLY,
    "manage_contract_draft": SERVICE_WIDE,
    "manage_contract_preview": SERVICE_WIDE,
    "manage_contract_publish": POST_ONLY,
}


@pytest.fixture
def cast(site, supervisor, manager, other_supervisor):
    return the_cast(supervisor=supervisor, manager=manager, other_supervisor=other_supervisor)


def test_every_url_is_in_the_tables():
    assert {pattern.name for pattern in named_patterns()} == set(EXPECTED) == set(EXPECTED_POST)


def assert_outcome(response, expected, *context):
    if expected == SIGN_IN:
        assert response.status_code == 302 and response.url.startswith("/sign-in/?next="), context
    else:
        assert response.status_code == expected, (*context, response.status_code)


def row_counts() -> dict[str, int]:
    from django.apps import apps

    return {model.__name__: model.objects.count() for model in apps.get_app_config("sessions_app").get_models()}


@pytest.mark.parametrize("who", CAST)
def test_every_url_answers_an_empty_post_from_each_role_as_the_table_says(client, site, cast, who):
    session = make_series_session(site=site, room=site.rooms.first(), supervisor=cast[SUPERVISOR])
    for name, path in url_paths(session=session, contract=make_contract(version=1)).items():
        client.logout()  # signing out is one of the URLs: sign in afresh for each
        if cast[who] is not None:
            client.force_login(cast[who])
        assert_outcome(client.post(path, {}), EXPECTED_POST[name][who], name, who)


@pytest.mark.parametrize("who", CAST)
def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(site, cast, who):
    from django.test import Client

    session = make_series_session(site=site, room=site.rooms.first(), supervisor=cast[SUPERVISOR])
    paths = url_paths(session=session, contract=make_contract(version=1))
    client = Client(enforce_csrf_checks=True)
    if cast[who] is not None:
        client.force_login(cast[who])
    before = row_counts()
    for name, path in paths.items():
        response = client.post(path, {"action": "arrived", "reason": "x", "score": "3", "room_booking": "requested",
                                      "seen": "1", "not_seen": "0", "weekly_target_hours": "2"})
        assert response.status_code == 403, (name, who, response.status_code)
    assert row_counts() == before


@pytest.mark.parametrize("who", CAST)
def test_every_url_answers_each_role_as_the_table_says(client, site, cast, who):
    session = make_series_session(site=site, room=site.rooms.first(), supervisor=cast[SUPERVISOR])
    if cast[who] is not None:
        client.force_login(cast[who])
    for name, path in url_paths(session=session, contract=make_contract(version=1)).items():
        assert_outcome(client.get(path), EXPECTED[name][who], name, who)


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("name, data, started", [
    ("supervise_tally", {"action": "arrived"}, datetime.timedelta(minutes=-10)),
    ("supervise_room_booking", {"room_booking": "requested"}, datetime.timedelta(days=2)),
    ("supervise_correct", {"seen": 1, "not_seen": 0, "reason": "Miscounted"}, datetime.timedelta(hours=-3)),
])
def test_posting_changes_answers_each_role_as_the_table_says(client, site, cast, who, name, data, started):
    session = make_session(site=site, room=site.rooms.first(), starts_at=timezone.now() + started)
    if cast[who] is not None:
        client.force_login(cast[who])
    response = client.post(reverse(name, args=[session.pk]), data)
    expected = EXPECTED_POST[name][who]
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
    (ANON, SIGN_IN), (NO_ROLE, 403), (SUPERVISOR, 403), (OTHER_SUPERVISOR, 403), (MANAGER, 302), (OTHER_MANAGER, 404),
    (ADMINISTRATOR, 302),
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


# The admin: service administrators only. Supervisors and managers were once staff with model permissions
# and no site filter, so a supervisor could read and change any prison's data there.

def _as_they_were_before(person):
    """Give an account what demo supervisors and managers had before: staff status and the admin's permissions."""
    from django.contrib.auth.models import Permission

    person.is_staff = True
    person.save()
    person.user_permissions.add(*Permission.objects.filter(content_type__app_label="sessions_app"))
    return person


@pytest.mark.parametrize("who", CAST)
def test_every_admin_url_answers_each_role(client, site, cast, who):
    session = make_series_session(site=site, room=site.rooms.first(), supervisor=cast[SUPERVISOR])
    make_contract(version=1)
    if cast[who] is not None:
        client.force_login(_as_they_were_before(cast[who]) if who != ADMINISTRATOR else cast[who])
    paths = admin_paths(session=session)
    assert len(paths) > 60
    for name, path in paths.items():
        response = client.get(path)
        if who == ADMINISTRATOR:
            assert response.status_code < 500 and not response.get("Location", "").startswith("/admin/login/"), (
                name, response.status_code)
        elif name == "login":
            assert response.status_code == 200
        elif name == "logout":
            assert (response.status_code, response["Location"]) == (302, "/admin/"), name
        else:
            assert response.status_code == 302 and response["Location"].startswith("/admin/login/?next="), (
                name, who, response.status_code)


@pytest.mark.parametrize("who", [NO_ROLE, SUPERVISOR, OTHER_SUPERVISOR, MANAGER])
def test_no_post_to_the_admin_changes_anything_unless_from_a_service_administrator(client, site, cast, who):
    from sessions_app.models import Attendance

    session = make_series_session(site=site, room=site.rooms.first(), supervisor=cast[SUPERVISOR])
    make_contract(version=1, published=False)
    Attendance.objects.create(session=session, staff_group="doctor", seen=1)
    client.force_login(_as_they_were_before(cast[who]))
    before, supervisors = row_counts(), set(site.supervisors.all())
    for name, path in admin_paths(session=session).items():
        if name in ("login", "logout"):
            continue  # she stays signed in for every other try
        # What an insider would send: herself as the site's supervisor, a count changed, a row deleted.
        client.post(path, {"name": "Taken", "slug": session.site.slug, "time_zone": "Europe/London",
                           "supervisors": [cast[who].pk], "seen": 9, "not_seen": 0, "staff_group": "",
                           "session": session.pk, "post": "yes", "action": "publish", "_selected_action": [1]})
    assert row_counts() == before
    site.refresh_from_db()
    assert site.name == "HMP Northgate" and set(site.supervisors.all()) == supervisors
    assert Attendance.objects.get(session=session).seen == 1


def test_a_supervisor_of_another_site_reads_and_changes_nothing_of_this_site_by_any_url(client, site, supervisor,
                                                                                           other_supervisor):
    from sessions_app.models import Attendance, Room

    session = make_series_session(site=site, room=site.rooms.first(), supervisor=supervisor)
    ended = make_session(site=site, room=site.rooms.first(), supervisor=supervisor,
                         starts_at=timezone.now() - datetime.timedelta(hours=3))
    Attendance.objects.create(session=ended, staff_group="doctor", seen=1)
    secret = "Behind the chapel, ring 4471"
    Room.objects.filter(site=site).update(directions=secret)
    other_supervisor.is_staff = True  # as the demo once made every supervisor: it must open nothing
    other_supervisor.save()
    client.force_login(other_supervisor)
    paths = {**url_paths(session=session, contract=make_contract(version=1)), **admin_paths(session=session)}
    before = row_counts()
    session.refresh_from_db()
    booking = session.room_booking  # the walk's room request link leaves it waiting for an answer
    for name, path in paths.items():
        for query in ("", f"?site={site.slug}", f"?site={site.pk}"):
            page = client.get(path + query).content.decode(errors="replace")
            if not path.startswith(("/admin/", "/supervise/", "/insights/")):
                continue  # staff pages are public: what they show, anyone may see
            assert site.name not in page and secret not in page and "Doctor or ANP" not in page, (name, query)
        if name in ("sign_out", "login", "logout", "calendar_address_renew"):
            continue  # signing out ends the walk; a new address for her own calendar is hers to ask for
        response = client.post(path, {"action": "arrived", "reason": "Mine now", "seen": 9, "not_seen": 9,
                                      "room_booking": "declined", "date": session.local_starts_at.date().isoformat(),
                                      "site": site.pk, "name": "Taken", "supervisors": [other_supervisor.pk]})
        assert response.wsgi_request.user == other_supervisor, name
    client.logout()
    assert row_counts() == before
    session.refresh_from_db()
    assert (session.status, session.waiting, session.room_booking) == ("scheduled", 0, booking)
    assert Attendance.objects.get(session=ended).seen == 1 and other_supervisor not in site.supervisors.all()
