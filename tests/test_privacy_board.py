"""An insider's attack on the board summary's totals: with the dashboard's months beside them, over random worlds.

One site, three months, every period within them. A manager (who does not supervise there) reads each period's
dashboard (each month's people seen and not seen, pulse answers and mean), its board summary (the period's totals
and mean), and every session's page. Each number shown is a linear equation in the world's unknowns (each
session's counts, each month's answers per score); no suppressed count or withheld mean may be a combination
of them.
"""
import datetime
import re
from fractions import Fraction

import pytest
import time_machine
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, example, given, settings, strategies as st

from sessions_app.models import Attendance, Pulse, Session
from sessions_app.services.privacy import threshold
from tests.factories import make_manager, make_room, make_site, make_supervisor, make_team
from tests.helpers import determined, page_tables

pytestmark = pytest.mark.django_db

MONTHS = [datetime.date(2026, 9, 1), datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)]
PERIODS = [(first, last) for first in range(3) for last in range(first, 3)]
NOW = "2026-12-10 12:00 +0000"  # all three months have ended
SCORES = [1, 2, 3, 4, 5]
BOARD = "Each measure over the months covered"

month_plan = st.fixed_dictionaries({
    "sessions": st.lists(st.tuples(st.integers(0, 7), st.integers(0, 3)), max_size=3),
    "answers": st.one_of(st.lists(st.integers(1, 5), max_size=8),
                         st.builds(lambda n, score: [1] * n + [score], st.integers(4, 8), st.integers(2, 5))),
})


def build(plan: list[dict]):
    """Make the world; return its site and the true value of every unknown."""
    site = make_site()
    room, team, supervisor = make_room(site), make_team(site), make_supervisor(site)
    truth: dict = {}
    for month, month_plan_ in zip(MONTHS, plan):
        for day, (seen, not_seen) in enumerate(month_plan_["sessions"]):
            starts_at = datetime.datetime.combine(month + datetime.timedelta(days=2 + 7 * day), datetime.time(12),
                                                  tzinfo=site.zone)
            session = Session.objects.create(site=site, room=room, supervisor=supervisor, starts_at=starts_at,
                                             ends_at=starts_at + datetime.timedelta(hours=1))
            Attendance.objects.create(session=session, seen=seen, not_seen=not_seen)
            truth[("seen", month, session.pk)], truth[("not_seen", month, session.pk)] = seen, not_seen
        monday = month + datetime.timedelta(days=(7 - month.weekday()) % 7)
        Pulse.objects.bulk_create(Pulse(site=site, team=team, week=monday, score=s) for s in month_plan_["answers"])
        for score in SCORES:
            truth[("pulse", month, score)] = month_plan_["answers"].count(score)
    return site, truth


def number(text: str):
    return Fraction(text) if re.fullmatch(r"\d+(\.\d+)?", text.strip()) else None


def keys(truth, measure: str, months) -> list:
    return [key for key in truth if key[0] == measure and key[1] in months]


class Reader:
    def __init__(self, truth):
        self.truth, self.equations = truth, []

    def add(self, coefficients: dict, value) -> None:
        if value is None:
            return
        assert sum(c * self.truth[k] for k, c in coefficients.items()) == value, (coefficients, value)
        self.equations.append(coefficients)
        if value == 0:
            self.equations.extend({key: 1} for key in coefficients if coefficients[key] > 0)  # never negative

    def people(self, months, seen, not_seen) -> None:
        self.add({k: 1 for k in keys(self.truth, "seen", months)}, seen)
        self.add({k: 1 for k in keys(self.truth, "not_seen", months)}, not_seen)

    def pulse(self, months, answers, mean) -> None:
        cells = keys(self.truth, "pulse", months)
        self.add({k: 1 for k in cells}, answers)
        if answers is not None and mean is not None:
            self.add({k: k[2] for k in cells}, round(mean * answers))  # the mean is shown to 2 decimals


def read_everything(manager, site, truth) -> Reader:
    client = Client()
    client.force_login(manager)
    reader = Reader(truth)
    for first, last in PERIODS:
        months = MONTHS[first:last + 1]
        query = f"?site={site.slug}&start={months[0]:%Y-%m}&end={months[-1]:%Y-%m}"
        dashboard = page_tables(client.get(f"/insights/{query}"))
        for month in months:
            seen, not_seen, _ = dashboard[f"People seen: {month:%B %Y}"]
            reader.people([month], number(seen), number(not_seen))
            answers, mean, *_ = dashboard[f"Pulse answers: {month:%B %Y}"]
            reader.pulse([month], number(answers), number(mean))
        board = {key.removeprefix(f"{BOARD}: "): cells[0]
                 for key, cells in page_tables(client.get(f"/insights/board/{query}")).items() if key.startswith(BOARD)}
        reader.people(months, number(board["People supported (seen)"]),
                      number(board["People not seen (came but could not be seen)"]))
        pulse = board["Pulse answers and mean score (1 to 5)"]
        answers, mean = re.fullmatch(r"Answers: (.+)\. Mean: (.+)\.", pulse).groups()
        reader.pulse(months, number(answers), number(mean))
    for key in keys(truth, "seen", MONTHS):
        html = client.get(f"/supervise/sessions/{key[2]}/").content.decode()
        page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
        seen, not_seen = re.search(r"Seen: (.+?)\. Not seen: (.+?)\.", page).groups()
        reader.add({key: 1}, number(seen))
        reader.add({("not_seen", *key[1:]): 1}, number(not_seen))
    return reader


def protected(truth) -> list[tuple[str, dict]]:
    """Small counts of people and answers (a session's, a month's, a period's), and the score sums of withheld means."""
    least, targets = threshold(), []
    for measure in ("seen", "not_seen"):
        targets += [(f"{measure} of session {key[2]}", {key: 1}) for key in keys(truth, measure, MONTHS)
                    if 0 < truth[key] < least]
    for first, last in PERIODS:
        months = MONTHS[first:last + 1]
        name = f"{months[0]:%b} to {months[-1]:%b}"
        for measure in ("seen", "not_seen", "pulse"):
            cells = keys(truth, measure, months)
            if 0 < sum(truth[k] for k in cells) < least:
                targets.append((f"{measure} {name}", {k: 1 for k in cells}))
        cells = keys(truth, "pulse", months)
        count, score_sum = sum(truth[k] for k in cells), sum(truth[k] * k[2] for k in cells)
        if count and (count < least or any(0 < gap < least for gap in (score_sum - count, 5 * count - score_sum))):
            targets.append((f"mean {name}", {k: k[2] for k in cells}))
    return targets


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(plan=st.lists(month_plan, min_size=3, max_size=3))
# A month of one small session beside a big one, between shown months: its total is withheld on the dashboard,
# so the period's total less the months shown would give it. And a month of 3 answers between months of many.
@example(plan=[{"sessions": [(6, 5)], "answers": [3] * 6}, {"sessions": [(3, 0), (8, 0)], "answers": [4, 4, 5]},
               {"sessions": [(9, 0)], "answers": [2] * 7}])
@example(plan=[{"sessions": [(6, 0)], "answers": [1] * 5 + [2]}, {"sessions": [(7, 0)], "answers": [3] * 5},
               {"sessions": [(2, 0)], "answers": [5] * 5}])
def test_no_suppressed_month_can_be_pinned_from_the_board_and_the_dashboard_together(plan):
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        cache.clear()
        site, truth = build(plan)
        manager = make_manager()
        reader = read_everything(manager, site, truth)
        for name, target in protected(truth):
            assert not determined(reader.equations, target), f"the {name} can be worked out"
        transaction.set_rollback(True)
