"""The board summary and the evaluation report printed by Chromium, with the demo data.

Pages are counted from the PDF, as the poster's test does. How full each page is, is measured by
rendering the PDF (pdfium) and finding the lowest row of each page that is not white.
"""
import datetime
import re

import pytest
from django.utils import timezone

from sessions_app.dates import add_months, month_start
from sessions_app.models import User
from sessions_app.services.demo import demo_seed
from tests.browser.conftest import Page, sign_in
from tests.factories import local, make_room, make_session, make_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

A4_MARGIN_MM, A4_HEIGHT_MM = 15, 297  # static/css/insights.css: @page { size: A4; margin: 15mm }


def page_fills(pdf: bytes) -> list[float]:
    """Return, for each page, how far down its printable area the lowest ink reaches (0 empty, 1 full)."""
    import pypdfium2

    fills = []
    document = pypdfium2.PdfDocument(pdf)
    for page in document:
        image = page.render(scale=1).to_pil().convert("L")
        width, height = image.size
        margin = round(height * A4_MARGIN_MM / A4_HEIGHT_MM)
        inked = [y for y in range(height) if image.crop((0, y, width, y + 1)).getextrema()[0] < 200]
        lowest = max(inked, default=margin)
        fills.append((lowest - margin) / (height - 2 * margin))
    document.close()
    return fills


def printed(tab: Page, url: str) -> bytes:
    tab.page.goto(url)
    assert tab.axe_violations() == []
    tab.page.emulate_media(media="print")
    return tab.page.pdf(format="A4", print_background=True)


def this_month() -> datetime.date:
    return month_start(timezone.localdate())


# The day the reports' page breaks were measured on. The demo's data are dated from today, and how full the last
# page is depends on the data, so the printing tests run on this day (the clock ticks on from it).
MEASURED_ON = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture
def manager_of_two_sites():
    """The demo, and a second site with a session on the 14th of each of the 10 months before last, on MEASURED_ON."""
    import time_machine

    with time_machine.travel(MEASURED_ON, tick=True):
        yield _manager_of_two_sites()


def _manager_of_two_sites():
    demo_seed()
    other = make_site(name="HMP Southbank", slug="hmp-southbank")
    room = make_room(other)
    for n in range(2, 12):
        month = add_months(this_month(), -n)
        make_session(site=other, room=room, starts_at=local(month.year, month.month, 14))
    manager = User.objects.get(username="manager")
    manager.manages_all_sites = True
    manager.save()
    return manager


@pytest.mark.parametrize("query", ["?site=hmp-northgate", "", "?site=hmp-northgate&team=primary-care"],
                         ids=["one site", "all sites", "one team"])
def test_the_board_summary_prints_on_one_a4_page(browser, live_server, manager_of_two_sites, query):
    tab = Page(browser, javascript=False)
    try:
        sign_in(tab, live_server, manager_of_two_sites)
        pdf = printed(tab, f"{live_server.url}/insights/board/{query}")
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert pages == 1, f"the board summary printed on {pages} A4 pages"
        assert tab.errors == [] and tab.outside_requests == []
    finally:
        tab.close()


REPORTS = {
    "one site": lambda: "?site=hmp-northgate",
    "all sites": lambda: "",
    "two years": lambda: f"?site=hmp-northgate&start={add_months(this_month(), -23):%Y-%m}&end={this_month():%Y-%m}",
}


@pytest.mark.parametrize("report", REPORTS)
def test_no_printed_page_of_the_report_is_more_than_half_empty(browser, live_server, manager_of_two_sites, report):
    tab = Page(browser)
    try:
        sign_in(tab, live_server, manager_of_two_sites)
        fills = page_fills(printed(tab, f"{live_server.url}/insights/report/{REPORTS[report]()}"))
        # Every page, the last included: the print layout (static/css/insights.css) is sized for the demo's reports.
        assert len(fills) > 1
        assert [round(fill, 2) for fill in fills if fill < 0.5] == [], f"pages filled to {[round(f, 2) for f in fills]}"
        assert tab.errors == [] and tab.outside_requests == []
    finally:
        tab.close()
