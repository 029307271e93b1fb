"""The board summary: the period's totals as the dashboard would add them up, under privacy rule 2."""
import datetime

import pytest

from sessions_app.dates import add_months
from sessions_app.models import Pulse, SicknessRecord
from tests.factories import make_attendance, make_room, make_session, make_site, make_team, make_user
from tests.helpers import ENDED_MONTH, THIS_MONTH, answers, page_tables as rows, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_the_moment")]

FIRST = add_months(ENDED_MONTH, -2)
PERIOD = f"start={FIRST:%Y-%m}&end={ENDED_MONTH:%Y-%m}"
BOARD = "Each measure over the months covered"


def held(site, month: datetime.date, *counts: tuple[int, int]) -> None:
    """Hold one session a day from the month's second day, with (seen, not seen) at each.

    A room of their own: sessions of two calls on one day must not clash (PostgreSQL refuses a double booking).
    """
    room = make_room(site)
    supervisor = make_user()
    for day, (seen, not_seen) in enumerate(counts, start=1):
        session = make_session(site=site, room=room, supervisor=supervisor, starts_at=datetime.datetime.combine(
            month + datetime.timedelta(days=day), datetime.time(11, 30), tzinfo=site.zone))
        make_attendance(session, seen=seen, not_seen=not_seen)


@pytest.fixture
def three_months(site):
    held(site, FIRST, (6, 5), (7, 0))
    held(site, add_months(FIRST, 1), (8, 5))
    held(site, ENDED_MONTH, (9, 0), (5, 5))
    team = make_team(site, name="Team A", slug="team-a")
    for month, scores in ((FIRST, [3] * 6), (add_months(FIRST, 1), [4] * 5), (ENDED_MONTH, [2, 3, 4, 5, 5, 4])):
        answers(site, team, scores, monday=month + datetime.timedelta(days=(7 - month.weekday()) % 7))
        SicknessRecord.objects.create(team=team, month=month, fte_days_lost=5, fte_days_available=100)
    return team


def board(client, query=PERIOD) -> dict:
    table = rows(client.get(f"/insights/board/?{query}"))
    return {key.removeprefix(f"{BOARD}: "): cells[0] for key, cells in table.items() if key.startswith(BOARD)}


def test_the_board_adds_up_the_dashboards_months(client, manager, site, three_months):
    client.force_login(manager)
    dashboard = rows(client.get(f"/insights/?{PERIOD}"))
    months = [add_months(FIRST, n) for n in range(3)]
    seen = sum(int(dashboard[f"People seen: {month:%B %Y}"][0]) for month in months)
    not_seen = sum(int(dashboard[f"People seen: {month:%B %Y}"][1]) for month in months)
    held_ = sum(int(dashboard[f"Sessions held and cancelled: {month:%B %Y}"][0]) for month in months)
    summary = board(client)
    assert (summary["Sessions held"], summary["Sessions cancelled"]) == (str(held_), "0") == ("5", "0")
    assert summary["People supported (seen)"] == str(seen) == "35"
    assert summary["People not seen (came but could not be seen)"] == str(not_seen) == "15"
    assert summary["Pulse answers and mean score (1 to 5)"] == "Answers: 17. Mean: 3.59."  # (18 + 20 + 23) / 17
    assert summary["Sickness absence rate"] == "5.0%"
    assert summary["Hours of supervision delivered (sessions held)"] == "10.0"  # 5 sessions of 2 hours


def test_a_month_not_shown_withholds_the_periods_total(client, manager, site, three_months):
    held(site, add_months(FIRST, 1), (3, 0))  # the month's 11 less the session page's 8 would give the 3
    client.force_login(manager)
    dashboard = rows(client.get(f"/insights/?{PERIOD}"))
    assert dashboard[f"People seen: {add_months(FIRST, 1):%B %Y}"][0] == "not shown"
    assert dashboard[f"People seen: {FIRST:%B %Y}"][0] == "13"
    assert dashboard[f"People seen: {ENDED_MONTH:%B %Y}"][0] == "14"
    summary = board(client)
    assert summary["People supported (seen)"] == "not shown"  # 38 less 13 and 14 would give the month's 11
    assert summary["People not seen (came but could not be seen)"] == "15"


def test_a_month_of_fewer_than_5_answers_withholds_the_periods_answers_and_mean(client, manager, site, three_months):
    middle = Pulse.objects.filter(week__gte=add_months(FIRST, 1), week__lt=ENDED_MONTH)
    middle.filter(pk__in=list(middle.values_list("pk", flat=True)[:2])).delete()  # 3 answers are left
    client.force_login(manager)
    assert rows(client.get(f"/insights/?{PERIOD}"))[f"Pulse answers: {add_months(FIRST, 1):%B %Y}"][0] == "fewer than 5"
    summary = board(client)
    assert summary["Pulse answers and mean score (1 to 5)"] == "Answers: not shown. Mean: not shown."


def test_every_figure_leaves_out_the_month_still_running_and_the_page_says_which_months(client, manager, site,
                                                                                        three_months):
    held(site, THIS_MONTH, (6, 0))
    make_session(site=site, room=make_room(site), status="cancelled", cancel_reason="Lockdown",
                 starts_at=datetime.datetime.combine(THIS_MONTH + datetime.timedelta(days=20), datetime.time(11, 30),
                                                     tzinfo=site.zone))
    SicknessRecord.objects.create(team=three_months, month=THIS_MONTH, fte_days_lost=50, fte_days_available=100)
    client.force_login(manager)
    query = f"start={FIRST:%Y-%m}&end={THIS_MONTH:%Y-%m}"
    summary = board(client, query)
    assert (summary["Sessions held"], summary["Sessions cancelled"]) == ("5", "0")
    assert summary["Hours of supervision delivered (sessions held)"] == "10.0"
    assert summary["People supported (seen)"] == "35"
    assert summary["Pulse answers and mean score (1 to 5)"] == "Answers: 17. Mean: 3.59."
    assert summary["Sickness absence rate"] == "5.0%"
    covered = f"{FIRST:%B} to {ENDED_MONTH:%B %Y}"
    page = text(client.get(f"/insights/board/?{query}"))
    assert f"Summary, {covered}" in page
    period = f"{FIRST:%B} to {THIS_MONTH:%B %Y}"
    assert f"Every total covers the same months, {covered}: those of {period} that have ended" in page


def test_a_period_with_no_month_ended_has_nothing_to_add_up(client, manager, site, three_months):
    held(site, THIS_MONTH, (6, 0))
    client.force_login(manager)
    response = client.get(f"/insights/board/?start={THIS_MONTH:%Y-%m}&end={THIS_MONTH:%Y-%m}")
    assert f"No month of {THIS_MONTH:%B %Y} has ended yet." in text(response)
    assert not any(key.startswith(BOARD) for key in rows(response))


def test_the_board_follows_the_filter_and_says_which_sites(client, manager, site, three_months):
    other = make_site(name="HMP Southbank", slug="hmp-southbank")
    held(other, ENDED_MONTH, (6, 0))
    client.force_login(manager)
    assert board(client, f"site={other.slug}&{PERIOD}")["People supported (seen)"] == "6"
    page = text(client.get(f"/insights/board/?{PERIOD}"))
    assert "at 2 sites" in page and "HMP Southbank" in page
    assert board(client)["People supported (seen)"] == "41"
    team_page = text(client.get(f"/insights/board/?site={site.slug}&team=team-a&{PERIOD}"))
    assert "Sickness absence rate (Team A)" in team_page


def test_a_supervisor_of_another_site_sees_only_her_own(client, site, three_months, other_supervisor):
    client.force_login(other_supervisor)
    response = client.get(f"/insights/board/?site={site.slug}&{PERIOD}")
    assert response.status_code == 200
    assert "Choose one of your sites." in text(response) and site.name not in text(response)
    assert board(client)["People supported (seen)"] == "0"


def test_the_board_has_a_print_hint_and_no_script(client, manager, site):
    client.force_login(manager)
    html = client.get("/insights/board/").content.decode()
    assert "Print this page for the board" in html and "onclick" not in html


def test_the_report_starts_at_the_first_month_with_data_and_the_summary_first(client, manager, site, three_months):
    client.force_login(manager)
    response = client.get(f"/insights/report/?start={add_months(FIRST, -6):%Y-%m}&end={ENDED_MONTH:%Y-%m}")
    assert response.context["months"][0] == FIRST
    page = text(response)
    assert page.index("Summary, ") < page.index("What the service is")
    assert len(client.get(f"/insights/?start={add_months(FIRST, -6):%Y-%m}&end={ENDED_MONTH:%Y-%m}")
               .context["months"]) == 9  # the dashboard shows the period as chosen


def test_a_report_of_a_period_with_no_data_keeps_the_period(client, manager, site):
    client.force_login(manager)
    assert len(client.get(f"/insights/report/?{PERIOD}").context["months"]) == 3
