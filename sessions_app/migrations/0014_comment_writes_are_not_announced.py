"""A comment being written is not announced to anyone listening; only a change to what staff see is.

Migration 0010 notified every listener, to the second, whenever a statement touched the feedback table,
including a member of staff leaving a comment with a pulse answer. Now only approving, taking down or
rejecting an approved comment (what the upcoming page shows) is announced.
"""
from django.db import migrations



def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS sessions_app_feedback_announce ON sessions_app_feedback")
    # Migration 0010's function, fired per row and only when what staff see changes.
    schema_editor.execute(
        "CREATE TRIGGER sessions_app_feedback_shown_announce AFTER UPDATE ON sessions_app_feedback FOR EACH ROW "
        "WHEN (OLD.approved IS DISTINCT FROM NEW.approved) EXECUTE FUNCTION sessions_app_announce_change()")
    schema_editor.execute(
        "CREATE TRIGGER sessions_app_feedback_removed_announce AFTER DELETE ON sessions_app_feedback FOR EACH ROW "
        "WHEN (OLD.approved) EXECUTE FUNCTION sessions_app_announce_change()")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in ("shown", "removed"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS sessions_app_feedback_{name}_announce ON sessions_app_feedback")
    schema_editor.execute(
        "CREATE TRIGGER sessions_app_feedback_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        "ON sessions_app_feedback FOR EACH STATEMENT EXECUTE FUNCTION sessions_app_announce_change()")


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0013_roles_are_never_staff")]
    operations = [migrations.RunPython(forward, backward)]
