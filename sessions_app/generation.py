"""The data generation: triggers on every table move it on, so nothing cached under it can go stale.

After every migrate (and flush), `install` puts a trigger on every table of every installed model: any
INSERT, UPDATE or DELETE, made by a service, the admin, a bulk update, a command or a data migration,
moves the one row of `DataGeneration` on, in the same transaction. A new model or field is covered with no
change here. On PostgreSQL a trigger fires once per statement; SQLite has only row triggers.

The only writes that leave it alone are those in QUIET: a tally press, a pulse answer, a waiting comment
and a sign-in. What they write is shown only later, once its session's tally has closed or its week or month
has ended (and every cache key holds the time it depends on), or as the busyness word, which moves it. Were
they not quiet, anyone could count presses and answers by timing a page that is rebuilt for each of them.
"""
import dataclasses
import random

from django.apps import apps
from django.db import connections

from .services.tally import BUSY_AT, CLOSES_AFTER, VERY_BUSY_AT

PREFIX = "dropin_gen_"
# Never shown anywhere: sign-in bookkeeping (written at every sign-in), the tally's undo steps, and itself.
SKIPPED = {"sessions", "axes", "sessions_app.datageneration", "sessions_app.tallystep"}
MOVE = "UPDATE sessions_app_datageneration SET value = value + 1 WHERE id = 1"


@dataclasses.dataclass(frozen=True)
class Quiet:
    """Which writes to one table leave the generation alone."""

    columns: tuple[str, ...] = ()  # an UPDATE that sets only these columns...
    shown_when: str = ""  # ...or an INSERT or UPDATE of a row for which this SQL does not hold


def _word(column: str) -> str:
    return f"(CASE WHEN {column} >= {VERY_BUSY_AT} THEN 2 WHEN {column} >= {BUSY_AT} THEN 1 ELSE 0 END)"


# {vendor: SQL}: the session's tally has closed; the answer's week began over a week ago (UTC).
TALLY_CLOSED = {
    "postgresql": f"(SELECT ends_at FROM sessions_app_session WHERE id = NEW.session_id) "
                  f"<= now() - interval '{CLOSES_AFTER.total_seconds():.0f} seconds'",
    "sqlite": f"(SELECT ends_at FROM sessions_app_session WHERE id = NEW.session_id) "
              f"<= strftime('%Y-%m-%d %H:%M:%f', 'now', '-{CLOSES_AFTER.total_seconds():.0f} seconds')",
}
WEEK_ENDED = {"postgresql": "NEW.week < (now() AT TIME ZONE 'UTC')::date - 7", "sqlite": "NEW.week < date('now', '-7 days')"}

QUIET = {
    "sessions_app.user": lambda vendor: Quiet(columns=("last_login",)),
    # The counts of people waiting and being seen; the word staff see moves the generation on.
    "sessions_app.session": lambda vendor: Quiet(columns=("waiting", "in_session")),
    "sessions_app.attendance": lambda vendor: Quiet(shown_when=TALLY_CLOSED[vendor]),
    "sessions_app.pulse": lambda vendor: Quiet(shown_when=WEEK_ENDED[vendor]),
    # A comment waiting for approval, and the rewrite of the week's rows that every answer makes.
    "sessions_app.feedback": lambda vendor: Quiet(columns=("week",), shown_when="NEW.approved"),
}


@dataclasses.dataclass(frozen=True)
class Trigger:
    name: str
    event: str  # INSERT, UPDATE or DELETE
    columns: tuple[str, ...] = ()  # UPDATE OF these; all when empty
    when: str = ""  # for each row for which this holds; for each statement when empty


def triggers_for(model, vendor: str) -> list[Trigger]:
    """Return the triggers that move the generation for writes to one model's table."""
    table, label = model._meta.db_table, model._meta.label_lower
    columns = [field.column for field in model._meta.local_concrete_fields]
    quiet = QUIET[label](vendor) if label in QUIET else Quiet()
    loud = tuple(column for column in columns if column not in quiet.columns) if quiet.columns else ()
    triggers = [Trigger(f"{PREFIX}{table}_delete", "DELETE")]
    if quiet.shown_when:
        # An UPDATE moves it if the row is shown before or after: a comment approved, or taken back.
        shown_either = f"({quiet.shown_when}) OR ({quiet.shown_when.replace('NEW.', 'OLD.')})"
        triggers += [Trigger(f"{PREFIX}{table}_insert", "INSERT", when=quiet.shown_when),
                     Trigger(f"{PREFIX}{table}_update", "UPDATE", loud, when=shown_either)]
    else:
        triggers += [Trigger(f"{PREFIX}{table}_insert", "INSERT"), Trigger(f"{PREFIX}{table}_update", "UPDATE", loud)]
    if quiet.columns and quiet.shown_when:  # an UPDATE of only the quiet columns moves it when the row is shown
        triggers.append(Trigger(f"{PREFIX}{table}_quiet_update", "UPDATE", quiet.columns, when=shown_either))
    if label == "sessions_app.session":
        triggers.append(Trigger(f"{PREFIX}{table}_busyness", "UPDATE", ("waiting",),
                                when=f"{_word('OLD.waiting')} <> {_word('NEW.waiting')}"))
    return triggers


def _of(trigger: Trigger, quote) -> str:
    return f" OF {', '.join(quote(column) for column in trigger.columns)}" if trigger.columns else ""


def _sqlite(table: str, trigger: Trigger, quote) -> list[str]:
    of, table = _of(trigger, quote), quote(table)
    when = f" WHEN {trigger.when}" if trigger.when else ""
    return [f"CREATE TRIGGER {trigger.name} AFTER {trigger.event}{of} ON {table} FOR EACH ROW{when} "
            f"BEGIN {MOVE}; END"]


def _postgresql(table: str, trigger: Trigger, quote) -> list[str]:
    of, table = _of(trigger, quote), quote(table)
    if not trigger.when:
        truncate = " OR TRUNCATE" if trigger.event == "DELETE" else ""
        return [f"CREATE TRIGGER {trigger.name} AFTER {trigger.event}{of}{truncate} ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {PREFIX}move()"]
    # A row trigger's WHEN may not hold a subquery on PostgreSQL: the condition goes in its own function.
    return [f"CREATE OR REPLACE FUNCTION {trigger.name}() RETURNS trigger AS $$ BEGIN "
            f"IF {trigger.when} THEN {MOVE}; END IF; RETURN NULL; END; $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER {trigger.name} AFTER {trigger.event}{of} ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION {trigger.name}()"]


def _existing(cursor, vendor: str) -> list[tuple[str, str]]:
    if vendor == "postgresql":
        cursor.execute("SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE %s",
                       [PREFIX + "%"])
    else:
        cursor.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                       [PREFIX + "%"])
    return cursor.fetchall()


def install(*, using: str = "default", **kwargs) -> None:
    """Put the generation's triggers on every table (afresh, so they follow every column), and move it on."""
    connection = connections[using]
    vendor = connection.vendor
    build = _postgresql if vendor == "postgresql" else _sqlite
    with connection.cursor() as cursor:
        for name, table in _existing(cursor, vendor):
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if vendor == "postgresql" else ""))
        if vendor == "postgresql":
            cursor.execute(f"CREATE OR REPLACE FUNCTION {PREFIX}move() RETURNS trigger AS $$ "
                           f"BEGIN {MOVE}; RETURN NULL; END; $$ LANGUAGE plpgsql")
        tables = set(connection.introspection.table_names())
        for model in apps.get_models(include_auto_created=True):
            table, meta = model._meta.db_table, model._meta
            if table not in tables or meta.proxy or not meta.managed or {meta.app_label, meta.label_lower} & SKIPPED:
                continue
            tables.discard(table)
            for trigger in triggers_for(model, vendor):
                for statement in build(table, trigger, connection.ops.quote_name):
                    cursor.execute(statement)
        # A new generation, at random: a data migration may have written before the triggers were there, and
        # the shared cache may hold pages of another database, or of this one before a restore.
        cursor.execute("DELETE FROM sessions_app_datageneration")
        cursor.execute("INSERT INTO sessions_app_datageneration (id, value) VALUES (1, %s)", [random.randrange(2**62)])
