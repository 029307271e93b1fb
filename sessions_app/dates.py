"""Week and month arithmetic: the one place a Monday is found or months are added."""
import datetime


def week_of(day: datetime.date) -> datetime.date:
    """Return the Monday of the ISO week `day` is in: the finest time a pulse answer keeps."""
    return day - datetime.timedelta(days=day.weekday())


def on_or_after(day: datetime.date, weekday: int) -> datetime.date:
    """Return the first date on or after `day` that falls on `weekday` (Monday 0 to Sunday 6)."""
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    """Return the first day of the month `count` months after `month`'s (before, when negative)."""
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Return the first day of every month from `first`'s to `last`'s, both included."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def working_days_before(day: datetime.date, count: int) -> datetime.date:
    """Return the date `count` working days (Monday to Friday) before `day`."""
    while count:
        day -= datetime.timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def bank_holidays(*, region: str, first: datetime.date, last: datetime.date) -> dict[datetime.date, str]:
    """Return the UK bank holidays of a region ("ENG", "SCT" or "NIR") between two dates, with their names."""
    import holidays

    days = holidays.country_holidays("GB", subdiv=region, years=range(first.year, last.year + 1))
    return {day: name for day, name in sorted(days.items()) if first <= day <= last}
