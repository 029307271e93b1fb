"""UK bank holidays per site: marked and skipped in a series, never suggested for an extra session."""
import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sessions_app.dates import bank_holidays
from sessions_app.models import Series, Session, Site
from sessions_app.services.demand import _next_free_day
from sessions_app.services.series import series_plan, series_publish
from tests.factories import make_room, make_session, make_site

pytestmark = pytest.mark.django_db
AUTUMN = datetime.datetime(2027, 8, 2, 9, 0, tzinfo=datetime.timezone.utc)  # a Monday, four weeks before one


def test_the_regions_have_their_own_bank_holidays():
    first, last = datetime.date(2027, 1, 1), datetime.date(2027, 12, 31)
    england, scotland = (bank_holidays(region=r, first=first, last=last) for r in ("ENG", "SCT"))
    assert england[datetime.date(2027, 8, 30)] == "Late Summer Bank Holiday" and datetime.date(2027, 8, 2) in scotland
    assert datetime.date(2027, 8, 30) not in scotland and datetime.date(2027, 1, 2) in scotland
    assert datetime.date(2027, 3, 17) in bank_holidays(region="NIR", first=first, last=last)  # St Patrick's Day


def mondays_series(site, supervisor, **fields) -> Series:
    return Series(site=site, supervisor=supervisor, weekdays=[0], every_weeks=1, starts_on=datetime.date(2027, 8, 2),
                  ends_on=datetime.date(2027, 9, 6), start_time=datetime.time(11, 30), end_time=datetime.time(13, 30),
                  room=make_room(site), **fields)


@time_machine.travel(AUTUMN, tick=False)
def test_a_series_skips_the_sites_bank_holidays_and_says_so(site, supervisor):
    series = mondays_series(site, supervisor)
    plan = series_plan(series)
    assert [(o.date, o.clash) for o in plan.clashes] == [
        (datetime.date(2027, 8, 30), "Bank holiday (Late Summer Bank Holiday)")]
    series_publish(actor=supervisor, series=series, audience_teams=[], fingerprint=plan.fingerprint)
    published = set(Session.objects.filter(series=series).values_list("occurrence_date", flat=True))
    assert datetime.date(2027, 8, 30) not in published and len(published) == 5
    assert Series.objects.get().skip_dates == ["2027-08-30"]  # the series says what happened to it


@time_machine.travel(AUTUMN, tick=False)
def test_a_series_told_to_runs_on_bank_holidays(site, supervisor):
    plan = series_plan(mondays_series(site, supervisor, on_bank_holidays=True))
    assert plan.clashes == [] and len(plan.creates) == 6


@time_machine.travel(AUTUMN, tick=False)
def test_a_scottish_prison_follows_scottish_bank_holidays(supervisor):
    site = make_site(name="HMP Loch", bank_holidays=Site.BankHolidays.SCOTLAND)
    site.supervisors.add(supervisor)
    dates = [o.date for o in series_plan(mondays_series(site, supervisor)).clashes]
    assert dates == [datetime.date(2027, 8, 2)]  # Scotland's summer holiday is the first Monday in August


@time_machine.travel(AUTUMN, tick=False)
def test_the_suggestion_passes_over_bank_holidays_and_cancelled_dates(site):
    busy = {datetime.date(2027, 8, 9)}  # say it was cancelled: "the supervisor is needed for an inspection"
    holidays = set(bank_holidays(region="ENG", first=datetime.date(2027, 8, 2), last=datetime.date(2027, 10, 1)))
    day = _next_free_day(site=site, weekdays={0}, busy=busy | holidays, now=AUTUMN + datetime.timedelta(weeks=3))
    assert day == datetime.date(2027, 9, 6)  # not the cancelled 9th, nor the bank holiday on the 30th


@time_machine.travel(AUTUMN, tick=False)
def test_a_cancelled_date_counts_as_taken_for_the_suggestion(site, supervisor):
    from sessions_app.services.demand import _days_with_sessions

    make_session(site=site, supervisor=supervisor, status="cancelled", cancel_reason="Inspection",
                 starts_at=datetime.datetime(2027, 8, 9, 11, 30, tzinfo=site.zone))
    assert datetime.date(2027, 8, 9) in _days_with_sessions(site_ids=[site.pk], now=AUTUMN)[site.pk]


def test_the_database_refuses_an_unknown_region(site):
    site.bank_holidays = "XX"
    with pytest.raises(ValidationError, match="Choose England and Wales, Scotland or Northern Ireland"):
        site.validate_constraints()
    with pytest.raises(IntegrityError), transaction.atomic():
        Site.objects.filter(pk=site.pk).update(bank_holidays="XX")
