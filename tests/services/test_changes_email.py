"""The changes email says what happened to each session: moved from when and where to when and where, and why."""
import datetime

import pytest
from django.core import mail
from django.utils import timezone

from sessions_app.models import Session
from sessions_app.services.announcements import announcement_build, changes_build, email_send, period_for
from sessions_app.services.scheduling import room_booking_set, session_cancel, session_move
from sessions_app.templatetags.dropin import nhs_date, time_window
from tests.factories import make_room, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced(site, supervisor):
    """Two sessions in the Chaplaincy, announced to the site's list."""
    site.announcement_addresses = "mh-team@nhs.example\nprimary-care@nhs.example"
    site.save()
    chaplaincy = make_room(site, name="Chaplaincy", booking_contact="Prison admin office")
    sessions = [make_session(site=site, room=chaplaincy, supervisor=supervisor,
                             starts_at=timezone.now() + datetime.timedelta(days=days)) for days in (3, 5)]
    starts_on, ends_on = period_for(site=site, weeks=4)
    email_send(announcement_build(site=site, starts_on=starts_on, ends_on=ends_on, base_url="https://dropin.test"),
               actor=supervisor)
    return sessions


def test_a_move_says_from_when_and_where_to_when_and_where_and_why(site, supervisor, announced):
    session = announced[0]
    was = f"{nhs_date(session.local_starts_at)}, {time_window(session)} in Chaplaincy"
    visits = make_room(site, name="Visits hall")
    session_move(actor=supervisor, session=session, starts_at=session.starts_at + datetime.timedelta(days=1),
                 ends_at=session.ends_at + datetime.timedelta(days=1), room=visits,
                 reason="The chaplaincy is needed for a funeral.")
    session.refresh_from_db()
    text = changes_build(site=site, base_url="https://dropin.test").text
    assert (f"- {nhs_date(session.local_starts_at)}, {time_window(session)}: moved from {was} to this time, "
            "in Visits hall. The chaplaincy is needed for a funeral.") in text


def test_a_declined_room_is_to_be_confirmed_not_moved(site, supervisor, announced):
    session = announced[1]
    room_booking_set(actor=supervisor, session=session, status=Session.RoomBooking.DECLINED, note="Booked already")
    text = changes_build(site=site, base_url="https://dropin.test").text
    assert f"{time_window(session)}: going ahead; the room is to be confirmed." in text
    assert "moved" not in text


def test_a_cancellation_gives_its_reason(site, supervisor, announced):
    session_cancel(actor=supervisor, session=announced[0], reason="Supervisor needed for an inspection.")
    assert "cancelled. Supervisor needed for an inspection." in changes_build(
        site=site, base_url="https://dropin.test").text


def test_changes_go_to_the_list_in_bcc(site, supervisor, announced):
    session_cancel(actor=supervisor, session=announced[0], reason="Wing locked down.")
    email_send(changes_build(site=site, base_url="https://dropin.test"), actor=supervisor)
    sent = mail.outbox[-1]
    assert (sent.to, sent.cc, sorted(sent.bcc)) == ([], [], ["mh-team@nhs.example", "primary-care@nhs.example"])
