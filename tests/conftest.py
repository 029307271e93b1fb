import pytest

# The real OpenID Provider the sign-in tests start (tests/oidc.py).
pytest_plugins = ["tests.oidc"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest storage needs collectstatic first; tests/test_project.py builds it with collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def site(db):
    from tests.factories import make_room, make_site

    site = make_site(name="HMP Northgate", slug="hmp-northgate")
    make_room(site, name="Wellbeing room")
    return site


@pytest.fixture
def supervisor(site):
    from tests.factories import make_supervisor

    return make_supervisor(site, display_name="Sam Okafor")


@pytest.fixture
def manager(db):
    from tests.factories import make_manager

    return make_manager(display_name="Morgan Lee")


@pytest.fixture
def other_supervisor(db):
    """A supervisor of another site, who must not see or change this site's sessions."""
    from tests.factories import make_site, make_supervisor

    return make_supervisor(make_site(name="HMP Elsewhere"))


@pytest.fixture
def at_the_moment():
    """Pin the clock to tests/helpers.py's MOMENT, from which its months and Mondays are worked out."""
    import time_machine

    from tests.helpers import MOMENT

    with time_machine.travel(MOMENT, tick=False):
        yield MOMENT


@pytest.fixture
def log_buffer():
    """Apply settings.LOGGING with its handler writing to a buffer, at DEBUG; put the real one back afterwards."""
    import copy
    import io
    import logging.config

    from django.conf import settings

    buffer = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["stream"] = buffer
    config["root"]["level"] = "DEBUG"
    logging.config.dictConfig(config)
    yield buffer
    logging.config.dictConfig(settings.LOGGING)


@pytest.fixture(autouse=True)
def _empty_cache():
    # Each test's transaction is rolled back, the data generation with it: the next test would meet the same
    # numbers again, so nothing built in one test may be found by another.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def pytest_configure(config):
    """With CACHE_URL=redis://…, give each xdist worker a Redis database of its own, cleared by its tests alone."""
    import os

    from django.conf import settings

    cache = settings.CACHES["default"]
    if "redis" in cache["BACKEND"].lower():
        worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
        server = cache["LOCATION"].rsplit("/", 1)[0] if cache["LOCATION"].count("/") > 2 else cache["LOCATION"]
        cache["LOCATION"] = f"{server}/{1 + worker % 14}"  # 15 is the flood-limit test's own


def pytest_collection_modifyitems(items):
    """Every test with real commits must start from the migrated database, whatever ran before it.

    A plain transaction=True test ends by flushing and re-creating content types with new ids on
    PostgreSQL, which a later serialized_rollback test (tests/test_backup.py) then collides with:
    with one xdist worker per core, any order can happen.
    """
    for item in items:
        mark = item.get_closest_marker("django_db")
        if mark and mark.kwargs.get("transaction") and not mark.kwargs.get("serialized_rollback"):
            raise pytest.UsageError(f"{item.nodeid}: use django_db(transaction=True, serialized_rollback=True)")
