"""Reading a sickness absence file: its text, its columns, and the months and FTE-day figures people write."""
import calendar
import datetime
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError

from ..dates import add_months, month_start
from ..rounding import RATE_PLACES, rounded_percent

COLUMNS = ("team", "month", "fte_days_lost", "fte_days_available")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MONTHS_AHEAD = 24
EARLIEST_YEAR = 1900
MAX_FIGURE = Decimal("10000000")  # the model keeps 9 digits, 2 after the point

LOST, AVAILABLE = "FTE days lost", "FTE days available"
AVAILABLE_NOT_POSITIVE = "FTE days available must be more than 0."
LOST_OVER_AVAILABLE = "FTE days lost cannot be more than FTE days available."

_MONTH_NUMBERS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTH_NUMBERS |= {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
_MONTH_NUMBERS["sept"] = 9
_MONTH_FORMS = [
    (re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})(?:-0?1)?"), "number"),  # 2026-03, 2026-03-01
    (re.compile(r"(?P<month>\d{1,2})/(?P<year>\d{4})"), "number"),           # 03/2026
    (re.compile(r"0?1/(?P<month>\d{1,2})/(?P<year>\d{4})"), "number"),       # 01/03/2026: Excel's date for a month
    (re.compile(r"(?P<month>[a-z]+)[\s-]+(?P<year>\d{4}|\d{2})"), "name"),  # March 2026, Mar-26 (Excel)
]
_FIGURE = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")
_THOUSANDS = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


class FigureError(ValueError):
    """A month or a number a person typed that cannot be used; the message says why in plain words."""


def month_label(month: datetime.date) -> str:
    return f"{calendar.month_name[month.month]} {month.year}"


def months_ahead(day: datetime.date, months: int) -> datetime.date:
    """Return the first of the month `months` after `day`'s month."""
    return add_months(month_start(day), months)


def month_parse(raw: str, *, today: datetime.date) -> datetime.date:
    """Return the first day of the month written as 2026-03, 03/2026, March 2026 (or Excel's Mar-26)."""
    text = raw.strip().lower()
    for pattern, kind in _MONTH_FORMS:
        match = pattern.fullmatch(text)
        if not match:
            continue
        number = int(match["month"]) if kind == "number" else _MONTH_NUMBERS.get(match["month"])
        year = int(match["year"]) + (2000 if len(match["year"]) == 2 else 0)
        if number and 1 <= number <= 12:
            month = datetime.date(year, number, 1) if year >= 1 else None
            break
    else:
        month = None
    if month is None:
        raise FigureError(f"“{raw.strip()[:40]}” is not a month. Write it as YYYY-MM, for example 2026-03.")
    if month > months_ahead(today, MONTHS_AHEAD):
        raise FigureError(f"{month_label(month)} is more than {MONTHS_AHEAD // 12} years ahead. Check the year.")
    if month.year < EARLIEST_YEAR:
        raise FigureError(f"{month_label(month)} is before {EARLIEST_YEAR}. Check the year.")
    return month


def figure_parse(raw: str, *, label: str) -> Decimal:
    """Return a number of FTE days such as 12.5 (1,234.5 too); refuse negatives and more than 2 decimal places."""
    text = raw.strip()
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    if not _FIGURE.fullmatch(text):
        raise FigureError(f"{label} “{raw.strip()[:40]}” is not a number. Write it like 12.5.")
    value = Decimal(text)
    if value < 0:
        raise FigureError(f"{label} cannot be negative.")
    if value >= MAX_FIGURE:  # before quantize(), which cannot hold more than 28 digits
        raise FigureError(f"{label} must be less than 10,000,000.")
    if value != value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
        raise FigureError(f"{label} can have at most 2 decimal places.")
    return value.quantize(Decimal("0.01"))


def figures_check(*, lost: Decimal, available: Decimal) -> list[str]:
    """Return what is wrong with a month's two figures together (the model's rules, in its words)."""
    if available <= 0:
        return [AVAILABLE_NOT_POSITIVE]
    if lost > available:
        return [LOST_OVER_AVAILABLE]
    return []


def figure_shown(value: Decimal) -> str:
    """Return a figure as people write it: 12.50 → “12.5”, 400.00 → “400”."""
    return f"{value.normalize():,f}"


def rate_shown(*, lost: Decimal, available: Decimal) -> str:
    """Return the sickness rate (lost / available, the NHS definition) as a percentage to 1 decimal place."""
    return f"{rounded_percent(Fraction(lost) / Fraction(available), RATE_PLACES)}%"


# The file


def sickness_decode(*, data: bytes) -> str:
    """Return the text of an uploaded CSV file: UTF-8 (with or without Excel's BOM), else Windows-1252.

    Excel's plain “CSV (Comma delimited)” on a UK Windows PC writes Windows-1252. A wrong guess
    can only make a team name fail to match (months and figures are plain ASCII), never a wrong figure.
    """
    if not data.strip():
        raise ValidationError("The file is empty. Choose a CSV file with a header row and a row for each team "
                              "and month.", code="empty")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationError("This is an Excel workbook, not a CSV file. In Excel, choose File, Save As, "
                              "and “CSV UTF-8 (Comma delimited)”, then upload that file.", code="workbook")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        raise ValidationError("This file is not a CSV text file. Save it as “CSV UTF-8 (Comma delimited)” "
                              "and upload that file.", code="binary")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise ValidationError("This file's characters could not be read. Save it as “CSV UTF-8 (Comma "
                              "delimited)” and upload that file.", code="encoding")


def canonical_text(text: str) -> str:
    """Return the text with one kind of line ending and no BOM, as it is signed and read."""
    return re.sub(r"\r\n?", "\n", text.removeprefix("\ufeff"))


def header_name(cell: str) -> str:
    return re.sub(r"[\s_]+", "_", cell.strip().lower())
