"""A real OpenID Provider for the tests: panva's certified `oidc-provider` (tests/oidc_provider/server.mjs).

Register in tests/conftest.py with ``pytest_plugins = ["tests.oidc"]``. Fixtures:

- ``oidc_provider`` (session scope): the provider, started once per test worker on a free port of 127.0.0.1.
  Skipped with the reason where Node or tests/oidc_provider/node_modules is missing (run
  ``npm ci --prefix tests/oidc_provider``); with DROPIN_REQUIRE_OIDC set (CI sets it) that is a failure.
- ``oidc`` (function scope): the same provider, reset (starting accounts, real clock, no cookies) before
  the test.

Its clients: ``dropin`` (secret ``dropin-test-secret``) and ``other-client`` (``other-test-secret``),
client_secret_basic or client_secret_post, code flow, PKCE S256 required; any redirect_uri and
post_logout_redirect_uri under http://testserver/, http://127.0.0.1:<port>/ or http://localhost:<port>/.
Its accounts (login name = email): mfa@nhs.test (sub-mfa, amr pwd+mfa), plain@nhs.test (sub-plain, amr pwd),
unverified@nhs.test (sub-unverified, email_verified false); any other login name typed at its sign-in page is
an account with sub "sub-<login>", that email, verified, amr pwd. ID tokens: RS256, one hour, with email,
email_verified and name in the token itself, and the account's ``amr``.

The helpers ``log_in`` and ``end_session`` act as a browser without JavaScript at the provider only: the
standard library's http.client, never following a redirect that leaves the provider, and a cookie store of
their own (kept between calls, so ``end_session`` ends the session the last ``log_in`` made; cleared by
``reset``). Neither depends on Python's clock, so a test may freeze it.
"""
from __future__ import annotations

import http.client
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import pytest

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
SERVER = PROVIDER_DIR / "server.mjs"
START_TIMEOUT = 30  # seconds; it generates an RSA key at start
CLIENTS = {"dropin": "dropin-test-secret", "other-client": "other-test-secret"}


class ProviderError(AssertionError):
    """The provider answered with its error page (or something a browser could not go on from)."""

    def __init__(self, message: str, *, status: int | None = None, url: str = "",
                 error: str | None = None, error_description: str | None = None, body: str = ""):
        super().__init__(message)
        self.status, self.url, self.error, self.error_description, self.body = (
            status, url, error, error_description, body)


# --- a very small browser --------------------------------------------------------------------------

@dataclass
class _Form:
    id: str | None
    action: str | None
    method: str
    inputs: list[tuple[str, str, str]] = field(default_factory=list)  # (name, value, type)
    buttons: list[dict] = field(default_factory=list)


class _Forms(HTMLParser):
    """The forms of a page, their inputs and their submit buttons (also those tied by form="id")."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self._open: _Form | None = None
        self._loose_buttons: list[dict] = []
        self._button: dict | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._open = _Form(a.get("id"), a.get("action"), (a.get("method") or "get").lower())
            self.forms.append(self._open)
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            owner = self._owner(a)
            if owner is not None:
                owner.inputs.append((a["name"], a.get("value", ""), kind))
        elif tag == "button" and (a.get("type") or "submit").lower() == "submit":
            self._button = {"name": a.get("name"), "value": a.get("value", ""), "formaction": a.get("formaction"),
                            "form": a.get("form"), "text": "", "_owner": self._open}
            if a.get("form"):
                self._loose_buttons.append(self._button)
            elif self._open is not None:
                self._open.buttons.append(self._button)

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None
        elif tag == "button":
            self._button = None

    def handle_data(self, data):
        self.text.append(data)
        if self._button is not None:
            self._button["text"] += data

    def _owner(self, attrs):
        if attrs.get("form"):
            return next((f for f in self.forms if f.id == attrs["form"]), None)
        return self._open

    def close(self):
        super().close()
        for button in self._loose_buttons:
            form = next((f for f in self.forms if f.id == button["form"]), None)
            if form is not None:
                form.buttons.append(button)
        for form in self.forms:
            for button in form.buttons:
                button["text"] = " ".join(button["text"].split())


def _parse(body: str) -> _Forms:
    parser = _Forms()
    parser.feed(body)
    parser.close()
    return parser


class _Cookies:
    """Cookies of the one provider origin: by (name, path); session-long, whatever Set-Cookie's expiry says
    (the provider may move its clock, and a test may freeze Python's), except a deletion."""

    def __init__(self):
        self._jar: dict[tuple[str, str], str] = {}

    def clear(self):
        self._jar.clear()

    def header(self, path: str) -> str:
        matching = [(p, n, v) for (n, p), v in self._jar.items()
                    if path == p or path.startswith(p.rstrip("/") + "/") or p == "/"]
        matching.sort(key=lambda item: -len(item[0]))  # the most specific path first, as browsers do
        return "; ".join(f"{n}={v}" for _, n, v in matching)

    def take(self, set_cookie_headers: list[str], request_path: str):
        for header in set_cookie_headers:
            first, *attributes = header.split(";")
            name, _, value = first.strip().partition("=")
            attrs = {}
            for attr in attributes:
                key, _, val = attr.strip().partition("=")
                attrs[key.lower()] = val.strip()
            path = attrs.get("path") or request_path.rsplit("/", 1)[0] or "/"
            expired = "1970" in attrs.get("expires", "") or attrs.get("max-age", "").startswith(("0", "-"))
            if expired:
                self._jar.pop((name, path), None)
            else:
                self._jar[(name, path)] = value


# --- the provider -------------------------------------------------------------------------------------

class OIDCProvider:
    """The running test provider, and what a test does with it."""

    def __init__(self, issuer: str):
        self.issuer = issuer.rstrip("/")
        parts = urlsplit(self.issuer)
        self._host, self._port = parts.hostname, parts.port
        self._cookies = _Cookies()
        self._discovery: dict | None = None

    # Plain HTTP to the provider, never following a redirect.
    def _request(self, method: str, url: str, *, body: bytes | None = None, headers: dict | None = None,
                 cookies: bool = True):
        parts = urlsplit(url)
        path = parts.path or "/"
        target = path + (f"?{parts.query}" if parts.query else "")
        headers = {"Accept": "text/html,application/json", **(headers or {})}
        if cookies and (cookie := self._cookies.header(path)):
            headers["Cookie"] = cookie
        connection = http.client.HTTPConnection(self._host, self._port, timeout=15)
        try:
            connection.request(method, target, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read().decode("utf-8", "replace")
            if cookies:
                self._cookies.take(response.headers.get_all("Set-Cookie") or [], path)
            return response.status, response.headers, data
        finally:
            connection.close()

    def _is_provider(self, url: str) -> bool:
        parts = urlsplit(url)
        return (parts.scheme, parts.hostname, parts.port) == ("http", self._host, self._port)

    def _control(self, path: str, payload: dict) -> dict:
        status, _, data = self._request("POST", self.issuer + path, body=json.dumps(payload).encode(),
                                        headers={"Content-Type": "application/json"}, cookies=False)
        if status != 200:
            raise ProviderError(f"{path} answered {status}: {data.strip()}", status=status, body=data)
        return json.loads(data)

    # Test controls.
    def set_account(self, login: str, *, sub: str | None = None, email: str | None = None,
                    email_verified: bool | None = None, amr: list[str] | None = None,
                    name: str | None = None, xms_edov: bool | None = None,
                    no_email_verified: bool = False) -> dict:
        """Add or replace the account signed in as `login`; fields left out keep their value (or the
        default of a new login: sub "sub-<login>", email = login, verified, amr ["pwd"]). An account of
        another login with the same sub is replaced: a sub names one account. `no_email_verified` leaves
        the email_verified claim out of its tokens (as Entra ID does); `xms_edov` is Entra ID's claim that
        the address's domain owner is verified."""
        payload = {"login": login, "sub": sub, "email": email, "email_verified": email_verified,
                   "amr": amr, "name": name, "xms_edov": xms_edov}
        payload = {k: v for k, v in payload.items() if v is not None}
        if no_email_verified:
            payload["email_verified"] = None
        return self._control("/__test/accounts", payload)["account"]

    def move_clock(self, seconds: float) -> None:
        """Set the provider's clock to real time + `seconds` (not cumulative); -7200 issues tokens already
        expired (an ID token lives an hour)."""
        self._control("/__test/clock", {"offset_seconds": seconds})

    def reset(self) -> None:
        """The starting accounts, the real clock, and no cookies (no provider session) in the helpers."""
        self._control("/__test/reset", {})
        self._cookies.clear()

    def clear_cookies(self) -> None:
        """Forget the helpers' provider session (a new browser), leaving accounts and clock as they are."""
        self._cookies.clear()

    def discovery(self) -> dict:
        if self._discovery is None:
            status, _, data = self._request("GET", self.issuer + "/.well-known/openid-configuration",
                                            cookies=False)
            if status != 200:
                raise ProviderError(f"discovery answered {status}", status=status, body=data)
            self._discovery = json.loads(data)
        return self._discovery

    # Browser journeys at the provider.
    def log_in(self, authorize_url: str, login: str, *, cancel: bool = False, keep_session: bool = False) -> str:
        """Go from the client's authorization URL through the provider's sign-in page as `login` (or press
        Cancel) and return the URL the provider sends the browser back to, e.g.
        http://testserver/oidc/callback/?code=…&state=…&iss=…, without requesting it.

        By default this is a new browser (no provider session, so the sign-in page is always shown). With
        keep_session=True the session of the last log_in is kept: the provider may then send the browser
        straight back without asking, and `login` is used only if it asks."""
        if not keep_session:
            self._cookies.clear()
        back = self._browse(authorize_url, lambda url, forms, page: self._on_login_page(
            url, forms, page, login, cancel))
        if self._is_provider(back):
            raise ProviderError(f"the sign-in ended at the provider's own page {back}, not at the client", url=back)
        return back

    def end_session(self, url: str) -> str:
        """Follow an RP-initiated logout URL (the provider's end_session_endpoint) through its confirmation
        form ("Yes, sign out") and return the post_logout_redirect_uri it sends the browser to (or the
        provider's own "signed out" page when the request named none), without requesting it."""
        return self._browse(url, self._on_logout_page)

    def _browse(self, url: str, on_page) -> str:
        method, body, headers = "GET", None, {}
        for _ in range(25):
            if not self._is_provider(url):
                return url
            status, response_headers, page = self._request(method, url, body=body, headers=headers)
            if status in (301, 302, 303, 307, 308):
                url = urljoin(url, response_headers["Location"])
                if status in (301, 302, 303):
                    method, body, headers = "GET", None, {}
                continue
            forms = _parse(page)
            step = on_page(url, forms, page) if status == 200 or (status == 400 and forms.forms) else None
            if step is None:
                if status == 200 and not forms.forms:
                    return url  # a page of the provider's own with nothing to press, e.g. "signed out"
                raise self._page_error(status, url, page, forms)
            method, url, fields = step
            body = urlencode(fields).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
        raise ProviderError(f"more than 25 steps at the provider from {url}", url=url)

    def _on_login_page(self, url, forms, page, login, cancel):
        form = next((f for f in forms.forms if any(name == "login" for name, _, _ in f.inputs)), None)
        if form is None:
            return self._continue(url, forms)  # e.g. the provider's "Continue" when the account changes
        if "id=\"login-error\"" in page:
            raise self._page_error(400, url, page, forms)
        wanted = "Cancel" if cancel else "Sign in"
        button = next((b for b in form.buttons if b["text"] == wanted), None)
        if button is None:
            raise ProviderError(f"no {wanted!r} button on the sign-in page {url}", url=url, body=page)
        fields = [(n, v) for n, v, _ in form.inputs if n != "login"] + [("login", login)]
        if button["name"]:
            fields.append((button["name"], button["value"]))
        return "POST", urljoin(url, button["formaction"] or form.action or url), fields

    def _on_logout_page(self, url, forms, page):
        form = next((f for f in forms.forms if f.method == "post"), None)
        if form is None:
            return None
        button = next((b for b in form.buttons if b["text"] == "Yes, sign out"), None)
        return self._submit(url, form, button)

    def _continue(self, url, forms):
        form = next((f for f in forms.forms if f.method == "post"), None)
        if form is None:
            return None
        return self._submit(url, form, form.buttons[0] if form.buttons else None)

    @staticmethod
    def _submit(url, form, button):
        fields = [(n, v) for n, v, _ in form.inputs]
        if button and button["name"]:
            fields.append((button["name"], button["value"]))
        return "POST", urljoin(url, (button or {}).get("formaction") or form.action or url), fields

    @staticmethod
    def _page_error(status, url, page, forms):
        text = " ".join(" ".join(forms.text).split())
        parsed = _Details()
        parsed.feed(page)
        error, description = parsed.values.get("error"), parsed.values.get("error_description")
        return ProviderError(f"the provider answered {status} at {url}: {text[:500]}", status=status, url=url,
                             error=error, error_description=description, body=page)


class _Details(HTMLParser):
    """The <span class="error">…</span> and <span class="error_description">…</span> of the error page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self._key = None

    def handle_starttag(self, tag, attrs):
        if tag == "span":
            self._key = dict(attrs).get("class")

    def handle_endtag(self, tag):
        self._key = None

    def handle_data(self, data):
        if self._key:
            self.values[self._key] = self.values.get(self._key, "") + data


# --- starting and stopping it ------------------------------------------------------------------------

def _unavailable(reason: str):
    if os.environ.get("DROPIN_REQUIRE_OIDC"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _start():
    node = shutil.which("node")
    if node is None:
        _unavailable("no `node` on PATH for the test OpenID Provider: install Node.js 20.18 or later with npm "
                     "(Debian bookworm's is too old), then run npm ci --prefix tests/oidc_provider")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        _unavailable("the test OpenID Provider is not installed: run npm ci --prefix tests/oidc_provider")

    log = tempfile.TemporaryFile(mode="w+", prefix="dropin-oidc-provider-")
    process = subprocess.Popen([node, str(SERVER)], cwd=PROVIDER_DIR, env={**os.environ, "PORT": "0"},
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, text=True)
    lines: queue.Queue = queue.Queue()

    def read():  # the first line is the address; anything after it is drained so the pipe never fills
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True, name="oidc-provider-stdout").start()
    try:
        line = lines.get(timeout=START_TIMEOUT)
    except queue.Empty:
        line = None
    if not line or not line.startswith("listening http://"):
        process.kill()
        process.wait()
        log.seek(0)
        _unavailable(f"the test OpenID Provider did not start (first line {line!r}): {log.read()[-2000:]}")
    return process, log, line.split(None, 1)[1].strip()


def _stop(process, log):
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


@pytest.fixture(scope="session")
def oidc_provider():
    """The real OpenID Provider, one per test worker, on 127.0.0.1 at a free port."""
    process, log, issuer = _start()
    try:
        yield OIDCProvider(issuer)
    finally:
        _stop(process, log)


@pytest.fixture
def oidc(oidc_provider):
    """The provider as it starts: starting accounts, the real clock, no provider session in the helpers
    (and so again after the test, for tests that use oidc_provider alone)."""
    oidc_provider.reset()
    yield oidc_provider
    oidc_provider.reset()
