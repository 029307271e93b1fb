import threading

import pytest
from django.db import close_old_connections, connection

from sessions_app.models import Session
from sessions_app.services.tally import busyness, tally_press, tally_undo
from tests.factories import make_session, make_supervisor
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
