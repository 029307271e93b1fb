"""Each site's monthly sums of sessions and pulse answers: from the roll-ups where a month is closed, else raw rows.

A site's month is closed once its sessions have settled and its last pulse week has ended there; after that
only a correction or a repair changes it. `roll_up` (run by `manage.py roll_up`, a job) adds closed months up
once. A change to a closed month made through the app or the admin forgets its roll-up (`forget_changed`,
on Django's signals), and its raw rows are read until the job adds it up again; one made in bulk or by plain
SQL is caught by `manage.py roll_up --again`. Both ways give the same sums: the roll-ups are these queries' rows.
"""
import datetime

from django.db import connections, transaction
from django.utils import timezone
from django.db.models import Case, Count, DateField, DurationField, ExpressionWrapper, F, Max, Q, Sum, When
from django.db.models.functions import Cast, Coalesce, TruncMonth

from ..dates import add_months, month_start, week_of
from ..models import Attendance, AttendanceCorrection, MonthRollUp, Pulse, PulseMonthRollUp, Session, Site
from ..models.sessions import MAX_SESSION_LENGTH
from .privacy import threshold
from .rows import plain_rows, row_duration, row_month
from .tally import CLOSES_AFTER

# A month's sessions can still be tallied after midnight: the last may end 4 hours into the next month and
# take presses for an hour more. Its counts are published only once that is over.
SESSIONS_SETTLE = MAX_SESSION_LENGTH + CLOSES_AFTER
SCORES = [score for score, _ in Pulse.Score.choices]
SESSION_SUMS = ["held", "cancelled", "held_seconds", "seen", "seen_small_sessions", "seen_small_sum",
                "not_seen", "not_seen_small_sessions", "not_seen_small_sum"]
PULSE_SUMS = ["answers", "score_sum", *(f"score_{score}" for score in SCORES)]


def sessions_settled_month(site: Site, now: datetime.datetime) -> datetime.date:
    """Return the first month of the site whose sessions' counts are not settled yet."""
    return month_start((now - SESSIONS_SETTLE).astimezone(site.zone).date())


def pulse_month_ended(site: Site, month: datetime.date, now: datetime.datetime) -> bool:
    """Return whether the month's last pulse week (a week counts in its Monday's month) has ended at the site."""
    return week_of(add_months(month, 1) - datetime.timedelta(days=1)) < week_of(now.astimezone(site.zone).date())


def is_closed(site: Site, month: datetime.date, now: datetime.datetime) -> bool:
    return month < sessions_settled_month(site, now) and pulse_month_ended(site, month, now)


def _rolled(sites: list[Site], months: list[datetime.date]) -> dict[tuple, MonthRollUp]:
    rolls = MonthRollUp.objects.filter(site__in=sites, month__gte=months[0], month__lte=months[-1],
                                       threshold=threshold())
    return {(roll.site_id, roll.month): roll for roll in rolls}


# Sessions


def session_sums(*, sites: list[Site], months: list[datetime.date], now: datetime.datetime) -> list[tuple]:
    """Return (site id, month, *SESSION_SUMS) for each month with sessions, for sites in one time zone."""
    rolled = _rolled(sites, months)
    rows = [(site_id, month, *(getattr(roll, name) for name in SESSION_SUMS)) for (site_id, month), roll in rolled.items()]
    missing = [month for month in months if any((site.pk, month) not in rolled for site in sites)]
    if missing:
        raw = _raw_session_sums(sites=sites, first=missing[0], last=missing[-1], now=now)
        rows += [row for row in raw if (row[0], row[1]) not in rolled]
    return rows


def _raw_session_sums(*, sites: list[Site], first: datetime.date, last: datetime.date, now: datetime.datetime):
    """Return the session sums from raw rows: summed per session first, then per month."""
    # Rule 2 needs each session's own total (its small ones); Django cannot group over a grouped query,
    # so the per-session query is built with the ORM and wrapped in a plain GROUP BY.
    zone = sites[0].zone
    start = datetime.datetime.combine(first, datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(add_months(last, 1), datetime.time(), tzinfo=zone)
    held = Q(status=Session.Status.SCHEDULED, starts_at__lt=now)
    # One group per session: its own fields are read through Max, so the rows group by its id alone.
    per_session = (
        Session.objects.filter(site__in=sites, starts_at__gte=start, starts_at__lt=end)
        .values("pk", "site_id")
        .annotate(month=TruncMonth(Max("starts_at"), tzinfo=zone),
                  held=Max(Case(When(held, then=1), default=0)),
                  cancelled=Max(Case(When(status=Session.Status.CANCELLED, then=1), default=0)),
                  length=Max(ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())),
                  seen=Coalesce(Sum("attendance__seen"), 0), not_seen=Coalesce(Sum("attendance__not_seen"), 0))
        .order_by()
    )
    inner_sql, inner_params = per_session.query.sql_with_params()
    small = " AND ".join(["held = 1", "{0} > 0", "{0} < %s"])
    sql = (
        "SELECT site_id, month, SUM(held), SUM(cancelled), SUM(CASE WHEN held = 1 THEN length END), "
        + ", ".join(f"SUM(CASE WHEN held = 1 THEN {m} END), SUM(CASE WHEN {small.format(m)} THEN 1 ELSE 0 END), "
                    f"SUM(CASE WHEN {small.format(m)} THEN {m} END)" for m in ("seen", "not_seen"))
        + f" FROM ({inner_sql}) per_session GROUP BY site_id, month"
    )
    with connections[per_session.db].cursor() as cursor:
        cursor.execute(sql, [threshold()] * 4 + list(inner_params))
        rows = cursor.fetchall()
    # PostgreSQL sums integers as numeric: every count is read back as an int; lengths as seconds.
    return [(site_id, row_month(month), int(held or 0), int(cancelled or 0),
             int(row_duration(length).total_seconds()), *(int(value or 0) for value in measures))
            for site_id, month, held, cancelled, length, *measures in rows]


# Pulse answers


def pulse_sums(*, sites: list[Site], months: list[datetime.date]) -> list[tuple]:
    """Return (site id, team id, month, *PULSE_SUMS) for each team's month with answers (team None: not said)."""
    rolled = _rolled(sites, months)
    rows = list(PulseMonthRollUp.objects.filter(site__in=sites, month__gte=months[0], month__lte=months[-1])
                .values_list("site_id", "team_id", "month", *PULSE_SUMS))
    rows = [row for row in rows if (row[0], row[2]) in rolled]
    missing = [month for month in months if any((site.pk, month) not in rolled for site in sites)]
    if missing:
        raw = _raw_pulse_sums(sites=sites, first=missing[0], last=missing[-1])
        rows += [row for row in raw if (row[0], row[2]) not in rolled]
    return rows


def _raw_pulse_sums(*, sites: list[Site], first: datetime.date, last: datetime.date) -> list[tuple]:
    names = [f"score_{score}" for score in SCORES]
    rows = (
        Pulse.objects.filter(site__in=sites, week__gte=first, week__lt=add_months(last, 1))
        # A date, not the timestamp PostgreSQL truncates to: far cheaper to read back many times.
        .values("site_id", "team_id", month=Cast(TruncMonth("week"), DateField()))
        .annotate(answers=Count("pk"), score_sum=Sum("score"),
                  **{name: Count("pk", filter=Q(score=score)) for name, score in zip(names, SCORES)})
        .order_by()
        .values_list("site_id", "team_id", "month", "answers", "score_sum", *names)
    )
    months: dict = {}
    return [(site_id, team_id, months.setdefault(month, row_month(month)), *figures)
            for site_id, team_id, month, *figures in plain_rows(rows)]


# Rolling up


def roll_up(*, now: datetime.datetime, sites: list[Site] | None = None, again: bool = False) -> int:
    """Add up every closed month of the sites not yet rolled up (all of them, `again`); return how many."""
    count = 0
    for site in sites if sites is not None else Site.objects.all():
        first = (Session.objects.filter(site=site).order_by("starts_at").values_list("starts_at", flat=True).first())
        first_week = Pulse.objects.filter(site=site).order_by("week").values_list("week", flat=True).first()
        starts = [month_start(first.astimezone(site.zone).date())] if first else []
        starts += [month_start(first_week)] if first_week else []
        if not starts:
            continue
        months, month = [], min(starts)
        while is_closed(site, month, now):
            months.append(month)
            month = add_months(month, 1)
        if not again:
            done = set(MonthRollUp.objects.filter(site=site, threshold=threshold()).values_list("month", flat=True))
            months = [month for month in months if month not in done]
        if months:
            _roll_up_site(site, months, now=now)
            count += len(months)
    return count


@transaction.atomic
def _roll_up_site(site: Site, months: list[datetime.date], *, now: datetime.datetime) -> None:
    MonthRollUp.objects.filter(site=site, month__in=months).delete()
    PulseMonthRollUp.objects.filter(site=site, month__in=months).delete()
    sessions = {row[1]: row[2:] for row in _raw_session_sums(sites=[site], first=months[0], last=months[-1], now=now)}
    MonthRollUp.objects.bulk_create(
        MonthRollUp(site=site, month=month, threshold=threshold(),
                    **dict(zip(SESSION_SUMS, sessions.get(month, (0,) * len(SESSION_SUMS)))))
        for month in months)
    PulseMonthRollUp.objects.bulk_create(
        PulseMonthRollUp(site=site, team_id=team_id, month=month, **dict(zip(PULSE_SUMS, figures)))
        for _, team_id, month, *figures in _raw_pulse_sums(sites=[site], first=months[0], last=months[-1])
        if month in set(months))


def forget(*, site_id: int, month: datetime.date) -> None:
    """Forget a site's month's roll-up: its raw rows are read until the next roll-up adds it up again."""
    MonthRollUp.objects.filter(site_id=site_id, month=month).delete()
    PulseMonthRollUp.objects.filter(site_id=site_id, month=month).delete()


def forget_changed(sender, instance, **kwargs) -> None:
    """Signal receiver: a session, its attendance or a correction saved or deleted forgets its closed month's roll-up."""
    if kwargs.get("raw") or (kwargs.get("created") and isinstance(instance, Attendance)
                             and not (instance.seen or instance.not_seen)):
        return  # a restore; or the tally's empty row, which adds nothing (its presses are in an open month)
    session = instance if isinstance(instance, Session) else instance.session
    month = month_start(session.starts_at.astimezone(session.site.zone).date())
    if is_closed(session.site, month, timezone.now()):
        forget(site_id=session.site_id, month=month)


def forget_before_change(sender, instance, raw=False, **kwargs) -> None:
    """Signal receiver (pre_save): a session or its attendance moving out of a closed month forgets that month too;
    a site's time zone changing forgets all its months, whose bounds move."""
    if raw or instance.pk is None:
        return
    if isinstance(instance, Site):
        if Site.objects.filter(pk=instance.pk).exclude(time_zone=instance.time_zone).exists():
            MonthRollUp.objects.filter(site=instance).delete()
            PulseMonthRollUp.objects.filter(site=instance).delete()
        return
    session_id = instance.pk if isinstance(instance, Session) else Attendance.objects.filter(
        pk=instance.pk).values_list("session_id", flat=True).first()
    before = Session.objects.select_related("site").filter(pk=session_id).first()
    if before is not None:
        forget_changed(sender, before)


CHANGES_FORGET = [Session, Attendance, AttendanceCorrection]
MOVES_FORGET = [Session, Attendance, Site]
