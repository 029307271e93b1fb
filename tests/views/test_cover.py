"""Time away, cover and "email the list now", through the pages."""
import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from sessions_app.models import Session, TimeAway
from sessions_app.services.announcements import announcement_build, email_send, period_for
from tests.factories import make_manager, make_room, make_session, make_supervisor
from tests.helpers import text

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def colleague(site):
    return make_supervisor(site, display_name="Priya Shah", role_title="Psychologist")


@pytest.fixture
def soon(site, supervisor):
    """A session in three days, at noon where the site is."""
    day = timezone.localdate() + 3 * DAY
    return make_session(site=site, supervisor=supervisor, room=site.rooms.first(),
                        starts_at=datetime.datetime.combine(day, datetime.time(12), tzinfo=site.zone))


def away_data(day: datetime.date, who, note="Annual leave") -> dict:
    return {"supervisor": str(who.pk), "starts_on": day.isoformat(), "ends_on": day.isoformat(), "note": note}


def test_recording_time_away_puts_her_session_under_needs_cover_for_colleagues(client, site, supervisor, colleague,
                                                                               soon):
    client.force_login(supervisor)
    response = client.post(reverse("supervise_time_away"), away_data(soon.local_starts_at.date(), supervisor))
    assert response.status_code == 302
    client.force_login(colleague)
    home = text(client.get(reverse("supervise_home")))
    assert "Needs cover" in home and "Sam Okafor is away" in home
    page = client.get(reverse("supervise_time_away"))
    assert "Annual leave" in text(page)  # colleagues see the note
    assert reverse("supervise_cover", args=[soon.pk]) in page.content.decode()
    assert "Annual leave" not in text(client.get(reverse("session_detail", args=[soon.pk])))  # staff never do


def test_a_failed_time_away_form_keeps_what_was_typed(client, supervisor):
    client.force_login(supervisor)
    day = timezone.localdate() + 5 * DAY
    response = client.post(reverse("supervise_time_away"), {
        **away_data(day, supervisor, note="Training course"), "ends_on": (day - DAY).isoformat()})
    assert response.status_code == 200 and not TimeAway.objects.exists()
    assert "The last day away must be on or after the first" in text(response)
    assert 'value="Training course"' in response.content.decode()


def test_handing_a_session_over_through_the_page(client, site, supervisor, colleague, soon):
    TimeAway.objects.create(supervisor=supervisor, starts_on=soon.local_starts_at.date(),
                            ends_on=soon.local_starts_at.date(), note="Inspection")
    client.force_login(make_manager(site))
    page = client.get(reverse("supervise_cover", args=[soon.pk]))
    assert "Priya Shah, Psychologist" in text(page) and "(Inspection)" in text(page)
    response = client.post(reverse("supervise_cover", args=[soon.pk]), {"supervisor": str(colleague.pk)})
    assert response.status_code == 302
    soon.refresh_from_db()
    assert soon.supervisor == colleague
    assert "Priya Shah" in text(client.get(reverse("session_detail", args=[soon.pk])))
    assert "Needs cover" not in text(client.get(reverse("supervise_home")))


def test_cover_refuses_someone_away_or_from_another_site(client, site, supervisor, colleague, other_supervisor, soon):
    TimeAway.objects.create(supervisor=colleague, starts_on=soon.local_starts_at.date(),
                            ends_on=soon.local_starts_at.date())
    client.force_login(supervisor)
    for person in (colleague, other_supervisor):
        response = client.post(reverse("supervise_cover", args=[soon.pk]), {"supervisor": str(person.pk)})
        assert response.status_code == 200 and "Choose someone from the list" in text(response)
    soon.refresh_from_db()
    assert soon.supervisor == supervisor
    assert "No other supervisor at HMP Northgate is in that day" in text(
        client.get(reverse("supervise_cover", args=[soon.pk])))


@pytest.fixture
def announced(site, supervisor, soon):
    site.announcement_addresses = "mh-team@nhs.example\nprimary-care@nhs.example"
    site.save()
    starts_on, ends_on = period_for(site=site, weeks=4)
    email_send(announcement_build(site=site, starts_on=starts_on, ends_on=ends_on, base_url="https://dropin.test"),
               actor=supervisor)
    mail.outbox.clear()
    return soon


def test_cancelling_emails_the_list_at_once_when_ticked(client, supervisor, announced):
    client.force_login(supervisor)
    page = client.get(reverse("supervise_cancel", args=[announced.pk]))
    assert 'name="email_now" type="checkbox" checked' in page.content.decode()  # ticked by default
    response = client.post(reverse("supervise_cancel", args=[announced.pk]),
                           {"reason": "Supervisor needed for an inspection.", "email_now": "on"}, follow=True)
    assert "The changes email went to 2 addresses" in text(response)
    [email] = mail.outbox
    assert email.bcc == ["mh-team@nhs.example", "primary-care@nhs.example"] and email.to == []
    assert "cancelled. Supervisor needed for an inspection." in email.body


def test_cancelling_unticked_sends_nothing(client, supervisor, announced):
    client.force_login(supervisor)
    client.post(reverse("supervise_cancel", args=[announced.pk]), {"reason": "Wing locked down."})
    assert mail.outbox == [] and Session.objects.get(pk=announced.pk).is_cancelled


def test_moving_emails_from_and_to_and_why(client, site, supervisor, announced):
    client.force_login(supervisor)
    room = make_room(site, name="Visits hall")
    new_day = announced.local_starts_at.date() + DAY
    client.post(reverse("supervise_move", args=[announced.pk]), {
        "date": new_day.isoformat(), "start_time": "12:00", "end_time": "14:00", "room": str(room.pk),
        "reason": "The wellbeing room is needed for a visit.", "email_now": "on"})
    [email] = mail.outbox
    assert "moved from" in email.body and "in Visits hall. The wellbeing room is needed for a visit." in email.body


def test_emailing_now_without_an_earlier_announcement_says_what_to_do(client, supervisor, soon):
    client.force_login(supervisor)
    response = client.post(reverse("supervise_cancel", args=[soon.pk]),
                           {"reason": "Wing locked down.", "email_now": "on"}, follow=True)
    assert "No email was sent: this site has had no announcement yet" in text(response)
    assert mail.outbox == [] and Session.objects.get(pk=soon.pk).is_cancelled


def test_the_workspace_lists_what_needs_attention(client, site, supervisor, soon):
    from sessions_app.models import Feedback, Series, week_of

    booked = make_room(site, name="Chapel", booking_contact="Prison admin, ext 4412")
    make_session(site=site, supervisor=supervisor, room=booked, room_booking=Session.RoomBooking.TO_REQUEST,
                 starts_at=soon.starts_at + 7 * DAY)
    declined = make_session(site=site, supervisor=supervisor, starts_at=soon.starts_at + 8 * DAY)
    Session.objects.filter(pk=declined.pk).update(room=None, room_booking=Session.RoomBooking.DECLINED,
                                                  room_booking_note="Chapel needed for a service")
    Feedback.objects.create(site=site, comment="Helpful", week=week_of(timezone.localdate()))
    today = timezone.localdate()
    Series.objects.create(site=site, supervisor=supervisor, weekdays=[0], starts_on=today - 30 * DAY,
                          ends_on=today + 20 * DAY, start_time=datetime.time(12), end_time=datetime.time(13))
    client.force_login(supervisor)
    page = text(client.get(reverse("supervise_home")))
    assert "1 date to ask the room's booking contact for" in page
    assert "Room declined" in page and "Chapel needed for a service" in page
    assert "1 comment waiting for approval" in page
    assert f"end on {(today + 20 * DAY):%A %-d %B %Y}" in page


def test_the_workspace_and_time_away_pages_take_a_fixed_number_of_queries(client, site, supervisor, colleague):
    client.force_login(supervisor)

    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as home:
            client.get(reverse("supervise_home"))
        with CaptureQueriesContext(connection) as away:
            client.get(reverse("supervise_time_away"))
        return len(home), len(away)

    start = timezone.localdate() + 2 * DAY

    def add(n):
        day = start + n * DAY
        make_session(site=site, supervisor=supervisor, room=make_room(site),
                     starts_at=datetime.datetime.combine(day, datetime.time(12), tzinfo=site.zone))
        TimeAway.objects.create(supervisor=supervisor if n % 2 else colleague, starts_on=day, ends_on=day)

    add(1)
    few = count_queries()
    for n in range(2, 8):
        add(n)
    assert count_queries() == few



def test_time_away_and_its_note_stay_within_her_sites(client, site, supervisor, other_supervisor, soon):
    TimeAway.objects.create(supervisor=supervisor, starts_on=soon.local_starts_at.date(),
                            ends_on=soon.local_starts_at.date(), note="Hospital appointment")
    client.force_login(other_supervisor)
    for name in ("supervise_time_away", "supervise_home"):
        page = text(client.get(reverse(name)))
        assert "Hospital appointment" not in page and "Sam Okafor" not in page
    assert client.get(reverse("supervise_cover", args=[soon.pk])).status_code == 404
    client.logout()
    for path in (reverse("upcoming"), reverse("session_detail", args=[soon.pk])):
        assert "Hospital appointment" not in text(client.get(path)) and "away" not in text(client.get(path)).lower()


def test_emailing_now_a_date_the_last_email_never_listed_sends_nothing(client, site, supervisor, announced):
    later = make_session(site=site, supervisor=supervisor, starts_at=timezone.now() + 60 * DAY)  # beyond 4 weeks
    client.force_login(supervisor)
    response = client.post(reverse("supervise_cancel", args=[later.pk]),
                           {"reason": "Wing locked down.", "email_now": "on"}, follow=True)
    assert "No email was sent: the last email to staff did not list this date" in text(response)
    assert mail.outbox == [] and Session.objects.get(pk=later.pk).is_cancelled
