"""Signing in through the organisation's OpenID Connect providers, and signing out of them too.

Who may use these: anyone; a provider proves who someone is, and services/provider_accounts.py decides which
Drop-in account (if any) that opens.
"""
from django.contrib.auth import login, logout
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ..services import provider_accounts, sign_in_providers
from ..services.sign_in_providers import SESSION_KEY, SignInRefused
from .accounts import next_url_of

# Who signed in through a provider has no password to check: Django is told which backend vouches for her.
BACKEND = "sessions_app.backends.UsernameOrEmailBackend"


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
    login(request, user, backend=BACKEND)
    # After login(), which starts the session afresh: the second step reads it (services/accounts.py).
    request.session[SESSION_KEY] = {"provider": provider.key, "multi_factor": identity.multi_factor}
    wanted = kept.get("next") or ""
    return redirect(wanted if wanted.startswith("/") and not wanted.startswith("//") else reverse("supervise_home"))


@require_POST
def sign_out(request):
    """Who may use it: anyone (POST only, so a link cannot sign someone out). Ends the Drop-in sign-in and, for
    a sign-in through a provider that offers it, the provider's session too.
    """
    through = sign_in_providers.signed_in_through(request.session)
    logout(request)
    provider = sign_in_providers.provider_named(through.get("provider", ""))
    if provider is not None:
        address = sign_in_providers.sign_out_url(provider=provider,
                                                 come_back_to=request.build_absolute_uri(reverse("upcoming")))
        if address:
            return redirect(address)
    return redirect("upcoming")
