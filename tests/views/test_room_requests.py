"""Sending room requests from the rooms page, and the booking contact's page that answers them."""
import datetime

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions_app.models import AuditEntry, RoomRequestDate, Session
from sessions_app.services.room_answers import DATE_CHANGED, LINK_BROKEN, LINK_EXPIRED, LINK_USED
from sessions_app.services.room_requests import room_requests_send
from sessions_app.services.scheduling import session_move
from tests.factories import make_room, make_supervisor
from tests.helpers import BOOKINGS, answer_links, text, to_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def chapel(site):
    return make_room(site, name="Chapel", booking_contact="Prison admin office", booking_email=BOOKINGS)


@pytest.fixture
def supervisor(site):
    return make_supervisor(site, display_name="Sam Okafor", email="sam.okafor@example.nhs.uk")


def sent(site, supervisor, *sessions):
    """Send the requests, and return the links of the email sent."""
    room_requests_send(actor=supervisor, sites=[site], now=timezone.now())
    return answer_links(mail.outbox[-1])


def state():
    return (list(Session.objects.order_by("pk").values_list("room_booking", "room", "sequence")),
            list(RoomRequestDate.objects.order_by("pk").values_list("answer", "answered_at")),
            AuditEntry.objects.count())


def described(session) -> str:
    """Return how a page writes the session's date and time, e.g. “Monday 7 December 2026, 12:30pm to 1:30pm”."""
    from sessions_app.templatetags.dropin import nhs_date, time_window

    return f"{nhs_date(session.local_starts_at)}, {time_window(session)}"


# The supervisor's side

def test_the_rooms_page_lists_the_dates_to_request_with_where_they_go(client, site, supervisor, chapel):
    session = to_request(site, chapel, supervisor, 3)
    office = make_room(site, name="Admin office", booking_contact="Ring ext 4412")
    to_request(site, office, supervisor, 4)
    client.force_login(supervisor)
    page = text(client.get("/supervise/rooms/"))
    assert f"{described(session)}: Chapel (HMP Northgate), to {BOOKINGS}" in page
    assert "no email address : add the booking contact's email for Admin office" in page
    assert "Send room requests" in page


def test_sending_emails_the_contact_and_says_so_after_the_redirect(client, site, supervisor, chapel):
    for days in (3, 10):
        to_request(site, chapel, supervisor, days)
    client.force_login(supervisor)
    response = client.post("/supervise/rooms/requests/", follow=True)
    assert response.redirect_chain == [("/supervise/rooms/", 302)]
    assert "Sent 1 email asking for 2 dates. Each date shows its answer when it comes." in text(response)
    assert [message.to for message in mail.outbox] == [[BOOKINGS]]
    assert "No dates to request." in text(response)


def test_sending_for_one_site_comes_back_to_it(client, site, supervisor, chapel):
    to_request(site, chapel, supervisor, 3)
    client.force_login(supervisor)
    response = client.post("/supervise/rooms/requests/", {"site": site.slug})
    assert response.url == f"/supervise/rooms/?site={site.slug}" and len(mail.outbox) == 1


def test_a_room_without_an_email_is_named_in_the_message(client, site, supervisor):
    to_request(site, make_room(site, name="Admin office", booking_contact="Ring ext 4412"), supervisor, 3)
    client.force_login(supervisor)
    response = client.post("/supervise/rooms/requests/", follow=True)
    assert "Add the booking contact's email for Admin office (1 date), then send again." in text(response)
    assert mail.outbox == []


def test_a_supervisor_sets_the_booking_contacts_email_on_the_room(client, site, supervisor, chapel):
    client.force_login(supervisor)
    form = client.get(f"/supervise/rooms/{chapel.pk}/")
    assert "Booking contact's email" in text(form)
    data = {"site": site.pk, "name": "Chapel", "directions": "", "seats": 2, "is_private": "on",
            "is_comfortable": "on", "is_not_working_office": "on", "owner": "prison",
            "booking_contact": "Prison admin office", "booking_email": "admin.office@northgate.example.nhs.uk",
            "is_active": "on"}
    assert client.post(f"/supervise/rooms/{chapel.pk}/", data).status_code == 302
    chapel.refresh_from_db()
    assert chapel.booking_email == "admin.office@northgate.example.nhs.uk"
    assert "Requests to admin.office@northgate.example.nhs.uk" in text(client.get("/supervise/rooms/"))


def test_the_rooms_page_runs_the_same_queries_for_2_dates_to_request_as_for_20(
        client, site, supervisor, chapel, django_assert_max_num_queries):
    client.force_login(supervisor)
    for days in (3, 4):
        to_request(site, chapel, supervisor, days)
    with CaptureQueriesContext(connection) as few:
        client.get("/supervise/rooms/")
    for days in range(5, 23):
        to_request(site, make_room(site, booking_contact="Admin", booking_email=f"b{days}@example.nhs.uk"),
                   supervisor, days)
    with django_assert_max_num_queries(len(few)):
        assert text(client.get("/supervise/rooms/")).count("(HMP Northgate), to b") == 20


# The booking contact's side

def test_the_link_opens_the_date_and_opening_it_changes_nothing(site, supervisor, chapel):
    session = to_request(site, chapel, supervisor, 3)
    links = sent(site, supervisor, session)
    before = state()
    client = Client()
    for path in (links["confirmed"][0], links["declined"][0] + "?answer=declined"):
        page = client.get(path)
        assert page.status_code == 200
        assert f"{described(session)} , Chapel, HMP Northgate" in text(page)
        assert "Confirm this booking" in text(page) and "Why can the room not be booked?" in text(page)
    assert state() == before


def test_confirming_says_what_it_did_and_the_session_page_shows_who(client, site, supervisor, chapel):
    session = to_request(site, chapel, supervisor, 3)
    path = sent(site, supervisor, session)["confirmed"][0]
    response = Client().post(path, {"answer": "confirmed"})
    assert response.status_code == 200
    assert f"Booking confirmed for {described(session)}, Chapel. Thank you." in text(response)
    session.refresh_from_db()
    assert session.room_booking == "confirmed"
    client.force_login(supervisor)
    page = text(client.get(f"/supervise/sessions/{session.pk}/"))
    assert f"Confirmed by {BOOKINGS}" in page
    assert AuditEntry.objects.get(action="room_answer").actor_address == BOOKINGS


def test_declining_tells_the_supervisor_and_the_session_page_shows_the_reason(client, site, supervisor, chapel):
    session = to_request(site, chapel, supervisor, 3)
    path = sent(site, supervisor, session)["declined"][0]
    response = Client().post(path, {"answer": "declined", "reason": "A funeral in the chapel"})
    assert f"Booking declined for {described(session)}, Chapel. Thank you." in text(response)
    assert mail.outbox[-1].to == ["sam.okafor@example.nhs.uk"]
    client.force_login(supervisor)
    page = text(client.get(f"/supervise/sessions/{session.pk}/"))
    assert f"Declined by {BOOKINGS}" in page and "A funeral in the chapel" in page
    assert "The room was declined: find another room." in page


def test_declining_without_a_reason_asks_for_one_and_records_nothing(site, supervisor, chapel):
    session = to_request(site, chapel, supervisor, 3)
    path = sent(site, supervisor, session)["declined"][0]
    before = state()
    response = Client().post(path, {"answer": "declined", "reason": "  "})
    assert response.status_code == 200
    assert "There is a problem Say why the room cannot be booked, so the supervisor can find another." in text(response)
    assert state() == before and len(mail.outbox) == 1


def test_the_link_for_all_dates_confirms_them_all(site, supervisor, chapel):
    sessions = [to_request(site, chapel, supervisor, days) for days in (3, 10)]
    path = sent(site, supervisor, *sessions)["all"][0]
    client = Client()
    assert "Confirm all 2 bookings" in text(client.get(path))
    response = client.post(path, {"answer": "confirmed"})
    assert all(f"Booking confirmed for {described(s)}, Chapel." in text(response) for s in sessions)
    assert set(Session.objects.filter(pk__in=[s.pk for s in sessions]).values_list("room_booking", flat=True)) == {
        "confirmed"}


@pytest.mark.parametrize("token", ["garbage", "%00", "a%00b:c:d", "x" * 5000, "..%2f..%2f", "%E2%80%AE"])
def test_a_broken_link_gets_a_plain_page(client, site, token):
    response = client.get(f"/rooms/answer/{token}/")
    assert response.status_code in (400, 404)  # 404: a path Django will not route at all
    if response.status_code == 400:
        assert LINK_BROKEN in text(response)
        assert client.post(f"/rooms/answer/{token}/", {"answer": "confirmed"}).status_code == 400


def test_a_tampered_link_gets_a_plain_page_and_records_nothing(site, supervisor, chapel):
    path = sent(site, supervisor, to_request(site, chapel, supervisor, 3))["confirmed"][0]
    token = path.split("/")[3]
    before = state()
    response = Client().post(path.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")),
                             {"answer": "confirmed"})
    assert (response.status_code, LINK_BROKEN in text(response)) == (400, True)
    assert state() == before


def test_a_used_link_gets_a_plain_page(site, supervisor, chapel):
    path = sent(site, supervisor, to_request(site, chapel, supervisor, 3))["confirmed"][0]
    client = Client()
    client.post(path, {"answer": "confirmed"})
    for response in (client.get(path), client.post(path, {"answer": "declined", "reason": "Too late"})):
        assert (response.status_code, LINK_USED in text(response)) == (410, True)


def test_an_expired_link_gets_a_plain_page(site, supervisor, chapel):
    path = sent(site, supervisor, to_request(site, chapel, supervisor, 20))["confirmed"][0]
    with time_machine.travel(timezone.now() + datetime.timedelta(days=14, minutes=1)):
        response = Client().post(path, {"answer": "confirmed"})
    assert (response.status_code, LINK_EXPIRED in text(response)) == (410, True)
    assert RoomRequestDate.objects.get().answer == ""


def test_the_old_link_of_a_moved_session_gets_a_plain_page(site, supervisor, chapel):
    session = to_request(site, chapel, supervisor, 3)
    path = sent(site, supervisor, session)["confirmed"][0]
    session_move(actor=supervisor, session=session, starts_at=session.starts_at + datetime.timedelta(days=1),
                 ends_at=session.ends_at + datetime.timedelta(days=1), room=chapel, reason="Clash")
    response = Client().post(path, {"answer": "confirmed"})
    assert (response.status_code, DATE_CHANGED in text(response)) == (410, True)
    session.refresh_from_db()
    assert session.room_booking == "to_request"


def test_the_answer_page_runs_the_same_queries_for_one_date_as_for_20(site, supervisor, chapel,
                                                                       django_assert_max_num_queries):
    client = Client()
    one = sent(site, supervisor, to_request(site, chapel, supervisor, 3))["all"]
    assert one == []  # one date: its own link is the only one
    path = answer_links(mail.outbox[-1])["confirmed"][0]
    with CaptureQueriesContext(connection) as few:
        assert client.get(path).status_code == 200
    for days in range(4, 24):
        to_request(site, make_room(site, booking_contact="Admin", booking_email=BOOKINGS), supervisor, days)
    many = sent(site, supervisor)["all"][0]
    with django_assert_max_num_queries(len(few)):
        assert text(client.get(many)).count(", HMP Northgate") == 20


def test_the_session_page_runs_the_same_queries_for_one_answer_as_for_many(
        client, site, supervisor, chapel, django_assert_max_num_queries):
    session = to_request(site, chapel, supervisor, 3)
    Client().post(sent(site, supervisor, session)["confirmed"][0], {"answer": "confirmed"})
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/supervise/sessions/{session.pk}/")
    for _ in range(10):
        Session.objects.filter(pk=session.pk).update(room_booking="to_request")
        room_requests_send(actor=supervisor, sites=[site], now=timezone.now())
    with django_assert_max_num_queries(len(few)):
        assert text(client.get(f"/supervise/sessions/{session.pk}/")).count("Not answered yet") == 10
