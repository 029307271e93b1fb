"""The data generation replaces change notifications: the database moves one number on with every write.

Its triggers are put on every table after each migrate (sessions_app/generation.py), so they follow every
table and column added later. This drops migration 0010's and 0014's notifying triggers.
"""
from django.db import migrations, models

OLD_TABLES = ["site", "team", "room", "session", "session_audience_teams", "user", "contract"]


def drop_notifying_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in OLD_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS sessions_app_{table}_announce ON sessions_app_{table}")
    for name in ("shown", "removed"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS sessions_app_feedback_{name}_announce ON sessions_app_feedback")
    schema_editor.execute("DROP FUNCTION IF EXISTS sessions_app_announce_change()")


def restore_notifying_triggers(apps, schema_editor):
    """Back to 0014: its triggers and 0010's, as they were."""
    import importlib

    importlib.import_module("sessions_app.migrations.0010_changes_are_announced").create(apps, schema_editor)
    importlib.import_module("sessions_app.migrations.0014_comment_writes_are_not_announced").forward(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0014_comment_writes_are_not_announced")]
    operations = [
        migrations.CreateModel(
            name="DataGeneration",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("value", models.BigIntegerField()),
            ],
            options={"constraints": [models.CheckConstraint(
                condition=models.Q(id=1), name="sessions_app_datageneration_one_row",
                violation_error_message="There is only one data generation.")]},
        ),
        migrations.RunPython(drop_notifying_triggers, restore_notifying_triggers),
    ]
