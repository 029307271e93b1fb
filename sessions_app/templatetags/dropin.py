"""Display helpers in the NHS.UK content style: “11:30am to 1:30pm”, “midday”."""
import datetime

from django import template

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
def nhs_date(value: datetime.date | datetime.datetime | None) -> str:
    """Return a date as “Tuesday 1 December 2026”."""
    if value is None:
        return ""
    return f"{value:%A} {value.day} {value:%B %Y}"
