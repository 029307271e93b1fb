"""A new deployment set up by its own people, in a real Chromium, by keyboard alone, JavaScript on and off.

A service administrator invites a manager; the manager accepts, chooses a password, sets up two-factor
sign-in (the test computes each code from the key the page shows, as an authenticator app would), adds a
prison with two teams and a room, and invites a supervisor; the supervisor accepts the same way and publishes
a series; staff see it on the public page. The invitations are read from Django's outbox. Every page passes
axe's WCAG 2.2 A and AA rules (`Journey.check`).
"""
import base64
import datetime
import re
import time
from urllib.parse import urlparse

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from sessions_app.models import Session, Site, User
from tests.browser.conftest import nav

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "a long enough password for the admin"
OTP_WAIT = 2.5


def code_for(key: bytes) -> str:
    """Return the 6-digit code an authenticator app shows now for this key."""
    return f"{TOTP(key).token():06d}"


def invitation_link(mailoutbox, address: str) -> str:
    message = next(message for message in reversed(mailoutbox) if message.to == [address])
    return re.search(r"https?://\S+/invitations/\S+/", message.body).group(0)


def accept(you, live_server, link: str, *, name: str, title: str, password: str) -> None:
    """Answer an invitation: the name staff see, a password, then two-factor sign-in with a computed code."""
    you.go(live_server, urlparse(link).path)  # the email links to DROPIN_BASE_URL; here, the test's server
    you.check()
    you.type("#id_display_name", name)
    you.type("#id_role_title", title)
    you.type("#id_password1", password)
    you.type("#id_password2", password)
    you.press("button:has-text('Create my account')")
    assert "/account/two-factor/add/" in you.page.url
    you.check("two-factor-setup")
    key = base64.b32decode(you.page.locator("#secret-key").inner_text().replace(" ", "").upper())
    you.type("#id_code", "000000" if code_for(key) != "000000" else "111111")
    you.press("button:has-text('Turn on two-factor sign-in')")
    you.assert_error_summary_has_focus()
    you.check("two-factor-wrong-code")
    time.sleep(OTP_WAIT)  # after a wrong code, django-otp checks no other for a second: as a person would wait
    you.type("#id_code", code_for(key))
    you.press("button:has-text('Turn on two-factor sign-in')")
    assert "Save your recovery codes" in you.page.locator("main").inner_text()
    you.check("recovery-codes")
    you.press("main a:has-text('continue')")
    assert you.page.url.endswith("/supervise/")
    you.check()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript on", "javascript off"])
def test_a_new_deployment_is_set_up_by_its_own_people(journey, live_server, mailoutbox, settings, javascript):
    settings.DROPIN_REQUIRE_2FA = True
    admin = User.objects.create_user(username="digital.team@example.nhs.uk", email="digital.team@example.nhs.uk",
                                     password=PASSWORD, is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=admin, name="Phone", confirmed=True)
    you = journey("new-deployment", javascript=javascript, width=1280)
    page = you.page

    # Staff find nothing yet, and are told so.
    you.go(live_server, "/")
    assert "No sites yet" in page.locator("main").inner_text()
    you.check("no-sites-yet")

    # The service administrator signs in with her password and a code, and invites a manager of all sites.
    you.go(live_server, "/sign-in/")
    you.check()
    you.type("#id_username", "digital.team@example.nhs.uk")
    you.type("#id_password", PASSWORD)
    you.press("button[type=submit]")
    assert "/sign-in/code/" in page.url
    you.check("code")
    you.type("#id_code", code_for(device.bin_key))
    you.press("button:text-is('Continue')")
    assert page.url.endswith("/supervise/")
    you.check()
    nav(you, "People")
    you.check("people")
    you.press("main a:has-text('Invite a person')")
    you.check()
    you.press("button:has-text('Send the invitation')")
    you.assert_error_summary_has_focus("Enter their email address.")
    you.check("invite-error")
    you.type("#id_email", "morgan.lee@example.nhs.uk")
    you.choose("input[name=role][value=manager]")
    you.tick("#id_all_sites")
    you.press("button:has-text('Send the invitation')")
    assert "Invitation sent to morgan.lee@example.nhs.uk" in page.locator("main").inner_text()
    you.check()
    you.press("footer button:has-text('Sign out')")
    you.check()

    # The manager accepts, then adds a prison with two teams and a room.
    accept(you, live_server, invitation_link(mailoutbox, "morgan.lee@example.nhs.uk"),
           name="Morgan Lee", title="Matron", password="Morgan's own long password")
    nav(you, "Sites")
    you.check("sites")
    you.press("main a:has-text('Add a site')")
    you.check()
    you.type("#id_name", "HMP Eastwood")
    you.press("button:has-text('Add the site')")
    assert "HMP Eastwood added" in page.locator("main").inner_text()
    you.check("site")
    for team in ("Mental health in-reach", "Primary care"):
        you.press("main a:has-text('Add a team')")
        you.check()
        you.type("#id_name", team)
        you.press("button:has-text('Add the team')")
        you.check()
    site = Site.objects.get(name="HMP Eastwood")
    assert sorted(site.teams.values_list("name", flat=True)) == ["Mental health in-reach", "Primary care"]
    you.go(live_server, f"/manage/sites/{site.slug}/")
    you.check()
    you.press("main a:has-text('add a room')")
    you.check()
    you.type("#id_name", "Chaplaincy quiet room")
    you.type("#id_directions", "Past the chapel, first left.")
    for box in ("is_private", "is_comfortable", "is_not_working_office"):
        you.tick(f"#id_{box}")
    you.press("button:has-text('Save the room')")
    you.check()
    assert site.rooms.get().name == "Chaplaincy quiet room"

    # She invites a supervisor to the new prison.
    nav(you, "People")
    you.check()
    you.press("main a:has-text('Invite a person')")
    you.check()
    you.type("#id_email", "sam.okafor@example.nhs.uk")
    you.choose("input[name=role][value=supervisor]")
    you.tick(page.locator("input[name=sites]").first)
    you.press("button:has-text('Send the invitation')")
    you.check()
    you.press("footer button:has-text('Sign out')")
    you.check()

    # The supervisor accepts and publishes a series.
    accept(you, live_server, invitation_link(mailoutbox, "sam.okafor@example.nhs.uk"),
           name="Sam Okafor", title="Senior Staff Nurse", password="Sam's own long password here")
    sam = User.objects.get(email="sam.okafor@example.nhs.uk")
    assert list(sam.supervised_sites.all()) == [site]
    today = timezone.localdate()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    nav(you, "Regular sessions")
    you.check()
    you.press("main a:has-text('Set up regular sessions')")
    you.check()
    you.tick("#id_weekdays_1")
    you.type("#id_starts_on", monday.isoformat())
    you.type("#id_ends_on", (monday + datetime.timedelta(weeks=2, days=-1)).isoformat())
    you.press("button[value=preview]")
    assert "Preview: 2 dates to publish" in page.locator("main").inner_text()
    you.check("series-preview")
    you.press("button[value=confirm]")
    assert "2 sessions published." in page.locator("main").inner_text()
    you.check()
    assert Session.objects.filter(site=site, supervisor=sam).count() == 2
    you.press("footer button:has-text('Sign out')")
    you.check()

    # Staff see it on the public page.
    you.go(live_server, "/")
    main = page.locator("main").inner_text()
    assert "HMP Eastwood" in main and "Chaplaincy quiet room" in main and "Sam Okafor" in main
    you.check("staff-see-it")
    you.finish()
