"""Retention: pulse answers and feedback older than N whole months are deleted, everything newer stays."""
import datetime

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from sessions_app.models import Feedback, Pulse
from sessions_app.services.retention import data_purge, retention_cutoff

pytestmark = pytest.mark.django_db

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 7, 15, 10, 0, tzinfo=UTC)
CUTOFF = datetime.date(2024, 7, 1)  # 24 months before July 2026; a Monday
WEEK = datetime.timedelta(weeks=1)


def make_pulse(site, week: datetime.date, score: int = 3) -> Pulse:
    return Pulse.objects.create(site=site, week=week, score=score)


def make_feedback(site, week: datetime.date, **fields) -> Feedback:
    fields.setdefault("comment", "It helped to talk after a hard shift.")
    return Feedback.objects.create(site=site, week=week, **fields)


def weeks_kept() -> tuple[list[datetime.date], list[datetime.date]]:
    return (sorted(Pulse.objects.values_list("week", flat=True)),
            sorted(Feedback.objects.values_list("week", flat=True)))


@pytest.mark.parametrize(("now", "months", "cutoff"), [
    (NOW, 24, CUTOFF),
    (NOW, 1, datetime.date(2026, 6, 1)),
    (datetime.datetime(2026, 1, 31, 12, tzinfo=UTC), 13, datetime.date(2024, 12, 1)),
    # 23:30 in UTC on 31 July is 00:30 on 1 August in London: the month is August there.
    (datetime.datetime(2026, 7, 31, 23, 30, tzinfo=UTC), 24, datetime.date(2024, 8, 1)),
])
def test_the_cutoff_is_the_first_of_the_month_n_months_before_nows_month(now, months, cutoff):
    assert retention_cutoff(now=now, months=months) == cutoff


def test_fewer_than_one_month_is_refused():
    with pytest.raises(ValueError, match="at least 1 month"):
        retention_cutoff(now=NOW, months=0)


def test_only_the_old_pulse_answers_and_feedback_go(site):
    old, new = CUTOFF - 10 * WEEK, CUTOFF + 10 * WEEK
    make_pulse(site, old), make_pulse(site, new), make_pulse(site, new, score=5)
    make_feedback(site, old, approved=True), make_feedback(site, old), make_feedback(site, new)
    assert data_purge(now=NOW, months=24) == {"pulses": 1, "feedback": 2, "pulse month sums": 0, "time away": 0}
    assert weeks_kept() == ([new, new], [new])


def test_the_week_starting_on_the_cutoff_stays_and_the_week_ending_the_day_before_goes(site):
    for week in (CUTOFF - WEEK, CUTOFF):  # the week before runs Monday 24 to Sunday 30 June 2024
        make_pulse(site, week), make_feedback(site, week)
    assert data_purge(now=NOW, months=24) == {"pulses": 1, "feedback": 1, "pulse month sums": 0, "time away": 0}
    assert weeks_kept() == ([CUTOFF], [CUTOFF])


def test_a_week_that_starts_the_month_before_the_cutoff_goes_with_that_month(site):
    now = datetime.datetime(2026, 11, 25, 10, tzinfo=UTC)  # the cutoff is Friday 1 November 2024
    straddling, first_monday = datetime.date(2024, 10, 28), datetime.date(2024, 11, 4)
    make_pulse(site, straddling), make_pulse(site, first_monday)
    assert data_purge(now=now, months=24) == {"pulses": 1, "feedback": 0, "pulse month sums": 0, "time away": 0}
    assert weeks_kept() == ([first_monday], [])


def test_other_sites_old_answers_go_too(site):
    from tests.factories import make_site

    make_pulse(make_site(), CUTOFF - WEEK), make_pulse(site, CUTOFF - WEEK)
    assert data_purge(now=NOW, months=24)["pulses"] == 2
    assert not Pulse.objects.exists()


def test_a_dry_run_counts_and_deletes_nothing(site):
    make_pulse(site, CUTOFF - WEEK), make_feedback(site, CUTOFF - WEEK), make_pulse(site, CUTOFF)
    assert data_purge(now=NOW, months=24, dry_run=True) == {"pulses": 1, "feedback": 1, "pulse month sums": 0, "time away": 0}
    assert (Pulse.objects.count(), Feedback.objects.count()) == (2, 1)


def test_nothing_old_deletes_nothing(site):
    make_pulse(site, CUTOFF), make_feedback(site, CUTOFF)
    assert data_purge(now=NOW, months=24) == {"pulses": 0, "feedback": 0, "pulse month sums": 0, "time away": 0}
    assert (Pulse.objects.count(), Feedback.objects.count()) == (1, 1)


def test_a_failure_half_way_deletes_neither(site, monkeypatch):
    make_pulse(site, CUTOFF - WEEK), make_feedback(site, CUTOFF - WEEK)

    delete = QuerySet.delete

    def feedback_fails(self):
        if self.model is Feedback:  # after the pulse answers have gone
            raise RuntimeError("the database went away")
        return delete(self)

    monkeypatch.setattr(QuerySet, "delete", feedback_fails)
    with pytest.raises(RuntimeError):
        data_purge(now=NOW, months=24)
    assert (Pulse.objects.count(), Feedback.objects.count()) == (1, 1)


def _queries_to_purge(site, rows: int) -> list[str]:
    Pulse.objects.bulk_create([Pulse(site=site, week=CUTOFF - (1 + n % 50) * WEEK, score=3) for n in range(rows)])
    Feedback.objects.bulk_create([Feedback(site=site, week=CUTOFF - (1 + n % 50) * WEEK, comment=f"Comment {n}")
                                  for n in range(rows)])
    with CaptureQueriesContext(connection) as queries:
        assert data_purge(now=NOW, months=24) == {"pulses": rows, "feedback": rows, "pulse month sums": 0, "time away": 0}
    return [query["sql"] for query in queries.captured_queries]


def test_purging_runs_the_same_queries_for_10_rows_as_for_1000(site):
    few = _queries_to_purge(site, 10)
    many = _queries_to_purge(site, 1000)
    assert len(few) == len(many)
    assert [sql.split()[0] for sql in many if "DELETE" in sql] == ["DELETE"] * 4
    assert not any(sql.startswith("SELECT") for sql in many)


def test_the_monthly_sums_of_purged_answers_go_with_them(site):
    from sessions_app.models import MonthRollUp, PulseMonthRollUp

    sums = dict(answers=1, score_sum=3, score_1=0, score_2=0, score_3=1, score_4=0, score_5=0)
    for month in (datetime.date(2024, 6, 1), CUTOFF):
        MonthRollUp.objects.create(site=site, month=month, threshold=5, held=0, cancelled=0, held_seconds=0, seen=0,
                                   seen_small_sessions=0, seen_small_sum=0, not_seen=0, not_seen_small_sessions=0,
                                   not_seen_small_sum=0)
        PulseMonthRollUp.objects.create(site=site, month=month, **sums)
    assert data_purge(now=NOW, months=24) == {"pulses": 0, "feedback": 0, "pulse month sums": 1, "time away": 0}
    assert list(PulseMonthRollUp.objects.values_list("month", flat=True)) == [CUTOFF]
    assert MonthRollUp.objects.count() == 2  # sessions are kept: only the answers' sums go


def test_time_away_goes_30_days_after_its_last_day(supervisor):
    from sessions_app.models import TimeAway

    from django.utils import timezone

    today = timezone.localdate(NOW)
    TimeAway.objects.create(supervisor=supervisor, starts_on=today - datetime.timedelta(days=40),
                            ends_on=today - datetime.timedelta(days=31), note="Leave")
    kept = TimeAway.objects.create(supervisor=supervisor, starts_on=today - datetime.timedelta(days=35),
                                   ends_on=today - datetime.timedelta(days=30))
    assert data_purge(now=NOW, months=24)["time away"] == 1
    assert list(TimeAway.objects.all()) == [kept]
