"""Every workspace page runs the same number of queries however much data there is."""
import datetime
import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions_app.services import demand, scheduling, tally
from tests.factories import (make_attendance, make_contract, make_room, make_series_session, make_session,
                             make_supervisor, make_team)
from tests.url_walk import url_paths
from tests.helpers import past, running_series, series_data

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
            tally.tally_press(actor=supervisor, session=first, action=action, now=first.starts_at,
                              staff_group="nurse" if action == "finished" else "")
        scheduling.room_booking_set(actor=supervisor, session=first, status="requested")


def outgrown(site) -> None:
    """Make the site's latest sessions leave people not seen, so pages show a demand suggestion at any hour.

    Without this, whether the few sessions grow() adds count among the latest depends on the hour the test runs.
    """
    now = timezone.now()
    for hours_ago in (1, 3, 5, 7):
        session = make_session(site=site, starts_at=now - datetime.timedelta(hours=hours_ago + 1),
                               ends_at=now - datetime.timedelta(hours=hours_ago))
        make_attendance(session, seen=2, not_seen=1)


def workspace_pages(session):
    paths = url_paths(session=session, contract=make_contract(version=1))
    return {name: path for name, path in paths.items() if name.startswith("supervise_")
            and name not in ("supervise_tally", "supervise_room_booking", "supervise_correct", "supervise_target",
                             "supervise_feedback_review", "supervise_room_requests",
                             "supervise_time_away_remove")}


@pytest.mark.parametrize("who", ["supervisor", "manager"])
def test_every_workspace_page_runs_a_fixed_number_of_queries(client, site, supervisor, manager, who,
                                                             django_assert_max_num_queries):
    session = make_series_session(site=site, room=site.rooms.get(), supervisor=supervisor)
    pages = workspace_pages(session)
    client.force_login(supervisor if who == "supervisor" else manager)
    outgrown(site)
    grow(site, supervisor, 2)
    viewer = supervisor if who == "supervisor" else manager
    assert demand.demand_suggestions(sites=[site], now=timezone.now(), viewer=viewer), \
        "both measures take the suggestion's path"
    small = {}
    for name, path in pages.items():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200, name
        small[name] = len(queries)
    grow(site, supervisor, 25)
    for name, path in pages.items():
        with django_assert_max_num_queries(small[name], info=name):
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


def changing(client, series, **changes):
    from tests.views.test_series import confirm, edit_data

    return lambda: confirm(client, edit_data(series, room=series.room_id, **changes), f"/supervise/series/{series.pk}/")


def bulk_batches(rows: int) -> int:
    """How many statements the database needs for one bulk update of the series fields (SQLite caps parameters)."""
    fields = ["pk", "pk"] + ["field"] * 9  # Django's own sum for bulk_update: two for the key, one a field
    return math.ceil(rows / connection.ops.bulk_batch_size(fields, [None] * rows))


def audit_batches(rows: int) -> int:
    """How many statements the database needs to insert this many audit entries at once (SQLite caps parameters)."""
    from sessions_app.models import AuditEntry

    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    return math.ceil(rows / connection.ops.bulk_batch_size(fields, [None] * rows))


@pytest.mark.parametrize("change", [
    {"start_time": "12:00", "end_time": "13:00"},   # every future date follows
    {"weekdays": ["1"]},                             # Thursdays cancelled
], ids=["new times", "a weekday dropped"])
def test_changing_a_series_runs_the_same_queries_for_4_weeks_as_for_a_year(client, site, supervisor, change,
                                                                          django_assert_max_num_queries):
    client.force_login(supervisor)
    short = running_series(site, supervisor, weeks_ago=0, weeks=4, room=make_room(site))
    with CaptureQueriesContext(connection) as queries:
        assert changing(client, short, **change)().status_code == 302
    long = running_series(site, make_supervisor(site), weeks_ago=0, weeks=50, room=make_room(site))
    # Only a bulk update may take more than one statement, when the database caps its parameters.
    extra = (bulk_batches(100) - bulk_batches(8) if "start_time" in change else 0) + audit_batches(100) - audit_batches(8)
    with django_assert_max_num_queries(len(queries) + extra):
        assert changing(client, long, **change)().status_code == 302


def test_cancelling_the_rest_runs_the_same_queries_for_4_weeks_as_for_a_year(client, site, supervisor,
                                                                           django_assert_max_num_queries):
    client.force_login(supervisor)
    short = running_series(site, supervisor, weeks_ago=0, weeks=4, room=make_room(site))
    with CaptureQueriesContext(connection) as queries:
        client.post(f"/supervise/series/{short.pk}/cancel/", {"reason": "Ward closed"})
    long = running_series(site, make_supervisor(site), weeks_ago=0, weeks=50, room=make_room(site))
    with django_assert_max_num_queries(len(queries) + audit_batches(100) - audit_batches(8)):  # only SQLite splits
        client.post(f"/supervise/series/{long.pk}/cancel/", {"reason": "Ward closed"})
    assert long.sessions.filter(status="cancelled").count() == 100
