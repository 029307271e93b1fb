import pytest

from sessions_app.services.demo import demo_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upcoming_page_in_chromium_has_no_wcag_22_aa_violations(tab, live_server):
    demo_seed()
    response = tab.page.goto(live_server.url + "/")
    assert response.status == 200
    assert tab.page.get_by_text("No appointment needed. Just drop in.").first.is_visible()
    assert tab.axe_violations() == []
    assert tab.errors == []
    assert tab.outside_requests == []
    assert "nhsuk-frontend-supported" in tab.page.evaluate("document.body.className")
