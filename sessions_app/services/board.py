"""The board summary: each measure over a whole period, beside what its Making Data Count chart says.

Every total is made from the dashboard's own monthly figures for the same filter, and privacy.py decides
which of them may show, so the board page and the dashboard together tell no more than the dashboard.
"""
import dataclasses
import datetime

from ..dates import month_start
from . import spc
from .charts import xmr_words
from .insights import MonthFigures
from .privacy import Figure, mean_over_months, total_over_months


@dataclasses.dataclass(frozen=True)
class Board:
    """The period's totals and means, each with its Making Data Count sentence (words, by measure)."""

    held: int
    cancelled: int
    hours: float
    seen: Figure
    not_seen: Figure
    answers: Figure
    mean: float | None
    sickness_rate: float | None
    words: dict[str, str]


def board_summary(*, figures: list[MonthFigures], chart_words: dict[str, str], start: datetime.date | None,
                  this_month: datetime.date) -> Board:
    """Return the period's summary; `chart_words` are the sentences of the dashboard's charts of the same figures."""
    months = [f.month for f in figures]
    step = month_start(start) if start else None
    # As on the dashboard's charts of the drop-ins' own measures: the months before drop-ins started and the
    # month still running are left off, so the sentence for a measure the dashboard draws reads the same here.
    running = [(step is None or f.month >= step) and f.month < this_month for f in figures]

    def words(measure: str, values: list, direction: str) -> str:
        values = [value if on else None for value, on in zip(values, running)]
        result = spc.spc_compute(months=months, values=values, steps=(step,) if step else (), direction=direction)
        return xmr_words(result=result, measure=measure, start=step)

    sickness = [f.sickness for f in figures if f.sickness]
    return Board(
        held=sum(f.sessions.held for f in figures),
        cancelled=sum(f.sessions.cancelled for f in figures),
        hours=sum(f.sessions.minutes for f in figures) / 60,
        seen=total_over_months([f.sessions.seen for f in figures]),
        not_seen=total_over_months([f.sessions.not_seen for f in figures]),
        answers=total_over_months([f.pulse.answers for f in figures]),
        mean=mean_over_months([(f.pulse.answers, f.pulse.mean) for f in figures]),
        sickness_rate=(float(sum(s.lost for s in sickness) / sum(s.available for s in sickness))
                       if sickness else None),
        words={
            **chart_words,
            "cancelled": words("sessions cancelled", [f.sessions.cancelled for f in figures], spc.DOWN),
            "hours": words("hours of sessions held", [f.sessions.minutes / 60 for f in figures], spc.UP),
        },
    )
