"""Security headers Django has no setting for, and the second step of signing in."""
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import Resolver404, resolve, reverse

from .services.accounts import second_step_given, two_factor_step
from .services.sign_in_providers import provider_origins

# Powerful browser features no Drop-in page uses, turned off for the page and anything it might embed.
# Only features browsers know (tests/browser/test_csp.py asks Chromium); not clipboard-write, which
# the copy buttons use. browsing-topics keeps staff out of the browser's advertising interest groups.
TURNED_OFF = (
    "accelerometer", "autoplay", "browsing-topics", "camera", "display-capture", "encrypted-media",
    "geolocation", "gyroscope", "hid", "magnetometer", "microphone", "midi", "payment", "serial", "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in TURNED_OFF)


def permissions_policy(get_response):
    """Turn off the features above, and let no other site embed this one's responses (images, scripts, feeds)."""

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        # Calendar clients and email links are unaffected: this only stops another site's page loading these.
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response

    return middleware


def forms_may_lead_to_providers(get_response):
    """Let a form lead on to the sign-in providers set: signing out ends a provider's session too, and answering
    an invitation may go on to sign in there. Both are redirects after a form, which CSP's form-action governs.
    """

    def middleware(request):
        response = get_response(request)
        origins = provider_origins()
        if origins:
            # django-csp adds these to form-action as it writes the header (after this, as it is outside).
            update = getattr(response, "_csp_update", None) or {}
            response._csp_update = {**update, "form-action": [*update.get("form-action", []), *origins]}
        return response

    return middleware


def head_without_body(get_response):
    """Answer HEAD with GET's headers and no body: a WSGI server must not be handed one (gunicorn logs it)."""

    def middleware(request):
        response = get_response(request)
        if request.method == "HEAD" and not response.streaming:
            response.headers.setdefault("Content-Length", str(len(response.content)))
            response.content = b""
        return response

    return middleware


def signed_in_never_stored(get_response):
    """Tell browsers and proxies to keep no copy of any response to a signed-in person.

    On a shared ward computer, Back after signing out must not show the workspace, an export or a report.
    """

    def middleware(request):
        response = get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.headers["Cache-Control"] = "private, no-store"
            response.headers.pop("Expires", None)
        return response

    return middleware


# What a signed-in person may open before the second step of signing in: leaving, and the pages every public
# service publishes. Any other page, the admin's and every one added later, waits for the code (an allow-list).
# Signing in through a provider is open too: it starts a new sign-in, which asks its own second step.
OPEN_BEFORE_SECOND_STEP = {"sign_out", "accessibility", "privacy", "cookies", "healthz", "readyz", "sign_in_with",
                           "sign_in_provider_answer"}


def two_factor_sign_in(get_response):
    """Send a signed-in person who has not given a two-factor code to give one, or to set up an app first.

    After django_otp's OTPMiddleware, which tells whether this sign-in gave a code (request.user.is_verified()); a
    sign-in through a provider that reported more than one factor needs none.
    """
    def middleware(request):
        # The path is read first: the health checks and static files never touch the session or the database.
        if request.path.startswith(settings.STATIC_URL):
            return get_response(request)
        try:
            view_name = resolve(request.path_info).view_name
        except Resolver404:
            view_name = None
        if view_name in OPEN_BEFORE_SECOND_STEP:
            return get_response(request)
        verified = second_step_given(user=request.user, session=request.session)
        step = two_factor_step(user=request.user, verified=verified)
        if step is not None and step != view_name:
            return redirect_to_login(request.get_full_path(), reverse(step))
        return get_response(request)

    return middleware
