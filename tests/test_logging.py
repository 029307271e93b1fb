"""Logs are one JSON object a line and say what happened, never what was typed or who it came from.

The real LOGGING from settings is applied with its one handler writing to a buffer, at DEBUG (the most
any deployment could set), while staff and supervisors do the things that carry personal data: a pulse
answer with a comment, one refused by the flood limit, a failed sign-in, a sickness import and a
feedback approval. Anything else written to the terminal is checked too.
"""
import json

import pytest
from django.core.cache import cache
from django.test import Client

from sessions_app.models import Feedback, Pulse, SicknessRecord, User
from tests.factories import make_team
from tests.helpers import csv_bytes, sickness_confirm as confirm, sickness_upload as upload

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.77"
USER_AGENT = "Mozilla/5.0 (DropinLogProbe 7.7; Distinctive)"
COMMENT = "Sergeant Pepperwhistle shouted at me on Wing Q7 again"
USERNAME = "kestrel.ward.probe"
PASSWORD = "not-the-password-zq81"
PULSE = "/pulse/hmp-northgate/"


@pytest.fixture
def browser():
    """A browser with a distinctive address and user agent."""
    cache.clear()  # the flood counts live in the cache
    yield Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=USER_AGENT)
    cache.clear()


def _the_day_with_personal_data(browser, site, supervisor, manager, settings) -> list[str]:
    """Do everything that handles personal data; return every cookie value the browser was given."""
    settings.DROPIN_PULSE_LIMIT_PER_HOUR = 1
    team = make_team(site, name="Mental health in-reach", slug="mh-inreach")
    cookies = []

    answered = browser.post(PULSE, {"score": "2", "team": "mh-inreach", "attended": "yes", "comment": COMMENT,
                                    "shown_as": "nurse"})
    assert answered.status_code == 302
    cookies += [morsel.value for morsel in browser.cookies.values()]
    browser.cookies.clear()
    refused = browser.post(PULSE, {"score": "2", "comment": COMMENT + " (again)"})
    assert refused.status_code == 429

    # A sign-in with a username nobody has, then a wrong password for a real account.
    assert browser.post("/sign-in/", {"username": USERNAME, "password": PASSWORD}).status_code == 200
    User.objects.filter(pk=supervisor.pk).update(username=USERNAME)
    assert browser.post("/sign-in/", {"username": USERNAME, "password": PASSWORD}).status_code == 200

    browser.force_login(manager)
    cookies += [morsel.value for morsel in browser.cookies.values()]
    preview = upload(browser, csv_bytes(f"{team.slug},2026-03,12.5,400"))
    assert confirm(browser, preview).status_code == 302

    browser.force_login(supervisor)
    cookies += [morsel.value for morsel in browser.cookies.values()]
    feedback = Feedback.objects.get()
    assert browser.post(f"/supervise/feedback/{feedback.pk}/", {"action": "approve"}).status_code == 302

    assert (Pulse.objects.count(), SicknessRecord.objects.count()) == (1, 1)
    assert Feedback.objects.get().approved
    return [value for value in cookies if value]


@pytest.fixture
def logged(log_buffer, capfd, browser, site, supervisor, manager, settings):
    """Return every line logged during the day, the cookie values, and whatever else reached the terminal."""
    cookies = _the_day_with_personal_data(browser, site, supervisor, manager, settings)
    elsewhere = capfd.readouterr()
    return log_buffer.getvalue().splitlines(), cookies, elsewhere.out + elsewhere.err


def test_every_line_is_one_json_object(logged):
    lines, _, _ = logged
    records = [json.loads(line) for line in lines]
    assert all(isinstance(record, dict) and {"time", "level", "logger", "message"} <= record.keys()
               for record in records)


def test_the_refusal_and_the_failed_sign_in_are_logged(logged):
    """The buffer really holds the app's logs: otherwise the tests below prove nothing."""
    lines, _, _ = logged
    records = [json.loads(line) for line in lines]
    assert any(record["logger"] == "django.request" and record["message"] == "Too Many Requests: /pulse/hmp-northgate/"
               for record in records)
    assert any(record["logger"] == "axes.handlers.database" and "login failure" in record["message"]
               for record in records)


SECRETS = {"the comment": COMMENT, "a word of it": "Pepperwhistle", "the address": ADDRESS,
           "the user agent": USER_AGENT, "the browser's name": "DropinLogProbe", "the username": USERNAME,
           "the password": PASSWORD}
# Form fields by name: a logged form would carry them (the score as score=2 or "score": "2").
FIELDS = ["score", "attended", "shown_as", "comment", "team=", "password", "fte_days"]


def test_nothing_typed_or_identifying_is_logged(logged):
    lines, _, _ = logged
    found = {name: line for name, secret in SECRETS.items() for line in lines if secret.lower() in line.lower()}
    assert found == {}


def test_no_form_field_is_logged(logged):
    lines, _, _ = logged
    assert {field: line for field in FIELDS for line in lines if field in line.lower()} == {}


def test_no_cookie_value_is_logged(logged):
    lines, cookies, _ = logged
    assert len(cookies) >= 3  # the pulse's, and two sign-ins' sessions
    assert [line for line in lines if any(value in line for value in cookies)] == []


def test_nothing_else_reaches_the_terminal(logged):
    _, _, elsewhere = logged
    assert elsewhere == ""
