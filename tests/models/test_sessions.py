import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sessions_app.models import Session
from tests.factories import make_room, make_session, make_site, make_user, session_fields
from tests.marks import postgres_only
from tests.rules import assert_refused, validation_messages

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def test_valid_session_saves():
    session = Session(**session_fields())
    session.full_clean()
    session.save()
    assert session.status == Session.Status.SCHEDULED
    assert session.sequence == 0


def test_session_must_end_after_it_starts():
    fields = session_fields()
    fields["ends_at"] = fields["starts_at"]
    assert_refused(Session, fields, "The session must end after it starts.")


def test_session_is_at_most_four_hours():
    fields = session_fields()
    fields["ends_at"] = fields["starts_at"] + datetime.timedelta(hours=4, minutes=1)
    assert_refused(Session, fields, "A session can be at most 4 hours long.")


def test_four_hour_session_is_allowed():
    fields = session_fields()
    fields["ends_at"] = fields["starts_at"] + datetime.timedelta(hours=4)
    Session(**fields).full_clean()
    assert Session.objects.create(**fields).pk


def test_cancelled_session_needs_a_reason():
    assert_refused(
        Session, session_fields(status=Session.Status.CANCELLED),
        "Give a reason for cancelling, so staff know why.",
    )


def test_cancelled_session_with_reason_saves():
    session = Session(**session_fields(status=Session.Status.CANCELLED, cancel_reason="Needed on the wing"))
    session.full_clean()
    session.save()
    assert session.is_cancelled


def full_clean_messages(session) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        session.full_clean()
    return validation_messages(caught.value)


def test_room_cannot_hold_two_overlapping_sessions():
    first = make_session()
    clash = Session(**session_fields(
        room=first.room, starts_at=first.starts_at + HOUR, ends_at=first.ends_at + HOUR,
    ))
    assert full_clean_messages(clash) == ["This room already has a session at that time. Choose another room or time."]


def test_supervisor_cannot_run_two_overlapping_sessions():
    first = make_session()
    clash = Session(**session_fields(supervisor=first.supervisor, starts_at=first.starts_at - HOUR))
    assert full_clean_messages(clash) == ["This supervisor already has a session at that time. Choose another time."]


def test_back_to_back_sessions_do_not_overlap():
    first = make_session()
    after = Session(**session_fields(room=first.room, supervisor=first.supervisor, starts_at=first.ends_at))
    after.full_clean()


def test_cancelled_session_frees_its_room_and_supervisor():
    first = make_session(status=Session.Status.CANCELLED, cancel_reason="Room flooded")
    Session(**session_fields(room=first.room, supervisor=first.supervisor, starts_at=first.starts_at)).full_clean()


def test_editing_a_session_does_not_clash_with_itself():
    session = make_session()
    session.public_note = "Bring a mug"
    session.full_clean()


def test_room_must_be_at_the_sessions_site():
    room = make_room()
    session = Session(**session_fields(site=make_site(), room=room))
    assert "This room is at another site. Choose a room at this site." in full_clean_messages(session)


def test_inactive_room_cannot_be_chosen_for_a_new_session():
    room = make_room(is_active=False)
    session = Session(**session_fields(room=room))
    assert "This room is no longer in use. Choose an active room." in full_clean_messages(session)


def test_existing_session_keeps_a_room_that_later_became_inactive():
    session = make_session()
    session.room.is_active = False
    session.room.save()
    session.refresh_from_db()
    session.public_note = "Last session in this room"
    session.full_clean()


def test_sequence_grows_on_every_change():
    session = make_session()
    session.public_note = "Moved to the afternoon"
    session.save()
    session.save()
    assert session.sequence == 2
    session.refresh_from_db()
    assert session.sequence == 2


@postgres_only
def test_database_refuses_overlapping_sessions_in_one_room():
    first = make_session()
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(**session_fields(
            room=first.room, starts_at=first.starts_at + HOUR, ends_at=first.ends_at + HOUR,
        ))


@postgres_only
def test_database_refuses_overlapping_sessions_for_one_supervisor():
    first = make_session()
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(**session_fields(supervisor=first.supervisor, starts_at=first.starts_at))


@postgres_only
def test_database_allows_overlap_when_one_is_cancelled():
    first = make_session(status=Session.Status.CANCELLED, cancel_reason="Lockdown")
    second = Session.objects.create(**session_fields(room=first.room, supervisor=first.supervisor, starts_at=first.starts_at))
    assert second.pk


@postgres_only
def test_database_refuses_uncancelling_into_a_clash():
    cancelled = make_session(status=Session.Status.CANCELLED, cancel_reason="Lockdown")
    make_session(room=cancelled.room, starts_at=cancelled.starts_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=cancelled.pk).update(status=Session.Status.SCHEDULED)


def test_supervisor_from_another_session_is_free_in_another_room_at_another_time():
    supervisor = make_user()
    first = make_session(supervisor=supervisor)
    Session(**session_fields(supervisor=supervisor, starts_at=first.ends_at + HOUR)).full_clean()


@pytest.mark.parametrize("field, value", [("status", "Cancelled"), ("kind", "weekly"), ("room_booking", "maybe")])
def test_choices_are_kept_by_the_database(field, value):
    fields = session_fields(**{field: value, "cancel_reason": "x"})
    with pytest.raises(ValidationError) as caught:
        Session(**fields).full_clean()
    # The field's own check speaks first; the named constraint stands behind it in the database.
    assert caught.value.message_dict[field] == [f"Value '{value}' is not a valid choice."]
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(**fields)


def test_saving_only_some_fields_still_bumps_the_sequence():
    session = make_session()
    session.status, session.cancel_reason = Session.Status.CANCELLED, "Lockdown"
    session.save(update_fields=["status", "cancel_reason"])
    session.refresh_from_db()
    assert session.sequence == 1


def test_a_failed_save_leaves_the_sequence_a_number():
    session = make_session()
    session.ends_at = session.starts_at
    with pytest.raises(IntegrityError), transaction.atomic():
        session.save()
    assert session.sequence == 0
