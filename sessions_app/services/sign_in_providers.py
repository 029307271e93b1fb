"""Signing in through an OpenID Connect provider: the protocol, done by Authlib. Nothing here knows accounts.

The authorization code flow with PKCE (S256); the state, nonce and code verifier wait in the person's session
and are used once; the ID token is verified against the provider's published keys, its issuer, audience, expiry
and nonce. Which account, if any, the person then signs in to is services/provider_accounts.py's to decide.
"""
import dataclasses
import hashlib
import logging
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.core.cache import cache
from ..models import ProviderIdentity
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError

logger = logging.getLogger(__name__)

SCOPES = "openid email profile"
TIMEOUT_SECONDS = 10
METADATA_SECONDS = 600
# RFC 8176's word for a sign-in with more than one factor: then no Drop-in code is asked for.
MULTI_FACTOR = "mfa"
# As long as ProviderIdentity keeps (OpenID Connect says at most 255 ASCII characters).
SUBJECT_LENGTH = ProviderIdentity._meta.get_field("subject").max_length


class SignInRefused(Exception):
    """A sign-in through a provider that cannot go on; `reason` is one of provider_accounts.REASONS."""

    def __init__(self, reason: str, *, email: str = "", user=None, invited: str = ""):
        super().__init__(reason)
        self.reason, self.email, self.user, self.invited = reason, email, user, invited


@dataclasses.dataclass(frozen=True)
class Provider:
    """One provider as the settings give it (DROPIN_SIGN_IN_PROVIDERS)."""

    key: str
    issuer: str
    client_id: str
    client_secret: str
    name: str
    domains: tuple[str, ...] = ()
    trusts_mfa: bool = False
    trusts_email: bool = False

    @property
    def label(self) -> str:
        return f"Sign in with {self.name}"

    def allows(self, email: str) -> bool:
        """Return whether an address is one this provider may sign in (any, when no domains are set)."""
        return not self.domains or email.rpartition("@")[2].lower() in self.domains


@dataclasses.dataclass(frozen=True)
class Identity:
    """Who the provider says signed in, from a verified ID token."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str
    multi_factor: bool


def providers() -> list[Provider]:
    """Return the providers the settings name, in their order."""
    return [Provider(key=key, issuer=value["issuer"], client_id=value["client_id"],
                     client_secret=value["client_secret"], name=value["name"],
                     domains=tuple(value.get("domains", ())), trusts_mfa=value.get("trusts_mfa", False),
                     trusts_email=value.get("trusts_email", False))
            for key, value in settings.DROPIN_SIGN_IN_PROVIDERS.items()]


def provider_origins() -> list[str]:
    """Return the origins (scheme, host and port) of the providers set: pages' forms may lead there."""
    return sorted({"{0.scheme}://{0.netloc}".format(urlsplit(provider.issuer)) for provider in providers()})


def provider_named(key: str) -> Provider | None:
    return next((provider for provider in providers() if provider.key == key), None)


def _registered(provider: Provider):
    """Return Authlib's client for a provider, not yet having asked the provider anything."""
    return OAuth().register(
        name=provider.key, client_id=provider.client_id, client_secret=provider.client_secret,
        server_metadata_url=provider.issuer.rstrip("/") + "/.well-known/openid-configuration",
        # Every question to the provider gives up after this long: a stalled provider must not hold workers.
        client_kwargs={"scope": SCOPES, "code_challenge_method": "S256", "default_timeout": TIMEOUT_SECONDS},
    )


def _metadata_key(provider: Provider) -> str:
    return "oidc-metadata:" + hashlib.sha256(provider.issuer.encode()).hexdigest()


def _client(provider: Provider, client=None):
    """Return Authlib's client for a provider, with its discovery document (and keys, once fetched).

    Both are kept in the cache for METADATA_SECONDS, so a sign-in, or anyone opening the start address, does not
    ask the provider each time; a key the provider has since added is fetched when a token names it (Authlib).
    """
    client = client or _registered(provider)
    kept = cache.get(_metadata_key(provider))
    client.server_metadata.update(kept or {})
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError, TypeError) as error:
        # TypeError: Authlib's answer to a discovery document that is not a JSON object.
        logger.warning("sign-in provider unreachable", extra={"provider": provider.key, "error": type(error).__name__})
        raise SignInRefused("unreachable")
    if not isinstance(metadata, dict) or metadata.get("issuer") != provider.issuer:
        # A discovery document for another issuer is not this provider's (OpenID Connect Discovery 4.3).
        raise SignInRefused("unreachable")
    if not kept:  # kept for METADATA_SECONDS from when it was fetched, not from when it was last used
        _metadata_keep(client, provider)
    return client


def _metadata_keep(client, provider: Provider) -> None:
    cache.set(_metadata_key(provider), dict(client.server_metadata), METADATA_SECONDS)


def authorization_url(*, provider: Provider, session, redirect_uri: str, keep: dict) -> str:
    """Return the provider's address to send the person to; the state, nonce and `keep` wait in her session."""
    client = _client(provider)
    try:
        started = client.create_authorization_url(redirect_uri)
    except RuntimeError:  # Authlib's word for a discovery document with no authorization endpoint
        logger.warning("sign-in provider unusable", extra={"provider": provider.key})
        raise SignInRefused("unreachable")
    client.framework.set_state_data(session, started["state"], {
        "redirect_uri": redirect_uri, "nonce": started["nonce"], "code_verifier": started["code_verifier"],
        "keep": keep,
    })
    return started["url"]


def identity_from_answer(*, provider: Provider, session, answer) -> tuple[Identity, dict]:
    """Return who signed in, from the provider's answer (the query it sent back), and what the start kept.

    The state is used up whatever happens, so an answer is taken once. Raise SignInRefused saying why not.
    """
    state = answer.get("state") or ""
    client = _registered(provider)
    started = client.framework.get_state_data(session, state) if state else None
    if state:
        client.framework.clear_state_data(session, state)
    if not started or not all(started.get(key) for key in ("nonce", "code_verifier", "redirect_uri")):
        raise SignInRefused("bad_state")
    # Only an answer this browser is waiting for costs a question to the provider.
    client = _client(provider, client)
    if answer.get("error"):
        raise SignInRefused("cancelled" if answer.get("error") == "access_denied" else "provider_error")
    if not answer.get("code"):
        raise SignInRefused("provider_error")
    try:
        token = client.fetch_access_token(code=answer["code"], redirect_uri=started["redirect_uri"],
                                          code_verifier=started["code_verifier"])
    except OAuthError:
        raise SignInRefused("code_refused")
    except requests.RequestException:
        raise SignInRefused("unreachable")
    except ValueError:
        raise SignInRefused("provider_error")
    return _verified(client, provider, token, nonce=started["nonce"]), started.get("keep") or {}


def _verified(client, provider: Provider, token: dict, *, nonce: str) -> Identity:
    """Return the identity an ID token gives, once its signature, issuer, audience, expiry and nonce are right."""
    if not token.get("id_token"):
        raise SignInRefused("bad_token")
    keys = client.server_metadata.get("jwks")
    try:
        claims = client.parse_id_token(token, nonce=nonce, leeway=60)
        if client.server_metadata.get("jwks") is not keys:  # the provider's keys, fetched just now
            _metadata_keep(client, provider)
    except ExpiredTokenError:
        raise SignInRefused("expired_token")
    except (InvalidClaimError, MissingClaimError) as error:
        claim = getattr(error, "claim", "")
        raise SignInRefused({"nonce": "bad_nonce", "aud": "wrong_audience", "azp": "wrong_audience",
                             "exp": "expired_token"}.get(claim, "bad_token"))
    except requests.RequestException:
        raise SignInRefused("unreachable")
    except (JoseError, ValueError, TypeError, KeyError, RuntimeError):
        # RuntimeError: Authlib's word for a provider that publishes no keys.
        raise SignInRefused("bad_token")
    email, methods, subject = claims.get("email"), claims.get("amr"), claims.get("sub")
    if not isinstance(subject, str) or not 0 < len(subject) <= SUBJECT_LENGTH:
        raise SignInRefused("bad_token")
    return Identity(
        issuer=claims["iss"], subject=subject, email=email if isinstance(email, str) else "",
        # Microsoft Entra ID sends no email_verified; its xms_edov says the address's domain owner is verified.
        email_verified=(claims.get("email_verified") is True or claims.get("xms_edov") is True
                        or provider.trusts_email),
        name=str(claims.get("name") or "")[:100],
        multi_factor=provider.trusts_mfa or (isinstance(methods, list) and MULTI_FACTOR in methods),
    )


def sign_out_url(*, provider: Provider, come_back_to: str) -> str | None:
    """Return the provider's address that ends its session too (RP-initiated logout), or None if it has none."""
    try:
        client = _client(provider)
    except SignInRefused:
        return None
    if not client.server_metadata.get("end_session_endpoint"):
        return None
    return client.create_logout_url(post_logout_redirect_uri=come_back_to, client_id=provider.client_id)["url"]
