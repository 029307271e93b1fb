"""The board summary's own sentences: sessions cancelled and hours held, judged the way spc.BETTER says."""
import datetime

from sessions_app.dates import add_months
from sessions_app.services import spc
from sessions_app.services.board import board_summary
from sessions_app.services.insights import MonthFigures, SessionMonth
from sessions_app.services.pulse_figures import PulseMonth

JAN = datetime.date(2025, 1, 1)
# 14 months: 7 steady, then 7 rising to beyond the upper limit; each session of 2 hours.
CANCELLED = [2, 3, 2, 3, 2, 3, 2, 1, 2, 3, 4, 5, 6, 7]


def summary():
    figures = [MonthFigures(month=add_months(JAN, n), sessions=SessionMonth(cancelled=c, held=c, minutes=120 * c),
                            pulse=PulseMonth(), sickness=None) for n, c in enumerate(CANCELLED)]
    return board_summary(figures=figures, chart_words={}, start=None, this_month=add_months(JAN, len(CANCELLED)))


def test_more_cancelled_is_concern_and_more_hours_improvement_as_spc_better_says(monkeypatch):
    words = summary().words
    assert words["cancelled"].startswith("Special cause concern: sessions cancelled rose above its upper")
    assert words["hours"].startswith("Special cause improvement: hours of sessions held rose above its upper")
    monkeypatch.setitem(spc.BETTER, spc.SESSIONS_CANCELLED, spc.UP)
    monkeypatch.setitem(spc.BETTER, spc.HOURS_HELD, spc.DOWN)
    words = summary().words
    assert words["cancelled"].startswith("Special cause improvement: sessions cancelled")
    assert words["hours"].startswith("Special cause concern: hours of sessions held")
