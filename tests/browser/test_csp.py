"""The pages work in a real Chromium under the real Content-Security-Policy and Permissions-Policy.

Chromium reports every refused script, style or connection to the console and as a
securitypolicyviolation event: either fails these tests, as does a page whose JavaScript did not run.
"""
import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions_app.middleware import TURNED_OFF
from sessions_app.models import Session, Site, User
from sessions_app.services.demo import demo_seed
from tests.browser.conftest import Page, sign_in
from tests.factories import make_room, make_session, make_supervisor, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Added to every document before the page's own scripts; Playwright adds it outside the page's CSP.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(`${event.violatedDirective} refused ${event.blockedURI || "inline"} `
                         + `at ${event.sourceFile}:${event.lineNumber}`);
});
"""
POLICY_MESSAGES = ("Content Security Policy", "Content-Security-Policy", "Permissions-Policy", "Permissions policy")


class PolicedPage(Page):
    """A tab that records every policy violation and policy error, across navigations."""

    def __init__(self, browser, **options):
        super().__init__(browser, **options)
        self.violations: list[str] = []
        self.page.set_default_timeout(10_000)
        self.page.on("console", self._console)
        self.page.expose_binding("reportViolation", lambda source, text: self.violations.append(text))
        self.page.add_init_script(REPORT_VIOLATIONS)

    def _console(self, message):
        if any(words in message.text for words in POLICY_MESSAGES):
            self.violations.append(f"console {message.type}: {message.text}")

    def visit(self, live_server, path: str):
        response = self.page.goto(live_server.url + path)
        assert response.status == 200, path
        self.page.wait_for_load_state("networkidle")
        return response

    def assert_clean(self, where: str) -> None:
        self.page.wait_for_load_state("networkidle")
        assert self.violations == [], where
        assert self.errors == [] and self.outside_requests == [], where
        # The NHS.UK frontend's JavaScript ran: the page is enhanced, not just readable.
        assert "nhsuk-frontend-supported" in self.page.evaluate("document.body.className"), where


@pytest.fixture
def police(browser):
    tabs = []

    def open_tab(**options):
        tabs.append(PolicedPage(browser, **options))
        return tabs[-1]

    yield open_tab
    for tab in tabs:
        tab.close()


@pytest.fixture
def now_running():
    """Return the demo site and a session that started five minutes ago, run by a supervisor who can sign in."""
    demo_seed()
    site = Site.objects.first()
    supervisor = make_supervisor(site, username="sam")
    # The demo's own Tuesday and Thursday lunchtime sessions would be the one on now at those times.
    site.sessions.filter(starts_at__lte=timezone.now(), ends_at__gt=timezone.now()).delete()
    session = make_session(site=site, room=make_room(site, name="Quiet room"), supervisor=supervisor,
                           starts_at=timezone.now() - datetime.timedelta(minutes=5))
    return site, session


def test_staff_pages_run_under_the_policy(police, live_server, now_running):
    site, session = now_running
    tab = police()
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = tab.page
    tab.visit(live_server, "/")
    # The copy button shows and copies: JavaScript ran and the Permissions-Policy leaves the clipboard alone.
    page.click("[data-copy=feed-address]")
    # The button says so once the clipboard's promise has settled: wait for it rather than read at once.
    expect(page.locator("[data-copy=feed-address]")).to_have_text("Copied")
    tab.assert_clean("upcoming")
    # Chromium knows every feature the Permissions-Policy names, and has turned each one off.
    known, allowed = page.evaluate("[document.featurePolicy.features(), document.featurePolicy.allowedFeatures()]")
    assert set(TURNED_OFF) <= set(known) and not set(TURNED_OFF) & set(allowed)
    tab.visit(live_server, f"/sessions/{session.pk}/")
    tab.assert_clean("session page")
    tab.visit(live_server, f"/poster/{site.slug}/")
    assert page.locator(".dropin-poster__qr img").evaluate("img => img.naturalWidth") > 0
    tab.assert_clean("poster")
    tab.visit(live_server, f"/pulse/{site.slug}/")
    tab.assert_clean("pulse")
    page.check("input[name=score][value='4']")
    page.click("form button[type=submit] >> nth=-1")  # form-action 'self' lets the answer go, and its redirect
    assert page.get_by_role("heading", level=1).first.text_content().strip().lower().startswith("thank")
    tab.assert_clean("pulse answered")


def test_the_supervisors_tally_counts_without_reloading_under_the_policy(police, live_server, now_running):
    site, session = now_running
    tab = police(width=390)
    page = tab.page
    sign_in(tab, live_server, session.supervisor)
    tab.visit(live_server, "/supervise/")
    page.click("button[value=arrived]")
    # The count changes by fetch (connect-src 'self'), with no page load.
    expect(page.locator("[data-count=waiting]")).to_have_text("1")
    tab.assert_clean("workspace home with the tally")
    session.refresh_from_db()
    assert session.waiting == 1


def test_the_managers_insights_run_under_the_policy(police, live_server, now_running):
    tab = police()
    sign_in(tab, live_server, User.objects.get(username="manager"))
    tab.visit(live_server, "/insights/")
    assert tab.page.locator("svg.dropin-chart").count() == 7
    tab.assert_clean("insights")
    tab.visit(live_server, "/insights/report/")
    tab.assert_clean("evaluation report")
    # The email preview (the email's own styles stay in the email) and the NHS.UK tabs around it.
    tab.visit(live_server, "/supervise/announce/")
    tab.page.click("a.nhsuk-tabs__tab[href='#as-text']")
    assert tab.page.locator("#as-text").is_visible() and not tab.page.locator("#as-html").is_visible()
    tab.assert_clean("announcement preview")


def test_the_admin_runs_under_the_same_policy(police, live_server, now_running):
    site, session = now_running
    admin = make_user(username="root", is_staff=True, is_superuser=True)
    admin.set_password("a long enough password 1")
    admin.save()
    tab = police()
    page = tab.page
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "a long enough password 1")
    page.click("input[type=submit]")
    for path in ["/admin/", "/admin/sessions_app/session/", f"/admin/sessions_app/session/{session.pk}/change/",
                 f"/admin/sessions_app/site/{site.pk}/change/", "/admin/sessions_app/room/add/"]:
        tab.visit(live_server, path)
        assert tab.violations == [] and tab.errors == [] and tab.outside_requests == [], path
    # Its JavaScript works: the date picker opens, and a new inline row for a team can be added.
    tab.visit(live_server, "/admin/sessions_app/session/add/")
    page.click("#calendarlink0")
    assert page.locator("#calendarbox0").is_visible()
    tab.visit(live_server, "/admin/sessions_app/site/add/")
    before = page.locator(".dynamic-teams").count()
    page.click(".add-row a")
    assert page.locator(".dynamic-teams").count() == before + 1
    assert tab.violations == [] and tab.errors == [] and tab.outside_requests == [], "admin scripts"
    assert Session.objects.filter(pk=session.pk).exists()
