"""Demo data: one prison site as the case study describes it."""
import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ..dates import add_months, month_start, on_or_after, week_of
from ..models import (Attendance, Contract, Measure, MeasureTarget, Pulse, Room, Series, Session, SicknessRecord, Site,
                      Team, User)
from .targets import measure_targets_save

DEMO_WEEKS = 8
DEMO_WEEKS_BEFORE = 4  # weeks of past sessions, with their anonymous counts
DEMO_WEEKDAYS = (1, 3)  # Tuesday and Thursday
# Seen and not seen at past sessions, oldest first: popular enough that extra sessions are suggested.
DEMO_COUNTS = [(5, 0), (6, 0), (7, 1), (6, 0), (8, 2), (7, 0), (8, 3), (8, 1)]
DEMO_STARTED_MONTHS_AGO = 5  # drop-ins began ad hoc, before the regular series
DEMO_MEASURE_MONTHS = 24  # two years: enough months before the start for XmR limits
DEMO_SCORE_WEIGHTS = {False: [15, 30, 35, 15, 5], True: [5, 15, 35, 30, 15]}  # before and after the start
DEMO_TEAM_FTE = [12, 8, 30]  # mental health in-reach, primary care, prison staff
DEMO_SICKNESS_TARGET = Decimal("4.5")  # per cent: a trust's usual ambition, below the site's rate before drop-ins
CANCELLED_REASON = "The supervisor is needed for an inspection. The Thursday session that week goes ahead."

DEMO_CONTRACT = {
    "purpose": (
        "Restorative supervision is time away from your work to talk about how work is affecting you: "
        "the hard days, the incidents that stay with you, and what helps. It exists to support you, "
        "not to manage your performance."
    ),
    "what_to_expect": (
        "There is no appointment and nothing to book. Come to the room at any time during a session. "
        "If someone is already with the supervisor, wait nearby or come back later; if the session runs "
        "out of time before you are seen, the supervisor will make sure there is another time soon.\n\n"
        "A conversation usually takes about 15 minutes. You can leave whenever you want."
    ),
    "confidentiality": (
        "What you talk about stays between you and the supervisor. Nothing you say is passed to your "
        "manager, written in your record, or discussed with colleagues.\n\n"
        "The service counts how many people came, never who. No names are taken."
    ),
    "limits": (
        "Confidentiality has limits. The supervisor will share what you say only when:\n"
        "- there is a risk of serious harm to you or to someone else\n"
        "- there is a safeguarding concern about a child or an adult at risk\n"
        "- something you say raises a concern about fitness to practise, or a serious breach of a "
        "professional code (such as the NMC Code)\n\n"
        "If this happens, the supervisor will tell you first and, wherever it is safe to, agree the next step with you."
    ),
    "records": (
        "Nothing about what you say is written down. The supervisor records only anonymous counts for "
        "each session (how many people were seen, and how many could not be seen in time) and, for some, "
        "a staff group such as “nurse”, so the service can show whether there are enough sessions. A group "
        "of fewer than 5 is never shown to managers as a number."
    ),
    "supervisee_part": (
        "Come when you need to, and be as open as you feel able. Respect the confidentiality of others "
        "you may meet at a session. Tell the supervisor if something about the sessions is not working for you."
    ),
    "supervisor_part": (
        "Listen without judgement, keep what you say confidential within the limits above, start and "
        "finish on time, and help you find further support (occupational health, the employee assistance "
        "programme, your own professional supervision) when it would help."
    ),
    "concerns": (
        "If you are unhappy with a session, speak to the supervisor, or to the service's matron or "
        "wellbeing lead. You can also raise a concern through the Freedom to Speak Up guardian."
    ),
}


@transaction.atomic
def demo_seed(*, today: datetime.date | None = None, password: str | None = None) -> dict[str, int]:
    """Create the demo site, rooms, contract, supervisor and 8 weeks of sessions; safe to run again.

    Returns how many sessions were created, so a second run on the same day can show 0.
    """
    today = today or timezone.localdate()
    site, _ = Site.objects.get_or_create(
        slug="hmp-northgate",
        defaults={
            "name": "HMP Northgate",
            "time_zone": "Europe/London",
            "lunch_starts_at": datetime.time(12, 0),
            "lunch_ends_at": datetime.time(13, 0),
            "announcement_addresses": "mental-health-in-reach@northgate.example\nprimary-care@northgate.example",
            "supervisor_described": "a senior nurse",
            "time_described": "over lunch, when prisoners are locked up and work is quieter",
        },
    )
    for slug, name in [
        ("mental-health-in-reach", "Mental health in-reach"),
        ("primary-care", "Primary care"),
        ("prison-staff", "Prison staff"),
    ]:
        Team.objects.get_or_create(site=site, slug=slug, defaults={"name": name})
    room, _ = Room.objects.get_or_create(
        site=site,
        name="Wellbeing room",
        defaults={
            "directions": "Healthcare corridor, second door on the left after the pharmacy hatch. "
            "Ask at the healthcare desk if the door is locked.",
            "seats": 3,
            "is_private": True,
            "is_comfortable": True,
            "is_not_working_office": True,
            "has_step_free_access": True,
            "owner": Room.Owner.PRISON,
            "booking_contact": "Prison admin office, extension 4412",
            "booking_email": "admin.office@northgate.example",
        },
    )
    Room.objects.get_or_create(
        site=site,
        name="Healthcare office 2",
        defaults={
            "directions": "Healthcare corridor, opposite the treatment room.",
            "seats": 2,
            "is_private": False,
            "is_comfortable": False,
            "is_not_working_office": False,
            "owner": Room.Owner.HEALTHCARE,
            "booking_contact": "Healthcare admin",
        },
    )
    manager = _demo_account("manager", password, display_name="Morgan Lee", role_title="Matron",
                            first_name="Morgan", last_name="Lee", manages_all_sites=True)
    supervisor = _demo_account("supervisor", password, display_name="Sam Okafor",
                               role_title="Senior Staff Nurse", first_name="Sam", last_name="Okafor")
    site.supervisors.add(supervisor)
    if not Contract.objects.exists():
        Contract.objects.create(version=1, published_at=timezone.now(), **DEMO_CONTRACT)

    monday = week_of(today)
    series, _ = Series.objects.get_or_create(
        site=site, supervisor=supervisor, starts_on=monday - datetime.timedelta(weeks=DEMO_WEEKS_BEFORE),
        defaults={"room": room, "weekdays": list(DEMO_WEEKDAYS), "every_weeks": 1,
                  "ends_on": monday + datetime.timedelta(weeks=DEMO_WEEKS, days=-1),
                  "start_time": datetime.time(11, 30), "end_time": datetime.time(13, 30)},
    )
    created_sessions = 0
    now = timezone.now()
    past_counts = iter(DEMO_COUNTS * DEMO_WEEKS_BEFORE)
    for week in range(-DEMO_WEEKS_BEFORE, DEMO_WEEKS):
        for weekday in DEMO_WEEKDAYS:
            day = monday + datetime.timedelta(weeks=week, days=weekday)
            starts_at = datetime.datetime.combine(day, datetime.time(11, 30), tzinfo=site.zone)
            cancelled = (week, weekday) == (2, 1)
            session, made = Session.objects.get_or_create(
                site=site,
                starts_at=starts_at,
                defaults={
                    "ends_at": starts_at + datetime.timedelta(hours=2),
                    "room": room,
                    "supervisor": supervisor,
                    "series": series,
                    "occurrence_date": day,
                    "kind": Session.Kind.REGULAR,
                    "room_booking": Session.RoomBooking.CONFIRMED,
                    "status": Session.Status.CANCELLED if cancelled else Session.Status.SCHEDULED,
                    "cancel_reason": CANCELLED_REASON if cancelled else "",
                },
            )
            created_sessions += made
            if made and session.ends_at <= now:
                seen, not_seen = next(past_counts)
                Attendance.objects.create(session=session, seen=seen, not_seen=not_seen)
    created_sessions += _demo_beginnings(site=site, room=room, supervisor=supervisor, today=today,
                                         until=series.starts_on, now=now)
    _demo_measures(site=site, today=today)
    if not MeasureTarget.objects.filter(site=site).exists():  # a target a manager has changed since is kept
        # So the sickness chart and the board say whether the target is assured, as Making Data Count does.
        measure_targets_save(actor=manager, site=site, values={Measure.SICKNESS_RATE: DEMO_SICKNESS_TARGET})
    return {"sessions_created": created_sessions}


def _demo_account(username: str, password: str | None, **defaults) -> User:
    """Return a demo account, made once; without a password it cannot sign in."""
    user, created = User.objects.get_or_create(username=username, defaults=defaults)
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    return user


def _demo_beginnings(*, site, room, supervisor, today, until, now) -> int:
    """Ad hoc sessions every other Wednesday from the service's start, as in the case study, before the series."""
    if site.service_started_on is None:
        site.service_started_on = add_months(month_start(today), -DEMO_STARTED_MONTHS_AGO) + datetime.timedelta(days=14)
        site.save(update_fields=["service_started_on", "updated_at"])
    rng = random.Random(site.service_started_on.toordinal())
    day = on_or_after(site.service_started_on, 2)  # the first Wednesday
    created = 0
    while day < until:
        starts_at = datetime.datetime.combine(day, datetime.time(11, 30), tzinfo=site.zone)
        session, made = Session.objects.get_or_create(
            site=site, starts_at=starts_at,
            defaults={"ends_at": starts_at + datetime.timedelta(hours=2), "room": room, "supervisor": supervisor,
                      "kind": Session.Kind.AD_HOC, "room_booking": Session.RoomBooking.CONFIRMED},
        )
        if made and session.ends_at <= now:
            Attendance.objects.create(session=session, seen=rng.randint(4, 7), not_seen=rng.choice([0, 0, 1, 2]))
        created += made
        day += datetime.timedelta(weeks=2)
    return created


def _demo_measures(*, site: Site, today: datetime.date) -> None:
    """Two years of anonymous pulse answers and sickness figures: lower morale and more sickness before the start."""
    rng = random.Random(2026)
    teams = list(site.teams.order_by("name"))
    first_month = add_months(month_start(today), -DEMO_MEASURE_MONTHS)
    started = site.service_started_on
    if not Pulse.objects.filter(site=site).exists():
        answers = []
        week = week_of(first_month)
        while week < week_of(today):
            weights = DEMO_SCORE_WEIGHTS[week >= started]
            for team in [*teams, None]:
                for _ in range(rng.randint(1, 2) if team is None else rng.randint(2, 4)):
                    answers.append(Pulse(site=site, team=team, week=week, score=rng.choices(range(1, 6), weights)[0],
                                         attended=rng.choice(["yes", "no", "", "prefer_not"]) if week >= started else "no"))
            week += datetime.timedelta(weeks=1)
        Pulse.objects.bulk_create(answers)
    if not SicknessRecord.objects.filter(team__site=site).exists():
        records = []
        for team, staff in zip(teams, DEMO_TEAM_FTE):
            for n in range(DEMO_MEASURE_MONTHS):
                month = add_months(first_month, n)
                available = Decimal(staff * 21)
                rate = (0.072 if month < started else 0.047) + rng.uniform(-0.012, 0.012)
                records.append(SicknessRecord(team=team, month=month, fte_days_available=available,
                                              fte_days_lost=(available * Decimal(str(round(rate, 4)))).quantize(Decimal("0.01"))))
        SicknessRecord.objects.bulk_create(records)
