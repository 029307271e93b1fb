"""Month-by-month figures and the before-and-after comparison, checked against hand calculations."""
import datetime
from decimal import Decimal

import pytest

from sessions_app.models import Pulse, SicknessRecord
from sessions_app.dates import months_between
from sessions_app.services import insights, pulse_figures
from sessions_app.services.comparison import compare_before_after
from tests.factories import make_attendance, make_site, make_team, make_room, make_session, local

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=datetime.timezone.utc)


def sickness(team, month: str, lost: str, available: str = "100"):
    SicknessRecord.objects.create(team=team, month=datetime.date.fromisoformat(month + "-01"),
                                  fte_days_lost=Decimal(lost), fte_days_available=Decimal(available))


def pulses(site, monday: str, scores: list[int], team=None):
    Pulse.objects.bulk_create(Pulse(site=site, team=team, week=datetime.date.fromisoformat(monday), score=score)
                              for score in scores)


def test_before_and_after_match_a_hand_calculation():
    site = make_site(service_started_on=datetime.date(2026, 4, 15))
    team = make_team(site)
    for month, lost in [("2026-01", "10"), ("2026-02", "8"), ("2026-03", "9"),    # before: 10%, 8%, 9%
                        ("2026-04", "1"),                                         # the start month: neither side
                        ("2026-05", "5"), ("2026-06", "6"), ("2026-07", "4")]:    # after: 5%, 6%, 4%
        sickness(team, month, lost)
    comparison = compare_before_after(sites=[site], team=None, now=NOW)["sickness"]
    # By hand: means 0.09 and 0.05; variances 0.0001 each, so the standard error is sqrt(2 × 0.0001 / 3)
    # = 0.0081650; Welch's degrees of freedom are 4, t = 2.776, half-width 0.022666.
    assert comparison.before == pytest.approx([0.10, 0.08, 0.09]) and comparison.after == pytest.approx([0.05, 0.06, 0.04])
    assert comparison.before_mean == pytest.approx(0.09)
    assert comparison.after_mean == pytest.approx(0.05)
    assert comparison.difference == pytest.approx(-0.04)
    low, high = comparison.interval
    assert low == pytest.approx(-0.062666, abs=1e-6) and high == pytest.approx(-0.017334, abs=1e-6)


def test_before_and_after_pulse_uses_monthly_means_of_published_months_only():
    site = make_site(service_started_on=datetime.date(2026, 4, 15))
    for monday, scores in [("2026-01-05", [2, 2, 2, 3, 3]), ("2026-02-02", [2, 2, 2, 2, 2]),
                           ("2026-03-02", [3, 3, 2, 2, 2]), ("2026-03-09", [1, 1]),   # March: 7 answers, mean 2.0
                           ("2025-12-01", [1, 1, 1]),                                 # too few: not counted
                           ("2026-05-04", [4, 4, 4, 4, 4]), ("2026-06-01", [3, 4, 4, 4, 5]),
                           ("2026-07-06", [4, 4, 3, 3, 3])]:
        pulses(site, monday, scores)
    comparison = compare_before_after(sites=[site], team=None, now=NOW)["pulse"]
    assert comparison.before == pytest.approx([2.4, 2.0, 2.0])
    assert comparison.after == pytest.approx([4.0, 4.0, 3.4])
    assert comparison.difference == pytest.approx(3.8 - 6.4 / 3)


@pytest.mark.parametrize("after_months", [0, 1, 2])
def test_fewer_than_3_months_on_a_side_is_not_enough(after_months):
    site = make_site(service_started_on=datetime.date(2026, 4, 15))
    team = make_team(site)
    for month in ["2026-01", "2026-02", "2026-03"] + ["2026-05", "2026-06"][:after_months]:
        sickness(team, month, "5")
    comparison = compare_before_after(sites=[site], team=None, now=NOW)["sickness"]
    assert not comparison.enough
    assert (comparison.difference, comparison.interval) == (None, None)


def test_months_not_yet_over_are_not_after():
    site = make_site(service_started_on=datetime.date(2026, 8, 10))
    team = make_team(site)
    for month in ["2026-05", "2026-06", "2026-07", "2026-09", "2026-10", "2026-11"]:
        sickness(team, month, "5")
    comparison = compare_before_after(sites=[site], team=None, now=NOW)["sickness"]
    assert len(comparison.after) == 2  # September and October: November has not ended
    assert not comparison.enough


def test_a_teams_own_start_date_is_used_for_the_team():
    site = make_site(service_started_on=datetime.date(2026, 1, 5))
    late = make_team(site, service_started_on=datetime.date(2026, 6, 1))
    assert insights.service_start(sites=[site], team=late) == datetime.date(2026, 6, 1)
    assert insights.service_start(sites=[site], team=make_team(site)) == datetime.date(2026, 1, 5)
    assert insights.service_start(sites=[site, make_site()], team=None) is None


def test_session_months_are_summed_in_the_sites_time_zone():
    site = make_site()
    room = make_room(site)
    # In summer time, 12:30am on 1 August in London is 11:30pm on 31 July in UTC.
    early = make_session(site=site, room=room, starts_at=local(2026, 8, 1, 0, 30))
    make_attendance(early, seen=6)
    months = months_between(datetime.date(2026, 7, 1), datetime.date(2026, 8, 1))
    table = insights.session_months(sites=[site], months=months, now=NOW)[site.pk]
    assert (table[datetime.date(2026, 7, 1)].held, table[datetime.date(2026, 8, 1)].held) == (0, 1)
    assert table[datetime.date(2026, 8, 1)].seen.value == 6


def test_utilisation_is_the_time_the_people_seen_needed_over_the_time_offered():
    site = make_site(minutes_per_person=15)
    room = make_room(site)
    for day, seen in [(3, 6), (10, 8)]:
        make_attendance(make_session(site=site, room=room, starts_at=local(2026, 3, day, 11, 30)), seen=seen)
    [march] = insights.insights_months(sites=[site], team=None, months=[datetime.date(2026, 3, 1)], now=NOW)
    assert march.sessions.utilisation == pytest.approx((6 + 8) * 15 / 240)  # two 2-hour sessions


def test_cancelled_and_future_sessions_are_not_held():
    site = make_site()
    room = make_room(site)
    make_session(site=site, room=room, starts_at=NOW - datetime.timedelta(days=2), status="cancelled", cancel_reason="Ill")
    make_session(site=site, room=room, starts_at=NOW - datetime.timedelta(days=1))
    make_session(site=site, room=room, starts_at=NOW + datetime.timedelta(hours=2))
    [figures] = insights.insights_months(sites=[site], team=None, months=[datetime.date(2026, 11, 1)], now=NOW)
    assert (figures.sessions.held, figures.sessions.cancelled) == (1, 1)


# Privacy rule 2 against insiders: nothing shown beside a withheld mean or an unfinished period pins it.

MONDAY_OF_OCTOBER = "2026-10-05"


def shown_sums(figures: dict) -> dict:
    """Return, for each view's month, (answers, score sum) where both are shown, else None: what a reader can know."""
    return {name: (month.answers.value, round(month.mean * month.answers.value)) if month.mean is not None else None
            for name, month in figures.items()}


def october(sites, team=None):
    month = datetime.date(2026, 10, 1)
    return pulse_figures.pulse_months(sites=sites, team=team, months=[month], now=NOW)[month]


def test_a_withheld_team_mean_is_not_left_alone_beside_the_site_mean_and_the_other_teams():
    site = make_site()
    withheld, b, c = make_team(site), make_team(site), make_team(site)
    pulses(site, MONDAY_OF_OCTOBER, [1, 1, 1, 1, 1, 2], team=withheld)  # one “low” among six: never a mean
    pulses(site, MONDAY_OF_OCTOBER, [3] * 10, team=b)
    pulses(site, MONDAY_OF_OCTOBER, [4] * 12, team=c)
    known = shown_sums({"site": october([site]), **{t.pk: october([site], t) for t in (withheld, b, c)}})
    assert known[withheld.pk] is None and known["site"] is not None
    # Site sum less the other teams' sums would be team A's sum: at least one more team's mean is hidden.
    assert [key for key, value in known.items() if value is None] != [withheld.pk]


def test_those_who_preferred_not_to_say_are_not_had_from_the_site_less_the_teams():
    site = make_site()
    b, c = make_team(site), make_team(site)
    pulses(site, MONDAY_OF_OCTOBER, [1, 1, 1, 1, 1, 2])  # no team given: never shown on its own
    pulses(site, MONDAY_OF_OCTOBER, [3] * 10, team=b)
    pulses(site, MONDAY_OF_OCTOBER, [4] * 12, team=c)
    known = shown_sums({"site": october([site]), b.pk: october([site], b), c.pk: october([site], c)})
    residual = None if known["site"] is None or None in known.values() else (
        known["site"][1] - known[b.pk][1] - known[c.pk][1])
    assert residual is None


def test_a_sites_withheld_mean_is_not_had_from_all_sites_less_the_others():
    withheld, other = make_site(), make_site()
    pulses(withheld, MONDAY_OF_OCTOBER, [1, 1, 1, 1, 1, 2])
    pulses(other, MONDAY_OF_OCTOBER, [4] * 12)
    assert october([withheld]).mean is None and october([other]).mean == 4
    assert october([withheld, other]).mean is None
    assert str(october([withheld, other]).answers) == "18"


LATE_ZONE = "America/Los_Angeles"  # its months end eight hours after London's


def test_a_pulse_month_over_several_sites_waits_for_the_site_whose_week_ends_last():
    london, west = make_site(), make_site(time_zone=LATE_ZONE)
    pulses(london, "2026-11-09", [4] * 12)
    pulses(west, "2026-11-09", [3] * 12)
    november = datetime.date(2026, 11, 1)
    # Monday 7 December, 02:00 UTC: London's week of 30 November (the last that starts in November) has ended,
    # but it is still Sunday 6 December in Los Angeles.
    now = datetime.datetime(2026, 12, 7, 2, 0, tzinfo=datetime.timezone.utc)
    both = pulse_figures.pulse_months(sites=[london, west], team=None, months=[november], now=now)[november]
    assert (str(both.answers), both.mean) == ("not yet", None)
    alone = pulse_figures.pulse_months(sites=[london], team=None, months=[november], now=now)[november]
    assert (str(alone.answers), alone.mean) == ("12", 4)
    later = pulse_figures.pulse_months(sites=[london, west], team=None, months=[november],
                                  now=now + datetime.timedelta(hours=9))[november]
    assert (str(later.answers), later.mean) == ("24", 3.5)


def test_people_over_several_sites_read_not_yet_until_every_site_has_finished_the_month():
    london, west = make_site(), make_site(time_zone=LATE_ZONE)
    session = make_session(site=west, room=make_room(west), starts_at=datetime.datetime(
        2026, 11, 30, 12, tzinfo=west.zone))
    make_attendance(session, seen=2)  # a running total of 2: once shown as “fewer than 5”, which says 1 to 4
    november = [datetime.date(2026, 11, 1)]
    now = datetime.datetime(2026, 12, 1, 6, 0, tzinfo=datetime.timezone.utc)  # London's November has settled
    [both] = insights.insights_months(sites=[london, west], team=None, months=november, now=now)
    assert str(both.sessions.seen) == "not yet" and both.sessions.seen.number is None
    [later] = insights.insights_months(sites=[london, west], team=None, months=november,
                                       now=now + datetime.timedelta(hours=14))
    assert str(later.sessions.seen) == "fewer than 5"


def test_a_months_people_wait_until_its_last_session_can_no_longer_be_tallied():
    site = make_site()
    late = make_session(site=site, room=make_room(site), starts_at=local(2026, 11, 30, 22, 0),
                        ends_at=local(2026, 12, 1, 1, 0))
    make_attendance(late, seen=6)
    november = [datetime.date(2026, 11, 1)]
    # 1 December 01:30: the session ended 30 minutes ago and takes presses until 02:00.
    [during] = insights.insights_months(sites=[site], team=None, months=november, now=local(2026, 12, 1, 1, 30))
    assert str(during.sessions.seen) == "not yet"
    [after] = insights.insights_months(sites=[site], team=None, months=november, now=local(2026, 12, 1, 5, 1))
    assert str(after.sessions.seen) == "6"


@pytest.mark.parametrize("before, after", [(6, 3), (0, 2), (3, 5)])
def test_a_correction_to_or_from_a_small_count_withholds_its_months_total_for_good(before, after):
    from sessions_app.services.tally import tally_correct
    from tests.factories import make_supervisor

    site = make_site()
    room = make_room(site)
    sessions = [make_session(site=site, room=room, starts_at=local(2026, 10, day, 12, 0)) for day in (5, 12, 19, 26)]
    for session, seen in zip(sessions, (2, 3, 10, before)):
        make_attendance(session, seen=seen)
    october = [datetime.date(2026, 10, 1)]

    def seen_total():
        [month] = insights.insights_months(sites=[site], team=None, months=october, now=NOW)
        return str(month.sessions.seen)

    published = seen_total()  # what a manager may have printed before the correction
    assert published == str(15 + before)
    tally_correct(actor=make_supervisor(site), session=sessions[-1], seen=after, not_seen=0,
                  reason="Two presses were missed.", now=NOW)
    # Shown now, it would give the corrected session away: published + (after − before).
    assert seen_total() == "not shown"
