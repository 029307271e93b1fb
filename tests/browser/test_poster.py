"""The poster printed by Chromium: exactly one A4 page, and a QR code that decodes to the site's page."""
import datetime
import io
import re

import pytest
from django.utils import timezone

from tests.browser.conftest import Page
from tests.factories import make_contract, make_room, make_session, make_site, make_supervisor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


LONG_DIRECTIONS = ("Through the main gate and the staff search area, then along the healthcare corridor past the "
                   "pharmacy hatch and the treatment room; it is the second door on the left after the fire doors. "
                   "Ask at the healthcare desk if the door is locked, or ring extension 4412.")

LONG_SUPERVISOR_WORDS = "a senior nurse or an experienced mental health practitioner from the in-reach team"
LONG_TIME_WORDS = ("over lunch, when prisoners are locked up for the midday roll check and the wings are quiet, so "
                   "staff from every department can step away for a while")


def busy_site(rooms=2, directions="Healthcare corridor, second door on the left after the pharmacy hatch."):
    # The site's words near their longest: the poster says them in its opening paragraph.
    site = make_site(name="HMP Northgate", slug="hmp-northgate", supervisor_described=LONG_SUPERVISOR_WORDS,
                     time_described=LONG_TIME_WORDS)
    supervisor = make_supervisor(site)
    rooms = [make_room(site, name=f"Room {n + 1}", directions=directions) for n in range(rooms)]
    make_contract(version=1)
    today = timezone.localdate()
    for n in range(20):  # more than fit: the poster shows as many as fit on the page
        day = today + datetime.timedelta(days=1 + n)
        make_session(site=site, room=rooms[n % len(rooms)], supervisor=supervisor,
                     starts_at=datetime.datetime.combine(day, datetime.time(11, 30), tzinfo=site.zone))
    return site


@pytest.mark.parametrize("rooms, directions", [(2, "Past the chapel, first left."), (4, LONG_DIRECTIONS)],
                         ids=["two rooms", "four rooms, long directions"])
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript on", "javascript off"])
def test_the_poster_prints_on_one_a4_page(browser, live_server, javascript, rooms, directions):
    site = busy_site(rooms, directions)
    tab = Page(browser, javascript=javascript)
    try:
        tab.page.goto(f"{live_server.url}/poster/{site.slug}/")
        assert tab.axe_violations() == []
        tab.page.emulate_media(media="print")
        pdf = tab.page.pdf(format="A4", print_background=True)
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert pages == 1, f"the poster printed on {pages} A4 pages"
        assert tab.errors == [] and tab.outside_requests == []
    finally:
        tab.close()


def test_the_qr_code_decodes_to_the_sites_page(browser, live_server):
    import zxingcpp
    from PIL import Image

    site = busy_site()
    tab = Page(browser)
    try:
        tab.page.goto(f"{live_server.url}/poster/{site.slug}/")
        png = tab.page.locator(".dropin-poster__qr img").screenshot()
        [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
        assert code.text == f"{live_server.url}/?site={site.slug}"
    finally:
        tab.close()
