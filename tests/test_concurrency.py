"""Two people at once, on PostgreSQL with real transactions and one connection per thread.

- Two supervisors publishing overlapping sessions at the same instant: the database's exclusion
  constraint is the referee, one is published and the other gets the plain message, never a 500.
  Both threads are held until both have passed the model's own clash check, so every round is a
  real race that only the constraint can decide.
- Two writers that each wait for the other's clashing session (a deadlock PostgreSQL breaks by
  stopping one): that one gets the same plain message.
- A sickness CSV import while the dashboard reads its figures: every read sees all the old
  figures or all the new ones, never half.

SQLite has neither exclusion constraints nor concurrent writers, so these run on PostgreSQL only.
"""
import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, transaction
from django.test import Client
from django.utils import timezone

from sessions_app.models import Session, SicknessRecord, Team
from sessions_app.dates import add_months
from sessions_app.services.insights import insights_months, sickness_months
from sessions_app.services.scheduling import OVERLAP_MESSAGE, session_create
from sessions_app.services.sickness_import import sickness_import, sickness_parse
from tests.factories import make_manager, make_room, make_site, make_supervisor
from tests.marks import postgres_only

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
ROUNDS = 10
WAIT = 20  # seconds; a thread that never arrives breaks the barrier instead of hanging the suite


def run_together(*jobs) -> list:
    """Run the jobs in threads started at the same instant; return what each returned or raised."""
    start = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(index, job):
        try:
            start.wait(WAIT)
            results[index] = job()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            results[index] = error
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job), daemon=True) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 3)
    return results


@pytest.fixture
def both_checked(monkeypatch):
    """Hold each publishing thread after Session.clean() until the other has passed it too.

    Both have then seen no clash, so both insert: what happens next is up to the database.
    """
    barrier = threading.Barrier(2)
    clean = Session.clean

    def clean_then_wait(session):
        clean(session)
        barrier.wait(WAIT)

    monkeypatch.setattr(Session, "clean", clean_then_wait)
    return barrier


def _publish(site, supervisor, room, starts_at):
    def job():
        try:
            session_create(actor=supervisor, site=site, supervisor=supervisor, starts_at=starts_at,
                           ends_at=starts_at + datetime.timedelta(hours=1), room=room)
        except ValidationError as error:
            return error.messages
        return "published"

    return job


def _round_start(number: int) -> datetime.datetime:
    return (timezone.now() + datetime.timedelta(days=number + 1)).replace(hour=11, minute=30, second=0, microsecond=0)


def test_two_supervisors_booking_the_same_room_at_once_one_is_published_the_other_told(both_checked):
    site = make_site()
    room = make_room(site)
    first, second = make_supervisor(site), make_supervisor(site)
    for number in range(ROUNDS):
        both_checked.reset()
        starts_at = _round_start(number)
        results = run_together(_publish(site, first, room, starts_at),
                               _publish(site, second, room, starts_at + datetime.timedelta(minutes=30)))
        assert sorted(results, key=str) == sorted(["published", [OVERLAP_MESSAGE]], key=str), (number, results)
    assert Session.objects.filter(room=room).count() == ROUNDS


def test_one_supervisor_in_two_rooms_at_once_is_published_once_and_told_once(both_checked):
    site = make_site()
    rooms = [make_room(site), make_room(site)]
    supervisor = make_supervisor(site)
    for number in range(ROUNDS):
        both_checked.reset()
        starts_at = _round_start(number)
        results = run_together(_publish(site, supervisor, rooms[0], starts_at),
                               _publish(site, supervisor, rooms[1], starts_at))
        assert sorted(results, key=str) == sorted(["published", [OVERLAP_MESSAGE]], key=str), (number, results)
    assert Session.objects.filter(supervisor=supervisor).count() == ROUNDS


def test_two_supervisors_adding_the_same_room_through_the_page_at_once_never_see_a_server_error(both_checked):
    site = make_site()
    room = make_room(site)
    clients = []
    for _ in range(2):
        client = Client()
        client.force_login(make_supervisor(site))
        clients.append(client)

    def add(client, day):
        return lambda: client.post("/supervise/sessions/add/", {
            "site": site.pk, "date": day.isoformat(), "start_time": "11:30", "end_time": "12:30", "room": room.pk,
            "kind": "ad_hoc", "public_note": "",
        })

    for number in range(ROUNDS):
        both_checked.reset()
        day = timezone.localdate() + datetime.timedelta(days=number + 1)
        responses = run_together(add(clients[0], day), add(clients[1], day))
        assert all(hasattr(response, "status_code") for response in responses), (number, responses)
        assert sorted(response.status_code for response in responses) == [200, 302], (number, responses)
        refused = next(response for response in responses if response.status_code == 200)
        assert OVERLAP_MESSAGE in refused.content.decode()
    assert Session.objects.filter(room=room).count() == ROUNDS


def test_two_writers_each_clashing_with_the_other_get_the_message_not_a_deadlock_error():
    """Each writes a session, then one that clashes with the other's first.

    Publishing a series writes many sessions in one transaction. Every write also moves the data
    generation (sessions_app/generation.py), whose one row orders writing transactions: the second
    waits for the first, then meets its sessions as the clash they are, never a deadlock error.
    """
    site = make_site()
    rooms = [make_room(site), make_room(site)]
    supervisors = [make_supervisor(site), make_supervisor(site)]
    times = [_round_start(0), _round_start(0) + datetime.timedelta(hours=2)]
    both_wrote_one = threading.Barrier(2)

    def writer(me: int):
        def publish(room, starts_at):
            try:
                session_create(actor=supervisors[me], site=site, supervisor=supervisors[me], starts_at=starts_at,
                               ends_at=starts_at + datetime.timedelta(hours=1), room=room)
            except ValidationError as error:
                return error.messages
            return "published"

        def job():
            with transaction.atomic():
                first = publish(rooms[me], times[me])
                try:
                    both_wrote_one.wait(5)  # the other may be waiting for this transaction to end
                except threading.BrokenBarrierError:
                    pass
                return [first, publish(rooms[1 - me], times[1 - me])]  # the other's room at the other's time

        return job

    results = run_together(writer(0), writer(1))
    outcomes = [outcome for result in results for outcome in result]
    assert outcomes.count("published") == 2, results
    refusals = [outcome for outcome in outcomes if outcome != "published"]
    assert all(len(refusal) == 1 and "already has a session at that time" in refusal[0] for refusal in refusals), results
    assert Session.objects.count() == 2


# A CSV import while the dashboard is read

TEAMS, MONTHS = 100, 50  # 5,000 team-months
OLD, NEW = (Decimal("10.00"), Decimal("400.00")), (Decimal("20.00"), Decimal("500.00"))


def _csv(teams: list[Team], months: list[datetime.date], figures: tuple[Decimal, Decimal]) -> str:
    lines = ["team,month,fte_days_lost,fte_days_available"]
    lines += [f"{team.slug},{month:%Y-%m},{figures[0]},{figures[1]}" for team in teams for month in months]
    return "\n".join(lines) + "\n"


def test_the_dashboard_sees_all_the_old_figures_or_all_the_new_never_half_an_import():
    site = make_site()
    manager = make_manager()
    teams = Team.objects.bulk_create([Team(site=site, name=f"Team {n}", slug=f"team-{n}") for n in range(TEAMS)])
    first = datetime.date(timezone.localdate().year - 5, 1, 1)
    months = [add_months(first, n) for n in range(MONTHS)]
    SicknessRecord.objects.bulk_create([SicknessRecord(team=team, month=month, fte_days_lost=OLD[0],
                                                       fte_days_available=OLD[1]) for team in teams for month in months])
    whole = {figures: [(figures[0] * TEAMS, figures[1] * TEAMS)] * MONTHS for figures in (OLD, NEW)}
    imports = [sickness_parse(site=site, text=_csv(teams, months, figures)) for figures in (NEW, OLD, NEW)]
    assert all(parsed.can_import for parsed in imports)
    importing = threading.Event()
    done = threading.Event()
    seen = {"reads": 0, "during": 0, "half": []}

    def read(figures_of):
        def job():
            while True:
                finished = done.is_set()
                during = importing.is_set()
                figures = figures_of()
                seen["reads"] += 1
                seen["during"] += during
                if figures not in whole.values():
                    seen["half"].append(figures)
                if finished:
                    return figures
        return job

    def sickness_read():
        by_month = sickness_months(sites=[site], team=None, months=months)
        return [(by_month[m].lost, by_month[m].available) if m in by_month else None for m in months]

    def dashboard_read():
        figures = insights_months(sites=[site], team=None, months=months, now=timezone.now())
        return [(f.sickness.lost, f.sickness.available) if f.sickness else None for f in figures]

    def write():
        try:
            for parsed in imports:
                importing.set()
                sickness_import(actor=manager, parsed=parsed)
                importing.clear()
        finally:
            done.set()  # the readers stop after one more read
        return "imported"

    results = run_together(write, read(sickness_read), read(dashboard_read))
    done.set()  # should the writer be stuck, the readers stop too
    assert seen["half"] == [], f"{len(seen['half'])} of {seen['reads']} reads saw half an import"
    assert results[0] == "imported", results[0]
    assert results[1] == results[2] == whole[NEW], "the last reads do not show the new figures"
    assert seen["during"] > 0, "no read happened while an import ran"


def test_answers_sent_at_once_all_count_and_none_deadlocks():
    """Each answer writes its site's week of answers again (see pulse_record): at once, they wait in turn."""
    from sessions_app.models import Feedback, Pulse
    from sessions_app.services.feedback import pulse_record

    site = make_site()

    def answers(n: int):
        def job():
            for i in range(6):
                pulse_record(site=site, score=1 + (n + i) % 5, comment="It helped." if i % 2 else "")
            return "answered"
        return job

    assert run_together(*(answers(n) for n in range(6))) == ["answered"] * 6
    assert (Pulse.objects.filter(site=site).count(), Feedback.objects.filter(site=site).count()) == (36, 18)


def _answer(token):
    from sessions_app.services.room_answers import RoomAnswerRefused, room_request_answer

    def job():
        try:
            room_request_answer(token=token, answer="confirmed", reason="", now=timezone.now())
        except RoomAnswerRefused as refusal:
            return str(refusal)
        return "answered"

    return job


def test_a_double_click_on_a_room_request_answers_it_once():
    from sessions_app.models import AuditEntry, RoomRequest, RoomRequestDate
    from sessions_app.services.room_answers import LINK_USED
    from sessions_app.services.room_requests import room_request_token

    site = make_site()
    room = make_room(site, booking_contact="Admin", booking_email="bookings@example.nhs.uk")
    supervisor = make_supervisor(site)
    for number in range(ROUNDS):
        starts_at = _round_start(number)
        session = Session.objects.create(site=site, room=room, supervisor=supervisor, starts_at=starts_at,
                                         ends_at=starts_at + datetime.timedelta(hours=1), room_booking="requested")
        request = RoomRequest.objects.create(room=room, sent_to="bookings@example.nhs.uk", sent_by=supervisor)
        date = RoomRequestDate.objects.create(request=request, session=session, starts_at=session.starts_at,
                                              ends_at=session.ends_at)
        token = room_request_token(date=date)
        results = run_together(_answer(token), _answer(token))
        assert sorted(results) == sorted(["answered", LINK_USED]), (number, results)
        assert AuditEntry.objects.filter(session=session, action="room_answer").count() == 1
