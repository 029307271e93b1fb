"""On PostgreSQL, every statement that changes what staff pages and feeds show sends a notification.

Workers listen (services/changes.py) and so know, without asking, when a page they keep is out of date.
Nothing is done on SQLite, where one process serves and asks the database every time.
"""
from django.db import migrations

TABLES = ["site", "team", "room", "session", "session_audience_teams", "user", "feedback", "contract"]

FUNCTION = """
CREATE OR REPLACE FUNCTION sessions_app_announce_change() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('dropin_changed', TG_TABLE_NAME);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER sessions_app_{table}_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON sessions_app_{table} FOR EACH STATEMENT EXECUTE FUNCTION sessions_app_announce_change()")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS sessions_app_{table}_announce ON sessions_app_{table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS sessions_app_announce_change()")


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0009_measures")]
    operations = [migrations.RunPython(create, drop)]
