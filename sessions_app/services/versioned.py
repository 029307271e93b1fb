"""Built things kept in a worker under the version the database gives for them on each request.

The staff pages, the feeds and the insights ask the database one cheap question (a "version": counts,
sums and newest change times of everything they show) and keep what they built under it. Nothing
here can go stale on another host, because the version is read from the database every time.
"""
import collections
import datetime
import threading

from django.utils.dateparse import parse_datetime


def aware(value) -> datetime.datetime | None:
    """A timestamp from plain SQL: SQLite hands back UTC as text or a naive datetime, PostgreSQL an aware one."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=datetime.timezone.utc)
    return value


class VersionedCache:
    """A small in-process store of built pages and feeds, keyed by the version the database gives now.

    Nothing here can go stale on another host: every request first reads the version from the
    database (one aggregate query), and a change anywhere gives a new version, so a new key; an
    old entry is never asked for again and drops off the end. Bounded, so a worker's memory is too.
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
