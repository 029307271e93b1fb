"""The dashboards' figures are the same from the monthly roll-ups as from raw rows, suppression and all."""
import datetime
import random

import pytest
import time_machine
from django.core.management import call_command

from sessions_app.dates import add_months, month_start, week_of
from sessions_app.models import Attendance, MonthRollUp, Pulse, PulseMonthRollUp, Session
from sessions_app.services import insights
from sessions_app.services.monthly_sums import is_closed
from sessions_app.services.tally import tally_correct
from tests.factories import make_room, make_session, make_site, make_supervisor, make_team

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 11, 18, 12, 0, tzinfo=datetime.timezone.utc)
MONTHS = [add_months(month_start(NOW.date()), -n) for n in range(13, -1, -1)]


def fill(seed: int):
    """Two sites in two time zones, with sessions, counts (many under 5) and pulse answers, at random."""
    chance = random.Random(seed)
    sites = [make_site(), make_site(time_zone="America/New_York")]
    for site in sites:
        teams = [make_team(site), make_team(site)]
        supervisor, room = make_supervisor(site), make_room(site)
        for month in MONTHS:
            for _ in range(chance.randint(0, 3)):
                day = month + datetime.timedelta(days=chance.randint(0, 27))
                starts = datetime.datetime.combine(day, datetime.time(chance.choice([0, 11, 23]), 30), tzinfo=site.zone)
                if starts >= NOW:
                    continue
                cancelled = chance.random() < 0.2
                session = make_session(site=site, room=room, supervisor=supervisor, starts_at=starts,
                                       **({"status": Session.Status.CANCELLED, "cancel_reason": "Lockdown"}
                                          if cancelled else {}))
                Attendance.objects.create(session=session, staff_group="nurse", seen=chance.randint(0, 9),
                                          not_seen=chance.randint(0, 6))
            monday = week_of(month) + datetime.timedelta(weeks=1)
            Pulse.objects.bulk_create(Pulse(site=site, team=chance.choice([*teams, None]), week=monday,
                                            score=chance.randint(1, 5)) for _ in range(chance.randint(0, 14)))
    return sites


def everything(sites):
    views = [([site], None) for site in sites] + [(sites, None)] + [([site], team) for site in sites
                                                                    for team in site.teams.all()]
    return [insights.insights_months(sites=chosen, team=team, months=MONTHS, now=NOW) for chosen, team in views]


@pytest.mark.parametrize("seed", range(6))
def test_the_figures_from_the_roll_ups_are_those_from_raw_rows(seed):
    with time_machine.travel(NOW, tick=False):
        sites = fill(seed)
        raw = everything(sites)
        call_command("roll_up", verbosity=0)
        closed = sum(is_closed(site, month, NOW) for site in sites for month in MONTHS)
        assert MonthRollUp.objects.count() >= closed - 2 * len(sites) > 0  # months before the first are not added up
        assert everything(sites) == raw


def rolled_up_session(site, supervisor) -> Session:
    """A session seen by 7 and missed by 6 in a closed month, rolled up."""
    starts = datetime.datetime.combine(MONTHS[-3] + datetime.timedelta(days=9), datetime.time(11, 30), tzinfo=site.zone)
    session = make_session(site=site, room=site.rooms.get(), supervisor=supervisor, starts_at=starts)
    Attendance.objects.create(session=session, staff_group="nurse", seen=7, not_seen=6)
    call_command("roll_up", verbosity=0)
    return session


def test_a_correction_to_a_rolled_up_month_shows_at_once(site, supervisor):
    with time_machine.travel(NOW, tick=False):
        session = rolled_up_session(site, supervisor)
        assert MonthRollUp.objects.filter(site=site, month=MONTHS[-3]).exists()
        tally_correct(actor=supervisor, session=session, seen=9, not_seen=6, reason="Two were missed.")
        assert not MonthRollUp.objects.filter(site=site, month=MONTHS[-3]).exists()
        figures = {f.month: f for f in insights.insights_months(sites=[site], team=None, months=MONTHS, now=NOW)}
        assert figures[MONTHS[-3]].sessions.seen.number == 9


def test_rolling_up_again_after_a_bulk_repair_takes_the_repair(site, supervisor):
    with time_machine.travel(NOW, tick=False):
        session = rolled_up_session(site, supervisor)
        Attendance.objects.filter(session=session).update(seen=8)  # no signal: the roll-up still says 7
        assert MonthRollUp.objects.get(site=site, month=MONTHS[-3]).seen == 7
        call_command("roll_up", "--again", verbosity=0)
        assert MonthRollUp.objects.get(site=site, month=MONTHS[-3]).seen == 8
        assert PulseMonthRollUp.objects.count() == 0


def test_a_session_moved_out_of_a_rolled_up_month_leaves_neither_month_counting_it_wrongly(site, supervisor):
    with time_machine.travel(NOW, tick=False):
        session = rolled_up_session(site, supervisor)
        call_command("roll_up", verbosity=0)
        session.starts_at -= datetime.timedelta(days=31)  # a repair in the admin: it was the month before
        session.ends_at -= datetime.timedelta(days=31)
        session.save()
        figures = {f.month: f for f in insights.insights_months(sites=[site], team=None, months=MONTHS, now=NOW)}
        assert figures[MONTHS[-3]].sessions.held == 0 and figures[MONTHS[-4]].sessions.held == 1


def test_a_site_whose_time_zone_changes_forgets_its_roll_ups(site, supervisor):
    with time_machine.travel(NOW, tick=False):
        rolled_up_session(site, supervisor)
        assert MonthRollUp.objects.filter(site=site).exists()
        site.time_zone = "America/New_York"
        site.save()
        assert not MonthRollUp.objects.filter(site=site).exists()
