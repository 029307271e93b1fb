"""The test helpers make valid rows whatever the hour the suite runs at (CI once failed only after 21:00 UTC)."""
import datetime

import pytest
import time_machine

from tests.factories import LONDON, local, make_series_session

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("hour", [0, 12, 21, 22, 23])
def test_a_series_session_is_valid_made_at_any_hour(hour):
    late_in_winter = datetime.datetime(2026, 11, 26, hour, 30, tzinfo=LONDON)
    with time_machine.travel(late_in_winter, tick=False):
        session = make_series_session()
    session.full_clean()
    session.series.full_clean()
    assert session.starts_at > late_in_winter
    assert session.starts_at.astimezone(LONDON).time() == session.series.start_time


def test_a_series_session_starting_late_in_a_summer_evening_ends_that_day():
    session = make_series_session(starts_at=local(2030, 6, 2, 22, 30))
    assert session.series.end_time == datetime.time(23, 59)
    assert session.ends_at == local(2030, 6, 2, 23, 59)
