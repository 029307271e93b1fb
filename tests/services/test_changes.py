"""On PostgreSQL the database announces every change the staff pages show, and a worker that hears
nothing serves what it keeps without a query; a change on any connection shows at the next request."""
import datetime
import time

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions_app.models import Feedback, Session
from sessions_app.services import changes
from sessions_app.services.scheduling import session_cancel
from tests.factories import make_contract, make_room, make_session, make_site, make_supervisor, make_team
from tests.marks import postgres_only

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def announcements():
    """A second connection that LISTENs, as a worker's listener does; returns the tables it heard of."""
    with psycopg.connect(**changes.listen_params(), autocommit=True) as listen:
        listen.execute(f"LISTEN {changes.CHANNEL}")

        def heard() -> set[str]:
            return {note.payload for note in listen.notifies(timeout=1, stop_after=20)}

        yield heard


def test_every_change_the_pages_show_is_announced(announcements):
    site = make_site()
    team = make_team(site)
    supervisor = make_supervisor(site)
    session = make_session(site=site, room=make_room(site), supervisor=supervisor, audience=[team])
    Feedback.objects.create(site=site, comment="Calm.", week=datetime.date(2026, 11, 23))
    make_contract(version=1)
    assert announcements() >= {"sessions_app_site", "sessions_app_team", "sessions_app_user", "sessions_app_room",
                               "sessions_app_session", "sessions_app_session_audience_teams",
                               "sessions_app_contract"}
    Session.objects.filter(pk=session.pk).update(status=Session.Status.CANCELLED, cancel_reason="Wing.")
    assert announcements() == {"sessions_app_session"}


def test_a_comment_being_written_is_announced_to_nobody_and_approving_it_is(announcements):
    from sessions_app.services.feedback import feedback_approve, feedback_reject, pulse_record

    site = make_site()
    supervisor = make_supervisor(site)
    announcements()
    pulse_record(site=site, score=2, comment="Hard week on the wing.")
    Feedback.objects.create(site=site, comment="Written another way.", week=datetime.date(2026, 11, 23))
    assert announcements() == set()  # a listener would learn the moment someone wrote
    comment = Feedback.objects.first()
    feedback_approve(actor=supervisor, feedback=comment)
    assert announcements() == {"sessions_app_feedback"}
    feedback_reject(actor=supervisor, feedback=comment)
    assert announcements() == {"sessions_app_feedback"}


@pytest.fixture
def listening(settings):
    settings.DROPIN_LISTEN_FOR_CHANGES = True
    try:
        for _ in range(100):
            if changes.listening():
                break
            time.sleep(0.05)
        else:
            pytest.fail("the change listener did not connect")
        yield changes.listener
    finally:
        changes.listener.stop()  # its connection would keep the test database from being dropped


def wait_for_news(listener, since: int) -> None:
    """Wait until the listener has heard something since `since`, and then nothing more for a moment."""
    for _ in range(100):
        if listener.generation != since:
            break
        time.sleep(0.02)
    else:
        pytest.fail("the change was never heard")
    while True:
        heard = listener.generation
        time.sleep(0.2)
        if listener.generation == heard:
            return


def queries(client, path: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as captured:
        page = client.get(path)
    assert page.status_code == 200
    return page.content.decode(), len(captured)


def test_a_kept_page_needs_no_query_until_a_change_is_heard(client, listening):
    before = listening.generation
    site = make_site()
    supervisor = make_supervisor(site)
    session = make_session(site=site, room=make_room(site), supervisor=supervisor,
                           starts_at=timezone.now() + datetime.timedelta(days=1))
    wait_for_news(listening, before)  # the writes above are heard before the pages are read
    path = f"/sessions/{session.pk}/"
    page, first = queries(client, path)
    _, again = queries(client, path)
    assert "Cancelled" not in page and first >= 1 and again == 0
    heard = listening.generation
    session_cancel(actor=supervisor, session=session, reason="Supervisor needed on the wing.")
    wait_for_news(listening, heard)
    page, _ = queries(client, path)
    assert "Supervisor needed on the wing." in page


def test_a_version_is_read_again_after_a_moment_whatever_is_heard(client, listening, monkeypatch):
    site = make_site()
    make_session(site=site, room=make_room(site), supervisor=make_supervisor(site),
                 starts_at=timezone.now() + datetime.timedelta(days=1))
    monkeypatch.setattr(changes, "REMEMBER_FOR", 0.0)
    queries(client, f"/calendar/{site.slug}.ics")
    _, again = queries(client, f"/calendar/{site.slug}.ics")
    assert again == 1  # the version, asked again: the feed itself is kept


def test_with_the_listener_off_every_request_asks(client, settings):
    settings.DROPIN_LISTEN_FOR_CHANGES = False
    site = make_site()
    _, first = queries(client, f"/?site={site.slug}")
    _, again = queries(client, f"/?site={site.slug}")
    assert first > again == 1
