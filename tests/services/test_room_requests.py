"""Room requests: one email per booking contact, and links that answer each date once, for 14 days."""
import datetime

import pytest
import time_machine
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.utils import timezone

from sessions_app.models import AuditEntry, RoomRequest, RoomRequestDate, Session, Site
from sessions_app.services import attention
from sessions_app.services.room_answers import (DATE_CHANGED, DATE_PASSED, DECLINE_NEEDS_REASON, LINK_BROKEN,
                                                LINK_EXPIRED, LINK_USED, RoomAnswerRefused, room_request_answer,
                                                room_request_read)
from sessions_app.services.room_requests import room_requests_send
from sessions_app.services.scheduling import session_cancel, session_move
from tests.factories import make_room, make_site, make_supervisor
from tests.helpers import BOOKINGS, answer_links, to_request, token_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def chapel(site):
    return make_room(site, name="Chapel", booking_contact="Prison admin office, ext 4412", booking_email=BOOKINGS)


@pytest.fixture
def supervisor(site):
    return make_supervisor(site, display_name="Sam Okafor", email="sam.okafor@example.nhs.uk")


def send(supervisor, site):
    return room_requests_send(actor=supervisor, sites=[site], now=timezone.now())


def answer(path, verdict="confirmed", reason="", now=None):
    return room_request_answer(token=token_of(path), answer=verdict, reason=reason, now=now or timezone.now())


def test_each_contact_gets_one_email_with_every_date_in_their_rooms(site, supervisor, chapel):
    visits = make_room(site, name="Visits hall", booking_contact="Admin", booking_email=BOOKINGS.upper())
    gym = make_room(site, name="Gym office", booking_contact="Gym", booking_email="gym@northgate.example.nhs.uk")
    for days, room in [(3, chapel), (10, chapel), (4, visits), (5, gym)]:
        to_request(site, room, supervisor, days)
    sent = send(supervisor, site)
    assert (sent.emails, sent.dates) == (2, 4)
    by_address = {message.to[0].lower(): message for message in mail.outbox}
    assert set(by_address) == {BOOKINGS, "gym@northgate.example.nhs.uk"}
    admin = by_address[BOOKINGS]
    assert (admin.bcc, admin.reply_to, admin.alternatives[0][1]) == ([], ["sam.okafor@example.nhs.uk"], "text/html")
    assert [len(links) for links in answer_links(admin).values()] == [3, 3, 1]
    assert RoomRequest.objects.filter(sent_to__iexact=BOOKINGS).count() == 2  # one a room


def test_the_dates_sent_are_requested_today_and_audited(site, supervisor, chapel):
    session = to_request(site, chapel, supervisor, 3)
    send(supervisor, site)
    session.refresh_from_db()
    assert (session.room_booking, session.room_requested_on) == ("requested", timezone.localdate())
    entry = AuditEntry.objects.get(action="room_request")
    assert (entry.actor, entry.session, entry.reason) == (supervisor, session, f"Requested from {BOOKINGS}")


def test_a_room_without_an_email_is_named_and_its_dates_stay_to_request(site, supervisor):
    office = make_room(site, name="Admin office", booking_contact="Ring ext 4412")
    session = to_request(site, office, supervisor, 3)
    sent = send(supervisor, site)
    assert sent.without_email == {office: 1} and mail.outbox == []
    assert sent.sentences == ["Add the booking contact's email for Admin office (1 date), then send again."]
    session.refresh_from_db()
    assert session.room_booking == "to_request"


def test_only_the_senders_sites_are_requested(site, supervisor, chapel):
    elsewhere = make_site(name="HMP Elsewhere")
    theirs = to_request(elsewhere, make_room(elsewhere, booking_email=BOOKINGS), make_supervisor(elsewhere), 3)
    sent = room_requests_send(actor=supervisor, sites=[site, elsewhere], now=timezone.now())
    assert sent.emails == 0 and mail.outbox == []
    theirs.refresh_from_db()
    assert theirs.room_booking == "to_request"


def test_one_contact_for_rooms_at_two_sites_gets_one_email_naming_both(site, supervisor, chapel, settings):
    settings.DROPIN_SERVICE_NAME = "Drop-in supervision"
    site.service_name = "Northgate Wellbeing Drop-in"
    site.save()
    southbank = make_site(name="HMP Southbank")
    southbank.supervisors.add(supervisor)
    to_request(site, chapel, supervisor, 3)
    to_request(southbank, make_room(southbank, name="Library", booking_email=BOOKINGS), supervisor, 4)
    sent = room_requests_send(actor=supervisor, sites=[site, southbank], now=timezone.now())
    assert (sent.emails, sent.dates) == (1, 2)
    [message] = mail.outbox
    assert message.subject == "Please book 2 rooms for drop-in supervision: 2 dates at HMP Northgate and HMP Southbank"
    # Each site's room under its own site, and the service by the name both share, not one site's own.
    assert "Chapel, HMP Northgate:" in message.body and "Library, HMP Southbank:" in message.body
    assert "for Drop-in supervision, where" in message.body and "Northgate Wellbeing" not in message.body


def test_two_sites_sharing_their_own_name_for_the_service_are_asked_for_it_by_that_name(site, supervisor, chapel):
    southbank = make_site(name="HMP Southbank")
    Site.objects.filter(pk__in=[site.pk, southbank.pk]).update(service_name="Wellbeing Drop-in")
    southbank.supervisors.add(supervisor)
    to_request(site, chapel, supervisor, 3)
    to_request(southbank, make_room(southbank, name="Library", booking_email=BOOKINGS), supervisor, 4)
    room_requests_send(actor=supervisor, sites=[site, southbank], now=timezone.now())
    [message] = mail.outbox
    assert "these rooms for Wellbeing Drop-in, where" in message.body


def test_sending_again_asks_for_nothing_already_asked(site, supervisor, chapel):
    to_request(site, chapel, supervisor, 3)
    send(supervisor, site)
    again = send(supervisor, site)
    assert (again.emails, len(mail.outbox)) == (0, 1)
    assert again.sentences == ["There are no dates to request: every date in a room someone books has been asked for."]


def test_an_email_the_server_refuses_keeps_nothing(site, supervisor, chapel, settings):
    settings.EMAIL_BACKEND = "tests.helpers.RefusingEmailBackend"
    session = to_request(site, chapel, supervisor, 3)
    sent = send(supervisor, site)
    assert sent.failed == [BOOKINGS] and sent.emails == 0
    session.refresh_from_db()
    assert session.room_booking == "to_request"
    assert not RoomRequest.objects.exists() and not AuditEntry.objects.filter(action="room_request").exists()


def test_confirming_through_the_link_confirms_the_session_and_audits_the_contacts_address(site, supervisor, chapel):
    session = to_request(site, chapel, supervisor, 3)
    send(supervisor, site)
    answer(answer_links(mail.outbox[0])["confirmed"][0])
    session.refresh_from_db()
    assert session.room_booking == Session.RoomBooking.CONFIRMED and session.room == chapel
    assert RoomRequestDate.objects.get().answer == "confirmed"
    entry = AuditEntry.objects.get(action="room_answer")
    assert (entry.actor, entry.actor_address, entry.session, entry.after["room_booking"]) == (
        None, BOOKINGS, session, "confirmed")


def test_declining_clears_the_room_tells_the_supervisor_and_needs_attention(site, supervisor, chapel):
    session = to_request(site, chapel, supervisor, 3)
    send(supervisor, site)
    answer(answer_links(mail.outbox[0])["declined"][0], "declined", "  The chapel is in use for a funeral.  ")
    session.refresh_from_db()
    assert (session.room, session.room_booking, session.room_booking_note) == (
        None, "declined", "The chapel is in use for a funeral.")
    told = mail.outbox[1]
    assert told.to == ["sam.okafor@example.nhs.uk"] and told.subject == "Room declined for 1 date: find another room"
    assert "The chapel is in use for a funeral." in told.body and BOOKINGS in told.body
    assert f"/supervise/sessions/{session.pk}/" in told.body
    assert "The room was declined: find another room" in attention.session_warnings(
        session=session, now=timezone.now(), clashes=set())
    assert AuditEntry.objects.get(action="room_answer").reason == "The chapel is in use for a funeral."


def test_a_decline_needs_a_reason(site, supervisor, chapel):
    session = to_request(site, chapel, supervisor, 3)
    send(supervisor, site)
    with pytest.raises(ValidationError) as refused:
        answer(answer_links(mail.outbox[0])["declined"][0], "declined", "   ")
    assert refused.value.messages == [DECLINE_NEEDS_REASON]
    session.refresh_from_db()
    assert session.room_booking == "requested" and not RoomRequestDate.objects.exclude(answer="").exists()


def test_a_link_works_once(site, supervisor, chapel):
    to_request(site, chapel, supervisor, 3)
    send(supervisor, site)
    links = answer_links(mail.outbox[0])
    answer(links["confirmed"][0])
    with pytest.raises(RoomAnswerRefused, match=LINK_USED) as refused:
        answer(links["declined"][0], "declined", "Changed my mind")
    assert refused.value.status == 410
    assert AuditEntry.objects.filter(action="room_answer").count() == 1


def test_a_link_works_for_14_days(site, supervisor, chapel):
    to_request(site, chapel, supervisor, 20)
    send(supervisor, site)
    path = answer_links(mail.outbox[0])["confirmed"][0]
    with time_machine.travel(timezone.now() + datetime.timedelta(days=13, hours=23)):
        assert len(room_request_read(token=token_of(path), now=timezone.now()).dates) == 1
    with time_machine.travel(timezone.now() + datetime.timedelta(days=14, minutes=1)):
        with pytest.raises(RoomAnswerRefused, match=LINK_EXPIRED):
            answer(path)
    assert RoomRequestDate.objects.get().answer == ""


@pytest.mark.parametrize("spoil", [
    lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
    lambda token: signing.dumps(["date", 1], salt="sessions_app.invitation"),  # signed, for something else
    lambda token: signing.dumps(["everything", [1]], salt="sessions_app.room_request"),
    lambda token: "",
    lambda token: "a\x00b:c:d",
], ids=["one character changed", "another salt", "unknown kind", "empty", "NUL"])
def test_a_tampered_link_is_refused_as_broken(site, supervisor, chapel, spoil):
    to_request(site, chapel, supervisor, 3)
    send(supervisor, site)
    token = token_of(answer_links(mail.outbox[0])["confirmed"][0])
    with pytest.raises(RoomAnswerRefused, match=LINK_BROKEN) as refused:
        room_request_answer(token=spoil(token), answer="confirmed", reason="", now=timezone.now())
    assert refused.value.status == 400
    assert RoomRequestDate.objects.get().answer == ""


@pytest.mark.parametrize("change", ["moved", "cancelled"])
def test_the_link_of_a_date_changed_since_is_refused(site, supervisor, chapel, change):
    session = to_request(site, chapel, supervisor, 3)
    send(supervisor, site)
    if change == "moved":
        session_move(actor=supervisor, session=session, starts_at=session.starts_at + datetime.timedelta(days=1),
                     ends_at=session.ends_at + datetime.timedelta(days=1), room=chapel, reason="Clash")
    else:
        session_cancel(actor=supervisor, session=session, reason="Lockdown")
    with pytest.raises(RoomAnswerRefused, match=DATE_CHANGED):
        answer(answer_links(mail.outbox[0])["confirmed"][0])
    session.refresh_from_db()
    assert session.room_booking != "confirmed"


def test_the_link_of_a_date_gone_by_is_refused(site, supervisor, chapel):
    session = to_request(site, chapel, supervisor, 3)
    send(supervisor, site)
    with pytest.raises(RoomAnswerRefused, match=DATE_PASSED):
        answer(answer_links(mail.outbox[0])["confirmed"][0], now=session.starts_at)


def test_the_link_for_all_dates_confirms_each_open_one_once(site, supervisor, chapel):
    sessions = [to_request(site, chapel, supervisor, days) for days in (3, 10, 17)]
    send(supervisor, site)
    links = answer_links(mail.outbox[0])
    answer(links["declined"][0], "declined", "Chapel closed that day")
    answered = answer(links["all"][0])
    assert [date.session_id for date in answered.dates] == [s.pk for s in sessions[1:]]
    assert [(s.room_booking) for s in Session.objects.filter(pk__in=[s.pk for s in sessions])] == [
        "declined", "confirmed", "confirmed"]
    with pytest.raises(RoomAnswerRefused, match=LINK_USED):
        answer(links["all"][0])


def test_the_link_for_all_dates_leaves_out_a_moved_one_and_says_so(site, supervisor, chapel):
    kept, moved = to_request(site, chapel, supervisor, 3), to_request(site, chapel, supervisor, 10)
    send(supervisor, site)
    session_move(actor=supervisor, session=moved, starts_at=moved.starts_at + datetime.timedelta(hours=2),
                 ends_at=moved.ends_at + datetime.timedelta(hours=2), room=chapel, reason="Later")
    answered = answer(answer_links(mail.outbox[0])["all"][0])
    assert [date.session_id for date in answered.dates] == [kept.pk]
    assert [(date.session_id, why) for date, why in answered.closed] == [(moved.pk, DATE_CHANGED)]
    moved.refresh_from_db()
    assert moved.room_booking == "to_request"


def test_reading_a_link_changes_nothing(site, supervisor, chapel):
    session = to_request(site, chapel, supervisor, 3)
    send(supervisor, site)
    before = (AuditEntry.objects.count(), list(RoomRequestDate.objects.values_list("answer", flat=True)))
    for _ in range(2):
        room_request_read(token=token_of(answer_links(mail.outbox[0])["declined"][0]), now=timezone.now())
    session.refresh_from_db()
    assert session.room_booking == "requested"
    assert (AuditEntry.objects.count(), list(RoomRequestDate.objects.values_list("answer", flat=True))) == before


def test_an_old_link_cannot_undo_a_booking_the_supervisor_recorded_by_hand(site, supervisor, chapel):
    from sessions_app.services.scheduling import room_booking_set

    session = to_request(site, chapel, supervisor, 3)
    send(supervisor, site)
    room_booking_set(actor=supervisor, session=session, status="confirmed", note="Confirmed by phone")
    with pytest.raises(RoomAnswerRefused, match="settled since this email"):
        answer(answer_links(mail.outbox[0])["declined"][0], "declined", "Booked already")
    session.refresh_from_db()
    assert (session.room_booking, session.room) == ("confirmed", chapel)


def test_only_the_newest_request_for_a_date_is_answered(site, supervisor, chapel):
    session = to_request(site, chapel, supervisor, 3)
    send(supervisor, site)
    Session.objects.filter(pk=session.pk).update(room_booking="to_request")  # say it was moved and moved back
    send(supervisor, site)
    old, new = (answer_links(message)["confirmed"][0] for message in mail.outbox)
    with pytest.raises(RoomAnswerRefused, match="settled since this email"):
        answer(old)
    answer(new)
    session.refresh_from_db()
    assert session.room_booking == "confirmed"
