"""The pages every public-sector service publishes: accessibility statement, privacy notice, cookies."""
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .feedback import ANSWERED_COOKIE

def personal_data() -> dict[str, tuple[str, str, str]]:
    """Every model that holds personal data, by its label: what it holds, why, and for how long."""
    # tests/views/test_legal.py fails if a model holding personal data is missing here.
    return {
        "sessions_app.User": ("Supervisors', managers' and administrators' accounts: username, name shown to staff, "
                              "role title, email address, password (as a one-way hash), last sign-in",
                              "To let them sign in and to show staff who runs a session",
                              "While the account exists; one named by a session or the audit trail cannot be "
                              "deleted, only made inactive, so the record keeps who did what"),
        "sessions_app.Invitation": ("Each invitation's email address, role and sites, who sent it, and when it was "
                                    "sent, accepted or withdrawn", "To let managers add people to the service",
                                    "Kept as the service's record of who gave whom a role"),
        "otp_totp.TOTPDevice": ("The secret key of each authenticator app set up for two-factor sign-in, and its "
                                "name", "To check two-factor codes at sign-in", "Until its owner removes it"),
        "otp_static.StaticDevice": ("Each account's unused recovery codes", "To let a person sign in who has lost "
                                    "their authenticator app", "Until used, replaced or the account's owner removes them"),
        "otp_static.StaticToken": ("The recovery codes themselves, each usable once", "As above",
                                   "Until used or replaced"),
        "sessions_app.Session": ("Each session's supervisor, room booking note and note to staff",
                                 "To publish the sessions", "Kept as the service's record"),
        "sessions_app.Series": ("Each regular series' supervisor and note to staff", "To publish the sessions",
                                "Kept as the service's record"),
        "sessions_app.AuditEntry": ("Who changed which session, series, room or setting, when, and what it was before "
                                    "and after (for an answer to a room request, the booking contact's address); each "
                                    "sign-in through an organisation's account, and each one refused, with the "
                                    "address that account gave (never a token)", "Accountability for every change", "Kept as the service's record"),
        "sessions_app.Announcement": ("Who sent each announcement email, when, and to how many addresses",
                                      "Accountability, and to avoid sending the same dates twice",
                                      "Kept as the service's record"),
        "sessions_app.Site": ("The distribution list addresses announcements are sent to (usually team mailing lists)",
                              "To send the dates", "Until a manager changes them"),
        "sessions_app.Room": ("The room's booking contact (a name, office or address)", "To book the room",
                              "Until a manager changes it"),
        "sessions_app.ProviderIdentity": ("For someone who signs in with her organisation's account (such as "
                                          "NHSmail): that provider's identifier for her, and when she last signed "
                                          "in that way",
                                          "To find her account at her next sign-in, even if her address there changes",
                                          "While the account exists"),
        "sessions_app.TimeAway": ("Each supervisor's days away, with an optional note that only supervisors and "
                                  "managers of her sites see (such as “Annual leave”; never a health reason)",
                                  "To show which sessions need cover",
                                  "Until she or her manager removes it, or 30 days after her last day away (the "
                                  "audit keeps the days, never the note)"),
        "sessions_app.RoomRequest": ("Each room request: the booking contact's address it went to, who sent it and when",
                                     "To book rooms and keep each answer with its session",
                                     "Kept as the service's record"),
        "sessions_app.MeasureTarget": ("Who last set each site's target for a measure, and when (the target itself "
                                       "is a number about the service, not about a person)",
                                       "Accountability for targets", "Until a manager changes or clears the target"),
        "sessions_app.Feedback": ("Comments left with the pulse, with the site, week and the role the writer chose to "
                                  "be shown as; never a name, a time or an address, and not linked to the answer",
                                  "To show approved comments to staff and in the report",
                                  f"{settings.DROPIN_RETENTION_MONTHS} whole months (DROPIN_RETENTION_MONTHS)"),
        "sessions.Session": ("A signed-in person's sign-in, server side", "To keep them signed in",
                             f"Until they sign out or {settings.SESSION_COOKIE_AGE // 3600} hours without using it"),
        "admin.LogEntry": ("Changes a service administrator made in the admin, with who made them",
                           "Accountability for repairs", "Kept as the service's record"),
        "axes.AccessAttempt": ("Failed sign-ins: the username tried, the network address and browser",
                               "To lock out someone guessing passwords", "Until the lock-out ends or is reset"),
        "axes.AccessFailureLog": ("Each failed sign-in: the username tried, the network address and browser",
                                  "To investigate attacks on sign-in", "90 days (axes_reset_logs --age 90)"),
        "axes.AccessLog": ("Each sign-in and sign-out: the username, the network address and browser",
                           "To investigate misuse of an account", "90 days (axes_reset_logs --age 90)"),
    }


def cookies() -> list[tuple[str, str, str]]:
    """Every cookie the app sets: its name, what it holds and why, and how long it lasts."""
    return [
        (settings.SESSION_COOKIE_NAME, "Keeps a supervisor or manager signed in. Only people who sign in get it.",
         f"{settings.SESSION_COOKIE_AGE // 3600} hours after they last use the service, or until they sign out"),
        (settings.CSRF_COOKIE_NAME, "Stops other websites sending forms in your name. It holds a random value.",
         "1 year" if settings.CSRF_COOKIE_AGE == 31449600 else f"{settings.CSRF_COOKIE_AGE} seconds"),
        (CookieStorage.cookie_name, "Shows a message once after something you did, such as “Session cancelled”.",
         "Until the message is shown"),
        (ANSWERED_COOKIE, "Remembers that this browser answered the pulse this week, so the same person is not "
                          "counted twice. It holds only the week (such as 2026-W49), signed.",
         "Until the end of the week"),
    ]


def _controller() -> dict:
    return {"controller": settings.DROPIN_CONTROLLER, "dpo": settings.DROPIN_DPO_CONTACT,
            "accessibility_contact": settings.DROPIN_ACCESSIBILITY_CONTACT}


@require_safe
def accessibility(request):
    """Who may see it: anyone. The accessibility statement (Public Sector Bodies Accessibility Regulations 2018)."""
    return render(request, "legal/accessibility.html", _controller())


@require_safe
def privacy(request):
    """Who may see it: anyone. The privacy notice (UK GDPR Article 13)."""
    return render(request, "legal/privacy.html", {
        **_controller(), "held": list(personal_data().values()), "retention_months": settings.DROPIN_RETENTION_MONTHS,
        "threshold": settings.DROPIN_SUPPRESSION_THRESHOLD,
    })


@require_safe
def cookies_page(request):
    """Who may see it: anyone. The cookies Drop-in sets: all strictly necessary."""
    return render(request, "legal/cookies.html", {"cookies": cookies()})
