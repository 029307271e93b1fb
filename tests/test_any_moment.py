"""The pages that depend on the clock answer at the awkward moments: midnight, month and year ends, clock changes."""
import datetime

import pytest
import time_machine
from django.test import Client

from sessions_app.models import Pulse
from tests.factories import make_manager, make_room, make_session, make_site, make_supervisor, make_team

pytestmark = pytest.mark.django_db
UTC = datetime.timezone.utc  # the site is in Europe/London

MOMENTS = [
    datetime.datetime(2026, 3, 29, 0, 30, tzinfo=UTC),   # clocks go forward at 01:00 UTC
    datetime.datetime(2026, 10, 25, 0, 59, tzinfo=UTC),  # 01:59 BST, a minute before they go back
    datetime.datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC),  # the last second of a month (a Monday)
    datetime.datetime(2026, 12, 31, 23, 30, tzinfo=UTC),  # new year's eve
    datetime.datetime(2027, 1, 1, 0, 0, 1, tzinfo=UTC),  # new year
    datetime.datetime(2027, 1, 4, 4, 59, tzinfo=UTC),    # a Monday morning, before last month settles
]


@pytest.mark.parametrize("moment", MOMENTS, ids=lambda moment: moment.isoformat())
def test_every_page_that_reads_the_clock_answers_at(moment):
    with time_machine.travel(moment, tick=False):
        site = make_site(name="HMP Northgate", slug="hmp-northgate")
        team = make_team(site, name="Healthcare")
        supervisor = make_supervisor(site)
        for hours in (-26, -1, 1, 24 * 20):
            make_session(site=site, room=make_room(site), supervisor=supervisor,
                         starts_at=moment + datetime.timedelta(hours=hours))
        Pulse.objects.create(site=site, team=team, week=datetime.date(2026, 1, 5), score=4)
        anyone, manager = Client(), Client()
        manager.force_login(make_manager())
        for path in ("/", f"/?site={site.slug}", f"/calendar/{site.slug}.ics", f"/calendar/{site.slug}/{team.slug}.ics",
                     f"/poster/{site.slug}/", f"/handover/{site.slug}/", f"/pulse/{site.slug}/"):
            assert anyone.get(path).status_code == 200, path
        answer = anyone.post(f"/pulse/{site.slug}/", {"score": "3", "team": team.slug})
        assert answer.status_code == 302
        for path in (f"/insights/?site={site.slug}", "/insights/", f"/insights/report/?site={site.slug}",
                     f"/insights/figures.csv?site={site.slug}"):
            assert manager.get(path).status_code == 200, path
