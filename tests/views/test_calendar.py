"""Calendar feeds: read back with two independent parsers (icalendar, and vobject) and revalidated."""
import datetime

import icalendar
import pytest
import time_machine
import vobject
from django.utils import timezone

from sessions_app.models import Session
from sessions_app.services import scheduling
from tests.factories import local, make_session, make_team
from tests.helpers import events

pytestmark = pytest.mark.django_db
UTC = datetime.timezone.utc


def vevents(response) -> dict[str, object]:
    calendar = vobject.readOne(response.content.decode())
    return {event.uid.value: event for event in calendar.vevent_list}


@pytest.fixture
def session(site, supervisor):
    return make_session(site=site, room=site.rooms.get(), supervisor=supervisor,
                        starts_at=timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(days=3))


def test_every_event_carries_what_a_calendar_needs(client, site, session):
    response = client.get(f"/calendar/{site.slug}.ics")
    [event] = events(response).values()
    assert str(event["UID"]) == f"session-{session.pk}@drop-in.invalid"
    assert str(event["SUMMARY"]) == "Drop-in supervision"
    assert event.decoded("DTSTART") == session.starts_at and event.decoded("DTSTART").utcoffset() == datetime.timedelta(0)
    assert event.decoded("DTEND") == session.ends_at
    assert event.decoded("DTSTAMP").tzinfo is not None
    assert str(event["LOCATION"]).startswith(f"Wellbeing room, {site.name}: Healthcare corridor")
    description = str(event["DESCRIPTION"])
    assert "No appointment needed" in description and "Sam Okafor" in description
    assert "http://testserver/contract/" in description
    assert str(event["URL"]) == f"http://testserver/sessions/{session.pk}/"
    assert event["SEQUENCE"] == 0 and str(event["STATUS"]) == "CONFIRMED"
    # The second parser reads the same.
    [same] = vevents(response).values()
    assert same.uid.value == str(event["UID"]) and same.dtstart.value == session.starts_at
    assert same.summary.value == "Drop-in supervision" and same.sequence.value == "0"


def test_a_moved_session_keeps_its_uid_with_a_higher_sequence(client, site, session, supervisor):
    uid = next(iter(events(client.get(f"/calendar/{site.slug}.ics"))))
    later = session.starts_at + datetime.timedelta(days=1)
    scheduling.session_move(actor=supervisor, session=session, starts_at=later,
                            ends_at=later + datetime.timedelta(hours=2), room=session.room, reason="Wing lockdown")
    response = client.get(f"/calendar/{site.slug}.ics")
    event = events(response)[uid]
    assert event["SEQUENCE"] == 1 and event.decoded("DTSTART") == later
    assert vevents(response)[uid].sequence.value == "1"
    assert len(events(response)) == 1


def test_a_cancelled_session_stays_for_60_days_as_cancelled(client, site, session, supervisor):
    scheduling.session_cancel(actor=supervisor, session=session, reason="Inspection")
    response = client.get(f"/calendar/{site.slug}.ics")
    [event] = events(response).values()
    assert str(event["STATUS"]) == "CANCELLED" and event["SEQUENCE"] == 1
    assert str(event["SUMMARY"]) == "Cancelled: Drop-in supervision"  # Outlook ignores STATUS in subscriptions
    assert "Cancelled: Inspection" in str(event["DESCRIPTION"])
    assert vevents(response)[str(event["UID"])].status.value == "CANCELLED"
    Session.objects.filter(pk=session.pk).update(updated_at=timezone.now() - datetime.timedelta(days=61))
    assert events(client.get(f"/calendar/{site.slug}.ics")) == {}


def test_utc_instants_are_right_on_both_sides_of_the_clock_change(client, site, supervisor):
    room = site.rooms.get()
    before = make_session(site=site, room=room, supervisor=supervisor, starts_at=local(2027, 3, 23, 11, 30))
    after = make_session(site=site, room=room, supervisor=supervisor, starts_at=local(2027, 3, 30, 11, 30))
    # The feed covers 26 weeks ahead, so these March sessions are in it as seen from November 2026.
    with time_machine.travel(datetime.datetime(2026, 11, 26, 12, tzinfo=UTC), tick=False):
        with_dates = client.get(f"/calendar/{site.slug}.ics")
    found = events(with_dates)
    assert found[f"session-{before.pk}@drop-in.invalid"].decoded("DTSTART") == datetime.datetime(
        2027, 3, 23, 11, 30, tzinfo=UTC)  # GMT: 11:30 in London is 11:30 UTC
    assert found[f"session-{after.pk}@drop-in.invalid"].decoded("DTSTART") == datetime.datetime(
        2027, 3, 30, 10, 30, tzinfo=UTC)  # BST: 11:30 in London is 10:30 UTC
    parsed = vevents(with_dates)
    assert parsed[f"session-{after.pk}@drop-in.invalid"].dtstart.value == datetime.datetime(2027, 3, 30, 10, 30,
                                                                                            tzinfo=UTC)


# At midday: the feed is built once a day, so its window is whole days; a session two hours long starting
# 31 days ago late in the evening ends inside it.
@time_machine.travel(datetime.datetime(2026, 11, 18, 12, 0, tzinfo=datetime.timezone.utc), tick=False)
def test_feeds_cover_the_past_30_days_and_the_next_26_weeks(client, site, supervisor):
    room = site.rooms.get()
    now = timezone.now()
    inside = [make_session(site=site, room=room, supervisor=supervisor, starts_at=now + delta)
              for delta in (datetime.timedelta(days=-29), datetime.timedelta(weeks=25))]
    outside = [make_session(site=site, room=room, supervisor=supervisor, starts_at=now + delta)
               for delta in (datetime.timedelta(days=-31), datetime.timedelta(weeks=27))]
    uids = set(events(client.get(f"/calendar/{site.slug}.ics")))
    assert uids == {f"session-{s.pk}@drop-in.invalid" for s in inside}
    assert not uids & {f"session-{s.pk}@drop-in.invalid" for s in outside}


def test_a_team_feed_has_its_sessions_and_those_for_everyone(client, site, supervisor):
    team, other = make_team(site, slug="primary-care"), make_team(site, slug="prison-staff")
    room = site.rooms.get()
    now = timezone.now()
    mine = make_session(site=site, room=room, audience=[team], starts_at=now + datetime.timedelta(days=1))
    everyone = make_session(site=site, room=room, starts_at=now + datetime.timedelta(days=2))
    theirs = make_session(site=site, room=room, audience=[other], starts_at=now + datetime.timedelta(days=3))
    uids = set(events(client.get(f"/calendar/{site.slug}/{team.slug}.ics")))
    assert uids == {f"session-{mine.pk}@drop-in.invalid", f"session-{everyone.pk}@drop-in.invalid"}
    assert f"session-{theirs.pk}@drop-in.invalid" not in uids


def test_one_session_downloads_as_its_own_calendar_file(client, session):
    response = client.get(f"/sessions/{session.pk}/calendar.ics")
    assert response["Content-Disposition"] == f'attachment; filename="drop-in-{session.pk}.ics"'
    assert set(events(response)) == {f"session-{session.pk}@drop-in.invalid"}


def test_a_repeat_request_with_the_etag_or_date_gets_304(client, site, session, supervisor):
    first = client.get(f"/calendar/{site.slug}.ics")
    etag, modified = first["ETag"], first["Last-Modified"]
    assert client.get(f"/calendar/{site.slug}.ics", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(f"/calendar/{site.slug}.ics", HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    scheduling.session_cancel(actor=supervisor, session=session, reason="Inspection")
    changed = client.get(f"/calendar/{site.slug}.ics", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_a_304_does_not_build_the_feed(client, site, session, django_assert_max_num_queries, monkeypatch):
    from sessions_app.services import publishing

    etag = client.get(f"/calendar/{site.slug}.ics")["ETag"]
    monkeypatch.setattr(publishing, "calendar_for", lambda *args, **kwargs: pytest.fail("the feed was built"))
    with django_assert_max_num_queries(3):  # the site, and two aggregates
        assert client.get(f"/calendar/{site.slug}.ics", HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.parametrize("path", ["/calendar/hmp-northgate.ics", "/calendar/hmp-northgate/all-staff.ics"])
def test_the_feed_runs_a_fixed_number_of_queries(client, site, supervisor, path, django_assert_max_num_queries):
    team = make_team(site, slug="all-staff")
    now = timezone.now()

    def add(count, offset):
        for n in range(count):
            make_session(site=site, room=site.rooms.get(), audience=[team] if n % 2 else [],
                         starts_at=now + datetime.timedelta(hours=5 * (n + offset) + 1))

    add(3, 0)
    with django_assert_max_num_queries(10) as small:
        client.get(path)
    add(60, 3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(events(client.get(path))) == 63  # the team's and everyone's


@pytest.mark.parametrize("path", ["/calendar/nowhere.ics", "/calendar/hmp-northgate/nobody.ics",
                                  "/sessions/999999/calendar.ics", "/poster/nowhere/", "/handover/nowhere/",
                                  "/poster/nowhere/qr.svg"])
def test_unknown_sites_teams_and_sessions_give_404(client, site, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("header, value", [
    ("HTTP_IF_MODIFIED_SINCE", "garbage"), ("HTTP_IF_MODIFIED_SINCE", "Thu, 99 Nov 2026 99:99:99 GMT"),
    ("HTTP_IF_MODIFIED_SINCE", "\x00"), ("HTTP_IF_MODIFIED_SINCE", "9" * 5000),
    ("HTTP_IF_NONE_MATCH", "garbage"), ("HTTP_IF_NONE_MATCH", '"' * 3000), ("HTTP_IF_NONE_MATCH", "*"),
    ("HTTP_IF_MATCH", "nonsense"), ("HTTP_IF_UNMODIFIED_SINCE", "garbage"),
])
def test_junk_conditional_headers_never_give_a_500(client, site, session, header, value):
    response = client.get(f"/calendar/{site.slug}.ics", **{header: value})
    assert response.status_code in (200, 304, 412)


def backdate() -> None:
    """Make everything look an hour old, so a change now moves Last-Modified (whole seconds) on."""
    from sessions_app.models import Room, Site, Team, User

    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    for model in (Session, Room, Site, Team, User):
        model.objects.update(updated_at=an_hour_ago)


@pytest.mark.parametrize("change", ["room", "directions", "supervisor", "site", "team"])
def test_anything_the_feed_shows_changes_its_etag_and_date(client, site, session, change):
    team = make_team(site, slug="primary-care")
    path = f"/calendar/{site.slug}/{team.slug}.ics"
    backdate()
    session.refresh_from_db()
    first = client.get(path)
    if change in ("room", "directions"):
        room = session.room
        setattr(room, "name" if change == "room" else "directions", "Chaplaincy quiet room, past the chapel")
        room.save()
    elif change == "supervisor":
        session.supervisor.display_name = "Samira Okafor"
        session.supervisor.save()
    elif change == "site":
        site.name = "HMP Northgate and Eastgate"
        site.save()
    else:
        team.name = "Primary care and pharmacy"
        team.save()
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    assert client.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 200


def test_a_session_leaving_a_team_feed_moves_its_date_on(client, site, supervisor):
    team, other = make_team(site, slug="primary-care"), make_team(site, slug="prison-staff")
    session = make_session(site=site, room=site.rooms.get(), audience=[team],
                           starts_at=timezone.now() + datetime.timedelta(days=2))
    path = f"/calendar/{site.slug}/{team.slug}.ics"
    backdate()
    first = client.get(path)
    assert len(events(first)) == 1
    session.audience_teams.set([other])
    session.save()
    second = client.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert second.status_code == 200 and events(second) == {}


def test_a_feed_with_no_sessions_is_still_a_valid_calendar(client, site):
    response = client.get(f"/calendar/{site.slug}.ics")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert [component.name for component in calendar.subcomponents] == ["VTIMEZONE"]
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/London"
    assert vobject.readOne(response.content.decode()).vtimezone.tzid.value == "Europe/London"


# Each supervisor's private feed: the sessions she runs, at an address only she is shown.


def own_feed(supervisor) -> str:
    from sessions_app.services.calendar_addresses import calendar_token

    return f"/calendar/supervisor/{calendar_token(user=supervisor)}.ics"


def uid(session) -> str:
    return f"session-{session.pk}@drop-in.invalid"


def test_her_feed_has_the_sessions_she_runs_at_all_her_sites_and_not_a_colleagues(client, site, supervisor):
    from tests.factories import make_room, make_site, make_supervisor

    colleague = make_supervisor(site, display_name="Ada Obi")
    elsewhere = make_site(name="HMP Eastgate", slug="hmp-eastgate")
    elsewhere.supervisors.add(supervisor)
    soon = timezone.now() + datetime.timedelta(days=2)
    here = make_session(site=site, room=site.rooms.get(), supervisor=supervisor, starts_at=soon)
    there = make_session(site=elsewhere, room=make_room(elsewhere), supervisor=supervisor,
                         starts_at=soon + datetime.timedelta(hours=3))  # one person, one session at a time
    cancelled = make_session(site=site, room=site.rooms.get(), supervisor=supervisor,
                             starts_at=soon + datetime.timedelta(days=1))
    scheduling.session_cancel(actor=supervisor, session=cancelled, reason="Inspection")
    theirs = make_session(site=site, room=site.rooms.get(), supervisor=colleague,
                          starts_at=soon + datetime.timedelta(days=2))
    found = events(client.get(own_feed(supervisor)))
    assert set(found) == {uid(here), uid(there), uid(cancelled)}
    assert str(found[uid(cancelled)]["STATUS"]) == "CANCELLED"
    assert set(events(client.get(own_feed(colleague)))) == {uid(theirs)}


def test_both_parsers_read_her_feed(client, site, supervisor, session):
    response = client.get(own_feed(supervisor))
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Drop-in supervision: sessions Sam Okafor runs"
    [event] = events(response).values()
    assert event.decoded("DTSTART") == session.starts_at and event["SEQUENCE"] == 0
    [same] = vevents(response).values()
    assert same.uid.value == uid(session) and same.dtstart.value == session.starts_at
    assert same.sequence.value == "0" and same.status.value == "CONFIRMED"
    assert vobject.readOne(response.content.decode()).vtimezone.tzid.value == "Europe/London"
    assert response["Cache-Control"] == "no-cache" and response["ETag"]


def test_a_new_address_stops_the_old_one_at_once(client, site, supervisor, session):
    from sessions_app.models import AuditEntry

    old = own_feed(supervisor)
    assert client.get(old).status_code == 200
    client.force_login(supervisor)
    response = client.post("/account/calendar/new-address/")
    assert (response.status_code, response["Location"]) == (302, "/account/#calendar")
    supervisor.refresh_from_db()
    gone = client.get(old)
    assert gone.status_code == 410 and gone["Content-Type"] == "text/plain; charset=utf-8"
    assert gone.content.decode().startswith("This calendar address no longer works")
    assert set(events(client.get(own_feed(supervisor)))) == {uid(session)}
    entry = AuditEntry.objects.get(action="calendar_address_renewed")
    assert (entry.actor, entry.before, entry.after) == (supervisor, {"calendar_version": 0}, {"calendar_version": 1})


def test_a_closed_account_has_no_feed(client, site, supervisor, session):
    path = own_feed(supervisor)
    supervisor.is_active = False
    supervisor.save()
    assert client.get(path).status_code == 410


def _tampered(supervisor, colleague) -> list[str]:
    from sessions_app.services.calendar_addresses import calendar_token

    token = calendar_token(user=supervisor)
    payload, signature = token.rsplit(":", 1)
    theirs_payload = calendar_token(user=colleague).rsplit(":", 1)[0]
    return [f"{payload}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",  # one character changed
            f"{theirs_payload}:{signature}",  # a colleague's id under her signature
            payload, "garbage", "%00", "a%00b:c", "x" * 5000, "%E2%80%AE:%F0%9F%98%80", ":" * 300, "[1,0]:"]


def test_a_tampered_or_junk_address_is_refused_in_plain_words(client, site, supervisor, session):
    from tests.factories import make_supervisor

    for token in _tampered(supervisor, make_supervisor(site)):
        response = client.get(f"/calendar/supervisor/{token}.ics")
        assert response.status_code == 404, token
        if ":" in token:  # without a colon it is a team's feed address, and gets the 404 page
            assert response.content == b"No calendar has this address.\n", token


def test_a_session_handed_to_a_colleague_leaves_her_feed_and_joins_theirs_with_a_higher_sequence(
        client, site, supervisor, session):
    from tests.factories import make_supervisor

    colleague = make_supervisor(site, display_name="Ada Obi")
    backdate()
    session.refresh_from_db()
    hers = client.get(own_feed(supervisor))
    assert set(events(hers)) == {uid(session)} and events(client.get(own_feed(colleague))) == {}
    session.supervisor = colleague
    session.save()
    changed = client.get(own_feed(supervisor), HTTP_IF_MODIFIED_SINCE=hers["Last-Modified"])
    assert changed.status_code == 200 and events(changed) == {}
    theirs = client.get(own_feed(colleague))
    assert events(theirs)[uid(session)]["SEQUENCE"] == 1 and vevents(theirs)[uid(session)].sequence.value == "1"
    assert "Supervisor: Ada Obi" in str(events(theirs)[uid(session)]["DESCRIPTION"])


def test_a_room_change_raises_the_sequence_in_the_site_feed(client, site, supervisor, session):
    from tests.factories import make_room

    chapel = make_room(site, name="Chaplaincy quiet room")
    before = client.get(f"/calendar/{site.slug}.ics")
    scheduling.session_move(actor=supervisor, session=session, starts_at=session.starts_at, ends_at=session.ends_at,
                            room=chapel, reason="")
    response = client.get(f"/calendar/{site.slug}.ics", HTTP_IF_NONE_MATCH=before["ETag"])
    event = events(response)[uid(session)]
    assert event["SEQUENCE"] == 1 and str(event["LOCATION"]).startswith("Chaplaincy quiet room")
    assert vevents(response)[uid(session)].sequence.value == "1"


def test_her_feed_runs_a_fixed_number_of_queries_and_answers_304_from_its_etag(
        client, site, supervisor, django_assert_max_num_queries, monkeypatch):
    from sessions_app.services import publishing

    now = timezone.now()

    def add(count, offset):
        for n in range(count):
            make_session(site=site, room=site.rooms.get(), supervisor=supervisor,
                         starts_at=now + datetime.timedelta(hours=5 * (n + offset) + 1))

    add(3, 0)
    path = own_feed(supervisor)
    with django_assert_max_num_queries(6) as small:
        client.get(path)
    add(60, 3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(path)
    assert len(events(response)) == 63
    monkeypatch.setattr(publishing, "calendar_for", lambda *args, **kwargs: pytest.fail("the feed was built"))
    with django_assert_max_num_queries(2):  # her account, and the data generation
        assert client.get(path, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_her_feed_stops_when_she_no_longer_supervises_anywhere(client, site, supervisor):
    path = own_feed(supervisor)
    assert client.get(path).status_code == 200
    site.supervisors.remove(supervisor)
    assert client.get(path).status_code == 410
