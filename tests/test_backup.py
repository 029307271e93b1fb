"""Backup and restore through dumpdata and loaddata (the SQLite route; it works on PostgreSQL too).

The README's procedure, step by step, with real commits: fill every table the app has, dump it with
the documented command, empty the database with flush, load the file, and find every row of every
model as it was, the calendar feeds unchanged and the database's own rules still in force.
"""
import dataclasses
import datetime
import pathlib
from decimal import Decimal

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.test import Client
from django.utils import timezone

from sessions_app.models import (Announcement, AttendanceCorrection, AuditEntry, Contract, Feedback, Invitation, Pulse,
                                 ProviderIdentity, RoomRequest, Series, Session, SicknessRecord, Site, Team, TimeAway, User,
                                 week_of)
from sessions_app.services.demo import demo_seed
from sessions_app.services.feedback import feedback_approve
from sessions_app.services.monthly_sums import roll_up
from sessions_app.services.targets import measure_targets_save
from sessions_app.services.tally import tally_press
from tests.factories import make_contract, make_user

# Real commits, as in a real restore: flush and loaddata cannot run inside a test's rolled-back transaction.
# serialized_rollback: each test starts with what migrations made (the roles and their permissions),
# which an earlier test's flush removes.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# The README's command. XML, not JSON: Django's JSON keeps times only to the millisecond, which would
# move every calendar feed's ETag. --natural-foreign: content types and permissions are made again by
# migrate with other ids, so rows point at them by name. No --natural-primary: users keep their ids,
# which the audit trail's before/after JSON refers to.
DUMP = ["dumpdata", "--natural-foreign", "--format=xml", "--exclude=contenttypes", "--exclude=auth.permission",
        "--exclude=sessions", "--exclude=axes", "--exclude=sessions_app.datageneration"]
# Made again by migrate (content types, permissions, a new data generation), or better lost: sign-in sessions
# (everyone signs in again), and axes' sign-in attempts, which hold addresses and user agents.
NOT_BACKED_UP = {"contenttypes", "sessions", "axes", "auth.Permission", "sessions_app.DataGeneration"}
ADDRESS = "203.0.113.77"


def backed_up_models() -> list:
    return [model for model in apps.get_models(include_auto_created=True)
            if model._meta.app_label not in NOT_BACKED_UP and model._meta.label not in NOT_BACKED_UP]


def snapshot() -> dict[str, list[tuple]]:
    """Return every row of every backed-up model, with content types and permissions by name, not id."""
    names = {
        ContentType: {ct.pk: ct.natural_key() for ct in ContentType.objects.all()},
        Permission: {p.pk: p.natural_key() for p in Permission.objects.select_related("content_type")},
    }
    tables = {}
    for model in backed_up_models():
        # An automatic many-to-many table's own ids are not data: loaddata numbers its rows afresh.
        fields = [field for field in model._meta.concrete_fields
                  if not (model._meta.auto_created and field.primary_key)]
        rows = []
        for row in model._base_manager.order_by("pk").values_list(*(field.attname for field in fields)):
            rows.append(tuple(names[field.related_model][value] if field.related_model in names else value
                              for field, value in zip(fields, row)))
        tables[model._meta.label] = sorted(rows, key=repr) if model._meta.auto_created else rows
    return tables


def seed_everything() -> None:
    """Fill every table: the demo, and whatever it leaves empty."""
    # The roles and their permissions come from a migration, which an earlier test's flush may have emptied.
    import importlib

    from django.apps import apps

    importlib.import_module("sessions_app.migrations.0003_roles").assign_roles(apps)
    make_user(username="left-the-trust").delete()  # a gap in the users' ids, as a real database has
    demo_seed()
    roll_up(now=timezone.now())
    site = Site.objects.get()
    team = Team.objects.get(slug="primary-care")
    supervisor, manager = User.objects.get(username="supervisor"), User.objects.get(username="manager")
    manager.user_permissions.add(Permission.objects.get(codename="view_feedback"))
    session = Session.objects.filter(starts_at__gt=timezone.now()).order_by("starts_at").first()
    session.audience_teams.add(team)
    Series.objects.get().audience_teams.add(team)
    tally_press(actor=supervisor, session=session, action="arrived", now=session.starts_at)
    past = Session.objects.filter(attendance__isnull=False).first()
    AttendanceCorrection.objects.create(session=past, seen_before=5, not_seen_before=0, seen_after=6,
                                        not_seen_after=0, reason="One person was counted twice.")
    make_contract(version=2, published=False, purpose="A draft being worked on.")
    week = week_of(timezone.localdate())
    Pulse.objects.create(site=site, team=team, week=week, score=4, attended="yes")
    Feedback.objects.create(site=site, week=week, comment="Still waiting for approval.")
    feedback_approve(actor=supervisor, feedback=Feedback.objects.create(
        site=site, week=week, comment="It helped to talk after a hard shift.", shown_as="nurse"))
    SicknessRecord.objects.update_or_create(team=team, month=week.replace(day=1), defaults={
        "fte_days_lost": Decimal("12.50"), "fte_days_available": Decimal("400.00")})
    Announcement.objects.create(site=site, starts_on=week, ends_on=week + datetime.timedelta(weeks=4),
                                sent_by=supervisor, recipients=2, sessions={str(session.pk): "Tuesday 11:30"})
    LogEntry.objects.create(user=manager, content_type=ContentType.objects.get_for_model(Contract),
                            object_id="2", object_repr="Supervision contract version 2 (draft)",
                            action_flag=ADDITION, change_message="[]")
    site.managers.add(manager)
    measure_targets_save(actor=manager, site=site,
                         values={"sickness_rate": Decimal("4.5"), "pulse_mean": Decimal("3.5")})
    Group.objects.create(name="Digital team").user_set.add(manager)  # groups are no longer roles, but may be used
    invitation = Invitation.objects.create(email="new.supervisor@example.nhs.uk", role="supervisor",
                                           invited_by=manager, sent_at=timezone.now())
    invitation.sites.add(site)
    TOTPDevice.objects.create(user=supervisor, name="Phone", confirmed=True)
    StaticDevice.objects.create(user=supervisor, name="Recovery codes").token_set.create(token="abcd2345")
    TimeAway.objects.create(supervisor=supervisor, starts_on=week, ends_on=week + datetime.timedelta(days=4),
                            note="Annual leave")
    request = RoomRequest.objects.create(room=session.room, sent_to="admin.office@northgate.example",
                                         sent_by=supervisor)
    request.dates.create(session=session, starts_at=session.starts_at, ends_at=session.ends_at, answer="confirmed",
                         answered_at=timezone.now())
    # She signs in with NHSmail too: the provider's identifier for her comes back, or her next sign-in would not
    # find her account.
    ProviderIdentity.objects.create(user=supervisor, issuer="https://login.microsoftonline.com/tenant/v2.0",
                                    subject="AAAAAAAAAAAAAAAAAAAAAAA-supervisor", last_signed_in_at=timezone.now())
    # Not to be backed up: a sign-in attempt holds the address it came from.
    AccessAttempt.objects.create(username="supervisor", ip_address=ADDRESS, user_agent="Probe", get_data="",
                                 post_data="", http_accept="*/*", path_info="/sign-in/", failures_since_start=1)


def feed_validators() -> tuple[str, str]:
    response = Client().get("/calendar/hmp-northgate.ics")
    assert response.status_code == 200
    return response["ETag"], response["Last-Modified"]


@dataclasses.dataclass
class Restored:
    before: dict[str, list[tuple]]
    feed: tuple[str, str]
    user_ids: dict[str, int]
    backup: pathlib.Path


@pytest.fixture
def restored(tmp_path) -> Restored:
    """Seed, back up, empty the database, restore; return what was there before, and the backup file."""
    seed_everything()
    was = Restored(snapshot(), feed_validators(), dict(User.objects.values_list("username", "pk")),
                   tmp_path / "dropin.xml")
    call_command(*DUMP, output=str(was.backup), verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()  # flush made them again, maybe with other ids
    assert not Session.objects.exists() and not User.objects.exists()
    call_command("loaddata", str(was.backup), verbosity=0)
    return was


def test_every_table_the_app_has_is_filled_before_the_backup(restored):
    """Otherwise the round trip below would not prove that a new model is backed up."""
    assert [label for label, rows in restored.before.items() if not rows] == []


def test_every_row_of_every_model_comes_back_as_it_was(restored):
    before, after = restored.before, snapshot()
    assert {label: len(rows) for label, rows in after.items()} == {label: len(rows) for label, rows in before.items()}
    assert [label for label in before if after[label] != before[label]] == []


def test_ids_audit_entries_and_published_contracts_come_back(restored):
    # Ids kept, gaps and all: ids in the audit trail's before/after JSON still mean the same people.
    assert dict(User.objects.values_list("username", "pk")) == restored.user_ids
    supervisor = User.objects.get(username="supervisor")
    entry = AuditEntry.objects.get(action="feedback_approve")
    assert (entry.actor, Feedback.objects.get(pk=entry.object_id).comment) == (
        supervisor, "It helped to talk after a hard shift.")
    assert Contract.objects.current().version == 1
    assert User.objects.get(username="manager").manages_all_sites and Site.objects.get().supervisors.get() == supervisor
    assert Group.objects.get(name="Managers").permissions.filter(codename="view_session").exists()


def test_calendar_feeds_are_unchanged_so_calendars_do_not_download_again(restored):
    assert feed_validators() == restored.feed


def test_the_database_still_refuses_to_change_a_published_contract(restored):
    with pytest.raises(DatabaseError, match="A published contract version never changes"), transaction.atomic():
        Contract.objects.filter(version=1).update(purpose="Rewritten.")


def test_new_rows_get_new_ids_after_a_restore(restored):
    """loaddata moves PostgreSQL's sequences past the restored ids."""
    before = restored.before
    site = Site.objects.get()
    pulse = Pulse.objects.create(site=site, week=week_of(timezone.localdate()), score=3)
    assert pulse.pk > max(row[0] for row in before["sessions_app.Pulse"])
    entry = AuditEntry.objects.create(actor=User.objects.get(username="manager"), action="test", object_type="site",
                                      object_id=site.pk)
    assert entry.pk > max(row[0] for row in before["sessions_app.AuditEntry"])


def test_the_backup_holds_no_sign_in_sessions_or_addresses(restored):
    text = restored.backup.read_text()
    assert ADDRESS not in text
    assert 'model="axes.' not in text and 'model="sessions.session"' not in text
    assert not AccessAttempt.objects.exists()
