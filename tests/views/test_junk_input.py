"""Junk on every public URL gives a page with a message or "Page not found", never a 500."""
import pytest
from django.urls import URLPattern, get_resolver, reverse

from tests.factories import make_contract, make_session

pytestmark = pytest.mark.django_db

JUNK_QUERIES = [
    "?site=%00", "?weeks=-1", "?weeks=99999", "?weeks=1.5", "?team=%3Cscript%3E", "?site=%ff%fe",
    "?site=" + "a" * 3000, "?weeks=" + "9" * 500, "?%00=%00", "?site=hmp&site=other&weeks=2&weeks=x",
    "?site=%E2%80%AEevil", "?weeks=%20", "?team=../../etc/passwd",
]


def public_paths() -> dict[str, str]:
    """Map each public URL name to a real path, with real objects in its parameters."""
    session = make_session()
    contract = make_contract(version=1)
    arguments = {"session_detail": [session.pk], "contract_version": [contract.version]}
    paths = {}
    for pattern in get_resolver().url_patterns:
        if str(pattern.pattern).startswith("admin"):
            continue
        for inner in getattr(pattern, "url_patterns", [pattern]):
            if isinstance(inner, URLPattern) and inner.name:
                paths[inner.name] = reverse(inner.name, args=arguments.get(inner.name, []))
    return paths


def test_every_public_url_is_covered():
    assert set(public_paths()) == {"upcoming", "session_detail", "contract", "contract_version"}


@pytest.mark.parametrize("query", JUNK_QUERIES)
def test_junk_query_strings_never_give_a_server_error(client, query):
    for name, path in public_paths().items():
        response = client.get(path + query)
        assert response.status_code in (200, 404), (name, query, response.status_code)


@pytest.mark.parametrize("suffix", ["%00/", "0/", "-1/", "1e3/", "99999999999999999999999999/", "%E2%80%AE/"])
def test_junk_in_the_path_gives_not_found(client, suffix):
    for prefix in ["/sessions/", "/contract/v"]:
        assert client.get(prefix + suffix).status_code == 404, prefix + suffix
