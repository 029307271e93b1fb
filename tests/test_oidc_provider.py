"""The test OpenID Provider itself (tests/oidc.py, tests/oidc_provider/), without Drop-in's sign-in code:
a client written here by hand speaks the protocol to it, so the tests of Drop-in's client stand on a provider
known to behave like a real one.
"""
import base64
import hashlib
import http.client
import json
import secrets
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

# The fixtures oidc and oidc_provider come from tests/conftest.py: pytest_plugins = ["tests.oidc"].
from tests.oidc import CLIENTS, ProviderError

CALLBACK = "http://testserver/cb/"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def header_of(jwt: str) -> dict:
    header = jwt.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))


def http_call(method, url, *, body=None, headers=None):
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=15)
    try:
        connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body,
                           headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


class Request:
    """One authorization request, as a client makes it."""

    def __init__(self, provider, *, client_id="dropin", redirect_uri=CALLBACK, pkce=True,
                 scope="openid email profile"):
        self.provider, self.client_id, self.redirect_uri = provider, client_id, redirect_uri
        self.state, self.nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        self.verifier = secrets.token_urlsafe(48)
        params = {"client_id": client_id, "response_type": "code", "scope": scope, "redirect_uri": redirect_uri,
                  "state": self.state, "nonce": self.nonce}
        if pkce:
            params |= {"code_challenge": b64url(hashlib.sha256(self.verifier.encode()).digest()),
                       "code_challenge_method": "S256"}
        self.url = provider.discovery()["authorization_endpoint"] + "?" + urlencode(params)

    def code(self, login):
        back = self.provider.log_in(self.url, login)
        assert back.startswith(self.redirect_uri + "?"), back
        query = parse_qs(urlsplit(back).query)
        assert query["state"] == [self.state]
        return query["code"][0]

    def token(self, code, *, client_id=None, auth="basic"):
        client_id = client_id or self.client_id
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                "code_verifier": self.verifier}
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if auth == "basic":
            secret = base64.b64encode(f"{client_id}:{CLIENTS[client_id]}".encode()).decode()
            headers["Authorization"] = f"Basic {secret}"
        else:
            form |= {"client_id": client_id, "client_secret": CLIENTS[client_id]}
        status, body = http_call("POST", self.provider.discovery()["token_endpoint"],
                                 body=urlencode(form).encode(), headers=headers)
        return status, json.loads(body)

    def id_token(self, login, **kwargs):
        status, body = self.token(self.code(login), **kwargs)
        assert status == 200, body
        return claims_of(body["id_token"]), body


def test_discovery_names_the_issuer_logout_and_pkce(oidc):
    discovery = oidc.discovery()
    assert discovery["issuer"] == oidc.issuer
    assert discovery["end_session_endpoint"].startswith(oidc.issuer + "/")
    assert "S256" in discovery["code_challenge_methods_supported"]
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256"]
    assert {"openid", "email", "profile"} <= set(discovery["scopes_supported"])
    status, jwks = http_call("GET", discovery["jwks_uri"])
    assert status == 200 and [key["kty"] for key in json.loads(jwks)["keys"]] == ["RSA"]


def test_sign_in_with_mfa_gives_an_id_token_with_the_claims_and_amr(oidc):
    request = Request(oidc)
    back = oidc.log_in(request.url, "mfa@nhs.test")
    query = parse_qs(urlsplit(back).query)
    assert back.startswith(CALLBACK + "?")
    assert query["state"] == [request.state] and query["iss"] == [oidc.issuer]

    status, body = request.token(query["code"][0])
    assert status == 200, body
    token = claims_of(body["id_token"])
    assert header_of(body["id_token"])["alg"] == "RS256"
    assert token["iss"] == oidc.issuer
    assert token["aud"] == "dropin"
    assert token["nonce"] == request.nonce
    assert token["sub"] == "sub-mfa"
    assert token["email"] == "mfa@nhs.test" and token["email_verified"] is True
    assert token["name"]
    assert "mfa" in token["amr"]
    assert token["exp"] - token["iat"] == 3600 and token["exp"] > time.time()


def test_plain_and_unverified_accounts_and_any_other_login(oidc):
    plain, _ = Request(oidc).id_token("plain@nhs.test")
    assert (plain["sub"], plain["amr"], plain["email_verified"]) == ("sub-plain", ["pwd"], True)
    unverified, _ = Request(oidc).id_token("unverified@nhs.test")
    assert (unverified["sub"], unverified["email_verified"]) == ("sub-unverified", False)
    stranger, _ = Request(oidc).id_token("nobody@elsewhere.test")
    assert (stranger["sub"], stranger["email"], stranger["email_verified"], stranger["amr"]) == (
        "sub-nobody@elsewhere.test", "nobody@elsewhere.test", True, ["pwd"])


def test_client_secret_post_works_too(oidc):
    token, _ = Request(oidc).id_token("plain@nhs.test", auth="post")
    assert token["aud"] == "dropin"


def test_cancel_returns_access_denied_to_the_client(oidc):
    request = Request(oidc)
    back = oidc.log_in(request.url, "mfa@nhs.test", cancel=True)
    query = parse_qs(urlsplit(back).query)
    assert back.startswith(CALLBACK + "?")
    assert query["error"] == ["access_denied"] and query["state"] == [request.state]
    assert "code" not in query


def test_a_request_without_pkce_is_refused(oidc):
    request = Request(oidc, pkce=False)
    back = oidc.log_in(request.url, "mfa@nhs.test")
    query = parse_qs(urlsplit(back).query)
    assert query["error"] == ["invalid_request"], back
    assert "PKCE" in query["error_description"][0]
    assert "code" not in query


def test_redirect_uris_only_under_the_test_hosts(oidc):
    for allowed in ("http://127.0.0.1:8123/oidc/callback/", "http://localhost:5999/x/", "http://testserver/a/b/"):
        assert oidc.log_in(Request(oidc, redirect_uri=allowed).url, "plain@nhs.test").startswith(allowed + "?")
    for refused in ("http://evil.test/cb/", "https://testserver/cb/", "http://testserver:8000/cb/"):
        with pytest.raises(ProviderError) as refusal:
            oidc.log_in(Request(oidc, redirect_uri=refused).url, "plain@nhs.test")
        assert refusal.value.error == "invalid_redirect_uri"


def test_a_code_is_good_once_and_for_its_own_client(oidc):
    request = Request(oidc)
    code = request.code("plain@nhs.test")
    status, body = request.token(code, client_id="other-client")
    assert (status, body["error"]) == (400, "invalid_grant"), body
    status, body = request.token(code)
    assert status == 200, body
    status, body = request.token(code)
    assert (status, body["error"]) == (400, "invalid_grant"), body


def test_a_token_issued_with_the_clock_two_hours_back_has_already_expired(oidc):
    oidc.move_clock(-7200)
    token, _ = Request(oidc).id_token("plain@nhs.test")
    assert token["exp"] < time.time() - 3000
    oidc.reset()
    token, _ = Request(oidc).id_token("plain@nhs.test")
    assert token["exp"] > time.time() + 3000


def test_set_account_changes_the_email_in_the_next_id_token(oidc):
    request = Request(oidc)
    before, _ = request.id_token("plain@nhs.test")
    assert before["email"] == "plain@nhs.test"
    oidc.set_account("plain@nhs.test", sub="sub-plain", email="renamed@nhs.test")
    after, _ = Request(oidc).id_token("plain@nhs.test")
    assert (after["sub"], after["email"]) == ("sub-plain", "renamed@nhs.test")
    oidc.set_account("other@nhs.test", sub="sub-other", email="plain@nhs.test", email_verified=True, amr=["pwd", "mfa"])
    other, _ = Request(oidc).id_token("other@nhs.test")
    assert (other["sub"], other["email"], other["amr"]) == ("sub-other", "plain@nhs.test", ["pwd", "mfa"])


def test_reset_restores_the_starting_accounts(oidc):
    oidc.set_account("plain@nhs.test", sub="sub-plain", email="renamed@nhs.test")
    oidc.reset()
    token, _ = Request(oidc).id_token("plain@nhs.test")
    assert token["email"] == "plain@nhs.test"


def test_rp_initiated_logout_with_client_id_lands_on_the_post_logout_uri(oidc):
    request = Request(oidc)
    request.id_token("plain@nhs.test")
    logout = oidc.discovery()["end_session_endpoint"] + "?" + urlencode(
        {"client_id": "dropin", "post_logout_redirect_uri": "http://testserver/signed-out/", "state": "s1"})
    assert oidc.end_session(logout) == "http://testserver/signed-out/?state=s1"
    # The provider's session is gone: the next authorization asks to sign in again.
    again = Request(oidc)
    back = oidc.log_in(again.url, "mfa@nhs.test", keep_session=True)
    assert parse_qs(urlsplit(back).query)["state"] == [again.state]


def test_without_logout_the_provider_session_signs_in_again_without_asking(oidc):
    Request(oidc).id_token("mfa@nhs.test")
    again = Request(oidc)
    back = oidc.log_in(again.url, "ignored@nhs.test", keep_session=True)
    status, body = again.token(parse_qs(urlsplit(back).query)["code"][0])
    assert status == 200 and claims_of(body["id_token"])["sub"] == "sub-mfa"


def test_a_post_logout_uri_elsewhere_is_refused(oidc):
    logout = oidc.discovery()["end_session_endpoint"] + "?" + urlencode(
        {"client_id": "dropin", "post_logout_redirect_uri": "http://evil.test/"})
    with pytest.raises(ProviderError) as refusal:
        oidc.end_session(logout)
    assert refusal.value.error == "invalid_request"
