"""Security headers on every response, with production settings, and no page markup the CSP would refuse.

Aimed at an A+ on Mozilla's HTTP Observatory: a Content-Security-Policy without 'unsafe-inline' or
'unsafe-eval' that frames nothing, HSTS of at least six months, nosniff, DENY, a same-origin referrer,
opener and resource policy, powerful features off, and cookies that are Secure, HttpOnly and SameSite.
"""
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib import admin
from django.db import OperationalError
from django.test import Client, RequestFactory
from django.urls import path, reverse

from dropin import urls as project_urls
from sessions_app.models import Announcement
from tests.factories import make_contract, make_series_session, make_user
from tests.helpers import PRODUCTION, run_manage
from tests.url_walk import url_paths

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SIX_MONTHS = 15768000  # seconds: the Observatory's minimum for HSTS
SECURITY_SETTINGS = [
    "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE",
]
UNSAFE = {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "http:", "https:"}
MARKUP = ("text/html", "image/svg+xml")
# Script elements that are data, not code: the browser never runs them, so the CSP has nothing to say.
DATA_SCRIPTS = {"application/json", "application/ld+json"}


@pytest.fixture(scope="module")
def production():
    """Return the security settings as a production start (DEBUG=false) reads them from the environment."""
    code = ("import json; from django.conf import settings; "
            f"print(json.dumps({{name: getattr(settings, name) for name in {SECURITY_SETTINGS!r}}}))")
    result = run_manage("shell", "-c", code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def in_production(settings, production):
    """Run the app with production's security settings, over HTTPS as production is."""
    for name, value in production.items():
        if name != "DEBUG":  # pytest-django runs every test with DEBUG off already
            setattr(settings, name, value)
    return settings


@pytest.fixture
def session(site, supervisor):
    session = make_series_session(site=site, room=site.rooms.first(), supervisor=supervisor)
    # An email already sent, so "Email the changes" shows its preview too.
    Announcement.objects.create(site=site, starts_on=session.starts_at.date(), ends_on=session.starts_at.date(),
                                recipients=1)
    return session


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in filter(None, (part.strip() for part in policy.split(";"))):
        name, *sources = part.split()
        assert name not in directives, f"{name} twice in {policy}"
        directives[name] = sources
    return directives


def assert_secure_headers(response, where) -> None:
    """Check the headers every response carries: pages, redirects, errors, files and feeds."""
    directives = csp_directives(response)
    for name, sources in directives.items():
        assert not UNSAFE & set(sources), (where, name, sources)
    assert directives["default-src"] == ["'self'"], where
    assert directives["frame-ancestors"] == ["'none'"], where
    assert directives["object-src"] == ["'none'"], where
    assert directives["base-uri"] in (["'none'"], ["'self'"]), where
    assert directives["form-action"] == ["'self'"], where
    hsts = dict(re.findall(r"([\w-]+)(?:=(\d+))?", response["Strict-Transport-Security"]))
    assert int(hsts["max-age"]) >= SIX_MONTHS and "includeSubDomains" in hsts, where
    assert response["X-Content-Type-Options"] == "nosniff", where
    assert response["X-Frame-Options"] == "DENY", where
    assert response["Referrer-Policy"] in ("same-origin", "no-referrer"), where
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", where
    assert response["Cross-Origin-Resource-Policy"] == "same-origin", where
    features = dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))
    assert features["camera"] == features["microphone"] == features["geolocation"] == "()", where


class _Markup(HTMLParser):
    """Collect what a Content-Security-Policy without 'unsafe-inline' would refuse in a page."""

    def __init__(self, nonce: str | None):
        super().__init__()
        self.nonce, self.refused = nonce, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.refused.append(f"<{tag} {name}=…> (event handler attribute)")
            if name == "style":
                self.refused.append(f"<{tag} style=…> (style attribute)")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.refused.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.refused.append("<style> element")
        if tag == "script" and "src" not in attrs and attrs.get("type") not in DATA_SCRIPTS:
            if self.nonce is None or attrs.get("nonce") != self.nonce:
                self.refused.append("inline <script> without this response's nonce")

    handle_startendtag = handle_starttag


def refused_markup(response) -> list[str]:
    """Return what in this response's markup the CSP would refuse (nothing for other kinds of response)."""
    if not response.get("Content-Type", "").startswith(MARKUP):
        return []
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    parser = _Markup(nonce.group(1) if nonce else None)
    parser.feed(b"".join(response).decode() if response.streaming else response.content.decode())
    return parser.refused


def assert_safe(response, where) -> None:
    assert_secure_headers(response, where)
    assert refused_markup(response) == [], where


def get(client, path, **extra):
    return client.get(path, secure=True, **extra)


# Every page, as each of the people it serves.

@pytest.mark.parametrize("who", ["anonymous", "supervisor", "manager"])
def test_every_page_carries_the_security_headers_and_nothing_the_csp_refuses(
        client, in_production, session, supervisor, manager, who):
    person = {"anonymous": None, "supervisor": supervisor, "manager": manager}[who]
    if person:
        client.force_login(person)
    paths = url_paths(session=session, contract=make_contract(version=1))
    statuses = set()
    for name, page in paths.items():
        response = get(client, page)
        statuses.add(response.status_code)
        assert_safe(response, (who, name, page, response.status_code))
    # The walk met pages, redirects and refusals, so each kind of response was checked.
    assert {200, 302, 405} <= statuses


def test_the_announcement_previews_are_checked_too(client, in_production, session, supervisor):
    client.force_login(supervisor)
    for name in ["supervise_announce", "supervise_announce_changes"]:
        response = get(client, reverse(name))
        assert 'class="dropin-email"' in response.content.decode(), name
        assert refused_markup(response) == [], name


# Error pages.

def _fails(request):
    raise RuntimeError("Something broke")


def _database_gone(request):
    raise OperationalError("connection to server failed: Connection refused")


urlpatterns = [path("fails/", _fails), path("database-gone/", _database_gone), *project_urls.urlpatterns]
handler404, handler500 = project_urls.handler404, project_urls.handler500


@pytest.mark.parametrize("page, status", [
    ("/no-such-page/", 404),
    ("/supervise/sessions/999999/", 404),
    ("/sign-out/", 405),
    ("/fails/", 500),
    ("/database-gone/", 503),
])
def test_error_pages_carry_the_security_headers(in_production, site, page, status):
    in_production.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    client.force_login(make_user(is_superuser=True))
    response = get(client, page)
    assert response.status_code == status
    assert_safe(response, page)


def test_a_request_for_an_unknown_host_is_refused_with_the_headers(client, in_production):
    response = get(client, "/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    assert_safe(response, "bad host")


def test_a_post_without_a_csrf_token_gets_a_page_the_csp_allows(in_production, site):
    response = Client(enforce_csrf_checks=True).post("/sign-in/", {"username": "sam", "password": "x"}, secure=True)
    assert response.status_code == 403
    assert "Sorry, your form was not sent" in response.content.decode()
    assert_safe(response, "csrf failure")


# Static files: WhiteNoise answers them above most middleware, below the header middleware.

@pytest.mark.parametrize("file", [
    "css/dropin.css", "js/dropin.js", "vendor/nhsuk-frontend-10.6.1/nhsuk-frontend.min.js",
    "vendor/nhsuk-frontend-10.6.1/assets/images/favicon.svg", "admin/css/base.css",
])
def test_static_files_carry_the_security_headers(in_production, file):
    in_production.WHITENOISE_USE_FINDERS = True  # serve from static/ as in development; read when the client starts
    response = get(Client(), f"/static/{file}")
    assert response.status_code == 200
    assert_secure_headers(response, file)


# The admin: Django's own pages must work under the same policy.

def admin_pages(user) -> list[tuple[str, int]]:
    """Return each admin page with the status a superuser gets (403 adding what the admin keeps read-only)."""
    request = RequestFactory().get("/admin/")
    request.user = user
    pages = [(reverse("admin:index"), 200), (reverse("admin:password_change"), 200)]
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        pages += [(reverse("admin:%s_%s_changelist" % info), 200),
                  (reverse("admin:%s_%s_add" % info), 200 if model_admin.has_add_permission(request) else 403)]
        obj = model.objects.first()
        if obj is not None:
            pages += [(reverse("admin:%s_%s_change" % info, args=[obj.pk]), 200),
                      (reverse("admin:%s_%s_history" % info, args=[obj.pk]), 200)]
    return pages


def test_every_admin_page_carries_the_headers_and_nothing_the_csp_refuses(client, in_production, session):
    superuser = make_user(is_superuser=True, is_staff=True)
    client.force_login(superuser)
    for page, status in admin_pages(superuser):
        response = get(client, page)
        assert response.status_code == status, page
        assert_safe(response, page)


# Cookies.

def set_cookies(response) -> dict[str, dict]:
    """Return the cookies a response sets (not those it deletes), each with its flags."""
    return {name: morsel for name, morsel in response.cookies.items() if morsel.value}


def assert_cookie_flags(morsel) -> None:
    assert morsel["secure"] is True, morsel.key
    assert morsel["samesite"] in ("Lax", "Strict"), morsel.key
    assert morsel["httponly"] is True, morsel.key


def test_every_cookie_the_app_sets_is_secure_httponly_and_samesite(client, in_production, site, supervisor):
    supervisor.set_password("a long enough password 1")
    supervisor.save()
    seen = {}
    for response in [
        get(client, "/sign-in/"),  # the CSRF cookie
        client.post("/sign-in/", {"username": supervisor.username, "password": "a long enough password 1"},
                    secure=True),  # the session cookie
        client.post(f"/pulse/{site.slug}/", {"score": "4"}, secure=True),  # the pulse's answered-this-week cookie
    ]:
        assert_secure_headers(response, response.request["PATH_INFO"])
        seen.update(set_cookies(response))
    assert {"csrftoken", "sessionid", "dropin_pulse"} <= set(seen)
    for morsel in seen.values():
        assert_cookie_flags(morsel)


def test_production_settings_meet_the_observatory(production):
    assert production["DEBUG"] is False
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= SIX_MONTHS and production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SESSION_COOKIE_SECURE"] is production["CSRF_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert production["CSRF_COOKIE_SAMESITE"] in ("Lax", "Strict")


# Templates no walk reaches (the 500 and 503 pages for every outage, a future page): same rules.

INLINE = re.compile(r"""<style\b|\sstyle\s*=|\son[a-z]+\s*=|<script\b(?![^>]*\bsrc=)|=\s*["']?\s*javascript:""", re.I)


@pytest.mark.parametrize("template", sorted(
    str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html") if path.parts[-2] != "emails"))
def test_no_template_holds_inline_script_style_or_handlers(template):
    source = re.sub(r"{#.*?#}|{% comment %}.*?{% endcomment %}", "", (TEMPLATES / template).read_text(), flags=re.S)
    assert INLINE.findall(source) == [], f"{template}: move it to static/css or static/js (see the CSP in settings)"


# A shared ward computer: after signing out, Back must show nothing of the workspace.

def test_every_response_to_a_signed_in_person_is_never_stored(client, site, supervisor, manager):
    session = make_series_session(site=site, room=site.rooms.first(), supervisor=supervisor)
    paths = url_paths(session=session, contract=make_contract(version=1))
    client.force_login(manager)
    for name, address in paths.items():
        if name == "sign_out":
            continue
        response = client.get(address)
        assert response["Cache-Control"] == "private, no-store", (name, response.get("Cache-Control"))
        assert "Expires" not in response, name


def test_anonymous_pages_may_still_be_kept(client, site):
    assert "no-store" not in client.get("/").get("Cache-Control", "")


def test_a_sign_in_ends_with_the_browser_and_after_8_idle_hours(client, supervisor):
    import time_machine
    from django.conf import settings

    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE and settings.SESSION_COOKIE_AGE == 8 * 3600
    with time_machine.travel("2026-12-01 09:00 +0000", tick=False) as clock:
        client.force_login(supervisor)
        response = client.get("/supervise/")
        assert response.status_code == 200
        cookie = response.cookies[settings.SESSION_COOKIE_NAME]
        assert not cookie["max-age"] and not cookie["expires"]  # the cookie ends with the browser
        clock.shift(7 * 3600 + 3500)
        assert client.get("/supervise/").status_code == 200  # used within 8 hours: the idle time starts again
        clock.shift(7 * 3600 + 3500)
        assert client.get("/supervise/").status_code == 200
        clock.shift(8 * 3600 + 60)
        assert client.get("/supervise/")["Location"].startswith("/sign-in/")


def test_a_feeds_304_repeats_its_cache_control(client, site):
    first = client.get(f"/calendar/{site.slug}.ics")
    again = client.get(f"/calendar/{site.slug}.ics", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["Cache-Control"] == first["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("path", ["/", "/contract/", "/pulse/hmp-northgate/", "/calendar/hmp-northgate.ics", "/healthz"])
def test_head_gets_the_headers_and_no_body(path, site):
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    make_contract(version=1)
    # As gunicorn calls the app: Django's test client would remove a HEAD body itself and hide the fault.
    answers = {}

    def call(method):
        environ = getattr(RequestFactory(), method)(path).environ
        # As the test client does: the test's own transaction holds the connection, which must stay open.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            body = b"".join(WSGIHandler()(environ, lambda status, headers, exc_info=None: answers.update(
                {method: (status, dict(headers))})))
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return answers[method], body

    (got_status, got_headers), got_body = call("get")
    (head_status, head_headers), head_body = call("head")
    assert head_status == got_status == "200 OK"
    assert head_body == b"" and int(head_headers["Content-Length"]) == len(got_body)


def test_every_page_has_a_description(client, site, supervisor):
    session = make_series_session(site=site, room=site.rooms.first(), supervisor=supervisor)
    client.force_login(supervisor)
    for name, address in url_paths(session=session, contract=make_contract(version=1)).items():
        response = client.get(address)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            assert re.search(r'<meta name="description" content="[^"]{40,}">', response.content.decode()), name
