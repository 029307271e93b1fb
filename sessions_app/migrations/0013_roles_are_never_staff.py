"""Supervisors and managers are never staff: the admin is for service administrators (superusers) only.

Their groups' model permissions only ever served the admin, so they go too.
"""
from django.db import migrations

ROLE_GROUPS = ["Supervisors", "Managers"]


def forward(apps, schema_editor):
    User = apps.get_model("sessions_app", "User")
    Group = apps.get_model("auth", "Group")
    User.objects.filter(groups__name__in=ROLE_GROUPS, is_superuser=False).update(is_staff=False)
    for group in Group.objects.filter(name__in=ROLE_GROUPS):
        group.permissions.clear()


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0012_site_lunch_defaults_are_functions")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
