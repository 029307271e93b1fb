"""The insights CSV files: figures.csv and the monthly return, laid out for a spreadsheet to add up.

Every number column holds a number or nothing. A column that privacy rule 2 may empty has a
`<column>_status` column beside it: empty where the number shows, else "suppressed" (fewer than the
threshold), "not shown" (it would give a suppressed figure away) or "not yet" (the month has not ended).
Numbers are rounded as the pages round them (rounding.py). The README lists every column.
"""
from ..rounding import (FTE_DAYS_PLACES, HOURS_PLACES, MEAN_PLACES, RATE_PLACES, UTILISATION_PLACES, exact,
                        rounded, rounded_percent)
from .insights import MonthFigures
from .monthly_return import GROUPS, ReturnMonth
from .privacy import Figure
from .pulse_figures import BANDS

STATUSES = ("", "suppressed", "not shown", "not yet")
BAND_COLUMNS = [f"pulse_{label.split()[0].lower()}_percent" for label, _ in BANDS]


def _with_status(name: str) -> list[str]:
    return [name, f"{name}_status"]


def _count(figure: Figure) -> list:
    return [figure.number if figure.shown else "", figure.status]


def _value(value, status: str) -> list:
    """A number that shows only where its figure does: empty with the status, else the number and no status."""
    return ["" if value is None else value, "" if value is not None else status]


FIGURES_HEADER = [
    "month", "sessions_held", "sessions_cancelled", *_with_status("people_seen"), *_with_status("people_not_seen"),
    *_with_status("utilisation_percent"), *_with_status("pulse_answers"), *_with_status("pulse_mean_score"),
    *[column for name in BAND_COLUMNS for column in _with_status(name)],
    "sickness_fte_days_lost", "sickness_fte_days_available", "sickness_rate_percent",
]


def _bands(f: MonthFigures) -> list:
    """Each band's per cent of the answers, where the month's bands show; none in a month of no answers."""
    if f.pulse.bands:
        return [cell for share in f.pulse.bands for cell in (share, "")]
    return ["", _absent_status(f.pulse.answers, none=f.pulse.answers.is_zero)] * len(BAND_COLUMNS)


def _absent_status(answers: Figure, *, none: bool) -> str:
    """Why a figure drawn from counts is missing: not yet, nothing to draw it from (""), or not shown."""
    return "not yet" if answers.is_pending else "" if none else "not shown"


def figures_rows(figures: list[MonthFigures]) -> list[list]:
    """Return figures.csv's rows: the dashboard's monthly figures, as its tables show them."""
    rows = []
    for f in figures:
        sessions, pulse, sickness = f.sessions, f.pulse, f.sickness
        rows.append([
            f"{f.month:%Y-%m}", sessions.held, sessions.cancelled, *_count(sessions.seen), *_count(sessions.not_seen),
            *_value(rounded_percent(sessions.utilisation, UTILISATION_PLACES),
                    _absent_status(sessions.seen, none=not sessions.held)),
            *_count(pulse.answers),
            *_value(rounded(pulse.mean, MEAN_PLACES), _absent_status(pulse.answers, none=pulse.answers.is_zero)),
            *_bands(f),
            rounded(sickness.lost, FTE_DAYS_PLACES) if sickness else "",
            rounded(sickness.available, FTE_DAYS_PLACES) if sickness else "",
            rounded_percent(sickness.rate, RATE_PLACES) if sickness else "",
        ])
    return rows


def group_column(group: str) -> str:
    return f"people_supported_{group or 'not_given'}"


RETURN_HEADER = [
    "site", "month", "sessions_held", "hours_of_sessions_held", "minutes_of_sessions_held",
    *_with_status("people_supported"), *_with_status("people_not_seen"), "supervisors_delivering",
    *[column for group in GROUPS for column in _with_status(group_column(group))],
]


def return_rows(months: list[ReturnMonth]) -> list[list]:
    """Return the monthly return's rows: one for each site and month."""
    return [[
        row.site.name, f"{row.month:%Y-%m}", row.sessions.held, rounded(exact(row.sessions.minutes) / 60, HOURS_PLACES),
        rounded(row.sessions.minutes, 0), *_count(row.sessions.seen), *_count(row.sessions.not_seen),
        row.supervisors, *[cell for group in GROUPS for cell in _count(row.groups[group])],
    ] for row in months]
