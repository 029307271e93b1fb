"""The admin is for service administrators (superusers): supervisors and managers are never staff."""
import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from sessions_app.models import Contract, User
from sessions_app.services.demo import demo_seed
from tests.factories import make_attendance, make_contract, make_manager, make_supervisor, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator():
    return make_user(is_superuser=True, is_staff=True)


def test_a_service_administrator_can_publish_a_draft_contract_in_the_admin(client, administrator):
    draft = make_contract(version=1, published=False)
    client.force_login(administrator)
    client.post("/admin/sessions_app/contract/", {"action": "publish", "_selected_action": [draft.pk]})
    assert Contract.objects.get().is_published


@pytest.mark.parametrize("make", [make_supervisor, make_manager])
def test_a_supervisor_or_manager_made_staff_still_cannot_use_the_admin(client, make):
    draft = make_contract(version=1, published=False)
    person = make(is_staff=True)
    client.force_login(person)
    assert client.get("/admin/sessions_app/attendance/")["Location"].startswith("/admin/login/")
    client.post("/admin/sessions_app/contract/", {"action": "publish", "_selected_action": [draft.pk]})
    assert not Contract.objects.get().is_published


def test_published_contract_is_read_only_in_the_admin(client, administrator):
    contract = make_contract(version=1)
    client.force_login(administrator)
    page = client.get(f"/admin/sessions_app/contract/{contract.pk}/change/").content.decode()
    assert 'name="limits"' not in page


def test_editing_attendance_in_the_admin_leaves_no_timestamped_log(client, administrator):
    from django.contrib.admin.models import LogEntry

    attendance = make_attendance(seen=1)
    client.force_login(administrator)
    client.post(f"/admin/sessions_app/attendance/{attendance.pk}/change/", {
        "session": attendance.session_id, "staff_group": "", "seen": 2, "not_seen": 0,
    })
    attendance.refresh_from_db()
    assert attendance.seen == 2
    assert not LogEntry.objects.exists()


def test_the_demo_makes_its_supervisor_and_manager_without_staff_status():
    demo_seed()
    assert not User.objects.filter(username__in=["supervisor", "manager"], is_staff=True).exists()
    assert User.objects.filter(username__in=["supervisor", "manager"]).count() == 2


def test_the_migration_takes_staff_status_from_supervisors_and_managers_only():
    migration = importlib.import_module("sessions_app.migrations.0013_roles_are_never_staff")
    importlib.import_module("sessions_app.migrations.0003_roles").assign_roles(apps)  # the permissions they had
    supervisor, manager = make_user(is_staff=True), make_user(is_staff=True)
    administrator = make_user(is_staff=True, is_superuser=True)
    digital_team = make_user(is_staff=True)  # staff without a role: not the migration's business
    # Before migration 0017, the groups held the roles.
    Group.objects.get(name="Supervisors").user_set.add(supervisor)
    Group.objects.get(name="Managers").user_set.add(manager, administrator)
    migration.forward(apps, None)
    staff = {person.pk: person.is_staff for person in User.objects.all()}
    assert staff == {supervisor.pk: False, manager.pk: False, administrator.pk: True, digital_team.pk: True}
    assert not Group.objects.filter(name__in=["Supervisors", "Managers"], permissions__isnull=False).exists()
