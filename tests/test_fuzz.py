"""Hostile input on every form and every query parameter: never a 500, and nothing half-saved.

Each row of FORMS is one form or query string, with a submission that would succeed. Hypothesis
swaps some of its fields for hostile values (empty, huge, NUL bytes, wrong types, far-past and
far-future dates, right-to-left text, HTML and SQL fragments, 1e308, -0, NaN, invalid
percent-escapes, repeated keys, a file where text belongs), sends it, and checks that:

- the status is one that URL may answer (a 500 fails, and so does any exception);
- a request that did not succeed (an error page, a form shown again with errors, a redirect with
  an error message, any GET) left every row of every model exactly as it was;
- a request that did succeed left every row passing full_clean();
- no HTML page echoes the HTML it was sent unescaped, and no CSV cell starts a formula.

Every example runs in a savepoint that is rolled back, so each starts from the same rows. To
cover a new form, add a row to FORMS. To search longer: DROPIN_FUZZ_EXAMPLES=200 (default 10).
"""
import csv
import dataclasses
import datetime
import io
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from sessions_app.models import (Announcement, Contract, Feedback, Invitation, Session, SicknessRecord, Site, User,
                                 week_of)
from sessions_app.services.announcements import period_for
from sessions_app.services.calendar_addresses import calendar_token
from sessions_app.services.invitations import invitation_token
from sessions_app.services.feedback import pulse_today
from sessions_app.services.sickness_import import sickness_preview
from tests.factories import (lunchtime_in_days, make_contract, make_room, make_series_session, make_session,
                             make_supervisor, make_team)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    # Signing in with a wrong password runs the password hasher: the slow one would be most of the time here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Database-backed tests: every example is a few requests, so few examples and no deadline. The
# examples that failed are kept under .pytest_cache (ignored by git) and tried first next time.
settings.register_profile(
    "dropin-db", max_examples=int(os.environ.get("DROPIN_FUZZ_EXAMPLES", "10")), deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.large_base_example],
    database=DirectoryBasedExampleDatabase(Path(__file__).resolve().parent.parent / ".pytest_cache" / "hypothesis"),
    print_blob=True,
)
settings.register_profile("dropin-deep", parent=settings.get_profile("dropin-db"), max_examples=400)
FUZZ = settings.get_profile(os.environ.get("DROPIN_FUZZ_PROFILE", "dropin-db"))

# Hostile values

HUGE = 10_001
SCRIPT = '<script>alert("dropin")</script>'
IMG = '"><img src=x onerror=alert(1)>'
NASTY = [
    "", " ", "\t\r\n", "\x00", "a\x00b", "\x00" * 3, "x" * HUGE, "\u202e" * HUGE, "9" * HUGE, "<b>" * 4000,
    "\u202eevil\u202c", "\u202e2026-03-01", "\u200b", "\ufeff", "😀" * 3, "ﷺ", "Ω≈ç√", "e\u0301",
    SCRIPT, IMG, "{{ 7|add:7 }}", "{% debug %}", "${7*7}", "javascript:alert(1)",
    "' OR '1'='1", "'; DROP TABLE sessions_app_session; --", "1; SELECT pg_sleep(5)--", "%", "%%", "_", "\\", "'",
    "1e308", "-1e308", "1e-308", "-0", "0", "-1", "NaN", "nan", "Infinity", "-inf", "0x10", "1_000", "١٢", "１２",
    "9" * 400, "2147483648", "9223372036854775808", "18446744073709551616", "-9223372036854775809", "1.5", "True", "None", "null", "[]", "{}",
    "0001-01-01", "9999-12-31", "99999-01-01", "1-1-1", "01/01/0001", "31/12/9999", "1/1/99999", "2026-02-30",
    "2026-13-01", "0000-00-00", "29/02/2100", "0001-01", "9999-12", "99999-12", "January 1", "Sept 99999",
    "00:00", "23:59:59.999999", "24:00", "25:61", "-1:00", "12:00 PM",
    "../../etc/passwd", "=cmd|' /C calc'!A0", "+1", "@SUM(A1)", "-2+3", "\r\n\r\nInjected: header",
]
# Fragments put into a query string or a urlencoded body as they are, not %-encoded.
RAW_ESCAPES = ["%", "%f", "%zz", "%ff%fe", "%c3%28", "%ed%a0%80", "%00", "%E2%80%AE", "+", "&&", "==", ";", "%25%"]


class Raw(str):
    """A query-string fragment sent exactly as written (an invalid %-escape, say)."""


OMIT = object()  # the field is not sent at all
PREVIEWED = object()  # filled in by the row's prepare() with what a real preview gave


def hostile() -> st.SearchStrategy:
    """Return a strategy of one hostile value for a single field."""
    text = st.one_of(
        st.sampled_from(NASTY),
        st.text(max_size=30),
        st.integers(min_value=-(10 ** 30), max_value=10 ** 30).map(str),
        st.floats().map(repr),
        st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)).flatmap(
            lambda day: st.sampled_from([day.isoformat(), f"{day:%d/%m/%Y}", f"{day:%Y-%m}", f"{day:%B %Y}"])),
        st.times().map(str),
    )
    return st.one_of(
        text,
        st.lists(text, min_size=2, max_size=4),  # the same key sent several times
        st.just(OMIT),
        st.sampled_from(RAW_ESCAPES).map(Raw),
        st.binary(max_size=50).map(lambda data: SimpleUploadedFile("x.txt", data)),  # a file where text belongs
    )


@st.composite
def submissions(draw, valid: dict, alternatives: dict[str, list]) -> dict:
    """Return the valid submission with some fields swapped for other choices or hostile values.

    Half the time only other choices (another site's room, the last day allowed, a clock change):
    combinations a person could make, which reach the saving code more often than junk does.
    """
    data = dict(valid)
    plausible = draw(st.booleans()) and alternatives
    names = sorted(alternatives if plausible else set(valid) | set(alternatives)) or ["x"]
    for name in draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names))):
        choices = alternatives.get(name, [])
        data[name] = draw(st.sampled_from(choices) if plausible else
                          st.one_of(hostile(), st.sampled_from(choices)) if choices else hostile())
    for _ in range(draw(st.integers(0, 2))):  # keys no form knows
        data[draw(st.sampled_from(["x", "site[]", "__proto__", "csrfmiddlewaretoken", "a" * 300, "%00"]))] = \
            draw(st.sampled_from(NASTY))
    return data


def _plain(value) -> str:
    return quote(value, safe="") if not isinstance(value, Raw) else value


def query_string(data: dict) -> str:
    """Encode a submission as a query string (or urlencoded body), keeping Raw fragments as they are."""
    parts = []
    for name, value in data.items():
        if value is OMIT:
            continue
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, SimpleUploadedFile):
                one = one.read().decode("latin-1")
            parts.append(f"{_plain(name)}={_plain(one)}")
    return "&".join(parts)


def multipart(data: dict) -> dict:
    """Return a submission as the test client posts it (multipart), Raw fragments as plain text."""
    return {name: [str(one) for one in value] if isinstance(value, list) else
            value if isinstance(value, SimpleUploadedFile) else str(value)
            for name, value in data.items() if value is not OMIT}


# The rows every example starts from


def _last_sunday(year: int, month: int) -> datetime.date:
    day = datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)
    return day - datetime.timedelta(days=(day.weekday() + 1) % 7)


@dataclasses.dataclass
class World:
    site: object
    other_site: object
    teams: list
    other_team: object
    rooms: list
    inactive_room: object
    other_room: object
    supervisor: object
    manager: object
    sessions: dict
    feedback: object
    today: datetime.date

    @property
    def dates(self) -> list[str]:
        """Dates a form should accept, and the clock changes within reach (in several spellings)."""
        soon = [self.today + datetime.timedelta(days=n) for n in (1, 9, 40)]
        year = self.today.year
        changes = [day for day in (_last_sunday(year, 3), _last_sunday(year, 10), _last_sunday(year + 1, 3),
                                   _last_sunday(year + 1, 10)) if day > self.today][:2]
        return [day.isoformat() for day in soon + changes] + [f"{soon[0]:%d/%m/%Y}"]

    def future_date(self, days: int) -> str:
        return (self.today + datetime.timedelta(days=days)).isoformat()


@pytest.fixture
def world(site, supervisor, manager, other_supervisor) -> World:
    now = timezone.now()
    teams = [make_team(site, name="Mental health in-reach", slug="mh"), make_team(site, name="Primary care", slug="pc")]
    other_site = other_supervisor.supervised_sites.get()
    rooms = [site.rooms.get(), make_room(site, name="Chapel side room")]
    for month in (1, 2):
        SicknessRecord.objects.create(team=teams[0], month=datetime.date(now.year - 1, month, 1), fte_days_lost=10,
                                      fte_days_available=400)
    make_contract(version=1)
    sessions = {
        "future": make_series_session(site=site, room=rooms[0], supervisor=supervisor,
                                      starts_at=lunchtime_in_days(3, site.zone)),
        "running": make_session(site=site, room=rooms[1], supervisor=supervisor,
                                starts_at=now - datetime.timedelta(minutes=30)),
        "past": make_session(site=site, room=rooms[0], supervisor=supervisor, starts_at=now - datetime.timedelta(days=2)),
        "cancelled": make_session(site=site, room=rooms[1], supervisor=supervisor, status="cancelled",
                                  cancel_reason="Wing locked down", starts_at=now + datetime.timedelta(days=5)),
    }
    feedback = Feedback.objects.create(site=site, comment="The room is calm.", week=week_of(pulse_today(site=site)))
    # Sent before, so sending again asks first and a changes email has something to compare with.
    starts_on, ends_on = period_for(site=site, weeks=4)
    Announcement.objects.create(site=site, starts_on=starts_on, ends_on=ends_on, sent_by=supervisor, recipients=2,
                                sessions={str(s.pk): {"starts_at": s.starts_at.isoformat(), "ends_at":
                                                      s.ends_at.isoformat(), "room": s.room_id}
                                          for s in sessions.values()})
    site.announcement_addresses = "mh-team@nhs.example"
    site.save()
    return World(
        site=site, other_site=other_site, teams=teams, other_team=make_team(other_site, slug="other-team"),
        rooms=rooms, inactive_room=make_room(site, name="Old office", is_active=False), other_room=make_room(other_site),
        supervisor=supervisor, manager=manager, sessions=sessions, feedback=feedback,
        today=timezone.localdate(),
    )


# What a row of the table says


def queued_messages(response) -> list:
    # Only the messages this request added (the storage also holds those carried in by the cookie).
    storage = getattr(response.wsgi_request, "_messages", None)
    return list(getattr(storage, "_queued_messages", []))


def redirect_without_error(response) -> bool:
    return response.status_code == 302 and all(m.level < messages.ERROR for m in queued_messages(response))


@dataclasses.dataclass(frozen=True, repr=False)
class Form:
    name: str
    who: str  # "anonymous", "supervisor" or "manager"
    paths: Callable[[World], list[str]]  # the first is the one tried with too many fields
    valid: Callable[[World], dict]
    alternatives: Callable[[World], dict[str, list]] = lambda w: {}
    method: str = "post"
    allowed: frozenset = frozenset({200, 302})
    succeeded: Callable = redirect_without_error  # (response) -> whether it may have saved something
    prepare: Callable | None = None  # (client, path, data, csv) -> data, for fields only a real preview gives
    headers: st.SearchStrategy = st.just({})
    csv_file: bool = False  # draw a hostile CSV file for it

    def __str__(self):
        return self.name

    __repr__ = __str__


def session_paths(action: str):
    return lambda w: [f"/supervise/sessions/{w.sessions[name].pk}/{action}" for name in sorted(w.sessions)]


BIG_IDS = ["9223372036854775808", "-9223372036854775809", "0", "-1"]  # ids no row has, some beyond 64 bits


def pks(*objects) -> list[str]:
    return [str(obj.pk) for obj in objects]


def tally_succeeded(response) -> bool:
    if response.get("Content-Type", "").startswith("application/json"):
        said = json.loads(response.content)["message"]
    else:
        said = " ".join(str(m) for m in queued_messages(response))
    return said.startswith(("Counted", "Undone"))


def pulse_succeeded(response) -> bool:
    return response.status_code == 302 and response.url.endswith("/thanks/")


def series_preview_first(client, path, data, csv_data):
    """Confirm with the fingerprint a real preview of the same choices gave (when the row asks for it)."""
    if data.get("fingerprint") is PREVIEWED:
        shown = client.post(path, multipart({**data, "action": "preview", "fingerprint": ""}))
        plan = shown.context and shown.context.get("plan")
        data = {**data, "fingerprint": plan.fingerprint if plan else ""}
    return data


def announce_shown_first(client, path, data, csv_data):
    """Send with the digest of the email the page really showed."""
    if data.get("shown") is PREVIEWED:
        shown = client.get(path)
        email = shown.context and shown.context.get("email")
        data = {**data, "shown": email.digest if email else ""}
    return data


def sickness_previewed_first(client, path, data, csv_data):
    """Confirm with the payload and signature of a real preview of a CSV file that Hypothesis wrote."""
    if data.get("payload") is PREVIEWED or data.get("signature") is PREVIEWED:
        shown = client.post(path, {"site": data["site"] if isinstance(data.get("site"), str) else "",
                                   "action": "preview", "file": SimpleUploadedFile("s.csv", csv_data)})
        parsed = shown.context and shown.context.get("parsed")
        for name in ("payload", "signature"):
            if data.get(name) is PREVIEWED:
                data = {**data, name: getattr(parsed, name) if parsed and parsed.can_import else ""}
    return data


def invitation_token_for(w: World) -> str:
    """Return the link of a pending invitation to be a supervisor at the world's site."""
    invitation = Invitation.objects.pending().filter(email="invited@example.nhs.uk").first()
    if invitation is None:
        invitation = Invitation.objects.create(email="invited@example.nhs.uk", role="supervisor",
                                               invited_by=w.manager, sent_at=timezone.now())
        invitation.sites.add(w.site)
    return invitation_token(invitation=invitation)


def room_request_token_for(w: World) -> str:
    """Return the link a booking contact was sent for the world's future session, still unanswered."""
    from sessions_app.models import RoomRequest, RoomRequestDate
    from sessions_app.services.room_requests import room_request_token

    session = w.sessions["future"]
    date = RoomRequestDate.objects.filter(session=session).first()
    if date is None:
        request = RoomRequest.objects.create(room=session.room, sent_to="bookings@example.nhs.uk", sent_by=w.supervisor)
        date = RoomRequestDate.objects.create(request=request, session=session, starts_at=session.starts_at,
                                              ends_at=session.ends_at)
        Session.objects.filter(pk=session.pk).update(room_booking="requested")  # waiting for this answer
    return room_request_token(date=date)


def room_answered(response) -> bool:
    return response.status_code == 200 and b'class="nhsuk-panel__title"' in response.content


def a_date_to_request(client, path, data, csv_data):
    """Give the world's site a date to request in a room with a booking email (the example's savepoint removes it)."""
    from tests.helpers import BOOKINGS, to_request

    site = Site.objects.get(slug="hmp-northgate")
    room = make_room(site, name="Chaplaincy", booking_contact="Admin office", booking_email=BOOKINGS)
    to_request(site, room, site.supervisors.first(), 12)
    return data


def contract_draft_first(client, path, data, csv_data):
    """Start a draft, and send back what its real preview showed (when the row asks for it)."""
    client.post("/manage/contract/draft/start/")
    if PREVIEWED in data.values():
        form = client.get("/manage/contract/draft/preview/").context["form"]
        data = {**data, **{name: str(form[name].value()) for name in ("version", "fingerprint")
                           if data.get(name) is PREVIEWED}}
    return data


SITE_FIELDS = {"name": "HMP Southfield", "slug": "", "time_zone": "Europe/London", "bank_holidays": "ENG", "lunch_starts_at": "12:00",
               "lunch_ends_at": "13:00", "minutes_per_person": "15", "announcement_addresses": "", "service_name": "",
               "supervisor_described": "a senior nurse", "time_described": ""}
SITE_CHOICES = {"slug": ["hmp-northgate", "Upper-Case", "a" * 61, "-", "hmp-elsewhere"],
                "time_zone": ["GB", "Mars/Base", "Europe/Dublin", ""], "lunch_ends_at": ["11:00", "12:00"],
                "bank_holidays": ["SCT", "NIR", "WLS", ""],
                "minutes_per_person": ["0", "240", "241", "32768"], "name": ["", "!!!", "HMP Northgate"],
                "announcement_addresses": ["not an address", "a@b.c, d@e.f"], "service_name": ["Time to talk"],
                "supervisor_described": ["", "A psychologist.", "...", "x" * 101],
                "time_described": ["After the morning briefing.", ".", "x" * 151]}
CONTRACT_SECTIONS = {field: f"New {field}." for field, _ in Contract.SECTIONS}


# Hostile CSV files

FORMULAS = ["=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\")", "+1+1", "-1+1", "@SUM(A1:A2)", "\t=1", "=1,2"]


@st.composite
def csv_files(draw, team_names: list[str]) -> bytes:
    """Return a CSV file's bytes: sometimes good, often broken in one of the ways real files are."""
    cell = st.one_of(
        st.sampled_from(team_names), st.sampled_from(["2025-01", "03/2025", "March 2025", "Mar-25", "2025-02-01"]),
        st.sampled_from(["10", "12.5", "400", "1,234.5", "0"]), st.sampled_from(FORMULAS), st.sampled_from(NASTY[:40]),
        st.text(max_size=20), st.just("y" * 200_000),  # longer than the csv module's field limit
    )
    this_month = f"{timezone.localdate():%Y-%m}"  # a month not yet ended: refused unless confirmed
    good_row = st.tuples(st.sampled_from(team_names[:2]), st.sampled_from(["2025-01", "2025-02", "Mar-25", this_month]),
                         st.sampled_from(["0", "10", "12.5"]), st.sampled_from(["400", "420.25"])).map(list)
    if draw(st.booleans()):  # a file that imports, to reach the confirmation and the save
        header, rows = ["team", "month", "fte_days_lost", "fte_days_available"], draw(st.lists(good_row, max_size=4))
    else:
        header = draw(st.one_of(st.permutations(["Team", "Month ", "FTE days lost", "fte_days_available"]),
                                st.lists(cell, max_size=5)))
        rows = draw(st.lists(st.one_of(good_row, st.lists(cell, max_size=6)), max_size=6))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    if draw(st.booleans()):
        out = io.StringIO()
        csv.writer(out, lineterminator=newline).writerows([header, *rows])
        text = out.getvalue()
    else:  # joined by hand: quotes left unbalanced, commas inside cells
        text = newline.join(",".join(row) for row in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "mixed"]))
    if encoding == "mixed":  # the header in UTF-8, the rest in Windows-1252
        head, _, rest = text.partition(newline)
        data = head.encode() + newline.encode() + rest.encode("cp1252", errors="replace")
    else:
        data = text.encode(encoding, errors="replace")
    spoil = draw(st.sampled_from(["", "", "", "binary", "workbook", "semicolons", "nul", "huge line"]))
    if spoil == "binary":
        return draw(st.binary(max_size=300))
    return {"": data, "workbook": b"PK\x03\x04" + data, "semicolons": data.replace(b",", b";"),
            "nul": data + b"\x00", "huge line": data + b"x" * 1_000_000}[spoil]


# The table: every form and every query string



def a_colleague_first(client, path, data, csv_data):
    """Hand-over needs a second supervisor at the site, who is in that day."""
    colleague = make_supervisor(Site.objects.get(slug="hmp-northgate"), display_name="Priya Shah")
    return {**data, "supervisor": str(colleague.pk)} if data.get("supervisor") is PREVIEWED else data


def signed_in(client) -> User:
    return User.objects.get(pk=client.session["_auth_user_id"])


def give_the_supervisor_an_app(client, path, data, csv_data):
    """The code page is for a person with an authenticator app (the example's savepoint takes it away again)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=signed_in(client), name="Authenticator app", confirmed=True)
    return data


def code_of_the_app_being_set_up(client, path, data, csv_data):
    """Send the code the app being set up shows now, where the row asks for it."""
    from django_otp.oath import TOTP

    from sessions_app.services.accounts import two_factor_pending

    if data.get("code") is PREVIEWED:
        device = two_factor_pending(user=signed_in(client))
        data = {**data, "code": f"{TOTP(device.bin_key).token():06d}"}
    return data


def recovery_codes_shown(response) -> bool:
    return b"<h1>Save your recovery codes</h1>" in response.content


def reset_form_path(w) -> str:
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    return f"/account/password-reset/{urlsafe_base64_encode(force_bytes(w.supervisor.pk))}/set-password/"


def open_the_reset_link(client, path, data, csv_data):
    """Open a real emailed link first: it leaves its token in the session for the form's address."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.http import urlsafe_base64_decode

    uid = path.split("/")[-3]
    user = User.objects.get(pk=int(urlsafe_base64_decode(uid)))
    client.get(f"/account/password-reset/{uid}/{default_token_generator.make_token(user)}/")
    return data


FORMS = [
    # Staff: no account.
    Form("upcoming filters", "anonymous", lambda w: ["/"], method="get",
         valid=lambda w: {"site": w.site.slug, "team": "mh", "weeks": "8"},
         alternatives=lambda w: {"site": [w.other_site.slug, ""], "team": ["pc", "other-team", ""],
                                 "weeks": ["1", "52", "53", "0"]},
         allowed=frozenset({200})),
    Form("poster weeks", "anonymous", lambda w: [f"/poster/{w.site.slug}/"], method="get",
         valid=lambda w: {"weeks": "4"}, allowed=frozenset({200})),
    Form("pulse thanks", "anonymous", lambda w: [f"/pulse/{w.site.slug}/thanks/"], method="get",
         valid=lambda w: {"already": "1"}, allowed=frozenset({200})),
    Form("calendar feeds with junk validators", "anonymous",
         lambda w: [f"/calendar/{w.site.slug}.ics", f"/calendar/{w.site.slug}/mh.ics",
                    f"/sessions/{w.sessions['future'].pk}/calendar.ics",
                    f"/calendar/supervisor/{calendar_token(user=w.supervisor)}.ics"],
         method="get", valid=lambda w: {}, allowed=frozenset({200, 304, 412}),
         headers=st.dictionaries(
             st.sampled_from(["HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH",
                              "HTTP_IF_UNMODIFIED_SINCE"]),
             st.one_of(st.sampled_from(['*', 'W/"x"', '"', '""', '"a", W/"b", *', ",,,", "W/", '"' * 1000,
                                        "Mon, 32 Foo 99999 25:61:61 GMT", "Thu, 01 Jan 1970 00:00:00 GMT",
                                        "Fri, 31 Dec 9999 23:59:59 GMT", "0", "-1", "99999999999999999999",
                                        "Sunday, 06-Nov-94 08:49:37 GMT", "\u202e", "x" * HUGE]),
                       st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=40)))),
    Form("pulse", "anonymous", lambda w: [f"/pulse/{w.site.slug}/"],
         valid=lambda w: {"score": "4", "team": "mh", "attended": "yes", "comment": "Good to have a space.",
                          "shown_as": ""},
         alternatives=lambda w: {"score": ["1", "5", "0", "6"], "team": ["pc", "", "other-team"],
                                 "attended": ["no", "prefer_not", ""], "shown_as": ["nurse", "other", "role"],
                                 "comment": ["", "x" * 2000, "a\r\n" * 600]},
         allowed=frozenset({200, 302, 429}), succeeded=pulse_succeeded,
         headers=st.fixed_dictionaries({}, optional={"HTTP_COOKIE": st.sampled_from(
             ["dropin_pulse=junk", "dropin_pulse=\x00", "dropin_pulse=" + "a:" * 500])})),
    # Supervisors, at their site.
    Form("add a session (links that pre-fill it)", "supervisor", lambda w: ["/supervise/sessions/add/"],
         method="get", valid=lambda w: {"date": w.future_date(1), "kind": "extra", "site": w.site.slug},
         allowed=frozenset({200})),
    Form("add a session", "supervisor", lambda w: ["/supervise/sessions/add/"],
         valid=lambda w: {"site": str(w.site.pk), "date": w.future_date(20), "start_time": "", "end_time": "",
                          "room": "", "kind": "ad_hoc", "audience_teams": [], "public_note": ""},
         alternatives=lambda w: {"site": [*pks(w.other_site), *BIG_IDS], "date": w.dates,
                                 "start_time": ["01:30", "11:00"],
                                 "end_time": ["02:30", "13:00", "10:00"],
                                 "room": pks(*w.rooms, w.inactive_room, w.other_room),
                                 "kind": ["extra", "regular"], "supervisor": [*pks(w.supervisor, w.manager), *BIG_IDS],
                                 "use_anyway": ["on", ""],
                                 "audience_teams": [pks(*w.teams), pks(w.other_team), BIG_IDS[:1], BIG_IDS]}),
    Form("move a session", "supervisor", session_paths("move/"),
         valid=lambda w: {"date": w.future_date(30), "start_time": "11:00", "end_time": "13:00",
                          "room": str(w.rooms[1].pk), "reason": "Room needed for a visit"},
         alternatives=lambda w: {"date": w.dates, "start_time": ["00:30", "01:30", "23:00"],
                                 "end_time": ["02:30", "23:59", "03:00"],
                                 "room": [*pks(w.rooms[0], w.inactive_room, w.other_room), "", *BIG_IDS],
                                 "use_anyway": ["on", "False"], "email_now": ["on", ""]}),
    Form("cancel a session", "supervisor", session_paths("cancel/"), valid=lambda w: {"reason": "Wing locked down"},
         alternatives=lambda w: {"email_now": ["on", "", "off"]}),
    Form("hand a session over", "supervisor", session_paths("cover/"), valid=lambda w: {"supervisor": PREVIEWED},
         alternatives=lambda w: {"supervisor": [*pks(w.supervisor, w.manager), *BIG_IDS, ""]},
         prepare=a_colleague_first),
    *[Form(f"record time away as {who}", who, lambda w: ["/supervise/time-away/"],
           valid=lambda w: {"supervisor": str(w.supervisor.pk), "starts_on": w.future_date(3),
                            "ends_on": w.future_date(4), "note": "Annual leave"},
           alternatives=lambda w: {"supervisor": [*pks(w.manager), *BIG_IDS, ""], "starts_on": w.dates,
                                   "ends_on": w.dates, "note": ["", "x" * 201]})
      for who in ("supervisor", "manager")],
    Form("tally", "supervisor", session_paths("tally/"),
         valid=lambda w: {"action": "arrived", "staff_group": "", "next": ""},
         alternatives=lambda w: {"action": ["started", "finished", "left", "undo", "seen"],
                                 "staff_group": ["nurse", "prison", "other"],
                                 "next": ["/supervise/", "https://evil.example/", "//evil.example/"]},
         succeeded=tally_succeeded,
         headers=st.sampled_from([{}, {"HTTP_ACCEPT": "application/json"}])),
    Form("room booking", "supervisor", session_paths("room-booking/"),
         valid=lambda w: {"room_booking": "requested", "note": "Asked prison admin"},
         alternatives=lambda w: {"room_booking": ["confirmed", "declined", "not_needed"]},
         allowed=frozenset({302})),
    Form("correct the totals", "supervisor", session_paths("correct/"),
         valid=lambda w: {"seen": "4", "not_seen": "1", "reason": "Two presses missed"},
         alternatives=lambda w: {"seen": ["0", "500", "501"], "not_seen": ["0", "500"]},
         allowed=frozenset({302})),
    *[Form(f"add a room as {who}", who, lambda w: ["/supervise/rooms/add/"],
           valid=lambda w: {"site": str(w.site.pk), "name": "Quiet room", "directions": "By the chapel", "seats": "3",
                            "is_private": "on", "is_comfortable": "on", "is_not_working_office": "on",
                            "has_step_free_access": "", "owner": "prison", "booking_contact": "", "is_active": "on"},
           alternatives=lambda w: {"site": [*pks(w.other_site), *BIG_IDS], "name": ["Wellbeing room", "Chapel side room"],
                                   "seats": ["1", "0", "32767", "32768"], "owner": ["healthcare", "other"],
                                   "is_private": ["", "off", "false"],
                                   "booking_email": ["bookings@example.nhs.uk", "not an address", "a@" + "b" * 300]})
      for who in ("supervisor", "manager")],
    # A manager works on every site, so the site field offers them all.
    *[Form(f"edit a room as {who}", who,
           lambda w: [f"/supervise/rooms/{room.pk}/" for room in (w.rooms[0], w.inactive_room)],
           valid=lambda w: {"site": str(w.site.pk), "name": "Renamed room", "directions": "", "seats": "2",
                            "is_private": "on", "is_comfortable": "on", "is_not_working_office": "on",
                            "owner": "healthcare", "booking_contact": "ext 4412", "is_active": "on"},
           alternatives=lambda w: {"site": pks(w.other_site), "name": ["Chapel side room"], "is_active": [""],
                                   "booking_email": ["bookings@example.nhs.uk", "BOOKINGS@EXAMPLE", ""]})
      for who in ("supervisor", "manager")],
    Form("add a series (preview and confirm)", "supervisor", lambda w: ["/supervise/series/add/"],
         valid=lambda w: {"site": str(w.site.pk), "weekdays": ["1", "3"], "every_weeks": "1",
                          "starts_on": w.future_date(7), "ends_on": w.future_date(60), "start_time": "",
                          "end_time": "", "skip_dates": "", "room": "", "audience_teams": [], "public_note": "",
                          "action": "confirm", "fingerprint": PREVIEWED},
         alternatives=lambda w: {"weekdays": [["0", "1", "2", "3", "4", "5", "6"], ["7"], []],
                                 "supervisor": [*pks(w.supervisor, w.manager), BIG_IDS[0], ""],
                                 "use_anyway": ["on"], "every_weeks": ["8", "9", "0"], "starts_on": w.dates, "ends_on": w.dates,
                                 "start_time": ["01:30", "11:00"], "end_time": ["02:30", "16:00"],
                                 "skip_dates": [w.future_date(9), f"{w.dates[0]}, 31/12/9999\n01/01/0001",
                                                "\n".join([w.future_date(9)] * 3000)],
                                 "room": [*pks(*w.rooms, w.inactive_room, w.other_room), *BIG_IDS],
                                 "audience_teams": [pks(*w.teams), pks(w.other_team), BIG_IDS[1:2]],
                                 "action": ["preview", ""]},
         prepare=series_preview_first),
    Form("edit a series (preview and confirm)", "supervisor",
         lambda w: [f"/supervise/series/{w.sessions['future'].series_id}/"],
         valid=lambda w: {"weekdays": ["2"], "every_weeks": "2", "starts_on": w.future_date(1),
                          "ends_on": w.future_date(90), "start_time": "11:00", "end_time": "12:30", "skip_dates": "",
                          "room": str(w.rooms[1].pk), "audience_teams": pks(w.teams[0]), "public_note": "Moved",
                          "action": "confirm", "fingerprint": PREVIEWED},
         alternatives=lambda w: {"starts_on": w.dates, "ends_on": w.dates, "every_weeks": ["1", "8"],
                                 "room": [*pks(w.other_room, w.inactive_room), "", *BIG_IDS],
                                 "audience_teams": [pks(w.other_team), BIG_IDS], "site": pks(w.other_site)},
         prepare=series_preview_first),
    Form("cancel the rest of a series", "supervisor",
         lambda w: [f"/supervise/series/{w.sessions['future'].series_id}/cancel/"],
         valid=lambda w: {"reason": "The team moved wing"}),
    Form("announce (choose)", "supervisor", lambda w: ["/supervise/announce/", "/supervise/announce/changes/"],
         method="get", valid=lambda w: {"site": w.site.slug, "weeks": "4"},
         alternatives=lambda w: {"site": [w.other_site.slug], "weeks": ["1", "12", "13"]}, allowed=frozenset({200})),
    Form("announce (send)", "supervisor",
         lambda w: [f"/supervise/announce/?site={w.site.slug}&weeks=4",
                    f"/supervise/announce/changes/?site={w.site.slug}"],
         valid=lambda w: {"addresses": "mh-team@nhs.example\nprimary-care@nhs.example", "shown": PREVIEWED,
                          "action": "send"},
         alternatives=lambda w: {"addresses": ["a@b.c, d@e.f; g@h.i", "not an address", "x@" + "y" * 300 + ".uk",
                                               "mh-team@nhs.example"],
                                 "action": ["again"]},
         prepare=announce_shown_first),
    Form("feedback review", "supervisor", lambda w: [f"/supervise/feedback/{w.feedback.pk}/"],
         valid=lambda w: {"action": "approve"}, alternatives=lambda w: {"action": ["reject"]},
         allowed=frozenset({302})),
    # Managers.
    Form("weekly target", "manager", lambda w: [f"/supervise/demand/targets/{w.supervisor.pk}/"],
         valid=lambda w: {"weekly_target_hours": "2.5"},
         alternatives=lambda w: {"weekly_target_hours": ["", "0", "60", "60.1", "2.55", "-0", "1e1"]},
         allowed=frozenset({302})),
    *[Form(f"insights filters on {path.strip('/')} as {who}", who, lambda w, path=path: [path], method="get",
           valid=lambda w: {"site": w.site.slug, "team": "mh", "start": "2025-01", "end": "2025-12"},
           alternatives=lambda w: {"site": [w.other_site.slug, ""], "team": ["pc", "other-team", ""],
                                   "start": ["1900-01", "1899-12", "March 2025", "01/2025", "2020-01"],
                                   "end": ["1900-01", "2025-01", "2024-12", "2099-01"]},
           allowed=frozenset({200, 302}))
      for path in ["/insights/", "/insights/figures.csv", "/insights/monthly-return.csv", "/insights/report/",
                   "/insights/board/"]
      for who in (["manager", "supervisor"] if path == "/insights/" else ["manager"])],
    Form("service start dates", "manager",
         lambda w: [f"/insights/service-start/?site={slug}" for slug in (w.site.slug, w.other_site.slug, "", "%00")],
         valid=lambda w: {"site_started_on": w.future_date(-300), **{f"team_{t.pk}": "" for t in w.teams}},
         alternatives=lambda w: {"site_started_on": ["", *w.dates], f"team_{w.teams[0].pk}": w.dates},
         allowed=frozenset({200, 302, 404})),  # 404: a site asked for that is not hers (the %00 one)
    Form("measure targets", "manager",
         lambda w: [f"/insights/targets/?site={slug}" for slug in (w.site.slug, w.other_site.slug, "", "%00")],
         valid=lambda w: {"sessions_held": "8", "people_seen": "30", "people_not_seen": "0", "pulse_mean": "3.5",
                          "sickness_rate": "4.5"},
         alternatives=lambda w: {"pulse_mean": ["", "1", "5", "0.99", "5.01", "-0", "3.555"],
                                 "sickness_rate": ["", "0", "100", "100.01", "-0.01", "1e2"],
                                 "sessions_held": ["", "0", "99999.99", "100000", "-1", "8.5"]},
         allowed=frozenset({200, 302, 404})),  # 404: a site asked for that is not hers (the %00 one)
    Form("sickness page (its links)", "manager", lambda w: ["/insights/sickness/"], method="get",
         valid=lambda w: {"site": w.site.slug, "team": "mh", "month": "2025-03", "fte_days_lost": "10",
                          "fte_days_available": "400"},
         alternatives=lambda w: {"site": [w.other_site.slug, ""]}, allowed=frozenset({200})),
    Form("sickness by hand", "manager",
         lambda w: [f"/insights/sickness/?site={slug}" for slug in (w.site.slug, w.other_site.slug, "%ff")],
         valid=lambda w: {"team": "mh", "month": "2025-03", "fte_days_lost": "10", "fte_days_available": "400",
                          "replace": "yes"},
         alternatives=lambda w: {"team": ["pc", "other-team"],
                                 "month": [f"{w.today.year - 1}-01", "Jan-25", f"{w.today:%Y-%m}",
                                           f"{w.today.year + 1}-01"],
                                 "fte_days_lost": ["0", "400", "400.01", "1,234.5", "9999999.99", "10000000"],
                                 "fte_days_available": ["0", "0.01", "1,234.50"], "replace": ["no", ""],
                                 "month_not_ended": ["on", "", "yes"]}),
    Form("sickness import (upload)", "manager", lambda w: ["/insights/sickness/import/"],
         valid=lambda w: {"site": w.site.slug, "action": "preview", "file": PREVIEWED},
         alternatives=lambda w: {"site": [w.other_site.slug]}, allowed=frozenset({200}), csv_file=True),
    Form("sickness import (confirm)", "manager", lambda w: ["/insights/sickness/import/"],
         valid=lambda w: {"site": w.site.slug, "action": "confirm", "payload": PREVIEWED, "signature": PREVIEWED},
         alternatives=lambda w: {"site": [w.other_site.slug], "month_not_ended": ["on", ""]},
         prepare=sickness_previewed_first, csv_file=True),
    # Managers: their sites, teams and the supervision contract.
    Form("add a site", "manager", lambda w: ["/manage/sites/add/"], valid=lambda w: SITE_FIELDS,
         alternatives=lambda w: SITE_CHOICES),
    Form("change a site", "manager", lambda w: [f"/manage/sites/{w.site.slug}/", f"/manage/sites/{w.other_site.slug}/"],
         valid=lambda w: {**SITE_FIELDS, "name": "Renamed", "slug": "renamed"}, alternatives=lambda w: SITE_CHOICES),
    Form("add a team", "manager", lambda w: [f"/manage/sites/{w.site.slug}/teams/add/"],
         valid=lambda w: {"name": "Healthcare", "slug": "", "service_started_on": ""},
         alternatives=lambda w: {"slug": ["mh", "pc", "other-team", "UPPER"], "service_started_on": w.dates,
                                 "name": ["", "!!!"]}),
    Form("change a team", "manager",
         lambda w: [f"/manage/sites/{w.site.slug}/teams/{team.pk}/" for team in w.teams],
         valid=lambda w: {"name": "Renamed", "slug": "renamed", "service_started_on": w.future_date(-30)},
         alternatives=lambda w: {"slug": ["mh", "pc", "", "other-team"], "service_started_on": w.dates}),
    Form("retire a team", "manager",
         lambda w: [f"/manage/sites/{w.site.slug}/teams/{team.pk}/retire/" for team in w.teams],
         valid=lambda w: {"action": "retire"}, alternatives=lambda w: {"action": ["bring_back"]},
         allowed=frozenset({302})),
    Form("change the contract draft", "manager", lambda w: ["/manage/contract/draft/"],
         valid=lambda w: {"version": PREVIEWED, "fingerprint": "", **CONTRACT_SECTIONS},
         alternatives=lambda w: {"version": ["1", "3", *BIG_IDS], "limits": ["", "x" * 10_000, "x" * 10_001]},
         prepare=contract_draft_first),
    Form("publish the contract draft", "manager", lambda w: ["/manage/contract/draft/publish/"],
         valid=lambda w: {"version": PREVIEWED, "fingerprint": PREVIEWED},
         alternatives=lambda w: {"version": ["1", "3", *BIG_IDS], "fingerprint": ["", "0" * 32]},
         allowed=frozenset({302}), prepare=contract_draft_first),
    # People: invitations and roles per site.
    Form("invite a person", "manager", lambda w: ["/people/invite/"],
         valid=lambda w: {"email": "new.person@example.nhs.uk", "role": "supervisor", "sites": [str(w.site.pk)]},
         alternatives=lambda w: {"role": ["manager", "administrator", ""], "all_sites": ["on", ""],
                                 "sites": [pks(w.other_site), pks(w.site, w.other_site), BIG_IDS[:1], []],
                                 "email": ["NEW.PERSON@example.nhs.uk", "not an address", "a@b", "x" * 250 + "@a.uk"]}),
    Form("change a person's roles", "manager",
         lambda w: [f"/people/{w.supervisor.pk}/", f"/people/{w.manager.pk}/"],
         valid=lambda w: {"supervised": [str(w.site.pk)], "managed": [str(w.other_site.pk)]},
         alternatives=lambda w: {"supervised": [pks(w.other_site), BIG_IDS[:1], []], "all_sites": ["on", ""],
                                 "managed": [pks(w.site), BIG_IDS, []]}),
    Form("deactivate a person", "manager", lambda w: [f"/people/{w.supervisor.pk}/active/"],
         valid=lambda w: {"active": "no"}, alternatives=lambda w: {"active": ["yes", ""]},
         allowed=frozenset({302})),
    Form("answer an invitation", "anonymous", lambda w: [f"/invitations/{invitation_token_for(w)}/"],
         valid=lambda w: {"display_name": "Ada Obi", "role_title": "Nurse", "password1": "a long enough password",
                          "password2": "a long enough password"},
         alternatives=lambda w: {"password2": ["another long password"], "password1": ["short", "1234567890123"],
                                 "display_name": ["", "x" * 101], "role_title": ["x" * 101]},
         allowed=frozenset({200, 302})),
    # Room bookers: no account, the link is the proof.
    Form("answer a room request (its page)", "anonymous", lambda w: [f"/rooms/answer/{room_request_token_for(w)}/"],
         method="get", valid=lambda w: {"answer": "declined"}, alternatives=lambda w: {"answer": ["confirmed", ""]},
         allowed=frozenset({200})),
    Form("answer a room request", "anonymous", lambda w: [f"/rooms/answer/{room_request_token_for(w)}/"],
         valid=lambda w: {"answer": "declined", "reason": "The chapel is in use for a service"},
         alternatives=lambda w: {"answer": ["confirmed", "maybe", "CONFIRMED", ""],
                                 "reason": ["", " ", "x" * 300, "x" * 301]},
         allowed=frozenset({200}), succeeded=room_answered),
    Form("send room requests", "supervisor", lambda w: ["/supervise/rooms/requests/"],
         valid=lambda w: {"site": w.site.slug}, alternatives=lambda w: {"site": [w.other_site.slug, "", "%00"]},
         allowed=frozenset({302}), prepare=a_date_to_request),
    # Each person's own account.
    Form("two-factor code", "supervisor", lambda w: ["/sign-in/code/?next=/supervise/"],
         valid=lambda w: {"code": "123456", "next": "/supervise/"},
         alternatives=lambda w: {"code": ["", "12 34 56", "abcd2345", "١٢٣٤٥٦"],
                                 "recovery_code": ["abcd2345", "ABCD-2345", ""],
                                 "next": ["https://elsewhere.example/", "//elsewhere.example/", "/insights/", ""]},
         prepare=give_the_supervisor_an_app, allowed=frozenset({200, 302})),
    Form("set up two-factor sign-in", "supervisor", lambda w: ["/account/two-factor/add/?next=/supervise/"],
         valid=lambda w: {"code": PREVIEWED, "next": "/supervise/"},
         alternatives=lambda w: {"code": ["000000", "12345", ""], "next": ["https://elsewhere.example/", ""]},
         prepare=code_of_the_app_being_set_up, allowed=frozenset({200}), succeeded=recovery_codes_shown),
    Form("your details", "supervisor", lambda w: ["/account/"],
         valid=lambda w: {"display_name": "Sam O.", "role_title": "Clinical Lead", "email": "sam.o@example.nhs.uk"},
         alternatives=lambda w: {"display_name": ["", "x" * 101], "role_title": [""],
                                 "email": ["SAM.O@EXAMPLE.NHS.UK", "", "sam@", "a" * 250 + "@x.uk"]}),
    Form("change password", "supervisor", lambda w: ["/account/password/"],
         valid=lambda w: {"old_password": "not the password", "new_password1": "a long new phrase 8841",
                          "new_password2": "a long new phrase 8841"},
         alternatives=lambda w: {"new_password2": ["other", ""], "new_password1": ["short", "12345678901234"]},
         allowed=frozenset({200})),
    Form("ask for a password reset", "anonymous", lambda w: ["/account/password-reset/"],
         valid=lambda w: {"email": "nobody@example.nhs.uk"},
         alternatives=lambda w: {"email": ["", "sam@", "NOBODY@EXAMPLE.NHS.UK", "a" * 250 + "@x.uk"]}),
    Form("choose a new password", "anonymous", lambda w: [reset_form_path(w)],
         valid=lambda w: {"new_password1": "a long new phrase 8841", "new_password2": "a long new phrase 8841"},
         alternatives=lambda w: {"new_password2": ["other", ""], "new_password1": ["short", "password1234"]},
         prepare=open_the_reset_link),
    # Signing in.
    Form("sign in", "anonymous", lambda w: ["/sign-in/?next=/supervise/"],
         valid=lambda w: {"username": w.supervisor.username, "password": "wrong password"},
         alternatives=lambda w: {"username": [w.manager.username.upper()]},
         allowed=frozenset({200, 302, 403, 429})),
    Form("admin sign in", "anonymous", lambda w: ["/admin/login/?next=/admin/"],
         valid=lambda w: {"username": w.supervisor.username, "password": "wrong password"},
         alternatives=lambda w: {"username": [w.manager.username.upper()]},
         allowed=frozenset({200, 302, 403, 429})),
]


# Checking what a request did

def _models():
    # Permissions and content types are fixed rows no request touches; leaving them out halves the time.
    return [*apps.get_app_config("sessions_app").get_models(include_auto_created=True),
            User.groups.through, Group, User.user_permissions.through]


def rows() -> dict[type, list]:
    """Return every row of every model the app writes, to compare before and after a request."""
    return {model: list(model.objects.order_by("pk").values_list()) for model in _models()}


def changed(before: dict, after: dict) -> dict:
    return {model._meta.label: {"before": [r for r in before[model] if r not in after[model]],
                                "after": [r for r in after[model] if r not in before[model]]}
            for model in before if before[model] != after[model]}


def assert_rows_are_valid(before: dict, after: dict) -> None:
    """Check every row of the models that changed, and every session: a change can break a row it touches."""
    for model in {Session, *(model for model in after if before[model] != after[model])}:
        if model._meta.auto_created or model is Contract:  # a published contract refuses full_clean() by design
            continue
        for obj in model.objects.all():
            obj.full_clean()


def assert_nothing_unescaped(response, sent: dict) -> None:
    content_type = response.get("Content-Type", "")
    if content_type.startswith("text/html"):
        body = response.content.decode("utf-8", errors="replace")
        for marker in (SCRIPT, IMG):
            if any(marker in str(value) for value in sent.values()):
                assert marker not in body, f"{marker!r} came back unescaped"
    if content_type.startswith("text/csv"):
        for row in csv.reader(io.StringIO(response.content.decode())):
            for cell in row:
                assert not re.match(r"[=+@]|-\D", cell), f"the CSV cell {cell!r} would run as a formula"


def client_for(who: str, world: World) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(getattr(world, who))
    return client


def send(client: Client, form: Form, path: str, data: dict, as_body: bool, headers: dict):
    if form.method == "get":
        query = query_string(data)
        return client.get(f"{path}{'&' if '?' in path else '?'}{query}" if query else path, **headers)
    if as_body:
        return client.post(path, query_string(data), content_type="application/x-www-form-urlencoded", **headers)
    return client.post(path, multipart(data), **headers)


@pytest.mark.parametrize("form", FORMS, ids=str)
@FUZZ
@given(data=st.data())
def test_hostile_input_never_gives_a_server_error_or_a_half_save(form, world, data):
    path = data.draw(st.sampled_from(form.paths(world)), label="path")
    submission = data.draw(submissions(form.valid(world), form.alternatives(world)), label="submission")
    csv_data = data.draw(csv_files([t.name for t in world.teams] + ["mh", "PC", "Unknown"]), label="csv") \
        if form.csv_file else b""
    if submission.get("file") is PREVIEWED:
        submission["file"] = SimpleUploadedFile(data.draw(st.sampled_from(["s.csv", "s.xlsx", "ü.csv", "s"])),
                                                csv_data)
    as_body = form.method == "post" and data.draw(st.booleans(), label="urlencoded body")
    headers = data.draw(form.headers, label="headers")
    cache.clear()  # the pulse's flood limit counts in the cache, which the rollback does not undo
    with transaction.atomic():
        client = client_for(form.who, world)
        if form.prepare:
            submission = form.prepare(client, path, submission, csv_data)
        submission = {name: "" if value is PREVIEWED else value for name, value in submission.items()}
        before = rows()
        response = send(client, form, path, submission, as_body, headers)
        # A form body over Django's limit is refused before any view, with the "bad request" page.
        sent = int(response.wsgi_request.META.get("CONTENT_LENGTH") or 0)
        too_big = as_body and sent > django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        assert response.status_code in (form.allowed | {400} if too_big else form.allowed), (path, response.status_code)
        if form.who != "anonymous":
            assert response.wsgi_request.user.is_authenticated, "the example lost its sign-in"
            assert not (response.status_code == 302 and response.url.startswith("/sign-in/")), response.url
        after = rows()
        succeeded = form.method == "post" and form.succeeded(response)
        event(f"{response.status_code} {'saved' if before != after else 'nothing saved'}"
              f"{', succeeded' if succeeded else ''}")  # see them with --hypothesis-show-statistics
        if succeeded:
            assert_rows_are_valid(before, after)
        else:
            assert changed(before, after) == {}, "a request that did not succeed changed rows"
        assert_nothing_unescaped(response, submission)
        transaction.set_rollback(True)


def test_every_form_and_query_string_of_the_app_is_in_the_table():
    """A new view that reads request.GET, request.POST or a form must get a row in FORMS."""
    source = "".join(path.read_text() for path in Path(apps.get_app_config("sessions_app").path, "views").glob("*.py"))
    forms_used = set(re.findall(r"\b(\w+Form)\(", source)) - {"SignInForm", "AdminSignInForm"}  # rows "sign in"
    covered = {
        "UpcomingFilterForm", "SessionForm", "MoveForm", "CancelForm", "TallyForm", "RoomBookingForm", "CorrectionForm",
        "RoomForm", "SeriesForm", "SeriesCancelForm", "AnnounceForm", "AddressesForm", "FeedbackReviewForm",
        "PulseForm", "TargetForm", "InsightsFilterForm", "ServiceStartForm",
        "MeasureTargetsForm", "SicknessSiteForm", "SicknessForm",
        "SicknessUploadForm", "SicknessConfirmForm", "SiteForm", "TeamForm", "TeamRetireForm", "ContractDraftForm",
        "ContractPublishForm", "InviteForm", "RolesForm", "AcceptForm", "RoomAnswerForm",
        "TwoFactorCodeForm", "SetupCodeForm", "AccountForm", "TimeAwayForm", "HandOverForm",
    }
    assert forms_used <= covered, f"add rows to FORMS for {sorted(forms_used - covered)}, then list them here"
    assert len({form.name for form in FORMS}) == len(FORMS)


@pytest.mark.parametrize("form", [f for f in FORMS if f.method == "post"], ids=str)
def test_more_fields_than_allowed_are_refused_with_400_and_save_nothing(form, world, client):
    client = client_for(form.who, world)
    path = form.paths(world)[0]
    before = rows()
    response = client.post(path, "&".join(f"f{n}=x" for n in range(1001)),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert changed(before, rows()) == {}



@st.composite
def tampered(draw, genuine: str, other: str) -> str:
    """Return a confirmation field as it came back: as previewed, another file's, or changed on the way."""
    how = draw(st.sampled_from(["as previewed", "another file's", "one character changed", "cut short", "added to",
                                "replaced"]))
    if how == "as previewed":
        return genuine
    if how == "another file's":
        return other
    if how == "replaced":
        return draw(st.one_of(st.text(max_size=600), st.sampled_from(NASTY)))
    at = draw(st.integers(0, len(genuine) - 1))
    if how == "one character changed":
        return genuine[:at] + draw(st.characters(codec="ascii")) + genuine[at + 1:]
    if how == "cut short":
        return genuine[:at]
    return genuine[:at] + draw(st.text(max_size=20)) + genuine[at:]


@FUZZ
@given(data=st.data())
def test_a_tampered_sickness_import_confirmation_saves_nothing_but_the_file_previewed(world, data):
    files = {figures: "team,month,fte_days_lost,fte_days_available\n" + "".join(
        f"{team.slug},2025-0{month},{figures}\n" for team in world.teams for month in (1, 2, 3))
        for figures in ("10,400", "20,500")}
    previews = {figures: sickness_preview(site=world.site, text=text) for figures, text in files.items()}
    one, two = previews.values()
    payload = data.draw(tampered(one.payload, two.payload), label="payload")
    signature = data.draw(tampered(one.signature, two.signature), label="signature")
    with transaction.atomic():
        client = client_for("manager", world)
        before = rows()
        response = client.post("/insights/sickness/import/", {"site": world.site.slug, "action": "confirm",
                                                              "payload": payload, "signature": signature})
        assert response.status_code in (200, 302)
        saved = set(SicknessRecord.objects.values_list("team__slug", "month", "fte_days_lost", "fte_days_available"))
        if changed(before, rows()):
            # Only a file whose signature came back exactly as previewed can be saved, and only that file.
            chosen = next(parsed for parsed in previews.values() if parsed.signature == signature)
            assert {(row.team.slug, row.month, row.fte_days_lost, row.fte_days_available)
                    for row in chosen.rows} <= saved
            assert_rows_are_valid(before, rows())
        else:
            event("nothing saved")
        transaction.set_rollback(True)
