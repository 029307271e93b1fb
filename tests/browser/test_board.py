"""The board summary and the evaluation report printed by Chromium, with the demo data.

Pages are counted from the PDF, as the poster's test does. How full each page is, is measured by
rendering the PDF (pdfium) and finding the lowest row of each page that is not white.
"""
import datetime
import re

import pytest
from django.utils import timezone

from sessions_app.dates import add_months, month_start, week_of
from sessions_app.models import Feedback, Site, Team, User
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


def printed(tab: Page, url: str, *, axe: bool = True) -> bytes:
    tab.page.goto(url)
    if axe:
        assert tab.axe_violations() == []
    tab.page.emulate_media(media="print")
    return tab.page.pdf(format="A4", print_background=True)


def this_month() -> datetime.date:
    return month_start(timezone.localdate())


# The printing tests run on one day (the clock ticks on from it): the demo's data are dated from today, and a page
# that prints badly on one day should print badly again when the test is run to see why.
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


def test_the_board_summary_prints_on_one_a4_page(browser, live_server, manager_of_two_sites):
    """For one site, all sites and one team."""
    tab = Page(browser, javascript=False)
    try:
        sign_in(tab, live_server, manager_of_two_sites)
        for query in ["?site=hmp-northgate", "", "?site=hmp-northgate&team=primary-care"]:
            tab.page.emulate_media(media="screen")
            pdf = printed(tab, f"{live_server.url}/insights/board/{query}")
            pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
            assert pages == 1, f"the board summary {query} printed on {pages} A4 pages"
        assert tab.errors == [] and tab.outside_requests == []
    finally:
        tab.close()


SCOPES = {"one team": "site=hmp-northgate&team=primary-care", "one site": "site=hmp-northgate", "all sites": ""}
# From one month to two years: the demo has two years of sickness figures, so longer periods start at the same month.
PERIODS = (1, 2, 3, 6, 9, 12, 18, 24)
# A page exactly half full is not more than half empty. The closing block is exactly half a page, and the rendering
# rounds to pixels, so a page is measured to a millimetre (of the 267 mm A4 leaves inside its margins).
AT_LEAST_HALF = 0.5 - 1 / (A4_HEIGHT_MM - 2 * A4_MARGIN_MM)


def report_url(live_server, scope: str, months: int) -> str:
    start = add_months(this_month(), -(months - 1))
    return f"{live_server.url}/insights/report/?{SCOPES[scope]}&start={start:%Y-%m}&end={this_month():%Y-%m}"


# What the argument in static/css/insights.css rests on, measured in the page laid out for print at A4's width.
PREMISES = """() => {
  const mm = 96 / 25.4, half = 133.5, end = document.querySelector('.dropin-report-end');
  const before = end.previousElementSibling;
  // A piece moves to the next page with the space before it: that counts towards what it leaves behind.
  const height = element => (element.getBoundingClientRect().height
                              + parseFloat(getComputedStyle(element).marginTop)) / mm;
  const named = element => element.tagName + ' ' + element.textContent.slice(0, 40);
  const report = [...document.querySelectorAll('.dropin-report *')].filter(element => !end.contains(element));
  // A heading kept with what follows it makes one piece with it, where that is kept whole; else with its start.
  const chains = report.filter(element => getComputedStyle(element).breakAfter === 'avoid'
                                          && element.nextElementSibling
                                          && getComputedStyle(element.nextElementSibling).breakInside === 'avoid');
  return {
    widerThanThePage: document.documentElement.scrollWidth > window.innerWidth,
    keptWholeOverHalfAPage: report.filter(element => getComputedStyle(element).breakInside === 'avoid'
                                                     && height(element) > half).map(named),
    keptTogetherOverHalfAPage: chains.filter(element => (element.nextElementSibling.getBoundingClientRect().bottom
                                                         - element.getBoundingClientRect().top
                                                         + parseFloat(getComputedStyle(element).marginTop)) / mm
                                                        > half).map(named),
    quotesMeasured: report.filter(element => element.tagName === 'BLOCKQUOTE').length,
    endHeight: Math.round(end.getBoundingClientRect().height / mm * 10) / 10,
    // Room left above the limits' heading: lines wrap a little lower in print than on screen.
    endRoomLeft: (end.firstElementChild.getBoundingClientRect().top - end.getBoundingClientRect().top) / mm,
    endKeptWhole: getComputedStyle(end).breakInside === 'avoid',
    gapBeforeEnd: end.getBoundingClientRect().top - before.getBoundingClientRect().bottom,
    marginsBetween: [getComputedStyle(before).marginBottom, getComputedStyle(end).marginTop,
                     ...[...before.querySelectorAll('.dropin-table-scroll, table')].map(
                       element => getComputedStyle(element).marginBottom)],
  };
}"""
# A web address quoted in a comment, and a team's name, with no space to wrap at.
UNBROKEN = "https://forms.example.nhs.uk/Pages/ResponsePage.aspx?id=" + "Xk3mQ9vTzR7bLp2WsYc8" * 4


def quotes_and_long_names():
    """Six approved comments of the longest kind, one quoting a long web address, and a team's name with no space."""
    northgate = Site.objects.get(slug="hmp-northgate")
    monday = week_of(timezone.localdate())
    long_comment = ("It helped to talk it through before going back on the wing. " * 9)[:Feedback.MAX_LENGTH]
    comments = [f"The survey afterwards ({UNBROKEN}) was easy to fill in.", *[long_comment] * 5]
    Feedback.objects.bulk_create([Feedback(site=northgate, week=monday, approved=True, shown_as="nurse",
                                           comment=comment) for comment in comments])
    Team.objects.filter(slug="primary-care").update(
        name="Healthcare/Pharmacy/Dentistry/Optometry/Physiotherapy/Podiatry/Radiography/Phlebotomy")


def test_no_printed_page_of_any_report_is_more_than_half_empty(browser, live_server, manager_of_two_sites):
    """Every page, the last included, of a report for each scope and period (24 reports, one month to two years),
    with six of the longest comments and a name with no space in it; and, for each scope, the premises."""
    quotes_and_long_names()
    tab = Page(browser, javascript=False)
    try:
        sign_in(tab, live_server, manager_of_two_sites)
        emptier = {}
        for scope in SCOPES:
            assert_the_premises_hold(tab, report_url(live_server, scope, 12))
            for months in PERIODS:
                tab.page.emulate_media(media="screen")
                fills = page_fills(printed(tab, report_url(live_server, scope, months), axe=months == 12))
                assert len(fills) > 1
                if any(fill < AT_LEAST_HALF for fill in fills):
                    emptier[f"{scope}, {months} months"] = [round(fill, 3) for fill in fills]
        assert emptier == {}, f"pages filled to {emptier}"
        assert tab.errors == [] and tab.outside_requests == []
    finally:
        tab.close()


def assert_the_premises_hold(tab: Page, url: str) -> None:
    """Lay the report out for print at A4's width, and measure what static/css/insights.css's argument rests on."""
    tab.page.set_viewport_size({"width": round((210 - 2 * A4_MARGIN_MM) * 96 / 25.4), "height": 1000})
    tab.page.emulate_media(media="print")
    tab.page.goto(url)
    premises = tab.page.evaluate(PREMISES)
    tab.page.set_viewport_size({"width": tab.width, "height": 900})
    assert not premises["widerThanThePage"], url
    assert premises["quotesMeasured"] == 6
    assert premises["keptWholeOverHalfAPage"] == [] and premises["keptTogetherOverHalfAPage"] == []
    assert premises["endHeight"] == (A4_HEIGHT_MM - 2 * A4_MARGIN_MM) / 2
    assert premises["endRoomLeft"] >= 12 and premises["endKeptWhole"]
    assert premises["gapBeforeEnd"] == 0 and set(premises["marginsBetween"]) == {"0px"}
