"""Error pages and health checks: a database outage gives the friendly 503 page, never a traceback or a 500."""
from unittest import mock

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError, ProgrammingError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

UNAVAILABLE = "Sorry, the service is unavailable"


@pytest.fixture
def visitor():
    # A browser's view: the error page Django answers with, not the exception re-raised into the test.
    return Client(raise_request_exception=False)


def database_raises(error):
    """Make every database connection fail as it does when PostgreSQL is down."""
    return mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=error)


def connection_refused():
    return OperationalError('connection failed: connection to server at "127.0.0.1", port 5432 failed: '
                            "Connection refused")


def test_a_page_answers_503_with_the_friendly_page_while_the_database_is_down(visitor):
    with database_raises(connection_refused()):
        response = visitor.get("/")
    assert response.status_code == 503
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert f"<h1>{UNAVAILABLE}</h1>" in response.content.decode()


def test_the_503_page_shows_no_traceback_or_error_text(visitor):
    with database_raises(connection_refused()):
        page = visitor.get("/").content.decode()
    assert "Traceback" not in page and "OperationalError" not in page and "5432" not in page


def test_the_503_says_when_to_try_again_and_is_never_cached(visitor):
    with database_raises(connection_refused()):
        response = visitor.get("/")
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_dropped_connection_also_answers_503(visitor):
    with database_raises(InterfaceError("connection already closed")):
        assert visitor.get("/contract/").status_code == 503


def test_a_session_cookie_read_by_sign_in_checks_answers_503_while_the_database_is_down(visitor):
    # The session and the user are loaded lazily, by the first thing that asks (here @login_required).
    visitor.cookies["sessionid"] = "x" * 32
    with database_raises(connection_refused()):
        response = visitor.get("/supervise/")
    assert response.status_code == 503
    assert UNAVAILABLE in response.content.decode()


def test_a_sign_in_while_the_database_is_down_answers_503(visitor):
    # django-axes looks up earlier failed attempts before the password is checked.
    with database_raises(connection_refused()):
        response = visitor.post("/sign-in/", {"username": "sam", "password": "correct horse battery"})
    assert response.status_code == 503
    assert UNAVAILABLE in response.content.decode()


@pytest.mark.parametrize("error", [ProgrammingError("column does not exist"), IntegrityError("duplicate key")])
def test_a_database_error_that_is_a_bug_still_answers_500(visitor, error):
    with database_raises(error):
        response = visitor.get("/")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()
    assert "Retry-After" not in response


def test_healthz_answers_ok_without_the_database(visitor):
    with database_raises(connection_refused()) as ensure_connection:
        response = visitor.get("/healthz")
    assert (response.status_code, response.content, response["Content-Type"]) == (
        200, b"ok", "text/plain; charset=utf-8")
    assert "no-store" in response["Cache-Control"]
    ensure_connection.assert_not_called()


def test_readyz_answers_503_while_the_database_is_down(visitor):
    with database_raises(connection_refused()):
        response = visitor.get("/readyz")
    assert (response.status_code, response.content, response["Content-Type"]) == (
        503, b"database unavailable", "text/plain; charset=utf-8")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_answers_ready_when_the_database_answers(visitor):
    response = visitor.get("/readyz")
    assert (response.status_code, response.content) == (200, b"ready")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_checks_refuse_a_post(visitor, path):
    assert visitor.post(path).status_code == 405


def test_health_probes_over_plain_http_are_answered_not_redirected(settings):
    from django.test import Client

    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert [client.get(path).status_code for path in ("/healthz", "/")] == [200, 301]
