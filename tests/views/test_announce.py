"""Email announcements: preview, send once (again only when asked), the changes email, and the command."""
import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sessions_app.models import Announcement, AuditEntry
from sessions_app.services import scheduling
from tests.factories import make_session
from tests.helpers import text

pytestmark = pytest.mark.django_db
ADDRESSES = "mh-inreach@nhs.example\nprimary-care@nhs.example"


@pytest.fixture
def sessions(site, supervisor):
    site.announcement_addresses = ADDRESSES
    site.save()
    start = timezone.now().replace(second=0, microsecond=0)
    return [make_session(site=site, room=site.rooms.get(), supervisor=supervisor,
                         starts_at=start + datetime.timedelta(days=days)) for days in (2, 9, 40)]


def send(client, data=None, query="?site=hmp-northgate&weeks=4", page="/supervise/announce/"):
    """Open the preview, then send what it showed (as the page's form does)."""
    shown = client.get(f"{page}{query}").context["email"].digest
    return client.post(f"{page}{query}", {"addresses": ADDRESSES, "action": "send", "shown": shown, **(data or {})})


def test_the_preview_shows_both_versions_and_sends_nothing(client, sessions, supervisor, mailoutbox):
    client.force_login(supervisor)
    response = client.get("/supervise/announce/?site=hmp-northgate&weeks=4")
    page = text(response)
    assert "Preview: Drop-in supervision at HMP Northgate" in page and "Plain text" in page
    assert sessions[0].local_starts_at.strftime("%A %-d %B %Y") in page
    assert sessions[2].local_starts_at.strftime("%A %-d %B %Y") not in page  # beyond 4 weeks
    assert mailoutbox == [] and not Announcement.objects.exists()


def test_both_parts_list_the_sessions_and_links(client, sessions, supervisor, mailoutbox):
    client.force_login(supervisor)
    response = send(client)
    assert response.status_code == 302
    [email] = mailoutbox
    assert email.to == [] and email.bcc == ["mh-inreach@nhs.example", "primary-care@nhs.example"]
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    for part in (email.body, html):
        for session in sessions[:2]:
            assert session.local_starts_at.strftime("%A %-d %B %Y") in part
        assert sessions[2].local_starts_at.strftime("%A %-d %B %Y") not in part
        assert "http://testserver/?site=hmp-northgate" in part
        assert "http://testserver/calendar/hmp-northgate.ics" in part
        assert "http://testserver/contract/" in part
        assert "No appointment needed" in part or "no appointment needed" in part
    assert f'href="http://testserver/sessions/{sessions[0].pk}/"' in html
    record = Announcement.objects.get()
    assert (record.sent_by, record.recipients, record.kind) == (supervisor, 2, "announcement")
    assert record.sessions == {str(s.pk): {"starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat(),
                                           "room": s.room_id, "booking": s.room_booking} for s in sessions[:2]}
    assert "Sent to 2 addresses." in text(client.get("/supervise/announce/"))


def test_a_second_send_for_the_same_period_asks_first(client, sessions, supervisor, mailoutbox):
    client.force_login(supervisor)
    send(client)
    response = send(client)
    assert response.status_code == 200
    page = text(response)
    assert "This was already sent on" in page and "Yes, send it again" in page
    assert len(mailoutbox) == 1 and Announcement.objects.count() == 1
    response = send(client, {"action": "again"})
    assert response.status_code == 302 and len(mailoutbox) == 2 and Announcement.objects.count() == 2


def test_bad_addresses_are_refused_and_kept(client, sessions, supervisor, mailoutbox):
    client.force_login(supervisor)
    response = send(client, {"addresses": "mh-inreach@nhs.example\nnot an address"})
    page = text(response)
    assert "“not an address” is not an email address. Enter one address a line." in page
    assert "not an address" in response.content.decode()
    assert mailoutbox == []


def test_new_addresses_are_kept_for_next_time(client, sessions, site, supervisor, mailoutbox):
    client.force_login(supervisor)
    send(client, {"addresses": "wellbeing@nhs.example"})
    site.refresh_from_db()
    assert site.addresses == ["wellbeing@nhs.example"] and mailoutbox[0].bcc == ["wellbeing@nhs.example"]
    assert AuditEntry.objects.filter(object_type="site", reason="Distribution addresses").exists()


def test_new_addresses_are_kept_only_when_the_email_goes(client, sessions, site, supervisor, mailoutbox):
    # Found by tests/test_fuzz.py: "already sent" came back as an error with the new addresses saved.
    client.force_login(supervisor)
    send(client)
    response = send(client, {"addresses": "wellbeing@nhs.example"})
    assert "This was already sent on" in text(response)
    assert "wellbeing@nhs.example" in response.content.decode()  # still in the form, to send again
    site.refresh_from_db()
    assert site.announcement_addresses == ADDRESSES
    assert not AuditEntry.objects.filter(object_type="site", reason="Distribution addresses").exists()


def test_a_mail_server_refusal_keeps_no_new_addresses(client, sessions, site, supervisor, settings):
    settings.EMAIL_BACKEND = "tests.views.test_announce.RefusingBackend"
    client.force_login(supervisor)
    response = send(client, {"addresses": "wellbeing@nhs.example"})
    assert "Nothing was sent or recorded." in text(response)
    site.refresh_from_db()
    assert site.announcement_addresses == ADDRESSES
    assert not AuditEntry.objects.exists()


def test_the_changes_email_says_what_was_cancelled_moved_or_added(client, site, sessions, supervisor, mailoutbox):
    client.force_login(supervisor)
    send(client)
    scheduling.session_cancel(actor=supervisor, session=sessions[0], reason="Inspection on the wing")
    later = sessions[1].starts_at + datetime.timedelta(hours=3)
    scheduling.session_move(actor=supervisor, session=sessions[1], starts_at=later,
                            ends_at=later + datetime.timedelta(hours=1), room=sessions[1].room, reason="Clash")
    extra = make_session(site=site, room=site.rooms.get(), supervisor=supervisor,
                         starts_at=sessions[0].starts_at + datetime.timedelta(days=1), kind="extra")
    response = client.get("/supervise/announce/changes/?site=hmp-northgate")
    page = text(response)
    assert "cancelled. Inspection on the wing" in page and "moved from " in page
    assert "an extra session" in page
    send(client, query="?site=hmp-northgate", page="/supervise/announce/changes/")
    changes = mailoutbox[-1]
    assert changes.subject == "Changes to drop-in supervision at HMP Northgate"
    assert "Inspection on the wing" in changes.body and extra.local_starts_at.strftime("%A %-d %B %Y") in changes.body
    # Sent: the next changes email starts from here.
    assert "Nothing has changed since the last email" in text(client.get("/supervise/announce/changes/?site=hmp-northgate"))


def test_with_no_addresses_it_asks_for_them(client, site, supervisor, mailoutbox):
    client.force_login(supervisor)
    response = send(client, {"addresses": ""}, query="?site=hmp-northgate")
    assert "Enter at least one address to send to." in text(response) and mailoutbox == []


def test_the_command_sends_and_its_dry_run_sends_nothing(sessions, mailoutbox, capsys):
    call_command("send_announcement", "--site", "hmp-northgate", "--weeks", "4", "--dry-run")
    out = capsys.readouterr().out
    assert "Dry run: nothing was sent." in out and sessions[0].local_starts_at.strftime("%A %-d %B %Y") in out
    assert mailoutbox == [] and not Announcement.objects.exists()

    call_command("send_announcement", "--site", "hmp-northgate", "--weeks", "4")
    assert len(mailoutbox) == 1 and Announcement.objects.get().sent_by is None
    with pytest.raises(CommandError, match="already sent.*--again"):
        call_command("send_announcement", "--site", "hmp-northgate", "--weeks", "4")
    call_command("send_announcement", "--site", "hmp-northgate", "--weeks", "4", "--again")
    assert len(mailoutbox) == 2


@pytest.mark.parametrize("args, message", [
    (["--site", "nowhere"], "No site called “nowhere”"), (["--site", "hmp-northgate", "--weeks", "0"], "--weeks must"),
])
def test_the_command_refuses_bad_arguments_plainly(site, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("send_announcement", *args)


@pytest.mark.parametrize("query", ["?site=nowhere", "?weeks=99", "?weeks=%00", "?site=%00&weeks=-1"])
def test_junk_choices_give_a_message_not_an_error(client, sessions, supervisor, query):
    client.force_login(supervisor)
    response = client.get(f"/supervise/announce/{query}")
    assert response.status_code == 200 and "There is a problem" in text(response)


def test_sending_something_other_than_the_preview_asks_to_check_again(client, site, sessions, supervisor,
                                                                      mailoutbox):
    client.force_login(supervisor)
    shown = client.get("/supervise/announce/?site=hmp-northgate").context["email"].digest
    make_session(site=site, room=site.rooms.get(), supervisor=supervisor,
                 starts_at=sessions[0].starts_at + datetime.timedelta(days=1))
    response = client.post("/supervise/announce/?site=hmp-northgate",
                           {"addresses": ADDRESSES, "action": "send", "shown": shown})
    assert "The email has changed since you saw it" in text(response) and mailoutbox == []


def test_a_mail_server_refusal_is_a_message_and_nothing_is_recorded(client, sessions, supervisor, settings):
    settings.EMAIL_BACKEND = "tests.views.test_announce.RefusingBackend"
    client.force_login(supervisor)
    response = send(client)
    assert response.status_code == 200
    assert "The email could not be sent: the mail server did not take it" in text(response)
    assert not Announcement.objects.exists()


class RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPRecipientsRefused({"mh-inreach@nhs.example": (550, b"No such list")})


def test_a_site_name_cannot_break_the_subject_line(client, site, sessions, supervisor, mailoutbox):
    site.name = "HMP Northgate\r\nBcc: everyone@example.com"
    site.save()
    client.force_login(supervisor)
    send(client)
    [email] = mailoutbox
    assert "\n" not in email.subject and "everyone@example.com" not in email.bcc


def test_the_changes_email_follows_a_session_out_of_the_period_and_ignores_bookkeeping(
        client, site, sessions, supervisor, mailoutbox):
    client.force_login(supervisor)
    send(client)
    far = sessions[0].starts_at + datetime.timedelta(weeks=8)
    scheduling.session_move(actor=supervisor, session=sessions[0], starts_at=far,
                            ends_at=far + datetime.timedelta(hours=2), room=sessions[0].room, reason="Inspection")
    scheduling.room_booking_set(actor=supervisor, session=sessions[1], status="confirmed")
    page = text(client.get("/supervise/announce/changes/?site=hmp-northgate"))
    assert far.astimezone(site.zone).strftime("%A %-d %B %Y") in page and "moved from " in page
    assert sessions[1].local_starts_at.strftime("%A %-d %B %Y") not in page.split("Since the email of")[1]


def test_no_recipient_sees_another_recipients_address(client, site, sessions, supervisor, mailoutbox):
    client.force_login(supervisor)
    send(client, {"addresses": "sam.okafor@nhs.example\nkelly.r@nhs.example"})
    [email] = mailoutbox
    headers = email.message().as_string().split("\n\n", 1)[0]
    assert email.bcc == ["sam.okafor@nhs.example", "kelly.r@nhs.example"]
    assert "sam.okafor" not in headers and "kelly.r" not in headers
