"""Display helpers in the NHS.UK content style: “11:30am to 1:30pm”, “midday”."""
import datetime
import itertools
import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from ..rounding import exact, rounded, rounded_percent
from ..services.privacy import people as count_people
from ..services.tally import busyness as describe_busyness

register = template.Library()


@register.filter
def nhs_time(value: datetime.datetime | datetime.time | None) -> str:
    """Return a time as the NHS writes it: 9am, 11:30am, midday, 1:30pm, midnight."""
    if value is None:
        return ""
    hour, minute = value.hour, value.minute
    if minute == 0 and hour == 12:
        return "midday"
    if minute == 0 and hour == 0:
        return "midnight"
    suffix = "am" if hour < 12 else "pm"
    hour12 = hour % 12 or 12
    return f"{hour12}{suffix}" if minute == 0 else f"{hour12}:{minute:02d}{suffix}"


@register.filter
def time_window(session) -> str:
    """Return “11:30am to 1:30pm” in the session's site time zone."""
    return f"{nhs_time(session.local_starts_at)} to {nhs_time(session.local_ends_at)}"


@register.filter
def busyness(waiting: int) -> str:
    """Return “quiet”, “busy” or “very busy”: staff never see how many people are waiting."""
    return describe_busyness(waiting)


@register.filter
def nhs_date(value: datetime.date | datetime.datetime | None) -> str:
    """Return a date as “Tuesday 1 December 2026”."""
    if value is None:
        return ""
    return f"{value:%A} {value.day} {value:%B %Y}"


@register.filter
def month_range(months: list[datetime.date]) -> str:
    """Return the months from the first to the last in words: “April to September 2026”, “November 2025 to
    April 2026”, “September 2026”."""
    if not months:
        return ""
    first, last = months[0], months[-1]
    if first == last:
        return f"{last:%B %Y}"
    return f"{first:%B}{'' if first.year == last.year else f' {first.year}'} to {last:%B %Y}"


@register.filter(needs_autoescape=True)
def plain_text(value: str, autoescape=True):
    """Turn plain text into NHS.UK paragraphs and lists: blank lines part paragraphs, “- ” starts a list item."""
    escape = conditional_escape if autoescape else (lambda text: text)
    html = []
    for block in re.split(r"\n\s*\n", value.strip().replace("\r\n", "\n")):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        # Consecutive lines of one kind (text or list item) make one paragraph or one list.
        for is_item, run in itertools.groupby(lines, key=lambda line: line.startswith("- ")):
            run = [escape(line[2:].strip() if is_item else line) for line in run]
            if is_item:
                html.append('<ul class="nhsuk-list nhsuk-list--bullet">' + "".join(f"<li>{item}</li>" for item in run) + "</ul>")
            else:
                html.append("<p>" + "<br>".join(run) + "</p>")
    return mark_safe("".join(html))


@register.filter
def decimals(value, digits: int = 2) -> str:
    """Return a number rounded half up to `digits` decimals, as the CSV files give it: 2.525 → “2.53”."""
    return "" if value is None else str(rounded(value, int(digits)))


@register.filter
def percent(value: float | None, digits: int = 0) -> str:
    """Return a share as a percentage, rounded half up: 0.934 → “93%”, or with |percent:1 → “93.4%”."""
    if value is None:
        return ""
    return f"{rounded_percent(value, int(digits))}%"


@register.filter
def signed(value: float | None, digits: int = 2) -> str:
    """Return a difference with its sign, as people read it: “+0.40”, “−1.25” (a real minus sign)."""
    if value is None:
        return ""
    size = rounded(abs(exact(value)), int(digits))
    return str(size) if size == 0 else ("+" if value > 0 else "\u2212") + str(size)


@register.filter
def percent_points(value: float | None) -> str:
    """Return a difference of two rates in percentage points, signed: 0.013 → “+1.3”."""
    return "" if value is None else signed(exact(value) * 100, 1)


@register.filter
def input_value(value) -> str:
    """Return a field's value as an HTML date or time input reads it: 2026-12-01, 13:30."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    return value


@register.filter
def email_body(html: str) -> str:
    """Return the inside of an email's <body>, to preview it in a page. Only for emails this app rendered."""
    match = re.search(r"<body[^>]*>(.*)</body>", html, flags=re.DOTALL)
    return mark_safe(match.group(1) if match else "")


@register.filter
def people(count: int, hidden: bool):
    """Show a count of people, or “fewer than 5” when the reader may not see small counts (privacy rule 2)."""
    return count_people(count, hidden=hidden)
