"""Security headers Django has no setting for."""

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
