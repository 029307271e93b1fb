"""Signing in through an OpenID Connect provider, against a real one (tests/oidc.py), through the pages.

Every refusal the issue names is driven for real: the provider is never mocked.
"""
import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions_app.models import AuditEntry, Invitation, ProviderIdentity, User
from sessions_app.services import sign_in_providers
from tests.factories import make_manager, make_supervisor, make_user
from tests.helpers import CAST, the_cast

pytestmark = pytest.mark.django_db

START = reverse("sign_in_with", args=["nhsmail"])
ANSWER = reverse("sign_in_provider_answer", args=["nhsmail"])


def provider_settings(issuer: str, **overrides) -> dict:
    return {"nhsmail": {"issuer": issuer, "client_id": "dropin", "client_secret": "dropin-test-secret",
                        "name": "NHSmail", "domains": ["nhs.test"], "trusts_mfa": False, "trusts_email": False}
            | overrides}


@pytest.fixture
def provider(settings, oidc):
    """NHSmail, as a deployment would set it, is the real provider; two-factor sign-in is required."""
    settings.DROPIN_SIGN_IN_PROVIDERS = provider_settings(oidc.issuer)
    settings.DROPIN_REQUIRE_2FA = True
    return oidc


def answer_path(url: str) -> str:
    """Return the path and query of the provider's answer, as Django's test client asks for it."""
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "testserver", ANSWER), url
    return f"{parts.path}?{parts.query}"


def signed_in_at_provider(client, oidc, login: str, start: str = START) -> object:
    """Start at Drop-in, sign in at the provider as `login`, and return Drop-in's answer to the provider's."""
    started = client.get(start)
    assert started.status_code == 302, started.content
    return client.get(answer_path(oidc.log_in(started.url, login)))


def refusal(response, status: int, words: str):
    assert response.status_code == status, response.content
    page = response.content.decode()
    assert "You could not be signed in" in page or "You are not signed in" in page
    assert words in page, page
    assert "_auth_user_id" not in response.wsgi_request.session
    return page


def last_audit(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).order_by("-pk").first()


@pytest.fixture
def logged(log_buffer):
    """Return a function that gives what has been logged so far (the real LOGGING, into a buffer)."""
    return log_buffer.getvalue


def refused_in_the_log(logs: str, reason: str) -> bool:
    return any('"message": "sign-in answer refused"' in line and f'"reason": "{reason}"' in line
               for line in logs.splitlines())


# With no provider set, nothing changes


def test_with_no_provider_set_the_sign_in_page_is_as_before_and_the_provider_urls_are_not_found(client, settings):
    settings.DROPIN_SIGN_IN_PROVIDERS = {}
    page = client.get(reverse("sign_in")).content.decode()
    assert "Sign in with" not in page and "Or sign in with your Drop-in password" not in page
    assert client.get(START).status_code == 404
    assert client.get(ANSWER).status_code == 404


def test_the_sign_in_page_offers_each_provider_set(client, settings):
    settings.DROPIN_SIGN_IN_PROVIDERS = provider_settings("https://nhsmail.invalid") | {
        "hmpps": provider_settings("https://hmpps.invalid", name="HMPPS")["nhsmail"]}
    page = client.get(reverse("sign_in") + "?next=/insights/").content.decode()
    assert 'href="/sign-in/with/nhsmail/?next=/insights/">Sign in with NHSmail</a>' in page
    assert 'href="/sign-in/with/hmpps/?next=/insights/">Sign in with HMPPS</a>' in page
    assert "Or sign in with your Drop-in password" in page


def test_forms_may_lead_to_the_providers_set_and_nowhere_else(client, settings):
    def form_action() -> list[str]:
        header = client.get(reverse("upcoming")).headers["Content-Security-Policy"]
        return next(part.split()[1:] for part in header.split(";") if part.split()[0] == "form-action")

    settings.DROPIN_SIGN_IN_PROVIDERS = {}
    assert form_action() == ["'self'"]
    settings.DROPIN_SIGN_IN_PROVIDERS = provider_settings("https://login.nhsmail.example/tenant/v2.0/")
    assert form_action() == ["'self'", "https://login.nhsmail.example"]


# Signing in


def test_the_start_uses_the_code_flow_with_pkce_state_and_nonce(client, provider):
    started = client.get(START)
    query = parse_qs(urlsplit(started.url).query)
    assert started.url.startswith(provider.issuer)
    assert query["response_type"] == ["code"] and query["client_id"] == ["dropin"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0] and "openid" in query["scope"][0].split()
    assert query["redirect_uri"] == ["http://testserver" + ANSWER]


def test_a_person_with_an_account_signs_in_and_her_subject_is_remembered(client, provider):
    user = make_supervisor(email="MFA@nhs.test")
    answered = signed_in_at_provider(client, provider, "mfa@nhs.test", START + "?next=/supervise/rooms/")
    assert answered.status_code == 302 and answered.url == "/supervise/rooms/"
    assert client.get("/supervise/rooms/").status_code == 200  # the provider gave two factors: no Drop-in code
    identity = ProviderIdentity.objects.get(user=user)
    assert (identity.issuer, identity.subject) == (provider.issuer, "sub-mfa")
    assert identity.last_signed_in_at is not None
    entry = last_audit("signed_in_with_provider")
    assert entry.actor == user and entry.after == {"provider": "nhsmail", "multi_factor": True}


def test_without_multi_factor_at_the_provider_the_drop_in_code_is_asked_for_as_with_a_password(client, provider):
    make_supervisor(email="plain@nhs.test")
    answered = signed_in_at_provider(client, provider, "plain@nhs.test")
    assert answered.status_code == 302
    workspace = client.get(reverse("supervise_home"))
    assert workspace.status_code == 302 and workspace.url.startswith(reverse("two_factor_setup"))


def test_a_provider_trusted_to_enforce_multi_factor_needs_no_drop_in_code(client, settings, provider):
    settings.DROPIN_SIGN_IN_PROVIDERS = provider_settings(provider.issuer, trusts_mfa=True)
    make_supervisor(email="plain@nhs.test")
    signed_in_at_provider(client, provider, "plain@nhs.test")
    assert client.get(reverse("supervise_home")).status_code == 200


def test_a_changed_email_at_the_provider_neither_locks_her_out_nor_lets_another_in(client, provider):
    user = make_supervisor(email="plain@nhs.test")
    signed_in_at_provider(client, provider, "plain@nhs.test")
    client.logout()
    # Her address changes at the provider: the remembered subject still finds her account.
    provider.set_account("plain@nhs.test", sub="sub-plain", email="renamed@nhs.test")
    answered = signed_in_at_provider(client, provider, "plain@nhs.test")
    assert answered.status_code == 302 and answered.wsgi_request.user == user
    client.logout()
    # Someone else now has her old address at the provider: her account is not theirs.
    provider.set_account("newcomer", sub="sub-newcomer", email="plain@nhs.test")
    refusal(signed_in_at_provider(client, provider, "newcomer"), 403,
            "This Drop-in account signs in with a different NHSmail account")
    assert ProviderIdentity.objects.filter(subject="sub-newcomer").count() == 0


# Invitations


def invitation_to(email: str, site) -> tuple[Invitation, str]:
    from sessions_app.services import invitations

    manager = make_manager(site)
    invitation = invitations.invitation_send(actor=manager, email=email, role="supervisor", sites=[site],
                                             now=timezone.now())
    return invitation, invitations.invitation_token(invitation=invitation)


def test_an_invitation_is_accepted_by_signing_in_at_the_provider(client, site, provider, mailoutbox):
    invitation, token = invitation_to("mfa@nhs.test", site)
    page = client.get(reverse("invitation_accept", args=[token])).content.decode()
    assert "With my NHSmail account" in page and "With a Drop-in password" in page
    started = client.post(reverse("invitation_accept", args=[token]),
                          {"display_name": "Priya Shah", "role_title": "Charge Nurse", "sign_in_by": "nhsmail"})
    assert started.status_code == 302 and started.url.startswith(provider.issuer)
    answered = client.get(answer_path(provider.log_in(started.url, "mfa@nhs.test")))
    assert answered.status_code == 302 and answered.url == reverse("supervise_home")
    user = User.objects.get(email="mfa@nhs.test")
    assert (user.display_name, user.role_title, user.has_usable_password()) == ("Priya Shah", "Charge Nurse", False)
    assert list(user.supervised_sites.all()) == [site]
    assert ProviderIdentity.objects.get(user=user).subject == "sub-mfa"
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    assert client.get(reverse("supervise_home")).status_code == 200


def test_an_invitation_whose_address_has_since_got_an_account_is_refused_plainly(client, site, provider):
    invitation, token = invitation_to("mfa@nhs.test", site)
    started = client.post(reverse("invitation_accept", args=[token]),
                          {"display_name": "Priya Shah", "sign_in_by": "nhsmail"})
    make_user(email="MFA@nhs.test")
    refusal(client.get(answer_path(provider.log_in(started.url, "mfa@nhs.test"))), 403,
            "There is already a Drop-in account for mfa@nhs.test")
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_an_invitation_is_not_accepted_by_someone_else_at_the_provider(client, site, provider):
    invitation, token = invitation_to("mfa@nhs.test", site)
    started = client.post(reverse("invitation_accept", args=[token]),
                          {"display_name": "Priya Shah", "sign_in_by": "nhsmail"})
    refusal(client.get(answer_path(provider.log_in(started.url, "plain@nhs.test"))), 403,
            "This invitation is for mfa@nhs.test, but you signed in to NHSmail as plain@nhs.test")
    assert not User.objects.filter(email__in=["mfa@nhs.test", "plain@nhs.test"]).exists()
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_the_invitation_form_keeps_what_was_typed_and_needs_a_password_only_for_a_password(client, site, provider):
    _, token = invitation_to("mfa@nhs.test", site)
    refused = client.post(reverse("invitation_accept", args=[token]),
                          {"display_name": "Priya Shah", "role_title": "Charge Nurse", "sign_in_by": "password"})
    page = refused.content.decode()
    assert refused.status_code == 200 and "Choose a password." in page
    assert 'value="Priya Shah"' in page and 'value="Charge Nurse"' in page
    assert 'value="password" checked' in page and 'value="nhsmail" checked' not in page
    without_name = client.post(reverse("invitation_accept", args=[token]), {"sign_in_by": "nhsmail"})
    assert without_name.status_code == 200 and "Enter your name." in without_name.content.decode()


# Refusals, each a plain page, each audited without a token


def test_a_person_with_a_provider_account_but_no_invitation_is_refused(client, provider):
    page = refusal(signed_in_at_provider(client, provider, "stranger@nhs.test"), 403,
                   "There is no Drop-in account for stranger@nhs.test")
    assert "ask a manager of your site to invite you" in page
    assert not User.objects.exists()
    entry = last_audit("sign_in_refused")
    assert (entry.reason, entry.actor, entry.actor_address, entry.object_id) == (
        "not_invited", None, "stranger@nhs.test", None)


def test_a_deactivated_account_is_refused_first_time_and_once_linked(client, provider):
    user = make_supervisor(email="mfa@nhs.test", is_active=False)
    refusal(signed_in_at_provider(client, provider, "mfa@nhs.test"), 403, "has been deactivated")
    user.is_active = True
    user.save()
    signed_in_at_provider(client, provider, "mfa@nhs.test")
    client.logout()
    user.is_active = False
    user.save()
    refusal(signed_in_at_provider(client, provider, "mfa@nhs.test"), 403, "has been deactivated")
    assert last_audit("sign_in_refused").object_id == user.pk


def test_an_email_the_provider_has_not_verified_is_refused(client, provider):
    make_supervisor(email="unverified@nhs.test")
    refusal(signed_in_at_provider(client, provider, "unverified@nhs.test"), 403,
            "NHSmail has not confirmed that unverified@nhs.test is your address")
    assert not ProviderIdentity.objects.exists()


def test_an_address_outside_the_allowed_domains_is_refused(client, settings, provider):
    settings.DROPIN_SIGN_IN_PROVIDERS = provider_settings(provider.issuer, domains=["nhs.net"])
    make_supervisor(email="mfa@nhs.test")
    refusal(signed_in_at_provider(client, provider, "mfa@nhs.test"), 403, "mfa@nhs.test is not one")


def test_a_provider_that_cannot_be_reached_gets_a_plain_page(client, settings):
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.DROPIN_SIGN_IN_PROVIDERS = provider_settings(f"http://127.0.0.1:{port}")
    refusal(client.get(START), 503, "NHSmail could not be reached")


def test_a_provider_that_stops_answering_during_the_sign_in_gets_a_plain_page(client, settings, provider):
    import socket

    make_supervisor(email="mfa@nhs.test")
    answer = answer_path(provider.log_in(client.get(START).url, "mfa@nhs.test"))
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        settings.DROPIN_SIGN_IN_PROVIDERS = provider_settings(f"http://127.0.0.1:{closed.getsockname()[1]}")
    refusal(client.get(answer), 503, "NHSmail could not be reached")
    # Garbage sent to the answer address costs no question to the provider: it is refused at once.
    refusal(client.get(ANSWER + "?code=x&state=y"), 400, "did not belong to it")


def test_cancelling_at_the_provider_changes_nothing(client, provider, logged):
    make_supervisor(email="mfa@nhs.test")
    started = client.get(START)
    refusal(client.get(answer_path(provider.log_in(started.url, "mfa@nhs.test", cancel=True))), 400,
            "You stopped signing in at NHSmail")
    assert refused_in_the_log(logged(), "cancelled")
    assert not AuditEntry.objects.filter(action="sign_in_refused").exists()  # nobody was vouched for


def test_a_tampered_or_replayed_state_is_refused(client, provider):
    make_supervisor(email="mfa@nhs.test")
    started = client.get(START)
    answer = answer_path(provider.log_in(started.url, "mfa@nhs.test"))
    state = parse_qs(urlsplit(answer).query)["state"][0]
    refusal(client.get(answer.replace(state, state[:-2] + "xx")), 400, "did not belong to it")
    # The tampered try used nothing up: the real answer still works, once.
    assert client.get(answer).status_code == 302
    client.logout()
    refusal(client.get(answer), 400, "did not belong to it, or had already been used")
    refusal(client.get(ANSWER), 400, "did not belong to it")


def test_an_answer_started_in_another_browser_is_refused(client, provider):
    from django.test import Client

    make_supervisor(email="mfa@nhs.test")
    answer = answer_path(provider.log_in(Client().get(START).url, "mfa@nhs.test"))
    refusal(client.get(answer), 400, "did not belong to it")


def test_a_wrong_nonce_is_refused(client, provider, logged):
    make_supervisor(email="mfa@nhs.test")
    started = client.get(START)
    session = client.session
    key = next(key for key in session.keys() if key.startswith("_state_"))
    waiting = session[key]
    waiting["data"]["nonce"] = "not-the-nonce-the-provider-was-given"
    session[key] = waiting
    session.save()
    refusal(client.get(answer_path(provider.log_in(started.url, "mfa@nhs.test"))), 400, "was not made for it")
    assert refused_in_the_log(logged(), "bad_nonce")


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def test_a_code_given_to_another_client_is_refused(client, provider):
    make_supervisor(email="mfa@nhs.test")
    state = parse_qs(urlsplit(client.get(START).url).query)["state"][0]
    # The provider gives another service a code, which is brought to Drop-in with Drop-in's own state.
    _, challenge = _pkce()
    other = provider.discovery()["authorization_endpoint"] + "?" + urlencode({
        "response_type": "code", "client_id": "other-client", "redirect_uri": "http://testserver" + ANSWER,
        "scope": "openid email", "state": state, "nonce": "n", "code_challenge": challenge,
        "code_challenge_method": "S256"})
    refusal(client.get(answer_path(provider.log_in(other, "mfa@nhs.test"))), 400, "NHSmail did not accept it")
    assert not ProviderIdentity.objects.exists()


def token_for(provider, client_id: str, secret: str, *, nonce: str, login: str = "mfa@nhs.test") -> dict:
    """Return the token response the provider gives a client after `login` signs in (as that client would)."""
    import json
    import urllib.request

    verifier, challenge = _pkce()
    answer = provider.log_in(provider.discovery()["authorization_endpoint"] + "?" + urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": "http://testserver/cb/",
        "scope": "openid email", "state": "s", "nonce": nonce, "code_challenge": challenge,
        "code_challenge_method": "S256"}), login)
    code = parse_qs(urlsplit(answer).query)["code"][0]
    request = urllib.request.Request(provider.discovery()["token_endpoint"], data=urlencode({
        "grant_type": "authorization_code", "code": code, "redirect_uri": "http://testserver/cb/",
        "code_verifier": verifier, "client_id": client_id, "client_secret": secret}).encode())
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def verified(token: dict, nonce: str):
    """Check a token as Drop-in's sign-in does, against the provider set as NHSmail."""
    nhsmail = sign_in_providers.provider_named("nhsmail")
    return sign_in_providers._verified(sign_in_providers._client(nhsmail), nhsmail, token, nonce=nonce)


def test_an_id_token_for_another_client_is_refused(provider):
    """The audience check itself, on a real token the provider issued to another client."""
    token = token_for(provider, "other-client", "other-test-secret", nonce="n-1")
    with pytest.raises(sign_in_providers.SignInRefused) as refused:
        verified(token, "n-1")
    assert refused.value.reason == "wrong_audience"


def test_an_id_token_is_checked_against_the_providers_published_keys(provider):
    import json

    token = token_for(provider, "dropin", "dropin-test-secret", nonce="n-2")
    assert verified(token, "n-2").email == "mfa@nhs.test"  # the real token passes
    header, payload, signature = token["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["email"] = "someone.else@nhs.test"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(sign_in_providers.SignInRefused) as refused:
        verified(token | {"id_token": f"{header}.{forged}.{signature}"}, "n-2")
    assert refused.value.reason == "bad_token"
    with pytest.raises(sign_in_providers.SignInRefused) as refused:
        verified(token | {"id_token": f"{header}.{payload}."}, "n-2")  # no signature at all
    assert refused.value.reason == "bad_token"


def test_an_expired_id_token_is_refused(client, provider, logged):
    make_supervisor(email="mfa@nhs.test")
    started = client.get(START)
    provider.move_clock(-2 * 3600)  # the provider's clock two hours behind: its one-hour token is already old
    refusal(client.get(answer_path(provider.log_in(started.url, "mfa@nhs.test"))), 400, "had expired")
    assert refused_in_the_log(logged(), "expired_token")


def test_an_answer_from_the_provider_with_an_error_is_refused(client, provider):
    state = parse_qs(urlsplit(client.get(START).url).query)["state"][0]
    refusal(client.get(ANSWER + "?" + urlencode({"state": state, "error": "server_error"})), 400,
            "NHSmail could not sign you in")


def test_no_audit_entry_holds_a_token_or_code(client, provider):
    make_supervisor(email="mfa@nhs.test")
    started = client.get(START)
    answer = answer_path(provider.log_in(started.url, "mfa@nhs.test"))
    client.get(answer)
    client.logout()
    stopped = answer_path(provider.log_in(client.get(START).url, "stranger@nhs.test"))
    client.get(stopped)  # no account for her: refused, and audited
    code, state = (parse_qs(urlsplit(answer).query)[key][0] for key in ("code", "state"))
    entries = list(AuditEntry.objects.filter(action__in=["signed_in_with_provider", "sign_in_refused"]))
    assert len(entries) == 2
    for entry in entries:
        text = f"{entry.before} {entry.after} {entry.reason} {entry.actor_address}"
        assert code not in text and state not in text and "eyJ" not in text
        assert parse_qs(urlsplit(stopped).query)["state"][0] not in text


# Signing out


def test_signing_out_ends_the_providers_session_too(client, provider):
    make_supervisor(email="mfa@nhs.test")
    signed_in_at_provider(client, provider, "mfa@nhs.test")
    signed_out = client.post(reverse("sign_out"))
    assert "_auth_user_id" not in client.session
    assert signed_out.status_code == 302
    query = parse_qs(urlsplit(signed_out.url).query)
    assert signed_out.url.startswith(provider.discovery()["end_session_endpoint"])
    assert query["client_id"] == ["dropin"] and query["post_logout_redirect_uri"] == ["http://testserver/"]
    assert provider.end_session(signed_out.url).startswith("http://testserver/")
    # Signed out at the provider too: the next sign-in there asks who she is again.
    assert provider.log_in(client.get(START).url, "mfa@nhs.test").startswith("http://testserver" + ANSWER)


def test_signing_out_after_a_password_sign_in_stays_with_drop_in(client, provider):
    client.force_login(make_supervisor())
    signed_out = client.post(reverse("sign_out"))
    assert (signed_out.status_code, signed_out.url) == (302, reverse("upcoming"))


# The access table for the new URLs, with a provider set


@pytest.fixture
def cast(site, supervisor, manager, other_supervisor):
    """The same people as the access table's."""
    return the_cast(supervisor=supervisor, manager=manager, other_supervisor=other_supervisor)


@pytest.mark.parametrize("who", CAST)
def test_the_provider_urls_answer_each_role_alike(client, settings, site, cast, provider, who):
    settings.DROPIN_REQUIRE_2FA = False  # as in tests/views/test_access.py: no code is due
    if cast[who] is not None:
        client.force_login(cast[who])
    started = client.get(START)
    assert started.status_code == 302 and started.url.startswith(provider.issuer)
    assert client.get(ANSWER).status_code == 400  # no answer of its own to take
    assert client.post(START).status_code == 405 and client.post(ANSWER).status_code == 405
    assert client.get(reverse("sign_in_with", args=["unknown"])).status_code == 404


def test_her_account_page_says_how_she_signs_in(client, site, provider):
    invitation, token = invitation_to("mfa@nhs.test", site)
    started = client.post(reverse("invitation_accept", args=[token]),
                          {"display_name": "Priya Shah", "sign_in_by": "nhsmail"})
    client.get(answer_path(provider.log_in(started.url, "mfa@nhs.test")))
    page = client.get(reverse("account")).content.decode()
    assert "You sign in with your NHSmail account." in page
    assert "You have no Drop-in password" in page and reverse("password_change") not in page


def test_a_provider_name_that_cannot_be_in_an_address_or_an_issuer_without_https_is_refused_at_start(settings):
    from sessions_app.checks import sign_in_providers as check

    settings.DROPIN_SIGN_IN_PROVIDERS = provider_settings("https://login.example") | {
        "NHS mail": provider_settings("http://login.example")["nhsmail"]}
    settings.DEBUG = False
    assert [problem.id for problem in check(None)] == ["dropin.E002", "dropin.E003"]
    settings.DROPIN_SIGN_IN_PROVIDERS = provider_settings("https://login.example")
    assert check(None) == []


def test_the_logs_keep_no_code_or_state_from_a_refused_answer(client, provider, logged):
    make_supervisor(email="mfa@nhs.test")
    answer = answer_path(provider.log_in(client.get(START).url, "mfa@nhs.test"))
    client.get(answer)
    client.logout()
    refusal(client.get(answer), 400, "had already been used")  # a replay: logged, not audited
    code, state = (parse_qs(urlsplit(answer).query)[key][0] for key in ("code", "state"))
    logs = logged()
    assert refused_in_the_log(logs, "bad_state") and ANSWER in logs
    assert code not in logs and state not in logs


def test_nobody_can_fill_the_audit_from_outside(client, provider, logged):
    """Made-up answers, and answers to sign-ins a script started itself and cancelled or broke, before the
    provider vouched for anyone: refused and logged, never audited."""
    for _ in range(3):
        client.get(ANSWER + "?" + urlencode({"state": secrets.token_urlsafe(), "code": "x"}))
        state = parse_qs(urlsplit(client.get(START).url).query)["state"][0]
        client.get(ANSWER + "?" + urlencode({"state": state, "error": "access_denied"}))
        state = parse_qs(urlsplit(client.get(START).url).query)["state"][0]
        client.get(ANSWER + "?" + urlencode({"state": state, "error": "server_error"}))
    assert not AuditEntry.objects.filter(action="sign_in_refused").exists()
    logs = logged()
    assert all(refused_in_the_log(logs, reason) for reason in ("bad_state", "cancelled", "provider_error"))


def test_a_provider_that_stalls_is_given_up_on_and_gets_a_plain_page(client, settings, monkeypatch):
    import socket
    import time

    monkeypatch.setattr(sign_in_providers, "TIMEOUT_SECONDS", 1)
    with socket.socket() as stalled:  # takes the connection, never answers
        stalled.bind(("127.0.0.1", 0))
        stalled.listen()
        settings.DROPIN_SIGN_IN_PROVIDERS = provider_settings(f"http://127.0.0.1:{stalled.getsockname()[1]}")
        began = time.monotonic()
        refusal(client.get(START), 503, "NHSmail could not be reached")
        assert time.monotonic() - began < 5


def test_a_look_alike_address_at_the_provider_opens_no_account(client, provider):
    make_supervisor(email="alice@nhs.test")
    for look_alike in ("al\u0131ce@nhs.test", "alice@nhs.te\u017ft", "\u0430lice@nhs.test"):  # ı, ſ, Cyrillic а
        provider.set_account(look_alike, sub=f"sub-{len(look_alike)}-{ord(look_alike[2])}", email=look_alike)
        # No account for it, or (ſ) not an allowed domain: refused either way.
        refusal(signed_in_at_provider(client, provider, look_alike), 403, look_alike)
    assert not ProviderIdentity.objects.exists()


def test_a_subject_too_long_to_keep_is_refused_plainly(client, provider):
    make_supervisor(email="long@nhs.test")
    provider.set_account("long@nhs.test", sub="s" * 256, email="long@nhs.test")
    refusal(signed_in_at_provider(client, provider, "long@nhs.test"), 400, "could not be checked")


def test_a_head_request_does_not_use_up_an_answer(client, provider):
    make_supervisor(email="mfa@nhs.test")
    answer = answer_path(provider.log_in(client.get(START).url, "mfa@nhs.test"))
    assert client.head(answer).status_code == 405
    assert client.get(answer).status_code == 302


def test_someone_half_signed_in_may_sign_in_through_a_provider_instead(client, provider):
    """Password given, code not yet: the provider's sign-in (with two factors) is a new sign-in of its own."""
    user = make_supervisor(email="mfa@nhs.test")
    client.force_login(user)
    assert client.get(reverse("supervise_home")).url.startswith(reverse("two_factor_setup"))
    answered = signed_in_at_provider(client, provider, "mfa@nhs.test")
    assert answered.status_code == 302 and answered.url == reverse("supervise_home")
    assert client.get(reverse("supervise_home")).status_code == 200


def test_an_invitation_withdrawn_while_she_is_at_the_provider_makes_no_account(client, site, provider):
    from sessions_app.services import invitations

    invitation, token = invitation_to("mfa@nhs.test", site)
    started = client.post(reverse("invitation_accept", args=[token]),
                          {"display_name": "Priya Shah", "sign_in_by": "nhsmail"})
    invitations.invitation_revoke(actor=invitation.invited_by, invitation=invitation, now=timezone.now())
    refusal(client.get(answer_path(provider.log_in(started.url, "mfa@nhs.test"))), 403,
            "This invitation can no longer be used")
    assert not User.objects.filter(email="mfa@nhs.test").exists()


def test_entra_ids_verified_domain_claim_counts_as_a_verified_address(client, provider):
    """Microsoft Entra ID sends no email_verified; xms_edov true says the address's domain owner is verified."""
    make_supervisor(email="entra@nhs.test")
    provider.set_account("entra@nhs.test", sub="sub-entra", no_email_verified=True)
    refusal(signed_in_at_provider(client, provider, "entra@nhs.test"), 403, "has not confirmed")
    provider.set_account("entra@nhs.test", sub="sub-entra", no_email_verified=True, xms_edov=False)
    refusal(signed_in_at_provider(client, provider, "entra@nhs.test"), 403, "has not confirmed")
    provider.set_account("entra@nhs.test", sub="sub-entra", no_email_verified=True, xms_edov=True)
    assert signed_in_at_provider(client, provider, "entra@nhs.test").status_code == 302
    assert ProviderIdentity.objects.get(subject="sub-entra").user.email == "entra@nhs.test"


def test_a_provider_trusted_for_its_addresses_needs_no_verified_claim(client, settings, provider):
    settings.DROPIN_SIGN_IN_PROVIDERS = provider_settings(provider.issuer, trusts_email=True)
    make_supervisor(email="unverified@nhs.test")
    assert signed_in_at_provider(client, provider, "unverified@nhs.test").status_code == 302


@pytest.mark.parametrize("document", [b"[]", b'"issuer"', b"not json"])
def test_a_discovery_document_that_makes_no_sense_gets_a_plain_page(client, settings, document):
    import http.server
    import threading

    class Discovery(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Discovery)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.DROPIN_SIGN_IN_PROVIDERS = provider_settings(f"http://127.0.0.1:{server.server_port}")
        refusal(client.get(START), 503, "NHSmail could not be reached")
    finally:
        server.shutdown()


def test_a_discovery_document_with_no_authorization_endpoint_gets_a_plain_page(client, settings, provider):
    from django.core.cache import cache

    document = dict(provider.discovery())
    del document["authorization_endpoint"]
    document["_loaded_at"] = 0
    cache.set(sign_in_providers._metadata_key(sign_in_providers.provider_named("nhsmail")), document, 60)
    refusal(client.get(START), 503, "NHSmail could not be reached")


def test_what_the_provider_publishes_is_kept_from_when_it_was_fetched(client, provider, monkeypatch):
    """The discovery document and keys are fetched once and kept 10 minutes; using them does not keep them longer."""
    kept = []
    keep = sign_in_providers._metadata_keep
    monkeypatch.setattr(sign_in_providers, "_metadata_keep", lambda client, provider: (
        kept.append(sorted(client.server_metadata)), keep(client, provider)))
    make_supervisor(email="mfa@nhs.test")
    signed_in_at_provider(client, provider, "mfa@nhs.test")  # fetches the document, then the keys
    client.logout()
    signed_in_at_provider(client, provider, "mfa@nhs.test")  # uses both as kept
    client.get(START)
    assert len(kept) == 2 and "jwks" not in kept[0] and "jwks" in kept[1]
