"""Time away and cover: who needs cover, handing a session on, and the preview and suggestion keeping clear."""
import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sessions_app.models import AuditEntry, Series, Session, Site, TimeAway
from sessions_app.services import cover, demand
from sessions_app.services.attention import needs_attention
from sessions_app.services.series import series_plan
from tests.factories import make_manager, make_room, make_session, make_site, make_supervisor
from tests.helpers import past

pytestmark = pytest.mark.django_db
# A Monday morning in summer time (London is UTC+1), so a session's local day and its UTC day can differ.
MONDAY = datetime.datetime(2027, 8, 2, 8, 0, tzinfo=datetime.timezone.utc)
WEEK = datetime.timedelta(weeks=1)


def on(site, day: datetime.date, supervisor, hour=12, **fields) -> Session:
    return make_session(site=site, supervisor=supervisor, room=make_room(site),
                        starts_at=datetime.datetime.combine(day, datetime.time(hour), tzinfo=site.zone), **fields)


@pytest.fixture
def colleague(site):
    return make_supervisor(site, display_name="Priya Shah")


@time_machine.travel(MONDAY, tick=False)
def test_sessions_on_days_away_need_cover_and_no_others(site, supervisor, colleague):
    wednesday, friday = datetime.date(2027, 8, 4), datetime.date(2027, 8, 6)
    hers, after, theirs = on(site, wednesday, supervisor), on(site, friday, supervisor), on(site, wednesday, colleague)
    cover.time_away_add(actor=supervisor, supervisor=supervisor, starts_on=datetime.date(2027, 8, 3),
                        ends_on=wednesday, note="Annual leave")
    assert cover.sessions_needing_cover(sites=Site.objects.all(), now=MONDAY) == [hers]
    assert after not in cover.sessions_needing_cover(sites=[site], now=MONDAY) and theirs.supervisor == colleague
    assert needs_attention(sites=[site], now=MONDAY).cover == [hers]


@time_machine.travel(MONDAY, tick=False)
def test_the_local_day_counts_not_the_utc_day(supervisor):
    # 00:30 in London on the 5th is 23:30 UTC on the 4th: she is away on the 5th only.
    site = supervisor.supervised_sites.get()
    early = on(site, datetime.date(2027, 8, 5), supervisor, hour=0)
    cover.time_away_add(actor=supervisor, supervisor=supervisor, starts_on=datetime.date(2027, 8, 5),
                        ends_on=datetime.date(2027, 8, 5))
    assert early.starts_at.astimezone(datetime.timezone.utc).date() == datetime.date(2027, 8, 4)
    assert cover.sessions_needing_cover(sites=[site], now=MONDAY) == [early]


@time_machine.travel(MONDAY, tick=False)
def test_cancelled_and_past_sessions_need_no_cover(site, supervisor):
    on(site, datetime.date(2027, 8, 4), supervisor, status="cancelled", cancel_reason="Inspection")
    cover.time_away_add(actor=supervisor, supervisor=supervisor, starts_on=datetime.date(2027, 8, 1),
                        ends_on=datetime.date(2027, 8, 6))
    on(site, datetime.date(2027, 8, 2), supervisor, hour=6)  # 06:00 to 08:00 in London: over at 09:00
    later = on(site, datetime.date(2027, 8, 2), supervisor, hour=14)
    assert cover.sessions_needing_cover(sites=[site], now=MONDAY) == [later]


@time_machine.travel(MONDAY, tick=False)
def test_handing_over_changes_the_supervisor_grows_sequence_and_is_audited(site, supervisor, colleague):
    session = on(site, datetime.date(2027, 8, 4), supervisor)
    sequence = session.sequence
    cover.session_hand_over(actor=supervisor, session=session, supervisor=colleague)
    session.refresh_from_db()
    assert session.supervisor == colleague and session.sequence == sequence + 1
    entry = AuditEntry.objects.get(action="hand_over")
    assert (entry.before["supervisor"], entry.after["supervisor"]) == (supervisor.pk, colleague.pk)


@time_machine.travel(MONDAY, tick=False)
def test_cover_is_refused_for_someone_away_that_day(site, supervisor, colleague):
    session = on(site, datetime.date(2027, 8, 4), supervisor)
    cover.time_away_add(actor=colleague, supervisor=colleague, starts_on=datetime.date(2027, 8, 4),
                        ends_on=datetime.date(2027, 8, 4))
    with pytest.raises(ValidationError, match="Priya Shah is away that day"):
        cover.session_hand_over(actor=supervisor, session=session, supervisor=colleague)
    assert cover.cover_choices(session=session) == []
    session.refresh_from_db()
    assert session.supervisor == supervisor


@time_machine.travel(MONDAY, tick=False)
def test_cover_is_refused_for_someone_who_does_not_supervise_there(site, supervisor, other_supervisor):
    session = on(site, datetime.date(2027, 8, 4), supervisor)
    with pytest.raises(ValidationError, match="does not supervise here"):
        cover.session_hand_over(actor=supervisor, session=session, supervisor=other_supervisor)
    assert other_supervisor not in cover.cover_choices(session=session)


@time_machine.travel(MONDAY, tick=False)
def test_cover_is_refused_for_someone_already_running_a_session_then(site, supervisor, colleague):
    session = on(site, datetime.date(2027, 8, 4), supervisor)
    on(make_site(name="HMP Far"), datetime.date(2027, 8, 4), colleague)
    with pytest.raises(ValidationError, match="already has a session at that time"):
        cover.session_hand_over(actor=supervisor, session=session, supervisor=colleague)


@time_machine.travel(MONDAY, tick=False)
def test_cover_is_refused_for_an_ended_or_cancelled_session(site, supervisor, colleague):
    cancelled = on(site, datetime.date(2027, 8, 4), supervisor, status="cancelled", cancel_reason="Inspection")
    with pytest.raises(ValidationError, match="cancelled"):
        cover.session_hand_over(actor=supervisor, session=cancelled, supervisor=colleague)
    ended = past(site, 3, supervisor=supervisor)
    with pytest.raises(ValidationError, match="has ended"):
        cover.session_hand_over(actor=supervisor, session=ended, supervisor=colleague)


def test_only_she_or_her_manager_records_her_time_away(site, supervisor, colleague):
    day = datetime.date(2027, 8, 4)
    with pytest.raises(ValidationError, match="for yourself, or for a supervisor at a site you manage"):
        cover.time_away_add(actor=colleague, supervisor=supervisor, starts_on=day, ends_on=day)
    elsewhere = make_manager(make_site(name="HMP Far"))
    with pytest.raises(ValidationError, match="for yourself"):
        cover.time_away_add(actor=elsewhere, supervisor=supervisor, starts_on=day, ends_on=day)
    her_manager = make_manager(site)
    away = cover.time_away_add(actor=her_manager, supervisor=supervisor, starts_on=day, ends_on=day,
                               note="Hospital appointment")
    with pytest.raises(ValidationError, match="You can remove your own time away"):
        cover.time_away_remove(actor=colleague, away=away)
    cover.time_away_remove(actor=supervisor, away=away)
    assert not TimeAway.objects.exists()
    audit = AuditEntry.objects.filter(object_type="timeaway")
    assert list(audit.values_list("action", flat=True)) == ["delete", "create"]
    assert "Hospital" not in str(list(audit.values_list("before", "after")))  # the days, never the note


def test_time_away_that_overlaps_is_refused(supervisor):
    day = datetime.date(2027, 8, 4)
    cover.time_away_add(actor=supervisor, supervisor=supervisor, starts_on=day, ends_on=day + WEEK)
    with pytest.raises(ValidationError, match="already has time away recorded on some of these days"):
        cover.time_away_add(actor=supervisor, supervisor=supervisor, starts_on=day + WEEK, ends_on=day + 2 * WEEK)
    assert TimeAway.objects.count() == 1


@time_machine.travel(MONDAY, tick=False)
def test_cover_finds_the_sessions_of_a_thousand_days_away_in_a_few_queries(site, supervisor, colleague,
                                                                         django_assert_num_queries):
    for n in range(1200):  # far more than SQLite's limit on one expression's depth, were each one a condition
        day = datetime.date(2027, 8, 4) + datetime.timedelta(days=n)
        TimeAway.objects.create(supervisor=supervisor if n % 2 else colleague, starts_on=day, ends_on=day)
    hers = on(site, datetime.date(2027, 8, 5), supervisor)
    with django_assert_num_queries(3):  # the time away, the sessions, their teams
        assert cover.sessions_needing_cover(sites=[site], now=MONDAY) == [hers]


def test_the_database_refuses_time_away_that_ends_before_it_starts(supervisor):
    day = datetime.date(2027, 8, 4)
    with pytest.raises(ValidationError, match="The last day away must be on or after the first"):
        cover.time_away_add(actor=supervisor, supervisor=supervisor, starts_on=day, ends_on=day - WEEK)
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeAway.objects.create(supervisor=supervisor, starts_on=day, ends_on=day - WEEK)


@time_machine.travel(MONDAY, tick=False)
def test_the_series_preview_skips_the_days_she_is_away(site, supervisor):
    cover.time_away_add(actor=supervisor, supervisor=supervisor, starts_on=datetime.date(2027, 8, 9),
                        ends_on=datetime.date(2027, 8, 13))
    series = Series(site=site, supervisor=supervisor, weekdays=[0], every_weeks=1, starts_on=datetime.date(2027, 8, 2),
                    ends_on=datetime.date(2027, 8, 23), start_time=datetime.time(11, 30),
                    end_time=datetime.time(13, 30), room=make_room(site), on_bank_holidays=True)
    plan = series_plan(series)
    assert [(o.date, o.clash) for o in plan.clashes] == [(datetime.date(2027, 8, 9), "Sam Okafor is away")]
    assert len(plan.creates) == 3


@time_machine.travel(MONDAY, tick=False)
def test_the_suggestion_passes_over_days_she_is_away(site, supervisor, colleague):
    for days_ago in (7, 14):
        past(site, days_ago, not_seen=1, supervisor=supervisor)  # Mondays: outgrew supply
    next_monday = datetime.date(2027, 8, 9)
    [suggestion] = demand.demand_suggestions(sites=[site], now=MONDAY, viewer=supervisor)
    assert suggestion.extra_on == next_monday
    cover.time_away_add(actor=supervisor, supervisor=supervisor, starts_on=next_monday, ends_on=next_monday)
    [suggestion] = demand.demand_suggestions(sites=[site], now=MONDAY, viewer=supervisor)
    assert suggestion.extra_on == next_monday + WEEK
    # A manager who does not supervise is offered the day: her colleague is in.
    [suggestion] = demand.demand_suggestions(sites=[site], now=MONDAY, viewer=make_manager(site))
    assert suggestion.extra_on == next_monday
    cover.time_away_add(actor=colleague, supervisor=colleague, starts_on=next_monday, ends_on=next_monday)
    [suggestion] = demand.demand_suggestions(sites=[site], now=MONDAY, viewer=make_manager(site))
    assert suggestion.extra_on == next_monday + WEEK
