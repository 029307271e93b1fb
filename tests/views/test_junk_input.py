"""Junk on every URL gives a page with a message, a redirect or "Page not found", never a 500."""
import pytest

from sessions_app.models import Site
from tests import url_walk as walk
from tests.factories import make_contract, make_series_session, make_site, make_room

pytestmark = pytest.mark.django_db

JUNK_QUERIES = [
    "?site=%00", "?weeks=-1", "?weeks=99999", "?weeks=1.5", "?team=%3Cscript%3E", "?site=%ff%fe",
    "?site=" + "a" * 3000, "?weeks=" + "9" * 500, "?%00=%00", "?site=hmp&site=other&weeks=2&weeks=x",
    "?site=%E2%80%AEevil", "?weeks=%20", "?team=../../etc/passwd",
]


def url_paths() -> dict[str, str]:
    room = make_room(make_site())
    return walk.url_paths(session=make_series_session(room=room), contract=make_contract(version=1))


def test_every_url_is_walked():
    assert {"upcoming", "session_detail", "contract", "contract_version", "supervise_home",
            "supervise_session", "supervise_tally", "supervise_room_edit", "supervise_series",
            "supervise_demand"} <= set(url_paths())


@pytest.mark.parametrize("query", JUNK_QUERIES)
def test_junk_query_strings_never_give_a_server_error(client, query):
    for name, path in url_paths().items():
        response = client.get(path + query)
        assert response.status_code in (200, 302, 404, 405), (name, query, response.status_code)


@pytest.mark.parametrize("query", JUNK_QUERIES)
def test_junk_for_a_signed_in_manager_never_gives_a_server_error(client, query):
    from tests.factories import make_manager

    paths = url_paths()
    manager = make_manager()
    for site in Site.objects.all():  # a manager who supervises too passes every check, so every view reads the junk
        site.supervisors.add(manager)
    client.force_login(manager)
    for name, path in paths.items():
        if name == "sign_out":
            continue
        for response in (client.get(path + query), client.post(path + query, {"reason": "\x00" * 3, "date": "9999-99-99",
                                                                               "action": "<script>", "seats": "-1"})):
            assert response.status_code in (200, 302, 404, 405), (name, query, response.status_code)


@pytest.mark.parametrize("suffix", ["%00/", "0/", "-1/", "1e3/", "99999999999999999999999999/", "%E2%80%AE/"])
def test_junk_in_the_path_gives_not_found(client, suffix):
    for prefix in ["/sessions/", "/contract/v"]:
        assert client.get(prefix + suffix).status_code == 404, prefix + suffix
