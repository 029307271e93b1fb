"""Acceptance: from an empty site, a supervisor adds a room and publishes a 12-week series in a real browser."""
import datetime

import pytest
from django.utils import timezone

from sessions_app.models import Session
from tests.browser.conftest import Page, sign_in
from tests.factories import make_site, make_supervisor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def checked(tab: Page, width: int) -> None:
    """Every page on the way: no axe violations, no sideways scrolling, no script errors, nothing off-machine."""
    assert tab.axe_violations() == [], tab.page.url
    assert tab.page.evaluate("document.documentElement.scrollWidth") <= width, tab.page.url
    assert tab.errors == [] and tab.outside_requests == []


@pytest.mark.parametrize("width", [390, 1280], ids=["phone", "desktop"])
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript on", "javascript off"])
def test_from_an_empty_site_to_a_published_series(browser, live_server, javascript, width):
    site = make_site(name="HMP Eastfield", slug="hmp-eastfield")
    supervisor = make_supervisor(site, username="sam")
    today = timezone.localdate()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    skip = monday + datetime.timedelta(weeks=2, days=1)  # a Tuesday
    tab = Page(browser, javascript=javascript, width=width)
    page = tab.page
    try:
        sign_in(tab, live_server, supervisor)

        page.goto(live_server.url + "/supervise/rooms/add/")
        checked(tab, width)
        page.fill("#id_name", "Chaplaincy quiet room")
        page.fill("#id_directions", "Past the chapel, first left.")
        page.fill("#id_seats", "6")
        for box in ("is_private", "is_comfortable", "is_not_working_office"):
            page.check(f"#id_{box}")
        page.click("button[type=submit]")
        assert "Room “Chaplaincy quiet room” saved." in page.text_content("main")

        page.goto(live_server.url + "/supervise/series/add/")
        checked(tab, width)
        page.click("button[value=preview]")  # nothing chosen: the error summary says what to do
        assert "Choose at least one day of the week." in page.text_content(".nhsuk-error-summary")
        checked(tab, width)
        page.check("#id_weekdays_1")
        page.check("#id_weekdays_3")
        page.fill("#id_starts_on", monday.isoformat())
        page.fill("#id_ends_on", (monday + datetime.timedelta(weeks=12, days=-1)).isoformat())
        page.fill("#id_skip_dates", skip.strftime("%d/%m/%Y"))
        page.click("button[value=preview]")
        assert "Preview: 23 dates to publish" in page.text_content("main")
        checked(tab, width)
        assert not Session.objects.exists()

        page.click("button[value=confirm]")
        assert "23 sessions published." in page.text_content("main")
        checked(tab, width)

        page.goto(live_server.url + "/?weeks=14")
        assert page.locator(".nhsuk-card", has_text="Chaplaincy quiet room").count() == 23
        checked(tab, width)
    finally:
        tab.close()
