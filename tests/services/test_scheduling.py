"""A published month's figures change only through audited corrections: ended sessions stay as they ran."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sessions_app.models import Session
from sessions_app.dates import month_start
from sessions_app.services import insights, scheduling
from sessions_app.services.scheduling import ENDED_MESSAGE
from tests.factories import make_attendance, make_room, make_session, make_site, make_supervisor

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended():
    site = make_site()
    session = make_session(site=site, room=make_room(site), starts_at=timezone.now() - datetime.timedelta(hours=3))
    make_attendance(session, seen=3)
    return session


def test_an_ended_session_cannot_be_cancelled(ended):
    with pytest.raises(ValidationError) as refused:
        scheduling.session_cancel(actor=make_supervisor(ended.site), session=ended, reason="Tidying up")
    assert refused.value.messages == [ENDED_MESSAGE]
    assert Session.objects.get(pk=ended.pk).status == Session.Status.SCHEDULED


def test_an_ended_session_cannot_be_moved_into_the_future(ended):
    later = timezone.now() + datetime.timedelta(days=3)
    with pytest.raises(ValidationError) as refused:
        scheduling.session_move(actor=make_supervisor(ended.site), session=ended, starts_at=later,
                                ends_at=later + datetime.timedelta(hours=1), room=ended.room, reason="")
    assert refused.value.messages == [ENDED_MESSAGE]
    assert Session.objects.get(pk=ended.pk).starts_at == ended.starts_at


def test_the_months_total_cannot_be_moved_by_cancelling_or_moving_what_ran(ended, client):
    site = ended.site
    make_attendance(make_session(site=site, room=make_room(site), starts_at=ended.starts_at - datetime.timedelta(
        days=1)), seen=4)
    month = [month_start(ended.local_starts_at.date())]
    now = timezone.now() + datetime.timedelta(days=40)  # the month has ended: its figures are published

    def total():
        return str(insights.session_months(sites=[site], months=month, now=now)[site.pk][month[0]].seen)

    before = total()
    supervisor = make_supervisor(site)
    client.force_login(supervisor)
    response = client.post(f"/supervise/sessions/{ended.pk}/cancel/", {"reason": "Tidying up"})
    assert response.status_code == 200 and "This session has ended" in response.content.decode()
    later = timezone.now() + datetime.timedelta(days=2)
    response = client.post(f"/supervise/sessions/{ended.pk}/move/", {
        "date": later.date().isoformat(), "start_time": "11:30", "end_time": "12:30", "reason": "x"})
    assert response.status_code == 200 and "This session has ended" in response.content.decode()
    assert total() == before
