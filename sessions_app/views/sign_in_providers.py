"""Signing in through the organisation's OpenID Connect providers (signing out is views/accounts.py's).

Who may use these: anyone; a provider proves who someone is, and services/provider_accounts.py decides which
Drop-in account (if any) that opens.
"""
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..backends import PASSWORD_BACKEND
from ..services import accounts, provider_accounts, sign_in_providers
from ..services.sign_in_providers import SignInRefused
from .accounts import next_url_of


def _provider(key: str) -> sign_in_providers.Provider:
    provider = sign_in_providers.provider_named(key)
    if provider is None:
        raise Http404("No such sign-in provider.")
    return provider


def answer_address(request, provider: sign_in_providers.Provider) -> str:
    """Return the address the provider sends the person back to (registered with the provider)."""
    return request.build_absolute_uri(reverse("sign_in_provider_answer", args=[provider.key]))


def start(request, provider: sign_in_providers.Provider, keep: dict):
    """Send the person to the provider; what `keep` holds comes back with her answer."""
    try:
        address = sign_in_providers.authorization_url(
            provider=provider, session=request.session, redirect_uri=answer_address(request, provider), keep=keep)
    except SignInRefused as refusal:
        return refused(request, provider, refusal)
    return redirect(address)


def refused(request, provider: sign_in_providers.Provider, refusal: SignInRefused):
    words, status = provider_accounts.refusal_words(refusal=refusal, provider=provider)
    return render(request, "accounts/provider_refused.html", {
        "provider": provider, "words": words, "reason": refusal.reason,
    }, status=status)


@require_GET
def sign_in_with(request, provider: str):
    """Go to the provider to sign in; `next` says where to land afterwards."""
    provider = _provider(provider)
    return start(request, provider, keep={"next": next_url_of(request)})


@require_GET  # not HEAD: a HEAD that signed in would use the answer up and give no page
def sign_in_answer(request, provider: str):
    """The provider's answer: sign in to the account it opens, or say plainly why not."""
    provider = _provider(provider)
    try:
        user, identity, kept = provider_accounts.sign_in(provider=provider, session=request.session,
                                                         answer=request.GET, now=timezone.now())
    except SignInRefused as refusal:
        return refused(request, provider, refusal)
    login(request, user, backend=PASSWORD_BACKEND)
    # After login(), which starts the session afresh: the second step reads it.
    accounts.provider_sign_in_keep(session=request.session, provider=provider.key,
                                   multi_factor=identity.multi_factor)
    # Checked at the start (next_url_of), and kept in her session since.
    return redirect(kept.get("next") or "supervise_home")
