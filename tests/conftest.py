import pytest


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


@pytest.fixture(autouse=True)
def _ask_the_database_every_time(settings):
    # Inside a test's transaction nothing is committed, so no change notification is ever sent: tests
    # read versions from the database each time. The listener has its own tests (tests/services/test_changes.py).
    settings.DROPIN_LISTEN_FOR_CHANGES = False


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
