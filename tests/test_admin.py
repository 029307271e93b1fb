"""The admin, as a supervisor and a manager meet it before the workspace pages exist."""
import pytest

from sessions_app.models import Contract
from tests.factories import make_attendance, make_contract, make_manager, make_supervisor

pytestmark = pytest.mark.django_db


def staff(user):
    user.is_staff = True
    user.save()
    return user


def test_supervisor_can_publish_a_draft_contract_in_the_admin(client):
    draft = make_contract(version=1, published=False)
    client.force_login(staff(make_supervisor()))
    client.post("/admin/sessions_app/contract/", {"action": "publish", "_selected_action": [draft.pk]})
    assert Contract.objects.get().is_published


def test_manager_cannot_publish_a_contract(client):
    draft = make_contract(version=1, published=False)
    client.force_login(staff(make_manager()))
    client.post("/admin/sessions_app/contract/", {"action": "publish", "_selected_action": [draft.pk]})
    assert not Contract.objects.get().is_published


def test_manager_cannot_see_raw_attendance(client):
    make_attendance(staff_group="doctor", seen=1)
    client.force_login(staff(make_manager()))
    assert client.get("/admin/sessions_app/attendance/").status_code == 403


def test_published_contract_is_read_only_in_the_admin(client):
    contract = make_contract(version=1)
    client.force_login(staff(make_supervisor()))
    page = client.get(f"/admin/sessions_app/contract/{contract.pk}/change/").content.decode()
    assert 'name="limits"' not in page


def test_editing_attendance_in_the_admin_leaves_no_timestamped_log(client):
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth.models import Permission

    attendance = make_attendance(seen=1)
    user = staff(make_supervisor())
    user.user_permissions.add(*Permission.objects.filter(codename__in=["change_attendance", "view_attendance"]))
    client.force_login(user)
    client.post(f"/admin/sessions_app/attendance/{attendance.pk}/change/", {
        "session": attendance.session_id, "staff_group": "", "seen": 2, "not_seen": 0,
    })
    attendance.refresh_from_db()
    assert attendance.seen == 2
    assert not LogEntry.objects.exists()
