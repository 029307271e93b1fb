"""The poster, its QR code and the handover note: every channel reads the same published sessions."""
import datetime

import pytest
import segno
from django.utils import timezone

from sessions_app.services import scheduling
from sessions_app.services.publishing import qr_svg
from tests.factories import make_contract, make_room, make_session
from tests.helpers import events, text

pytestmark = pytest.mark.django_db


def at(site, days: int, hour=11, minute=30):
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=site.zone)


def test_the_poster_lists_the_next_sessions_room_contract_and_qr_code(client, site, supervisor):
    make_contract(version=1)
    room = site.rooms.get()
    soon = make_session(site=site, room=room, supervisor=supervisor, starts_at=at(site, 2))
    make_session(site=site, room=room, supervisor=supervisor, starts_at=at(site, 40))  # beyond 4 weeks
    response = client.get(f"/poster/{site.slug}/")
    page = text(response)
    assert "Drop-in supervision — no appointment needed" in page
    assert soon.local_starts_at.strftime("%A %-d %B %Y") in page
    assert page.count("11:30am to 1:30pm") == 1
    assert "Where: Wellbeing room. Healthcare corridor" in page
    assert "supervision contract: http://testserver/contract/" in page
    assert f'src="/poster/{site.slug}/qr.svg"' in response.content.decode()
    assert f"http://testserver/?site={site.slug}" in page


def test_the_poster_lists_as_many_as_fit_then_points_to_the_page(client, site, supervisor):
    rooms = [site.rooms.get(), make_room(site)]
    for n in range(12):
        make_session(site=site, room=rooms[n % 2], supervisor=supervisor, starts_at=at(site, 1 + n // 2, 9 + 3 * (n % 2)))
    page = text(client.get(f"/poster/{site.slug}/"))
    assert "More dates on the drop-in page." in page
    assert page.count("Where:") == 2


def test_the_qr_code_is_the_sites_page(client, site):
    response = client.get(f"/poster/{site.slug}/qr.svg")
    assert response["Content-Type"] == "image/svg+xml"
    # segno's matrix for the site's address, drawn the same way, is what is served (the browser test decodes it).
    assert response.content == qr_svg(f"http://testserver/?site={site.slug}")
    assert response.content != qr_svg("http://testserver/")


def test_the_handover_note_reads_the_weeks_sessions(client, site, supervisor):
    room = site.rooms.get()
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    week = [monday + datetime.timedelta(days=d) for d in range(7)]
    future = [d for d in week if d > today]
    if not future:  # a Sunday: the note speaks of next week
        future = [today + datetime.timedelta(days=2)]
    day = future[0]
    make_session(site=site, room=room, supervisor=supervisor,
                 starts_at=datetime.datetime.combine(day, datetime.time(11, 30), tzinfo=site.zone))
    response = client.get(f"/handover/{site.slug}/")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    note = response.content.decode()
    assert note.startswith("Drop-in supervision ")
    assert f"{day:%a} 11:30–13:30, Wellbeing room (Healthcare corridor" in note
    assert note.rstrip().endswith("No appointment needed.")


def test_with_nothing_published_the_handover_note_says_so(client, site):
    assert "no sessions are published for this week or next" in client.get(f"/handover/{site.slug}/").content.decode()


def test_cancelling_changes_the_feed_poster_handover_note_and_public_page_together(client, site, supervisor):
    room = site.rooms.get()
    session = make_session(site=site, room=room, supervisor=supervisor,
                           starts_at=timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(hours=26))
    when = f"{session.local_starts_at:%a %H:%M}–{session.local_ends_at:%H:%M}"
    date = session.local_starts_at.strftime("%A %-d %B %Y")
    assert str(next(iter(events(client.get(f"/calendar/{site.slug}.ics")).values()))["STATUS"]) == "CONFIRMED"
    assert date in text(client.get(f"/poster/{site.slug}/"))
    assert when in client.get(f"/handover/{site.slug}/").content.decode()

    scheduling.session_cancel(actor=supervisor, session=session, reason="Supervisor on the wing")

    assert str(next(iter(events(client.get(f"/calendar/{site.slug}.ics")).values()))["STATUS"]) == "CANCELLED"
    assert date not in text(client.get(f"/poster/{site.slug}/"))
    assert when not in client.get(f"/handover/{site.slug}/").content.decode()
    public = text(client.get("/"))
    assert "Cancelled" in public and "Supervisor on the wing" in public


def test_the_workspace_home_shows_the_handover_note_to_copy(client, site, supervisor):
    make_session(site=site, room=site.rooms.get(), supervisor=supervisor, starts_at=at(site, 1))
    client.force_login(supervisor)
    html = client.get("/supervise/").content.decode()
    assert 'data-copy="handover-' in html and "No appointment needed." in html


def test_the_public_pages_offer_the_feed_and_the_session_file(client, site, supervisor):
    session = make_session(site=site, room=site.rooms.get(), supervisor=supervisor, starts_at=at(site, 1))
    html = client.get("/").content.decode()
    assert f'href="webcal://testserver/calendar/{site.slug}.ics"' in html
    assert f'value="http://testserver/calendar/{site.slug}.ics"' in html and "How to subscribe in Outlook" in html
    assert f'href="/sessions/{session.pk}/calendar.ics"' in client.get(f"/sessions/{session.pk}/").content.decode()
