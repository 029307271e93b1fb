"""Sickness absence through the pages: a site's table, one month by hand, a CSV file previewed then imported."""
import datetime
import html
import math
import re
import time
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions_app.models import AuditEntry, SicknessRecord
from sessions_app.services.sickness_csv import months_ahead
from sessions_app.services.sickness_import import NOT_CHECKED
from tests.factories import make_site, make_team
from tests.helpers import (HEADER, IMPORT, csv_bytes, hidden, sickness_confirm as confirm, sickness_upload as upload,
                           text)

pytestmark = pytest.mark.django_db
PAGE = "/insights/sickness/"
@pytest.fixture
def teams(site):
    return {
        "mh": make_team(site, name="Mental health, in-reach", slug="mh-in-reach"),
        "pc": make_team(site, name="Primary care", slug="primary-care"),
    }


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


def record(team, month: str, lost="10", available="400") -> SicknessRecord:
    return SicknessRecord.objects.create(team=team, month=datetime.date.fromisoformat(f"{month}-01"),
                                         fte_days_lost=Decimal(lost), fte_days_available=Decimal(available))


def saved(site) -> set[tuple[str, str, Decimal, Decimal]]:
    return {(r.team.slug, f"{r.month:%Y-%m}", r.fte_days_lost, r.fte_days_available)
            for r in SicknessRecord.objects.filter(team__site=site).select_related("team")}


def month_data(**changes) -> dict:
    return {"team": "primary-care", "month": "2026-03", "fte_days_lost": "12.5", "fte_days_available": "400",
            **changes}


# The table


def test_the_page_lists_the_sites_figures_newest_first_with_the_rate_to_one_decimal_place(signed_in, site, teams):
    record(teams["pc"], "2026-02", lost="12.5", available="400")
    record(teams["mh"], "2026-03", lost="1", available="3")
    record(make_team(make_site(name="HMP Westgate")), "2026-03", lost="7", available="70")
    response = signed_in.get(PAGE)
    assert response.status_code == 200
    assert [(line.month_label, line.record.team.name, line.lost, line.available, line.rate)
            for line in response.context["lines"]] == [
        ("March 2026", "Mental health, in-reach", "1", "3", "33.3%"),
        ("February 2026", "Primary care", "12.5", "400", "3.1%"),
    ]
    assert "Rate 3.1%" in text(response) and "Rate 33.3%" in text(response)


def test_the_first_site_is_shown_until_another_is_chosen(signed_in, site, teams):
    other = make_site(name="HMP Aldgate", slug="hmp-aldgate")
    assert signed_in.get(PAGE).context["site"] == other  # sites are in name order
    assert signed_in.get(PAGE + "?site=hmp-northgate").context["site"] == site


def test_an_unknown_site_gives_a_message_not_an_error(signed_in, site):
    response = signed_in.get(PAGE + "?site=hmp-nowhere")
    assert response.status_code == 200
    assert "Choose one of your sites." in text(response)
    assert "site" not in response.context


def test_only_the_newest_24_months_with_figures_are_listed(signed_in, site, teams):
    for n in range(30):
        record(teams["pc"], f"{months_ahead(datetime.date(2023, 1, 1), n):%Y-%m}")
    lines = signed_in.get(PAGE).context["lines"]
    assert (len(lines), lines[0].month_label, lines[-1].month_label) == (24, "June 2025", "July 2023")


def test_a_change_link_fills_the_form_with_the_saved_figures(signed_in, site, teams):
    record(teams["pc"], "2026-02", lost="12.5", available="400")
    response = signed_in.get(PAGE)
    link = re.search(r'href="(\?site=hmp-northgate[^"]*)">Change', response.content.decode()).group(1)
    form = signed_in.get(PAGE + html.unescape(link)).context["form"]
    assert {name: form[name].value() for name in ("team", "month", "fte_days_lost", "fte_days_available")} == {
        "team": "primary-care", "month": "2026-02", "fte_days_lost": "12.50", "fte_days_available": "400.00"}


def test_the_page_runs_a_fixed_number_of_queries(signed_in, site, teams, django_assert_max_num_queries):
    def grow(n_teams, n_months):
        for _ in range(n_teams):
            team = make_team(site)
            for n in range(n_months):
                record(team, f"{months_ahead(datetime.date(2024, 1, 1), n):%Y-%m}")

    grow(2, 3)
    with CaptureQueriesContext(connection) as queries:
        signed_in.get(PAGE)
    grow(20, 24)
    with django_assert_max_num_queries(len(queries)):
        response = signed_in.get(PAGE)
    assert len(response.context["lines"]) == 22 * 24 - 2 * 21


def test_a_site_without_teams_says_so_instead_of_a_form(signed_in, site):
    response = signed_in.get(PAGE)
    assert "HMP Northgate has no teams yet. An administrator adds them; then you can enter their figures." \
        in text(response)
    assert response.context["form"] is None


# One month by hand


def test_entering_a_new_team_month_saves_it_and_says_so(signed_in, site, teams):
    response = signed_in.post(PAGE + "?site=hmp-northgate", month_data())
    assert response.status_code == 302 and response.url == "/insights/sickness/?site=hmp-northgate"
    assert saved(site) == {("primary-care", "2026-03", Decimal("12.50"), Decimal("400.00"))}
    assert "Saved the figures for Primary care, March 2026: 12.5 FTE days lost of 400 available (3.1%)." \
        in text(signed_in.get(response.url))


@pytest.mark.parametrize("written", ["03/2026", "March 2026"])
def test_the_month_may_be_written_as_people_write_it(signed_in, site, teams, written):
    signed_in.post(PAGE + "?site=hmp-northgate", month_data(month=written))
    assert saved(site) == {("primary-care", "2026-03", Decimal("12.50"), Decimal("400.00"))}


def test_entering_a_saved_team_month_asks_before_replacing_and_keeps_what_was_typed(signed_in, site, teams):
    record(teams["pc"], "2026-03", lost="9", available="380")
    response = signed_in.post(PAGE + "?site=hmp-northgate", month_data(month="March 2026"))
    assert response.status_code == 200
    assert "Primary care already has figures for March 2026 (lost 9, available 380). Replace them?" in text(response)
    assert hidden(response, "replace") == "yes"
    assert (hidden(response, "month"), hidden(response, "fte_days_lost")) == ("March 2026", "12.5")
    assert 'id="id_month" name="month" type="text" value="March 2026"' in response.content.decode()
    assert saved(site) == {("primary-care", "2026-03", Decimal("9.00"), Decimal("380.00"))}


def test_replacing_after_the_question_saves_the_new_figures(signed_in, site, teams):
    record(teams["pc"], "2026-03", lost="9", available="380")
    response = signed_in.post(PAGE + "?site=hmp-northgate", {**month_data(), "replace": "yes"})
    assert response.status_code == 302
    assert saved(site) == {("primary-care", "2026-03", Decimal("12.50"), Decimal("400.00"))}
    assert "Replaced the figures for Primary care, March 2026" in text(signed_in.get(response.url))
    assert AuditEntry.objects.get().action == "edit"


@pytest.mark.parametrize("changes, field, message", [
    ({"team": "healthcare"}, "team", "Choose a team at HMP Northgate from the list."),
    ({"month": "Marchember"}, "month", "“Marchember” is not a month. Write it as YYYY-MM, for example 2026-03."),
    ({"month": "2099-01"}, "month", "January 2099 is more than 2 years ahead. Check the year."),
    ({"fte_days_lost": "-1"}, "fte_days_lost", "FTE days lost cannot be negative."),
    ({"fte_days_lost": "a lot"}, "fte_days_lost", "FTE days lost “a lot” is not a number. Write it like 12.5."),
    ({"fte_days_lost": "0", "fte_days_available": "0"}, "fte_days_available",
     "FTE days available must be more than 0."),
    ({"fte_days_lost": "401"}, "fte_days_lost", "FTE days lost cannot be more than FTE days available."),
    ({"month": ""}, "month", "Enter the month, for example 2026-03."),
], ids=["team of another site", "bad month", "more than 2 years ahead", "negative", "not a number", "available 0",
        "lost greater than available", "no month"])
def test_a_mistake_is_named_and_everything_typed_is_kept(signed_in, site, teams, changes, field, message):
    make_team(make_site(name="HMP Elsewhere"), name="Healthcare", slug="healthcare")
    data = month_data(**changes)
    response = signed_in.post(PAGE + "?site=hmp-northgate", data)
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    page = response.content.decode()
    assert f'<a href="#id_{field}">{message}</a>' in page  # the error summary
    for name in ("month", "fte_days_lost", "fte_days_available"):
        assert f'name="{name}" type="text" value="{data[name]}"' in page
    assert not SicknessRecord.objects.exists()


# Managers only


@pytest.mark.parametrize("path", [PAGE, IMPORT])
def test_a_supervisor_posting_is_refused_and_nothing_is_saved(client, supervisor, site, teams, path):
    client.force_login(supervisor)
    data = {**month_data(), "site": "hmp-northgate",
            "file": SimpleUploadedFile("s.csv", csv_bytes("Primary care,2026-01,1,10"))}
    assert client.post(path + "?site=hmp-northgate", data).status_code == 403
    assert not SicknessRecord.objects.exists()


@pytest.mark.parametrize("path", [PAGE, IMPORT])
def test_posting_without_signing_in_goes_to_sign_in_and_saves_nothing(client, site, teams, path):
    response = client.post(path + "?site=hmp-northgate", month_data())
    assert response.status_code == 302 and response.url.startswith("/sign-in/")
    assert not SicknessRecord.objects.exists()


# Importing a file


def test_the_upload_page_offers_the_example_file_which_imports_as_it_is(signed_in):
    site = make_site(name="HMP Demo", slug="hmp-demo")
    for slug, name in [("mental-health-in-reach", "Mental health in-reach"), ("primary-care", "Primary care"),
                       ("prison-staff", "Prison staff")]:
        make_team(site, name=name, slug=slug)
    page = signed_in.get(IMPORT + "?site=hmp-demo")
    assert 'href="/static/examples/sickness-example.csv" download' in page.content.decode()
    example = Path(django_settings.BASE_DIR, "static", "examples", "sickness-example.csv").read_bytes()
    assert confirm(signed_in, upload(signed_in, example, site="hmp-demo")).status_code == 302
    assert SicknessRecord.objects.filter(team__site=site).count() == 6


def test_a_good_file_shows_a_preview_and_saves_nothing(signed_in, site, teams):
    response = upload(signed_in, csv_bytes("Primary care,2026-01,14.5,420", "mh-in-reach,2026-01,6.25,210"))
    assert response.status_code == 200
    page = text(response)
    assert "Rows in the file 2 New team-months 2 Team-months to replace 0" in page
    assert "Confirm and import 2 team-months" in page
    assert not SicknessRecord.objects.exists()


def test_the_preview_shows_the_first_20_rows_of_a_longer_file(signed_in, site, teams):
    response = upload(signed_in, rows([teams["pc"]], 30))
    assert "The first 20 of 30 rows" in text(response)
    assert [row.line for row in response.context["parsed"].first_rows] == list(range(2, 22))
    assert response.content.decode().count("nhsuk-tag--green\">New<") == 20


def test_confirming_imports_the_file_and_says_how_many(signed_in, site, teams):
    preview = upload(signed_in, csv_bytes("Primary care,2026-01,14.5,420", "mh-in-reach,2026-01,6.25,210"))
    response = confirm(signed_in, preview)
    assert response.status_code == 302 and response.url == "/insights/sickness/?site=hmp-northgate"
    assert saved(site) == {("primary-care", "2026-01", Decimal("14.50"), Decimal("420.00")),
                           ("mh-in-reach", "2026-01", Decimal("6.25"), Decimal("210.00"))}
    assert "Imported 2 team-months (0 replaced)." in text(signed_in.get(response.url))
    assert AuditEntry.objects.get().action == "sickness_import"


def test_a_saved_team_month_is_listed_as_replaced_and_replaced_only_after_confirming(signed_in, site, teams):
    record(teams["pc"], "2026-01", lost="3", available="300")
    record(teams["pc"], "2026-02", lost="3", available="300")
    preview = upload(signed_in, csv_bytes("Primary care,2026-01,14.5,420", "Primary care,2026-02,9,380",
                                          "Primary care,2026-03,4,380"))
    page = text(preview)
    assert "Rows in the file 3 New team-months 1 Team-months to replace 2" in page
    assert ("2 team-months will be replaced These team-months already have figures and will be replaced: "
            "Primary care: January 2026 to February 2026") in page
    assert "Replaces lost 3, available 300" in page
    assert saved(site) == {("primary-care", "2026-01", Decimal("3.00"), Decimal("300.00")),
                           ("primary-care", "2026-02", Decimal("3.00"), Decimal("300.00"))}
    response = confirm(signed_in, preview)
    assert "Imported 3 team-months (2 replaced)." in text(signed_in.get(response.url))
    assert saved(site) == {("primary-care", "2026-01", Decimal("14.50"), Decimal("420.00")),
                           ("primary-care", "2026-02", Decimal("9.00"), Decimal("380.00")),
                           ("primary-care", "2026-03", Decimal("4.00"), Decimal("380.00"))}


def test_excels_bom_quoting_and_line_endings_are_accepted(signed_in, site, teams):
    data = ('\ufeff"team","month","fte_days_lost","fte_days_available"\r\n'
            '"Mental health, in-reach","2026-01","6.25","210"\r\n"Primary care","Mar-26","1,204.50","2,400"\r\n')
    preview = upload(signed_in, data.encode("utf-8"))
    assert preview.context["parsed"].problems == []
    confirm(signed_in, preview)
    assert saved(site) == {("mh-in-reach", "2026-01", Decimal("6.25"), Decimal("210.00")),
                           ("primary-care", "2026-03", Decimal("1204.50"), Decimal("2400.00"))}


def test_a_windows_1252_file_is_accepted(signed_in, site):
    make_team(site, name="Santé team", slug="sante")
    preview = upload(signed_in, "team,month,fte_days_lost,fte_days_available\r\nSanté team,2026-01,1,10\r\n"
                     .encode("cp1252"))
    assert confirm(signed_in, preview).status_code == 302
    assert saved(site) == {("sante", "2026-01", Decimal("1.00"), Decimal("10.00"))}


@pytest.mark.parametrize("line, problem", [
    ("Dentistry,2026-01,1,10", "Unknown team “Dentistry”: HMP Northgate has no team with that name or short name."),
    ("Healthcare,2026-01,1,10", "Unknown team “Healthcare”: HMP Northgate has no team with that name or short name."),
    ("Primary care,2026/01,1,10", "“2026/01” is not a month. Write it as YYYY-MM, for example 2026-03."),
    ("Primary care,2026-01,-1,10", "FTE days lost cannot be negative."),
    ("Primary care,2026-01,11,10", "FTE days lost cannot be more than FTE days available."),
    ("Primary care,2026-01,0,0", "FTE days available must be more than 0."),
    ("Primary care,2026-01,1,ten", "FTE days available “ten” is not a number. Write it like 12.5."),
    ("primary-care,2025-12,1,10",
     "Primary care, December 2025 is in the file twice: on lines 2 and 4. Keep one of them."),
], ids=["unknown team", "team of another site", "bad month", "negative", "lost greater than available",
        "available not positive", "not a number", "duplicate"])
def test_a_bad_row_is_listed_with_its_line_and_reason_and_nothing_can_be_saved(signed_in, site, teams, line, problem):
    make_team(make_site(name="HMP Elsewhere"), name="Healthcare", slug="healthcare")
    response = upload(signed_in, csv_bytes("Primary care,2025-12,1,10", "Primary care,2025-11,1,10", line))
    page = text(response)
    assert f"Line Problem 4 {problem}" in page
    assert "1 row of 3 has a problem, so nothing can be saved from this file." in page
    assert "Confirm and import" not in page and 'name="payload"' not in response.content.decode()
    assert "Upload a corrected file" in page
    assert not SicknessRecord.objects.exists()


def test_a_file_with_several_bad_rows_lists_every_one(signed_in, site, teams):
    response = upload(signed_in, csv_bytes(
        "Primary care,2026-01,1,10", "Dentistry,2026-01,1,10", "Primary care,2026-13,1,10",
        "Primary care,2026-02,-3,10", "Primary care,2026-03,20,10", "Primary care,2026-04,2,0",
        "Primary care,2026-05,two,10", "primary-care,2026-01,1,10"))
    problem_rows = re.findall(r'<td class="nhsuk-table__cell nhsuk-table__cell--numeric">(\d+)</td>'
                              r'<td class="nhsuk-table__cell">([^<]+)</td>', response.content.decode())
    assert [(int(line), html.unescape(message)) for line, message in problem_rows] == [
        (3, "Unknown team “Dentistry”: HMP Northgate has no team with that name or short name."),
        (4, "“2026-13” is not a month. Write it as YYYY-MM, for example 2026-03."),
        (5, "FTE days lost cannot be negative."),
        (6, "FTE days lost cannot be more than FTE days available."),
        (7, "FTE days available must be more than 0."),
        (8, "FTE days lost “two” is not a number. Write it like 12.5."),
        (9, "Primary care, January 2026 is in the file twice: on lines 2 and 9. Keep one of them."),
    ]
    assert "7 rows of 8 have problems, so nothing can be saved from this file." in text(response)
    assert not SicknessRecord.objects.exists()


@pytest.mark.parametrize("tamper", ["payload", "signature", "site"])
def test_a_tampered_confirmation_is_refused_and_saves_nothing(signed_in, site, teams, tamper):
    other_site = make_site(name="HMP Elsewhere", slug="hmp-elsewhere")
    make_team(other_site, name="Primary care", slug="primary-care")
    preview = upload(signed_in, csv_bytes("Primary care,2026-01,1,10"))
    other = upload(signed_in, csv_bytes("Primary care,2026-01,9,10"))
    changes = {"payload": {"payload": hidden(other, "payload")},
               "signature": {"signature": hidden(preview, "signature")[:-4] + "abcd"},
               "site": {"site": "hmp-elsewhere"}}[tamper]
    response = confirm(signed_in, preview, **changes)
    assert response.status_code == 302 and response.url.startswith(IMPORT)
    assert NOT_CHECKED in text(signed_in.get(response.url))
    assert not SicknessRecord.objects.exists()


def test_figures_saved_after_the_preview_are_shown_again_before_anything_is_saved(signed_in, site, teams):
    preview = upload(signed_in, csv_bytes("Primary care,2026-01,1,10"))
    record(teams["pc"], "2026-01", lost="3", available="300")
    response = confirm(signed_in, preview)
    assert response.status_code == 200
    page = text(response)
    assert "Figures for these teams changed since your preview, so nothing was saved yet." in page
    assert "1 team-month will be replaced" in page
    assert saved(site) == {("primary-care", "2026-01", Decimal("3.00"), Decimal("300.00"))}
    assert confirm(signed_in, response).status_code == 302
    assert saved(site) == {("primary-care", "2026-01", Decimal("1.00"), Decimal("10.00"))}


@pytest.mark.parametrize("data, message", [
    (b"\x00\x01\x02\xff\xfe\x89PNG\x00binary", "This file is not a CSV text file. Save it as “CSV UTF-8 (Comma "
                                                "delimited)” and upload that file."),
    (b"PK\x03\x04\x14\x00\x06\x00workbook", "This is an Excel workbook, not a CSV file. In Excel, choose File, Save "
                                            "As, and “CSV UTF-8 (Comma delimited)”, then upload that file."),
    (b"", "The file is empty. Choose a CSV file with a header row and a row for each team and month."),
    (HEADER.encode() + b"\r\n",
     "The file has a header row but no figures under it. Add a row for each team and month."),
    (b"x" * (6 * 1024 * 1024), "The file is larger than 5 MB. Keep only the four columns, or split it into smaller "
                               "files."),
    (b"name,when\nPrimary care,2026-01\n", "The first row must name the columns team, month, fte_days_lost and "
     "fte_days_available. Missing: team, month, fte_days_lost, fte_days_available."),
], ids=["binary", "workbook", "empty", "header only", "6 MB", "missing columns"])
def test_junk_uploads_get_a_clear_message(signed_in, site, teams, data, message):
    response = upload(signed_in, data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": [message]}
    assert f'<a href="#id_file">{html.escape(message, quote=False)}</a>' in response.content.decode()
    assert not SicknessRecord.objects.exists()


def test_posting_without_a_file_asks_for_one(signed_in, site):
    response = signed_in.post(IMPORT, {"site": "hmp-northgate", "action": "preview"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["Choose a CSV file to upload."]}


def bulk_batches(rows: int) -> int:
    """How many statements one bulk upsert of sickness records takes (SQLite caps parameters)."""
    fields = [field for field in SicknessRecord._meta.concrete_fields if not field.primary_key]
    return math.ceil(rows / connection.ops.bulk_batch_size(fields, [None] * rows))


def rows(teams: list, n: int) -> bytes:
    """Return a file of n good rows spread over the teams, one row a team and month."""
    first = months_ahead(timezone.localdate(), -(n // len(teams)))
    return csv_bytes(*(f"{teams[i % len(teams)].name},{months_ahead(first, i // len(teams)):%Y-%m},1.5,210"
                       for i in range(n)))


def test_an_import_runs_the_same_queries_for_10_rows_as_for_1000(signed_in, site, django_assert_max_num_queries):
    team_list = [make_team(site) for _ in range(5)]
    with CaptureQueriesContext(connection) as few:
        assert confirm(signed_in, upload(signed_in, rows(team_list, 10))).status_code == 302
    SicknessRecord.objects.all().delete()
    with django_assert_max_num_queries(len(few) + bulk_batches(1000) - bulk_batches(10)):
        assert confirm(signed_in, upload(signed_in, rows(team_list, 1000))).status_code == 302
    assert SicknessRecord.objects.count() == 1000


def test_10000_rows_over_20_teams_preview_and_import_in_under_10_seconds(signed_in, site, capsys):
    team_list = [make_team(site) for _ in range(20)]
    data = rows(team_list, 10_000)
    started = time.perf_counter()
    preview = upload(signed_in, data)
    response = confirm(signed_in, preview)
    seconds = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n10,000 sickness rows on {connection.vendor}: preview and import in {seconds:.2f} s")
    assert response.status_code == 302
    assert SicknessRecord.objects.filter(team__site=site).count() == 10_000
    assert seconds < 10


# Whole months only: a month still running at the site needs the box ticked


NOT_ENDED = ("March 2026 has not ended at HMP Northgate yet, so a rate for it would be for part of a month beside "
             "whole ones. Enter it once the month has ended, or tick “This month has not ended: enter it anyway”.")
LAST_HOUR_OF_MARCH = "2026-03-31 22:30 +0000"  # 11:30pm in London (summer time began on the 29th)
FIRST_HOUR_OF_APRIL = "2026-03-31 23:30 +0000"  # 12:30am on 1 April in London, still March in UTC


@time_machine.travel(LAST_HOUR_OF_MARCH, tick=False)
def test_a_month_not_ended_at_the_site_is_refused_and_everything_typed_is_kept(signed_in, site, teams):
    data = month_data(month="March 2026")
    response = signed_in.post(PAGE + "?site=hmp-northgate", data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"month_not_ended": [NOT_ENDED]}
    page = response.content.decode()
    assert f'<a href="#id_month_not_ended">{NOT_ENDED}</a>' in page
    assert 'name="month_not_ended" type="checkbox"' in page
    for name in ("month", "fte_days_lost", "fte_days_available"):
        assert f'name="{name}" type="text" value="{data[name]}"' in page
    assert not SicknessRecord.objects.exists()


@time_machine.travel(LAST_HOUR_OF_MARCH, tick=False)
def test_a_month_not_ended_is_saved_once_the_box_is_ticked(signed_in, site, teams):
    response = signed_in.post(PAGE + "?site=hmp-northgate", {**month_data(), "month_not_ended": "on"})
    assert response.status_code == 302
    assert saved(site) == {("primary-care", "2026-03", Decimal("12.50"), Decimal("400.00"))}


@time_machine.travel(FIRST_HOUR_OF_APRIL, tick=False)
def test_the_months_end_is_judged_in_the_sites_time_zone(signed_in, site, teams):
    assert signed_in.post(PAGE + "?site=hmp-northgate", month_data()).status_code == 302
    elsewhere = make_site(name="HMP Pacific", slug="hmp-pacific", time_zone="America/Los_Angeles")
    make_team(elsewhere, name="Healthcare", slug="healthcare")
    response = signed_in.post(PAGE + "?site=hmp-pacific", month_data(team="healthcare"))
    assert list(response.context["form"].errors) == ["month_not_ended"]


@time_machine.travel(LAST_HOUR_OF_MARCH, tick=False)
def test_the_box_is_not_offered_for_a_month_that_has_ended(signed_in, site, teams):
    response = signed_in.post(PAGE + "?site=hmp-northgate", month_data(month="2026-02", fte_days_lost="x"))
    assert 'name="month_not_ended"' not in response.content.decode()


@time_machine.travel(LAST_HOUR_OF_MARCH, tick=False)
def test_an_import_with_a_month_not_ended_asks_first_and_saves_nothing_until_the_box_is_ticked(signed_in, site, teams):
    preview = upload(signed_in, csv_bytes("Primary care,2026-02,14.5,420", "Primary care,2026-03,6.25,210"))
    assert NOT_ENDED in text(preview)
    assert 'name="month_not_ended" type="checkbox"' in preview.content.decode()
    refused = confirm(signed_in, preview)
    assert refused.status_code == 200
    assert f'<a href="#id_month_not_ended">{NOT_ENDED}</a>' in refused.content.decode()
    assert not SicknessRecord.objects.exists()
    assert confirm(signed_in, refused, month_not_ended="on").status_code == 302
    assert saved(site) == {("primary-care", "2026-02", Decimal("14.50"), Decimal("420.00")),
                           ("primary-care", "2026-03", Decimal("6.25"), Decimal("210.00"))}


@time_machine.travel(LAST_HOUR_OF_MARCH, tick=False)
def test_an_import_of_ended_months_asks_nothing(signed_in, site, teams):
    preview = upload(signed_in, csv_bytes("Primary care,2026-02,14.5,420"))
    assert "has not ended" not in text(preview) and 'name="month_not_ended"' not in preview.content.decode()
    assert confirm(signed_in, preview).status_code == 302
