"""Rooms the prison books: each new date, time or room in one is "to request" until somebody books it."""
import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from sessions_app.models import Session
from sessions_app.services import attention
from sessions_app.services.scheduling import room_booking_set, session_add, session_move
from sessions_app.services.series import series_plan, series_publish
from tests.factories import make_room, make_session
from tests.helpers import next_weekday, running_series

pytestmark = pytest.mark.django_db
BOOKED = "Prison admin office, ext 4412"


def test_a_new_session_in_a_room_someone_books_is_to_request(site, supervisor):
    booked = make_room(site, name="Chaplaincy", booking_contact=BOOKED)
    session = session_add(actor=supervisor, site=site, supervisor=supervisor, day=next_weekday(1), room=booked)
    assert session.room_booking == Session.RoomBooking.TO_REQUEST


def test_a_new_session_in_a_room_nobody_books_needs_nothing(site, supervisor):
    ours = make_room(site, name="Our office", booking_contact="")
    session = session_add(actor=supervisor, site=site, supervisor=supervisor, day=next_weekday(1), room=ours)
    assert session.room_booking == Session.RoomBooking.NOT_NEEDED


@pytest.mark.parametrize("change", ["time", "room"])
def test_a_confirmed_session_moved_is_to_request_again(site, supervisor, change):
    booked = make_room(site, name="Chaplaincy", booking_contact=BOOKED)
    other = make_room(site, name="Visits room", booking_contact=BOOKED)
    session = session_add(actor=supervisor, site=site, supervisor=supervisor, day=next_weekday(1), room=booked)
    room_booking_set(actor=supervisor, session=session, status=Session.RoomBooking.CONFIRMED)
    later = datetime.timedelta(days=1 if change == "time" else 0)
    session_move(actor=supervisor, session=session, starts_at=session.starts_at + later,
                 ends_at=session.ends_at + later, room=other if change == "room" else booked, reason="Clash")
    session.refresh_from_db()
    assert session.room_booking == Session.RoomBooking.TO_REQUEST


def test_a_move_that_changes_only_the_note_keeps_the_booking(site, supervisor):
    booked = make_room(site, name="Chaplaincy", booking_contact=BOOKED)
    session = session_add(actor=supervisor, site=site, supervisor=supervisor, day=next_weekday(1), room=booked)
    room_booking_set(actor=supervisor, session=session, status=Session.RoomBooking.CONFIRMED)
    session_move(actor=supervisor, session=session, starts_at=session.starts_at, ends_at=session.ends_at,
                 room=booked, reason="Same time and place, new note")
    session.refresh_from_db()
    assert session.room_booking == Session.RoomBooking.CONFIRMED


def test_every_date_of_a_series_in_a_booked_room_is_to_request(site, supervisor):
    series = running_series(site, supervisor, weeks_ago=0, weeks=2,
                            room=make_room(site, name="Chaplaincy", booking_contact=BOOKED))
    series.pk = None  # a new series like it, published through the service
    series.starts_on = series.ends_on + datetime.timedelta(days=1)
    series.ends_on = series.starts_on + datetime.timedelta(weeks=2)
    plan = series_plan(series, teams=[])
    series_publish(actor=supervisor, series=series, audience_teams=[], fingerprint=plan.fingerprint)
    assert set(Session.objects.filter(series=series).values_list("room_booking", flat=True)) == {"to_request"}


def test_a_room_to_request_within_7_days_needs_attention(site, supervisor):
    booked = make_room(site, name="Chaplaincy", booking_contact=BOOKED)
    session = make_session(site=site, room=booked, supervisor=supervisor, room_booking="to_request",
                           starts_at=timezone.now() + datetime.timedelta(days=3))
    assert "Room not confirmed and the session is within 7 days" in attention.session_warnings(
        session=session, now=timezone.now(), clashes=set())


def test_the_database_refuses_an_unknown_booking_status(site):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_session(site=site, room_booking="maybe")
