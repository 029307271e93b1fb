"""The accessibility statement, the privacy notice and the cookies page: linked from every page, and true."""
from html import escape

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client

from sessions_app.views.legal import personal_data
from tests.factories import make_session
from tests.helpers import text

pytestmark = pytest.mark.django_db
PERSONAL_FIELDS = {"username", "email", "display_name", "user_agent", "session_data", "comment", "booking_contact",
                   "announcement_addresses", "room_booking_note", "public_note"}


def holds_personal_data(model) -> bool:
    """A model holds personal data if it points at a person, or has a field that names or reaches one."""
    user = apps.get_model(settings.AUTH_USER_MODEL)
    return any((field.is_relation and field.related_model is user)
               or isinstance(field, (models.EmailField, models.GenericIPAddressField))
               or field.name in PERSONAL_FIELDS for field in model._meta.concrete_fields)


def test_the_privacy_notice_names_every_model_that_holds_personal_data(client):
    holding = {model._meta.label for model in apps.get_models() if holds_personal_data(model)}
    assert holding - set(personal_data()) == set()
    page = client.get("/privacy/").content.decode()
    for what, why, how_long in personal_data().values():
        assert all(escape(part) in page for part in (what, why, how_long)), what


def test_the_cookies_page_lists_every_cookie_the_app_sets(site, supervisor, client):
    session = make_session(site=site, room=site.rooms.get(), supervisor=supervisor)
    set_names = set()
    visitor = Client()
    for response in (visitor.get(f"/pulse/{site.slug}/"), visitor.post(f"/pulse/{site.slug}/", {"score": "4"}),
                     visitor.get("/sign-in/")):
        set_names |= set(response.cookies)
    client.force_login(supervisor)
    response = client.post(f"/supervise/sessions/{session.pk}/cancel/", {"reason": "Lockdown"})
    set_names |= set(response.cookies) | set(client.cookies)
    assert {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, "messages", "dropin_pulse"} <= set_names
    page = Client().get("/cookies/").content.decode()
    assert all(f"<code>{name}</code>" in page for name in set_names), set_names


@pytest.mark.parametrize("path", ["/", "/privacy/", "/cookies/", "/accessibility/", "/contract/", "/sign-in/"])
def test_every_page_links_to_the_three(client, path):
    from tests.factories import make_contract

    make_contract(version=1)
    body = client.get(path).content.decode()
    assert all(f'href="{link}"' in body for link in ("/accessibility/", "/privacy/", "/cookies/")), path


def test_the_pages_say_who_runs_the_service(client, settings):
    settings.DROPIN_CONTROLLER = "Northgate Health NHS Foundation Trust"
    settings.DROPIN_DPO_CONTACT = "dpo@northgate.nhs.uk"
    assert "Northgate Health NHS Foundation Trust" in text(client.get("/accessibility/"))
    privacy = text(client.get("/privacy/"))
    assert "Northgate Health NHS Foundation Trust" in privacy and "dpo@northgate.nhs.uk" in privacy
