"""Hear about changes from PostgreSQL, so a kept page's version need not be asked for on every request.

Triggers (migration 0010) send a notification on the `dropin_changed` channel when a statement changes
anything the staff pages or feeds show, on whichever host wrote it. Each worker process listens in a
thread of its own. While it listens and has heard nothing since a version was read, that version still
holds, and the page is served with no query at all. A version is asked for again after
`REMEMBER_FOR` seconds whatever happens: time moves pages on too (a session starting or ending), and a
listener that has silently lost its connection can then never keep anything stale for longer.

SQLite (one process) and a switched-off listener ask the database on every request, as before.
"""
import logging
import os
import threading
import time

from django.conf import settings
from django.db import connection

from .versioned import VersionedCache

logger = logging.getLogger(__name__)
CHANNEL = "dropin_changed"
REMEMBER_FOR = 1.0  # seconds
RECONNECT_AFTER = 1.0  # seconds
WAKE_EVERY = 0.5  # seconds: how often the thread looks up from listening, to see if it should stop


class ChangeListener:
    """One per process: a thread that LISTENs and counts what it hears."""

    def __init__(self):
        self.generation = 0  # moves on with every notification, and whenever listening (re)starts
        self.listening = False
        self.pid = None
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread = None

    def start(self) -> None:
        """Start the thread in this process, once (gunicorn forks workers: each needs its own)."""
        with self.lock:
            if self.pid == os.getpid():
                return
            self.pid, self.listening = os.getpid(), False
            self.stopping.clear()
            self.thread = threading.Thread(target=self._run, args=(listen_params(),),
                                           name="dropin-change-listener", daemon=True)
            self.thread.start()

    def stop(self) -> None:
        """Stop listening and close the connection (tests; a worker's thread ends with its process)."""
        with self.lock:
            thread, self.pid = self.thread, None
            self.stopping.set()
        if thread is not None:
            thread.join(timeout=5)
        self.listening = False

    def _run(self, params: dict) -> None:
        import psycopg

        while not self.stopping.is_set():
            try:
                with psycopg.connect(**params, autocommit=True) as listen:
                    listen.execute(f"LISTEN {CHANNEL}")
                    # Anything may have changed while nobody listened: every version read before is stale.
                    self.generation += 1
                    self.listening = True
                    while not self.stopping.is_set():
                        for _ in listen.notifies(timeout=WAKE_EVERY):
                            self.generation += 1
            except Exception as error:  # noqa: BLE001 - any failure: stop trusting, say so, try again
                logger.warning("Not listening for changes (%s): reading versions on every request", error)
            self.listening = False
            self.generation += 1
            self.stopping.wait(RECONNECT_AFTER)


def listen_params() -> dict:
    """The default database's connection parameters, for a plain psycopg connection of its own."""
    params = connection.get_connection_params()
    return {key: value for key, value in params.items() if key not in ("cursor_factory", "context")}


listener = ChangeListener()
_versions = VersionedCache(size=1024)  # key: (generation heard, remembered until, version)


def listening() -> bool:
    """Whether this process hears changes: PostgreSQL, switched on, and the thread connected."""
    if not settings.DROPIN_LISTEN_FOR_CHANGES or connection.vendor != "postgresql":
        return False
    listener.start()
    return listener.listening


def version_remembered(key, read):
    """Return read()'s version, asking the database again only if something may have changed since."""
    if not listening():
        return read()
    generation = listener.generation  # before reading: a change heard meanwhile makes this entry stale
    entry = _versions.get(key)
    if entry is not None and entry[0] == generation and time.monotonic() < entry[1]:
        return entry[2]
    version = read()
    _versions.put(key, (generation, time.monotonic() + REMEMBER_FOR, version))
    return version
