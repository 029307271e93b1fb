"""Retention: pulse answers and feedback are kept for DROPIN_RETENTION_MONTHS whole months, then deleted.

Time away, which only ever served to find cover, goes once it has been over for TIME_AWAY_KEPT_FOR.

The boundary is a month, not a day: with 24 months on 15 July 2026 everything whose week starts
before 1 July 2024 goes, and the week of Monday 1 July 2024 stays. A week belongs to the month
its Monday is in, as on the insights pages, so a month's answers are kept or deleted together and
no month is ever shown with only some of its answers. "Now" is read in the project's time zone.

The insights' before-and-after comparison reads the 6 months before a site's service started:
with 24 months kept, those go from about 18 months after the start (see the README).
"""
import datetime

from django.db import transaction
from django.utils import timezone

from ..dates import add_months, month_start
from ..models import Feedback, Pulse, PulseMonthRollUp, TimeAway

TIME_AWAY_KEPT_FOR = datetime.timedelta(days=30)


def retention_cutoff(*, now: datetime.datetime, months: int) -> datetime.date:
    """Return the first day kept: the first of the month `months` before now's month."""
    if months < 1:
        raise ValueError("Keep pulse answers and feedback for at least 1 month.")
    return add_months(month_start(timezone.localdate(now)), -months)


def data_purge(*, now: datetime.datetime, months: int, dry_run: bool = False) -> dict[str, int]:
    """Delete pulse answers and feedback from weeks before the cutoff, and time away long over; say how many went.

    Four DELETE statements whatever the number of rows (no model has rows that point at them, so
    Django deletes without loading them), in one transaction: all go, or none.
    With dry_run, count what would go and delete nothing.
    """
    cutoff = retention_cutoff(now=now, months=months)
    old = {"pulses": Pulse.objects.filter(week__lt=cutoff), "feedback": Feedback.objects.filter(week__lt=cutoff),
           # The answers' monthly sums go with them, so no dashboard shows a month whose answers are gone.
           "pulse month sums": PulseMonthRollUp.objects.filter(month__lt=cutoff),
           "time away": TimeAway.objects.filter(ends_on__lt=timezone.localdate(now) - TIME_AWAY_KEPT_FOR)}
    if dry_run:
        return {name: rows.count() for name, rows in old.items()}
    with transaction.atomic():
        return {name: rows.delete()[0] for name, rows in old.items()}
