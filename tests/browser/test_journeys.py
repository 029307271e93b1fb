"""Every journey, in a real Chromium, by keyboard alone: staff, supervisor and manager.

Each journey runs with JavaScript on and off, at a phone's width (390 px) and a desktop's (1280 px).
Every page reached passes axe's WCAG 2.2 A and AA rules, scrolls only up and down, raises no script
error and asks nothing of any host but this one (`Journey.check`). Form errors are shown in the NHS.UK
error summary, which takes focus. Key pages are photographed into test-artifacts/screenshots/.
"""
import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions_app.models import Feedback, Pulse, Session, SicknessRecord, Site, User
from sessions_app.services.demo import demo_seed
from sessions_app.services.publishing import event_uid
from tests.browser.conftest import nav
from tests.factories import make_room, make_session, make_supervisor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# The two ways people come: a phone with JavaScript on (staff, supervisors on the wing), and a locked-down NHS
# desktop with it off. The grown supervisor journey below takes the other two (desktop on, phone off), so the
# suite walks every pairing while each journey runs twice, not four times (the suite's 10 minutes).
BOTH_WAYS = pytest.mark.parametrize("javascript, width", [(True, 390), (False, 1280)],
                                    ids=["javascript on-phone", "javascript off-desktop"])


def both_ways(test):
    return BOTH_WAYS(test)


@both_ways
def test_staff_find_a_drop_in_add_it_to_their_calendar_and_answer_the_pulse(journey, live_server, javascript, width):
    demo_seed()
    site = Site.objects.get()
    fours_before = Pulse.objects.filter(score=4).count()
    you = journey("staff", javascript=javascript, width=width)
    page = you.page
    if javascript:
        you.context.grant_permissions(["clipboard-read", "clipboard-write"])

    you.go(live_server, "/")
    you.check("upcoming")
    you.choose_option("#id_team", "Primary care")
    you.press("button:has-text('Show drop-ins')")
    assert page.locator("h1").inner_text() == f"Drop-in supervision for Primary care at {site.name}"
    you.check("upcoming-for-a-team")

    # The calendar subscription: a button copies the address; without JavaScript the address is there to copy.
    feed = page.input_value("#feed-address")
    assert feed.endswith(f"/calendar/{site.slug}/primary-care.ics")
    if javascript:
        you.press("[data-copy=feed-address]", navigates=False)
        expect(page.locator("[data-copy=feed-address]")).to_have_text("Copied")  # the clipboard's write has settled
        assert page.evaluate("() => navigator.clipboard.readText()") == feed
    else:
        assert page.locator("[data-copy=feed-address]").is_hidden()
        you.tab_to("#feed-address")
        page.keyboard.press("Control+a")
        assert page.evaluate("() => window.getSelection().toString() || document.activeElement.value") == feed

    you.press(page.locator(".nhsuk-card__link").first)
    assert "/sessions/" in page.url
    you.check("session")
    session = Session.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))

    with page.expect_download() as download:
        you.tab_to("a[download]")
        page.keyboard.press("Enter")
    ics = Path(download.value.path()).read_text(encoding="utf-8")
    assert ics.startswith("BEGIN:VCALENDAR") and f"UID:{event_uid(session)}" in ics.replace("\r\n ", "")

    you.press("main a:has-text('Read the supervision contract')")
    assert "safeguarding" in page.locator("main").inner_text().lower()
    you.check("contract")
    page.go_back()
    you.check()

    you.press("main a:has-text('Tell us anonymously')")
    you.check("pulse")
    you.press("button:has-text('Send my answer')")  # nothing chosen
    you.assert_error_summary_has_focus("Choose how you are feeling at work this week")
    you.check("pulse-error")
    you.choose("input[name=score][value='4']")
    you.type("textarea[name=comment]", "Having somewhere to stop for half an hour helps.")
    you.press("button:has-text('Send my answer')")
    assert page.locator("h1").inner_text().startswith("Thank you")
    you.check("pulse-thanks")
    # The pages every public service publishes, from the footer of every page.
    for name in ("Accessibility statement", "Privacy notice", "Cookies"):
        you.press(page.locator("footer a", has_text=name))
        assert page.locator("h1").inner_text() == name
        you.check(name.lower().replace(" ", "-"))
    you.finish()
    assert Pulse.objects.filter(score=4).count() == fours_before + 1
    assert Feedback.objects.get().comment == "Having somewhere to stop for half an hour helps."


PASSWORD = "a long enough password 1"


@pytest.fixture
def northgate():
    """The demo site (whose recent sessions outgrew supply), with Sam, a supervisor whose session is on now."""
    demo_seed()
    site = Site.objects.get()
    sam = make_supervisor(site, username="sam", first_name="Sam", last_name="Hughes")
    sam.set_password(PASSWORD)
    sam.save()
    now_on = make_session(site=site, room=make_room(site, name="Quiet room"), supervisor=sam,
                          starts_at=timezone.now() - datetime.timedelta(minutes=5))
    Feedback.objects.create(site=site, comment="The room is calm and nobody asks why you came.",
                            week=timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday()))
    return site, sam, now_on


@both_ways
def test_a_supervisor_runs_the_service_from_sign_in_to_sign_out(journey, live_server, northgate, mailoutbox,
                                                                 javascript, width):
    site, sam, now_on = northgate
    today = timezone.localdate()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    you = journey("supervisor", javascript=javascript, width=width)
    page = you.page

    you.go(live_server, "/sign-in/")
    you.check("sign-in")
    you.type("#id_username", "sam")
    you.type("#id_password", "not my password")
    you.press("button[type=submit]")
    you.assert_error_summary_has_focus()
    you.check("sign-in-error")
    you.type("#id_password", PASSWORD)
    you.press("button[type=submit]")
    assert page.url.endswith("/supervise/")
    you.check("workspace")

    # A room, its first try refused for want of a name.
    nav(you, "Rooms")
    you.check("rooms")
    you.press("a:has-text('Add a room')")
    you.check()
    you.press("button:has-text('Save the room')")
    you.assert_error_summary_has_focus()
    you.check("room-error")
    you.type("#id_name", "Chaplaincy quiet room")
    you.type("#id_directions", "Past the chapel, first left.")
    you.type("#id_seats", "6")
    for box in ("is_private", "is_comfortable", "is_not_working_office"):
        you.tick(f"#id_{box}")
    you.press("button:has-text('Save the room')")
    assert "Room “Chaplaincy quiet room” saved." in page.locator("main").inner_text()
    you.check()

    # A regular series on Mondays and Wednesdays for four weeks, from its preview.
    nav(you, "Regular sessions")
    you.check()
    you.press("main a:has-text('Set up regular sessions')")
    you.check()
    you.press("button[value=preview]")
    you.assert_error_summary_has_focus("Choose at least one day of the week.")
    you.check("series-error")
    you.tick("#id_weekdays_0")
    you.tick("#id_weekdays_2")
    you.type("#id_starts_on", monday.isoformat())
    you.type("#id_ends_on", (monday + datetime.timedelta(weeks=4, days=-1)).isoformat())
    you.choose_option("#id_room", "Chaplaincy quiet room")
    you.tick("#id_on_bank_holidays")  # whatever the date: four weeks may hold one, as late December does
    you.press("button[value=preview]")
    assert "Preview: 8 dates to publish" in page.locator("main").inner_text()
    you.check("series-preview")
    you.press("button[value=confirm]")
    assert "8 sessions published." in page.locator("main").inner_text()
    you.check("series-published")

    # One date cancelled, with the reason staff will read.
    first = Session.objects.filter(series__starts_on=monday).order_by("starts_at").first()  # the new series' first
    you.go(live_server, f"/supervise/sessions/{first.pk}/")
    you.check()
    you.press("main a:has-text('Cancel it')")
    you.check()
    you.press("button:has-text('Cancel the session')")
    you.assert_error_summary_has_focus("Give a reason for cancelling, so staff know why.")
    you.check("cancel-error")
    you.type("#id_reason", "The chaplaincy is needed for a service that day.")
    you.press("button:has-text('Cancel the session')")
    you.check("cancelled")
    first.refresh_from_db()
    assert first.is_cancelled and first.cancel_reason == "The chaplaincy is needed for a service that day."

    # The tally for the session on now: arrived twice, one seen, one left unseen, and an undo.
    you.go(live_server, f"/supervise/sessions/{now_on.pk}/")
    you.check("tally")
    for action in ["arrived", "arrived", "started", "finished", "left", "arrived", "undo"]:
        if javascript:  # the count changes by fetch, without a new page
            with page.expect_response(lambda response: response.url.endswith("/tally/")):
                you.press(f"button[value={action}]", navigates=False)
        else:
            you.press(f"button[value={action}]")
    page.wait_for_function("() => document.querySelector('[data-count=waiting]').textContent.trim() === '0'")
    assert page.text_content("[data-count=seen]").strip() == "1"
    assert page.text_content("[data-count=not_seen]").strip() == "1"
    you.check("tally-counted")
    now_on.refresh_from_db()
    assert list(now_on.attendance.values_list("seen", "not_seen")) == [(1, 1)]

    # Demand outgrew supply: the suggested extra session, in one step.
    nav(you, "Demand")
    you.check("demand")
    suggestion = page.locator("main a.nhsuk-button", has_text="Add an extra session")
    you.press(suggestion)
    you.check("extra-session")
    you.press("button:has-text('Publish the session')")
    you.check()
    extra = Session.objects.get(kind=Session.Kind.EXTRA)
    assert extra.site == site and extra.starts_at > timezone.now()

    # The poster, printed: one A4 page.
    nav(you, "Workspace")
    you.check()
    you.press("main a:has-text('Poster to print')")
    you.check("poster")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    page.emulate_media(media="screen")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, "the poster printed on more than one A4 page"

    # The announcement: previewed, then sent (the console email backend; here, the test outbox).
    you.go(live_server, "/supervise/")
    you.check()
    nav(you, "Announce")
    you.check("announce")
    you.type("#id_addresses", "wellbeing@nhs.example")
    you.press("button[value=send]")
    assert "Sent to 1 address." in page.locator("main").inner_text()
    you.check("announce-sent")
    assert [email.bcc for email in mailoutbox] == [["wellbeing@nhs.example"]]

    # A comment from the pulse, approved to show on the drop-in page.
    nav(you, "Feedback")
    you.check("feedback")
    you.press("button[value=approve]")
    you.check()
    assert Feedback.objects.get().approved

    you.press("footer button:has-text('Sign out')")
    you.check("signed-out")
    assert page.locator("footer").get_by_text("Supervisor sign in").is_visible()
    you.finish()


@both_ways
def test_a_manager_imports_sickness_and_reads_the_evidence(journey, live_server, tmp_path, javascript, width):
    demo_seed()
    manager = User.objects.get(username="manager")
    manager.set_password(PASSWORD)
    manager.save()
    bad = tmp_path / "sickness-with-mistakes.csv"
    bad.write_text("team,month,fte_days_lost,fte_days_available\nNobody,2026-13,-1,0\n"
                   "Primary care,2026-10,12.5,400\n", encoding="utf-8")
    good = tmp_path / "sickness.csv"
    good.write_text("team,month,fte_days_lost,fte_days_available\nPrimary care,2026-10,12.5,400\n"
                    "Prison staff,2026-10,30,610\n", encoding="utf-8")
    you = journey("manager", javascript=javascript, width=width)
    page = you.page

    you.go(live_server, "/sign-in/")
    you.check()
    you.type("#id_username", "manager")
    you.type("#id_password", PASSWORD)
    you.press("button[type=submit]")
    you.check()

    # Sickness absence: a file with mistakes shows every one and saves nothing; the corrected one imports.
    you.go(live_server, "/insights/sickness/")
    you.check("sickness")
    you.press("main a:has-text('Import')")
    you.check("sickness-import")
    you.upload("#id_file", bad)
    you.press("button:has-text('Upload and preview')")
    you.assert_error_summary_has_focus("1 row of 2 has a problem")
    assert "Unknown team “Nobody”" in page.locator("#problems + *, main").first.inner_text()
    you.check("sickness-errors")
    you.upload("#id_file", good)
    you.press("button:has-text('Upload and preview')")
    you.check("sickness-preview")
    you.press("button[value=confirm]")
    you.check("sickness-imported")
    record = SicknessRecord.objects.get(team__name="Prison staff", month=datetime.date(2026, 10, 1))
    assert (record.fte_days_lost, record.fte_days_available) == (30, 610)

    # The dashboard, for another period: a month that does not exist first.
    nav(you, "Insights")
    assert page.locator("svg.dropin-chart").count() == 7
    you.check("dashboard")
    you.type("#id_start", "2026-13")
    you.press("button:has-text('Show')")
    you.assert_error_summary_has_focus()
    you.check("dashboard-error")
    you.type("#id_start", "2026-01")
    you.type("#id_end", "2026-10")
    you.press("button:has-text('Show')")
    assert page.locator("main").get_by_text("January 2026", exact=False).first.is_visible()
    you.check("dashboard-2026")

    with page.expect_download() as download:
        you.tab_to("a:has-text('Download CSV of these monthly figures')")
        page.keyboard.press("Enter")
    figures = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert figures[0].startswith("month,") and [row[:7] for row in figures[1:]] == [f"2026-{m:02d}" for m in range(1, 11)]

    you.press("a:has-text('Open the evaluation report')")
    you.check("report")
    page.emulate_media(media="print")
    assert page.pdf(format="A4", print_background=True).startswith(b"%PDF")
    you.finish()


@pytest.fixture
def colleagues():
    """The demo site with Sam Hughes (who signs in), Priya Shah (who covers) and a chapel room the prison books."""
    demo_seed()
    site = Site.objects.get()
    sam = make_supervisor(site, username="sam", display_name="Sam Hughes", role_title="Senior Staff Nurse",
                          email="sam.hughes@northgate.example.nhs.uk")
    sam.set_password(PASSWORD)
    sam.save()
    make_supervisor(site, username="priya", display_name="Priya Shah", role_title="Psychologist")
    make_room(site, name="Chapel side room", directions="Past the chapel, first left.", booking_email=CHAPEL_BOOKINGS,
              booking_contact="Chaplaincy office")
    return site, sam


CHAPEL_BOOKINGS = "chaplaincy.office@northgate.example"


def next_bank_holiday(site, *, after: datetime.date) -> tuple[datetime.date, str]:
    from sessions_app.dates import bank_holidays

    holidays = bank_holidays(region=site.bank_holidays, first=after, last=after + datetime.timedelta(days=400))
    return min(holidays.items())


@pytest.mark.parametrize("javascript, width", [(True, 1280), (False, 390)],
                         ids=["javascript on, desktop", "javascript off, phone"])
def test_a_supervisor_runs_weeks_of_sessions_as_they_really_run(journey, live_server, colleagues, mailoutbox,
                                                                javascript, width):
    """Who runs it, a bank holiday, rooms the prison confirms or declines, a move emailed at once, and cover."""
    from sessions_app.dates import bank_holidays
    from tests.helpers import answer_links

    site, sam = colleagues
    holiday, name = next_bank_holiday(site, after=timezone.localdate() + datetime.timedelta(days=16))
    first, last = holiday - datetime.timedelta(weeks=2), holiday + datetime.timedelta(weeks=2)
    dates = [first + datetime.timedelta(weeks=n) for n in range(5)]
    skipped = set(bank_holidays(region=site.bank_holidays, first=first, last=last)) & set(dates)
    you = journey("supervisor-weeks", javascript=javascript, width=width)
    page = you.page

    you.go(live_server, "/sign-in/")
    you.check()
    you.type("#id_username", "sam")
    you.type("#id_password", PASSWORD)
    you.press("button[type=submit]")
    you.check("workspace")

    # A series over a bank holiday, run by the person chosen: the holiday is marked and skipped.
    nav(you, "Regular sessions")
    you.check()
    you.press("main a:has-text('Set up regular sessions')")
    you.check()
    you.choose_option("#id_supervisor", "Sam Hughes, Senior Staff Nurse")
    you.tick(f"#id_weekdays_{holiday.weekday()}")
    you.type("#id_starts_on", first.isoformat())
    you.type("#id_ends_on", last.isoformat())
    you.choose_option("#id_room", "Chapel side room")
    you.press("button[value=preview]")
    main = page.locator("main").inner_text()
    assert f"Preview: {5 - len(skipped)} dates to publish" in main and f"Bank holiday ({name})" in main
    you.check("series-over-a-bank-holiday")
    you.press("button[value=confirm]")
    assert f"{5 - len(skipped)} sessions published." in page.locator("main").inner_text()
    you.check()
    published = list(Session.objects.filter(room__name="Chapel side room").order_by("starts_at"))
    assert holiday not in [s.local_starts_at.date() for s in published]
    assert {s.supervisor for s in published} == {sam}
    assert {s.room_booking for s in published} == {Session.RoomBooking.TO_REQUEST}

    # The room requests: one email to the chaplaincy office, a link per date.
    nav(you, "Rooms")
    you.check()
    you.press("button:has-text('Send room requests')")
    you.check("room-requests-sent")
    [request] = [m for m in mailoutbox if m.to == [CHAPEL_BOOKINGS]]
    links = answer_links(request)
    assert len(links["confirmed"]) == len(published)

    # The office confirms the first date and declines the second, through the emailed links.
    you.go(live_server, links["confirmed"][0] + "?answer=confirmed")
    you.check("room-request")
    you.press("button:has-text('Confirm this booking')")
    assert "Booking confirmed" in page.locator("main").inner_text()
    you.check("room-confirmed")
    you.go(live_server, links["declined"][1] + "?answer=declined")
    you.check()
    you.type("#id_reason", "The chapel is needed for a memorial service.")
    you.press("button:has-text('Decline')")
    assert "Booking declined" in page.locator("main").inner_text()
    you.check("room-declined")
    confirmed, declined = (Session.objects.get(pk=s.pk) for s in published[:2])
    assert confirmed.room_booking == "confirmed" and declined.room_booking == "declined" and declined.room is None
    [told] = [m for m in mailoutbox if m.to == [sam.email]]  # the supervisor hears of the decline
    assert "The chapel is needed for a memorial service." in told.body

    # The decline is under "needs attention" on the workspace.
    you.go(live_server, "/supervise/")
    attention = page.locator("#needs-attention + ul").inner_text()
    assert "Room declined" in attention and "The chapel is needed for a memorial service." in attention
    you.check("needs-attention")

    # The dates announced, then a session moved: the list is emailed at once, from where to where and why.
    nav(you, "Announce")
    you.check()
    you.type("#id_addresses", "wellbeing@nhs.example")
    you.press("button[value=send]")
    you.check()
    soon = next(s for s in Session.objects.filter(room__name="Wellbeing room", status="scheduled", starts_at__gt=(
        timezone.now() + datetime.timedelta(hours=2))).order_by("starts_at") if s.local_starts_at.date() not in dates)
    you.go(live_server, f"/supervise/sessions/{soon.pk}/")
    you.check()
    you.press("main a:has-text('Move it to another time or room')")
    you.check()
    you.choose_option("#id_room", "Chapel side room")
    you.type("#id_reason", "The wellbeing room is needed for a visit.")
    you.press("button:has-text('Move the session')")
    if "Use this room anyway" in page.locator("main").inner_text():
        raise AssertionError("the chapel side room passes the checklist")
    assert "The changes email went to 1 address." in page.locator("main").inner_text()
    you.check("moved-and-emailed")
    changes = mailoutbox[-1]
    assert changes.bcc == ["wellbeing@nhs.example"] and "Changes to drop-in supervision" in changes.subject
    assert "moved from" in changes.body and "in Wellbeing room to this time, in Chapel side room. " \
                                              "The wellbeing room is needed for a visit." in changes.body

    # Time away on the confirmed date, and that session handed to Priya.
    away_on = confirmed.local_starts_at.date()
    you.go(live_server, "/supervise/")
    you.press("main a:has-text('Time away and cover')")
    you.check()
    you.type("#id_starts_on", away_on.isoformat())
    you.type("#id_ends_on", away_on.isoformat())
    you.type("#id_note", "Annual leave")
    you.press("button:has-text('Record time away')")
    you.check("time-away")
    you.go(live_server, "/supervise/")
    you.check()
    you.press(page.locator("#needs-attention + ul a", has_text=f"{away_on:%A} {away_on.day} {away_on:%B %Y}"))
    you.check("find-cover")
    you.choose("input[name=supervisor][value='%d']" % User.objects.get(username="priya").pk)
    you.press("button:has-text('Hand it over')")
    assert "Priya Shah runs it now." in page.locator("main").inner_text()
    you.check("handed-over")
    confirmed.refresh_from_db()
    assert confirmed.supervisor.username == "priya" and confirmed.sequence > published[0].sequence
    you.finish()
