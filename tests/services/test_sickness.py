"""Sickness figures from CSV: every row checked, every problem named with its line, nothing saved until confirmed."""
import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions_app.models import AuditEntry, SicknessRecord
from sessions_app.services.sickness import sickness_save
from sessions_app.services.sickness_csv import (FigureError, figure_parse, month_parse, months_ahead, rate_shown,
                                                sickness_decode)
from sessions_app.services.sickness_import import (NOT_CHECKED, sickness_confirm, sickness_import, sickness_parse,
                                                   sickness_preview)
from tests.factories import make_manager, make_site, make_team

pytestmark = pytest.mark.django_db
HEADER = "team,month,fte_days_lost,fte_days_available"
TODAY = datetime.date(2026, 3, 15)


@pytest.fixture
def teams(site):
    return {
        "mh": make_team(site, name="Mental health, in-reach", slug="mh-in-reach"),
        "pc": make_team(site, name="Primary care", slug="primary-care"),
    }


def csv_text(*lines: str, header: str = HEADER) -> str:
    return "\n".join([header, *lines]) + "\n"


def parse(site, *lines: str, header: str = HEADER):
    return sickness_parse(site=site, text=csv_text(*lines, header=header))


def problems(parsed) -> list[tuple[int, str]]:
    return [(problem.line, problem.message) for problem in parsed.problems]


def saved(site) -> set[tuple[str, str, Decimal, Decimal]]:
    return {(r.team.slug, f"{r.month:%Y-%m}", r.fte_days_lost, r.fte_days_available)
            for r in SicknessRecord.objects.filter(team__site=site).select_related("team")}


def record(team, month: str, lost="10", available="400") -> SicknessRecord:
    return SicknessRecord.objects.create(team=team, month=datetime.date.fromisoformat(f"{month}-01"),
                                         fte_days_lost=Decimal(lost), fte_days_available=Decimal(available))


# Months and figures


@pytest.mark.parametrize("written", ["2026-03", "2026-3", "2026-03-01", "03/2026", "3/2026", "March 2026", "march 2026",
                                     "Mar 2026", " 2026-03 ", "Mar-26", "01/03/2026"])
def test_a_month_is_read_in_the_ways_people_and_excel_write_it(written):
    assert month_parse(written, today=TODAY) == datetime.date(2026, 3, 1)


@pytest.mark.parametrize("written", ["2026-13", "2026-00", "13/2026", "Marchember 2026", "15/03/2026", "2026",
                                     "next month"])
def test_what_is_not_a_month_is_refused_with_the_way_to_write_one(written):
    with pytest.raises(FigureError) as caught:
        month_parse(written, today=TODAY)
    assert str(caught.value) == f"“{written}” is not a month. Write it as YYYY-MM, for example 2026-03."


def test_a_month_two_years_ahead_is_accepted_and_one_more_is_refused():
    assert month_parse("2028-03", today=TODAY) == datetime.date(2028, 3, 1)
    with pytest.raises(FigureError) as caught:
        month_parse("2028-04", today=TODAY)
    assert str(caught.value) == "April 2028 is more than 2 years ahead. Check the year."


@pytest.mark.parametrize("written, value", [("12.5", "12.50"), ("0", "0.00"), (" 7 ", "7.00"), ("1,234.5", "1234.50"),
                                            (".5", "0.50"), ("12.50", "12.50"), ("12.500", "12.50")])
def test_a_figure_is_read_to_two_decimal_places(written, value):
    assert figure_parse(written, label="FTE days lost") == Decimal(value)


@pytest.mark.parametrize("written, message", [
    ("-1", "FTE days lost cannot be negative."),
    ("twelve", "FTE days lost “twelve” is not a number. Write it like 12.5."),
    ("NaN", "FTE days lost “NaN” is not a number. Write it like 12.5."),
    ("1e3", "FTE days lost “1e3” is not a number. Write it like 12.5."),
    ("12,5", "FTE days lost “12,5” is not a number. Write it like 12.5."),
    ("1.234", "FTE days lost can have at most 2 decimal places."),
    ("10000000", "FTE days lost must be less than 10,000,000."),
    ("9" * 40 + ".5", "FTE days lost must be less than 10,000,000."),
])
def test_a_figure_that_cannot_be_used_says_why(written, message):
    with pytest.raises(FigureError) as caught:
        figure_parse(written, label="FTE days lost")
    assert str(caught.value) == message


# Reading the bytes of a file


def test_utf8_with_excels_byte_order_mark_is_read_without_it():
    assert sickness_decode(data="\ufeffteam,month".encode("utf-8")) == "team,month"


def test_a_windows_1252_file_from_excel_is_read():
    assert sickness_decode(data="Café team".encode("cp1252")) == "Café team"


@pytest.mark.parametrize("data, code", [
    (b"", "empty"), (b" \r\n\r\n", "empty"), (b"PK\x03\x04\x14\x00\x06\x00", "workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "workbook"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ("team,month".encode("utf-16"), "binary"), (b"team\x81\x8d\x8f,month", "encoding"),
])
def test_a_file_that_is_not_csv_text_is_refused_with_a_reason(data, code):
    with pytest.raises(ValidationError) as caught:
        sickness_decode(data=data)
    assert caught.value.code == code


# The whole file


def test_a_good_file_gives_every_row_in_order_and_no_problem(site, teams):
    parsed = parse(site, "Primary care,2026-01,14.5,420", "Primary care,2026-02,9,380")
    assert problems(parsed) == []
    assert [(row.line, row.team, row.month, row.fte_days_lost, row.fte_days_available) for row in parsed.rows] == [
        (2, teams["pc"], datetime.date(2026, 1, 1), Decimal("14.50"), Decimal("420.00")),
        (3, teams["pc"], datetime.date(2026, 2, 1), Decimal("9.00"), Decimal("380.00")),
    ]
    assert parsed.lines == 2 and parsed.new_count == 2 and parsed.can_import


def test_columns_may_come_in_any_order_with_names_in_any_case_and_spaced(site, teams):
    parsed = parse(site, "420,14.5,2026-01,Primary care,ignored",
                   header=" FTE days available ,FTE_Days_Lost,MONTH, Team ,notes")
    assert [(row.team, row.fte_days_lost, row.fte_days_available) for row in parsed.rows] == [
        (teams["pc"], Decimal("14.50"), Decimal("420.00"))]


def test_excels_bom_quoting_and_crlf_line_endings_are_read(site, teams):
    data = ('\ufeff"team","month","fte_days_lost","fte_days_available"\r\n'
            '"Mental health, in-reach","2026-01","6.25","210"\r\n'
            '"Primary care",2026-01,"1,204.50","2,400"\r\n').encode("utf-8")
    parsed = sickness_parse(site=site, text=sickness_decode(data=data))
    assert problems(parsed) == []
    assert [(row.line, row.team, row.fte_days_lost, row.fte_days_available) for row in parsed.rows] == [
        (2, teams["mh"], Decimal("6.25"), Decimal("210.00")), (3, teams["pc"], Decimal("1204.50"), Decimal("2400.00"))]


def test_a_team_is_matched_by_name_or_short_name_whatever_the_case(site, teams):
    parsed = parse(site, "PRIMARY CARE,2026-01,1,10", "mh-in-reach,2026-01,1,10",
                   '"mental health, IN-REACH",2026-02,1,10')
    assert [row.team for row in parsed.rows] == [teams["pc"], teams["mh"], teams["mh"]]


def test_blank_lines_are_skipped_and_line_numbers_stay_those_of_the_file(site, teams):
    parsed = parse(site, "", "Primary care,2026-01,1,10", ",,,", "Nobody,2026-01,1,10")
    assert parsed.lines == 2
    assert [row.line for row in parsed.rows] == [3]
    assert [line for line, _ in problems(parsed)] == [5]


# One reason a row is bad, each


@pytest.mark.parametrize("line, problem", [
    ("Dentistry,2026-01,1,10", "Unknown team “Dentistry”: HMP Northgate has no team with that name or short name."),
    (",2026-01,1,10", "The team is empty."),
    ("Primary care,Jan 2O26,1,10", "“Jan 2O26” is not a month. Write it as YYYY-MM, for example 2026-03."),
    ("Primary care,,1,10", "The month is empty."),
    ("Primary care,2026-01,-1,10", "FTE days lost cannot be negative."),
    ("Primary care,2026-01,1,-10", "FTE days available cannot be negative."),
    ("Primary care,2026-01,lots,10", "FTE days lost “lots” is not a number. Write it like 12.5."),
    ("Primary care,2026-01,1,", "FTE days available is empty."),
    ("Primary care,2026-01,0,0", "FTE days available must be more than 0."),
    ("Primary care,2026-01,11,10", "FTE days lost cannot be more than FTE days available."),
    ("Primary care,2026-01,1.125,10", "FTE days lost can have at most 2 decimal places."),
], ids=["unknown team", "no team", "bad month", "no month", "negative lost", "negative available", "not a number",
        "no available", "available not positive", "lost greater than available", "too many decimals"])
def test_a_bad_row_is_listed_with_its_line_and_why(site, teams, line, problem):
    parsed = parse(site, "Primary care,2025-12,1,10", line)
    assert problems(parsed) == [(3, problem)]
    assert not parsed.can_import


def test_a_month_more_than_two_years_ahead_is_a_bad_row(site, teams):
    ahead = months_ahead(timezone.localdate(), 25)
    parsed = parse(site, f"Primary care,{ahead:%Y-%m},1,10")
    assert problems(parsed) == [(2, f"{ahead:%B %Y} is more than 2 years ahead. Check the year.")]


def test_a_team_of_another_site_is_an_unknown_team(site, teams):
    make_team(make_site(name="HMP Elsewhere"), name="Healthcare", slug="healthcare")
    parsed = parse(site, "Healthcare,2026-01,1,10")
    assert problems(parsed) == [
        (2, "Unknown team “Healthcare”: HMP Northgate has no team with that name or short name.")]


def test_the_same_team_and_month_twice_names_both_lines(site, teams):
    parsed = parse(site, "Primary care,2026-01,1,10", "MH-in-reach,2026-01,1,10", "primary-care,2026-1,2,20")
    assert problems(parsed) == [
        (4, "Primary care, January 2026 is in the file twice: on lines 2 and 4. Keep one of them.")]


def test_a_file_with_several_bad_rows_lists_every_one_of_them(site, teams):
    parsed = parse(
        site,
        "Primary care,2026-01,1,10",
        "Dentistry,2026-01,1,10",
        "Primary care,2026-13,1,10",
        "Primary care,2026-02,-3,10",
        "Primary care,2026-03,20,10",
        "Primary care,2026-04,2,0",
        "Primary care,2026-05,two,10",
        "Primary care,2026-01,1,10",
        "Nobody,20XX,x,y",
    )
    assert problems(parsed) == [
        (3, "Unknown team “Dentistry”: HMP Northgate has no team with that name or short name."),
        (4, "“2026-13” is not a month. Write it as YYYY-MM, for example 2026-03."),
        (5, "FTE days lost cannot be negative."),
        (6, "FTE days lost cannot be more than FTE days available."),
        (7, "FTE days available must be more than 0."),
        (8, "FTE days lost “two” is not a number. Write it like 12.5."),
        (9, "Primary care, January 2026 is in the file twice: on lines 2 and 9. Keep one of them."),
        (10, "Unknown team “Nobody”: HMP Northgate has no team with that name or short name."),
        (10, "“20XX” is not a month. Write it as YYYY-MM, for example 2026-03."),
        (10, "FTE days lost “x” is not a number. Write it like 12.5."),
        (10, "FTE days available “y” is not a number. Write it like 12.5."),
    ]
    assert parsed.bad_lines == 8 and parsed.lines == 9


def test_a_file_with_a_bad_row_cannot_be_imported_and_saves_nothing(site, teams):
    parsed = parse(site, "Primary care,2026-01,1,10", "Dentistry,2026-01,1,10")
    with pytest.raises(ValidationError):
        sickness_import(actor=make_manager(), parsed=parsed)
    assert saved(site) == set()


# Problems with the whole file


@pytest.mark.parametrize("text, message", [
    ("", "The file is empty. Choose a CSV file with a header row and a row for each team and month."),
    (HEADER + "\n", "The file has a header row but no figures under it. Add a row for each team and month."),
    (HEADER + "\n,,,\n\n", "The file has a header row but no figures under it. Add a row for each team and month."),
    ("Primary care,2026-01,1,10\n", "The first row must name the columns team, month, fte_days_lost and "
                                    "fte_days_available. Missing: team, month, fte_days_lost, fte_days_available."),
    ("team,month,lost,available\nPrimary care,2026-01,1,10\n", "The first row must name the columns team, month, "
     "fte_days_lost and fte_days_available. Missing: fte_days_lost, fte_days_available."),
    ("team;month;fte_days_lost;fte_days_available\n", "The columns are separated by semicolons or tabs. Save the "
     "file as “CSV UTF-8 (Comma delimited)” so commas separate them."),
    ("team,team,month,fte_days_lost,fte_days_available\n", "The first row names the column team twice. Keep one "
                                                            "of them."),
], ids=["empty", "header only", "header and empty rows", "no header", "missing columns", "semicolons", "twice"])
def test_a_file_without_usable_columns_or_rows_is_refused_with_a_reason(site, teams, text, message):
    with pytest.raises(ValidationError) as caught:
        sickness_parse(site=site, text=text)
    assert caught.value.messages == [message]


# Replacing, confirming and importing


def test_a_team_month_already_saved_is_listed_as_replaced_with_its_figures(site, teams):
    record(teams["pc"], "2026-02", lost="3", available="300")
    parsed = parse(site, "Primary care,2026-01,1,10", "Primary care,2026-02,9,380", "Primary care,2026-03,1,10")
    assert [(row.line, row.replaces) for row in parsed.replacing] == [(3, (Decimal("3.00"), Decimal("300.00")))]
    assert parsed.new_count == 2
    assert parsed.replacing[0].replaces_shown == "lost 3, available 300"


def test_the_months_replaced_are_listed_by_team_as_runs(site, teams):
    for month in ["2025-11", "2025-12", "2026-01", "2026-03"]:
        record(teams["pc"], month)
    record(teams["mh"], "2026-01")
    months = ["2025-11", "2025-12", "2026-01", "2026-03"]
    parsed = parse(site, *(f"Primary care,{month},1,10" for month in months), "mh-in-reach,2026-01,1,10")
    assert [(replaced.team.name, replaced.periods) for replaced in parsed.replaced_by_team] == [
        ("Mental health, in-reach", "January 2026"),
        ("Primary care", "November 2025 to January 2026, March 2026"),
    ]


def test_reading_a_file_saves_nothing(site, teams):
    record(teams["pc"], "2026-02", lost="3", available="300")
    sickness_preview(site=site, text=csv_text("Primary care,2026-01,1,10", "Primary care,2026-02,9,380"))
    assert saved(site) == {("primary-care", "2026-02", Decimal("3.00"), Decimal("300.00"))}


def test_importing_saves_new_team_months_and_replaces_saved_ones(site, teams):
    record(teams["pc"], "2026-02", lost="3", available="300")
    record(teams["pc"], "2026-03", lost="4", available="300")
    parsed = parse(site, "Primary care,2026-01,1,10", "Primary care,2026-02,9,380")
    result = sickness_import(actor=make_manager(), parsed=parsed)
    assert (result.saved, result.replaced) == (2, 1)
    assert saved(site) == {
        ("primary-care", "2026-01", Decimal("1.00"), Decimal("10.00")),
        ("primary-care", "2026-02", Decimal("9.00"), Decimal("380.00")),
        ("primary-care", "2026-03", Decimal("4.00"), Decimal("300.00")),
    }


def test_an_import_is_one_audit_entry_keeping_the_figures_it_replaced(site, teams):
    manager = make_manager()
    record(teams["pc"], "2026-02", lost="3", available="300")
    parsed = parse(site, "Primary care,2026-01,1,10", "Primary care,2026-02,9,380")
    sickness_import(actor=manager, parsed=parsed)
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.object_type, entry.object_id) == (manager, "sickness_import", "site",
                                                                              site.pk)
    assert entry.before == {"replaced": [["primary-care", "2026-02", "3.00", "300.00"]]}
    assert entry.after == {"rows": 2, "new": 1, "replaced": 1, "first_month": "2026-01", "last_month": "2026-02",
                           "sha256": parsed.sha256}


def test_the_confirmation_reads_the_previewed_file_again(site, teams):
    preview = sickness_preview(site=site, text=csv_text("Primary care,2026-01,1,10"))
    parsed = sickness_confirm(site=site, payload=preview.payload, signature=preview.signature)
    assert [(row.team, row.fte_days_lost) for row in parsed.rows] == [(teams["pc"], Decimal("1.00"))]
    assert not parsed.changed_since_preview


def test_line_endings_do_not_change_what_is_signed(site, teams):
    # Browsers send form values back with CRLF line endings; the signature is of the text with LF.
    preview = sickness_preview(site=site, text=f"{HEADER}\r\nPrimary care,2026-01,1,10\r\n")
    assert preview.text == csv_text("Primary care,2026-01,1,10")


@pytest.mark.parametrize("tamper", ["payload", "signature", "site", "garbage"])
def test_a_confirmation_that_is_not_the_previewed_file_is_refused(site, teams, tamper):
    preview = sickness_preview(site=site, text=csv_text("Primary care,2026-01,1,10"))
    other = sickness_preview(site=site, text=csv_text("Primary care,2026-01,9,10"))
    payload, signature, at = preview.payload, preview.signature, site
    if tamper == "payload":
        payload = other.payload
    elif tamper == "signature":
        signature = signature[:-2] + ("AA" if not signature.endswith("AA") else "BB")
    elif tamper == "site":
        at = make_site(name="HMP Elsewhere")
        make_team(at, name="Primary care", slug="primary-care")
    else:
        payload = "not base64 at all!"
    with pytest.raises(ValidationError) as caught:
        sickness_confirm(site=at, payload=payload, signature=signature)
    assert caught.value.messages == [NOT_CHECKED]


def test_figures_saved_after_the_preview_are_noticed_at_confirmation(site, teams):
    preview = sickness_preview(site=site, text=csv_text("Primary care,2026-01,1,10"))
    record(teams["pc"], "2026-01", lost="3", available="300")
    parsed = sickness_confirm(site=site, payload=preview.payload, signature=preview.signature)
    assert parsed.changed_since_preview


def test_a_file_too_big_to_carry_to_the_confirmation_is_refused_at_the_preview(site, teams, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_100  # leaves 100 bytes for the file, after room for the rest of the form
    with pytest.raises(ValidationError) as caught:
        sickness_preview(site=site, text=csv_text("Primary care,2026-01,1,10"))
    assert caught.value.messages == ["This file is too big to import in one go. Keep only the columns team, month, "
                                     "fte_days_lost and fte_days_available, or split it into smaller files."]


def test_reading_a_file_runs_the_same_queries_for_10_rows_as_for_1000(site, teams):
    def lines(n):
        return [f"{'Primary care' if i % 2 else 'mh-in-reach'},{1950 + i // 24}-{(i // 2) % 12 + 1:02d},1,10"
                for i in range(n)]

    with CaptureQueriesContext(connection) as few:
        assert parse(site, *lines(10)).can_import
    with CaptureQueriesContext(connection) as many:
        assert len(parse(site, *lines(1000)).rows) == 1000
    assert len(many) == len(few) == 2


# One team-month by hand


def test_saving_a_new_team_month_creates_it_with_an_audit_entry(site, teams):
    manager = make_manager()
    saved_record, replaced = sickness_save(actor=manager, team=teams["pc"], month=datetime.date(2026, 1, 1),
                                           fte_days_lost=Decimal("1.5"), fte_days_available=Decimal("10"))
    assert not replaced
    assert saved(site) == {("primary-care", "2026-01", Decimal("1.50"), Decimal("10.00"))}
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_type, entry.object_id, entry.before) == ("create", "sicknessrecord",
                                                                                saved_record.pk, None)


def test_saving_a_saved_team_month_replaces_it_keeping_the_old_figures_in_the_audit(site, teams):
    old = record(teams["pc"], "2026-01", lost="3", available="300")
    saved_record, replaced = sickness_save(actor=make_manager(), team=teams["pc"], month=datetime.date(2026, 1, 1),
                                           fte_days_lost=Decimal("1.5"), fte_days_available=Decimal("10"))
    assert replaced and saved_record.pk == old.pk
    assert saved(site) == {("primary-care", "2026-01", Decimal("1.50"), Decimal("10.00"))}
    entry = AuditEntry.objects.get()
    assert entry.action == "edit"
    assert entry.before == {"team": "primary-care", "month": "2026-01", "fte_days_lost": "3.00",
                            "fte_days_available": "300.00"}
    assert entry.after == {"team": "primary-care", "month": "2026-01", "fte_days_lost": "1.50",
                           "fte_days_available": "10.00"}


def test_the_rate_is_shown_as_a_percentage_to_one_decimal_place():
    assert rate_shown(lost=Decimal("12.5"), available=Decimal("400")) == "3.1%"
    assert rate_shown(lost=Decimal("1"), available=Decimal("3")) == "33.3%"
    assert rate_shown(lost=Decimal("0"), available=Decimal("3")) == "0.0%"


def test_a_row_with_more_cells_than_the_header_is_refused_not_shifted(site, teams):
    parsed = parse(site, "Primary care,2026-03,1,234.5,1500", "Primary care,2026-04,1,400,")
    assert problems(parsed) == [(2, "This row has 5 cells but the header has 4. Put numbers with commas in quotes, "
                                    "or write them without the comma.")]


# Whole months only


@time_machine.travel("2026-03-31 22:30 +0000", tick=False)
def test_saving_a_month_not_ended_at_the_site_is_refused_unless_confirmed(site, teams):
    manager, month = make_manager(), datetime.date(2026, 3, 1)
    with pytest.raises(ValidationError) as refused:
        sickness_save(actor=manager, team=teams["pc"], month=month, fte_days_lost=Decimal(1),
                      fte_days_available=Decimal(10))
    assert refused.value.code == "month_not_ended"
    sickness_save(actor=manager, team=teams["pc"], month=month, fte_days_lost=Decimal(1),
                  fte_days_available=Decimal(10), month_not_ended=True)
    assert SicknessRecord.objects.get().month == month


@time_machine.travel("2026-03-31 22:30 +0000", tick=False)
def test_importing_months_not_ended_is_refused_unless_confirmed(site, teams):
    parsed = sickness_parse(site=site, text=f"{HEADER}\nprimary-care,2026-02,1,10\nprimary-care,2026-04,1,10\n")
    assert parsed.not_ended == [datetime.date(2026, 4, 1)]
    with pytest.raises(ValidationError) as refused:
        sickness_import(actor=make_manager(), parsed=parsed)
    assert refused.value.messages == [
        "April 2026 has not ended at HMP Northgate yet, so a rate for it would be for part of a month beside whole "
        "ones. Enter it once the month has ended, or tick “This month has not ended: enter it anyway”."]
    assert not SicknessRecord.objects.exists()
    assert sickness_import(actor=make_manager(), parsed=parsed, month_not_ended=True).saved == 2
