"""The account services: each change audited with the person as actor, and never a secret in the audit."""
import json
from base64 import b32decode

import pytest
import segno
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sessions_app.backends import username_for
from sessions_app.models import AuditEntry
from sessions_app.models.people import EMAIL_TAKEN
from sessions_app.services import accounts
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def code_now(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def set_up(person) -> tuple[TOTPDevice, list[str]]:
    device = accounts.two_factor_pending(user=person)
    return device, accounts.two_factor_confirm(user=person, device=device, code=code_now(device))


def test_a_set_up_app_accepts_its_code_once():
    person = make_user()
    device, _ = set_up(person)
    device.refresh_from_db()
    # The first code confirmed it: the same code cannot be replayed, a later one can.
    assert accounts.two_factor_verify(user=person, code=code_now(device)) is None
    device.throttle_reset()
    totp = TOTP(device.bin_key)
    totp.time += 30
    assert device.verify_token(f"{totp.token():06d}")


def test_a_recovery_code_works_once():
    person = make_user()
    _, codes = set_up(person)
    assert accounts.two_factor_verify(user=person, code=codes[0]) == StaticDevice.objects.get(user=person)
    assert accounts.two_factor_verify(user=person, code=codes[0]) is None
    assert accounts.recovery_codes_left(user=person) == 9


def test_a_code_is_checked_only_against_the_persons_own_devices():
    person, other = make_user(), make_user()
    _, codes = set_up(other)
    assert accounts.two_factor_verify(user=person, code=codes[0]) is None
    assert accounts.recovery_codes_left(user=other) == 10


def test_someone_elses_pending_app_cannot_be_confirmed():
    person, other = make_user(), make_user()
    device = accounts.two_factor_pending(user=other)
    assert accounts.two_factor_confirm(user=person, device=device, code=code_now(device)) is None
    device.refresh_from_db()
    assert not device.confirmed and not AuditEntry.objects.exists()


def test_the_step_still_due_for_a_sign_in(settings):
    person = make_user()
    settings.DROPIN_REQUIRE_2FA = False
    assert accounts.two_factor_step(user=person, verified=False) is None
    settings.DROPIN_REQUIRE_2FA = True
    assert accounts.two_factor_step(user=person, verified=False) == "two_factor_setup"
    accounts.two_factor_pending(user=person)
    assert accounts.two_factor_step(user=person, verified=False) == "two_factor_setup"  # not confirmed yet
    set_up(person)
    assert accounts.two_factor_step(user=person, verified=False) == "two_factor_code"
    assert accounts.two_factor_step(user=person, verified=True) is None


def test_new_recovery_codes_are_10_fresh_ones_replacing_the_old():
    person = make_user()
    _, first = set_up(person)
    second = accounts.recovery_codes_replace(user=person)
    assert len(second) == len(set(second)) == 10 and not set(first) & set(second)
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(second)
    assert StaticDevice.objects.filter(user=person).count() == 1


def test_every_account_action_is_audited_with_the_person_and_never_a_secret():
    person = make_user(email="a@example.nhs.uk", password="first password 0001")
    device, codes = set_up(person)
    codes += accounts.recovery_codes_replace(user=person)
    accounts.account_update(user=person, display_name="Ada", role_title="Matron", email="ada@example.nhs.uk")
    accounts.password_change(user=person, password="second password 0002")
    accounts.password_reset(user=person, password="third password 0003")
    accounts.two_factor_remove(user=person, device=device)
    entries = list(AuditEntry.objects.order_by("pk"))
    assert [entry.action for entry in entries] == ["two_factor_added", "recovery_codes_replaced", "account_updated",
                                                   "password_changed", "password_reset", "two_factor_removed"]
    assert {(entry.actor_id, entry.object_type, entry.object_id) for entry in entries} == {(person.pk, "user",
                                                                                             person.pk)}
    recorded = json.dumps([[entry.before, entry.after, entry.reason] for entry in entries])
    person.refresh_from_db()
    secrets = [device.key, person.password, "first password", "second password", "third password", *codes]
    assert [secret for secret in secrets if secret.lower() in recorded.lower()] == []


def test_an_email_taken_a_moment_ago_is_refused_in_words_and_nothing_changes():
    make_user(email="Taken@example.nhs.uk")
    person = make_user(email="mine@example.nhs.uk", display_name="Ada")
    with pytest.raises(ValidationError) as refused:
        accounts.account_update(user=person, display_name="Ada L.", role_title="", email="taken@EXAMPLE.nhs.uk")
    assert refused.value.message_dict == {"email": [EMAIL_TAKEN]}
    assert (person.display_name, person.email) == ("Ada", "mine@example.nhs.uk")
    person.refresh_from_db()
    assert (person.display_name, person.email) == ("Ada", "mine@example.nhs.uk")
    assert not AuditEntry.objects.exists()


def test_the_database_refuses_a_second_account_with_the_same_address_in_another_case():
    make_user(email="Taken@example.nhs.uk")
    with pytest.raises(IntegrityError):
        make_user(email="taken@example.nhs.uk")


def test_removing_the_last_app_takes_its_recovery_codes():
    person = make_user()
    device, _ = set_up(person)
    accounts.two_factor_remove(user=person, device=device)
    assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists()


def test_the_secret_key_is_shown_in_groups_of_4_that_decode_to_the_key():
    device = accounts.two_factor_pending(user=make_user())
    shown = accounts.secret_in_groups(device=device)
    assert [len(group) for group in shown.split(" ")] == [4] * 8
    assert b32decode(shown.replace(" ", "")) == device.bin_key


def test_the_qr_path_draws_exactly_the_dark_modules():
    data = "otpauth://totp/Drop-in:sam?secret=ABCDEFGH"
    geometry = accounts.qr_geometry(data=data, border=4)
    matrix = segno.make(data, error="m").matrix
    assert geometry["size"] == len(matrix) + 8
    drawn = set()
    for run in geometry["path"].removeprefix("M").split("M"):
        x, rest = run.split(" ", 1)
        y, width = rest.split("h", 1)
        drawn |= {(int(x) - 4 + i, int(y) - 4) for i in range(int(width.split("v")[0]))}
    assert drawn == {(x, y) for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark}


@pytest.mark.parametrize("typed, expected", [
    ("sam", "sam"),
    ("Sam@Example.nhs.uk", "sam"),
    ("nobody@example.nhs.uk", "nobody@example.nhs.uk"),
    ("", ""),
])
def test_an_identifier_names_an_account_by_its_username_or_its_email_in_any_case(typed, expected):
    make_user(username="sam", email="sam@example.nhs.uk")
    make_user(username="blank", email="")
    assert username_for(typed) == expected
