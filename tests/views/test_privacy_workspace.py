"""Privacy rule 2 in the workspace: a manager sees “fewer than 5”, never a small count of people."""
import datetime

import pytest
from django.utils import timezone

from sessions_app.services import tally
from tests.factories import make_attendance, make_session
from tests.helpers import past, text

pytestmark = pytest.mark.django_db


def test_a_manager_sees_small_counts_as_fewer_than_5_on_the_demand_page(client, site, supervisor, manager):
    past(site, 2, seen=3, not_seen=1)
    past(site, 3, seen=7, not_seen=6)
    client.force_login(manager)
    page = text(client.get("/supervise/demand/"))
    assert "Seen fewer than 5 Not seen fewer than 5 Utilisation Not shown for so few" in page
    assert "Seen 7 Not seen 6 Utilisation 88%" in page  # at the threshold and above, numbers show
    client.force_login(supervisor)
    assert "Seen 3 Not seen 1 Utilisation 38%" in text(client.get("/supervise/demand/"))


def test_a_manager_sees_a_sessions_small_counts_as_fewer_than_5(client, site, supervisor, manager):
    finished = make_session(site=site, room=site.rooms.get(), starts_at=timezone.now() - datetime.timedelta(hours=5))
    make_attendance(finished, seen=2, not_seen=1)
    client.force_login(manager)
    page = text(client.get(f"/supervise/sessions/{finished.pk}/"))
    assert "Seen: fewer than 5. Not seen: fewer than 5." in page and "Utilisation" not in page
    client.force_login(supervisor)
    assert "Seen: 2. Not seen: 1. Utilisation" in text(client.get(f"/supervise/sessions/{finished.pk}/"))


def test_a_manager_who_does_not_supervise_sees_no_live_tally_and_cannot_press_it(client, site, supervisor, manager):
    on_now = make_session(site=site, room=site.rooms.get(), starts_at=timezone.now() - datetime.timedelta(minutes=5))
    for _ in range(3):
        tally.tally_press(actor=supervisor, session=on_now, action="arrived")
    client.force_login(manager)
    page = text(client.get(f"/supervise/sessions/{on_now.pk}/"))
    assert "Waiting" not in page and "The site's supervisors count people here" in page
    response = client.post(f"/supervise/sessions/{on_now.pk}/tally/", {"action": "arrived"},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 403 and b"waiting" not in response.content
    on_now.refresh_from_db()
    assert on_now.waiting == 3


def test_a_manager_is_not_told_a_session_outgrew_supply_when_that_gives_a_small_count_away(client, site, supervisor,
                                                                                          manager):
    # 4 seen in an hour at 15 minutes each is 100% utilisation: “Outgrew supply” beside “fewer than 5” means 4.
    past(site, 2, seen=4, not_seen=0, minutes=60)
    past(site, 3, seen=2, not_seen=1, minutes=60)  # outgrew because people were not seen: that much is shown
    client.force_login(manager)
    page = text(client.get("/supervise/demand/"))
    assert page.count("Outgrew supply") == 1
    # The suggestion is counted from the one tag she sees, so it cannot say the hidden count ran full.
    assert "Demand outgrew supply" not in page
    client.force_login(supervisor)
    page = text(client.get("/supervise/demand/"))
    assert page.count("Outgrew supply") == 2 and "Demand outgrew supply at 2 of the last 2 sessions" in page


def test_others_see_a_sessions_totals_only_once_its_tally_has_closed(client, site, supervisor, manager):
    ended = make_session(site=site, room=site.rooms.get(),
                         starts_at=timezone.now() - datetime.timedelta(hours=2, minutes=30),
                         ends_at=timezone.now() - datetime.timedelta(minutes=30))
    make_attendance(ended, seen=2)
    client.force_login(manager)
    # Still taking presses for half an hour: a count she could watch change would time a visit.
    assert "Seen:" not in text(client.get(f"/supervise/sessions/{ended.pk}/"))
    assert f"/supervise/sessions/{ended.pk}/" not in client.get("/supervise/demand/").content.decode()
    client.force_login(supervisor)
    assert "Seen: 2." in text(client.get(f"/supervise/sessions/{ended.pk}/"))
    ended.ends_at = timezone.now() - datetime.timedelta(minutes=61)
    ended.save()
    client.force_login(manager)
    assert "Seen: fewer than 5." in text(client.get(f"/supervise/sessions/{ended.pk}/"))
    assert f"/supervise/sessions/{ended.pk}/" in client.get("/supervise/demand/").content.decode()
