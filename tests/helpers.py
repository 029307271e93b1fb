"""Helpers that several test modules share (a test module never imports from another)."""
import csv
import datetime
import html
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import icalendar
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sessions_app.models import Pulse, Series, week_of
from sessions_app.dates import add_months, month_start
from tests.factories import make_attendance, make_manager, make_session, make_user


def page_tables(response) -> dict[str, list[str]]:
    """Return each table row of a page as its cells' text, keyed by the row's caption and first cell."""
    html = response.content.decode()
    table_rows = {}
    for caption, body in re.findall(r"<caption[^>]*>(.*?)</caption>(.*?)</table>", html, flags=re.S):
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
            cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
                     for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]
            table_rows[f"{caption.split(',')[0]}: {cells[0]}"] = cells[1:]
    return table_rows


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


# Pages, feeds and forms


def text(response) -> str:
    """Return the page as a person reads it: tags removed, characters unescaped, white space folded."""
    page = response.content.decode()
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).strip())


def next_weekday(weekday: int, weeks_ahead: int = 1) -> datetime.date:
    today = timezone.localdate()
    return today + datetime.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks_ahead)


TUESDAY, THURSDAY = 1, 3


def series_data(**changes) -> dict:
    monday = next_weekday(0)
    data = {
        "weekdays": [str(TUESDAY), str(THURSDAY)], "every_weeks": "1", "starts_on": monday.isoformat(),
        "ends_on": (monday + datetime.timedelta(weeks=12, days=-1)).isoformat(), "start_time": "", "end_time": "",
        "skip_dates": "", "room": "", "public_note": "",
    }
    return {**data, **changes}


def running_series(site, supervisor, weeks_ago=3, weeks=12, room=None) -> Series:
    """Return a Tuesday-and-Thursday series that began weeks ago, with a session on every date."""
    from sessions_app.services.series import series_dates, series_times

    starts_on = next_weekday(0) - datetime.timedelta(weeks=weeks_ago + 1)
    series = Series.objects.create(
        site=site, room=room or site.rooms.get(), supervisor=supervisor, weekdays=[TUESDAY, THURSDAY],
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(weeks=weeks, days=-1), start_time=datetime.time(11, 30),
        end_time=datetime.time(13, 30),
    )
    for day in series_dates(series):
        starts_at, ends_at = series_times(series, day)
        make_session(site=site, room=series.room, supervisor=supervisor, series=series, occurrence_date=day,
                     starts_at=starts_at, ends_at=ends_at, kind="regular")
    return series


def past(site, days_ago: int, *, seen=0, not_seen=0, minutes=120, room=None, **fields):
    """A session that finished `days_ago` days ago at 11:30 in the site's zone, with its counts."""
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    starts_at = datetime.datetime.combine(day, datetime.time(11, 30), tzinfo=site.zone)
    session = make_session(site=site, room=room or site.rooms.first(), starts_at=starts_at,
                           ends_at=starts_at + datetime.timedelta(minutes=minutes), **fields)
    if seen or not_seen:
        make_attendance(session, seen=seen, not_seen=not_seen)
    return session


def events(response) -> dict[str, icalendar.Event]:
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    environment = {key: value for key, value in os.environ.items() if key not in (
        "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE", "DROPIN_CALENDAR_DOMAIN", "DROPIN_BASE_URL",
        "CACHE_URL")}
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "k3" * 30 + "-Zq9", "ALLOWED_HOSTS": "dropin.example.nhs.uk",
              "DROPIN_CALENDAR_DOMAIN": "dropin.example.nhs.uk", "DROPIN_BASE_URL": "https://dropin.example.nhs.uk",
              "CACHE_URL": "redis://127.0.0.1:6379/1", "DROPIN_CONTROLLER": "Northgate Health NHS Foundation Trust",
              "DROPIN_DPO_CONTACT": "dpo@northgate.nhs.uk", "DROPIN_ACCESSIBILITY_CONTACT": "dropin@northgate.nhs.uk"}


IMPORT = "/insights/sickness/import/"
HEADER = "team,month,fte_days_lost,fte_days_available"


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def sickness_upload(client, data: bytes, site: str = "hmp-northgate", name: str = "sickness.csv"):
    return client.post(IMPORT, {"site": site, "action": "preview",
                                "file": SimpleUploadedFile(name, data, content_type="text/csv")})


def hidden(response, name: str) -> str:
    """Return a hidden field's value as a browser would send it back."""
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">', response.content.decode())
    assert match, f"no hidden field {name}"
    return html.unescape(match.group(1))


def sickness_confirm(client, preview, **changes):
    return client.post(IMPORT, {"site": hidden(preview, "site"), "payload": hidden(preview, "payload"),
                                "signature": hidden(preview, "signature"), "action": "confirm", **changes})


# The moment the insights and pulse tests are pinned to (the `at_the_moment` fixture), and the months it gives.
MOMENT = datetime.datetime(2026, 11, 18, 12, 0, tzinfo=datetime.timezone.utc)
THIS_MONTH = month_start(MOMENT.date())
# The newest month the pages publish in full. A pulse week counts in its Monday's month, so last month
# is published once its last week has ended: in the first days of a month, the one before it is newest.
LAST_WEEK_OF_LAST_MONTH = week_of(THIS_MONTH - datetime.timedelta(days=1))
ENDED_MONTH = add_months(THIS_MONTH, -1 if week_of(MOMENT.date()) > LAST_WEEK_OF_LAST_MONTH else -2)
MONDAY = ENDED_MONTH + datetime.timedelta(days=(7 - ENDED_MONTH.weekday()) % 7)  # the month's first Monday
PERIOD = f"start={ENDED_MONTH:%Y-%m}&end={ENDED_MONTH:%Y-%m}"


def answers(site, team, scores, monday=MONDAY):
    Pulse.objects.bulk_create(Pulse(site=site, team=team, week=monday, score=score) for score in scores)


PULSE_ROW = f"Pulse answers: {ENDED_MONTH:%B %Y}"


class RefusingEmailBackend:
    """An email backend whose server refuses every message (settings.EMAIL_BACKEND names it by path)."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


# Room requests

BOOKINGS = "bookings@northgate.example.nhs.uk"


def to_request(site, room, supervisor, days: int):
    """Return a session `days` ahead, 12:30 to 13:30 at the site, in a room someone books, not asked for yet."""
    from tests.factories import lunchtime_in_days

    starts_at = lunchtime_in_days(days, site.zone)
    return make_session(site=site, room=room, supervisor=supervisor, starts_at=starts_at,
                        ends_at=starts_at + datetime.timedelta(hours=1), room_booking="to_request")


def answer_links(message) -> dict[str, list[str]]:
    """Return the paths a room request email links to: each date's confirm and decline, and the one for all."""
    link = r"https?://[^/\s]+(/rooms/answer/[^/\s?]+/)"
    return {"confirmed": re.findall(link + r"\?answer=confirmed", message.body),
            "declined": re.findall(link + r"\?answer=declined", message.body),
            "all": re.findall(r"at once: " + link + r"$", message.body, flags=re.M)}


def token_of(path: str) -> str:
    return path.split("/")[3]


# Linear algebra for the privacy attacks: is a protected figure a combination of the figures shown?


def _reduced(row: dict, basis: list[tuple]) -> dict:
    for pivot, base in basis:
        if row.get(pivot):
            factor = row[pivot] / base[pivot]
            row = {k: row.get(k, 0) - factor * base.get(k, 0) for k in set(row) | set(base)}
            row = {k: v for k, v in row.items() if v}
    return row


def determined(equations: list[dict], target: dict) -> bool:
    """Whether the target ({unknown: coefficient}) is a linear combination of the equations (exact arithmetic)."""
    from fractions import Fraction

    basis: list[tuple] = []  # (pivot key, row) in echelon form
    for equation in equations:
        row = _reduced({k: Fraction(v) for k, v in equation.items() if v}, basis)
        if row:
            basis.append((next(iter(sorted(row, key=str))), row))
    return not _reduced({k: Fraction(v) for k, v in target.items() if v}, basis)


# Everyone who might open a page, as the access tables name them (tests/views/test_access.py).
ANON, NO_ROLE, SUPERVISOR, OTHER_SUPERVISOR, MANAGER = "anonymous", "no role", "supervisor", "other site", "manager"
ADMINISTRATOR = "service administrator"  # a superuser: the admin is hers alone
OTHER_MANAGER = "manager of another site"  # roles are per site: she manages HMP Elsewhere only
CAST = [ANON, NO_ROLE, SUPERVISOR, OTHER_SUPERVISOR, MANAGER, OTHER_MANAGER, ADMINISTRATOR]


def the_cast(*, supervisor, manager, other_supervisor) -> dict:
    """Return the person for each name in CAST (None: signed out), from the conftest's supervisor and managers."""
    return {ANON: None, NO_ROLE: make_user(), SUPERVISOR: supervisor, OTHER_SUPERVISOR: other_supervisor,
            MANAGER: manager, OTHER_MANAGER: make_manager(other_supervisor.supervised_sites.get()),
            ADMINISTRATOR: make_user(is_superuser=True, is_staff=True)}
