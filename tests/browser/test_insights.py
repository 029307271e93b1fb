"""The manager's evidence and the staff pulse in a real Chromium: accessible, no sideways scroll, no network."""
import pytest
from django.contrib.auth.models import Group

from sessions_app.models import Pulse, User
from sessions_app.services.demo import demo_seed
from tests.browser.conftest import Page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check(tab: Page, width: int) -> None:
    assert tab.axe_violations() == [], tab.page.url
    assert tab.page.evaluate("document.documentElement.scrollWidth") <= width, tab.page.url
    assert tab.errors == [] and tab.outside_requests == []


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript on", "javascript off"])
@pytest.mark.parametrize("width", [390, 1280])
def test_a_manager_reads_the_evidence_and_imports_sickness(browser, live_server, tmp_path, javascript, width):
    demo_seed()
    manager = User.objects.get(username="manager")
    assert manager.groups.filter(name=Group.objects.get(name="Managers").name).exists()
    tab = Page(browser, javascript=javascript, width=width)
    try:
        page = tab.page
        sign_in(tab, live_server, manager)
        page.goto(f"{live_server.url}/insights/sickness/import/")
        bad = tmp_path / "sickness.csv"
        bad.write_text("team,month,fte_days_lost,fte_days_available\nNobody,2026-13,-1,0\n", encoding="utf-8")
        page.set_input_files("input[type=file]", str(bad))
        page.click("form[enctype] button[type=submit]")
        assert page.get_by_text("Unknown team “Nobody”", exact=False).first.is_visible()
        check(tab, width)
        page.goto(f"{live_server.url}/insights/")
        assert page.locator("svg.dropin-chart").count() == 6
        assert page.get_by_text("Before: 7.", exact=False).first.is_visible()
        check(tab, width)
        page.fill("#id_start", "2026-13")
        page.click("text=Show")
        assert page.locator(".nhsuk-error-summary").is_visible()
        check(tab, width)
        page.goto(f"{live_server.url}/insights/report/")
        check(tab, width)
    finally:
        tab.close()


def test_the_evaluation_report_prints_to_a4(tab, live_server):
    demo_seed()
    sign_in(tab, live_server, User.objects.get(username="manager"))
    tab.page.goto(f"{live_server.url}/insights/report/")
    pdf = tab.page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript on", "javascript off"])
def test_staff_answer_the_pulse_on_a_phone(browser, live_server, javascript):
    demo_seed()
    before = Pulse.objects.count()
    tab = Page(browser, javascript=javascript, width=390)
    try:
        page = tab.page
        page.goto(f"{live_server.url}/pulse/")
        page.click("form button[type=submit] >> nth=-1")
        assert page.locator(".nhsuk-error-summary").is_visible()
        check(tab, 390)
        page.check("input[name=score][value='4']")
        page.click("form button[type=submit] >> nth=-1")
        assert page.get_by_role("heading", level=1).first.text_content().strip().lower().startswith("thank")
        check(tab, 390)
    finally:
        tab.close()
    assert Pulse.objects.count() == before + 1
