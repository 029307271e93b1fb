"""Data the size of a whole estate, for load tests: many sites, years of sessions, answers and sickness.

At `sites=120, years=5, factor=1`: 120 sites and 1,000 teams (8 or 9 a site), one room and one
supervisor a site running lunchtime sessions on Tuesday, Wednesday and Thursday for 5 years and
8 weeks ahead, anonymous attendance at every past session, 250,000 pulse answers and 60 months of
sickness figures per team. `factor` multiplies the volumes inside each site (rooms and supervisors
running side by side, so sessions and attendance, and pulse answers), never the sites, teams or
months: the same pages are asked the same questions over more rows.

Everything goes in with bulk inserts, one site at a time, so memory stays flat whatever the factor.
"""
import dataclasses
import datetime
import random
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from ..dates import add_months, month_start, on_or_after, week_of
from ..models import Attendance, Contract, Pulse, Room, Series, Session, SicknessRecord, Site, StaffGroup, Team, User
from .demo import DEMO_CONTRACT

ESTATE_SITES = 120
ESTATE_TEAMS = 1_000  # for 120 sites; fewer or more sites keep the same teams a site
ESTATE_YEARS = 5
ESTATE_PULSE_ANSWERS = 250_000  # for 120 sites over 5 years at factor 1
WEEKDAYS = (1, 2, 3)  # Tuesday, Wednesday, Thursday
WEEKS_AHEAD = 8
SERIES_DAYS = 364  # 52 weeks a series: the model allows at most a year
BATCH_SIZE = 5_000
SLUG_PREFIX = "scale-"
CANCELLED_SHARE = 0.02
CANCEL_REASON = "The supervisor is needed on the wing. The next session goes ahead."
TEAM_NAMES = [
    "Mental health in-reach", "Primary care", "Substance misuse", "Pharmacy", "Healthcare admin",
    "Prison officers", "Safer custody", "Dental", "Education",
]
# A few sites in other zone names, so the estate dashboard meets more than one time zone.
OTHER_ZONES = {2: "Europe/Jersey", 12: "Europe/Isle_of_Man"}  # site number modulo 20
LUNCH_STARTS = [datetime.time(12, 0), datetime.time(11, 45), datetime.time(12, 15)]
# Per staff group at a session: many are small, so suppression has work to do.
SEEN = [0, 1, 1, 2, 2, 3, 3, 4, 5, 6]
NOT_SEEN = [0, 0, 0, 0, 0, 0, 1, 1, 2, 3]
GROUPS_AT_A_SESSION = [1, 1, 2, 2, 3]
SCORE_WEIGHTS = [8, 20, 35, 25, 12]
NO_TEAM_SHARE = 0.1  # answers whose author preferred not to name a team
ATTENDED = [Pulse.Attended.YES, Pulse.Attended.NO, Pulse.Attended.NOT_ANSWERED, Pulse.Attended.PREFER_NOT]


class ScaleError(Exception):
    """The scale data cannot go into this database; the message says what to do."""


@dataclasses.dataclass
class ScalePlan:
    """What one run makes, worked out before anything is written."""

    sites: int
    years: int
    factor: int
    today: datetime.date
    now: datetime.datetime

    @property
    def teams(self) -> int:
        return round(self.sites * ESTATE_TEAMS / ESTATE_SITES)

    @property
    def pulse_answers(self) -> int:
        return round(ESTATE_PULSE_ANSWERS * self.factor * self.sites / ESTATE_SITES * self.years / ESTATE_YEARS)

    @property
    def first_month(self) -> datetime.date:
        return add_months(month_start(self.today), -12 * self.years)

    @property
    def sickness_months(self) -> list[datetime.date]:
        """Every whole month of the period: `years` × 12 of them, ending last month."""
        return [add_months(self.first_month, n) for n in range(12 * self.years)]

    @property
    def session_days(self) -> list[datetime.date]:
        """Local dates of the sessions: Tuesday to Thursday from the period's start to 8 weeks ahead."""
        last = self.today + datetime.timedelta(weeks=WEEKS_AHEAD)
        days, day = [], self.first_month
        while day <= last:
            if day.weekday() in WEEKDAYS:
                days.append(day)
            day += datetime.timedelta(days=1)
        return days

    @property
    def pulse_weeks(self) -> list[datetime.date]:
        """Mondays of the weeks that began in the period and have ended."""
        monday = on_or_after(self.first_month, 0)
        this_week = week_of(self.today)
        return [monday + datetime.timedelta(weeks=n) for n in range((this_week - monday).days // 7)]

    def teams_at(self, number: int) -> int:
        """Spread the teams as evenly as they go: the first sites get one more."""
        base, extra = divmod(self.teams, self.sites)
        return base + (number < extra)


def scale_seed(*, sites: int = ESTATE_SITES, years: int = ESTATE_YEARS, factor: int = 1, now: datetime.datetime,
               password: str | None = None, allow_existing: bool = False, seed: int = 8,
               progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Fill the database with an estate's data in bulk; return how many rows of each kind were made."""
    if sites < 1 or years < 1 or factor < 1:
        raise ScaleError("Sites, years and factor must each be at least 1.")
    existing = Site.objects.count()
    if existing and not allow_existing:
        raise ScaleError(
            f"This database already has {existing} site(s). seed_scale is for an empty database made for load "
            "tests: point DATABASE_URL at a new database and migrate it, or pass --allow-existing to add the "
            "scale sites beside these."
        )
    if Site.objects.filter(slug__startswith=SLUG_PREFIX).exists():
        raise ScaleError("This database already has scale sites. Drop it, create and migrate it again, then rerun.")
    plan = ScalePlan(sites=sites, years=years, factor=factor, today=timezone.localdate(now), now=now)
    rng = random.Random(seed)
    say = progress or (lambda message: None)
    counts = dict.fromkeys(["sites", "teams", "rooms", "users", "series", "sessions", "attendance", "pulse",
                            "sickness"], 0)
    with transaction.atomic():
        _contract(now=now)
        password_hash = make_password(password)  # hashed once: every account shares it
        manager = _manager(password_hash=password_hash)
        counts["users"] += manager is not None
        for number in range(sites):
            site_counts = _site_seed(plan=plan, number=number, rng=rng, password_hash=password_hash)
            for key, value in site_counts.items():
                counts[key] += value
            if (number + 1) % 10 == 0 or number + 1 == sites:
                say(f"{number + 1} of {sites} sites: {counts['sessions']:,} sessions, "
                    f"{counts['attendance']:,} attendance rows, {counts['pulse']:,} pulse answers")
    _vacuum_analyze()
    return counts


def _vacuum_analyze() -> None:
    """Give PostgreSQL's planner the new tables' statistics, and their visibility map for index-only scans.

    Autovacuum would get there in its own time; until then the first dashboards are planned
    as if the tables were empty. VACUUM cannot run in a transaction, so this comes after it.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in (Site, Team, Room, User, Series, Session, Attendance, Pulse, SicknessRecord):
            cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')


def _contract(*, now: datetime.datetime) -> None:
    """Publish the demo contract if none is, so staff pages have one to show."""
    if not Contract.objects.exists():
        Contract.objects.create(version=1, published_at=now, **DEMO_CONTRACT)


def _manager(*, password_hash: str) -> User | None:
    """Make the `manager` account (a manager of all sites); return it if it is new."""
    manager, created = User.objects.get_or_create(
        username="manager",
        defaults={"password": password_hash, "display_name": "Estate Manager", "role_title": "Head of Healthcare",
                  "manages_all_sites": True},
    )
    return manager if created else None


def _site_seed(*, plan: ScalePlan, number: int, rng: random.Random, password_hash: str) -> dict[str, int]:
    """Make one site with everything it holds."""
    lunch = LUNCH_STARTS[number % len(LUNCH_STARTS)]
    site = Site.objects.create(
        name=f"HMP Scale {number + 1:03d}", slug=f"{SLUG_PREFIX}{number + 1:03d}",
        time_zone=OTHER_ZONES.get(number % 20, "Europe/London"),
        lunch_starts_at=lunch, lunch_ends_at=_plus(lunch, minutes=60),
        service_started_on=plan.session_days[0],
    )
    teams = Team.objects.bulk_create([Team(site=site, name=_team_name(n), slug=f"team-{n + 1}")
                                      for n in range(plan.teams_at(number))])
    rooms = Room.objects.bulk_create([
        *[Room(site=site, name=f"Wellbeing room {k + 1}", seats=3, is_private=True, is_comfortable=True,
               is_not_working_office=True, has_step_free_access=True, owner=Room.Owner.PRISON,
               directions="Healthcare corridor, past the pharmacy hatch.", booking_contact="Prison admin office")
          for k in range(plan.factor)],
        Room(site=site, name="Healthcare office", seats=2, owner=Room.Owner.HEALTHCARE,
             directions="Healthcare corridor, opposite the treatment room.", booking_contact="Healthcare admin"),
    ])
    supervisors = _supervisors(site=site, count=plan.factor, password_hash=password_hash)
    series_count, sessions = _sessions(plan=plan, site=site, rooms=rooms[:plan.factor], supervisors=supervisors,
                                       rng=rng)
    attendance = _attendance(sessions=sessions, now=plan.now, rng=rng)
    pulse = _pulse(plan=plan, site=site, teams=teams, rng=rng)
    sickness = _sickness(plan=plan, teams=teams, rng=rng)
    return {"sites": 1, "teams": len(teams), "rooms": len(rooms), "users": len(supervisors), "series": series_count,
            "sessions": len(sessions), "attendance": attendance, "pulse": pulse, "sickness": sickness}


def _team_name(n: int) -> str:
    name, round_ = TEAM_NAMES[n % len(TEAM_NAMES)], n // len(TEAM_NAMES)
    return f"{name} {round_ + 1}" if round_ else name


def _plus(time: datetime.time, *, minutes: int) -> datetime.time:
    return (datetime.datetime.combine(datetime.date(2000, 1, 1), time) + datetime.timedelta(minutes=minutes)).time()


def _supervisors(*, site: Site, count: int, password_hash: str) -> list[User]:
    """One supervisor a room, each named on the site."""
    users = User.objects.bulk_create([
        User(username=f"supervisor-{site.slug}" + (f"-{k + 1}" if k else ""), password=password_hash,
             display_name=f"Supervisor {k + 1} at {site.name}", role_title="Senior Staff Nurse")
        for k in range(count)
    ])
    Site.supervisors.through.objects.bulk_create([Site.supervisors.through(site=site, user=user) for user in users])
    return users


def _sessions(*, plan: ScalePlan, site: Site, rooms: list[Room], supervisors: list[User],
              rng: random.Random) -> tuple[int, list[Session]]:
    """Each room's regular lunchtime series, 52 weeks a series, with its sessions; a few cancelled."""
    days = plan.session_days
    first = days[0]
    blocks = (days[-1] - first).days // SERIES_DAYS + 1
    starts_at, ends_at = _plus(site.lunch_starts_at, minutes=-30), _plus(site.lunch_ends_at, minutes=30)
    series = Series.objects.bulk_create([
        Series(site=site, room=room, supervisor=supervisor, weekdays=list(WEEKDAYS), every_weeks=1,
               starts_on=first + datetime.timedelta(days=SERIES_DAYS * block),
               ends_on=min(first + datetime.timedelta(days=SERIES_DAYS * (block + 1) - 1), days[-1]),
               start_time=starts_at, end_time=ends_at)
        for room, supervisor in zip(rooms, supervisors) for block in range(blocks)
    ])
    soon = plan.today + datetime.timedelta(weeks=2)
    sessions = []
    for slot, (room, supervisor) in enumerate(zip(rooms, supervisors)):
        for day in days:
            start = datetime.datetime.combine(day, starts_at, tzinfo=site.zone)
            cancelled = rng.random() < CANCELLED_SHARE
            booking = Session.RoomBooking.CONFIRMED if day <= soon else Session.RoomBooking.REQUESTED
            sessions.append(Session(
                site=site, room=room, supervisor=supervisor,
                series=series[slot * blocks + (day - first).days // SERIES_DAYS], occurrence_date=day,
                starts_at=start, ends_at=datetime.datetime.combine(day, ends_at, tzinfo=site.zone),
                kind=Session.Kind.REGULAR, room_booking=booking,
                room_requested_on=plan.today if booking == Session.RoomBooking.REQUESTED else None,
                status=Session.Status.CANCELLED if cancelled else Session.Status.SCHEDULED,
                cancel_reason=CANCEL_REASON if cancelled else "",
            ))
    return len(series), Session.objects.bulk_create(sessions, batch_size=BATCH_SIZE)


def _attendance(*, sessions: list[Session], now: datetime.datetime, rng: random.Random) -> int:
    """Anonymous counts for sessions held and over; none for cancelled or future ones."""
    groups = StaffGroup.values
    rows = [
        Attendance(session=session, staff_group=group, seen=rng.choice(SEEN), not_seen=rng.choice(NOT_SEEN))
        for session in sessions if session.status == Session.Status.SCHEDULED and session.ends_at <= now
        for group in rng.sample(groups, rng.choice(GROUPS_AT_A_SESSION))
    ]
    Attendance.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)


def _pulse(*, plan: ScalePlan, site: Site, teams: list[Team], rng: random.Random) -> int:
    """The site's share of the answers (by its teams), spread over the weeks; a few name no team."""
    count = round(plan.pulse_answers * len(teams) / plan.teams)
    weeks, scores = plan.pulse_weeks, range(1, 6)
    answers = (
        Pulse(site=site, team=None if rng.random() < NO_TEAM_SHARE else rng.choice(teams), week=rng.choice(weeks),
              score=rng.choices(scores, SCORE_WEIGHTS)[0], attended=rng.choice(ATTENDED))
        for _ in range(count)
    )
    Pulse.objects.bulk_create(answers, batch_size=BATCH_SIZE)
    return count


def _sickness(*, plan: ScalePlan, teams: list[Team], rng: random.Random) -> int:
    """One record per team per whole month of the period: FTE days lost out of those available."""
    records = []
    for team in teams:
        staff = rng.randint(5, 40)
        for month in plan.sickness_months:
            available = Decimal(staff * 21)
            rate = Decimal(str(round(rng.uniform(0.02, 0.09), 4)))
            records.append(SicknessRecord(team=team, month=month, fte_days_available=available,
                                          fte_days_lost=(available * rate).quantize(Decimal("0.01"))))
    SicknessRecord.objects.bulk_create(records, batch_size=BATCH_SIZE)
    return len(records)
