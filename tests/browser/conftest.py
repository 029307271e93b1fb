"""A real Chromium, driven by Playwright, with no browser download and no network.

Debian's chromium at /usr/bin/chromium is used (.ci/run installs it). Where it is missing
these tests are skipped with the reason, never passed silently.
"""
import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path(os.environ.get("DROPIN_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).parent / "vendor" / "axe-core-4.11.4" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium); .ci/run does"
        if os.environ.get("DROPIN_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls in the tests
    # are still synchronous and safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launch(sync_playwright)
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def _launch(sync_playwright):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


class Page:
    """A browser tab that refuses and records any request leaving this machine."""

    def __init__(self, browser, *, javascript=True, width=1280):
        self.browser, self.javascript, self.width = browser, javascript, width
        self.context = browser.new_context(java_script_enabled=javascript, viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.outside_requests: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._only_local)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _only_local(self, route):
        url = route.request.url
        if urlparse(url).hostname in LOCAL_HOSTS or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.outside_requests.append(url)
            route.abort()

    def axe_violations(self) -> list[str]:
        """Run axe-core's WCAG 2.2 A and AA rules; return one line per violation and element."""
        if self.javascript:
            return self._axe(self.page)
        # axe needs JavaScript: check a copy of this JavaScript-off page in a tab that blocks the app's scripts.
        checker = self.browser.new_context(viewport={"width": self.width, "height": 900})
        try:
            copy = checker.new_page()
            copy.route("**/*", lambda route: route.abort() if route.request.resource_type == "script"
                       or urlparse(route.request.url).hostname not in LOCAL_HOSTS else route.continue_())
            html = self.page.content().replace("<head>", f'<head><base href="{self.page.url}">', 1)
            copy.set_content(html, wait_until="load")
            return self._axe(copy)
        finally:
            checker.close()

    @staticmethod
    def _axe(page) -> list[str]:
        # Evaluated, not added as a <script>: the app's Content-Security-Policy refuses inline scripts.
        page.evaluate(AXE.read_text(encoding="utf-8"))
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_AA)
        return [
            f"{violation['id']}: {node['target']}"
            for violation in result["violations"] for node in violation["nodes"]
        ]

    def close(self):
        self.context.close()


def sign_in(tab: Page, live_server, user, password="a long enough password 1") -> None:
    """Give the user a password and sign in through the sign-in page."""
    user.set_password(password)
    user.save()
    tab.page.goto(live_server.url + "/sign-in/")
    tab.page.fill("#id_username", user.username)
    tab.page.fill("#id_password", password)
    tab.page.click("button[type=submit]")


@pytest.fixture
def tab(browser):
    tab = Page(browser)
    yield tab
    tab.close()
