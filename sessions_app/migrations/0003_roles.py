"""Create the two roles: Supervisors and Managers."""
from django.db import migrations

SUPERVISOR_MODELS = ["site", "team", "room", "session", "attendance", "contract"]
MANAGER_VIEW_MODELS = ["site", "team", "room", "session", "attendance", "contract"]


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally made after all migrations; make them now so the groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    assign_roles(apps)


def assign_roles(apps):
    """Give the two roles their permissions (tests call this again after a flush empties them)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    supervisors, _ = Group.objects.get_or_create(name="Supervisors")
    supervisors.permissions.add(*Permission.objects.filter(
        content_type__app_label="sessions_app",
        content_type__model__in=SUPERVISOR_MODELS,
        codename__regex=r"^(add|change|view)_",
    ))
    managers, _ = Group.objects.get_or_create(name="Managers")
    managers.permissions.add(*Permission.objects.filter(
        content_type__app_label="sessions_app",
        content_type__model__in=MANAGER_VIEW_MODELS,
        codename__startswith="view_",
    ))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Supervisors", "Managers"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sessions_app", "0002_contract_published_never_changes"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
