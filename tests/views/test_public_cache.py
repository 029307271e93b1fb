"""The upcoming page, a session's page and the feeds are built once for each data generation and kept in
Django's cache: whatever changes shows at once, time moves them on, and a kept page costs one query."""
import datetime
import re
from unittest import mock

import pytest
import time_machine
from django.db.models import F
from django.shortcuts import render
from django.test import Client
from django.utils import timezone

from sessions_app.models import Session
from sessions_app.services import scheduling, tally
from sessions_app.services.built import data_generation
from sessions_app.views.pages_for_anyone import page_for_anyone
from tests.factories import make_session, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(site, supervisor):
    return make_session(site=site, room=site.rooms.get(), supervisor=supervisor,
                        starts_at=timezone.now() + datetime.timedelta(days=2))


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def upcoming(client, site) -> str:
    return page(client, f"/?site={site.slug}")


def test_a_cancelled_session_shows_as_cancelled_at_once(client, site, session, supervisor):
    assert "Cancelled" not in upcoming(client, site) and "is cancelled" not in page(client, session.get_absolute_url())
    scheduling.session_cancel(actor=supervisor, session=session, reason="Supervisor needed on the wing")
    assert "Supervisor needed on the wing" in upcoming(client, site)
    assert "This session is cancelled" in page(client, session.get_absolute_url())
    assert "STATUS:CANCELLED" in page(client, f"/calendar/{site.slug}.ics")


def test_a_change_written_by_another_host_shows_at_once(client, site, session):
    upcoming(client, site), page(client, session.get_absolute_url()), page(client, f"/calendar/{site.slug}.ics")
    # What another app host's cancel writes: nothing in this process hears of it.
    Session.objects.filter(pk=session.pk).update(status=Session.Status.CANCELLED, cancel_reason="Lockdown",
                                                 sequence=F("sequence") + 1, updated_at=timezone.now())
    assert "Lockdown" in upcoming(client, site)
    assert "Lockdown" in page(client, session.get_absolute_url())
    assert "STATUS:CANCELLED" in page(client, f"/calendar/{site.slug}.ics")


def test_an_edited_room_shows_at_once(client, site, session):
    upcoming(client, site), page(client, session.get_absolute_url()), page(client, f"/calendar/{site.slug}.ics")
    room = session.room
    room.name = "Chaplaincy quiet room"
    room.save()
    assert "Chaplaincy quiet room" in upcoming(client, site)
    assert "Chaplaincy quiet room" in page(client, session.get_absolute_url())
    assert "Chaplaincy quiet room" in page(client, f"/calendar/{site.slug}.ics")


def test_a_renamed_audience_team_shows_at_once(client, site, supervisor):
    team = make_team(site, name="Primary care")
    session = make_session(site=site, room=site.rooms.get(), supervisor=supervisor, audience=[team],
                           starts_at=timezone.now() + datetime.timedelta(days=2))
    assert "Primary care" in page(client, session.get_absolute_url())
    team.name = "Pharmacy"
    team.save()
    assert "Pharmacy" in page(client, session.get_absolute_url())
    assert "Pharmacy" in upcoming(client, site)


def test_a_new_session_shows_at_once(client, site, session, supervisor):
    upcoming(client, site)
    later = make_session(site=site, room=site.rooms.get(), supervisor=supervisor,
                         starts_at=timezone.now() + datetime.timedelta(days=9))
    assert later.get_absolute_url() in upcoming(client, site)


def at(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


def test_a_session_that_has_ended_drops_off_with_nothing_written(client, site, session):
    with at(session.starts_at - datetime.timedelta(hours=1)):
        assert session.get_absolute_url() in upcoming(client, site)
    with at(session.ends_at + datetime.timedelta(minutes=1)):
        assert session.get_absolute_url() not in upcoming(client, site)
        assert "This session has finished" in page(client, session.get_absolute_url())


def test_a_session_that_starts_shows_on_now_and_how_busy(client, site, session, supervisor):
    with at(session.starts_at - datetime.timedelta(minutes=1)):
        assert "On now" not in upcoming(client, site)
    with at(session.starts_at + datetime.timedelta(minutes=1)):
        assert "On now" in upcoming(client, site) and "On now" in page(client, session.get_absolute_url())


def test_how_busy_a_session_on_now_is_shows_as_the_word_changes(client, site, supervisor):
    # At the real time: the database decides with its own clock whether a session is on.
    on_now = make_session(site=site, room=site.rooms.get(), supervisor=supervisor,
                          starts_at=timezone.now() - datetime.timedelta(minutes=5))
    quiet = upcoming(client, site)
    for _ in range(6):  # the tally counts with UPDATE … F(): no save, no new updated_at
        tally.tally_press(actor=supervisor, session=on_now, action="arrived")
    assert upcoming(client, site) != quiet
    assert "Very busy" in upcoming(client, site) and "Very busy" in page(client, on_now.get_absolute_url())


def test_a_session_coming_within_the_weeks_shown_appears_with_nothing_written(client, site, supervisor):
    far = make_session(site=site, room=site.rooms.get(), supervisor=supervisor,
                       starts_at=timezone.now() + datetime.timedelta(weeks=8, days=2))
    assert far.get_absolute_url() not in upcoming(client, site)
    with at(timezone.now() + datetime.timedelta(days=3)):
        assert far.get_absolute_url() in upcoming(client, site)


def test_a_kept_page_costs_one_query(client, site, session, django_assert_num_queries):
    for path in (f"/?site={site.slug}", session.get_absolute_url(), f"/calendar/{site.slug}.ics"):
        client.get(path)
        with django_assert_num_queries(1):
            assert client.get(path).status_code == 200


def test_a_304_costs_one_query(client, site, session, django_assert_num_queries):
    etag = client.get(f"/calendar/{site.slug}.ics")["ETag"]
    with django_assert_num_queries(1):
        assert client.get(f"/calendar/{site.slug}.ics", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_kept_page_holds_nothing_of_the_visitor_who_built_it(site, session, supervisor):
    signed_in = Client()
    signed_in.force_login(supervisor)
    assert "Sign out" in page(signed_in, f"/?site={site.slug}")
    assert "Sign out" in page(signed_in, session.get_absolute_url())
    anonymous = Client()
    for path in (f"/?site={site.slug}", session.get_absolute_url()):
        body = page(anonymous, path)
        assert "Sign out" not in body and "csrfmiddlewaretoken" not in body and "Workspace" not in body


def test_each_response_has_its_own_csp_nonce_header(client, site, session):
    first, second = (client.get(f"/?site={site.slug}") for _ in range(2))
    assert first.content == second.content  # the page itself uses no nonce: the same bytes are safe to share
    assert first["Content-Security-Policy"] == second["Content-Security-Policy"]
    assert "nonce-" not in first["Content-Security-Policy"]


def test_junk_in_the_query_string_is_built_every_time_and_never_kept(client, site, session,
                                                                      django_assert_max_num_queries):
    for query in ("site=%00", "weeks=%C2%B2", "weeks=99999", "site=" + "x" * 80, "utm_source=poster",
                  "site=an-old-slug", f"site={site.slug}&team=no-such-team", "team=no-such-team"):
        for _ in range(2):
            with django_assert_max_num_queries(20) as queries:
                assert client.get(f"/?{query}").status_code == 200
            assert len(queries) > 1, query  # built again: never served from the cache


# Whole pages, kept for anonymous visitors only, and only when nothing of the visitor's is in them.


def test_an_anonymous_visitor_gets_the_whole_page_kept(client, session, django_assert_num_queries):
    first = page(client, f"/sessions/{session.pk}/")
    with django_assert_num_queries(1):
        again = client.get(f"/sessions/{session.pk}/")
    assert again.content.decode() == first
    assert "frame-ancestors 'none'" in again["Content-Security-Policy"]  # the middleware still adds the headers
    assert "Cookie" in again["Vary"]  # as a page rendered for this visitor says, so no shared cache mixes them


def test_a_signed_in_supervisors_page_is_neither_kept_nor_served_from_the_kept(client, supervisor, session):
    assert "Sign out" not in page(Client(), "/")  # kept for anyone
    client.force_login(supervisor)
    assert "Sign out" in page(client, "/")
    assert "Sign out" not in page(Client(), "/")


def test_a_visitor_with_a_message_waiting_is_not_served_a_kept_page(client, session, django_assert_max_num_queries):
    page(client, f"/sessions/{session.pk}/")
    client.cookies["messages"] = "anything"
    with mock.patch("sessions_app.views.public.render", wraps=render) as rendered:
        assert client.get(f"/sessions/{session.pk}/").status_code == 200
    assert rendered.called  # the whole page was rendered for this visitor, not served from the cache


@pytest.mark.parametrize("personal", ["a CSRF token", "a CSP nonce"])
def test_a_page_that_used_anything_of_the_visitors_is_not_kept(rf, personal):
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    request = rf.get("/")

    def render_page():
        if personal == "a CSRF token":
            get_token(request)
        else:
            request._csp_nonce = "abc"
        return HttpResponse("page")

    now = timezone.now()
    for _ in range(2):
        calls = len(rendered := [])
        response = page_for_anyone(request, ("test", personal), lambda: (rendered.append(1) or render_page(), None),
                                   now=now, generation=data_generation())
        assert response.content == b"page" and len(rendered) == calls + 1  # rendered each time: never kept


def test_a_cancellation_shows_at_once_on_a_kept_page(client, session, supervisor):
    assert "Cancelled" not in page(client, f"/sessions/{session.pk}/")
    scheduling.session_cancel(actor=supervisor, session=session, reason="Supervisor needed on the wing.")
    assert "Supervisor needed on the wing." in page(client, f"/sessions/{session.pk}/")


# Found by review: versions that could come back to a value they had, or never move.


def test_an_unknown_site_in_the_link_shows_every_site_and_is_not_kept(client, session, supervisor):
    assert "Supervisor needed" not in page(client, "/?site=an-old-slug")
    scheduling.session_cancel(actor=supervisor, session=session, reason="Supervisor needed on the wing.")
    assert "Supervisor needed on the wing." in page(client, "/?site=an-old-slug")


def test_busyness_moves_when_two_sessions_queues_swap_and_the_total_stays(client, site, supervisor):
    from sessions_app.services.tally import BUSY_AT
    from tests.factories import make_room, make_site, make_supervisor

    other = make_site(name="HMP Other", slug="hmp-other")
    started = timezone.now() - datetime.timedelta(minutes=5)
    here = make_session(site=site, room=site.rooms.get(), supervisor=supervisor, starts_at=started)
    elsewhere = make_supervisor(other)
    there = make_session(site=other, room=make_room(other), supervisor=elsewhere, starts_at=started)
    for _ in range(BUSY_AT):
        tally.tally_press(actor=elsewhere, session=there, action="arrived")
    def busy_at(html: str) -> list[str]:
        # Each card up to the end of its facts: a week's list of rooms, after a card, names sites too.
        cards = [card.split("</dl>")[0] for card in re.split(r'class="nhsuk-card[ "]', html)[1:]]
        return [name for name in (site.name, other.name) for card in cards if name in card and ">Busy<" in card]

    assert busy_at(page(client, "/")) == [other.name]
    for _ in range(BUSY_AT):
        tally.tally_press(actor=supervisor, session=here, action="arrived")
        tally.tally_press(actor=elsewhere, session=there, action="started")
    assert Session.objects.get(pk=here.pk).waiting + Session.objects.get(pk=there.pk).waiting == BUSY_AT
    assert busy_at(page(client, "/")) == [site.name]


def test_a_press_that_leaves_every_word_as_it_was_rebuilds_no_public_page(site, supervisor):
    on_now = make_session(site=site, room=site.rooms.get(), supervisor=supervisor,
                          starts_at=timezone.now() - datetime.timedelta(minutes=5))
    quiet = data_generation()
    for action in ("arrived", "started", "finished", "arrived", "left"):  # 0 or 1 waiting throughout: "quiet"
        tally.tally_press(actor=supervisor, session=on_now, action=action)
        assert data_generation() == quiet, action  # a rebuilt page would take long enough to count the presses
    for _ in range(2):
        tally.tally_press(actor=supervisor, session=on_now, action="arrived")
    assert data_generation() != quiet  # 2 waiting: "busy", a word the page shows
