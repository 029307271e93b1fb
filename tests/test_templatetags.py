import datetime

import pytest

from sessions_app.templatetags.dropin import nhs_date, nhs_time, plain_text


@pytest.mark.parametrize("hour, minute, expected", [
    (9, 0, "9am"), (11, 30, "11:30am"), (12, 0, "midday"), (12, 30, "12:30pm"), (13, 30, "1:30pm"), (0, 0, "midnight"),
])
def test_times_are_written_the_nhs_way(hour, minute, expected):
    assert nhs_time(datetime.time(hour, minute)) == expected


def test_dates_are_written_in_full():
    assert nhs_date(datetime.date(2026, 12, 1)) == "Tuesday 1 December 2026"


def test_plain_text_makes_paragraphs_and_lists_and_escapes_html():
    html = plain_text("It will be broken only when:\n- there is a risk of harm;\n- <b>safeguarding</b>\n\nThanks.")
    assert html == (
        "<p>It will be broken only when:</p>"
        '<ul class="nhsuk-list nhsuk-list--bullet"><li>there is a risk of harm;</li>'
        "<li>&lt;b&gt;safeguarding&lt;/b&gt;</li></ul><p>Thanks.</p>"
    )
