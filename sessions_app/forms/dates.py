"""Dates people type into a form: near enough to today, and lists of dates in the ways people write them."""
import datetime

from django import forms
from django.utils import timezone


YEARS_EITHER_SIDE = 2


def within_reach(day: datetime.date) -> None:
    """Refuse dates no drop-in could be on: more than two years either side of today."""
    today = timezone.localdate()
    if abs((day - today).days) > 366 * YEARS_EITHER_SIDE:
        raise forms.ValidationError(f"Enter a date within {YEARS_EITHER_SIDE} years of today.", code="far")


DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y"]


class SkipDatesField(forms.CharField):
    """Dates to leave out, typed one a line (or separated by commas), as 25/12/2026 or 2026-12-25."""

    widget = forms.Textarea

    def to_python(self, value) -> list[datetime.date]:
        dates = []
        for text in (part.strip() for part in (value or "").replace(",", "\n").splitlines()):
            if not text:
                continue
            for date_format in DATE_FORMATS:
                try:
                    dates.append(datetime.datetime.strptime(text, date_format).date())
                    break
                except ValueError:
                    continue
            else:
                raise forms.ValidationError(
                    "“%(text)s” is not a date. Enter dates like 25/12/2026, one a line.",
                    code="invalid", params={"text": text[:40]},
                )
        return sorted(set(dates))

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(f"{day:%d/%m/%Y}" for day in value)
        return value
