"""Against a reader of the database: nothing pairs a comment with the answer it was written with."""
import datetime

import pytest
from django.db import connection

from sessions_app.models import Feedback, Pulse
from sessions_app.services.feedback import pulse_record
from tests.factories import make_site, make_team
from tests.marks import postgres_only

NOW = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=datetime.timezone.utc)


def row_versions(table: str, site) -> set[str]:
    """Return the transaction ids that last wrote the site's rows (PostgreSQL's hidden xmin column)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT xmin::text FROM {table} WHERE site_id = %s", [site.pk])
        return {row[0] for row in cursor.fetchall()}


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_answer_and_waiting_comment_of_the_week_was_last_written_together():
    site = make_site()
    teams = [make_team(site), make_team(site)]
    for n, (score, comment) in enumerate([(1, "Nobody listens."), (5, ""), (3, "Rota is better."), (4, "")]):
        pulse_record(site=site, team=teams[n % 2], score=score, comment=comment, now=NOW)
    assert Pulse.objects.count() == 4 and Feedback.objects.count() == 2
    pulses, comments = row_versions(Pulse._meta.db_table, site), row_versions(Feedback._meta.db_table, site)
    # One transaction id for all: it says which week was touched last, not which answer came with which comment.
    assert len(pulses) == 1 and pulses == comments


@pytest.mark.django_db
def test_a_comment_keeps_no_link_to_its_answer():
    site = make_site()
    pulse_record(site=site, score=2, comment="Too much overtime.", now=NOW)
    fields = {field.name for field in Feedback._meta.get_fields()}
    assert fields == {"id", "site", "comment", "shown_as", "week", "approved"}
    assert Feedback.objects.get().week == Pulse.objects.get().week == datetime.date(2026, 11, 23)
