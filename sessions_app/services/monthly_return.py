"""The monthly return: per site and month, the restorative supervision delivered, shaped like the returns trusts make.

Sessions held and their hours, people supported one-to-one (seen) and people who came but could not be
seen, the people supported by staff group where privacy rule 2 allows, and how many supervisors ran them.
The counts of people are the dashboard's own (session_months), so the two never disagree.
"""
import dataclasses
import datetime

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from ..dates import add_months
from ..models import Attendance, AttendanceCorrection, Session, Site, StaffGroup
from .insights import SessionMonth, session_months
from .privacy import Figure, total_parts
from .rows import row_month

GROUPS = [value for value, _ in StaffGroup.choices]  # "" is "Not given"


@dataclasses.dataclass
class ReturnMonth:
    """One site's month of the return."""

    site: Site
    month: datetime.date
    sessions: SessionMonth
    supervisors: int
    groups: dict[str, Figure]  # staff group -> people seen in it, as it may be published


def _window(sites: list[Site], months: list[datetime.date]) -> Q:
    zone = sites[0].zone
    start = datetime.datetime.combine(months[0], datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(add_months(months[-1], 1), datetime.time(), tzinfo=zone)
    return Q(site__in=sites, starts_at__gte=start, starts_at__lt=end)


def _zone_rows(*, sites: list[Site], months: list[datetime.date], now: datetime.datetime):
    """Return, for sites in one time zone: seen per (site, month, group); supervisors per (site, month); regrouped."""
    zone = sites[0].zone
    held = Session.objects.filter(_window(sites, months), status=Session.Status.SCHEDULED, starts_at__lt=now)
    by_group = (Attendance.objects.filter(session__in=held)
                .values_list("session__site_id", TruncMonth("session__starts_at", tzinfo=zone), "staff_group")
                .annotate(seen=Sum("seen")).order_by())
    supervisors = (held.values_list("site_id", TruncMonth("starts_at", tzinfo=zone))
                   .annotate(count=Count("supervisor_id", distinct=True)).order_by())
    regrouped = (AttendanceCorrection.objects.filter(session__in=Session.objects.filter(_window(sites, months)))
                 .values_list("session__site_id", TruncMonth("session__starts_at", tzinfo=zone)).distinct())
    seen = {(site_id, row_month(month), group): int(total or 0) for site_id, month, group, total in by_group}
    return (seen, {(site_id, row_month(month)): count for site_id, month, count in supervisors},
            {(site_id, row_month(month)) for site_id, month in regrouped})


def monthly_return(*, sites: list[Site], months: list[datetime.date], now: datetime.datetime) -> list[ReturnMonth]:
    """Return every site's months, in a few queries for each time zone among the sites whatever the data."""
    by_site = session_months(sites=sites, months=months, now=now)
    seen, supervisors, regrouped = {}, {}, set()
    for zone_name in sorted({site.time_zone for site in sites}):
        zone_seen, zone_supervisors, zone_regrouped = _zone_rows(
            sites=[site for site in sites if site.time_zone == zone_name], months=months, now=now)
        seen |= zone_seen
        supervisors |= zone_supervisors
        regrouped |= zone_regrouped
    rows = []
    for site in sites:
        for month in months:
            figures = by_site[site.pk][month]
            groups = total_parts({group: seen.get((site.pk, month, group), 0) for group in GROUPS},
                                 total=figures.seen, regrouped=(site.pk, month) in regrouped)
            rows.append(ReturnMonth(site=site, month=month, sessions=figures,
                                    supervisors=supervisors.get((site.pk, month), 0), groups=groups))
    return rows
