"""On a 390 × 844 phone: the staff page's first screen holds the next drop-in, and the tally answers each press."""
import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions_app.models import Site
from sessions_app.services.demo import demo_seed
from sessions_app.services.upcoming import session_leading, sessions_upcoming
from sessions_app.templatetags.dropin import time_window
from tests.browser.conftest import SCREENSHOTS, Page, sign_in
from tests.factories import make_room, make_session, make_supervisor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    tab = Page(browser, width=PHONE["width"])
    tab.page.set_viewport_size(PHONE)
    yield tab
    tab.close()


@pytest.mark.parametrize("path, on_now", [("/", False), ("/?team=primary-care", True)],
                         ids=["next, every team", "on now, one team"])
def test_the_staff_pages_first_screen_shows_the_next_sessions_day_time_and_room(phone, live_server, path, on_now):
    demo_seed()
    site = Site.objects.get()
    if on_now:
        make_session(site=site, room=make_room(site, name="Chapel side room"), supervisor=make_supervisor(site),
                     starts_at=timezone.now() - datetime.timedelta(minutes=5))
    leading = session_leading(sessions=list(sessions_upcoming(now=timezone.now(), weeks=8)))
    page = phone.page
    page.goto(live_server.url + path)

    when = page.locator("[data-leading-when]")
    box = when.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"], f"the next drop-in ends at {box}"
    day = leading.local_starts_at
    for shown in (f"{day:%A} {day.day} {day:%B}", time_window(leading), leading.room.name):
        assert shown in when.inner_text()
    assert page.locator("#leading-heading").inner_text() == ("On now" if on_now else "Next drop-in")
    page.screenshot(path=SCREENSHOTS / "phone" / f"staff-first-screen-{'on-now' if on_now else 'next'}.png")
    assert phone.axe_violations() == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone.errors == [] and phone.outside_requests == []


def test_each_tally_press_shows_its_answer_beside_the_buttons_and_finished_clears_the_staff_group(
        phone, live_server):
    demo_seed()
    site = Site.objects.get()
    sam = make_supervisor(site, username="sam")
    session = make_session(site=site, room=make_room(site, name="Quiet room"), supervisor=sam,
                           starts_at=timezone.now() - datetime.timedelta(minutes=5))
    sign_in(phone, live_server, sam)
    page = phone.page
    page.goto(f"{live_server.url}/supervise/sessions/{session.pk}/")
    status, group = page.locator("[data-tally-message]"), page.locator("#id_staff_group")
    arrived = page.locator("button[value=arrived]")
    top = arrived.bounding_box()
    assert top["y"] + top["height"] <= PHONE["height"], "the tally's first button is below the first screen"

    def press(action: str, says: str) -> None:
        with page.expect_response(lambda response: response.url.endswith("/tally/")):
            page.click(f"button[value={action}]")
        expect(status).to_have_text(says)
        expect(status).to_be_visible()

    press("arrived", "Counted.")
    press("arrived", "Counted.")  # the same words again, shown afresh
    press("started", "Counted.")
    group.select_option(label="Nurse")
    press("finished", "Counted.")
    assert group.input_value() == "" and group.evaluate("select => select.selectedOptions[0].text") == "Not given"
    press("finished", "Nobody is being seen. Press “Start seeing the next person” first.")
    expect(status).to_have_class("dropin-tally__status dropin-tally__status--refused")
    press("undo", "Undone: finished.")
    expect(status).to_have_class("dropin-tally__status")

    # Beside the buttons, in view, and not hidden from sight (it was once for screen readers only).
    box, first_button = status.bounding_box(), arrived.bounding_box()
    assert box["width"] > 100 and box["height"] > 10
    assert 0 <= first_button["y"] - (box["y"] + box["height"]) <= 48
    assert status.get_attribute("role") == "status"
    assert phone.axe_violations() == []
    assert phone.errors == [] and phone.outside_requests == []
    session.refresh_from_db()
    assert (session.waiting, session.in_session) == (1, 1)
