"""Built things kept in a worker under the version the database gives for them.

The staff pages, the feeds and the insights ask the database one cheap question (a "version": counts,
sums and newest change times of everything they show) and keep what they built under it. Nothing
here can go stale on another host: the version comes from the database (on PostgreSQL, remembered only
while no change has been heard: services/changes.py).
"""
import collections
import datetime
import threading

from django.db import connection
from django.utils.dateparse import parse_datetime


def quoted_tables(*models) -> list[str]:
    """The models' tables, quoted for plain SQL on this database."""
    return [connection.ops.quote_name(model._meta.db_table) for model in models]


def aware(value) -> datetime.datetime | None:
    """A timestamp from plain SQL: SQLite hands back UTC as text or a naive datetime, PostgreSQL an aware one."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=datetime.timezone.utc)
    return value


class VersionedCache:
    """A small in-process store, least recently used out first, so a worker's memory is bounded.

    Built pages, feeds and figures are kept under keys that hold their version: a change anywhere
    gives a new version, so a new key, and an old entry is never asked for again and drops off the end.
    """

    def __init__(self, size: int = 256):
        self.size = size
        self.entries: collections.OrderedDict = collections.OrderedDict()
        self.lock = threading.Lock()  # gthread workers share a process

    def get_or_build(self, key, build):
        value = self.get(key)
        if value is None:
            value = build()
            self.put(key, value)
        return value

    def get(self, key):
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
            return self.entries.get(key)

    def put(self, key, value) -> None:
        with self.lock:
            self.entries[key] = value
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
