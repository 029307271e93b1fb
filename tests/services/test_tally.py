import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from sessions_app.models import Attendance, AuditEntry, Session, TallyStep
from sessions_app.services import tally
from sessions_app.services.tally import busyness, tally_press, tally_undo
from tests.factories import make_manager, make_session, make_supervisor
from tests.marks import postgres_only


@pytest.mark.django_db
@pytest.mark.parametrize("waiting, expected", [(0, "quiet"), (1, "quiet"), (2, "busy"), (4, "busy"), (5, "very busy")])
def test_busyness_words(waiting, expected):
    assert busyness(waiting) == expected


@pytest.mark.django_db
def test_undo_with_nothing_to_undo_changes_nothing():
    session = make_session()
    assert tally_undo(actor=make_supervisor(session.site), session=session, now=session.starts_at) is None


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_concurrent_presses_count_fifty():
    session = make_session()
    supervisor = make_supervisor(session.site)
    barrier = threading.Barrier(10)
    errors = []

    def press_five():
        try:
            barrier.wait()
            for _ in range(5):
                tally_press(actor=supervisor, session=Session.objects.get(pk=session.pk), action="arrived",
                            now=session.starts_at)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=press_five) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    session.refresh_from_db()
    assert session.waiting == 50
    assert session.tally_steps.count() == 50


# The tally takes presses only while a session runs, and only from its site's supervisors.

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def running(db):
    session = make_session()
    return session, make_supervisor(session.site)


@pytest.mark.django_db
@pytest.mark.parametrize("moment, open_", [
    (lambda s: s.starts_at - 30 * MINUTE - MINUTE, False),
    (lambda s: s.starts_at - 30 * MINUTE, True),
    (lambda s: s.ends_at + 59 * MINUTE, True),
    (lambda s: s.ends_at + 60 * MINUTE, False),
    (lambda s: s.ends_at + datetime.timedelta(days=40), False),
])
def test_presses_are_taken_from_30_minutes_before_to_an_hour_after(running, moment, open_):
    session, supervisor = running
    if open_:
        tally.tally_press(actor=supervisor, session=session, action="arrived", now=moment(session))
    else:
        with pytest.raises(ValidationError, match="The tally is open from 30 minutes before"):
            tally.tally_press(actor=supervisor, session=session, action="arrived", now=moment(session))
    session.refresh_from_db()
    assert session.waiting == (1 if open_ else 0)


@pytest.mark.django_db
def test_undo_is_refused_once_the_tally_has_closed(running):
    session, supervisor = running
    tally.tally_press(actor=supervisor, session=session, action="arrived", now=session.starts_at)
    with pytest.raises(ValidationError, match="The tally is open"):
        tally.tally_undo(actor=supervisor, session=session, now=session.ends_at + 61 * MINUTE)
    session.refresh_from_db()
    assert session.waiting == 1


@pytest.mark.django_db
def test_only_the_sites_supervisors_may_press(running):
    session, _ = running
    for outsider in (make_manager(), make_supervisor(), make_manager(is_superuser=True)):
        with pytest.raises(ValidationError, match="Only the site's supervisors"):
            tally.tally_press(actor=outsider, session=session, action="arrived", now=session.starts_at)
    assert not TallyStep.objects.exists()


@pytest.mark.django_db
def test_corrections_are_the_sites_supervisors_own_after_the_end_and_audited(running):
    session, supervisor = running
    with pytest.raises(ValidationError, match="once the session has ended"):
        tally.tally_correct(actor=supervisor, session=session, seen=1, not_seen=0, reason="x", now=session.starts_at)
    with pytest.raises(ValidationError, match="Only the site's supervisors"):
        tally.tally_correct(actor=make_manager(), session=session, seen=1, not_seen=0, reason="x", now=session.ends_at)
    tally.tally_correct(actor=supervisor, session=session, seen=7, not_seen=1, reason="Tablet died",
                        now=session.ends_at)
    assert AuditEntry.objects.get(action="tally_correct").after == {"seen": 7, "not_seen": 1}


@pytest.mark.django_db
def test_the_order_of_presses_is_forgotten_once_a_session_can_no_longer_be_tallied(running):
    session, supervisor = running
    for action in ("arrived", "started", "finished"):
        tally.tally_press(actor=supervisor, session=session, action=action, staff_group="nurse", now=session.starts_at)
    assert TallyStep.objects.filter(session=session).count() == 3
    later = make_session(site=session.site, starts_at=session.ends_at + datetime.timedelta(days=1))
    tally.tally_press(actor=supervisor, session=later, action="arrived", now=later.starts_at)
    assert list(TallyStep.objects.values_list("session", flat=True)) == [later.pk]
    assert Attendance.objects.get(session=session).seen == 1  # the count stays; only the order goes


@pytest.mark.django_db
def test_a_cancelled_sessions_presses_are_forgotten(running):
    from sessions_app.services.scheduling import session_cancel

    session, supervisor = running
    tally.tally_press(actor=supervisor, session=session, action="arrived", now=session.starts_at)
    session_cancel(actor=supervisor, session=session, reason="Lockdown")
    assert not TallyStep.objects.exists()
