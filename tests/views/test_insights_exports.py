"""figures.csv and the monthly return: numbers a spreadsheet can add up, rounded as the page rounds them."""
import datetime
from decimal import Decimal, InvalidOperation

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions_app.dates import add_months
from sessions_app.models import SicknessRecord
from sessions_app.services.insights_csv import FIGURES_HEADER, RETURN_HEADER, BAND_COLUMNS, STATUSES
from sessions_app.services.tally import tally_correct
from tests.factories import make_attendance, make_room, make_session, make_site, make_supervisor, make_team
from tests.helpers import ENDED_MONTH, MONDAY, PERIOD, THIS_MONTH, answers, csv_rows, page_tables

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_the_moment")]

TEXT_COLUMNS = {"month", "site"}


def session_on(site, supervisor, day: int, *, hours: float = 1, **fields):
    starts_at = datetime.datetime.combine(MONDAY + datetime.timedelta(days=day), datetime.time(11, 30),
                                          tzinfo=site.zone)
    return make_session(site=site, room=site.rooms.first(), supervisor=supervisor, starts_at=starts_at,
                        ends_at=starts_at + datetime.timedelta(hours=hours), **fields)


@pytest.fixture
def month_of_figures(site, supervisor):
    """A month with a mean of 101 / 40 = 2.525, a small team, a small session, and sickness of 81.39 FTE days."""
    team_a, team_b = make_team(site, name="Team A", slug="team-a"), make_team(site, name="Team B", slug="team-b")
    answers(site, team_a, [3] * 21 + [2] * 19)
    answers(site, team_b, [4] * 12)  # hidden beside the small team C, so that team A's 40 can show
    answers(site, make_team(site, name="Team C", slug="team-c"), [1, 1, 2])
    session_on(site, supervisor, 1, hours=1.25)
    make_attendance(session_on(site, supervisor, 2), seen=3, not_seen=1)
    make_attendance(session_on(site, supervisor, 3), seen=12, not_seen=6, staff_group="nurse")
    SicknessRecord.objects.create(team=team_a, month=ENDED_MONTH, fte_days_lost=Decimal("40.70"),
                                  fte_days_available=Decimal("500.10"))
    SicknessRecord.objects.create(team=team_b, month=ENDED_MONTH, fte_days_lost=Decimal("40.69"),
                                  fte_days_available=Decimal("499.90"))
    return team_a, team_b


def assert_spreadsheet_numbers(rows: list[dict], header: list[str]) -> None:
    """Every number column is a decimal or empty; every status column holds one of the statuses."""
    assert rows and list(rows[0]) == header
    for row in rows:
        for column, value in row.items():
            if column.endswith("_status"):
                assert value in STATUSES, (column, value)
                assert value == "" or row[column.removesuffix("_status")] == "", column
            elif column not in TEXT_COLUMNS and value != "":
                try:
                    Decimal(value)
                except InvalidOperation:
                    pytest.fail(f"{column} holds {value!r}, not a number")


@pytest.mark.parametrize("team", ["", "team-a", "team-b", "team-c"])
def test_every_number_column_of_figures_csv_is_a_number_or_empty(client, manager, site, month_of_figures, team):
    client.force_login(manager)
    response = client.get(f"/insights/figures.csv?site={site.slug}&team={team}"
                          f"&start={add_months(ENDED_MONTH, -1):%Y-%m}&end={THIS_MONTH:%Y-%m}")
    assert_spreadsheet_numbers(csv_rows(response), FIGURES_HEADER)


def test_every_number_column_of_the_monthly_return_is_a_number_or_empty(client, manager, site, month_of_figures):
    make_site()
    client.force_login(manager)
    response = client.get(f"/insights/monthly-return.csv?start={add_months(ENDED_MONTH, -1):%Y-%m}"
                          f"&end={THIS_MONTH:%Y-%m}")
    assert_spreadsheet_numbers(csv_rows(response), RETURN_HEADER)


def as_exported(cell: str) -> tuple[str, str]:
    """Return what a page's cell is in the CSV: (number, status)."""
    statuses = {"fewer than 5": "suppressed", "not shown": "not shown", "not yet": "not yet", "–": ""}
    return ("", statuses[cell]) if cell in statuses else (cell.removesuffix("%"), "")


def csv_pair(row: dict, column: str) -> tuple[str, str]:
    return row[column], row.get(f"{column}_status", "")


@pytest.mark.parametrize("team", ["", "team-a", "team-b", "team-c"])
def test_every_figure_of_figures_csv_is_the_pages_rounded_the_same_way(client, manager, site, month_of_figures, team):
    client.force_login(manager)
    query = f"?site={site.slug}&team={team}&{PERIOD}"
    page = page_tables(client.get(f"/insights/{query}"))
    [row] = csv_rows(client.get(f"/insights/figures.csv{query}"))
    month = f"{ENDED_MONTH:%B %Y}"
    held, cancelled = page[f"Sessions held and cancelled: {month}"]
    assert (row["sessions_held"], row["sessions_cancelled"]) == (held, cancelled)
    for cell, column in zip(page[f"People seen: {month}"], ["people_seen", "people_not_seen", "utilisation_percent"]):
        assert as_exported(cell) == csv_pair(row, column), column
    pulse = page[f"Pulse answers: {month}"]
    for cell, column in zip(pulse, ["pulse_answers", "pulse_mean_score"]):
        assert as_exported(cell) == csv_pair(row, column), column
    bands = pulse[2:] if len(pulse) > 3 else pulse[2:] * len(BAND_COLUMNS)  # one cell across them, or each
    assert [as_exported(cell) for cell in bands] == [csv_pair(row, column) for column in BAND_COLUMNS]
    if page[f"Sickness absence by month: {month}"] == ["No figures"]:
        assert (row["sickness_fte_days_lost"], row["sickness_fte_days_available"], row["sickness_rate_percent"]) == (
            "", "", "")
        return
    lost, available, rate = page[f"Sickness absence by month: {month}"]
    assert (Decimal(lost), Decimal(available), Decimal(rate.removesuffix("%"))) == (
        Decimal(row["sickness_fte_days_lost"]), Decimal(row["sickness_fte_days_available"]),
        Decimal(row["sickness_rate_percent"]))


def test_a_mean_of_2_525_is_2_53_on_the_page_and_in_the_csv(client, manager, site, month_of_figures):
    client.force_login(manager)
    query = f"?site={site.slug}&team=team-a&{PERIOD}"
    [row] = csv_rows(client.get(f"/insights/figures.csv{query}"))
    assert page_tables(client.get(f"/insights/{query}"))[f"Pulse answers: {ENDED_MONTH:%B %Y}"][:2] == ["40", "2.53"]
    assert (row["pulse_answers"], row["pulse_mean_score"]) == ("40", "2.53")


def test_fte_days_are_given_to_2_decimals_and_the_rate_as_the_page_gives_it(client, manager, site, month_of_figures):
    client.force_login(manager)
    [row] = csv_rows(client.get(f"/insights/figures.csv?site={site.slug}&{PERIOD}"))
    assert (row["sickness_fte_days_lost"], row["sickness_fte_days_available"], row["sickness_rate_percent"]) == (
        "81.39", "1000.00", "8.1")


def test_the_monthly_return_gives_what_was_delivered(client, manager, site, supervisor):
    session_on(site, supervisor, 1, hours=1.25)
    make_attendance(session_on(site, supervisor, 2), seen=12, not_seen=6, staff_group="nurse")
    make_attendance(session_on(site, make_supervisor(site), 3), seen=6, not_seen=5, staff_group="hca")
    session_on(site, supervisor, 4, status="cancelled", cancel_reason="Lockdown")
    client.force_login(manager)
    [row] = csv_rows(client.get(f"/insights/monthly-return.csv?site={site.slug}&{PERIOD}"))
    assert {column: row[column] for column in RETURN_HEADER[:10]} == {
        "site": "HMP Northgate", "month": f"{ENDED_MONTH:%Y-%m}", "sessions_held": "3",
        "hours_of_sessions_held": "3.25", "minutes_of_sessions_held": "195",
        "people_supported": "18", "people_supported_status": "", "people_not_seen": "11",
        "people_not_seen_status": "", "supervisors_delivering": "2",
    }


def test_the_staff_groups_show_beside_the_total_with_the_small_one_and_one_more_hidden(client, manager, site,
                                                                                       supervisor):
    make_attendance(session := session_on(site, supervisor, 1), seen=9, staff_group="nurse")
    make_attendance(session, seen=6, staff_group="hca")
    make_attendance(session, seen=2, staff_group="doctor")
    client.force_login(manager)
    [row] = csv_rows(client.get(f"/insights/monthly-return.csv?site={site.slug}&{PERIOD}"))
    assert csv_pair(row, "people_supported") == ("17", "")
    assert csv_pair(row, "people_supported_doctor") == ("", "suppressed")
    assert csv_pair(row, "people_supported_hca") == ("", "not shown")  # 17 − 9 would give the doctors' 2
    assert csv_pair(row, "people_supported_nurse") == ("9", "")
    assert csv_pair(row, "people_supported_admin") == ("0", "")


def test_no_staff_group_shows_beside_a_withheld_total(client, manager, site, supervisor):
    make_attendance(session_on(site, supervisor, 1), seen=3, staff_group="nurse")
    make_attendance(session_on(site, supervisor, 2), seen=10, staff_group="hca")
    client.force_login(manager)
    [row] = csv_rows(client.get(f"/insights/monthly-return.csv?site={site.slug}&{PERIOD}"))
    assert csv_pair(row, "people_supported") == ("", "not shown")  # the session page's 10 would give the 3 away
    groups = [csv_pair(row, column) for column in RETURN_HEADER if column.startswith("people_supported_")
              and not column.endswith("_status")]
    assert set(groups) == {("", "not shown")}


def test_no_staff_group_shows_in_a_month_a_correction_regrouped(client, site, supervisor, manager):
    session = session_on(site, supervisor, 1)
    make_attendance(session, seen=10, staff_group="nurse")
    make_attendance(session, seen=6, staff_group="hca")
    tally_correct(actor=supervisor, session=session, seen=16, not_seen=0, reason="Counted at the door")
    client.force_login(manager)
    [row] = csv_rows(client.get(f"/insights/monthly-return.csv?site={site.slug}&{PERIOD}"))
    assert csv_pair(row, "people_supported") == ("16", "")
    assert csv_pair(row, "people_supported_nurse") == ("", "not shown")  # before less after: the session's groups


def test_this_months_staff_groups_are_not_yet_published(client, manager, site, supervisor):
    starts_at = datetime.datetime.combine(THIS_MONTH + datetime.timedelta(days=1), datetime.time(11, 30),
                                          tzinfo=site.zone)
    make_attendance(make_session(site=site, room=site.rooms.get(), supervisor=supervisor, starts_at=starts_at),
                    seen=6, staff_group="nurse")
    client.force_login(manager)
    [row] = csv_rows(client.get(f"/insights/monthly-return.csv?site={site.slug}"
                                f"&start={THIS_MONTH:%Y-%m}&end={THIS_MONTH:%Y-%m}"))
    assert csv_pair(row, "people_supported_nurse") == ("", "not yet")


def grow(site, factor: int) -> None:
    room, supervisor = make_room(site), make_supervisor(site)
    for n in range(12):
        month = add_months(THIS_MONTH, -n - 1)
        for i in range(factor):
            session = make_session(site=site, room=room, supervisor=supervisor, starts_at=datetime.datetime.combine(
                month + datetime.timedelta(days=i), datetime.time(11, 30), tzinfo=site.zone))
            make_attendance(session, seen=i % 7, staff_group=["nurse", "hca", ""][i % 3])


def test_the_monthly_return_runs_the_same_queries_for_10_times_the_data(client, manager, site,
                                                                         django_assert_max_num_queries):
    other = make_site(time_zone="America/Los_Angeles")
    client.force_login(manager)
    grow(site, 1)
    grow(other, 1)
    path = "/insights/monthly-return.csv"
    with CaptureQueriesContext(connection) as small:
        client.get(f"{path}?start={add_months(THIS_MONTH, -12):%Y-%m}&end={THIS_MONTH:%Y-%m}")
    grow(site, 10)
    grow(other, 10)
    with django_assert_max_num_queries(len(small)):
        client.get(f"{path}?start={add_months(THIS_MONTH, -59):%Y-%m}&end={THIS_MONTH:%Y-%m}")
