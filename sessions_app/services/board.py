"""The board summary: each measure over a whole period, beside what its Making Data Count chart says.

Every total is made from the dashboard's own monthly figures for the same filter, and privacy.py decides
which of them may show, so the board page and the dashboard together tell no more than the dashboard.
Every total covers the same months: those of the period whose figures are all published (a month's
people and pulse answers are published once it has ended), so no total is of more months than another.
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
    """The totals and means of the months covered, each with its Making Data Count sentence (words, by measure)."""

    months: list[datetime.date]  # the months every figure covers: none while no month of the period has ended
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
    covered = complete_months(figures)
    step = month_start(start) if start else None
    # As on the dashboard's charts of the drop-ins' own measures: the months before drop-ins started and the
    # month still running are left off, so the sentence for a measure the dashboard draws reads the same here.
    running = [(step is None or f.month >= step) and f.month < this_month for f in figures]

    def words(measure: str, values: list, direction: str) -> str:
        values = [value if on else None for value, on in zip(values, running)]
        result = spc.spc_compute(months=months, values=values, steps=(step,) if step else (), direction=direction)
        return xmr_words(result=result, measure=measure, start=step)

    sickness = [f.sickness for f in covered if f.sickness]
    return Board(
        months=[f.month for f in covered],
        held=sum(f.sessions.held for f in covered),
        cancelled=sum(f.sessions.cancelled for f in covered),
        hours=sum(f.sessions.minutes for f in covered) / 60,
        seen=total_over_months([f.sessions.seen for f in covered]),
        not_seen=total_over_months([f.sessions.not_seen for f in covered]),
        answers=total_over_months([f.pulse.answers for f in covered]),
        mean=mean_over_months([(f.pulse.answers, f.pulse.mean) for f in covered]),
        sickness_rate=(float(sum(s.lost for s in sickness) / sum(s.available for s in sickness))
                       if sickness else None),
        words={
            **chart_words,
            "cancelled": words("sessions cancelled", [f.sessions.cancelled for f in figures],
                               spc.BETTER[spc.SESSIONS_CANCELLED]),
            "hours": words("hours of sessions held", [f.sessions.minutes / 60 for f in figures],
                           spc.BETTER[spc.HOURS_HELD]),
        },
    )


def complete_months(figures: list[MonthFigures]) -> list[MonthFigures]:
    """Return the period's months up to the first whose people or pulse answers are not published yet.

    Those are published once a month has ended (its sessions settled, its last pulse week over), so the
    months left off are the month still running, and for a few days the one before it.
    """
    complete = []
    for f in figures:
        if f.sessions.seen.is_pending or f.sessions.not_seen.is_pending or f.pulse.answers.is_pending:
            break
        complete.append(f)
    return complete
