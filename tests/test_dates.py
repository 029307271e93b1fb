"""Week and month arithmetic, checked by hand across year ends, leap years and weekends."""
import datetime

import pytest

from sessions_app.dates import add_months, month_start, months_between, on_or_after, week_of, working_days_before

D = datetime.date


def test_months_between_counts_both_ends_across_a_year_end():
    assert months_between(D(2025, 11, 15), D(2026, 2, 1)) == [D(2025, 11, 1), D(2025, 12, 1), D(2026, 1, 1), D(2026, 2, 1)]


@pytest.mark.parametrize("month, count, expected", [
    (D(2026, 11, 1), 2, D(2027, 1, 1)), (D(2026, 1, 1), -1, D(2025, 12, 1)), (D(2026, 3, 1), -24, D(2024, 3, 1)),
])
def test_add_months_crosses_year_ends_both_ways(month, count, expected):
    assert add_months(month, count) == expected


@pytest.mark.parametrize("day, monday", [
    (D(2026, 12, 3), D(2026, 11, 30)), (D(2026, 11, 30), D(2026, 11, 30)), (D(2028, 3, 5), D(2028, 2, 28)),
    (D(2027, 1, 1), D(2026, 12, 28)),
])
def test_week_of_is_the_monday_on_or_before(day, monday):
    assert week_of(day) == monday and month_start(day) == day.replace(day=1)


def test_on_or_after_finds_the_next_weekday_or_the_day_itself():
    assert on_or_after(D(2026, 12, 3), 2) == D(2026, 12, 9)  # a Thursday: the next Wednesday
    assert on_or_after(D(2026, 12, 2), 2) == D(2026, 12, 2)


def test_working_days_before_skip_the_weekend():
    assert working_days_before(D(2026, 12, 7), 3) == D(2026, 12, 2)  # Monday: back past Saturday and Sunday
    assert working_days_before(D(2026, 12, 3), 3) == D(2026, 11, 30)
