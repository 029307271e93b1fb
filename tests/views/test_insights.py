"""The insights pages: privacy rule 2 everywhere a manager looks, who may see what, and fixed queries."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions_app.models import Feedback, SicknessRecord, User, week_of
from sessions_app.dates import add_months
from sessions_app.services.demo import demo_seed
from tests.factories import (make_attendance, make_manager, make_room, make_session, make_site, make_team,
                             make_user)
from tests.helpers import (ENDED_MONTH, MONDAY, PERIOD, PULSE_ROW, THIS_MONTH, answers, csv_rows,
                           page_tables as rows, text)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_the_moment")]


@pytest.fixture
def small_team(site):
    """Team A gave 3 answers last month (scores 1, 1, 2: a mean of 1.33); team B gave 12, all 4."""
    team_a, team_b = make_team(site, name="Team A", slug="team-a"), make_team(site, name="Team B", slug="team-b")
    answers(site, team_a, [1, 1, 2])
    answers(site, team_b, [4] * 12)
    return team_a, team_b


# Acceptance 1: one team with 3 answers in a month


def test_a_team_of_3_answers_shows_fewer_than_5_and_no_mean(client, manager, site, small_team):
    client.force_login(manager)
    page = rows(client.get(f"/insights/?site={site.slug}&team=team-a&{PERIOD}"))
    assert page[PULSE_ROW] == ["fewer than 5", "not shown", "not shown"]


def test_the_team_that_would_give_the_small_one_away_is_hidden_too(client, manager, site, small_team):
    # The site's 15 minus team B's 12 would give team A's 3: so team B is not shown either.
    client.force_login(manager)
    page = rows(client.get(f"/insights/?site={site.slug}&team=team-b&{PERIOD}"))
    assert page[PULSE_ROW] == ["not shown", "not shown", "not shown"]


def test_the_site_total_shows_when_no_part_of_it_can_be_worked_out(client, manager, site, small_team):
    client.force_login(manager)
    page = rows(client.get(f"/insights/?site={site.slug}&{PERIOD}"))
    assert page[PULSE_ROW][:2] == ["15", "3.47"]  # (1 + 1 + 2 + 12 × 4) / 15
    assert page[PULSE_ROW][2] == "not shown"  # the spread would show the 3 answers of 1 and 2


def test_a_site_total_of_two_small_teams_that_would_both_be_known_is_withheld(client, manager, site):
    team_a, team_b = make_team(site, name="Team A", slug="team-a"), make_team(site, name="Team B", slug="team-b")
    answers(site, team_a, [1, 1, 2, 2])
    answers(site, team_b, [3, 3, 3, 3])  # a total of 8 from two teams of fewer than 5 means 4 each
    client.force_login(manager)
    assert rows(client.get(f"/insights/?site={site.slug}&{PERIOD}"))[PULSE_ROW][:2] == ["not shown", "not shown"]
    assert rows(client.get(f"/insights/?site={site.slug}&team=team-a&{PERIOD}"))[PULSE_ROW][0] == "fewer than 5"


def test_a_site_whose_only_answers_are_the_small_teams_shows_fewer_than_5(client, manager, site):
    answers(site, make_team(site, name="Team A", slug="team-a"), [1, 1, 2])
    client.force_login(manager)
    assert rows(client.get(f"/insights/?site={site.slug}&{PERIOD}"))[PULSE_ROW][:2] == ["fewer than 5", "not shown"]


def test_no_export_or_report_shows_the_3_or_their_mean(client, manager, site, small_team):
    client.force_login(manager)
    for team in ("team-a", "team-b", ""):
        [row] = csv_rows(client.get(f"/insights/figures.csv?site={site.slug}&team={team}&{PERIOD}"))
        assert (row["pulse_answers"], row["pulse_answers_status"]) in {("", "suppressed"), ("", "not shown"),
                                                                       ("15", "")}, team
        assert row["pulse_mean_score"] in {"", "3.47"}, team
        assert "3" not in {row[key] for key in row if key.startswith("pulse_") and key != "pulse_mean_score"}, team
        report = text(client.get(f"/insights/report/?site={site.slug}&team={team}&{PERIOD}"))
        assert "1.33" not in report and "4.00" not in report and " 12 " not in report, team


def test_a_month_with_one_session_of_3_people_withholds_the_months_total(client, manager, site, supervisor):
    room = site.rooms.get()
    day = MONDAY + datetime.timedelta(days=1)
    small = make_session(site=site, room=room, supervisor=supervisor,
                         starts_at=datetime.datetime.combine(day, datetime.time(11, 30), tzinfo=site.zone))
    big = make_session(site=site, room=room, supervisor=supervisor,
                       starts_at=datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(11, 30), tzinfo=site.zone))
    make_attendance(small, seen=3)
    make_attendance(big, seen=10)  # the session page shows 10, so a month's 13 would give away the 3
    client.force_login(manager)
    page = rows(client.get(f"/insights/?site={site.slug}&{PERIOD}"))
    assert page[f"People seen: {ENDED_MONTH:%B %Y}"] == ["not shown", "0", "not shown"]
    [row] = csv_rows(client.get(f"/insights/monthly-return.csv?site={site.slug}&{PERIOD}"))
    assert (row["sessions_held"], row["people_supported"], row["people_supported_status"]) == ("2", "", "not shown")


def test_sessions_and_counts_over_the_threshold_are_shown(client, manager, site, supervisor):
    session = make_session(site=site, room=site.rooms.get(), supervisor=supervisor,
                           starts_at=datetime.datetime.combine(MONDAY, datetime.time(11, 30), tzinfo=site.zone))
    make_attendance(session, seen=6, not_seen=5)
    client.force_login(manager)
    assert rows(client.get(f"/insights/?site={site.slug}&{PERIOD}"))[f"People seen: {ENDED_MONTH:%B %Y}"] == ["6", "5", "75%"]


# Who may see what (acceptance 5: the table in tests/views/test_access.py covers every URL and role)


@pytest.mark.parametrize("path", ["/insights/", "/insights/report/"])
def test_a_supervisor_of_another_site_never_sees_this_sites_figures(client, site, small_team, other_supervisor, path):
    client.force_login(other_supervisor)
    response = client.get(f"{path}?site={site.slug}&{PERIOD}")
    assert response.status_code == 200
    assert response.context["sites"] == list(other_supervisor.supervised_sites.all())
    assert "Choose one of your sites." in text(response) and site.name not in text(response)
    assert rows(response)[PULSE_ROW][0] == "0"


@pytest.mark.parametrize("path", ["/insights/figures.csv", "/insights/monthly-return.csv"])
def test_a_supervisor_of_another_site_exports_only_her_own_site(client, site, small_team, other_supervisor, path):
    client.force_login(other_supervisor)
    [row] = csv_rows(client.get(f"{path}?site={site.slug}&{PERIOD}"))
    assert row.get("pulse_answers", "0") == "0" and row.get("site", "") in {"", other_supervisor.supervised_sites.get().name}


def test_a_supervisor_sees_her_own_sites_figures(client, site, supervisor, small_team):
    client.force_login(supervisor)
    assert rows(client.get(f"/insights/?{PERIOD}"))[PULSE_ROW][:2] == ["15", "3.47"]


@pytest.mark.parametrize("path", ["/insights/sickness/", "/insights/service-start/"])
def test_supervisors_cannot_change_sickness_or_start_dates(client, supervisor, path):
    client.force_login(supervisor)
    assert client.get(path).status_code == 403
    assert client.post(path, {"site_started_on": "2026-01-05"}).status_code == 403


# Service start


def test_a_manager_sets_when_drop_ins_started(client, manager, site):
    team = make_team(site, name="Primary care")
    client.force_login(manager)
    site_started, team_started = add_months(THIS_MONTH, -8) + datetime.timedelta(days=1), add_months(THIS_MONTH, -5)
    response = client.post(f"/insights/service-start/?site={site.slug}",
                           {"site_started_on": site_started.isoformat(), f"team_{team.pk}": team_started.isoformat()})
    assert response.status_code == 302
    site.refresh_from_db()
    team.refresh_from_db()
    assert (site.service_started_on, team.service_started_on) == (site_started, team_started)
    from sessions_app.models import AuditEntry
    assert AuditEntry.objects.filter(object_type="site", object_id=site.pk, actor=manager).count() == 1


@pytest.mark.parametrize("asked", ["hmp-nowhere", "hmp-southbank"], ids=["unknown", "not hers"])
def test_start_dates_are_never_saved_to_a_site_other_than_the_one_asked_for(client, site, asked):
    """A site that does not exist, or that she does not manage, is not found: not her first site in its place."""
    other = make_site(name="HMP Southbank", slug="hmp-southbank")
    client.force_login(make_manager(site))
    path = f"/insights/service-start/?site={asked}"
    assert client.get(path).status_code == 404
    assert client.post(path, {"site_started_on": "2026-01-05"}).status_code == 404
    site.refresh_from_db()
    other.refresh_from_db()
    assert site.service_started_on is None and other.service_started_on is None
    assert client.get("/insights/service-start/").context["site"] == site  # none asked for: her first


def test_the_start_dates_form_posts_to_its_own_site(client, site):
    other = make_site(name="HMP Southbank", slug="hmp-southbank")
    client.force_login(make_manager(site, other))
    html = client.get(f"/insights/service-start/?site={other.slug}").content.decode()
    assert 'action="?site=hmp-southbank"' in html


def test_a_bad_start_date_keeps_what_was_typed(client, manager, site):
    client.force_login(manager)
    response = client.post(f"/insights/service-start/?site={site.slug}", {"site_started_on": "31/02/2026"})
    assert response.status_code == 200
    assert "Enter a real date" in text(response) and 'value="31/02/2026"' in response.content.decode()
    site.refresh_from_db()
    assert site.service_started_on is None


# The page itself


def test_the_dashboard_defaults_to_the_last_12_months(client, manager, site):
    client.force_login(manager)
    response = client.get("/insights/")
    assert response.context["months"][0] == add_months(THIS_MONTH, -11) and response.context["months"][-1] == THIS_MONTH


@pytest.mark.parametrize("query, message", [
    ("start=2026-13&end=2026-12", "“2026-13” is not a month. Write it as YYYY-MM, for example 2026-03."),
    ("start=2026-05&end=2026-01", "The last month must be the same as or after the first."),
    ("start=2001-01&end=2026-01", "Choose a period of at most 60 months."),
    ("site=nowhere", "Choose one of your sites."),
])
def test_a_bad_period_or_site_gives_a_message_and_the_default(client, manager, site, query, message):
    make_site()  # two sites, so the site choice is offered
    client.force_login(manager)
    response = client.get(f"/insights/?{query}")
    assert response.status_code == 200
    assert message in text(response)
    assert len(response.context["months"]) == 12


def test_charts_are_drawn_on_the_server_and_mark_the_start(client, manager, site):
    site.service_started_on = ENDED_MONTH
    site.save()
    client.force_login(manager)
    html = client.get(f"/insights/?{PERIOD}").content.decode()
    assert html.count("<svg class=\"dropin-chart") == 6  # the bands' chart would be empty: a sentence instead
    assert html.count("Drop-ins started</text>") == 6


def test_a_period_whose_months_cannot_show_their_bands_has_a_sentence_and_no_empty_chart(client, manager, site,
                                                                                         small_team):
    client.force_login(manager)
    html = client.get(f"/insights/?site={site.slug}&{PERIOD}").content.decode()
    assert "The bands are not drawn as a chart: fewer than half of these months have answers enough" in html
    assert "Low (1–2)</text>" not in html


def test_before_and_after_says_not_enough_data_yet_with_few_months(client, manager, site):
    site.service_started_on = ENDED_MONTH
    site.save()
    client.force_login(manager)
    assert text(client.get("/insights/")).count("Not enough data yet") == 2


def test_the_report_has_the_approved_quotes_only(client, manager, site):
    Feedback.objects.create(site=site, comment="A place to talk.", shown_as="anp", week=MONDAY, approved=True)
    Feedback.objects.create(site=site, comment="Not approved yet.", week=MONDAY)
    client.force_login(manager)
    page = text(client.get("/insights/report/"))
    assert "“A place to talk.” — ANP/NMP" in page
    assert "Not approved yet." not in page
    assert "alongside" in page and "caused" in page


def test_the_csv_is_a_download_with_one_row_a_month(client, manager, site):
    client.force_login(manager)
    response = client.get(f"/insights/figures.csv?start={add_months(THIS_MONTH, -2):%Y-%m}&end={THIS_MONTH:%Y-%m}")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="drop-in-figures-')
    assert [row["month"] for row in csv_rows(response)] == [f"{m:%Y-%m}" for m in
                                                            (add_months(THIS_MONTH, -2), add_months(THIS_MONTH, -1), THIS_MONTH)]


def test_a_site_name_cannot_become_a_spreadsheet_formula(client, manager):
    make_site(name="=HYPERLINK(\"x\")")
    client.force_login(manager)
    body = client.get("/insights/monthly-return.csv").content.decode()
    assert "'=HYPERLINK" in body


# Fast by construction (acceptance 6)


def grow(site, factor: int) -> None:
    """Add teams, pulse answers, sickness and sessions with counts in every month of the last year."""
    room = make_room(site)
    supervisor = make_user()
    teams = [make_team(site) for _ in range(factor)]
    for n in range(12):
        month = add_months(THIS_MONTH, -n - 1)
        for team in teams:
            answers(site, team, [3, 4, 5, 2, 4, 3], monday=month + datetime.timedelta(days=(7 - month.weekday()) % 7))
            SicknessRecord.objects.create(team=team, month=month, fte_days_lost=3, fte_days_available=100)
        for i in range(factor):
            session = make_session(site=site, room=room, supervisor=supervisor, starts_at=datetime.datetime.combine(
                month + datetime.timedelta(days=i), datetime.time(11, 30), tzinfo=site.zone))
            make_attendance(session, seen=i % 7, not_seen=i % 3)


@pytest.mark.parametrize("path", ["/insights/", "/insights/report/", "/insights/board/", "/insights/figures.csv",
                                  "/insights/monthly-return.csv"])
def test_insights_run_the_same_queries_for_10_times_the_data(client, manager, site, path,
                                                             django_assert_max_num_queries):
    other = make_site()
    client.force_login(manager)
    grow(site, 1)
    grow(other, 1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"{path}?start={add_months(THIS_MONTH, -12):%Y-%m}&end={THIS_MONTH:%Y-%m}").status_code == 200
    grow(site, 10)
    grow(other, 10)
    with django_assert_max_num_queries(len(small)):
        client.get(f"{path}?start={add_months(THIS_MONTH, -59):%Y-%m}&end={THIS_MONTH:%Y-%m}")  # 5× the months too


# Review fixes: nothing published that grows while someone watches, extreme means, zones, one site


def test_this_months_people_and_answers_are_not_published_until_it_ends(client, manager, site, supervisor):
    # A session of this month: 3 hours ago, or at midnight on its first day if that was last month.
    starts_at = max(timezone.now() - datetime.timedelta(hours=3),
                    datetime.datetime.combine(THIS_MONTH, datetime.time(), tzinfo=site.zone))
    session = make_session(site=site, room=site.rooms.get(), supervisor=supervisor, starts_at=starts_at,
                           ends_at=starts_at + datetime.timedelta(minutes=30))
    make_attendance(session, seen=6)
    answers(site, None, [3] * 6, monday=week_of(timezone.localdate()))
    client.force_login(manager)
    page = rows(client.get(f"/insights/?start={THIS_MONTH:%Y-%m}&end={THIS_MONTH:%Y-%m}"))
    assert page[f"People seen: {THIS_MONTH:%B %Y}"] == ["not yet", "not yet", "not yet"]
    assert page[f"Pulse answers: {THIS_MONTH:%B %Y}"][0] == "not yet"
    [row] = csv_rows(client.get(f"/insights/monthly-return.csv?start={THIS_MONTH:%Y-%m}&end={THIS_MONTH:%Y-%m}"))
    assert (row["people_supported"], row["people_supported_status"]) == ("", "not yet")


def test_a_month_is_open_until_the_week_that_starts_in_it_ends(site):
    from sessions_app.services.pulse_figures import pulse_months

    answers(site, None, [3] * 6, monday=datetime.date(2026, 3, 30))  # Monday 30 March: the week ends 5 April
    months = [datetime.date(2026, 3, 1)]
    during = pulse_months(sites=[site], team=None, months=months,
                         now=datetime.datetime(2026, 4, 3, 12, tzinfo=datetime.timezone.utc))
    after = pulse_months(sites=[site], team=None, months=months,
                        now=datetime.datetime(2026, 4, 6, 12, tzinfo=datetime.timezone.utc))
    assert (str(during[months[0]].answers), str(after[months[0]].answers)) == ("not yet", "6")


@pytest.mark.parametrize("scores, mean", [
    ([1, 1, 1, 1, 2], "not shown"),      # 1.2 over 5 would say one person answered “low”
    ([5, 5, 5, 5, 5, 4], "not shown"),   # the same at the top
    ([1, 1, 1, 1, 1], "1.00"),           # all five gave the same answer: a group of 5
    ([1, 1, 1, 3, 4, 2], "2.00"),        # 6 above the lowest: it could be several people
])
def test_a_mean_that_would_say_fewer_than_5_answered_differently_is_not_shown(client, manager, site, scores, mean):
    answers(site, None, scores)
    client.force_login(manager)
    assert rows(client.get(f"/insights/?{PERIOD}"))[PULSE_ROW][1] == mean


def test_each_site_counts_its_months_in_its_own_time_zone_when_shown_together(site):
    from sessions_app.services.insights import session_months

    new_york = make_site(time_zone="America/New_York")
    # 11:30pm on 31 March in New York is already April in London.
    late = make_session(site=new_york, room=make_room(new_york),
                        starts_at=datetime.datetime(2026, 3, 31, 23, 30, tzinfo=new_york.zone))
    make_attendance(late, seen=7)
    months = [datetime.date(2026, 3, 1), datetime.date(2026, 4, 1)]
    now = datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc)
    alone = session_months(sites=[new_york], months=months, now=now)[new_york.pk]
    together = session_months(sites=[site, new_york], months=months, now=now)[new_york.pk]
    assert alone[months[0]].held == together[months[0]].held == 1


def test_a_supervisor_of_one_site_may_name_it(client, supervisor, site):
    client.force_login(supervisor)
    response = client.get(f"/insights/?site={site.slug}")
    assert "There is a problem" not in text(response) and response.context["site"] == site


def test_supervisors_are_not_offered_links_only_managers_may_follow(client, supervisor, manager, site):
    client.force_login(supervisor)
    assert "/insights/sickness/" not in client.get("/insights/").content.decode()
    client.force_login(manager)
    assert "/insights/sickness/" in client.get("/insights/").content.decode()


def test_a_bad_filter_puts_the_error_summary_first_and_in_the_title(client, manager, site):
    client.force_login(manager)
    html = client.get("/insights/?start=nonsense").content.decode()
    assert "<title>Error: Insights" in html
    assert html.index("nhsuk-error-summary") < html.index("<h1")


# At the estate's scale: each session is summed before the month, in one query


def test_a_sessions_staff_groups_are_added_up_before_its_count_is_judged_small(client, manager, site, supervisor):
    room = site.rooms.get()
    day = MONDAY + datetime.timedelta(days=1)
    two_groups = make_session(site=site, room=room, supervisor=supervisor,
                              starts_at=datetime.datetime.combine(day, datetime.time(11, 30), tzinfo=site.zone))
    big = make_session(site=site, room=room, supervisor=supervisor, starts_at=datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time(11, 30), tzinfo=site.zone))
    make_attendance(two_groups, staff_group="nurse", seen=2)
    make_attendance(two_groups, staff_group="admin", seen=2)  # the session page shows 4: fewer than 5
    make_attendance(big, seen=10)
    client.force_login(manager)
    page = rows(client.get(f"/insights/?site={site.slug}&{PERIOD}"))
    assert page[f"People seen: {ENDED_MONTH:%B %Y}"] == ["not shown", "0", "not shown"]
    assert page[f"Sessions held and cancelled: {ENDED_MONTH:%B %Y}"][:2] == ["2", "0"]


def test_the_demo_draws_the_bands_and_its_sickness_chart_shows_the_step_and_names_its_variation(client):
    demo_seed()
    client.force_login(User.objects.get(username="manager"))
    response = client.get("/insights/")  # the default: the last 12 months, the start 5 months ago
    assert "Low (1–2)</text>" in response.content.decode()
    sickness = response.context["charts"]["sickness"]
    assert "Drop-ins started</text>" in sickness.svg
    assert sickness.svg.count('stroke-dasharray="6 4"') == 2 + 2 + 1  # limits from the 12 before, carried on; key
    assert sickness.words.startswith("Special cause improvement: the sickness absence rate fell below its lower")
