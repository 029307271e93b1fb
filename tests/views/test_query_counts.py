"""Every workspace page runs the same number of queries however much data there is."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions_app.services import scheduling, tally
from tests.factories import (make_contract, make_room, make_series_session, make_session,
                             make_supervisor, make_team)
from tests.services.test_demand import past
from tests.url_walk import url_paths
from tests.views.test_series import running_series, series_data

pytestmark = pytest.mark.django_db


def grow(site, supervisor, n: int) -> None:
    """Add n of everything a workspace page lists: rooms, teams, sessions, counts, changes, series, people."""
    rooms = [make_room(site) for _ in range(n)]
    teams = [make_team(site) for _ in range(n)]
    now = timezone.now()
    for i in range(n):
        session = make_session(site=site, room=rooms[i], supervisor=make_supervisor(site), audience=teams[:3],
                               starts_at=now + datetime.timedelta(hours=3 * i + 1))
        scheduling.room_booking_set(actor=supervisor, session=session, status="requested")
        past(site, i + 1, seen=3, not_seen=i % 2, room=rooms[i])
    running_series(site, make_supervisor(site), weeks=n, room=make_room(site))
    first = site.sessions.order_by("starts_at").first()
    for _ in range(n):
        for action in ("arrived", "started", "finished", "arrived"):
            tally.tally_press(session=first, action=action, staff_group="nurse" if action == "finished" else "")
        scheduling.room_booking_set(actor=supervisor, session=first, status="requested")


def workspace_pages(session):
    paths = url_paths(session=session, contract=make_contract(version=1))
    return {name: path for name, path in paths.items() if name.startswith("supervise_")
            and name not in ("supervise_tally", "supervise_room_booking", "supervise_correct", "supervise_target")}


@pytest.mark.parametrize("who", ["supervisor", "manager"])
def test_every_workspace_page_runs_a_fixed_number_of_queries(client, site, supervisor, manager, who,
                                                             django_assert_max_num_queries):
    session = make_series_session(site=site, room=site.rooms.get(), supervisor=supervisor)
    pages = workspace_pages(session)
    client.force_login(supervisor if who == "supervisor" else manager)
    grow(site, supervisor, 2)
    small = {}
    for name, path in pages.items():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200, name
        small[name] = len(queries)
    grow(site, supervisor, 25)
    for name, path in pages.items():
        with django_assert_max_num_queries(small[name]):
            client.get(path)


def test_the_series_preview_runs_a_fixed_number_of_queries(client, site, supervisor, django_assert_max_num_queries):
    client.force_login(supervisor)
    grow(site, supervisor, 2)
    data = {**series_data(site=site.pk), "action": "preview"}
    short = {**data, "ends_on": (datetime.date.fromisoformat(data["starts_on"]) + datetime.timedelta(weeks=2)).isoformat()}
    with CaptureQueriesContext(connection) as queries:
        client.post("/supervise/series/add/", short)
    grow(site, supervisor, 10)
    year = {**data, "ends_on": (datetime.date.fromisoformat(data["starts_on"]) + datetime.timedelta(days=360)).isoformat()}
    with django_assert_max_num_queries(len(queries)):
        response = client.post("/supervise/series/add/", year)
    assert len(response.context["plan"].occurrences) > 90
