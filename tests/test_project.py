"""The project as an operator meets it: settings, static files, migrations."""
import re

import pytest
import time_machine
from django.core.management import call_command

from tests.helpers import PRODUCTION, run_manage


def test_production_without_secret_key_stops_with_a_clear_message():
    result = run_manage("check", DEBUG="false", ALLOWED_HOSTS="dropin.example.nhs.uk")
    assert result.returncode != 0
    assert "SECRET_KEY is not set. With DEBUG=false" in result.stderr


def test_production_without_allowed_hosts_stops_with_a_clear_message():
    result = run_manage("check", DEBUG="false", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_production_settings_pass_the_deployment_checks():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("hour", [12, 13])
def test_the_checks_are_clean_at_the_hour_a_default_lunch_time_names(hour):
    """Django warns of a fixed time default (fields.W161) within 10 seconds of that time of day."""
    import datetime

    from django.core import checks
    from django.utils import timezone

    moment = timezone.make_aware(datetime.datetime(2026, 11, 26, hour, 0, 5))
    with time_machine.travel(moment, tick=False):
        found = checks.run_checks(include_deployment_checks=False)
    assert [message.id for message in found if message.id == "fields.W161"] == []


def test_the_deployment_checks_catch_publishing_left_at_development_defaults():
    settings = {key: value for key, value in PRODUCTION.items() if not key.startswith("DROPIN_")}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **settings)
    assert result.returncode != 0
    assert all(f"dropin.W00{n}" in result.stderr for n in (1, 2, 4)), result.stderr


def test_the_deployment_checks_catch_a_cache_each_worker_keeps_alone():
    settings = {key: value for key, value in PRODUCTION.items() if key != "CACHE_URL"}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **settings)
    assert result.returncode != 0
    assert "dropin.W003" in result.stderr and "dropin.W001" not in result.stderr


def test_collectstatic_builds_the_manifest_whitenoise_serves(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "dropin.storage.StaticStorage"}}
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    css = next(tmp_path.glob("vendor/nhsuk-frontend-10.6.1/nhsuk-frontend.min.*.css"))
    assert "https://" not in css.read_text(), "every asset must be served by the app itself"
    # A module another module imports is served under its hashed name too, so it is kept for a year.
    script = next(path for path in tmp_path.glob("js/dropin.*.js") if path.name.count(".") == 2)
    [imported] = re.findall(r'from "([^"]+)"', script.read_text())
    assert re.fullmatch(r"\.\./vendor/nhsuk-frontend-10\.6\.1/nhsuk-frontend\.min\.[0-9a-f]{12}\.js", imported)


@pytest.mark.django_db
def test_no_model_changes_are_missing_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
