"""The dashboard's figures are kept in the cache under the data generation: whatever changes what a manager
would see shows at once, however it was written, and nothing changed costs a few queries instead of all.
(What is not published yet leaves the generation alone: tests/test_write_paths.py.)
"""
import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions_app.models import Attendance, SicknessRecord
from sessions_app.dates import add_months
from sessions_app.services.sickness import sickness_save
from sessions_app.services.tally import tally_correct
from tests.factories import make_attendance, make_session, make_team
from tests.helpers import ENDED_MONTH, MONDAY, PERIOD, PULSE_ROW, answers, page_tables as rows

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_the_moment")]
PEOPLE_ROW = f"People seen: {ENDED_MONTH:%B %Y}"
SESSIONS_ROW = f"Sessions held and cancelled: {ENDED_MONTH:%B %Y}"


@pytest.fixture
def dashboard(client, manager, site):
    client.force_login(manager)

    def read(path=f"/insights/?site={site.slug}&{PERIOD}"):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(path)
        assert page.status_code == 200
        return rows(page), len(queries)

    return read


@pytest.fixture
def last_months_session(site, supervisor):
    session = make_session(site=site, room=site.rooms.get(), supervisor=supervisor,
                           starts_at=datetime.datetime.combine(MONDAY, datetime.time(11, 30), tzinfo=site.zone))
    make_attendance(session, seen=6, not_seen=5)
    return session


def test_nothing_changed_costs_fewer_queries_than_building_the_figures(dashboard, last_months_session):
    first, built = dashboard()
    again, kept = dashboard()
    assert again == first and again[PEOPLE_ROW] == ["6", "5", "75%"]
    assert kept < built


def test_a_correction_to_last_months_attendance_shows_at_once(dashboard, last_months_session):
    assert dashboard()[0][PEOPLE_ROW][:2] == ["6", "5"]
    Attendance.objects.filter(session=last_months_session).update(seen=7)
    assert dashboard()[0][PEOPLE_ROW][:2] == ["7", "5"]


def test_a_cancelled_session_shows_as_cancelled_at_once(dashboard, last_months_session):
    assert dashboard()[0][SESSIONS_ROW][:2] == ["1", "0"]
    last_months_session.status = last_months_session.Status.CANCELLED
    last_months_session.cancel_reason = "Needed on the wing."
    last_months_session.save()
    assert dashboard()[0][SESSIONS_ROW][:2] == ["0", "1"]


def test_a_sickness_import_shows_at_once(dashboard, site):
    team = make_team(site, name="Team A", slug="team-a")
    SicknessRecord.objects.create(team=team, month=ENDED_MONTH, fte_days_lost=10, fte_days_available=200)
    assert "5.0%" in dashboard()[0][f"Sickness absence by month: {ENDED_MONTH:%B %Y}"]
    SicknessRecord.objects.filter(team=team).update(fte_days_lost=20)
    assert "10.0%" in dashboard()[0][f"Sickness absence by month: {ENDED_MONTH:%B %Y}"]


def test_a_pulse_answer_in_an_ended_week_shows_at_once(dashboard, site):
    team = make_team(site, name="Team A", slug="team-a")
    answers(site, team, [4] * 5)
    assert dashboard()[0][PULSE_ROW][:2] == ["5", "4.00"]
    answers(site, team, [2])
    assert dashboard()[0][PULSE_ROW][:2] == ["6", "3.67"]


# Found by review: changes that leave every count and total as it was.


def test_sickness_figures_swapped_between_months_show_at_once(dashboard, site, manager):
    team = make_team(site, name="Team A", slug="team-a")
    earlier = add_months(ENDED_MONTH, -1)
    SicknessRecord.objects.create(team=team, month=ENDED_MONTH, fte_days_lost=10, fte_days_available=200)
    SicknessRecord.objects.create(team=team, month=earlier, fte_days_lost=20, fte_days_available=200)
    path = f"/insights/?site={site.slug}&start={earlier:%Y-%m}&end={ENDED_MONTH:%Y-%m}"
    assert "5.0%" in dashboard(path)[0][f"Sickness absence by month: {ENDED_MONTH:%B %Y}"]
    sickness_save(actor=manager, team=team, month=ENDED_MONTH, fte_days_lost=Decimal(20), fte_days_available=Decimal(200))
    SicknessRecord.objects.filter(team=team, month=earlier).update(fte_days_lost=10)  # as a second host's import
    assert "10.0%" in dashboard(path)[0][f"Sickness absence by month: {ENDED_MONTH:%B %Y}"]


def test_corrections_that_move_one_person_between_months_show_at_once(dashboard, site, supervisor):
    earlier = add_months(ENDED_MONTH, -1)
    monday = earlier + datetime.timedelta(days=(7 - earlier.weekday()) % 7)
    first = make_session(site=site, room=site.rooms.get(), supervisor=supervisor,
                         starts_at=datetime.datetime.combine(monday, datetime.time(11, 30), tzinfo=site.zone))
    second = make_session(site=site, room=site.rooms.get(), supervisor=supervisor,
                          starts_at=datetime.datetime.combine(MONDAY, datetime.time(11, 30), tzinfo=site.zone))
    make_attendance(first, seen=6, not_seen=5)
    make_attendance(second, seen=7, not_seen=5)
    path = f"/insights/?site={site.slug}&start={earlier:%Y-%m}&end={ENDED_MONTH:%Y-%m}"
    assert dashboard(path)[0][PEOPLE_ROW][:2] == ["7", "5"]
    tally_correct(actor=supervisor, session=first, seen=7, not_seen=5, reason="One counted in the wrong session.")
    tally_correct(actor=supervisor, session=second, seen=6, not_seen=5, reason="One counted in the wrong session.")
    assert dashboard(path)[0][PEOPLE_ROW][:2] == ["6", "5"]
