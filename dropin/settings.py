"""Drop-in settings, read from the environment (see .env.example for every one)."""
import datetime
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Development is the default so `make run` needs nothing; production sets DEBUG=false
# and must then give a real SECRET_KEY and ALLOWED_HOSTS, or the app refuses to start.
DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default="") or (_DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. With DEBUG=false, set SECRET_KEY in the environment to a "
        "long random value, e.g. the output of: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. With DEBUG=false, list the host names the service answers "
        "to, comma-separated, e.g. ALLOWED_HOSTS=dropin.example.nhs.uk"
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "dropin.apps.ServiceAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "sessions_app",
]

MIDDLEWARE = [
    "sessions_app.middleware.head_without_body",
    # The security headers come before WhiteNoise, which answers for static files without calling
    # what is below it: so CSS, JavaScript and images carry them too.
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "sessions_app.middleware.forms_may_lead_to_providers",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "sessions_app.middleware.permissions_policy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Tells whether this sign-in has passed a two-factor code (request.user.is_verified()).
    "django_otp.middleware.OTPMiddleware",
    "sessions_app.middleware.signed_in_never_stored",
    # Every page but a few waits for that code (or for an app to be set up, when DROPIN_REQUIRE_2FA is on).
    # After signed_in_never_stored, so its redirects are not kept either.
    "sessions_app.middleware.two_factor_sign_in",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dropin.urls"
WSGI_APPLICATION = "dropin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sessions_app.context_processors.service",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Reconnect after a database restart without restarting the app.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "sessions_app.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "sign_in"
LOGIN_REDIRECT_URL = "supervise_home"
LOGOUT_REDIRECT_URL = "upcoming"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # A username, or the account's email address in any case.
    "sessions_app.backends.UsernameOrEmailBackend",
]
# Sign-in through the organisation's OpenID Connect providers (NHSmail, a trust's Microsoft Entra ID, the prison
# service's directory), as well as with a Drop-in password. SIGN_IN_PROVIDERS names them, comma-separated, e.g.
# "nhsmail,hmpps"; each then has SIGN_IN_<NAME>_ISSUER, _CLIENT_ID and _CLIENT_SECRET, and optionally: _NAME, as
# people know it (the button says "Sign in with <name>"); _DOMAINS, the email domains allowed, comma-separated
# (empty allows any); _TRUSTS_MFA, true when the provider itself enforces multi-factor sign-in, so no Drop-in code
# is asked for; _TRUSTS_EMAIL, true when its directory owns the addresses and it sends no email_verified claim.
# None named: the sign-in page is as before. README "Sign-in providers" says how to register Drop-in with each.
DROPIN_SIGN_IN_PROVIDERS = {
    name: {
        "issuer": env.str(f"SIGN_IN_{name.upper()}_ISSUER"),
        "client_id": env.str(f"SIGN_IN_{name.upper()}_CLIENT_ID"),
        "client_secret": env.str(f"SIGN_IN_{name.upper()}_CLIENT_SECRET"),
        "name": env.str(f"SIGN_IN_{name.upper()}_NAME", default=name),
        "domains": [domain.strip().lower().lstrip("@")
                    for domain in env.list(f"SIGN_IN_{name.upper()}_DOMAINS", default=[]) if domain.strip()],
        "trusts_mfa": env.bool(f"SIGN_IN_{name.upper()}_TRUSTS_MFA", default=False),
        "trusts_email": env.bool(f"SIGN_IN_{name.upper()}_TRUSTS_EMAIL", default=False),
    }
    for name in (name.strip() for name in env.list("SIGN_IN_PROVIDERS", default=[])) if name
}
# Two-factor sign-in (an authenticator app's code, or a recovery code) for every supervisor, manager and
# administrator. NHS data security standards ask for it: on unless DEBUG is on (the demo signs in simply).
DROPIN_REQUIRE_2FA = env.bool("DROPIN_REQUIRE_2FA", default=not DEBUG)
# What authenticator apps show beside the code.
OTP_TOTP_ISSUER = env.str("DROPIN_SERVICE_NAME", default="Drop-in supervision")
# Five failed sign-ins for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A right password alone does not clear the failures: the whole sign-in does (services/accounts.py).
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Axes logs each failed sign-in; verbose, it adds the browser's user agent in clear. Log neither that nor
# the username or address (they are masked): tests/test_logging.py checks.
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "user_agent", "code", "recovery_code"]
# The admin never shows an authenticator app's secret key.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True


LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "dropin.storage.StaticStorage"},
}

# HTTPS: on by default in production, off in development.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# Sign-in lockouts count per client address: behind the load balancer, the one it added to X-Forwarded-For.
AXES_CLIENT_IP_CALLABLE = "sessions_app.views.feedback.client_address"
# Load balancers' health probes come over plain HTTP: answer them, don't redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Lax, not Strict: a supervisor following a link to the workspace from Outlook or Teams arrives
# signed in; cross-site POSTs carry no cookie either way, and every form has a CSRF token.
SESSION_COOKIE_SECURE = not DEBUG
# Shared NHS workstations: a sign-in ends when the browser closes, and after this many hours without a request.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = int(env.float("DROPIN_SIGN_IN_IDLE_HOURS", default=8) * 3600)
SESSION_SAVE_EVERY_REQUEST = True  # each request starts the idle time again
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = not DEBUG
# No script reads the CSRF cookie (the tally posts the form's hidden token), so scripts may not.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# Only this site's own files run or load: no inline script, style or event handler, no eval, no
# plugins, no framing. An inline script needs nonce="{{ request.csp_nonce }}"; the nonce is added to
# the header only on pages that use it. tests/test_headers.py checks every page keeps to this.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        # With sign-in providers set, sessions_app/middleware.py adds their addresses (forms lead there).
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Seconds to wait for the mail server: a hung one must not hold a request (and its row locks) for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Drop-in <dropin@localhost>")

# The cache holds built pages, feeds and figures (under the data generation: services/built.py) and the
# pulse's hourly flood counts, never anything about a person. One process: the in-memory default. Several
# processes or app hosts share one, or each builds every page and keeps its own count: CACHE_URL=redis://….
# It must forget what expires, so not dbcache or filecache (checks.py).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# Drop-in's own settings.
DROPIN_SERVICE_NAME = env.str("DROPIN_SERVICE_NAME", default="Drop-in supervision")
# Who runs the service, for the privacy notice and the accessibility statement: set them in production.
DROPIN_CONTROLLER = env.str("DROPIN_CONTROLLER", default="[The NHS trust that runs this service: set DROPIN_CONTROLLER]")
DROPIN_DPO_CONTACT = env.str("DROPIN_DPO_CONTACT", default="[The trust's data protection officer: set DROPIN_DPO_CONTACT]")
DROPIN_ACCESSIBILITY_CONTACT = env.str(
    "DROPIN_ACCESSIBILITY_CONTACT", default="[Where to report an accessibility problem: set DROPIN_ACCESSIBILITY_CONTACT]")
DROPIN_SUPPRESSION_THRESHOLD = env.int("DROPIN_SUPPRESSION_THRESHOLD", default=5)
DROPIN_UPCOMING_WEEKS = env.int("DROPIN_UPCOMING_WEEKS", default=8)
# Calendar event UIDs end with this; keep it the same for the life of a deployment, or calendars duplicate events.
DROPIN_CALENDAR_DOMAIN = env.str("DROPIN_CALENDAR_DOMAIN", default="drop-in.invalid")
# The address emails and the send_announcement command link to (pages use the address they were asked on).
DROPIN_BASE_URL = env.str("DROPIN_BASE_URL", default="http://127.0.0.1:8000")
# Pulse answers taken from one network address in an hour, then "try again later". Staff behind one
# NHS or prison network address share it, so keep it well above a team's size.
DROPIN_PULSE_LIMIT_PER_HOUR = env.int("DROPIN_PULSE_LIMIT_PER_HOUR", default=30)

# Logs are one JSON object a line, for the trust's log collector. They never hold a pulse answer,
# a comment or anything identifying: views log what happened, not what was typed.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    # A request's query string is never logged (it may hold a sign-in provider's code and state).
    "filters": {"request_without_query": {"()": "sessions_app.log_filters.RequestWithoutQuery"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json",
                             "filters": ["request_without_query"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Pulse answers and feedback older than this many months are deleted by `manage.py purge_old_data`.
DROPIN_RETENTION_MONTHS = env.int("DROPIN_RETENTION_MONTHS", default=24)
