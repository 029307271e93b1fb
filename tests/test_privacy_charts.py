"""Privacy rule 2 in the XmR charts: nothing drawn, coordinates and limits included, depends on a hidden value.

Two worlds differ only in a suppressed month's count of people seen and in a withheld month's pulse scores;
every chart on the dashboard and the report must be byte for byte the same in both.
"""
import datetime
import re

import pytest
from django.core.cache import cache

from sessions_app.dates import add_months
from sessions_app.models import Attendance, Pulse
from tests.factories import make_attendance, make_room, make_session, make_site
from tests.helpers import ENDED_MONTH, page_tables

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_the_moment")]

FIRST = add_months(ENDED_MONTH, -13)
HIDDEN = add_months(ENDED_MONTH, -4)  # its 3 people seen are “fewer than 5”; its 3 answers' mean is withheld
PERIOD = f"start={FIRST:%Y-%m}&end={ENDED_MONTH:%Y-%m}"


@pytest.fixture
def world():
    """14 months of sessions and pulse answers, shown but for one month; drop-ins started in the second."""
    site = make_site(service_started_on=add_months(FIRST, 1) + datetime.timedelta(days=9))
    room = make_room(site)
    for n in range(14):
        month = add_months(FIRST, n)
        starts_at = datetime.datetime.combine(month.replace(day=10), datetime.time(11, 30), tzinfo=site.zone)
        session = make_session(site=site, room=room, starts_at=starts_at,
                               ends_at=starts_at + datetime.timedelta(hours=2))
        make_attendance(session, seen=3 if month == HIDDEN else 6 + n % 4, not_seen=0 if month == HIDDEN else 5 + n % 3)
        monday = month + datetime.timedelta(days=(7 - month.weekday()) % 7)
        scores = [1, 1, 2] if month == HIDDEN else [2 + n % 3] * 5 + [3] * (n % 2)
        Pulse.objects.bulk_create(Pulse(site=site, week=monday, score=score) for score in scores)
    return site


def charts(client, path: str) -> list[str]:
    cache.clear()  # the same figures are built again from the changed rows
    return re.findall(r"<svg class=\"dropin-chart.*?</svg>|<p class=\"dropin-chart-words\">.*?</p>",
                      client.get(path).content.decode(), flags=re.S)


def test_a_suppressed_count_and_a_withheld_mean_leave_every_chart_unchanged(client, manager, world):
    client.force_login(manager)
    paths = [f"/insights/?site={world.slug}&{PERIOD}", f"/insights/report/?site={world.slug}&{PERIOD}"]
    row = page_tables(client.get(paths[0]))
    assert row[f"People seen: {HIDDEN:%B %Y}"][:2] == ["fewer than 5", "0"]
    assert row[f"Pulse answers: {HIDDEN:%B %Y}"][:2] == ["fewer than 5", "not shown"]
    before = [charts(client, path) for path in paths]
    assert len(before[0]) == 2 * 5 + 2  # five XmR charts with their words, and two other charts
    Attendance.objects.filter(session__starts_at__date__gte=HIDDEN,
                              session__starts_at__date__lt=add_months(HIDDEN, 1)).update(seen=4)
    Pulse.objects.filter(week__month=HIDDEN.month, week__year=HIDDEN.year).update(score=5)
    assert [charts(client, path) for path in paths] == before


def test_the_suppressed_month_is_a_gap_and_the_limits_come_from_the_months_shown(client, manager, world):
    client.force_login(manager)
    html = client.get(f"/insights/?site={world.slug}&{PERIOD}").content.decode()
    seen = re.search(r"<svg class=\"dropin-chart dropin-xmr\"[^>]*><title>People seen</title>.*?</svg>", html,
                     flags=re.S)
    assert seen.group().count("<polyline") == 2  # broken at the hidden month
    marks = re.findall(r"<(?:circle|rect|polygon) ", seen.group())
    assert len(marks) == 12 + 3  # 12 months shown since the start, and the key's three marks
    assert seen.group().count('stroke-dasharray="6 4"') == 2 + 1  # the 12 have limits of their own; the key


SPLIT = add_months(ENDED_MONTH, -2)  # its 1 answer of 1 makes the low band small, so no band shows


@pytest.fixture
def bands_world():
    """14 months of 15 answers, a third in each band; in one month a low band of 1 holds the bands back."""
    site = make_site(service_started_on=add_months(FIRST, 1) + datetime.timedelta(days=9))
    for n in range(14):
        month = add_months(FIRST, n)
        monday = month + datetime.timedelta(days=(7 - month.weekday()) % 7)
        scores = [1] + [3] * 9 + [4] * 5 if month == SPLIT else [1] * 5 + [3] * 5 + [5] * 5
        Pulse.objects.bulk_create(Pulse(site=site, week=monday, score=score) for score in scores)
    return site


def test_a_suppressed_bands_count_leaves_the_charts_and_the_table_unchanged(client, manager, bands_world):
    client.force_login(manager)
    paths = [f"/insights/?site={bands_world.slug}&{PERIOD}", f"/insights/report/?site={bands_world.slug}&{PERIOD}"]
    assert page_tables(client.get(paths[0]))[f"Pulse answers: {SPLIT:%B %Y}"] == ["15", "3.20", "not shown"]
    before = [(charts(client, path), page_tables(client.get(path))) for path in paths]
    assert len(before[0][0]) == 2 * 5 + 2  # the bands' chart is drawn
    # Two answers of 3 become a 1 and a 5: the low band has 2, not 1, with the same answers and mean.
    threes = Pulse.objects.filter(week__month=SPLIT.month, week__year=SPLIT.year, score=3).order_by("pk")
    Pulse.objects.filter(pk=threes[0].pk).update(score=1)
    Pulse.objects.filter(pk=threes[1].pk).update(score=5)
    assert [(charts(client, path), page_tables(client.get(path))) for path in paths] == before
