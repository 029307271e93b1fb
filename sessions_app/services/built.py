"""Built pages, feeds and figures, kept in Django's cache under the data generation (sessions_app/generation.py).

The generation is read in one trivial query; any write to what a page shows moves it on, so a page kept
under an older one is never asked for again. Time moves pages on too: each builder says until when what it
built holds (a session starting or ending, midnight), and each key holds the time it was built for.
"""
import datetime
import functools
import hashlib
import pathlib

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from ..models import DataGeneration

KEPT_AT_MOST = 24 * 60 * 60  # seconds: entries of older generations leave the shared cache by themselves


def data_generation() -> int | None:
    """Return the data generation now; None before the first migrate has made it."""
    table = connection.ops.quote_name(DataGeneration._meta.db_table)
    # On PostgreSQL a transaction moves it once (generation.MOVE_ONCE); once it has been read, the next write
    # in the same transaction moves it again, so nothing built in between is kept under the final number.
    forget_moved = ", set_config('dropin.generation_moved', '', true)" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value{forget_moved} FROM {table} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


@functools.cache
def release() -> str:
    """Return a digest of the code, templates and settings pages are built with: a deploy gets keys of its own."""
    digest = hashlib.sha256()
    root = pathlib.Path(settings.BASE_DIR)
    for path in sorted([*root.glob("sessions_app/**/*.py"), *root.glob("templates/**/*")]):
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + path.read_bytes())
    shown = {name: getattr(settings, name) for name in dir(settings) if name.startswith("DROPIN_")}
    digest.update(repr(sorted(shown.items())).encode() + settings.TIME_ZONE.encode())
    return digest.hexdigest()[:12]


def cache_key(name: str, generation: int, parts: tuple) -> str:
    return f"built:{release()}:{name}:{generation}:{hashlib.sha256(repr(parts).encode()).hexdigest()[:40]}"


def built(name: str, parts: tuple, build, *, now: datetime.datetime, generation: int | None = None):
    """Return what `build()` makes for `parts`, from the cache while the data and the time it was built for hold."""
    # build() gives (value, good until): a moment; None, while the data stay the same; `now`, not to be kept.
    generation = data_generation() if generation is None else generation
    if generation is None:
        return build()[0]
    key = cache_key(name, generation, parts)
    kept = cache.get(key)
    if kept is not None and (kept[1] is None or now < kept[1]):
        return kept[0]
    value, good_until = build()
    if good_until is None or good_until > now:
        lasts = KEPT_AT_MOST if good_until is None else min(KEPT_AT_MOST, (good_until - now).total_seconds())
        cache.set(key, (value, good_until), timeout=max(int(lasts), 1))
    return value


def earliest(*moments: datetime.datetime | None) -> datetime.datetime | None:
    """Return the earliest of the moments given, ignoring None; None if there are none."""
    moments = [moment for moment in moments if moment is not None]
    return min(moments) if moments else None
