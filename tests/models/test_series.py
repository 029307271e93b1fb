"""The rules a regular series and its sessions keep, each tried against the database."""
import datetime

import pytest

from sessions_app.models import Series, Session
from tests.factories import make_series_session, make_site, make_user, session_fields
from tests.rules import assert_refused

pytestmark = pytest.mark.django_db


def series_fields(**changes) -> dict:
    site = make_site()
    return {
        "site": site, "supervisor": make_user(), "weekdays": [1, 3], "every_weeks": 1,
        "starts_on": datetime.date(2027, 1, 4), "ends_on": datetime.date(2027, 3, 28),
        "start_time": datetime.time(11, 30), "end_time": datetime.time(13, 30), **changes,
    }


def test_a_valid_series_saves():
    Series(**series_fields()).full_clean()
    Series.objects.create(**series_fields())


def test_a_series_ends_on_or_after_it_starts():
    assert_refused(Series, series_fields(ends_on=datetime.date(2027, 1, 3)),
                   "The last date must be on or after the first date.")


def test_a_series_runs_for_at_most_a_year():
    Series(**series_fields(ends_on=datetime.date(2028, 1, 5))).full_clean()  # 366 days: a leap year's worth
    assert_refused(Series, series_fields(ends_on=datetime.date(2028, 1, 6)), "A series can run for at most a year.")


@pytest.mark.parametrize("every_weeks", [0, 9])
def test_a_series_repeats_every_1_to_8_weeks(every_weeks):
    assert_refused(Series, series_fields(every_weeks=every_weeks), "Repeat every 1 to 8 weeks.")


def test_a_series_session_ends_after_it_starts():
    assert_refused(Series, series_fields(end_time=datetime.time(11, 30)), "Sessions must end after they start.")


def test_a_session_in_a_series_knows_its_date_and_only_then():
    session = make_series_session()
    message = "A session in a series needs its date in the series, and only then."
    assert_refused(Session, session_fields(series=session.series), message)
    assert_refused(Session, session_fields(occurrence_date=datetime.date(2027, 1, 5)), message)


def test_a_series_has_one_session_for_each_date():
    session = make_series_session()
    fields = session_fields(site=session.site, series=session.series, occurrence_date=session.occurrence_date)
    assert_refused(Session, fields, "This series already has a session for that date.")
