import datetime

import pytest
from django.utils import timezone

from tests.browser.conftest import Page, sign_in
from tests.factories import make_room, make_session, make_site, make_supervisor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript on", "javascript off"])
def test_supervisor_signs_in_and_tallies_a_session_on_a_phone(browser, live_server, javascript):
    site = make_site()
    supervisor = make_supervisor(site, username="sam")
    session = make_session(site=site, room=make_room(site), supervisor=supervisor,
                           starts_at=timezone.now() - datetime.timedelta(minutes=5))
    tab = Page(browser, javascript=javascript, width=390)
    try:
        page = tab.page
        sign_in(tab, live_server, supervisor)
        page.goto(f"{live_server.url}/supervise/sessions/{session.pk}/")
        for action in ["arrived", "arrived", "started", "finished", "left", "arrived", "undo"]:
            # One press at a time: wait for its answer, or a quick second press can overtake it.
            with page.expect_response(lambda response: response.url.endswith("/tally/")):
                page.click(f"button[value={action}]")
            page.wait_for_load_state("networkidle")
        # A function, not an expression: Playwright polls an expression with eval, which the CSP refuses.
        page.wait_for_function("() => document.querySelector('[data-count=waiting]').textContent.trim() === '0'")
        assert page.text_content("[data-count=seen]").strip() == "1"
        assert page.text_content("[data-count=not_seen]").strip() == "1"
        assert tab.axe_violations() == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert tab.errors == [] and tab.outside_requests == []
    finally:
        tab.close()
    session.refresh_from_db()
    assert (session.waiting, session.in_session) == (0, 0)
    assert list(session.attendance.values_list("staff_group", "seen", "not_seen")) == [("", 1, 1)]
