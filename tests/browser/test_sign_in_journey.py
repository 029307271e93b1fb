"""Signing in with the organisation's account, in a real Chromium, by keyboard alone, JavaScript on and off.

The provider is real (tests/oidc.py). An invited supervisor accepts her invitation by signing in at the provider
(which reports two factors, so Drop-in asks no code of its own), signs out of both, and signs in again through
the provider; a person with an account at the provider but no invitation is refused with a plain page. Every
page reached, the provider's too, passes axe's WCAG 2.2 A and AA rules (`Journey.check`).
"""
import re
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from sessions_app.models import ProviderIdentity, User
from sessions_app.services import invitations
from tests.factories import make_manager, make_room, make_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def sign_in_at_provider(you, address: str) -> None:
    """At the provider's own sign-in page: type the address and press Sign in."""
    assert you.page.url.startswith(you.provider_issuer), you.page.url
    you.check()
    you.type("input[name=login]", address)
    you.press("button:has-text('Sign in')")


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript on", "javascript off"])
def test_an_invited_supervisor_signs_in_with_her_organisations_account(journey, live_server, mailoutbox, settings,
                                                                       oidc, javascript):
    settings.DROPIN_REQUIRE_2FA = True
    settings.DROPIN_SIGN_IN_PROVIDERS = {"nhsmail": {
        "issuer": oidc.issuer, "client_id": "dropin", "client_secret": "dropin-test-secret", "name": "NHSmail",
        "domains": ["nhs.test"], "trusts_mfa": False, "trusts_email": False}}
    site = make_site(name="HMP Northgate", slug="hmp-northgate")
    make_room(site, name="Wellbeing room")
    invitations.invitation_send(actor=make_manager(site, display_name="Morgan Lee"), email="mfa@nhs.test",
                                role="supervisor", sites=[site], now=timezone.now())
    link = re.search(r"https?://\S+/invitations/\S+/", mailoutbox[-1].body).group(0)
    you = journey("sign-in-with-provider", javascript=javascript, width=1280 if javascript else 390)
    you.provider_issuer = oidc.issuer
    page = you.page

    # She answers the invitation: her name, and "With my NHSmail account" (the first choice) instead of a password.
    you.go(live_server, urlparse(link).path)
    you.check("invitation")
    you.type("#id_display_name", "Priya Shah")
    you.type("#id_role_title", "Charge Nurse")
    assert page.locator("input[name=sign_in_by][value=nhsmail]").is_checked()
    you.press("button:has-text('Continue')")
    sign_in_at_provider(you, "mfa@nhs.test")
    assert urlparse(page.url).path == "/supervise/", page.url  # two factors at NHSmail: no Drop-in code asked
    you.check("workspace")
    user = User.objects.get(email="mfa@nhs.test")
    assert user.display_name == "Priya Shah" and not user.has_usable_password()
    assert ProviderIdentity.objects.filter(user=user, subject="sub-mfa").exists()

    # Signing out ends NHSmail's session too: it asks, and comes back to the drop-ins.
    you.press("footer button:has-text('Sign out')")
    assert page.url.startswith(oidc.issuer), page.url
    you.check("provider-sign-out")
    you.press("button:has-text('Yes, sign out')")
    assert urlparse(page.url).path == "/", page.url
    you.check()

    # She signs in again through NHSmail, from Drop-in's sign-in page.
    you.go(live_server, "/sign-in/")
    you.check("sign-in")
    you.press("main a:has-text('Sign in with NHSmail')")
    sign_in_at_provider(you, "mfa@nhs.test")
    assert urlparse(page.url).path == "/supervise/", page.url
    you.check()
    you.press("footer button:has-text('Sign out')")
    you.check()
    you.press("button:has-text('Yes, sign out')")
    you.check()

    # Someone with an NHSmail account but no invitation gets a plain page saying so, and is not signed in.
    you.go(live_server, "/sign-in/")
    you.check()
    you.press("main a:has-text('Sign in with NHSmail')")
    sign_in_at_provider(you, "stranger@nhs.test")
    main = page.locator("main").inner_text()
    assert "You could not be signed in" in main and "There is no Drop-in account for stranger@nhs.test" in main
    you.check("refused")
    assert page.locator("footer button:has-text('Sign out')").count() == 0
    you.finish()
