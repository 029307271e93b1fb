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
from django.db import connections, transaction

from .services.tally import BUSY_AT, CLOSES_AFTER, VERY_BUSY_AT

PREFIX = "dropin_gen_"
# Never shown anywhere: sign-in bookkeeping (written at every sign-in), the tally's undo steps, and itself.
SKIPPED = {"sessions", "axes", "otp_totp", "otp_static", "sessions_app.datageneration", "sessions_app.tallystep"}
# By a random step, so a number a rolled-back transaction used is not met again by a later one.
STEP, TOP = 2**30, 2**62
MOVE = {
    "postgresql": f"UPDATE sessions_app_datageneration SET value = (value + 1 + (random() * {STEP})::bigint) % {TOP} "
                  f"WHERE id = 1",
    "sqlite": f"UPDATE sessions_app_datageneration SET value = (value + 1 + abs(random() % {STEP})) % {TOP} WHERE id = 1",
}
# PostgreSQL: once per transaction, however many statements write (a bulk load would otherwise grow a chain
# of the row's versions that every later statement walks). A savepoint rolled back forgets it too.
MOVE_ONCE = (f"IF current_setting('dropin.generation_moved', true) IS DISTINCT FROM txid_current()::text THEN "
             f"{MOVE['postgresql']}; PERFORM set_config('dropin.generation_moved', txid_current()::text, true); END IF;")


@dataclasses.dataclass(frozen=True)
class Quiet:
    """Which writes to one table leave the generation alone."""

    columns: tuple[str, ...] = ()  # an UPDATE that sets only these columns
    shown_when: str = ""  # an INSERT or UPDATE none of whose rows ({row}) this SQL holds for


def _word(column: str) -> str:
    return f"(CASE WHEN {column} >= {VERY_BUSY_AT} THEN 2 WHEN {column} >= {BUSY_AT} THEN 1 ELSE 0 END)"


# Ten minutes' margin, should the database's clock run ahead of the app's (a late press must stay quiet).
CLOSES = f"{CLOSES_AFTER.total_seconds() + 600:.0f} seconds"
# {vendor: SQL about one row}: its session's tally has closed; its week began over a week ago (UTC).
TALLY_CLOSED = {
    "postgresql": f"(SELECT ends_at FROM sessions_app_session WHERE id = {{row}}.session_id) <= now() - interval '{CLOSES}'",
    "sqlite": f"(SELECT ends_at FROM sessions_app_session WHERE id = {{row}}.session_id) "
              f"<= strftime('%Y-%m-%d %H:%M:%f', 'now', '-{CLOSES}')",
}
# Staff see the word only for a session on now.
ON_NOW = {"postgresql": "{row}.starts_at <= now() AND {row}.ends_at > now()",
          "sqlite": "{row}.starts_at <= strftime('%Y-%m-%d %H:%M:%f', 'now') "
                    "AND {row}.ends_at > strftime('%Y-%m-%d %H:%M:%f', 'now')"}
WEEK_ENDED = {"postgresql": "{row}.week < (now() AT TIME ZONE 'UTC')::date - 7",
              "sqlite": "{row}.week < date('now', '-7 days')"}

QUIET = {
    "sessions_app.user": lambda vendor: Quiet(columns=("last_login",)),
    # The counts of people waiting and being seen; the word staff see moves the generation on.
    "sessions_app.session": lambda vendor: Quiet(columns=("waiting", "in_session")),
    "sessions_app.attendance": lambda vendor: Quiet(shown_when=TALLY_CLOSED[vendor]),
    "sessions_app.pulse": lambda vendor: Quiet(shown_when=WEEK_ENDED[vendor]),
    # A comment waiting for approval, and the rewrite of the week's rows that every answer makes.
    "sessions_app.feedback": lambda vendor: Quiet(shown_when="{row}.approved"),
}


@dataclasses.dataclass(frozen=True)
class Trigger:
    name: str
    event: str  # INSERT, UPDATE or DELETE
    columns: tuple[str, ...] = ()  # UPDATE OF these; all when empty (PostgreSQL: only for a plain trigger)
    when: str = ""  # only when this SQL holds of a row written ({row}): for an UPDATE, before or after
    changed: str = ""  # only when this SQL's value for a row ({row}) differs after an UPDATE from before...
    among: str = ""  # ...among the rows for which this SQL holds


def triggers_for(model, vendor: str) -> list[Trigger]:
    """Return the triggers that move the generation for writes to one model's table."""
    table, label = model._meta.db_table, model._meta.label_lower
    columns = [field.column for field in model._meta.local_concrete_fields]
    quiet = QUIET[label](vendor) if label in QUIET else Quiet()
    loud = tuple(column for column in columns if column not in quiet.columns) if quiet.columns else ()
    name = f"{PREFIX}{table}"
    if quiet.shown_when:
        # An UPDATE moves it if a row is shown before or after: a comment approved, or taken back.
        triggers = [Trigger(f"{name}_insert", "INSERT", when=quiet.shown_when),
                    Trigger(f"{name}_update", "UPDATE", when=quiet.shown_when)]
    else:
        triggers = [Trigger(f"{name}_insert", "INSERT"), Trigger(f"{name}_update", "UPDATE", loud)]
    triggers.append(Trigger(f"{name}_delete", "DELETE"))
    if label == "sessions_app.session":
        triggers.append(Trigger(f"{name}_busyness", "UPDATE", ("waiting",), changed=_word("{row}.waiting"),
                                among=ON_NOW[vendor]))
    return triggers


def _sqlite(table: str, trigger: Trigger, quote) -> list[str]:
    of = f" OF {', '.join(quote(column) for column in trigger.columns)}" if trigger.columns else ""
    when = trigger.when.format(row="NEW")
    if trigger.event == "UPDATE" and trigger.when:
        when = f"({when}) OR ({trigger.when.format(row='OLD')})"
    if trigger.changed:
        when = f"{trigger.changed.format(row='OLD')} <> {trigger.changed.format(row='NEW')}"
        when += f" AND {trigger.among.format(row='NEW')}" if trigger.among else ""
    return [f"CREATE TRIGGER {trigger.name} AFTER {trigger.event}{of} ON {quote(table)} FOR EACH ROW"
            f"{f' WHEN {when}' if when else ''} BEGIN {MOVE['sqlite']}; END"]


def _postgresql(table: str, trigger: Trigger, quote) -> list[str]:
    if not (trigger.when or trigger.changed):
        of = f" OF {', '.join(quote(column) for column in trigger.columns)}" if trigger.columns else ""
        truncate = " OR TRUNCATE" if trigger.event == "DELETE" else ""
        return [f"CREATE TRIGGER {trigger.name} AFTER {trigger.event}{of}{truncate} ON {quote(table)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {PREFIX}move()"]
    # Once per statement, over the rows it wrote (transition tables: n, and o for an UPDATE's rows before;
    # PostgreSQL allows them with no column list, so the condition does that work).
    # Each table read once: a join of the two, which have no index, would cost the square of the rows.
    if trigger.event == "INSERT":
        referencing, test = "NEW TABLE AS n", f"EXISTS (SELECT 1 FROM n WHERE {trigger.when.format(row='n')})"
    elif trigger.when:
        referencing = "OLD TABLE AS o NEW TABLE AS n"
        test = " OR ".join(f"EXISTS (SELECT 1 FROM {t} WHERE {trigger.when.format(row=t)})" for t in "no")
    else:
        referencing = "OLD TABLE AS o NEW TABLE AS n"
        among = (lambda t: f" WHERE {trigger.among.format(row=t)}") if trigger.among else (lambda t: "")
        test = " IS DISTINCT FROM ".join(
            f"(SELECT array_agg({trigger.changed.format(row=t)} ORDER BY {t}.id) FROM {t}{among(t)})" for t in "on")
    return [f"CREATE OR REPLACE FUNCTION {trigger.name}() RETURNS trigger AS $$ BEGIN "
            f"IF {test} THEN {MOVE_ONCE} END IF; RETURN NULL; END; $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER {trigger.name} AFTER {trigger.event} ON {quote(table)} REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {trigger.name}()"]


def _existing(cursor, vendor: str) -> list[tuple[str, str]]:
    if vendor == "postgresql":
        cursor.execute("SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE %s",
                       [PREFIX + "%"])
    else:
        cursor.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                       [PREFIX + "%"])
    return cursor.fetchall()


def uninstall(*, using: str = "default", **kwargs) -> None:
    """Take every generation trigger and function away (before migrate: a table rebuilt or a column retyped
    under a trigger that names it fails)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for name, table in _existing(cursor, connection.vendor):
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def install(*, using: str = "default", **kwargs) -> None:
    """Put the generation's triggers on every table (afresh, so they follow every column), and move it on."""
    connection = connections[using]
    vendor = connection.vendor
    build = _postgresql if vendor == "postgresql" else _sqlite
    uninstall(using=using)
    tables = set(connection.introspection.table_names())
    if "sessions_app_datageneration" not in tables:  # migrated back before it: no triggers at all
        return
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(f"CREATE OR REPLACE FUNCTION {PREFIX}move() RETURNS trigger AS $$ "
                           f"BEGIN {MOVE_ONCE} RETURN NULL; END; $$ LANGUAGE plpgsql")
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
        cursor.execute("INSERT INTO sessions_app_datageneration (id, value) VALUES (1, %s)", [random.randrange(TOP)])
