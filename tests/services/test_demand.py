"""Demand: utilisation, the extra-session suggestion's rule, and hours off the floor."""
import datetime

import pytest
from django.utils import timezone

from sessions_app.models import Site
from sessions_app.services import demand
from tests.factories import make_attendance, make_room, make_session, make_site, make_supervisor
from tests.helpers import past

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


def suggestions(now=None):
    return demand.demand_suggestions(sites=Site.objects.all(), now=now or timezone.now(), viewer=sees_every_count())


def sees_every_count():
    """A supervisor of every site: the small counts are hers to see."""
    person = make_supervisor()
    for site in Site.objects.all():
        site.supervisors.add(person)
    return person


@pytest.fixture
def site(db):
    site = make_site(name="HMP Northgate", minutes_per_person=15)
    make_room(site)
    return site


# Newest first: 120-minute sessions, 15 minutes a person, so 8 seen is 100% and 7 seen is 87.5%.
@pytest.mark.parametrize("counts, outgrown", [
    ([(3, 1), (3, 1), (3, 0), (3, 0)], 2),           # people not seen at 2 of 4
    ([(3, 1), (3, 1), (3, 1), (3, 0)], 3),
    ([(8, 0), (8, 0), (7, 0), (7, 0)], 2),           # full at 2 of 4
    ([(8, 0), (3, 2), (3, 0)], 2),                   # only 3 sessions so far: 2 of 3
])
def test_a_suggestion_appears_when_at_least_2_of_the_last_4_outgrew_supply(site, counts, outgrown):
    for days_ago, (seen, not_seen) in enumerate(counts, start=1):
        past(site, days_ago, seen=seen, not_seen=not_seen)
    [suggestion] = suggestions()
    assert suggestion.site == site
    assert suggestion.message == (f"Demand outgrew supply at {outgrown} of the last {min(len(counts), 4)} sessions"
                                  " — add an extra session?")


@pytest.mark.parametrize("counts", [
    [(3, 1), (3, 0), (3, 0), (3, 0)],                # 1 of 4
    [(7, 0), (7, 0), (7, 0), (7, 0)],                # 87.5% is not above 90%
    [(3, 0), (3, 0), (3, 0), (3, 0), (3, 2), (3, 2)],  # the outgrown ones are older than the last 4
    [(3, 1)],                                        # one session cannot make 2
    [],
])
def test_no_suggestion_otherwise(site, counts):
    for days_ago, (seen, not_seen) in enumerate(counts, start=1):
        past(site, days_ago, seen=seen, not_seen=not_seen)
    assert suggestions() == []


def test_exactly_90_percent_is_not_above_90_percent(site):
    for days_ago in (1, 2):
        past(site, days_ago, seen=9, minutes=150)  # 9 × 15 = 135 of 150 minutes
    assert suggestions() == []
    past(site, 3, seen=10, minutes=150)
    assert suggestions() == []  # 1 of 3
    past(site, 4, seen=10, minutes=150)
    assert len(suggestions()) == 1


def test_cancelled_and_future_sessions_do_not_count(site):
    past(site, 1, seen=3, not_seen=2)
    cancelled = past(site, 2, seen=0, status="cancelled", cancel_reason="Lockdown")
    make_attendance(cancelled, not_seen=4)
    future = make_session(site=site, room=site.rooms.first(), starts_at=timezone.now() + HOUR)
    make_attendance(future, not_seen=4)
    assert suggestions() == []


def test_each_site_is_judged_on_its_own_sessions(site):
    other = make_site(name="HMP Southgate")
    make_room(other)
    past(site, 1, not_seen=2)
    past(other, 1, not_seen=2)
    assert suggestions() == []
    past(other, 2, not_seen=1)
    assert [s.site for s in suggestions()] == [other]


def test_the_extra_session_goes_on_the_next_free_day_of_the_same_weekdays(site):
    now = timezone.now()
    today = now.astimezone(site.zone).date()
    for days_ago in (7, 14):
        past(site, days_ago, not_seen=1)  # the same weekday as today
    next_week = today + datetime.timedelta(days=7)
    [suggestion] = suggestions(now)
    assert suggestion.extra_on == next_week
    make_session(site=site, room=site.rooms.first(),
                 starts_at=datetime.datetime.combine(next_week, datetime.time(12), tzinfo=site.zone))
    [suggestion] = suggestions(now)
    assert suggestion.extra_on == next_week + datetime.timedelta(days=7)
    assert suggestion.add_url == (f"/supervise/sessions/add/?kind=extra&site={site.slug}"
                                  f"&date={suggestion.extra_on.isoformat()}")


def test_utilisation_is_time_needed_over_session_length(site):
    session = past(site, 1, seen=6, minutes=120)
    [row] = demand.past_sessions(sites=Site.objects.all(), now=timezone.now(), weeks=2, viewer=sees_every_count())
    assert (row.pk, row.seen, row.not_seen, row.utilisation) == (session.pk, 6, 0, 0.75)


def test_hours_off_the_floor_sum_each_weeks_scheduled_sessions(site):
    person = make_supervisor(site, weekly_target_hours=3)
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday() + 7)
    for day, hours in [(0, 2), (2, 2), (9, 1)]:  # last week: 4 hours; this week: 1
        starts_at = datetime.datetime.combine(monday + datetime.timedelta(days=day), datetime.time(11),
                                              tzinfo=timezone.get_current_timezone())
        make_session(site=site, supervisor=person, starts_at=starts_at, ends_at=starts_at + hours * HOUR)
    make_session(site=site, supervisor=person, status="cancelled", cancel_reason="Wing closed",
                 starts_at=datetime.datetime.combine(monday, datetime.time(15), tzinfo=timezone.get_current_timezone()))
    weeks = demand.hours_off_the_floor(supervisors=[person], first_week=monday, weeks=2)[person.pk]
    assert [(w.starts_on, w.hours, w.target, w.over_target) for w in weeks] == [
        (monday, 4.0, 3.0, True), (monday + datetime.timedelta(weeks=1), 1.0, 3.0, False)]
