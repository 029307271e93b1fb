"""Every way of writing moves the data generation on, so the kept pages and feeds show it at once.

A service, the admin, a bulk update(), bulk_create, a management command, a data migration and plain SQL each
cancel (or add) a session after its pages were built and kept; the public page, the session's page and
both feeds must then show it cancelled, never as on.
"""
import datetime
import json

import pytest
from django.core.management import call_command
from django.db import connection, migrations
from django.db.migrations.loader import MigrationLoader
from django.db.models import F
from django.test import Client
from django.utils import timezone

from sessions_app.models import Session
from sessions_app.services import scheduling
from sessions_app.services.built import data_generation
from tests.factories import make_session, make_team, make_user

pytestmark = pytest.mark.django_db
REASON = "Supervisor needed for an inspection"


@pytest.fixture
def team(site):
    return make_team(site, name="Healthcare")


@pytest.fixture
def session(site, supervisor, team):
    return make_session(site=site, room=site.rooms.get(), supervisor=supervisor, audience=[team],
                        starts_at=timezone.now() + datetime.timedelta(days=2))


def pages(site, team, session) -> dict[str, str]:
    client = Client()
    paths = {"upcoming": f"/?site={site.slug}", "session": session.get_absolute_url(),
             "site feed": f"/calendar/{site.slug}.ics", "team feed": f"/calendar/{site.slug}/{team.slug}.ics"}
    bodies = {}
    for name, path in paths.items():
        response = client.get(path)
        assert response.status_code == 200, path
        bodies[name] = response.content.decode()
    return bodies


def shown_cancelled(bodies: dict[str, str]) -> dict[str, bool]:
    return {
        "upcoming": REASON in bodies["upcoming"],
        "session": "This session is cancelled" in bodies["session"] and REASON in bodies["session"],
        "site feed": "STATUS:CANCELLED" in bodies["site feed"] and "STATUS:CONFIRMED" not in bodies["site feed"],
        "team feed": "STATUS:CANCELLED" in bodies["team feed"] and "STATUS:CONFIRMED" not in bodies["team feed"],
    }


def by_service(session, supervisor):
    scheduling.session_cancel(actor=supervisor, session=session, reason=REASON)


def by_admin(session, supervisor):
    admin = Client()
    admin.force_login(make_user(is_superuser=True, is_staff=True))
    path = f"/admin/sessions_app/session/{session.pk}/change/"
    form = admin.get(path).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    for name, field in form.fields.items():  # as the browser posts them
        value = form[name].value()
        if isinstance(value, list):
            data[name] = [str(item) for item in value]
        elif isinstance(value, datetime.datetime):
            local = timezone.localtime(value)
            data[f"{name}_0"], data[f"{name}_1"] = local.date().isoformat(), local.time().isoformat()
        elif value is not None:
            data[name] = value
    data.update(status=Session.Status.CANCELLED, cancel_reason=REASON)
    response = admin.post(path, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response


def by_bulk_update(session, supervisor):
    Session.objects.filter(pk=session.pk).update(status=Session.Status.CANCELLED, cancel_reason=REASON,
                                                 sequence=F("sequence") + 1)


def by_command(session, supervisor, tmp_path):
    # loaddata, as a repair from a fixture would be made: it saves the rows raw, with no model code run.
    fields = {"status": Session.Status.CANCELLED, "cancel_reason": REASON}
    fixture = tmp_path / "cancel.json"
    row = json.loads(_serialized(session))[0]
    row["fields"].update(fields)
    fixture.write_text(json.dumps([row]))
    call_command("loaddata", str(fixture), verbosity=0)


def _serialized(session) -> str:
    from django.core import serializers

    return serializers.serialize("json", [Session.objects.get(pk=session.pk)])


def by_data_migration(session, supervisor):
    def cancel(apps, schema_editor):
        apps.get_model("sessions_app", "Session").objects.filter(pk=session.pk).update(
            status="cancelled", cancel_reason=REASON)

    # What migrate runs for a RunPython operation, with the historical models of the latest migration state.
    # (The schema editor itself cannot open inside a test's transaction on SQLite.)
    operation = migrations.RunPython(cancel)
    operation.code(MigrationLoader(connection).project_state().apps, connection.schema_editor())


def by_plain_sql(session, supervisor):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Session._meta.db_table} SET status = %s, cancel_reason = %s WHERE id = %s",
                       [Session.Status.CANCELLED.value, REASON, session.pk])


@pytest.mark.parametrize("write", [by_service, by_admin, by_bulk_update, by_command, by_data_migration, by_plain_sql],
                         ids=lambda write: write.__name__)
def test_a_cancellation_written_any_way_shows_at_once_on_every_page_and_feed(write, site, team, session, supervisor,
                                                                               tmp_path):
    before = pages(site, team, session)
    assert shown_cancelled(before) == dict.fromkeys(before, False)
    generation = data_generation()
    write(session, supervisor, **({"tmp_path": tmp_path} if write is by_command else {}))
    assert shown_cancelled(pages(site, team, session)) == dict.fromkeys(before, True)
    assert data_generation() != generation


def test_a_session_added_by_bulk_create_shows_at_once_on_the_page_and_feeds(site, team, session, supervisor):
    pages(site, team, session)
    starts_at = timezone.now() + datetime.timedelta(days=3)
    [added] = Session.objects.bulk_create([Session(site=site, room=site.rooms.get(), supervisor=supervisor,
                                                   starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=1))])
    added = Session.objects.filter(site=site).latest("pk")
    after = pages(site, team, session)
    assert added.get_absolute_url() in after["upcoming"]
    assert f"session-{added.pk}@" in after["site feed"] and f"session-{added.pk}@" in after["team feed"]


def test_without_the_generation_a_kept_page_would_stay_stale(site, team, session, supervisor, monkeypatch):
    """The check above can fail: with the generation held still, a bulk update goes unseen."""
    from sessions_app.services import built

    held = data_generation()
    from sessions_app.views import public

    for module in (built, public):
        monkeypatch.setattr(module, "data_generation", lambda: held)
    pages(site, team, session)
    by_bulk_update(session, supervisor)
    assert shown_cancelled(pages(site, team, session)) == {"upcoming": False, "session": False,
                                                           "site feed": False, "team feed": False}


# Writes that must stay quiet: were the pages rebuilt for each, their timing would count presses and answers.


def test_presses_answers_waiting_comments_and_sign_ins_leave_the_generation_alone(client, site, supervisor, session):
    from sessions_app.services import feedback, tally

    on_now = make_session(site=site, room=site.rooms.get(), supervisor=supervisor,
                          starts_at=timezone.now() - datetime.timedelta(minutes=5))
    generation = data_generation()
    for action in ("arrived", "started", "finished", "arrived", "left"):
        tally.tally_press(actor=supervisor, session=on_now, action=action, staff_group="nurse")
    tally.tally_undo(actor=supervisor, session=on_now)
    feedback.pulse_record(site=site, score=4)
    feedback.pulse_record(site=site, score=2, comment="Helped me after a hard shift", shown_as="nurse")
    client.force_login(supervisor)
    client.post("/sign-out/")
    assert data_generation() == generation


def test_a_comment_approved_or_taken_down_moves_the_generation(site, supervisor):
    from sessions_app.models import Feedback
    from sessions_app.services import feedback

    feedback.pulse_record(site=site, score=4, comment="Helped me after a hard shift", shown_as="nurse")
    comment = Feedback.objects.get()
    waiting = data_generation()
    feedback.feedback_approve(actor=supervisor, feedback=comment)
    approved = data_generation()
    assert approved != waiting
    Feedback.objects.filter(pk=comment.pk).update(approved=False)  # taken back by hand
    assert data_generation() != approved


def test_a_tally_count_written_after_the_tally_closed_moves_the_generation(site, supervisor):
    from sessions_app.models import Attendance

    ended = make_session(site=site, room=site.rooms.get(), supervisor=supervisor,
                         starts_at=timezone.now() - datetime.timedelta(hours=5))
    generation = data_generation()
    Attendance.objects.create(session=ended, staff_group="nurse", seen=3)  # a repair in the admin or a shell
    assert data_generation() != generation


def test_an_answer_in_an_ended_week_moves_the_generation(site):
    from sessions_app.dates import week_of
    from sessions_app.models import Pulse

    generation = data_generation()
    Pulse.objects.create(site=site, week=week_of(timezone.localdate()) - datetime.timedelta(weeks=2), score=3)
    assert data_generation() != generation


def test_a_press_before_the_session_starts_moves_nothing_whatever_the_word(site, supervisor):
    """The word shows only while a session is on: before, a change of it would only time the presses."""
    from sessions_app.services import tally

    soon = make_session(site=site, room=site.rooms.get(), supervisor=supervisor,
                        starts_at=timezone.now() + datetime.timedelta(minutes=20))
    generation = data_generation()
    for _ in range(6):  # quiet, busy, very busy: none of it shown yet
        tally.tally_press(actor=supervisor, session=soon, action="arrived")
    assert data_generation() == generation
