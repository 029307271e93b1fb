"""Regular series through the pages: preview, confirm, edit from now on, cancel one date or the rest."""
import datetime

import pytest
from django.utils import timezone

from sessions_app.models import AuditEntry, Series, Session
from tests.factories import make_room, make_session, make_site, make_supervisor, make_team, noon_offset
from tests.helpers import THURSDAY, TUESDAY, next_weekday, running_series, series_data, text

pytestmark = pytest.mark.django_db


def preview(client, data, path="/supervise/series/add/"):
    response = client.post(path, {**data, "action": "preview"})
    assert response.status_code == 200
    return response


def confirm(client, data, path="/supervise/series/add/"):
    fingerprint = preview(client, data, path).context["plan"].fingerprint
    return client.post(path, {**data, "action": "confirm", "fingerprint": fingerprint})


def test_from_an_empty_site_a_supervisor_adds_a_room_then_publishes_12_weeks_of_tuesdays_and_thursdays(client):
    site = make_site(name="HMP Eastfield", slug="hmp-eastfield")
    client.force_login(make_supervisor(site))
    assert not site.rooms.exists()
    response = client.post("/supervise/rooms/add/", {
        "site": site.pk, "name": "Chaplaincy quiet room", "directions": "Past the chapel, first left.", "seats": "6",
        "is_private": "on", "is_comfortable": "on", "is_not_working_office": "on", "owner": "prison",
        "booking_contact": "Chaplaincy, ext 4410", "is_active": "on",
    })
    assert response.status_code == 302
    skip = next_weekday(TUESDAY, weeks_ahead=3)
    data = series_data(site=site.pk, skip_dates=skip.strftime("%d/%m/%Y"))

    shown = preview(client, data)
    page = text(shown)
    assert "Preview: 23 dates to publish" in page  # 12 weeks × 2 days, less the skipped Tuesday
    assert skip.strftime("%a %-d %b %Y") not in page
    assert not Session.objects.exists() and not Series.objects.exists()  # nothing until confirmed

    response = confirm(client, data)
    series = Series.objects.get()
    assert response.status_code == 302 and response.url == f"/supervise/series/{series.pk}/"
    sessions = Session.objects.filter(series=series)
    assert sessions.count() == 23
    assert {s.local_starts_at.weekday() for s in sessions} == {TUESDAY, THURSDAY}
    assert {(s.local_starts_at.time(), s.room.name, s.kind) for s in sessions} == {
        (datetime.time(11, 30), "Chaplaincy quiet room", "regular")}
    assert not sessions.filter(occurrence_date=skip).exists()

    public = text(client.get("/?weeks=14"))
    assert public.count("Chaplaincy quiet room") >= 23
    assert AuditEntry.objects.filter(action="create", object_type="session").count() == 23


def test_confirming_after_the_choices_changed_shows_the_new_preview_and_publishes_nothing(client, site, supervisor):
    client.force_login(supervisor)
    fingerprint = preview(client, series_data(site=site.pk)).context["plan"].fingerprint
    changed = series_data(site=site.pk, weekdays=[str(TUESDAY)])
    response = client.post("/supervise/series/add/", {**changed, "action": "confirm", "fingerprint": fingerprint})
    assert response.status_code == 200
    assert "The dates have changed since the preview. Check the new preview, then confirm." in text(response)
    assert "Preview: 12 dates to publish" in text(response)
    assert not Session.objects.exists()


@pytest.mark.parametrize("changes, message", [
    ({"ends_on": (next_weekday(0) + datetime.timedelta(days=400)).isoformat()},
     "A series can run for at most a year. Choose a last date on or before"),
    ({"starts_on": (next_weekday(0) - datetime.timedelta(weeks=2)).isoformat()},
     "The first date cannot be in the past."),
    ({"ends_on": "9999-12-31"}, "Enter a date within 2 years of today."),
    ({"starts_on": "0001-01-01"}, "Enter a date within 2 years of today."),
    ({"weekdays": []}, "Choose at least one day of the week."),
    ({"weekdays": ["9"]}, "Choose days from the list."),
    ({"every_weeks": "0"}, "Choose how often from the list."),
    ({"start_time": "14:00", "end_time": "13:00"}, "Sessions must end after they start."),
    ({"skip_dates": "25/12/2026\nBoxing Day"}, "“Boxing Day” is not a date. Enter dates like 25/12/2026, one a line."),
    ({"ends_on": "31/02/2027"}, "Enter a real date, for example 1/12/2026."),
])
def test_bad_series_are_refused_with_a_plain_message_and_nothing_lost(client, site, supervisor, changes, message):
    client.force_login(supervisor)
    data = series_data(site=site.pk, public_note="Tea and biscuits", **changes)
    for action in ("preview", "confirm"):
        response = client.post("/supervise/series/add/", {**data, "action": action, "fingerprint": "x"})
        page = text(response)
        assert response.status_code == 200 and message in page
        assert "There is a problem" in page and "Tea and biscuits" in response.content.decode()
    assert not Session.objects.exists() and not Series.objects.exists()


def test_dates_that_clash_are_flagged_left_out_and_skipped(client, site, supervisor):
    room = site.rooms.get()
    clash_day = next_weekday(THURSDAY, weeks_ahead=2)
    other = make_session(site=site, room=room, starts_at=datetime.datetime.combine(
        clash_day, datetime.time(12), tzinfo=site.zone))
    client.force_login(supervisor)
    data = series_data(site=site.pk, room=room.pk)
    page = text(preview(client, data))
    assert "1 date clashes" in page and f"{room.name} is already booked at 12:00 at {site.name}" in page
    confirm(client, data)
    series = Series.objects.get()
    assert series.sessions.count() == 23
    assert clash_day.isoformat() in series.skip_dates
    other.refresh_from_db()
    assert not other.is_cancelled and other.series is None


def test_the_supervisors_own_sessions_elsewhere_are_clashes_too(client, site, supervisor):
    elsewhere = make_site(name="HMP Westgate")
    elsewhere.supervisors.add(supervisor)
    data = series_data(site=site.pk)
    day = datetime.date.fromisoformat(data["starts_on"]) + datetime.timedelta(days=TUESDAY)  # the series' first Tuesday
    make_session(site=elsewhere, supervisor=supervisor,
                 starts_at=datetime.datetime.combine(day, datetime.time(13), tzinfo=site.zone))
    client.force_login(supervisor)
    page = text(preview(client, data))
    assert "You already have a session at 13:00 at HMP Westgate" in page


def published(client, site, supervisor, **changes) -> Series:
    client.force_login(supervisor)
    response = confirm(client, series_data(site=site.pk, **changes))
    assert response.status_code == 302, text(response)
    return Series.objects.get()


def edit_data(series: Series, **changes) -> dict:
    data = series_data(starts_on=series.starts_on.isoformat(), ends_on=series.ends_on.isoformat(), **changes)
    data.pop("site", None)
    return data


def test_editing_a_series_changes_only_its_future_sessions_and_keeps_their_identity(client, site, supervisor):
    series = running_series(site, supervisor)
    now = timezone.now()
    past = {s.pk: (s.starts_at, s.sequence) for s in series.sessions.filter(starts_at__lte=now)}
    future = {s.pk: s.sequence for s in series.sessions.filter(starts_at__gt=now)}
    assert past and future

    client.force_login(supervisor)
    path = f"/supervise/series/{series.pk}/"
    response = confirm(client, edit_data(series, start_time="12:00", end_time="13:00", room=series.room_id), path)
    assert response.status_code == 302

    assert series.sessions.count() == len(past) + len(future)  # no new sessions, none deleted
    for session in series.sessions.all():
        if session.pk in past:
            assert (session.starts_at, session.sequence) == past[session.pk]
        else:
            assert session.local_starts_at.time() == datetime.time(12) and session.sequence > future[session.pk]
    series.refresh_from_db()
    assert series.start_time == datetime.time(12)


def test_dropping_a_weekday_cancels_those_dates_and_deletes_nothing(client, site, supervisor):
    series = published(client, site, supervisor)
    path = f"/supervise/series/{series.pk}/"
    data = edit_data(series, weekdays=[str(TUESDAY)])
    page = text(preview(client, data, path))
    assert page.count("no longer in the series") == 12
    confirm(client, data, path)
    assert series.sessions.count() == 24
    cancelled = series.sessions.filter(status="cancelled")
    assert cancelled.count() == 12 and {s.local_starts_at.weekday() for s in cancelled} == {THURSDAY}
    assert set(cancelled.values_list("cancel_reason", flat=True)) == {"The regular sessions changed"}


def test_a_date_moved_or_cancelled_alone_keeps_its_change_when_the_series_is_edited(client, site, supervisor):
    series = published(client, site, supervisor)
    moved, cancelled = series.sessions.order_by("starts_at")[:2]
    new_day = moved.local_starts_at.date() + datetime.timedelta(days=1)
    response = client.post(f"/supervise/sessions/{moved.pk}/move/", {
        "date": new_day.isoformat(), "start_time": "14:00", "end_time": "15:00", "room": moved.room_id,
        "reason": "Wing lockdown",
    })
    assert response.status_code == 302
    client.post(f"/supervise/sessions/{cancelled.pk}/cancel/", {"reason": "Supervisor on leave"})

    path = f"/supervise/series/{series.pk}/"
    confirm(client, edit_data(series, start_time="12:00", end_time="13:00"), path)
    moved.refresh_from_db()
    cancelled.refresh_from_db()
    assert moved.local_starts_at.date() == new_day and moved.local_starts_at.time() == datetime.time(14)
    assert cancelled.is_cancelled and cancelled.cancel_reason == "Supervisor on leave"
    others = series.sessions.exclude(pk__in=[moved.pk, cancelled.pk])
    assert {s.local_starts_at.time() for s in others} == {datetime.time(12)}


def test_cancelling_the_rest_of_a_series_cancels_every_future_date_in_one_step(client, site, supervisor):
    series = published(client, site, supervisor)
    path = f"/supervise/series/{series.pk}/cancel/"
    assert "This cancels the 24 sessions still to come." in text(client.get(path))
    response = client.post(path, {"reason": ""})
    assert "Give a reason for cancelling, so staff know why." in text(response)
    assert not series.sessions.filter(status="cancelled").exists()

    client.post(path, {"reason": "Moving to the new healthcare centre"})
    assert series.sessions.count() == 24
    assert set(series.sessions.values_list("status", "cancel_reason")) == {
        ("cancelled", "Moving to the new healthcare centre")}
    assert "Moving to the new healthcare centre" in text(client.get("/?weeks=14"))
    assert AuditEntry.objects.filter(action="cancel", object_type="series").exists()


def test_a_series_is_for_the_teams_chosen(client, site, supervisor):
    team, other_team = make_team(site, name="Mental health in-reach"), make_team(site, name="Primary care")
    published(client, site, supervisor, audience_teams=[team.pk])
    assert set(Session.objects.values_list("audience_teams", flat=True)) == {team.pk}
    assert "Mental health in-reach" in text(client.get(f"/?site={site.slug}&team={team.slug}&weeks=14"))
    assert "No drop-in sessions are published for the next 14 weeks for Primary care" in text(
        client.get(f"/?site={site.slug}&team={other_team.slug}&weeks=14"))


def test_teams_and_rooms_of_a_site_not_yours_are_refused(client, site, supervisor):
    elsewhere = make_site()
    client.force_login(supervisor)
    for changes, message in [({"room": make_room(elsewhere).pk}, "Choose a room from the list."),
                             ({"audience_teams": [make_team(elsewhere).pk]}, "Choose teams from the list.")]:
        response = preview(client, series_data(site=site.pk, **changes))
        assert message in text(response)
    assert not Series.objects.exists()


def test_a_team_id_too_big_for_any_database_is_a_wrong_choice_not_an_error(client, site, supervisor):
    # Found by tests/test_fuzz.py: it was a 500 on SQLite (OverflowError).
    client.force_login(supervisor)
    response = preview(client, series_data(site=site.pk, audience_teams=["-9223372036854775809"]))
    assert "Choose teams from the list." in text(response)
    assert not Series.objects.exists()


def test_the_series_list_shows_each_series_in_words(client, site, supervisor):
    published(client, site, supervisor)
    page = text(client.get("/supervise/series/"))
    assert "Every week on Tuesday and Thursday" in page and "24 sessions" in page


def test_the_edit_form_starts_from_the_series_as_it_is(client, site, supervisor):
    series = running_series(site, supervisor)
    Series.objects.filter(pk=series.pk).update(skip_dates=["2027-01-05"])
    client.force_login(supervisor)
    html = client.get(f"/supervise/series/{series.pk}/").content.decode()
    assert f'name="starts_on" type="date" value="{series.starts_on.isoformat()}"' in html
    assert 'name="start_time" type="time" value="11:30"' in html
    assert ">05/01/2027</textarea>" in html
    assert 'value="1" checked' in html and 'value="3" checked' in html and 'value="0" checked' not in html


def test_every_two_weeks_counts_weeks_from_the_first_dates_week(client, site, supervisor):
    monday = next_weekday(0)
    series = published(client, site, supervisor, every_weeks="2", weekdays=[str(TUESDAY)],
                       starts_on=(monday + datetime.timedelta(days=2)).isoformat(),  # a Wednesday
                       ends_on=(monday + datetime.timedelta(weeks=6)).isoformat())
    days = sorted(series.sessions.values_list("occurrence_date", flat=True))
    # The first week's Tuesday is before the first date; then every other week.
    assert days == [monday + datetime.timedelta(weeks=n, days=1) for n in (2, 4)]


def next_clock_change(zone, after: datetime.date) -> datetime.date:
    """Return the first date after `after` on which the zone's clocks change."""
    day = after + datetime.timedelta(days=1)
    while noon_offset(day, zone) == noon_offset(day - datetime.timedelta(days=1), zone):
        day += datetime.timedelta(days=1)
    return day


def test_a_series_keeps_its_local_time_across_the_clock_change(client, site, supervisor):
    change = next_clock_change(site.zone, after=timezone.localdate() + datetime.timedelta(weeks=2))
    series = published(client, site, supervisor, weekdays=[str(TUESDAY)],
                       starts_on=(change - datetime.timedelta(weeks=2)).isoformat(),
                       ends_on=(change + datetime.timedelta(weeks=2)).isoformat(), start_time="11:30", end_time="13:00")
    sessions = list(series.sessions.order_by("starts_at"))
    assert {s.local_starts_at.time() for s in sessions} == {datetime.time(11, 30)}
    assert {s.starts_at.astimezone(datetime.timezone.utc).hour for s in sessions} == {10, 11}  # GMT, then BST


def test_the_preview_shows_times_in_the_sites_own_zone(client, supervisor):
    site = make_site(time_zone="Europe/Paris")
    make_room(site)
    site.supervisors.add(supervisor)
    series = running_series(site, supervisor)
    moved = series.sessions.filter(starts_at__gt=timezone.now()).order_by("starts_at").first()
    moved.starts_at += datetime.timedelta(hours=3)
    moved.ends_at += datetime.timedelta(hours=3)
    moved.save()
    client.force_login(supervisor)
    page = text(preview(client, edit_data(series, room=series.room_id), f"/supervise/series/{series.pk}/"))
    assert "2:30pm to 4:30pm" in page and "Kept: changed on its own" in page


def test_confirming_with_other_times_than_the_preview_publishes_nothing(client, site, supervisor):
    client.force_login(supervisor)
    fingerprint = preview(client, series_data(site=site.pk)).context["plan"].fingerprint
    response = client.post("/supervise/series/add/", {**series_data(site=site.pk, start_time="14:00",
                                                                    end_time="15:00"),
                                                      "action": "confirm", "fingerprint": fingerprint})
    assert "The dates have changed since the preview." in text(response)
    assert not Session.objects.exists()


def test_a_date_postponed_before_it_came_is_not_cancelled_by_an_edit(client, site, supervisor):
    series = running_series(site, supervisor)
    postponed = series.sessions.filter(starts_at__lt=timezone.now()).order_by("-starts_at").first()
    # Postponed to 17:00 tomorrow, clear of the series' own 11:30 to 13:30 whatever the hour now.
    evening = datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=1), datetime.time(17),
                                        tzinfo=site.zone)
    postponed.starts_at, postponed.ends_at = evening, evening + datetime.timedelta(hours=1)
    postponed.save()
    client.force_login(supervisor)
    confirm(client, edit_data(series, room=series.room_id, public_note="Tea provided"),
            f"/supervise/series/{series.pk}/")
    postponed.refresh_from_db()
    assert not postponed.is_cancelled and postponed.public_note == ""
    assert series.sessions.filter(starts_at__gt=timezone.now(), status="scheduled").exclude(
        pk=postponed.pk).exclude(public_note="Tea provided").count() == 0


def test_new_dates_clash_with_the_series_own_sessions_moved_alone(client, site, supervisor):
    series = running_series(site, supervisor)
    tuesday = series.sessions.filter(starts_at__gt=timezone.now() + datetime.timedelta(days=2)).order_by(
        "starts_at").filter(occurrence_date__week_day=3).first()  # Django counts Sunday as 1
    tuesday.starts_at += datetime.timedelta(days=1)  # to Wednesday, same time and room
    tuesday.ends_at += datetime.timedelta(days=1)
    tuesday.save()
    client.force_login(supervisor)
    path = f"/supervise/series/{series.pk}/"
    data = edit_data(series, room=series.room_id, weekdays=["1", "2", "3"])
    assert "You already have a session at 11:30" in text(preview(client, data, path))
    confirm(client, data, path)
    wednesday = tuesday.local_starts_at.date()
    assert series.sessions.filter(starts_at__date=wednesday).count() == 1
    series.refresh_from_db()
    assert wednesday.isoformat() in series.skip_dates


def test_a_weekday_dropped_and_added_back_comes_back_as_the_same_sessions(client, site, supervisor):
    series = published(client, site, supervisor)
    path = f"/supervise/series/{series.pk}/"
    thursdays = set(series.sessions.filter(occurrence_date__week_day=5).values_list("pk", flat=True))
    confirm(client, edit_data(series, weekdays=[str(TUESDAY)]), path)
    assert series.sessions.filter(status="cancelled").count() == 12
    assert "Back in the series again" in text(preview(client, edit_data(series), path))
    confirm(client, edit_data(series), path)
    assert series.sessions.count() == 24 and series.sessions.filter(status="scheduled").count() == 24
    assert set(series.sessions.filter(occurrence_date__week_day=5).values_list("pk", flat=True)) == thursdays


def test_a_supervisor_of_two_sites_cannot_put_one_sites_room_in_the_others_series(client, site, supervisor):
    other = make_site(name="HMP Westgate")
    other.supervisors.add(supervisor)
    client.force_login(supervisor)
    response = preview(client, series_data(site=site.pk, room=make_room(other).pk))
    assert "This room is at another site. Choose a room at this site." in text(response)
    response = preview(client, series_data(site=site.pk, audience_teams=[make_team(other).pk]))
    assert "Choose teams at this site." in text(response)
