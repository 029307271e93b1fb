import datetime

import pytest

from sessions_app.templatetags.dropin import month_range, nhs_date, nhs_time, plain_text


@pytest.mark.parametrize("hour, minute, expected", [
    (9, 0, "9am"), (11, 30, "11:30am"), (12, 0, "midday"), (12, 30, "12:30pm"), (13, 30, "1:30pm"), (0, 0, "midnight"),
])
def test_times_are_written_the_nhs_way(hour, minute, expected):
    assert nhs_time(datetime.time(hour, minute)) == expected


def test_dates_are_written_in_full():
    assert nhs_date(datetime.date(2026, 12, 1)) == "Tuesday 1 December 2026"


@pytest.mark.parametrize("first, last, expected", [
    ((2026, 4), (2026, 9), "April to September 2026"), ((2025, 11), (2026, 4), "November 2025 to April 2026"),
    ((2026, 9), (2026, 9), "September 2026"),
])
def test_a_run_of_months_is_said_from_the_first_to_the_last(first, last, expected):
    months = [datetime.date(*first, 1), datetime.date(*last, 1)]
    assert month_range(months if first != last else months[:1]) == expected
    assert month_range([]) == ""


def test_plain_text_makes_paragraphs_and_lists_and_escapes_html():
    html = plain_text("It will be broken only when:\n- there is a risk of harm;\n- <b>safeguarding</b>\n\nThanks.")
    assert html == (
        "<p>It will be broken only when:</p>"
        '<ul class="nhsuk-list nhsuk-list--bullet"><li>there is a risk of harm;</li>'
        "<li>&lt;b&gt;safeguarding&lt;/b&gt;</li></ul><p>Thanks.</p>"
    )
