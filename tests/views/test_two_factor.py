"""Two-factor sign-in: the code page, setting up an app, recovery codes, and what waits for the code."""
import re
from base64 import b32decode

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sessions_app.forms.accounts import CODE_SHAPE, CODE_WAIT, CODE_WRONG, ENTER_A_CODE, RECOVERY_CODE_SHAPE
from sessions_app.models import AuditEntry
from tests.factories import make_user
from tests.helpers import text

pytestmark = pytest.mark.django_db

PASSWORD = "a long sign-in phrase 4471"
RECOVERY = ["abcd2345", "efgh6723"]


@pytest.fixture(autouse=True)
def two_factor_required(settings):
    settings.DROPIN_REQUIRE_2FA = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast: passwords are not tested here


@pytest.fixture
def person(supervisor):
    supervisor.set_password(PASSWORD)
    supervisor.save()
    return supervisor


@pytest.fixture
def app(person) -> TOTPDevice:
    """The person's authenticator app, set up, with two recovery codes beside it."""
    device = TOTPDevice.objects.create(user=person, name="Authenticator app", confirmed=True)
    codes = StaticDevice.objects.create(user=person, name="Recovery codes", confirmed=True)
    for code in RECOVERY:
        codes.token_set.create(token=code)
    return device


def code_now(device: TOTPDevice, steps: int = 0) -> str:
    """Return the 6 digits the app shows now (or that many 30-second steps away)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps * device.step
    return f"{totp.token():06d}"


def sign_in(client, person, next_url: str = ""):
    """Give the password only; return the answer after following every redirect."""
    return client.post("/sign-in/" + (f"?next={next_url}" if next_url else ""),
                       {"username": person.username, "password": PASSWORD}, follow=True)


def give_code(client, code: str, field: str = "code", next_url: str = ""):
    return client.post("/sign-in/code/", {field: code, "next": next_url})


# Signing in with a code


def test_a_person_with_an_app_is_asked_for_its_code_after_the_password_keeping_where_they_were_going(client, app):
    response = sign_in(client, app.user, next_url="/supervise/rooms/")
    assert response.redirect_chain[-1] == ("/sign-in/code/?next=/supervise/rooms/", 302)
    assert "<h1>Enter your code</h1>" in response.content.decode()


def test_the_right_code_finishes_signing_in_and_goes_where_they_were_going(client, app):
    sign_in(client, app.user)
    response = give_code(client, code_now(app), next_url="/supervise/rooms/")
    assert (response.status_code, response.url) == (302, "/supervise/rooms/")
    assert client.get("/supervise/rooms/").status_code == 200


def test_the_code_page_has_the_fields_a_phone_fills_in(client, app):
    sign_in(client, app.user)
    page = client.get("/sign-in/code/").content.decode()
    code_input = re.search(r'<input[^>]*name="code"[^>]*>', page).group(0)
    assert 'autocomplete="one-time-code"' in code_input and 'inputmode="numeric"' in code_input
    recovery_input = re.search(r'<input[^>]*name="recovery_code"[^>]*>', page).group(0)
    assert "inputmode" not in recovery_input and '<label class="nhsuk-label" for="id_recovery_code">' in page


def test_a_code_for_somewhere_else_goes_to_the_workspace_instead(client, app):
    sign_in(client, app.user)
    response = give_code(client, code_now(app), next_url="https://elsewhere.example/steal")
    assert response.url == "/supervise/"


def test_a_recovery_code_signs_in_once_and_is_used_up(client, app):
    sign_in(client, app.user)
    assert give_code(client, "ABCD-2345", field="recovery_code").status_code == 302
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["efgh6723"]
    client.post("/sign-out/")
    sign_in(client, app.user)
    response = give_code(client, "abcd2345", field="recovery_code")
    assert response.status_code == 200
    assert CODE_WRONG in text(response)
    assert client.get("/supervise/").url == "/sign-in/code/?next=/supervise/"


def test_a_wrong_code_is_refused_in_words_and_counts_towards_the_lock_out(client, app):
    sign_in(client, app.user)
    response = give_code(client, code_now(app, steps=10))
    assert response.status_code == 200
    assert f"Error: {CODE_WRONG}" in text(response)
    assert AccessAttempt.objects.get(username=app.user.username).failures_since_start == 1
    assert client.get("/supervise/").url == "/sign-in/code/?next=/supervise/"


def test_a_code_used_once_does_not_work_again(client, app):
    code = code_now(app)
    sign_in(client, app.user)
    assert give_code(client, code).status_code == 302
    client.post("/sign-out/")
    sign_in(client, app.user)
    assert CODE_WRONG in text(give_code(client, code))


def test_after_a_wrong_code_the_app_waits_before_checking_another(client, app):
    sign_in(client, app.user)
    give_code(client, code_now(app, steps=10))
    response = give_code(client, code_now(app))
    assert CODE_WAIT in text(response)
    assert client.get("/supervise/").status_code == 302


def test_five_wrong_codes_lock_the_account_and_sign_the_person_out(client, app):
    sign_in(client, app.user)
    for attempt in range(4):
        assert give_code(client, code_now(app, steps=10 + attempt)).status_code == 200
    response = give_code(client, code_now(app, steps=20))
    assert response.status_code == 429
    assert "<h1>Too many attempts to sign in</h1>" in response.content.decode()
    assert client.get("/supervise/").url == "/sign-in/?next=/supervise/"
    # The right password does not get past the lock either.
    assert sign_in(client, app.user).status_code == 429


def test_a_person_locked_out_from_this_address_is_not_asked_for_a_code_again(client, app):
    sign_in(client, app.user)
    AccessAttempt.objects.create(username=app.user.username, ip_address="127.0.0.1", user_agent="",
                                 failures_since_start=5, get_data="", post_data="", http_accept="", path_info="")
    response = give_code(client, code_now(app))
    assert response.status_code == 429
    assert client.get("/supervise/").url == "/sign-in/?next=/supervise/"


@pytest.mark.parametrize("field, typed, message", [
    ("code", "", ENTER_A_CODE),
    ("recovery_code", "   ", ENTER_A_CODE),
    ("code", "12345", CODE_SHAPE),
    ("code", "1234567", CODE_SHAPE),
    ("code", "١٢٣٤٥٦", CODE_SHAPE),
    ("code", "x" * 5000, "Ensure this value has at most 20 characters (it has 5000)."),
    ("recovery_code", "abcd234!", RECOVERY_CODE_SHAPE),
    ("recovery_code", "abcd23", RECOVERY_CODE_SHAPE),
])
def test_an_empty_or_malformed_code_gets_a_plain_message_and_is_not_counted(client, app, field, typed, message):
    sign_in(client, app.user)
    response = give_code(client, typed, field=field)
    assert response.status_code == 200
    assert f"Error: {message}" in text(response)
    assert not AccessAttempt.objects.exists()


def test_a_post_without_either_field_gets_a_plain_message(client, app):
    sign_in(client, app.user)
    response = client.post("/sign-in/code/", {})
    assert f"Error: {ENTER_A_CODE}" in text(response)


# What waits for the code


def test_a_person_who_has_not_given_a_code_is_sent_to_give_one_from_the_workspace(client, app):
    client.force_login(app.user)
    assert client.get("/supervise/sessions/add/?date=2030-01-01").url == (
        "/sign-in/code/?next=/supervise/sessions/add/%3Fdate%3D2030-01-01")


def test_a_service_administrator_who_has_not_given_a_code_is_kept_out_of_the_admin(client):
    administrator = make_user(is_superuser=True, is_staff=True)
    TOTPDevice.objects.create(user=administrator, name="Authenticator app", confirmed=True)
    client.force_login(administrator)
    assert client.get("/admin/").url == "/sign-in/code/?next=/admin/"
    assert client.get("/admin/sessions_app/user/").url == "/sign-in/code/?next=/admin/sessions_app/user/"


@pytest.mark.parametrize("fields", [{"manages_all_sites": True}, {"is_superuser": True, "is_staff": True}, {}])
def test_every_account_needs_two_factor_sign_in_when_the_service_requires_it(client, fields):
    client.force_login(make_user(**fields))
    response = client.get("/insights/")
    assert response.url == "/account/two-factor/add/?next=/insights/"
    assert response["Cache-Control"] == "private, no-store"


def test_a_person_without_an_app_is_sent_to_set_one_up(client, person):
    response = sign_in(client, person, next_url="/insights/")
    assert response.redirect_chain[-1] == ("/account/two-factor/add/?next=/insights/", 302)
    assert "<h1>Set up two-factor sign-in</h1>" in response.content.decode()
    assert client.get("/sign-in/code/").url == "/account/two-factor/add/?next=/sign-in/code/"


@pytest.mark.parametrize("path", ["/accessibility/", "/privacy/", "/cookies/", "/healthz", "/readyz"])
def test_the_pages_every_service_publishes_open_before_the_code(client, app, path):
    client.force_login(app.user)
    assert client.get(path).status_code == 200


def test_signing_out_works_before_the_code(client, app):
    client.force_login(app.user)
    assert client.post("/sign-out/").url == "/"
    assert client.get("/supervise/").url == "/sign-in/?next=/supervise/"


def test_every_other_page_waits_for_the_code_even_one_that_does_not_exist(client, app):
    client.force_login(app.user)
    for path in ("/account/", "/account/password/", "/account/two-factor/add/", "/no-such-page/", "/"):
        assert client.get(path).url.startswith("/sign-in/code/?next="), path


def test_without_the_setting_a_password_alone_signs_in_a_person_without_an_app(client, person, settings):
    settings.DROPIN_REQUIRE_2FA = False
    assert sign_in(client, person).redirect_chain == [("/supervise/", 302)]


def test_without_the_setting_a_person_with_an_app_still_gives_its_code(client, app, settings):
    settings.DROPIN_REQUIRE_2FA = False
    assert sign_in(client, app.user).redirect_chain[-1] == ("/sign-in/code/?next=/supervise/", 302)


def test_the_code_page_sends_on_a_person_with_nothing_to_give(client, person, settings):
    settings.DROPIN_REQUIRE_2FA = False
    client.force_login(person)
    assert client.get("/sign-in/code/?next=/insights/").url == "/insights/"


# Setting up an app


def test_the_set_up_page_shows_a_qr_code_and_the_key_to_type_in_groups_of_4(client, person):
    client.force_login(person)
    response = client.get("/account/two-factor/add/")
    page, key = response.content.decode(), shown_key(response)
    device = TOTPDevice.objects.get(user=person, confirmed=False)
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", key)
    assert TOTP(b32decode(key.replace(" ", ""))).token() == TOTP(device.bin_key).token()
    assert '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' in page and 'role="img"' in page


def shown_key(response) -> str:
    return re.search(r'<code id="secret-key">([A-Z2-7 ]+)</code>', response.content.decode()).group(1)


def test_the_set_up_page_keeps_the_same_key_until_it_is_confirmed(client, person):
    client.force_login(person)
    first = shown_key(client.get("/account/two-factor/add/"))
    assert shown_key(client.get("/account/two-factor/add/")) == first
    assert TOTPDevice.objects.filter(user=person).count() == 1


def test_the_right_code_turns_it_on_and_shows_10_recovery_codes_once(client, person):
    response = sign_in(client, person, next_url="/insights/")
    device = TOTPDevice.objects.get(user=person)
    response = client.post("/account/two-factor/add/", {"code": code_now(device), "next": "/insights/"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Save your recovery codes</h1>" in page and 'href="/insights/"' in page
    device.refresh_from_db()
    codes = StaticToken.objects.filter(device__user=person, device__name="Recovery codes")
    assert device.confirmed and codes.count() == 10
    assert all(f"<code>{t[:4]} {t[4:]}</code>" in page for t in codes.values_list("token", flat=True))
    assert response["Cache-Control"] == "private, no-store"
    assert client.get("/insights/").status_code == 200  # signed in with the code


def test_turning_it_on_is_audited_without_the_key_or_the_codes(client, person):
    client.force_login(person)
    client.get("/account/two-factor/add/")
    device = TOTPDevice.objects.get(user=person)
    client.post("/account/two-factor/add/", {"code": code_now(device)})
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.object_type, entry.object_id) == (person, "two_factor_added", "user",
                                                                                person.pk)
    assert (entry.before, entry.after) == ({"authenticator_apps": 0, "recovery_codes": 0},
                                           {"authenticator_apps": 1, "recovery_codes": 10})


@pytest.mark.parametrize("typed, message", [
    ("", "Enter the 6-digit code your authenticator app shows."),
    ("12 34", CODE_SHAPE),
    ("999999", "The code is not right. Check your phone sets its clock automatically, then enter the code the app "
               "shows now."),
])
def test_a_wrong_or_malformed_first_code_turns_nothing_on(client, person, typed, message):
    client.force_login(person)
    client.get("/account/two-factor/add/")
    device = TOTPDevice.objects.get(user=person)
    if typed == "999999" and code_now(device) == typed:
        typed = "999998"
    response = client.post("/account/two-factor/add/", {"code": typed})
    assert f"Error: {message}" in text(response)
    assert f'value="{typed}"' in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists() and not StaticDevice.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_person_with_an_app_cannot_add_another_before_giving_a_code(client, app, settings):
    settings.DROPIN_REQUIRE_2FA = False
    client.force_login(app.user)
    assert client.get("/account/two-factor/add/").url == "/sign-in/code/?next=/account/two-factor/add/"
    assert TOTPDevice.objects.filter(user=app.user).count() == 1


# Removing an app, and new recovery codes


def verified(client, device):
    client.force_login(device.user)
    assert give_code(client, code_now(device)).status_code == 302


def test_someone_elses_app_is_not_found_and_stays(client, app, other_supervisor):
    other = TOTPDevice.objects.create(user=other_supervisor, name="Authenticator app", confirmed=True)
    verified(client, app)
    assert client.post(f"/account/two-factor/{other.pk}/remove/").status_code == 404
    assert TOTPDevice.objects.filter(pk=other.pk).exists() and not AuditEntry.objects.exists()


def test_removing_an_app_is_audited_and_keeps_the_codes_while_another_app_is_left(client, app):
    spare = TOTPDevice.objects.create(user=app.user, name="Authenticator app", confirmed=True)
    verified(client, app)
    response = client.post(f"/account/two-factor/{spare.pk}/remove/", follow=True)
    assert "Authenticator app removed." in text(response)
    assert StaticToken.objects.count() == 2
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.before, entry.after) == (
        app.user, "two_factor_removed", {"authenticator_apps": 2, "recovery_codes": 2},
        {"authenticator_apps": 1, "recovery_codes": 2})


def test_removing_the_last_app_removes_its_recovery_codes_and_asks_for_a_new_app(client, app):
    verified(client, app)
    response = client.post(f"/account/two-factor/{app.pk}/remove/")
    assert response.url == "/account/"
    assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists()
    assert client.get("/account/").url == "/account/two-factor/add/?next=/account/"


def test_new_recovery_codes_replace_the_old_ones_and_are_shown_once(client, app):
    verified(client, app)
    response = client.post("/account/two-factor/recovery-codes/")
    assert "<h1>Save your recovery codes</h1>" in response.content.decode()
    tokens = set(StaticToken.objects.values_list("token", flat=True))
    assert len(tokens) == 10 and not tokens & set(RECOVERY)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.before, entry.after) == (
        "recovery_codes_replaced", {"authenticator_apps": 1, "recovery_codes": 2},
        {"authenticator_apps": 1, "recovery_codes": 10})


def test_recovery_codes_need_an_app_to_stand_in_for(client, person, settings):
    settings.DROPIN_REQUIRE_2FA = False
    client.force_login(person)
    response = client.post("/account/two-factor/recovery-codes/", follow=True)
    assert "Set up an authenticator app first: recovery codes stand in for it." in text(response)
    assert not StaticDevice.objects.exists() and not AuditEntry.objects.exists()


def test_the_lock_out_counts_codes_from_one_address_only(app):
    """Another address's wrong codes do not lock this one (AXES_LOCKOUT_PARAMETERS: username and address)."""
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    sign_in(elsewhere, app.user)
    for attempt in range(5):
        give_code(elsewhere, code_now(app, steps=10 + attempt))
    here = Client()
    sign_in(here, app.user)
    assert here.get("/sign-in/code/").status_code == 200


def test_a_right_password_does_not_wipe_out_wrong_codes(client, app):
    """Otherwise someone who knows the password could guess 4 codes, sign in again, and guess 4 more."""
    sign_in(client, app.user)
    for attempt in range(4):
        give_code(client, code_now(app, steps=10 + attempt))
    client.post("/sign-out/")
    assert "Enter your code" in text(sign_in(client, app.user))  # the password is right: the count stands at 4
    assert give_code(client, code_now(app, steps=30)).status_code == 429


def test_a_whole_sign_in_clears_the_failures(client, app):
    sign_in(client, app.user)
    give_code(client, code_now(app, steps=10))
    app.refresh_from_db()
    app.throttling_failure_timestamp = None  # the app's own wait after a wrong code, not what is tested here
    app.throttling_failure_count = 0
    app.save()
    assert give_code(client, code_now(app)).status_code == 302
    assert not AccessAttempt.objects.filter(username=app.user.username).exists()
