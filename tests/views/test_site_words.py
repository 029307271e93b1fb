"""Who runs sessions and when, in each site's own words: the poster, the email, the report and the drop-in page."""
import datetime
import html
import re

import pytest
from django.utils import timezone

from sessions_app.models import Site
from sessions_app.services.announcements import announcement_build
from sessions_app.services.demo import demo_seed
from tests.factories import make_manager, make_room, make_site
from tests.helpers import text

pytestmark = pytest.mark.django_db
PRISON_WORDS = ("senior nurse", "locked up", "over lunch")


@pytest.fixture
def probation(db):
    site = make_site(name="Westbury Probation", slug="westbury-probation", supervisor_described="a psychologist",
                     time_described="after the morning briefing")
    make_room(site)
    return site


def said(words: str) -> str:
    """Return an email's words as read: tags gone, white space folded."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", words)))


def report(client, site: Site | None = None) -> str:
    return text(client.get("/insights/report/" + (f"?site={site.slug}" if site else "")))


def test_the_poster_says_who_runs_sessions_and_when_in_the_sites_words(client, probation):
    page = text(client.get(f"/poster/{probation.slug}/"))
    assert ("with a psychologist, for anyone working at Westbury Probation. Sessions run after the morning briefing. "
            "Come any time during a session.") in page
    assert not any(words in page for words in PRISON_WORDS)


def test_the_report_says_who_runs_sessions_and_when_in_the_sites_words(client, probation):
    client.force_login(make_manager(probation))
    page = report(client, probation)
    assert "a psychologist runs sessions after the morning briefing, in a private and comfortable room" in page
    assert not any(words in page for words in PRISON_WORDS)


def test_the_email_says_who_runs_sessions_and_when_in_the_sites_words(probation):
    today = timezone.localdate()
    email = announcement_build(site=probation, starts_on=today, ends_on=today + datetime.timedelta(weeks=4),
                               base_url="https://drop-in.example")
    for part in (email.text, said(email.html)):
        assert "with a psychologist. Sessions run after the morning briefing. Come any time" in part
        assert not any(words in part for words in PRISON_WORDS)


def test_the_drop_in_page_says_who_runs_sessions_in_the_sites_words(client, probation):
    page = text(client.get(f"/?site={probation.slug}"))
    assert "talk about work with a psychologist. Sessions run after the morning briefing." in page
    assert not any(words in page for words in PRISON_WORDS)


def test_a_site_that_says_nothing_about_when_leaves_it_out(client, site, manager):
    assert site.time_described == ""
    poster = text(client.get(f"/poster/{site.slug}/"))
    assert "with a senior nurse, for anyone working at HMP Northgate. Come any time during a session." in poster
    assert "Sessions run" not in poster
    client.force_login(manager)
    assert "a senior nurse runs sessions in a private and comfortable room" in report(client, site)


def test_a_report_on_several_sites_gives_each_its_own_words(client, site, probation):
    client.force_login(make_manager())
    page = report(client)
    assert "At each site a supervisor runs the sessions: at HMP Northgate, a senior nurse runs sessions; " \
           "at Westbury Probation, a psychologist runs sessions after the morning briefing." in page
    assert "locked up" not in page


def test_the_demo_site_reads_as_it_always_did(client):
    demo_seed()
    site = Site.objects.get(slug="hmp-northgate")
    assert "with a senior nurse, for anyone working at HMP Northgate. Sessions run over lunch, when prisoners are " \
           "locked up and work is quieter." in text(client.get(f"/poster/{site.slug}/"))
    client.force_login(make_manager(site))
    assert ("a senior nurse runs sessions over lunch, when prisoners are locked up and work is quieter, in a private "
            "and comfortable room that is not a working office") in report(client, site)


def site_form(site: Site, **changes) -> dict:
    return {"name": site.name, "slug": site.slug, "time_zone": site.time_zone, "bank_holidays": site.bank_holidays,
            "lunch_starts_at": "12:00", "lunch_ends_at": "13:00", "minutes_per_person": "15",
            "announcement_addresses": "", "service_name": "", "supervisor_described": site.supervisor_described,
            "time_described": site.time_described, **changes}


def test_a_manager_sets_the_words_as_they_read_inside_a_sentence(client, site, manager):
    client.force_login(manager)
    response = client.post(f"/manage/sites/{site.slug}/", site_form(
        site, supervisor_described=" A psychologist. ", time_described="After the morning briefing."))
    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.supervisor_described, site.time_described) == ("a psychologist", "after the morning briefing")
    assert "with a psychologist, for anyone working at HMP Northgate. Sessions run after the morning briefing." in \
        text(client.get(f"/poster/{site.slug}/"))


def test_who_runs_sessions_cannot_be_left_empty(client, site, manager):
    client.force_login(manager)
    response = client.post(f"/manage/sites/{site.slug}/", site_form(site, supervisor_described="."))
    assert response.status_code == 200
    assert "Enter who runs sessions here, for example “a senior nurse”." in text(response)
    site.refresh_from_db()
    assert site.supervisor_described == "a senior nurse"


def test_the_site_form_explains_both_words(client, site, manager):
    client.force_login(manager)
    page = text(client.get(f"/manage/sites/{site.slug}/"))
    assert "Who runs sessions here, in a few words" in page and "When sessions run and why" in page
    assert "Leave empty to say nothing about when." in page
