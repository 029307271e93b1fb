"""Signing in by username or email, each person's account page, and changing or resetting a password."""
import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.core import mail

from sessions_app.models import AuditEntry, User
from sessions_app.models.people import EMAIL_TAKEN
from tests.factories import make_manager, make_site, make_supervisor, make_user
from tests.helpers import text

pytestmark = pytest.mark.django_db

PASSWORD = "a long sign-in phrase 4471"
NEW_PASSWORD = "another long phrase 9032"
WRONG = "Enter a correct username and password. Both are case-sensitive."
SENT = ("Check your email If a Drop-in supervision account uses the address you entered, we have sent it a link to "
        "choose a new password. The link works once, for 3 days.")


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def person(site):
    return make_supervisor(site, username="sam.okafor", email="Sam.Okafor@example.nhs.uk", password=PASSWORD,
                           display_name="Sam Okafor")


def sign_in(client, username: str, password: str = PASSWORD):
    return client.post("/sign-in/", {"username": username, "password": password})


# Signing in


@pytest.mark.parametrize("typed", ["sam.okafor", "Sam.Okafor@example.nhs.uk", "sam.okafor@EXAMPLE.nhs.uk"])
def test_a_person_signs_in_with_a_username_or_an_email_address_in_any_case(client, person, typed):
    response = sign_in(client, typed)
    assert (response.status_code, response.url) == (302, "/supervise/")
    assert client.get("/supervise/").wsgi_request.user == person


def test_a_username_is_still_case_sensitive(client, person):
    response = sign_in(client, "Sam.Okafor")
    assert WRONG in text(response)


def test_a_deactivated_person_is_refused_as_a_wrong_password_is(client, person):
    User.objects.filter(pk=person.pk).update(is_active=False)
    for typed in ("sam.okafor", "sam.okafor@example.nhs.uk"):
        response = sign_in(client, typed)
        assert response.status_code == 200
        assert WRONG in text(response)
        assert "not active" not in text(response)
    assert client.get("/supervise/").status_code == 302


def test_wrong_passwords_count_against_the_account_however_its_address_is_typed(client, person):
    for typed in ("sam.okafor@example.nhs.uk", "SAM.OKAFOR@example.nhs.uk", "sam.okafor"):
        sign_in(client, typed, "not the password")
    assert AccessAttempt.objects.get().username == "sam.okafor"
    assert AccessAttempt.objects.get().failures_since_start == 3


def test_an_address_two_accounts_could_match_signs_in_neither(client, person):
    make_user(username="Sam.Okafor@example.nhs.uk", password="someone else's 5521")
    response = sign_in(client, "Sam.Okafor@example.nhs.uk")
    assert WRONG in text(response)  # the username that is the address wins, and this is not its password


def test_the_sign_in_page_offers_a_password_reset(client):
    page = client.get("/sign-in/").content.decode()
    assert '<a href="/account/password-reset/">Forgotten your password?</a>' in page
    assert '<label class="nhsuk-label" for="id_username">Username or email address</label>' in page


def test_the_lock_out_page_sends_the_person_to_reset_their_password(client, person):
    for _ in range(5):
        response = sign_in(client, "sam.okafor", "not the password")
    assert response.status_code == 429
    assert '<a href="/account/password-reset/">reset it by email</a>' in response.content.decode()
    assert "ask your service" not in text(response)


# The account page


def test_the_account_page_shows_the_persons_details_and_roles_at_each_site(client, person, site):
    managed = make_site(name="HMP Southgate")
    managed.managers.add(person)
    client.force_login(person)
    User.objects.filter(pk=person.pk).update(last_login=datetime.datetime(2026, 3, 3, 14, 30, tzinfo=datetime.UTC))
    page = text(client.get("/account/"))
    assert "Username sam.okafor Last signed in Tuesday 3 March 2026 at 2:30pm" in page
    assert "Manager at: HMP Southgate Supervisor at: HMP Northgate" in page
    assert "Two-factor sign-in is not set up" in page


def test_a_manager_of_all_sites_is_told_so(client):
    client.force_login(make_manager())
    assert "You are a manager of all sites, including sites added later." in text(client.get("/account/"))


def test_a_person_changes_their_name_role_and_email_and_it_is_audited(client, person):
    client.force_login(person)
    response = client.post("/account/", {"display_name": "Sam O.", "role_title": "Clinical Lead",
                                         "email": "sam@example.nhs.uk"})
    assert response.url == "/account/"
    person.refresh_from_db()
    assert (person.display_name, person.role_title, person.email) == ("Sam O.", "Clinical Lead", "sam@example.nhs.uk")
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.object_type, entry.object_id) == (person, "account_updated", "user",
                                                                                person.pk)
    assert entry.before == {"display_name": "Sam Okafor", "role_title": "Senior Staff Nurse",
                            "email": "Sam.Okafor@example.nhs.uk"}
    assert entry.after == {"display_name": "Sam O.", "role_title": "Clinical Lead", "email": "sam@example.nhs.uk"}


def test_saving_without_a_change_records_nothing(client, person):
    client.force_login(person)
    client.post("/account/", {"display_name": "Sam Okafor", "role_title": "Senior Staff Nurse",
                              "email": "Sam.Okafor@example.nhs.uk"})
    assert not AuditEntry.objects.exists()


def test_an_email_address_another_account_uses_is_refused_on_the_field(client, person):
    make_user(email="taken@example.nhs.uk")
    client.force_login(person)
    response = client.post("/account/", {"display_name": "Sam O.", "role_title": "", "email": "TAKEN@example.nhs.uk"})
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<a href="#id_email">{EMAIL_TAKEN}</a>' in page
    assert 'value="TAKEN@example.nhs.uk"' in page and 'value="Sam O."' in page
    person.refresh_from_db()
    assert (person.display_name, person.email) == ("Sam Okafor", "Sam.Okafor@example.nhs.uk")
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("data, message", [
    ({"display_name": "", "role_title": "", "email": "sam@example.nhs.uk"}, "Enter the name staff will see."),
    ({"display_name": "Sam", "role_title": "", "email": ""}, "Enter your email address."),
    ({"display_name": "Sam", "role_title": "", "email": "sam@"},
     "Enter an email address in the right format, like name@example.nhs.uk."),
    ({"display_name": "S" * 101, "role_title": "", "email": "sam@example.nhs.uk"},
     "Ensure this value has at most 100 characters (it has 101)."),
])
def test_a_missing_or_wrong_detail_gets_a_plain_message_and_changes_nothing(client, person, data, message):
    client.force_login(person)
    response = client.post("/account/", data)
    assert f"Error: {message}" in text(response)
    person.refresh_from_db()
    assert (person.display_name, person.email) == ("Sam Okafor", "Sam.Okafor@example.nhs.uk")


# Changing a password


def test_a_person_changes_their_password_and_it_is_audited_without_it(client, person):
    client.force_login(person)
    response = client.post("/account/password/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                                   "new_password2": NEW_PASSWORD}, follow=True)
    assert response.redirect_chain == [("/account/password/changed/", 302)]
    assert "<h1>Your password is changed</h1>" in response.content.decode()
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.before, entry.after) == (person, "password_changed", None, None)
    assert client.get("/account/").status_code == 200  # still signed in here


def test_a_wrong_current_password_changes_nothing(client, person):
    client.force_login(person)
    response = client.post("/account/password/", {"old_password": "not it", "new_password1": NEW_PASSWORD,
                                                   "new_password2": NEW_PASSWORD})
    assert "Error: Your current password is not right. Enter it again." in text(response)
    person.refresh_from_db()
    assert person.check_password(PASSWORD) and not AuditEntry.objects.exists()


def test_the_new_password_fields_say_the_rules_in_words_and_ask_for_a_new_password(client, person):
    client.force_login(person)
    page = client.get("/account/password/").content.decode()
    assert "Your password must contain at least 12 characters." in page and "&lt;ul" not in page
    assert re.search(r'name="new_password1"[^>]*autocomplete="new-password"', page)
    assert re.search(r'name="old_password"[^>]*autocomplete="current-password"', page)


# Forgotten passwords


def test_a_reset_for_a_known_address_emails_a_link_to_the_service(client, person, settings):
    settings.DROPIN_BASE_URL = "https://dropin.example.nhs.uk/"
    response = client.post("/account/password-reset/", {"email": "sam.okafor@example.nhs.uk"}, follow=True)
    assert response.redirect_chain == [("/account/password-reset/sent/", 302)]
    assert SENT in text(response)
    message = mail.outbox[0]
    assert (message.to, message.subject) == (["Sam.Okafor@example.nhs.uk"], "Reset your Drop-in supervision password")
    assert re.search(r"^https://dropin\.example\.nhs\.uk/account/password-reset/[\w-]+/[\w-]+/$", message.body, re.M)


def test_a_reset_for_an_unknown_address_shows_the_same_page_and_sends_nothing(client, person):
    known = client.post("/account/password-reset/", {"email": "sam.okafor@example.nhs.uk"}, follow=True)
    mail.outbox.clear()
    unknown = client.post("/account/password-reset/", {"email": "nobody@example.nhs.uk"}, follow=True)
    assert unknown.redirect_chain == known.redirect_chain
    assert text(unknown) == text(known)
    assert mail.outbox == []


def test_a_deactivated_person_is_sent_no_reset_link(client, person):
    User.objects.filter(pk=person.pk).update(is_active=False)
    response = client.post("/account/password-reset/", {"email": "sam.okafor@example.nhs.uk"}, follow=True)
    assert SENT in text(response)
    assert mail.outbox == []


@pytest.mark.parametrize("email, message", [
    ("", "Enter your email address."),
    ("sam@", "Enter an email address in the right format, like name@example.nhs.uk."),
    ("a" * 250 + "@x.uk", "Enter an email address of 254 characters or fewer."),
])
def test_a_reset_without_a_proper_address_gets_a_plain_message(client, email, message):
    response = client.post("/account/password-reset/", {"email": email})
    assert response.status_code == 200
    assert f"Error: {message}" in text(response)
    assert mail.outbox == []


def reset_link(client, person) -> str:
    client.post("/account/password-reset/", {"email": person.email})
    return re.search(r"http://127\.0\.0\.1:8000(/account/password-reset/\S+/)", mail.outbox[-1].body).group(1)


def test_the_link_sets_a_new_password_once_and_it_is_audited(client, person):
    link = reset_link(client, person)
    form_page = client.get(link, follow=True)
    assert "<h1>Choose a new password</h1>" in form_page.content.decode()
    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD,
                                                             "new_password2": NEW_PASSWORD}, follow=True)
    assert response.redirect_chain == [("/account/password-reset/done/", 302)]
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.before, entry.after) == (person, "password_reset", None, None)
    used = client.get(link, follow=True)
    assert "<h1>This link does not work</h1>" in used.content.decode()


def test_a_tampered_link_says_it_does_not_work_and_offers_a_new_one(client, person):
    link = reset_link(client, person)
    tampered = link[:-3] + ("a" if link[-3] != "a" else "b") + link[-2:]
    response = client.get(tampered, follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>This link does not work</h1>" in page
    assert '<a href="/account/password-reset/">Ask for a new link</a>' in page
    response = client.post(tampered, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert "<h1>This link does not work</h1>" in response.content.decode()
    person.refresh_from_db()
    assert person.check_password(PASSWORD) and not AuditEntry.objects.exists()


@pytest.mark.parametrize("first, second, message", [
    (NEW_PASSWORD, NEW_PASSWORD + "x", "The two passwords are not the same."),
    ("short", "short", "This password is too short. It must contain at least 12 characters."),
    ("", "", "Enter a new password."),
])
def test_a_new_password_that_will_not_do_changes_nothing(client, person, first, second, message):
    form_page = client.get(reset_link(client, person), follow=True)
    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": first, "new_password2": second})
    assert f"Error: {message}" in text(response)
    person.refresh_from_db()
    assert person.check_password(PASSWORD) and not AuditEntry.objects.exists()


def test_a_reset_lifts_the_lock_out_so_the_person_can_sign_in_straight_away(client, person):
    for _ in range(5):
        sign_in(client, "sam.okafor", "not the password")
    assert sign_in(client, "sam.okafor").status_code == 429
    form_page = client.get(reset_link(client, person), follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert sign_in(client, "sam.okafor", NEW_PASSWORD).url == "/supervise/"


# Her private calendar


def test_a_supervisor_finds_her_calendar_address_and_a_way_to_renew_it(client, person):
    from sessions_app.services.calendar_addresses import calendar_token

    client.force_login(person)
    page = client.get("/account/")
    address = f"http://testserver/calendar/supervisor/{calendar_token(user=person)}.ics"
    assert f'value="{address}"' in page.content.decode()
    assert "webcal://testserver/calendar/supervisor/" in page.content.decode()
    assert "Get a new address" in text(page) and "the old address stops working at once" in text(page)
    client.post("/account/calendar/new-address/")
    person.refresh_from_db()
    renewed = client.get("/account/").content.decode()
    assert address not in renewed and calendar_token(user=person) in renewed


def test_someone_who_runs_no_sessions_is_offered_no_calendar_of_her_own(client, site):
    client.force_login(make_manager(site))
    assert "Get a new address" not in text(client.get("/account/"))
