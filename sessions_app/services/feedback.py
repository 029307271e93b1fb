"""The anonymous morale pulse, the feedback left with it, and approving that feedback.

Privacy rule 1: a pulse answer keeps its site, an optional team, its ISO week, the score and
whether the person has been to a drop-in; nothing else, and never anything about the browser or
the network it came from. A comment is kept apart from the answer, so the two cannot be matched.
"""
import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from ..models import Feedback, Pulse, Site, Team, User, week_of
from .audit import audit_record
from .built import built

QUOTES_SHOWN = 3


def pulse_site(*, slug: str, now: datetime.datetime) -> tuple[Site, list[Team]] | None:
    """Return a site and its teams, in name order, for the pulse; None for no such site. Kept while they stay the same."""
    def build():
        site = Site.objects.filter(slug=slug).first()
        if site is None:
            return None, now  # not kept: any address can be asked for
        return (site, list(Team.objects.filter(site=site).order_by("name"))), None

    return built("pulse-site", (slug,), build, now=now)


def pulse_today(*, site: Site, now: datetime.datetime | None = None) -> datetime.date:
    """Return today's date where the site is: the week an answer belongs to follows the site's clock."""
    return (now or timezone.now()).astimezone(site.zone).date()


def iso_week(day: datetime.date) -> str:
    """Return the ISO week a day is in, as “2026-W48”."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def next_week(*, site: Site, now: datetime.datetime | None = None) -> datetime.date:
    """Return the Monday of the site's next week, when a new answer is welcome."""
    return week_of(pulse_today(site=site, now=now)) + datetime.timedelta(weeks=1)


def seconds_left_in_week(*, site: Site, now: datetime.datetime | None = None) -> int:
    """Return the seconds until the site's next Monday at midnight."""
    now = now or timezone.now()
    ends = datetime.datetime.combine(next_week(site=site, now=now), datetime.time(), tzinfo=site.zone)
    return max(int((ends - now).total_seconds()), 1)


def pulse_record(*, site: Site, score: int, team: Team | None = None, attended: str = "", comment: str = "",
                 shown_as: str = "", now: datetime.datetime | None = None) -> Pulse:
    """Store one pulse answer and, when there is a comment, a separate feedback row awaiting approval."""
    week = week_of(pulse_today(site=site, now=now))
    # Every answer and waiting comment of the site's week is written again with it, with or without a comment,
    # so PostgreSQL's row versions (xmin) say only which week's rows were last touched, not which answer came
    # with which comment. (A comment is never linked to its answer: beside a score and a team it could say who.)
    if connection.vendor == "postgresql":
        return _record_in_one_statement(site=site, team=team, week=week, score=score, attended=attended,
                                        comment=comment, shown_as=shown_as)
    with transaction.atomic():
        pulse = Pulse.objects.create(site=site, team=team, week=week, score=score, attended=attended)
        if comment:
            Feedback.objects.create(site=site, comment=comment, shown_as=shown_as, week=week)
        Pulse.objects.filter(site=site, week=week).update(week=week)
        Feedback.objects.filter(site=site, week=week, approved=False).update(week=week)
    return pulse


def _record_in_one_statement(*, site, team, week, score, attended, comment, shown_as) -> Pulse:
    """Make the same writes in one PostgreSQL statement, atomic by itself."""
    # Rows are locked in id order, so answers sent at once wait in turn, never deadlock. The rewrites do not
    # see the new rows, which this statement's own transaction wrote anyway.
    pulse, feedback = (connection.ops.quote_name(model._meta.db_table) for model in (Pulse, Feedback))
    sql = f"""
        WITH answer AS (INSERT INTO {pulse} (site_id, team_id, week, score, attended)
                        VALUES (%(site)s, %(team)s, %(week)s, %(score)s, %(attended)s) RETURNING id),
             said AS (INSERT INTO {feedback} (site_id, comment, shown_as, week, approved)
                      SELECT %(site)s, %(comment)s, %(shown_as)s, %(week)s, false WHERE %(comment)s <> ''),
             answers AS (UPDATE {pulse} SET week = %(week)s WHERE id IN (
                 SELECT id FROM {pulse} WHERE site_id = %(site)s AND week = %(week)s ORDER BY id FOR UPDATE)),
             waiting AS (UPDATE {feedback} SET week = %(week)s WHERE id IN (
                 SELECT id FROM {feedback} WHERE site_id = %(site)s AND week = %(week)s AND NOT approved
                 ORDER BY id FOR UPDATE))
        SELECT id FROM answer
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"site": site.pk, "team": team.pk if team else None, "week": week, "score": score,
                             "attended": attended, "comment": comment, "shown_as": shown_as})
        (pk,) = cursor.fetchone()
    return Pulse(pk=pk, site=site, team=team, week=week, score=score, attended=attended)


FLOOD_KEY = "pulse-flood:{}"
FLOOD_SALT_KEY = "pulse-flood-salt:{:%Y-%m-%dT%H}"


def _hour_salt(*, now: datetime.datetime, left: int) -> str:
    """Return this hour's random salt, shared by every worker through the cache and gone when the hour ends."""
    key = FLOOD_SALT_KEY.format(now)
    cache.add(key, secrets.token_hex(32), timeout=left)
    salt = cache.get(key)
    if salt is None:  # dropped by a full cache between add and get: a new salt only restarts the counting
        salt = secrets.token_hex(32)
        cache.set(key, salt, timeout=left)
    return salt


def flood_key(*, address: str, salt: str) -> str:
    """Return the cache key that counts this hour's answers from one address.

    The address is kept only as an HMAC under a random salt that itself lives only for the hour, so
    once the hour ends neither the key nor the secret key leads back to the address.
    """
    return FLOOD_KEY.format(hmac.new(salt.encode(), address.encode(), hashlib.sha256).hexdigest())


def pulse_flood_check(*, address: str, now: datetime.datetime | None = None) -> bool:
    """Count one answer from an address; return False once it has sent more than the hour's limit.

    The count lives only in the cache, in clock-hour windows, and expires with the hour.
    """
    now = (now or timezone.now()).astimezone(datetime.timezone.utc)
    hour_ends = now.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1)
    left = max(int((hour_ends - now).total_seconds()), 1)
    key = flood_key(address=address, salt=_hour_salt(now=now, left=left))
    cache.add(key, 0, timeout=left)
    try:
        count = cache.incr(key)
    except ValueError:  # gone between add and incr: the cache was full and dropped it
        cache.add(key, 1, timeout=left)
        count = 1
    return count <= settings.DROPIN_PULSE_LIMIT_PER_HOUR


def feedback_awaiting(*, sites: QuerySet[Site]) -> QuerySet[Feedback]:
    """Return comments at these sites that no supervisor has approved yet, oldest first."""
    return Feedback.objects.filter(site__in=sites, approved=False).select_related("site").order_by("week", "pk")


def feedback_approved(*, sites: QuerySet[Site] | None = None) -> QuerySet[Feedback]:
    """Return approved comments, newest first; at these sites when given."""
    approved = Feedback.objects.filter(approved=True).select_related("site").order_by("-week", "-pk")
    return approved.filter(site__in=sites) if sites is not None else approved


def feedback_quotes(*, site: Site | None = None) -> list[Feedback]:
    """Return the few latest approved comments to show staff, at one site or at all."""
    quotes = Feedback.objects.filter(approved=True).order_by("-week", "-pk").only("comment", "shown_as")
    if site is not None:
        quotes = quotes.filter(site=site)
    return list(quotes[:QUOTES_SHOWN])


def _audit(*, actor: User, action: str, feedback: Feedback) -> None:
    # Only the id: the comment itself must not outlive a rejection in the audit trail.
    audit_record(actor=actor, action=action, obj=feedback)


@transaction.atomic
def feedback_approve(*, actor: User, feedback: Feedback) -> Feedback:
    """Approve a comment, so staff see it with only the role its writer chose."""
    feedback.approved = True
    feedback.save(update_fields=["approved"])
    _audit(actor=actor, action="feedback_approve", feedback=feedback)
    return feedback


@transaction.atomic
def feedback_reject(*, actor: User, feedback: Feedback) -> None:
    """Delete a comment: one awaiting approval is rejected, an approved one is taken down."""
    _audit(actor=actor, action="feedback_reject" if not feedback.approved else "feedback_remove", feedback=feedback)
    feedback.delete()
