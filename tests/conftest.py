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
