"""A real Chromium, driven by Playwright, with no browser download and no network.

Debian's chromium at /usr/bin/chromium is used (.ci/run installs it). Where it is missing
these tests are skipped with the reason, never passed silently.
"""
import os
import time
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
        self.context = browser.new_context(java_script_enabled=javascript, locale="en-GB",
                                          viewport={"width": width, "height": 900})
        self.checker = None  # a JavaScript-on tab for axe, made when a JavaScript-off page is first checked
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
        if self.checker is None:
            self.checker = self.browser.new_context(viewport={"width": self.width, "height": 900}, locale="en-GB")
            self.checker.route("**/*", lambda route: route.abort() if route.request.resource_type == "script"
                               or urlparse(route.request.url).hostname not in LOCAL_HOSTS else route.continue_())
            self.checker.new_page()
        copy = self.checker.pages[0]
        html = self.page.content().replace("<head>", f'<head><base href="{self.page.url}">', 1)
        copy.set_content(html, wait_until="load")
        return self._axe(copy)

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
        if self.checker is not None:
            self.checker.close()


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


SCREENSHOTS = Path(os.environ.get("DROPIN_SCREENSHOTS", Path(__file__).parents[2] / "test-artifacts" / "screenshots"))
MAX_TABS = 400


class Journey(Page):
    """A person's way through the app, by keyboard alone, checking every page they reach.

    Every page the tab lands on must pass `check` before the journey goes on (`finish` says which did
    not): no axe WCAG 2.2 AA violation, no sideways scrolling, no script error, nothing off this machine,
    no template source printed on the page.
    Key pages are photographed into test-artifacts/screenshots/ (git ignores it) to be looked at.
    """

    def __init__(self, browser, *, name: str, javascript: bool, width: int):
        super().__init__(browser, javascript=javascript, width=width)
        self.folder = SCREENSHOTS / name / f"{width}px-javascript-{'on' if javascript else 'off'}"
        self.shots = 0
        self.unchecked: list[str] = []
        self.page.set_default_timeout(15_000)
        self.page.on("framenavigated", self._navigated)

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame and frame.url not in self.unchecked:
            self.unchecked.append(frame.url)

    def go(self, live_server, path: str) -> None:
        """Open a page by its address, as a bookmark or a link in an email would."""
        response = self.page.goto(live_server.url + path)
        assert response.status == 200, f"{path} answered {response.status}"

    def check(self, screenshot: str = "") -> None:
        page = self.page
        page.wait_for_load_state("load")
        where = page.url
        assert self.axe_violations() == [], where
        assert page.evaluate("document.documentElement.scrollWidth") <= self.width, f"sideways scrolling at {where}"
        assert self.errors == [], where
        assert self.outside_requests == [], where
        text = page.locator("body").inner_text()
        assert not any(mark in text for mark in ("{#", "{%", "{{")), f"template source shows on {where}"
        if screenshot:
            self.shots += 1
            page.screenshot(path=self.folder / f"{self.shots:02d}-{screenshot}.png", full_page=True)
        self.unchecked = [url for url in self.unchecked if url != where]

    def finish(self) -> None:
        assert self.unchecked == [], f"pages reached but never checked: {self.unchecked}"

    # The keyboard: Tab to a control, then the key a person would press on it.

    def tab_to(self, target) -> None:
        """Press Tab until the target has focus; fail if it cannot be reached that way."""
        target = self._locator(target)
        target.wait_for(state="attached")
        element = target.element_handle()
        for _ in range(MAX_TABS):
            self.page.keyboard.press("Tab")
            if self.page.evaluate("element => document.activeElement === element", element):
                return
        raise AssertionError(f"{target} cannot be reached with the Tab key on {self.page.url}")

    def press(self, target, key: str = "Enter", *, navigates: bool = True) -> None:
        """Activate a link or button from the keyboard and wait for the page it leads to, if any."""
        self.tab_to(target)
        if not navigates:
            self.page.keyboard.press(key)
            return
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        self.page.wait_for_load_state("load")

    def type(self, target, text: str) -> None:
        """Replace what a text box, text area or date field holds, by typing."""
        self.tab_to(target)
        field = self._locator(target)
        if field.get_attribute("type") == "date":
            # Given as 2026-11-30. Headless Chromium lays date fields out month first, whatever the locale.
            year, month, day = text.split("-")
            self.page.keyboard.type(month + day + year)
            assert field.input_value() == text, f"typed {text} into {target}, which holds {field.input_value()}"
        else:
            self.page.keyboard.press("Control+a")
            self.page.keyboard.type(text)

    def tick(self, target) -> None:
        """Tick (or untick) a checkbox, or choose a radio, with the space bar."""
        self.tab_to(target)
        self.page.keyboard.press("Space")

    def choose(self, target) -> None:
        """Choose a radio: Tab into its group, then arrow keys, as a keyboard user does."""
        radio = self._locator(target)
        group = self.page.locator(f"input[type=radio][name='{radio.get_attribute('name')}']")
        checked = group.evaluate_all("radios => radios.findIndex(radio => radio.checked)")
        self.tab_to(group.nth(max(checked, 0)))
        for _ in range(group.count() + 1):
            if radio.is_checked():
                return
            focused = radio.evaluate("radio => document.activeElement === radio")
            self.page.keyboard.press("Space" if focused else "ArrowDown")
        raise AssertionError(f"{target} cannot be chosen with the arrow keys")

    def choose_option(self, target, label: str) -> None:
        """Move a select to the option with this label using the arrow keys."""
        select = self._locator(target)
        labels = [text.strip() for text in select.locator("option").all_inner_texts()]
        wanted = labels.index(label)
        self.tab_to(select)
        current = select.evaluate("select => select.selectedIndex")
        for _ in range(abs(wanted - current)):
            self.page.keyboard.press("ArrowDown" if wanted > current else "ArrowUp")
        assert select.evaluate("select => select.selectedIndex") == wanted

    def upload(self, target, path) -> None:
        """Open a file input's chooser from the keyboard and give it a file."""
        with self.page.expect_file_chooser() as chooser:
            self.tab_to(target)
            self.page.keyboard.press("Space")
        chooser.value.set_files(str(path))

    def assert_error_summary_has_focus(self, *messages: str) -> None:
        summary = self.page.locator(".nhsuk-error-summary")
        # The browser moves focus to an autofocus element at its next rendering step after the page
        # loads, or the NHS.UK script does once it runs: a moment later on a busy machine.
        for _ in range(100):
            if self.page.evaluate("() => document.activeElement.classList.contains('nhsuk-error-summary')"):
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"the error summary did not take focus on {self.page.url}")
        assert summary.get_attribute("role") == "alert" or summary.locator("[role=alert]").count() == 1
        for message in messages:
            assert message in summary.inner_text(), message

    def _locator(self, target):
        return self.page.locator(target) if isinstance(target, str) else target


def nav(you: Journey, name: str) -> None:
    """Follow a link in the header's menu, opening "More" first where the phone's width folds it away."""
    link = you.page.locator(".nhsuk-header__navigation-list a", has_text=name).first
    if not link.is_visible():
        you.press("#toggle-menu", navigates=False)
    you.press(link)


@pytest.fixture
def journey(browser):
    journeys = []

    def start(name: str, *, javascript: bool, width: int) -> Journey:
        journeys.append(Journey(browser, name=name, javascript=javascript, width=width))
        return journeys[-1]

    yield start
    for each in journeys:
        each.close()
