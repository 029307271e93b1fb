"""Rows read back from plain SQL as the database driver gives them, without Django's converters.

The estate's figures read tens of thousands of aggregated rows, where converting every value costs
more than the query; these read the few types back the same way on both databases.
"""
import datetime

from django.db import connections


def row_month(value) -> datetime.date:
    """Read a month truncated in SQL as a date."""
    if isinstance(value, str):  # SQLite, read without the ORM's converters
        return datetime.date.fromisoformat(value[:10])
    return value.date() if isinstance(value, datetime.datetime) else value


def plain_rows(queryset) -> list[tuple]:
    """Return a values_list query's rows as the database driver gives them.

    Counts come back as ints; dates as dates, or as text on SQLite, which row_month reads.
    """
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def row_duration(value) -> datetime.timedelta:
    """Read a summed duration: PostgreSQL gives an interval, SQLite a number of microseconds."""
    if value is None:
        return datetime.timedelta()
    return value if isinstance(value, datetime.timedelta) else datetime.timedelta(microseconds=int(value))
