"""A published contract version never changes: the database itself refuses the update.

The model and the admin refuse it with a message first; this trigger catches everything
else, such as a bulk QuerySet.update(). Publishing (published_at from empty to a date)
is allowed because the old row was still a draft.

SQLite drops a table's triggers when a migration rebuilds the table: a migration that
alters sessions_app_contract must create this trigger again. The contract tests fail if
it is missing.
"""
from django.db import migrations

MESSAGE = "A published contract version never changes; make a new version instead."

SQLITE_CREATE = f"""
CREATE TRIGGER sessions_app_contract_published_never_changes
BEFORE UPDATE ON sessions_app_contract
FOR EACH ROW WHEN OLD.published_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS sessions_app_contract_published_never_changes;"

POSTGRES_CREATE = f"""
CREATE FUNCTION sessions_app_contract_published_never_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER sessions_app_contract_published_never_changes
BEFORE UPDATE ON sessions_app_contract
FOR EACH ROW WHEN (OLD.published_at IS NOT NULL)
EXECUTE FUNCTION sessions_app_contract_published_never_changes();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS sessions_app_contract_published_never_changes ON sessions_app_contract;
DROP FUNCTION IF EXISTS sessions_app_contract_published_never_changes();
"""


def create_trigger(apps, schema_editor):
    sql = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def drop_trigger(apps, schema_editor):
    sql = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
