"""Deployment checks of Drop-in's own settings (`manage.py check --deploy`)."""
import re

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

# These keep an entry after it expires, until they happen to cull it: a reader of the table or folder
# would find hashed addresses and their salt long after the hour they limit.
CACHES_THAT_KEEP_WHAT_EXPIRES = ("DatabaseCache", "FileBasedCache")


@register(Tags.security, deploy=True)
def publishing_settings(app_configs, **kwargs):
    problems = []
    if settings.DROPIN_CALENDAR_DOMAIN == "drop-in.invalid":
        problems.append(Warning(
            "DROPIN_CALENDAR_DOMAIN is the development default.",
            hint="Set it to this deployment's host name before anyone subscribes, and never change it: "
                 "calendars would show every session twice.",
            id="dropin.W001",
        ))
    if settings.DROPIN_BASE_URL.startswith(("http://127.0.0.1", "http://localhost")):
        problems.append(Warning(
            "DROPIN_BASE_URL points at this machine, so emails from send_announcement would link there.",
            hint="Set it to the address staff use, e.g. https://dropin.example.nhs.uk.",
            id="dropin.W002",
        ))
    placeholders = [name for name in ("DROPIN_CONTROLLER", "DROPIN_DPO_CONTACT", "DROPIN_ACCESSIBILITY_CONTACT")
                    if getattr(settings, name).startswith("[")]
    if placeholders:
        problems.append(Warning(
            f"{', '.join(placeholders)} still hold the development placeholders.",
            hint="The privacy notice and the accessibility statement name who runs the service and whom to "
                 "contact: set them to the trust's details.",
            id="dropin.W004",
        ))
    return problems


@register(Tags.caches)
def cache_forgets(app_configs, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(CACHES_THAT_KEEP_WHAT_EXPIRES):
        return [Error(
            "The cache keeps entries after they expire: the pulse's hourly counts of hashed addresses would outlive "
            "their hour.",
            hint="Use a cache that forgets: CACHE_URL=redis://… for several workers or hosts, or the in-memory "
                 "default for one.",
            id="dropin.E001",
        )]
    return []


@register(Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(("LocMemCache", "DummyCache")):
        return [Warning(
            "The cache is kept in each process's memory, so every gunicorn worker and host counts pulse answers alone.",
            hint="Set CACHE_URL=redis://… to a Redis that every app host shares.",
            id="dropin.W003",
        )]
    return []


@register(Tags.security)
def sign_in_providers(app_configs, **kwargs):
    """Each sign-in provider's name is in its addresses, and its issuer is an HTTPS address outside development."""
    problems = []
    for name, provider in settings.DROPIN_SIGN_IN_PROVIDERS.items():
        if not re.fullmatch(r"[a-z0-9]+", name):
            problems.append(Error(
                f"The sign-in provider name {name!r} can hold only lower-case letters and digits.",
                hint="It is in the provider's addresses (/sign-in/with/<name>/) and its settings' names "
                     "(SIGN_IN_<NAME>_ISSUER): rename it in SIGN_IN_PROVIDERS.",
                id="dropin.E002",
            ))
        if not settings.DEBUG and not provider["issuer"].startswith("https://"):
            problems.append(Error(
                f"The sign-in provider {name!r} has an issuer that is not an HTTPS address.",
                hint=f"Set SIGN_IN_{name.upper()}_ISSUER to the provider's https:// issuer.",
                id="dropin.E003",
            ))
    return problems
