"""A comment being written is not announced to anyone listening; only a change to what staff see is.

Migration 0010 notified every listener, to the second, whenever a statement touched the feedback table,
including a member of staff leaving a comment with a pulse answer. Now only approving, taking down or
rejecting an approved comment (what the upcoming page shows) is announced.
"""
from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION sessions_app_announce_feedback_shown() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('dropin_changed', TG_TABLE_NAME);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS sessions_app_feedback_announce ON sessions_app_feedback")
    schema_editor.execute(FUNCTION)
    schema_editor.execute(
        "CREATE TRIGGER sessions_app_feedback_shown_announce AFTER UPDATE ON sessions_app_feedback FOR EACH ROW "
        "WHEN (OLD.approved IS DISTINCT FROM NEW.approved) EXECUTE FUNCTION sessions_app_announce_feedback_shown()")
    schema_editor.execute(
        "CREATE TRIGGER sessions_app_feedback_removed_announce AFTER DELETE ON sessions_app_feedback FOR EACH ROW "
        "WHEN (OLD.approved) EXECUTE FUNCTION sessions_app_announce_feedback_shown()")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in ("shown", "removed"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS sessions_app_feedback_{name}_announce ON sessions_app_feedback")
    schema_editor.execute("DROP FUNCTION IF EXISTS sessions_app_announce_feedback_shown()")
    schema_editor.execute(
        "CREATE TRIGGER sessions_app_feedback_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        "ON sessions_app_feedback FOR EACH STATEMENT EXECUTE FUNCTION sessions_app_announce_change()")


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0013_roles_are_never_staff")]
    operations = [migrations.RunPython(forward, backward)]
